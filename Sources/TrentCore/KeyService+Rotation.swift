import Foundation
import Crypto
import TrentCrypto

/// Automatic and on-demand rotation of KMS-generated symmetric material. Rotation adds a new
/// material version and makes it current; older versions stay, so old ciphertexts decrypt.
extension KeyService {
    /// AWS's limit of on-demand rotations per key.
    public static let maximumOnDemandRotations = 25
    public static let defaultRotationPeriodInDays = 365

    /// Rotation applies to symmetric keys in state Enabled; automatic rotation only to keys whose
    /// material KMS generated (imported material rotates on demand).
    private func rotatableKey(_ keyID: String, call: CallContext, now: Date, allowImported: Bool = false, in tx: any KeyStoreTransaction) throws -> Key {
        let key = try settleExpiry(of: try resolve(keyID, form: .keyOnly, call: call, in: tx), now: now, in: tx)
        guard key.keySpec == .symmetricDefault else {
            throw KMSError.unsupported("\(key.arn) key spec is \(key.keySpec.rawValue), which does not support rotation.")
        }
        guard key.origin == .awsKMS || allowImported else {
            throw KMSError.unsupported("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
        }
        if key.isMultiRegion, key.primaryRegion != key.region {
            throw KMSError.unsupported("\(key.arn) is a replica key; rotation is managed on the primary key in \(key.primaryRegion ?? "its primary region").")
        }
        guard key.state == .enabled else { throw KMSError.invalidState(arn: key.arn, state: key.state) }
        return key
    }

    public func enableKeyRotation(_ keyID: String, periodInDays: Int?, call: CallContext) async throws {
        let now = now()
        let period = periodInDays ?? Self.defaultRotationPeriodInDays
        try await store.write { [self] tx in
            var key = try rotatableKey(keyID, call: call, now: now, in: tx)
            if key.rotationPeriodInDays != period || key.nextRotationDate == nil {
                key.rotationPeriodInDays = period
                key.nextRotationDate = now.addingTimeInterval(TimeInterval(period) * 86400)
            }
            try tx.update(key)
            try tx.append(event(call, at: now, key: key))
        }
    }

    public func disableKeyRotation(_ keyID: String, call: CallContext) async throws {
        let now = now()
        try await store.write { [self] tx in
            var key = try rotatableKey(keyID, call: call, now: now, in: tx)
            key.rotationPeriodInDays = nil
            key.nextRotationDate = nil
            try tx.update(key)
            try tx.append(event(call, at: now, key: key))
        }
    }

    public func keyRotationStatus(_ keyID: String, call: CallContext) async throws -> Key {
        let now = now()
        return try await store.write { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            guard key.keySpec == .symmetricDefault else {
                throw KMSError.unsupported("\(key.arn) key spec is \(key.keySpec.rawValue), which does not support rotation.")
            }
            try tx.append(event(call, at: now, key: key))
            return key
        }
    }

    public func rotateKeyOnDemand(_ keyID: String, call: CallContext) async throws -> Key {
        let now = now()
        return try await store.write { [self] tx in
            let key = try rotatableKey(keyID, call: call, now: now, allowImported: true, in: tx)
            let materials = try tx.materials(keyID: key.storageID)
            guard materials.filter({ $0.rotationType == .onDemand }).count < Self.maximumOnDemandRotations else {
                throw KMSError(.limitExceeded, "\(key.arn) has reached the limit of \(Self.maximumOnDemandRotations) on-demand rotations.")
            }
            let rotated: Key
            if key.origin == .external {
                // Imported material rotates to the material imported with NEW_KEY_MATERIAL.
                guard let pending = materials.first(where: { $0.pendingRotation }), pending.isUsable(at: now) else {
                    throw KMSError(.invalidState, "\(key.arn) has no key material pending rotation. Import new key material with ImportType NEW_KEY_MATERIAL first.")
                }
                // Every key of a multi-Region set must hold the new material before any rotates.
                var set = [(key, pending)]
                if key.isMultiRegion {
                    for replica in try tx.multiRegionKeys(id: key.id, account: key.account) where replica.region != key.region {
                        guard let copy = try tx.materials(keyID: replica.storageID).first(where: { $0.id == pending.id && $0.pendingRotation }),
                              copy.isUsable(at: now)
                        else {
                            throw KMSError(.invalidState, "\(key.arn) cannot rotate: its replica in \(replica.region) does not hold key material \(pending.id). Import it there with ImportType EXISTING_KEY_MATERIAL first.")
                        }
                        set.append((replica, copy))
                    }
                }
                var updatedPrimary = key
                for (var member, var material) in set {
                    material.pendingRotation = false
                    material.rotationType = .onDemand
                    material.rotatedAt = now
                    try tx.save(material)
                    member.currentMaterialID = material.id
                    if member.state == .pendingImport {
                        member.state = try KeyLifecycle.next(member.state, on: .materialImported, arn: member.arn)
                    }
                    try tx.update(member)
                    if member.region == key.region { updatedPrimary = member }
                }
                rotated = updatedPrimary
            } else {
                rotated = try rotate(key, type: .onDemand, now: now, in: tx)
            }
            try tx.append(event(call, at: now, key: rotated, additional: .object(["keyMaterialId": .string(rotated.currentMaterialID ?? "")])))
            return rotated
        }
    }

    /// Adds fresh generated material and makes it current.
    func rotate(_ key: Key, type: KeyMaterial.RotationType, now: Date, in tx: any KeyStoreTransaction) throws -> Key {
        var key = key
        let secret = SymmetricKey(size: .bits256)
        let materialID = KeyMaterialID.hex(KeyMaterialID.compute(keyID: key.id, material: secret))
        let material = KeyMaterial(
            keyID: key.storageID, id: materialID, origin: .generated,
            sealedMaterial: try sealMaterial(secret, keyID: key.storageID, materialID: materialID),
            expirationModel: nil, validTo: nil, importedAt: nil, createdAt: now, rotationType: type, rotatedAt: now
        )
        try tx.save(material)
        key.currentMaterialID = materialID
        try tx.update(key)
        try propagateRotation(of: key, material: material, in: tx)
        return key
    }

    /// Automatic rotation, run by the sweeper: one transaction and one `RotateKey` event per key.
    func rotateDueKeys(now: Date, batch: Int) async throws -> Int {
        let due = try await store.read { try $0.keyIDsDueForRotation(at: now, limit: batch) }
        var rotated = 0
        for keyID in due {
            let done = try await store.write { [self] tx -> Bool in
                guard var key = try tx.key(id: keyID), key.state == .enabled, key.origin == .awsKMS,
                      let period = key.rotationPeriodInDays, let next = key.nextRotationDate, next <= now
                else { return false }
                key = try rotate(key, type: .automatic, now: now, in: tx)
                key.nextRotationDate = now.addingTimeInterval(TimeInterval(period) * 86400)
                try tx.update(key)
                try tx.append(Self.serviceEvent("RotateKey", key: key, at: now,
                                                additional: .object(["keyMaterialId": .string(key.currentMaterialID ?? "")])))
                return true
            }
            if done { rotated += 1 }
        }
        return rotated
    }

    public struct RotationEntry: Sendable {
        public enum State: String, Sendable {
            case current = "CURRENT"
            case nonCurrent = "NON_CURRENT"
            case pendingRotation = "PENDING_ROTATION"
            /// In a multi-Region primary: some replica still lacks the material.
            case pendingMultiRegionImportAndRotation = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
        }

        public let material: KeyMaterial
        public let state: State
        public var isCurrent: Bool { state == .current }
    }

    public struct RotationPage: Sendable {
        public let entries: [RotationEntry]
        public let nextMarker: String?
    }

    /// The key's material versions, oldest first: rotations only, or every material.
    public func listKeyRotations(_ keyID: String, includeAllMaterial: Bool, limit: Int?, marker: String?, call: CallContext) async throws -> RotationPage {
        let now = now()
        let limit = limit ?? 100
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            var materials = try tx.materials(keyID: key.storageID)
            if !includeAllMaterial { materials = materials.filter { $0.rotationType != nil } }
            var start = 0
            if let marker {
                guard let index = materials.firstIndex(where: { $0.id == marker }) else {
                    throw KMSError(.invalidMarker, "Invalid marker")
                }
                start = index + 1
            }
            let rest = Array(materials[start...])
            let replicas = key.isMultiRegion && key.primaryRegion == key.region
                ? try tx.multiRegionKeys(id: key.id, account: key.account).filter { $0.region != key.region } : []
            let page = try rest.prefix(limit).map { material -> RotationEntry in
                if material.id == key.currentMaterialID { return RotationEntry(material: material, state: .current) }
                guard material.pendingRotation else { return RotationEntry(material: material, state: .nonCurrent) }
                let everywhere = try replicas.allSatisfy { replica in
                    try tx.materials(keyID: replica.storageID).contains { $0.id == material.id && $0.isPresent }
                }
                return RotationEntry(material: material, state: everywhere ? .pendingRotation : .pendingMultiRegionImportAndRotation)
            }
            return (RotationPage(entries: page, nextMarker: rest.count > limit ? page.last?.material.id : nil), event(call, at: now, key: key))
        }
    }
}
