public import Foundation
public import TrentAuth
public import TrentModel
import Synchronization

/// Who made a call and how: what an audit record says of the caller.
public struct CallContext: Sendable {
    public var account: String
    public var region: String
    public var requestID: String
    public var sourceIPAddress: String
    public var userAgent: String
    public var accessKeyID: String?
    public var eventName: String
    /// What AWS records of this request (never plaintext, ciphertext, key material or tokens).
    public var requestParameters: JSONValue?
    /// The authenticated caller; the account root when not given.
    public var principal: Principal
    /// The caller's IAM identity policies (JSON text), evaluated with key policies and grants.
    public var identityPolicies: [String]
    /// The caller used temporary credentials.
    public var temporaryCredentials: Bool
    /// The request's condition keys (`kms:EncryptionContext:…`, `kms:GrantOperations`, …) for
    /// policies, and its encryption context for grant constraints: worked out from the request
    /// only when a policy condition or a grant asks (most calls are decided without them).
    public var requestKeys = RequestKeys.none
    public var conditions: [String: [String]] { requestKeys.value.conditions }
    public var encryptionContext: [String: String] { requestKeys.value.encryptionContext }
    /// The request came over TLS (`aws:SecureTransport`).
    public var secureTransport = false

    public init(
        account: String, region: String, requestID: String, sourceIPAddress: String, userAgent: String,
        accessKeyID: String?, eventName: String, requestParameters: JSONValue?,
        principal: Principal? = nil, identityPolicies: [String] = [], temporaryCredentials: Bool = false
    ) {
        self.principal = principal ?? .root(account)
        self.identityPolicies = identityPolicies
        self.temporaryCredentials = temporaryCredentials
        self.account = account
        self.region = region
        self.requestID = requestID
        self.sourceIPAddress = sourceIPAddress
        self.userAgent = userAgent
        self.accessKeyID = accessKeyID
        self.eventName = eventName
        self.requestParameters = requestParameters
    }
}

/// A request's own condition keys and encryption context, computed once, when first asked for.
/// Every call makes one: its lock is a `Mutex` inside it (an `NSLock` was two more allocations,
/// a pthread mutex made and destroyed, per call).
public final class RequestKeys: Sendable {
    public typealias Value = (conditions: [String: [String]], encryptionContext: [String: String])
    public static let none = RequestKeys { ([:], [:]) }

    private let compute: @Sendable () -> Value
    private let computed = Mutex<Value?>(nil)

    public init(_ compute: @escaping @Sendable () -> Value) {
        self.compute = compute
    }

    public var value: Value {
        computed.withLock { computed in
            if let computed { return computed }
            let value = compute()
            computed = value
            return value
        }
    }
}

/// One audit record in domain terms; TrentAudit renders it in CloudTrail's format.
///
/// A record is copied several times on its way (into the journal, the store, the audit roll), so
/// its fields live in one shared, unchanging object: a copy is one reference count, not one per
/// string. Setting a field gives the record a fresh object.
public struct AuditEvent: Sendable, Equatable, Codable {
    public enum EventType: String, Sendable, Codable {
        case apiCall = "AwsApiCall"
        case serviceEvent = "AwsServiceEvent"
    }

    /// The record's fields, stored and coded (`Codable`) as they are.
    private struct Fields: Sendable, Equatable, Codable {
        var eventID: String
        var eventTime: Date
        var eventName: String
        var eventType: EventType
        var account: String
        var region: String
        var requestID: String?
        var sourceIPAddress: String?
        var userAgent: String?
        var accessKeyID: String?
        var readOnly: Bool
        var requestParameters: JSONValue?
        var responseElements: JSONValue?
        var additionalEventData: JSONValue?
        var resourceARNs: [String]
        var errorCode: String?
        var errorMessage: String?
        /// The key the event concerns, for lookup by key.
        var keyID: String?
        /// Who called (API calls); records written before authentication existed have none (root).
        var principal: Principal?
    }

    @SharedFields private var fields: Fields

    /// This value and `other` read the same fields object (a copy does, until a field is set).
    func sharesFields(with other: AuditEvent) -> Bool { _fields.isShared(with: other._fields) }

    public var eventID: String {
        get { fields.eventID }
        set { fields.eventID = newValue }
    }
    public var eventTime: Date {
        get { fields.eventTime }
        set { fields.eventTime = newValue }
    }
    public var eventName: String {
        get { fields.eventName }
        set { fields.eventName = newValue }
    }
    public var eventType: EventType {
        get { fields.eventType }
        set { fields.eventType = newValue }
    }
    public var account: String {
        get { fields.account }
        set { fields.account = newValue }
    }
    public var region: String {
        get { fields.region }
        set { fields.region = newValue }
    }
    public var requestID: String? {
        get { fields.requestID }
        set { fields.requestID = newValue }
    }
    public var sourceIPAddress: String? {
        get { fields.sourceIPAddress }
        set { fields.sourceIPAddress = newValue }
    }
    public var userAgent: String? {
        get { fields.userAgent }
        set { fields.userAgent = newValue }
    }
    public var accessKeyID: String? {
        get { fields.accessKeyID }
        set { fields.accessKeyID = newValue }
    }
    public var readOnly: Bool {
        get { fields.readOnly }
        set { fields.readOnly = newValue }
    }
    public var requestParameters: JSONValue? {
        get { fields.requestParameters }
        set { fields.requestParameters = newValue }
    }
    public var responseElements: JSONValue? {
        get { fields.responseElements }
        set { fields.responseElements = newValue }
    }
    public var additionalEventData: JSONValue? {
        get { fields.additionalEventData }
        set { fields.additionalEventData = newValue }
    }
    public var resourceARNs: [String] {
        get { fields.resourceARNs }
        set { fields.resourceARNs = newValue }
    }
    public var errorCode: String? {
        get { fields.errorCode }
        set { fields.errorCode = newValue }
    }
    public var errorMessage: String? {
        get { fields.errorMessage }
        set { fields.errorMessage = newValue }
    }
    /// The key the event concerns, for lookup by key.
    public var keyID: String? {
        get { fields.keyID }
        set { fields.keyID = newValue }
    }
    /// Who called (API calls); records written before authentication existed have none (root).
    public var principal: Principal? {
        get { fields.principal }
        set { fields.principal = newValue }
    }

    public init(
        eventID: String, eventTime: Date, eventName: String, eventType: EventType, account: String, region: String,
        requestID: String?, sourceIPAddress: String?, userAgent: String?, accessKeyID: String?, readOnly: Bool,
        requestParameters: JSONValue?, responseElements: JSONValue?, additionalEventData: JSONValue? = nil,
        resourceARNs: [String], errorCode: String?, errorMessage: String?, keyID: String?, principal: Principal? = nil
    ) {
        fields = Fields(
            eventID: eventID, eventTime: eventTime, eventName: eventName, eventType: eventType, account: account, region: region,
            requestID: requestID, sourceIPAddress: sourceIPAddress, userAgent: userAgent, accessKeyID: accessKeyID, readOnly: readOnly,
            requestParameters: requestParameters, responseElements: responseElements, additionalEventData: additionalEventData,
            resourceARNs: resourceARNs, errorCode: errorCode, errorMessage: errorMessage, keyID: keyID, principal: principal
        )
    }

    public init(from decoder: any Decoder) throws {
        fields = try Fields(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
    }

    public static func == (lhs: AuditEvent, rhs: AuditEvent) -> Bool {
        lhs.sharesFields(with: rhs) || lhs.fields == rhs.fields
    }

    /// Operations that change nothing, as CloudTrail marks them `readOnly`.
    public static let readOnlyEvents: Set<String> = [
        "DescribeKey", "ListKeys", "ListAliases", "Encrypt", "Decrypt", "GetParametersForImport",
        "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt", "GetKeyPolicy", "ListResourceTags",
        "GetPublicKey", "Sign", "Verify", "GenerateMac", "VerifyMac", "GenerateRandom", "ListGrants",
        "ListKeyPolicies", "GetKeyRotationStatus", "ListKeyRotations", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "DeriveSharedSecret", "GetKeyLastUsage", "ListRetirableGrants",
    ]
}

extension AuditEvent {
    public struct StorageFormatError: Error, CustomStringConvertible {
        public let field: String
        public var description: String { "stored audit event: \(field) missing or malformed" }
    }

    /// The stored form, written straight: exactly what the synthesized `Codable` conformance
    /// writes with the stores' settings (dates as seconds since 1970, absent optionals left out,
    /// members sorted), so old and new rows read alike either way. What the journal and the
    /// stores keep of every call.
    public func writeStorage(to w: inout JSONOutput) {
        func put(_ key: StaticString, _ value: String?) {
            if let value {
                w.member(key)
                w.string(value)
            }
        }
        func put(_ key: StaticString, _ value: JSONValue?) {
            if let value {
                w.member(key)
                value.write(to: &w)
            }
        }
        w.beginObject()
        put("accessKeyID", accessKeyID)
        put("account", account)
        put("additionalEventData", additionalEventData)
        put("errorCode", errorCode)
        put("errorMessage", errorMessage)
        put("eventID", eventID)
        put("eventName", eventName)
        w.member("eventTime")
        w.number(eventTime.timeIntervalSince1970)
        put("eventType", eventType.rawValue)
        put("keyID", keyID)
        if let principal {
            w.member("principal")
            w.beginObject()
            put("account", principal.account)
            put("kind", principal.kind.rawValue)
            put("name", principal.name)
            put("sessionName", principal.sessionName)
            w.endObject()
        }
        w.member("readOnly")
        w.bool(readOnly)
        put("region", region)
        put("requestID", requestID)
        put("requestParameters", requestParameters)
        w.member("resourceARNs")
        w.beginArray()
        for arn in resourceARNs { w.string(arn) }
        w.endArray()
        put("responseElements", responseElements)
        put("sourceIPAddress", sourceIPAddress)
        put("userAgent", userAgent)
        w.endObject()
    }

    /// `writeStorage` on its own.
    public var storageJSON: [UInt8] { stored(asLine: false) }

    /// `storageJSON` and a line break: a line of the audit journal.
    public var storageLine: [UInt8] { stored(asLine: true) }

    private func stored(asLine: Bool) -> [UInt8] {
        var w = JSONOutput(capacity: 1280)
        writeStorage(to: &w)
        if asLine { w.newline() }
        return w.finished()
    }

    /// Reads the stored form (`writeStorage`, or what `JSONEncoder` wrote before it).
    public init(storageValue value: JSONValue) throws {
        guard case .object(let o) = value else { throw StorageFormatError(field: "event") }
        func string(_ key: String) throws -> String {
            guard case .string(let s)? = o[key] else { throw StorageFormatError(field: key) }
            return s
        }
        func optional(_ key: String) throws -> String? {
            switch o[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw StorageFormatError(field: key)
            }
        }
        func json(_ key: String) -> JSONValue? {
            if case .null? = o[key] { return nil }
            return o[key]
        }
        guard case .number(let time)? = o["eventTime"] else { throw StorageFormatError(field: "eventTime") }
        guard let type = EventType(rawValue: try string("eventType")) else { throw StorageFormatError(field: "eventType") }
        guard case .bool(let readOnly)? = o["readOnly"] else { throw StorageFormatError(field: "readOnly") }
        guard case .array(let arns)? = o["resourceARNs"] else { throw StorageFormatError(field: "resourceARNs") }
        var principal: Principal?
        switch o["principal"] {
        case nil, .null?: principal = nil
        case .object(let p)?:
            guard case .string(let kind)? = p["kind"], let kind = Principal.Kind(rawValue: kind), case .string(let account)? = p["account"] else {
                throw StorageFormatError(field: "principal")
            }
            principal = Principal(kind: kind, account: account, name: p["name"]?.stringValue, sessionName: p["sessionName"]?.stringValue)
        default: throw StorageFormatError(field: "principal")
        }
        self.init(
            eventID: try string("eventID"), eventTime: Date(timeIntervalSince1970: time), eventName: try string("eventName"), eventType: type,
            account: try string("account"), region: try string("region"), requestID: try optional("requestID"),
            sourceIPAddress: try optional("sourceIPAddress"), userAgent: try optional("userAgent"), accessKeyID: try optional("accessKeyID"),
            readOnly: readOnly, requestParameters: json("requestParameters"), responseElements: json("responseElements"),
            additionalEventData: json("additionalEventData"),
            resourceARNs: try arns.map { guard case .string(let s) = $0 else { throw StorageFormatError(field: "resourceARNs") }; return s },
            errorCode: try optional("errorCode"), errorMessage: try optional("errorMessage"), keyID: try optional("keyID"), principal: principal
        )
    }
}
