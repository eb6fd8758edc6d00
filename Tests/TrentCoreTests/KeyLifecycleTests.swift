import Testing
@testable import TrentCore

@Suite struct KeyLifecycleTests {
    typealias E = KeyLifecycle.Event
    static let arn = "arn:aws:kms:us-east-1:111122223333:key/k"

    /// The whole transition table: (event, from) → next state, or the AWS error code.
    enum Outcome: Sendable { case success(KeyState), failure(KMSError.Code) }
    static let table: [(E, KeyState, Outcome)] = [
        (.materialImported, .pendingImport, .success(.enabled)),
        (.materialImported, .enabled, .failure(.invalidState)),
        (.materialImported, .disabled, .failure(.invalidState)),
        (.materialImported, .pendingDeletion, .failure(.invalidState)),
        (.materialDeleted, .enabled, .success(.pendingImport)),
        (.materialDeleted, .disabled, .success(.pendingImport)),
        (.materialDeleted, .pendingImport, .success(.pendingImport)),
        (.materialDeleted, .pendingDeletion, .success(.pendingDeletion)),
        (.enable, .enabled, .success(.enabled)),
        (.enable, .disabled, .success(.enabled)),
        (.enable, .pendingImport, .failure(.invalidState)),
        (.enable, .pendingDeletion, .failure(.invalidState)),
        (.disable, .enabled, .success(.disabled)),
        (.disable, .disabled, .success(.disabled)),
        (.disable, .pendingImport, .failure(.invalidState)),
        (.disable, .pendingDeletion, .failure(.invalidState)),
        (.scheduleDeletion, .enabled, .success(.pendingDeletion)),
        (.scheduleDeletion, .disabled, .success(.pendingDeletion)),
        (.scheduleDeletion, .pendingImport, .success(.pendingDeletion)),
        (.scheduleDeletion, .pendingDeletion, .failure(.invalidState)),
        (.cancelDeletionWithMaterial, .pendingDeletion, .success(.disabled)),
        (.cancelDeletionWithoutMaterial, .pendingDeletion, .success(.pendingImport)),
        (.cancelDeletionWithMaterial, .enabled, .failure(.invalidState)),
        (.cancelDeletionWithMaterial, .disabled, .failure(.invalidState)),
        (.cancelDeletionWithMaterial, .pendingImport, .failure(.invalidState)),
        (.cancelDeletionWithoutMaterial, .enabled, .failure(.invalidState)),
        (.cancelDeletionWithoutMaterial, .disabled, .failure(.invalidState)),
        (.cancelDeletionWithoutMaterial, .pendingImport, .failure(.invalidState)),
        // Multi-Region primaries that wait for their replicas.
        (.materialImported, .pendingReplicaDeletion, .failure(.invalidState)),
        (.materialDeleted, .pendingReplicaDeletion, .success(.pendingReplicaDeletion)),
        (.enable, .pendingReplicaDeletion, .failure(.invalidState)),
        (.disable, .pendingReplicaDeletion, .failure(.invalidState)),
        (.scheduleDeletion, .pendingReplicaDeletion, .failure(.invalidState)),
        (.scheduleDeletionWithReplicas, .enabled, .success(.pendingReplicaDeletion)),
        (.scheduleDeletionWithReplicas, .disabled, .success(.pendingReplicaDeletion)),
        (.scheduleDeletionWithReplicas, .pendingImport, .success(.pendingReplicaDeletion)),
        (.scheduleDeletionWithReplicas, .pendingDeletion, .failure(.invalidState)),
        (.scheduleDeletionWithReplicas, .pendingReplicaDeletion, .failure(.invalidState)),
        (.replicasDeleted, .pendingReplicaDeletion, .success(.pendingDeletion)),
        (.replicasDeleted, .enabled, .failure(.invalidState)),
        (.replicasDeleted, .disabled, .failure(.invalidState)),
        (.replicasDeleted, .pendingImport, .failure(.invalidState)),
        (.replicasDeleted, .pendingDeletion, .failure(.invalidState)),
        (.cancelDeletionWithMaterial, .pendingReplicaDeletion, .success(.disabled)),
        (.cancelDeletionWithoutMaterial, .pendingReplicaDeletion, .success(.pendingImport)),
    ]

    @Test func tableCoversEveryEventAndState() {
        for event in E.allCases {
            for state in KeyState.allCases {
                #expect(Self.table.contains { $0.0 == event && $0.1 == state }, "missing \(event) from \(state)")
            }
        }
    }

    @Test(arguments: 0..<table.count)
    func transition(index: Int) {
        let (event, from, expected) = Self.table[index]
        let actual: Outcome
        do { actual = .success(try KeyLifecycle.next(from, on: event, arn: Self.arn)) } catch { actual = .failure(error.code) }
        switch (actual, expected) {
        case (.success(let a), .success(let e)): #expect(a == e, "\(event) from \(from)")
        case (.failure(let a), .failure(let e)): #expect(a == e, "\(event) from \(from)")
        default: Issue.record("\(event) from \(from): got \(actual), expected \(expected)")
        }
    }
}
