public import Foundation
import TrentModel

/// The states of a KMS key that Trent's features use; raw values are AWS's.
public enum KeyState: String, Sendable, CaseIterable, Codable {
    case enabled = "Enabled"
    case disabled = "Disabled"
    case pendingDeletion = "PendingDeletion"
    case pendingImport = "PendingImport"
}

public enum KeyOrigin: String, Sendable, Codable {
    case awsKMS = "AWS_KMS"
    case external = "EXTERNAL"
}

public enum KeySpec: String, Sendable, Codable {
    case symmetricDefault = "SYMMETRIC_DEFAULT"
}

public enum KeyUsage: String, Sendable, Codable {
    case encryptDecrypt = "ENCRYPT_DECRYPT"
}

public enum ExpirationModel: String, Sendable, Codable {
    case keyMaterialExpires = "KEY_MATERIAL_EXPIRES"
    case keyMaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE"
}

public struct Tag: Sendable, Equatable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A KMS key: the AWS resource. Its secret bytes are `KeyMaterial` versions, stored apart.
public struct Key: Sendable, Equatable {
    public let id: String
    public let account: String
    public let region: String
    public let createdAt: Date
    public var description: String
    public let keySpec: KeySpec
    public let keyUsage: KeyUsage
    public let origin: KeyOrigin
    /// The stored state. Expiry of imported material is judged at use: see `effectiveState`.
    public var state: KeyState
    public var deletionDate: Date?
    public var pendingWindowInDays: Int?
    public var policy: String
    public var tags: [Tag]
    /// The material that encrypts now (`nil` before the first import).
    public var currentMaterialID: String?
    /// Automatic rotation: the period when enabled (`nil` when disabled) and the next date.
    public var rotationPeriodInDays: Int?
    public var nextRotationDate: Date?

    public init(
        id: String, account: String, region: String, createdAt: Date, description: String,
        keySpec: KeySpec, keyUsage: KeyUsage, origin: KeyOrigin, state: KeyState,
        deletionDate: Date? = nil, pendingWindowInDays: Int? = nil, policy: String, tags: [Tag],
        currentMaterialID: String? = nil, rotationPeriodInDays: Int? = nil, nextRotationDate: Date? = nil
    ) {
        self.id = id
        self.account = account
        self.region = region
        self.createdAt = createdAt
        self.description = description
        self.keySpec = keySpec
        self.keyUsage = keyUsage
        self.origin = origin
        self.state = state
        self.deletionDate = deletionDate
        self.pendingWindowInDays = pendingWindowInDays
        self.policy = policy
        self.tags = tags
        self.currentMaterialID = currentMaterialID
        self.rotationPeriodInDays = rotationPeriodInDays
        self.nextRotationDate = nextRotationDate
    }

    public var arn: String { ARN.key(region: region, account: account, keyID: id) }

    /// The state a caller sees at `now`: material whose `ValidTo` has passed is gone at once,
    /// before the sweeper has made that durable.
    public func effectiveState(currentMaterial: KeyMaterial?, now: Date) -> KeyState {
        guard origin == .external, state == .enabled || state == .disabled else { return state }
        guard let currentMaterial, currentMaterial.isUsable(at: now) else { return .pendingImport }
        return state
    }
}
