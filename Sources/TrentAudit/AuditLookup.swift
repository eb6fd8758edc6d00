public import Foundation
public import TrentCore

/// CloudTrail's `LookupEvents` over the audit log: one lookup attribute, a time range, newest
/// first, paginated with an opaque token. Used by the API and by `trent audit lookup`.
public struct AuditLookup: Sendable {
    /// A refusal, named as CloudTrail names it (`InvalidLookupAttributesException`, …).
    public struct Failure: Error, Sendable {
        public let type: String
        public let message: String
    }

    public static let attributeKeys = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"]

    let store: any KeyStore

    public init(store: any KeyStore) {
        self.store = store
    }

    public struct Page: Sendable {
        public let events: [AuditEvent]
        public let nextToken: String?
    }

    /// The events of `account` (every account when nil, for the local `trent audit lookup`).
    public func lookup(
        account: String? = nil, region: String?, attribute: (key: String, value: String)?, start: Date?, end: Date?, maxResults: Int?, nextToken: String?
    ) async throws -> Page {
        let limit = maxResults ?? 50
        guard (1...50).contains(limit) else { throw Failure(type: "InvalidMaxResultsException", message: "MaxResults must be between 1 and 50.") }
        if let start, let end, start > end {
            throw Failure(type: "InvalidTimeRangeException", message: "StartTime must be before EndTime.")
        }
        if let attribute, !Self.attributeKeys.contains(attribute.key) {
            throw Failure(type: "InvalidLookupAttributesException", message: "Unknown lookup attribute \(attribute.key).")
        }
        var cursor: String?
        if let nextToken {
            guard let data = Data(base64Encoded: nextToken), let id = String(data: data, encoding: .utf8), !id.isEmpty else {
                throw Failure(type: "InvalidNextTokenException", message: "The NextToken is not valid.")
            }
            cursor = id
        }
        var query = AuditQuery(from: start, to: end, limit: 200, newestFirst: true, region: region, afterEventID: cursor)
        if attribute?.key == "EventName" { query.eventName = attribute?.value }
        if attribute?.key == "EventId" { query.eventID = attribute?.value }
        var found: [AuditEvent] = []
        while found.count < limit {
            let batch = try await store.read { [query] in try $0.auditEvents(query) }
            for event in batch where (account == nil || event.account == account) && Self.matches(event, attribute) {
                found.append(event)
                if found.count == limit { break }
            }
            guard batch.count == query.limit, let last = batch.last else { break }
            query.afterEventID = last.eventID
        }
        let more = found.count == limit
            ? !(try await store.read { [query, found] in
                var next = query
                next.afterEventID = found.last?.eventID
                next.limit = 1
                return try $0.auditEvents(next)
            }).isEmpty
            : false
        return Page(events: found, nextToken: more ? found.last.map { Data($0.eventID.utf8).base64EncodedString() } : nil)
    }

    /// CloudTrail's `Username`: "root", the IAM user's name, or the role session's name (nil for
    /// a service event).
    public static func username(_ event: AuditEvent) -> String? {
        guard event.eventType == .apiCall else { return nil }
        let principal = event.principal ?? .root(event.account)
        return switch principal.kind {
        case .root: "root"
        case .user: principal.name
        case .assumedRole: principal.sessionName
        }
    }

    static func matches(_ event: AuditEvent, _ attribute: (key: String, value: String)?) -> Bool {
        guard let attribute else { return true }
        let v = attribute.value
        switch attribute.key {
        case "EventId": return event.eventID == v
        case "EventName": return event.eventName == v
        case "ReadOnly": return String(event.readOnly) == v.lowercased()
        case "Username": return username(event) == v
        case "ResourceType": return v == "AWS::KMS::Key" && !event.resourceARNs.isEmpty
        case "ResourceName": return event.resourceARNs.contains { $0 == v || $0.hasSuffix("/" + v) }
        case "EventSource": return v == "kms.amazonaws.com"
        case "AccessKeyId": return event.accessKeyID == v
        default: return false
        }
    }

    /// The `Event` shape of LookupEvents.
    public static func eventShape(_ event: AuditEvent) -> [String: Any] {
        var shape: [String: Any] = [
            "EventId": event.eventID, "EventName": event.eventName, "ReadOnly": String(event.readOnly),
            "EventTime": event.eventTime.timeIntervalSince1970, "EventSource": "kms.amazonaws.com",
            "Resources": event.resourceARNs.map { ["ResourceType": "AWS::KMS::Key", "ResourceName": $0] },
            "CloudTrailEvent": CloudTrailRecord.json(event),
        ]
        if let accessKeyID = event.accessKeyID { shape["AccessKeyId"] = accessKeyID }
        if let username = username(event) { shape["Username"] = username }
        return shape
    }
}
