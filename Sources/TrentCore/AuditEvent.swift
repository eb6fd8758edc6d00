public import Foundation
public import TrentAuth

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
    /// The request's condition keys (`kms:EncryptionContext:…`, `kms:GrantOperations`, …) for policies.
    public var conditions: [String: [String]] = [:]
    /// The request came over TLS (`aws:SecureTransport`).
    public var secureTransport = false
    /// The request's encryption context, for grant constraints.
    public var encryptionContext: [String: String] = [:]

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

/// One audit record in domain terms; TrentAudit renders it in CloudTrail's format.
public struct AuditEvent: Sendable, Equatable, Codable {
    public enum EventType: String, Sendable, Codable {
        case apiCall = "AwsApiCall"
        case serviceEvent = "AwsServiceEvent"
    }

    public var eventID: String
    public var eventTime: Date
    public var eventName: String
    public var eventType: EventType
    public var account: String
    public var region: String
    public var requestID: String?
    public var sourceIPAddress: String?
    public var userAgent: String?
    public var accessKeyID: String?
    public var readOnly: Bool
    public var requestParameters: JSONValue?
    public var responseElements: JSONValue?
    public var additionalEventData: JSONValue?
    public var resourceARNs: [String]
    public var errorCode: String?
    public var errorMessage: String?
    /// The key the event concerns, for lookup by key.
    public var keyID: String?
    /// Who called (API calls); records written before authentication existed have none (root).
    public var principal: Principal?

    public init(
        eventID: String, eventTime: Date, eventName: String, eventType: EventType, account: String, region: String,
        requestID: String?, sourceIPAddress: String?, userAgent: String?, accessKeyID: String?, readOnly: Bool,
        requestParameters: JSONValue?, responseElements: JSONValue?, additionalEventData: JSONValue? = nil,
        resourceARNs: [String], errorCode: String?, errorMessage: String?, keyID: String?, principal: Principal? = nil
    ) {
        self.principal = principal
        self.eventID = eventID
        self.eventTime = eventTime
        self.eventName = eventName
        self.eventType = eventType
        self.account = account
        self.region = region
        self.requestID = requestID
        self.sourceIPAddress = sourceIPAddress
        self.userAgent = userAgent
        self.accessKeyID = accessKeyID
        self.readOnly = readOnly
        self.requestParameters = requestParameters
        self.responseElements = responseElements
        self.additionalEventData = additionalEventData
        self.resourceARNs = resourceARNs
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.keyID = keyID
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
