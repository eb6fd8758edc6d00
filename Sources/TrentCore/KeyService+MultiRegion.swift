import Foundation
import Crypto
import TrentModel

/// Multi-Region keys: a primary and its replicas share one `mrk-` id and the same key material,
/// each in its own region of this server. ReplicateKey copies the material; UpdatePrimaryRegion
/// moves the primary role; rotation of the primary reaches every replica.
extension KeyService {
    public struct MultiRegionSet: Sendable, Equatable {
        public struct Member: Sendable, Equatable {
            public let arn: String
            public let region: String
        }

        public let primary: Member
        public let replicas: [Member]
        public let isPrimary: Bool
    }

    func multiRegionSet(of key: Key, in reader: any KeyStoreReader) throws -> MultiRegionSet? {
        guard key.isMultiRegion, let primaryRegion = key.primaryRegion else { return nil }
        let members = try reader.multiRegionKeys(id: key.id, account: key.account)
        let all = members.map { MultiRegionSet.Member(arn: $0.arn, region: $0.region) }
        return MultiRegionSet(
            primary: MultiRegionSet.Member(arn: ARN.key(region: primaryRegion, account: key.account, keyID: key.id), region: primaryRegion),
            replicas: all.filter { $0.region != primaryRegion }, isPrimary: key.region == primaryRegion
        )
    }

    /// The primary key of a multi-Region set, in the caller's region.
    private func primaryKey(_ keyID: String, call: CallContext, in tx: any KeyStoreReader) throws -> Key {
        let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
        guard key.isMultiRegion else { throw KMSError.unsupported("\(key.arn) is not a multi-Region key.") }
        guard key.primaryRegion == key.region else {
            throw KMSError.unsupported("\(key.arn) is a replica key; this operation needs the primary key of its multi-Region set.")
        }
        return key
    }

    /// Copies a material version to another key of the set, sealed for that key.
    func copyMaterial(_ material: KeyMaterial, to key: Key, in tx: any KeyStoreTransaction) throws {
        var copy = KeyMaterial(
            keyID: key.storageID, id: material.id, origin: material.origin, sealedMaterial: nil,
            expirationModel: material.expirationModel, validTo: material.validTo, importedAt: material.importedAt,
            createdAt: material.createdAt, rotationType: material.rotationType, pendingRotation: material.pendingRotation,
            rotatedAt: material.rotatedAt, materialDescription: material.materialDescription
        )
        if material.isPresent {
            copy.sealedMaterial = try sealMaterial(try openMaterial(material), keyID: key.storageID, materialID: material.id)
        }
        try tx.save(copy)
    }

    public struct ReplicaResult: Sendable {
        public let replica: KeyDescription
        public let multiRegion: MultiRegionSet?
    }

    public func replicateKey(
        _ keyID: String, replicaRegion: String, description: String?, policy: String?, tags: [Tag], call: CallContext
    ) async throws -> ReplicaResult {
        let now = now()
        if let policy { try Self.checkPolicy(policy) }
        try Self.checkTags(tags)
        return try await store.write { [self] tx in
            let primary = try primaryKey(keyID, call: call, in: tx)
            if primary.state.isBeingDeleted { throw KMSError.invalidState(arn: primary.arn, state: primary.state) }
            guard replicaRegion != primary.region else {
                throw KMSError.validation("The replica region \(replicaRegion) must be different from the region of the primary key.")
            }
            if try tx.key(id: Key.storageID(id: primary.id, region: replicaRegion)) != nil {
                throw KMSError(.alreadyExists, "\(ARN.key(region: replicaRegion, account: primary.account, keyID: primary.id)) already exists")
            }
            var replica = Key(
                id: primary.id, account: primary.account, region: replicaRegion, createdAt: now,
                description: description ?? primary.description, keySpec: primary.keySpec, keyUsage: primary.keyUsage,
                origin: primary.origin, state: primary.origin == .external ? .pendingImport : .enabled,
                policy: policy ?? Self.defaultPolicy(account: primary.account), tags: tags, primaryRegion: primary.region
            )
            try tx.insert(replica)
            if primary.origin == .awsKMS {
                for material in try tx.materials(keyID: primary.storageID) {
                    try copyMaterial(material, to: replica, in: tx)
                }
                replica.currentMaterialID = primary.currentMaterialID
                try tx.update(replica)
            }
            let set = try multiRegionSet(of: replica, in: tx)
            let description = KeyDescription(key: replica, currentMaterial: try currentMaterial(of: replica, in: tx), now: now, multiRegion: set)
            try tx.append(event(call, at: now, key: primary, response: .object(["replicaKeyMetadata": description.auditMetadata])))
            return ReplicaResult(replica: description, multiRegion: set)
        }
    }

    public func updatePrimaryRegion(_ keyID: String, primaryRegion: String, call: CallContext) async throws {
        let now = now()
        try await store.write { [self] tx in
            let primary = try primaryKey(keyID, call: call, in: tx)
            let members = try tx.multiRegionKeys(id: primary.id, account: primary.account)
            guard members.contains(where: { $0.region == primaryRegion }) else {
                throw KMSError.notFound("\(primary.arn) has no replica in \(primaryRegion).")
            }
            for var member in members {
                member.primaryRegion = primaryRegion
                try tx.update(member)
            }
            try tx.append(event(call, at: now, key: primary))
        }
    }

    /// After the primary of a set rotated, every replica gets the new material and uses it.
    func propagateRotation(of primary: Key, material: KeyMaterial, in tx: any KeyStoreTransaction) throws {
        guard primary.isMultiRegion else { return }
        for var replica in try tx.multiRegionKeys(id: primary.id, account: primary.account) where replica.region != primary.region {
            try copyMaterial(material, to: replica, in: tx)
            replica.currentMaterialID = material.id
            try tx.update(replica)
        }
    }
}
