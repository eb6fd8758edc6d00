import Foundation
public import TrentCore
public import TrentModel

/// Renders audit events as CloudTrail records (eventVersion 1.11), the format AWS delivers
/// for KMS calls and service events.
public enum CloudTrailRecord {
    public static let eventVersion = "1.11"

    /// One record written into a document (members in sorted order, as `JSONValue.serialized()`
    /// writes objects): log files hold thousands of records, so no tree is built first.
    public static func write(_ event: AuditEvent, to w: inout JSONOutput) {
        func put(_ key: StaticString, _ value: String) {
            w.member(key)
            w.string(value)
        }
        w.beginObject()
        if let additional = event.additionalEventData {
            w.member("additionalEventData")
            additional.write(to: &w)
        }
        put("awsRegion", event.region)
        if let errorCode = event.errorCode { put("errorCode", errorCode) }
        if let errorMessage = event.errorMessage { put("errorMessage", errorMessage) }
        put("eventCategory", "Management")
        put("eventID", event.eventID)
        put("eventName", event.eventName)
        put("eventSource", "kms.amazonaws.com")
        put("eventTime", AuditDates.iso8601(event.eventTime))
        put("eventType", event.eventType.rawValue)
        put("eventVersion", eventVersion)
        w.member("managementEvent")
        w.bool(true)
        w.member("readOnly")
        w.bool(event.readOnly)
        put("recipientAccountId", event.account)
        if event.eventType == .apiCall, let requestID = event.requestID { put("requestID", requestID) }
        w.member("requestParameters")
        (event.requestParameters ?? .null).write(to: &w)
        w.member("resources")
        w.beginArray()
        for arn in event.resourceARNs {
            w.beginObject()
            put("ARN", arn)
            put("accountId", event.account)
            put("type", "AWS::KMS::Key")
            w.endObject()
        }
        w.endArray()
        w.member("responseElements")
        (event.responseElements ?? .null).write(to: &w)
        switch event.eventType {
        case .apiCall:
            put("sourceIPAddress", event.sourceIPAddress ?? "")
            put("userAgent", event.userAgent ?? "")
            let principal = event.principal ?? .root(event.account)
            w.member("userIdentity")
            w.beginObject()
            if let accessKeyID = event.accessKeyID { put("accessKeyId", accessKeyID) }
            put("accountId", principal.account)
            put("arn", principal.arn)
            put("principalId", principal.principalID)
            if principal.kind == .assumedRole {
                w.member("sessionContext")
                w.beginObject()
                w.member("attributes")
                w.beginObject()
                put("mfaAuthenticated", "false")
                w.endObject()
                w.member("sessionIssuer")
                w.beginObject()
                put("accountId", principal.account)
                put("arn", principal.policyARN)
                put("principalId", String(principal.principalID.prefix { $0 != ":" }))
                put("type", "Role")
                put("userName", principal.name ?? "")
                w.endObject()
                w.endObject()
            }
            put("type", principal.kind.rawValue)
            if principal.kind == .user { put("userName", principal.name ?? "") }
            w.endObject()
        case .serviceEvent:
            put("sourceIPAddress", "kms.amazonaws.com")
            put("userAgent", "kms.amazonaws.com")
            w.member("userIdentity")
            w.beginObject()
            put("accountId", event.account)
            put("invokedBy", "kms.amazonaws.com")
            w.endObject()
        }
        w.endObject()
    }

    /// One record as JSON text with stable key order.
    public static func json(_ event: AuditEvent, pretty: Bool = false) -> String {
        var w = JSONOutput(capacity: 1024)
        write(event, to: &w)
        guard pretty else { return String(decoding: w.bytes, as: UTF8.self) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(JSONValue.parse(w.bytes))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
