import Foundation

extension KeyService {
    public struct SweepReport: Sendable, Equatable {
        public var expiredMaterials = 0
        public var deletedKeys = 0
        public var rotatedKeys = 0
        public init() {}
    }

    /// Makes time-driven changes durable: deletes material past `ValidTo` and keys past their
    /// deletion date, and rotates keys whose rotation date has come, each in its own transaction
    /// with its service event. Safe to repeat.
    public func sweep(batch: Int = 100) async throws -> SweepReport {
        let now = now()
        var report = SweepReport()
        let expired = try await store.read { try $0.keyIDsWithExpiredMaterial(at: now, limit: batch) }
        for keyID in expired {
            let changed = try await store.write { [self] tx -> Bool in
                guard let key = try tx.key(id: keyID) else { return false }
                return try settleExpiry(of: key, now: now, in: tx) != key
            }
            if changed { report.expiredMaterials += 1 }
        }
        // Primaries pending replica deletion start their waiting period once the replicas are gone.
        let waiting = try await store.read { try $0.keyIDs(in: .pendingReplicaDeletion, limit: batch) }
        for keyID in waiting {
            try await store.write { [self] tx in
                guard var key = try tx.key(id: keyID), key.state == .pendingReplicaDeletion,
                      let set = try multiRegionSet(of: key, in: tx), set.replicas.isEmpty
                else { return }
                key.state = try KeyLifecycle.next(key.state, on: .replicasDeleted, arn: key.arn)
                key.deletionDate = now.addingTimeInterval(TimeInterval(key.pendingWindowInDays ?? 30) * 86400)
                try tx.update(key)
            }
        }
        let due = try await store.read { try $0.keyIDsDueForDeletion(at: now, limit: batch) }
        for keyID in due {
            let deleted = try await store.write { tx -> Bool in
                guard let key = try tx.key(id: keyID), key.state == .pendingDeletion,
                      let date = key.deletionDate, date <= now
                else { return false }
                try tx.deleteKey(id: key.storageID)
                try tx.append(Self.serviceEvent("DeleteKey", key: key, at: now))
                return true
            }
            if deleted { report.deletedKeys += 1 }
        }
        report.rotatedKeys = try await rotateDueKeys(now: now, batch: batch)
        try await store.write { tx in try tx.deleteImportParameters(expiredAt: now) }
        return report
    }
}
