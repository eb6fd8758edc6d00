import Foundation
import Crypto
import TrentCrypto
import TrentModel

/// What `CreateKey` asks for, validated by the server's operation.
public struct CreateKeyInput: Sendable {
    public var description: String
    public var keySpec: KeySpec
    public var keyUsage: KeyUsage
    public var origin: KeyOrigin
    public var policy: String?
    public var bypassPolicyLockoutSafetyCheck = false
    public var tags: [Tag]
    public var multiRegion: Bool

    public init(description: String, keySpec: KeySpec, keyUsage: KeyUsage, origin: KeyOrigin, policy: String?, tags: [Tag], multiRegion: Bool = false) {
        self.multiRegion = multiRegion
        self.description = description
        self.keySpec = keySpec
        self.keyUsage = keyUsage
        self.origin = origin
        self.policy = policy
        self.tags = tags
    }
}

extension KeyService {
    public func createKey(_ input: CreateKeyInput, call: CallContext) async throws -> KeyDescription {
        let new = try await newKey(input, call: call)
        try await store.write { [self] tx in try save(new, in: tx) }
        return new.description
    }

    /// Benchmarks only (`trent unsafe-seed-keys`): `count` keys made as `createKey` makes them,
    /// `batch` to a transaction, their CreateKey records stored as already delivered (a store
    /// that has grown to that many keys over time, without minutes of log delivery at start).
    public func seedKeys(_ input: CreateKeyInput, count: Int, batch: Int = 2_000, call: CallContext) async throws {
        var left = count
        while left > 0 {
            var made: [NewKey] = []
            for _ in 0..<min(batch, left) { made.append(try await newKey(input, call: call)) }
            let keys = made
            try await store.write { [self] tx in
                for new in keys { try save(new, delivered: true, in: tx) }
            }
            left -= keys.count
        }
    }

    /// A key as CreateKey makes it, checked and authorized, its material generated, not yet stored.
    struct NewKey: Sendable {
        let key: Key
        let material: KeyMaterial?
        let secret: SymmetricKey?
        let record: AuditEvent
        let description: KeyDescription
    }

    private func newKey(_ input: CreateKeyInput, call: CallContext) async throws -> NewKey {
        guard input.keySpec.allowedUsages.contains(input.keyUsage) else {
            throw KMSError.validation("KeyUsage \(input.keyUsage.rawValue) is not compatible with KeySpec \(input.keySpec.rawValue).")
        }
        if let policy = input.policy { try Self.checkPolicy(policy) }
        try Self.checkTags(input.tags)
        try authorizeWithoutKey(call)  // no key resource: IAM identity policies decide
        let now = now()
        let id = input.multiRegion ? "mrk-" + KeyMaterialID.hex(Self.randomBytes(16)) : Self.newKeyID()
        var key = Key(
            id: id, account: call.account, region: call.region, createdAt: now, description: input.description,
            keySpec: input.keySpec, keyUsage: input.keyUsage, origin: input.origin,
            state: input.origin == .external ? .pendingImport : .enabled,
            policy: input.policy ?? Self.defaultPolicy(account: call.account), tags: input.tags,
            primaryRegion: input.multiRegion ? call.region : nil
        )
        if let policy = input.policy { try checkLockout(policy, key: key, call: call, bypass: input.bypassPolicyLockoutSafetyCheck) }
        var material: KeyMaterial?
        var secret: SymmetricKey?
        if input.origin == .awsKMS {
            let spec = input.keySpec
            let generated = try await BlockingWork.run { try Self.generateMaterial(spec) }
            let materialID = KeyMaterialID.hex(KeyMaterialID.compute(keyID: id, material: generated))
            material = KeyMaterial(
                keyID: key.storageID, id: materialID, origin: .generated, sealedMaterial: nil,
                expirationModel: nil, validTo: nil, importedAt: nil, createdAt: now
            )
            secret = generated
            key.currentMaterialID = materialID
        }
        let set = input.multiRegion
            ? MultiRegionSet(primary: .init(arn: key.arn, region: key.region), replicas: [], isPrimary: true) : nil
        let description = KeyDescription(key: key, currentMaterial: material, now: now, multiRegion: set)
        let record = event(call, at: now, key: key, response: .object(["keyMetadata": description.auditMetadata]))
        return NewKey(key: key, material: material, secret: secret, record: record, description: description)
    }

    private func save(_ new: NewKey, delivered: Bool = false, in tx: any KeyStoreTransaction) throws {
        try tx.insert(new.key)
        // Sealed inside the transaction, so a root key rotation never misses it.
        if var material = new.material, let secret = new.secret {
            material.sealedMaterial = try sealMaterial(secret, keyID: material.keyID, materialID: material.id)
            try tx.save(material)
        }
        try tx.append(new.record, delivered: delivered)
    }

    public func describeKey(_ keyID: String, call: CallContext) async throws -> KeyDescription {
        let now = now()
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOrAlias, call: call, in: tx)
            let description = KeyDescription(
                key: key, currentMaterial: try currentMaterial(of: key, in: tx), now: now, multiRegion: try multiRegionSet(of: key, in: tx)
            )
            return (description, event(call, at: now, key: key))
        }
    }

    public struct KeyPage: Sendable {
        public let keys: [Key]
        public let nextMarker: String?
    }

    public func listKeys(limit: Int?, marker: String?, call: CallContext) async throws -> KeyPage {
        try authorizeWithoutKey(call)  // no key resource: IAM identity policies decide
        let now = now()
        let limit = limit ?? 100
        if let marker, !KeyReference.isWellFormedKeyID(marker) {
            throw KMSError(.invalidMarker, "Invalid marker")
        }
        return try await readOnly { [self] tx in
            let keys = try tx.keys(account: call.account, region: call.region, after: marker, limit: limit + 1)
            let page = Array(keys.prefix(limit))
            return (KeyPage(keys: page, nextMarker: keys.count > limit ? page.last?.id : nil), event(call, at: now, key: nil))
        }
    }

    public func enableKey(_ keyID: String, call: CallContext) async throws {
        try await changeState(keyID, call: call, event: .enable)
    }

    public func disableKey(_ keyID: String, call: CallContext) async throws {
        try await changeState(keyID, call: call, event: .disable)
    }

    private func changeState(_ keyID: String, call: CallContext, event lifecycleEvent: KeyLifecycle.Event) async throws {
        let now = now()
        try await store.write { [self] tx in
            var key = try settleExpiry(of: try resolve(keyID, form: .keyOnly, call: call, in: tx), now: now, in: tx)
            key.state = try KeyLifecycle.next(key.state, on: lifecycleEvent, arn: key.arn)
            try tx.update(key)
            try tx.append(event(call, at: now, key: key))
        }
    }

    public func scheduleKeyDeletion(_ keyID: String, pendingWindowInDays: Int?, call: CallContext) async throws -> Key {
        let now = now()
        let days = pendingWindowInDays ?? 30
        guard (7...30).contains(days) else {
            throw KMSError.validation("1 validation error detected: Value '\(days)' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value \(days < 7 ? "greater than or equal to 7" : "less than or equal to 30")")
        }
        return try await store.write { [self] tx in
            var key = try settleExpiry(of: try resolve(keyID, form: .keyOnly, call: call, in: tx), now: now, in: tx)
            // A primary with replicas waits for them; its waiting period starts when they are gone.
            let waitsForReplicas = try multiRegionSet(of: key, in: tx).map { $0.isPrimary && !$0.replicas.isEmpty } ?? false
            key.state = try KeyLifecycle.next(key.state, on: waitsForReplicas ? .scheduleDeletionWithReplicas : .scheduleDeletion, arn: key.arn)
            key.deletionDate = waitsForReplicas ? nil : now.addingTimeInterval(TimeInterval(days) * 86400)
            key.pendingWindowInDays = days
            try tx.update(key)
            var response: [String: JSONValue] = [
                "keyId": .string(key.arn), "keyState": .string(key.state.rawValue), "pendingWindowInDays": .number(Double(days)),
            ]
            if let date = key.deletionDate { response["deletionDate"] = .string(AuditDates.format(date)) }
            try tx.append(event(call, at: now, key: key, response: .object(response)))
            return key
        }
    }

    public func cancelKeyDeletion(_ keyID: String, call: CallContext) async throws -> Key {
        let now = now()
        return try await store.write { [self] tx in
            var key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            let hasMaterial = try currentMaterial(of: key, in: tx)?.isUsable(at: now) ?? false
            key.state = try KeyLifecycle.next(
                key.state, on: hasMaterial ? .cancelDeletionWithMaterial : .cancelDeletionWithoutMaterial, arn: key.arn
            )
            key.deletionDate = nil
            key.pendingWindowInDays = nil
            try tx.update(key)
            try tx.append(event(call, at: now, key: key, response: .object(["keyId": .string(key.arn)])))
            return key
        }
    }

    /// New material for a key: random bytes, or a PKCS#8 private key for asymmetric specs
    /// (RSA-4096 takes up to seconds: callers run this off their executor).
    static func generateMaterial(_ spec: KeySpec) throws -> SymmetricKey {
        guard let asymmetric = spec.asymmetric else { return SymmetricKey(data: randomBytes(spec.generatedMaterialBytes)) }
        return SymmetricKey(data: try AsymmetricKey.generate(asymmetric).pkcs8DER())
    }

    /// The key policy AWS gives a key created without one.
    public static func defaultPolicy(account: String) -> String {
        """
        {
          "Version" : "2012-10-17",
          "Id" : "key-default-1",
          "Statement" : [ {
            "Sid" : "Enable IAM User Permissions",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "arn:aws:iam::\(account):root"
            },
            "Action" : "kms:*",
            "Resource" : "*"
          } ]
        }
        """
    }
}
