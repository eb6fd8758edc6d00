public import Foundation

/// A grant: permission for a grantee principal to use a key for some operations.
/// Its grant token is derived from the id (see `GrantToken`), so nothing secret is stored.
public struct Grant: Sendable, Equatable {
    public struct Constraints: Sendable, Equatable, Codable {
        public var encryptionContextSubset: [String: String]?
        public var encryptionContextEquals: [String: String]?

        public init(encryptionContextSubset: [String: String]? = nil, encryptionContextEquals: [String: String]? = nil) {
            self.encryptionContextSubset = encryptionContextSubset
            self.encryptionContextEquals = encryptionContextEquals
        }

        /// Whether a request's encryption context satisfies these constraints.
        public func allow(_ context: [String: String]) -> Bool {
            if let equals = encryptionContextEquals, equals != context { return false }
            if let subset = encryptionContextSubset, !subset.allSatisfy({ context[$0.key] == $0.value }) { return false }
            return true
        }
    }

    public let id: String
    public let keyID: String
    public let account: String
    public let region: String
    public var name: String?
    public let granteePrincipal: String
    public var retiringPrincipal: String?
    public var operations: [String]
    public var constraints: Constraints?
    public let createdAt: Date

    public init(
        id: String, keyID: String, account: String, region: String, name: String?, granteePrincipal: String,
        retiringPrincipal: String?, operations: [String], constraints: Constraints?, createdAt: Date
    ) {
        self.id = id
        self.keyID = keyID
        self.account = account
        self.region = region
        self.name = name
        self.granteePrincipal = granteePrincipal
        self.retiringPrincipal = retiringPrincipal
        self.operations = operations
        self.constraints = constraints
        self.createdAt = createdAt
    }

    /// The grant operations AWS allows for a key of this usage and spec.
    public static func allowedOperations(for key: Key) -> Set<String> {
        var allowed: Set<String> = ["CreateGrant", "RetireGrant", "DescribeKey"]
        switch key.keyUsage {
        case .encryptDecrypt:
            allowed.formUnion(["Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo"])
            if key.keySpec == .symmetricDefault {
                allowed.formUnion(["GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"])
            } else {
                allowed.insert("GetPublicKey")
            }
        case .signVerify: allowed.formUnion(["Sign", "Verify", "GetPublicKey"])
        case .generateVerifyMAC: allowed.formUnion(["GenerateMac", "VerifyMac"])
        case .keyAgreement: allowed.formUnion(["DeriveSharedSecret", "GetPublicKey"])
        }
        return allowed
    }
}
