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
            let generated = try await Task.detached { try Self.generateMaterial(spec) }.value
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
        let finalKey = key
        let unsealed = material
        let finalSecret = secret
        try await store.write { [self] tx in
            try tx.insert(finalKey)
            // Sealed inside the transaction, so a root key rotation never misses it.
            if var material = unsealed, let finalSecret {
                material.sealedMaterial = try sealMaterial(finalSecret, keyID: material.keyID, materialID: material.id)
                try tx.save(material)
            }
            try tx.append(record)
        }
        return description
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
