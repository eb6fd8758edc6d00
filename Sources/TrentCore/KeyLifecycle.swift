/// The pure state machine of a key: each event returns the next state or the AWS error.
/// Handlers never assign `Key.state` themselves.
public enum KeyLifecycle {
    public enum Event: Sendable, CaseIterable {
        case materialImported
        case materialDeleted
        case enable
        case disable
        case scheduleDeletion
        case cancelDeletionWithMaterial
        case cancelDeletionWithoutMaterial
    }

    public static func next(_ state: KeyState, on event: Event, arn: String) throws(KMSError) -> KeyState {
        switch (event, state) {
        case (.materialImported, .pendingImport): return .enabled
        case (.materialImported, _): throw KMSError(.invalidState, "\(arn) is not pending import.")

        case (.materialDeleted, .pendingDeletion): return .pendingDeletion
        case (.materialDeleted, _): return .pendingImport

        case (.enable, .enabled), (.enable, .disabled): return .enabled
        case (.enable, _): throw KMSError.invalidState(arn: arn, state: state)

        case (.disable, .enabled), (.disable, .disabled): return .disabled
        case (.disable, _): throw KMSError.invalidState(arn: arn, state: state)

        case (.scheduleDeletion, .pendingDeletion): throw KMSError.invalidState(arn: arn, state: state)
        case (.scheduleDeletion, _): return .pendingDeletion

        case (.cancelDeletionWithMaterial, .pendingDeletion): return .disabled
        case (.cancelDeletionWithoutMaterial, .pendingDeletion): return .pendingImport
        case (.cancelDeletionWithMaterial, _), (.cancelDeletionWithoutMaterial, _):
            throw KMSError(.invalidState, "\(arn) is not pending deletion.")
        }
    }
}
