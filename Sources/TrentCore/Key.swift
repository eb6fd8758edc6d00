public import Foundation
public import TrentCrypto
import TrentModel

/// The states of a KMS key that Trent's features use; raw values are AWS's.
public enum KeyState: String, Sendable, CaseIterable, Codable {
    case enabled = "Enabled"
    case disabled = "Disabled"
    case pendingDeletion = "PendingDeletion"
    case pendingImport = "PendingImport"
    /// A multi-Region primary scheduled for deletion while replicas remain.
    case pendingReplicaDeletion = "PendingReplicaDeletion"

    /// Scheduled for deletion, directly or after its replicas.
    public var isBeingDeleted: Bool { self == .pendingDeletion || self == .pendingReplicaDeletion }
}

public enum KeyOrigin: String, Sendable, Codable {
    case awsKMS = "AWS_KMS"
    case external = "EXTERNAL"
}

/// The key specs Trent implements so far.
public enum KeySpec: String, Sendable, Codable, CaseIterable {
    case symmetricDefault = "SYMMETRIC_DEFAULT"
    case hmac224 = "HMAC_224"
    case hmac256 = "HMAC_256"
    case hmac384 = "HMAC_384"
    case hmac512 = "HMAC_512"
    case rsa2048 = "RSA_2048"
    case rsa3072 = "RSA_3072"
    case rsa4096 = "RSA_4096"
    case eccNistP256 = "ECC_NIST_P256"
    case eccNistP384 = "ECC_NIST_P384"
    case eccNistP521 = "ECC_NIST_P521"
    case eccSecgP256k1 = "ECC_SECG_P256K1"
    case eccNistEdwards25519 = "ECC_NIST_EDWARDS25519"
    case mlDsa44 = "ML_DSA_44"
    case mlDsa65 = "ML_DSA_65"
    case mlDsa87 = "ML_DSA_87"

    /// The asymmetric spec behind this one, for RSA and ECC keys.
    public var asymmetric: AsymmetricKeySpec? { AsymmetricKeySpec(rawValue: rawValue) }

    /// The key usages AWS allows for this spec.
    public var allowedUsages: [KeyUsage] {
        switch self {
        case .symmetricDefault: [.encryptDecrypt]
        case .hmac224, .hmac256, .hmac384, .hmac512: [.generateVerifyMAC]
        case .rsa2048, .rsa3072, .rsa4096: [.encryptDecrypt, .signVerify]
        case .eccNistP256, .eccNistP384, .eccNistP521: [.signVerify, .keyAgreement]
        case .eccSecgP256k1, .eccNistEdwards25519, .mlDsa44, .mlDsa65, .mlDsa87: [.signVerify]
        }
    }

    /// The one MAC algorithm of an HMAC key spec.
    public var macAlgorithm: MACAlgorithm? {
        switch self {
        case .hmac224: .hmacSHA224
        case .hmac256: .hmacSHA256
        case .hmac384: .hmacSHA384
        case .hmac512: .hmacSHA512
        default: nil
        }
    }

    /// Bytes of material KMS generates for a symmetric or HMAC key of this spec.
    public var generatedMaterialBytes: Int {
        switch self {
        case .hmac224: 28
        case .hmac384: 48
        case .hmac512: 64
        default: 32
        }
    }

    /// Lengths of imported symmetric or HMAC material AWS accepts for this spec.
    public var importableMaterialBytes: ClosedRange<Int> {
        switch self {
        case .hmac224: 28...64
        case .hmac256: 32...64
        case .hmac384: 48...128
        case .hmac512: 64...128
        default: 32...32
        }
    }
}

public enum KeyUsage: String, Sendable, Codable {
    case encryptDecrypt = "ENCRYPT_DECRYPT"
    case signVerify = "SIGN_VERIFY"
    case generateVerifyMAC = "GENERATE_VERIFY_MAC"
    case keyAgreement = "KEY_AGREEMENT"
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
///
/// Every call copies its key several times (out of the cache, into the result, into the audit
/// record's ARN), so the fields live in one shared, unchanging object: a copy is one reference
/// count, not one per string. Setting a field gives the key a fresh object.
public struct Key: Sendable, Equatable {
    private struct Fields: Equatable {
        var id: String
        var account: String
        var region: String
        var createdAt: Date
        var description: String
        var keySpec: KeySpec
        var keyUsage: KeyUsage
        var origin: KeyOrigin
        var state: KeyState
        var deletionDate: Date?
        var pendingWindowInDays: Int?
        var policy: String
        var tags: [Tag]
        var currentMaterialID: String?
        var rotationPeriodInDays: Int?
        var nextRotationDate: Date?
        var primaryRegion: String?
        /// Made of the id, the account and the region, which never change: written once, not
        /// on each of the several times a call reads it.
        var arn: String
    }

    @SharedFields private var fields: Fields

    /// This value and `other` read the same fields object (a copy does, until a field is set).
    func sharesFields(with other: Key) -> Bool { _fields.isShared(with: other._fields) }

    public var id: String { fields.id }
    public var account: String { fields.account }
    public var region: String { fields.region }
    public var createdAt: Date { fields.createdAt }
    public var description: String {
        get { fields.description }
        set { fields.description = newValue }
    }
    public var keySpec: KeySpec { fields.keySpec }
    public var keyUsage: KeyUsage { fields.keyUsage }
    public var origin: KeyOrigin { fields.origin }
    /// The stored state. Expiry of imported material is judged at use: see `effectiveState`.
    public var state: KeyState {
        get { fields.state }
        set { fields.state = newValue }
    }
    public var deletionDate: Date? {
        get { fields.deletionDate }
        set { fields.deletionDate = newValue }
    }
    public var pendingWindowInDays: Int? {
        get { fields.pendingWindowInDays }
        set { fields.pendingWindowInDays = newValue }
    }
    public var policy: String {
        get { fields.policy }
        set { fields.policy = newValue }
    }
    public var tags: [Tag] {
        get { fields.tags }
        set { fields.tags = newValue }
    }
    /// The material that encrypts now (`nil` before the first import).
    public var currentMaterialID: String? {
        get { fields.currentMaterialID }
        set { fields.currentMaterialID = newValue }
    }
    /// Automatic rotation: the period when enabled (`nil` when disabled) and the next date.
    public var rotationPeriodInDays: Int? {
        get { fields.rotationPeriodInDays }
        set { fields.rotationPeriodInDays = newValue }
    }
    public var nextRotationDate: Date? {
        get { fields.nextRotationDate }
        set { fields.nextRotationDate = newValue }
    }
    /// For multi-Region keys (`mrk-` ids): the region of the primary key of the set.
    public var primaryRegion: String? {
        get { fields.primaryRegion }
        set { fields.primaryRegion = newValue }
    }

    public init(
        id: String, account: String, region: String, createdAt: Date, description: String,
        keySpec: KeySpec, keyUsage: KeyUsage, origin: KeyOrigin, state: KeyState,
        deletionDate: Date? = nil, pendingWindowInDays: Int? = nil, policy: String, tags: [Tag],
        currentMaterialID: String? = nil, rotationPeriodInDays: Int? = nil, nextRotationDate: Date? = nil,
        primaryRegion: String? = nil
    ) {
        fields = Fields(
            id: id, account: account, region: region, createdAt: createdAt, description: description, keySpec: keySpec, keyUsage: keyUsage,
            origin: origin, state: state, deletionDate: deletionDate, pendingWindowInDays: pendingWindowInDays, policy: policy, tags: tags,
            currentMaterialID: currentMaterialID, rotationPeriodInDays: rotationPeriodInDays, nextRotationDate: nextRotationDate,
            primaryRegion: primaryRegion, arn: ARN.key(region: region, account: account, keyID: id)
        )
    }

    public static func == (lhs: Key, rhs: Key) -> Bool {
        lhs.sharesFields(with: rhs) || lhs.fields == rhs.fields
    }

    public var arn: String { fields.arn }

    /// Multi-Region keys share their id across regions (`mrk-…`).
    public var isMultiRegion: Bool { id.hasPrefix("mrk-") }

    /// How the store names this key: the key id, or `region/id` for a multi-Region key, whose
    /// primary and replicas share one id. Everything the store relates to a key uses this.
    public var storageID: String { Self.storageID(id: id, region: region) }

    public static func storageID(id: String, region: String) -> String {
        id.hasPrefix("mrk-") ? "\(region)/\(id)" : id
    }

    /// The key id inside a storage id.
    public static func keyID(fromStorageID storageID: String) -> String {
        storageID.split(separator: "/").last.map(String.init) ?? storageID
    }

    /// `EncryptionAlgorithms` as DescribeKey and GetPublicKey show them.
    public var encryptionAlgorithms: [String]? {
        guard keyUsage == .encryptDecrypt else { return nil }
        return keySpec == .symmetricDefault ? ["SYMMETRIC_DEFAULT"] : AsymmetricEncryptionAlgorithm.allCases.map(\.rawValue)
    }

    public var signingAlgorithms: [String]? {
        guard keyUsage == .signVerify, let spec = keySpec.asymmetric else { return nil }
        return SigningAlgorithm.algorithms(for: spec).map(\.rawValue)
    }

    public var keyAgreementAlgorithms: [String]? { keyUsage == .keyAgreement ? ["ECDH"] : nil }

    public var macAlgorithms: [String]? { keySpec.macAlgorithm.map { [$0.rawValue] } }

    /// The state a caller sees at `now`: material whose `ValidTo` has passed is gone at once,
    /// before the sweeper has made that durable.
    public func effectiveState(currentMaterial: KeyMaterial?, now: Date) -> KeyState {
        guard origin == .external, state == .enabled || state == .disabled else { return state }
        guard let currentMaterial, currentMaterial.isUsable(at: now) else { return .pendingImport }
        return state
    }
}
