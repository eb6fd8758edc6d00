/// The pure state machine of a key: each event returns the next state or the AWS error.
/// Handlers never assign `Key.state` themselves.
public enum KeyLifecycle {
    public enum Event: Sendable, CaseIterable {
        case materialImported
        case materialDeleted
        case enable
        case disable
        case scheduleDeletion
        /// Scheduling the deletion of a multi-Region primary that still has replicas.
        case scheduleDeletionWithReplicas
        /// The last replica of a primary pending replica deletion is gone.
        case replicasDeleted
        case cancelDeletionWithMaterial
        case cancelDeletionWithoutMaterial
    }

    public static func next(_ state: KeyState, on event: Event, arn: String) throws(KMSError) -> KeyState {
        switch (event, state) {
        case (.materialImported, .pendingImport): return .enabled
        case (.materialImported, _): throw KMSError(.invalidState, "\(arn) is not pending import.")

        case (.materialDeleted, .pendingDeletion), (.materialDeleted, .pendingReplicaDeletion): return state
        case (.materialDeleted, _): return .pendingImport

        case (.enable, .enabled), (.enable, .disabled): return .enabled
        case (.enable, _): throw KMSError.invalidState(arn: arn, state: state)

        case (.disable, .enabled), (.disable, .disabled): return .disabled
        case (.disable, _): throw KMSError.invalidState(arn: arn, state: state)

        case (.scheduleDeletion, .pendingDeletion), (.scheduleDeletion, .pendingReplicaDeletion),
             (.scheduleDeletionWithReplicas, .pendingDeletion), (.scheduleDeletionWithReplicas, .pendingReplicaDeletion):
            throw KMSError.invalidState(arn: arn, state: state)
        case (.scheduleDeletion, _): return .pendingDeletion
        case (.scheduleDeletionWithReplicas, _): return .pendingReplicaDeletion

        case (.replicasDeleted, .pendingReplicaDeletion): return .pendingDeletion
        case (.replicasDeleted, _): throw KMSError(.invalidState, "\(arn) is not pending replica deletion.")

        case (.cancelDeletionWithMaterial, .pendingDeletion), (.cancelDeletionWithMaterial, .pendingReplicaDeletion): return .disabled
        case (.cancelDeletionWithoutMaterial, .pendingDeletion), (.cancelDeletionWithoutMaterial, .pendingReplicaDeletion): return .pendingImport
        case (.cancelDeletionWithMaterial, _), (.cancelDeletionWithoutMaterial, _):
            throw KMSError(.invalidState, "\(arn) is not pending deletion.")
        }
    }
}
