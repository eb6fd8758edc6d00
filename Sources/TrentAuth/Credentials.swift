public import Foundation
import Crypto
import TrentSync

/// Who signed a request, as CloudTrail's `userIdentity` and key policies name it.
///
/// Its names (`arn`, `policyARN`, `principalID`) are worked out when it is made, through a shared
/// cache (a handful of identities make every call), and kept with its fields in one object that
/// copies share: every call's authorization and audit record read them several times.
public struct Principal: Sendable, Equatable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case root = "Root"
        case user = "IAMUser"
        case assumedRole = "AssumedRole"
    }

    fileprivate struct Fields: Sendable, Hashable, Codable {
        var kind: Kind
        var account: String
        var name: String?
        var sessionName: String?
    }

    private final class Box: Sendable {
        let fields: Fields
        let names: PrincipalNames.Names

        init(_ fields: Fields) {
            self.fields = fields
            names = PrincipalNames.shared.names(of: fields)
        }
    }

    private var box: Box

    private var fields: Fields {
        get { box.fields }
        set { box = Box(newValue) }
    }

    public var kind: Kind {
        get { fields.kind }
        set { fields.kind = newValue }
    }
    public var account: String {
        get { fields.account }
        set { fields.account = newValue }
    }
    /// The user's or role's name (nil for the account root).
    public var name: String? {
        get { fields.name }
        set { fields.name = newValue }
    }
    /// The role session's name.
    public var sessionName: String? {
        get { fields.sessionName }
        set { fields.sessionName = newValue }
    }

    public init(kind: Kind, account: String, name: String? = nil, sessionName: String? = nil) {
        box = Box(Fields(kind: kind, account: account, name: name, sessionName: sessionName))
    }

    public init(from decoder: any Decoder) throws {
        box = Box(try Fields(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
    }

    public static func == (lhs: Principal, rhs: Principal) -> Bool {
        lhs.sharesNames(with: rhs) || lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        fields.hash(into: &hasher)
    }

    /// This value and `other` read the same object (a copy does, until a field is set).
    func sharesNames(with other: Principal) -> Bool { box === other.box }

    public static func root(_ account: String) -> Principal { Principal(kind: .root, account: account) }

    /// `arn:aws:iam::A:root`, `arn:aws:iam::A:user/N`, `arn:aws:sts::A:assumed-role/R/S`.
    public var arn: String { box.names.arn }

    /// The ARN a policy's `Principal` names for this caller: the role's ARN for a role session.
    public var policyARN: String { box.names.policyARN }

    /// A stable id in the shape of IAM's (`AIDA…` users, `AROA…:session` roles, the account for root).
    public var principalID: String { box.names.principalID }
}

extension Principal.Fields {
    /// The three names, worked out.
    var names: PrincipalNames.Names {
        let arn = switch kind {
        case .root: "arn:aws:iam::\(account):root"
        case .user: "arn:aws:iam::\(account):user/\(name ?? "")"
        case .assumedRole: "arn:aws:sts::\(account):assumed-role/\(name ?? "")/\(sessionName ?? "")"
        }
        let policyARN = kind == .assumedRole ? "arn:aws:iam::\(account):role/\(name ?? "")" : arn
        let principalID = switch kind {
        case .root: account
        case .user: "AIDA" + Self.stableID(arn)
        case .assumedRole: "AROA" + Self.stableID(policyARN) + ":" + (sessionName ?? "")
        }
        return PrincipalNames.Names(arn: arn, policyARN: policyARN, principalID: principalID)
    }

    /// The first 17 upper-case hex digits of the text's SHA-256 (every audit record names one).
    private static func stableID(_ text: String) -> String {
        let digits: StaticString = "0123456789ABCDEF"
        return String(unsafeUninitializedCapacity: 17) { out in
            digits.withUTF8Buffer { digits in
                for (index, byte) in SHA256.hash(data: Array(text.utf8)).prefix(9).enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    if 2 * index + 1 < 17 { out[2 * index + 1] = digits[Int(byte & 0x0F)] }
                }
            }
            return 17
        }
    }
}

/// Principals' names by principal, worked out once (a handful of identities make every call);
/// emptied when it holds `limit`.
final class PrincipalNames: @unchecked Sendable {
    struct Names: Sendable {
        let arn: String, policyARN: String, principalID: String
    }

    static let shared = PrincipalNames()
    static let limit = 4096
    private let lock = AdaptiveLock()
    private var known: [Principal.Fields: Names] = [:]

    fileprivate func names(of principal: Principal.Fields) -> Names {
        if let names = lock.withLock({ known[principal] }) { return names }
        let names = principal.names
        lock.withLock {
            if known.count >= Self.limit { known.removeAll(keepingCapacity: true) }
            known[principal] = names
        }
        return names
    }
}

/// The credentials file (JSON, documented in docs/credentials.md): accounts with their root,
/// users and roles, each with access keys; users and roles may carry IAM identity policies.
public struct CredentialsFile: Sendable, Codable, Equatable {
    public struct AccessKey: Sendable, Codable, Equatable {
        public var accessKeyId: String
        public var secretAccessKey: String
        /// Temporary credentials (role sessions) carry a session token and may expire.
        public var sessionToken: String?
        public var expiration: Date?
        /// The role session's name (roles only).
        public var sessionName: String?

        public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, sessionName: String? = nil) {
            self.accessKeyId = accessKeyId
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
            self.expiration = expiration
            self.sessionName = sessionName
        }
    }

    public struct Identity: Sendable, Codable, Equatable {
        public var accessKeys: [AccessKey]
        /// IAM identity policy documents (JSON text), evaluated with key policies.
        public var policies: [String]?

        public init(accessKeys: [AccessKey], policies: [String]? = nil) {
            self.accessKeys = accessKeys
            self.policies = policies
        }
    }

    public struct Account: Sendable, Codable, Equatable {
        public var root: Identity?
        public var users: [String: Identity]?
        public var roles: [String: Identity]?

        public init(root: Identity? = nil, users: [String: Identity]? = nil, roles: [String: Identity]? = nil) {
            self.root = root
            self.users = users
            self.roles = roles
        }
    }

    public var version: Int
    public var accounts: [String: Account]

    public init(version: Int = 1, accounts: [String: Account]) {
        self.version = version
        self.accounts = accounts
    }

    /// Reads and checks a credentials file.
    public static func load(path: String) throws -> CredentialsFile {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let file: CredentialsFile
        do { file = try decoder.decode(CredentialsFile.self, from: data) } catch {
            throw CredentialsError("\(path) is not a valid credentials file: \(Self.describe(error))")
        }
        try file.check()
        return file
    }

    /// Writes the file with mode 0600 (written in full and synced, then moved into place).
    public func write(to path: String) throws {
        let fm = FileManager.default
        let temporary = path + ".tmp-\(UUID().uuidString)"
        guard fm.createFile(atPath: temporary, contents: try encoded(), attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forUpdatingAtPath: temporary)
        else { throw CredentialsError("cannot create credentials file \(path)") }
        try handle.synchronize()
        try handle.close()
        try fm.moveItem(atPath: temporary, toPath: path)
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Account ids of 12 digits, names IAM allows, access key ids unique across the file.
    public func check() throws {
        guard version == 1 else { throw CredentialsError("unsupported credentials file version \(version) (this Trent reads version 1)") }
        var seen = Set<String>()
        for (account, entry) in accounts {
            guard account.count == 12, account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw CredentialsError("account id '\(account)' must be 12 digits")
            }
            let named = (entry.users ?? [:]).map { ("user", $0.key, $0.value) } + (entry.roles ?? [:]).map { ("role", $0.key, $0.value) }
            for (kind, name, _) in named {
                guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }) else {
                    throw CredentialsError("\(kind) name '\(name)' in account \(account) is not a valid IAM name")
                }
            }
            let identities = [entry.root].compactMap { $0 } + named.map(\.2)
            for key in identities.flatMap(\.accessKeys) {
                guard key.accessKeyId.count >= 16, key.accessKeyId.count <= 128, key.accessKeyId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw CredentialsError("access key id '\(key.accessKeyId.prefix(32))' must be 16 to 128 letters and digits")
                }
                guard key.secretAccessKey.count >= 16 else {
                    throw CredentialsError("the secret of access key \(key.accessKeyId) is shorter than 16 characters")
                }
                guard seen.insert(key.accessKeyId).inserted else {
                    throw CredentialsError("access key id \(key.accessKeyId) appears more than once")
                }
            }
        }
    }

    /// A file with one administrator user, `admin`, in `account`, allowed every KMS action (and
    /// CloudTrail's LookupEvents) by an
    /// identity policy (the default key policy delegates to IAM), with a fresh access key.
    public static func administrator(account: String) -> CredentialsFile {
        let key = AccessKey(accessKeyId: "AKIA" + randomCharacters(16, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                            secretAccessKey: randomCharacters(40, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"))
        let policy = #"{"Version":"2012-10-17","Statement":[{"Sid":"Administrator","Effect":"Allow","Action":["kms:*","cloudtrail:LookupEvents"],"Resource":"*"}]}"#
        return CredentialsFile(accounts: [account: Account(users: ["admin": Identity(accessKeys: [key], policies: [policy])])])
    }

    static func randomCharacters(_ count: Int, from alphabet: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = Array(alphabet)
        return String((0..<count).map { _ in characters[Int(generator.next(upperBound: UInt64(characters.count)))] })
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "not JSON"
        }
    }
}

public struct CredentialsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One access key's owner, resolved from the credentials file.
public struct KnownAccessKey: Sendable {
    public let key: CredentialsFile.AccessKey
    public let principal: Principal
    /// The IAM identity policies of the user or role (JSON text).
    public let identityPolicies: [String]
}

/// The credentials file indexed by access key id.
public struct CredentialStore: Sendable {
    public let file: CredentialsFile
    private let byAccessKey: [String: KnownAccessKey]

    public init(_ file: CredentialsFile) {
        self.file = file
        var index: [String: KnownAccessKey] = [:]
        for (account, entry) in file.accounts {
            for key in entry.root?.accessKeys ?? [] {
                index[key.accessKeyId] = KnownAccessKey(key: key, principal: .root(account), identityPolicies: [])
            }
            for (name, user) in entry.users ?? [:] {
                for key in user.accessKeys {
                    index[key.accessKeyId] = KnownAccessKey(key: key, principal: Principal(kind: .user, account: account, name: name), identityPolicies: user.policies ?? [])
                }
            }
            for (name, role) in entry.roles ?? [:] {
                for key in role.accessKeys {
                    let principal = Principal(kind: .assumedRole, account: account, name: name, sessionName: key.sessionName ?? "session")
                    index[key.accessKeyId] = KnownAccessKey(key: key, principal: principal, identityPolicies: role.policies ?? [])
                }
            }
        }
        byAccessKey = index
    }

    public func accessKey(_ id: String) -> KnownAccessKey? { byAccessKey[id] }
}
