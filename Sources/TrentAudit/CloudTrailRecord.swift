import Foundation
public import TrentCore

/// Renders audit events as CloudTrail records (eventVersion 1.11), the format AWS delivers
/// for KMS calls and service events.
public enum CloudTrailRecord {
    public static let eventVersion = "1.11"

    public static func render(_ event: AuditEvent) -> JSONValue {
        var record: [String: JSONValue] = [
            "eventVersion": .string(eventVersion),
            "eventTime": .string(AuditDates.iso8601(event.eventTime)),
            "eventSource": .string("kms.amazonaws.com"),
            "eventName": .string(event.eventName),
            "awsRegion": .string(event.region),
            "requestParameters": event.requestParameters ?? .null,
            "responseElements": event.responseElements ?? .null,
            "eventID": .string(event.eventID),
            "readOnly": .bool(event.readOnly),
            "resources": .array(event.resourceARNs.map { arn in
                .object(["accountId": .string(event.account), "type": .string("AWS::KMS::Key"), "ARN": .string(arn)])
            }),
            "eventType": .string(event.eventType.rawValue),
            "managementEvent": .bool(true),
            "recipientAccountId": .string(event.account),
            "eventCategory": .string("Management"),
        ]
        switch event.eventType {
        case .apiCall:
            let principal = event.principal ?? .root(event.account)
            var identity: [String: JSONValue] = [
                "type": .string(principal.kind.rawValue),
                "principalId": .string(principal.principalID),
                "arn": .string(principal.arn),
                "accountId": .string(principal.account),
            ]
            switch principal.kind {
            case .root: break
            case .user: identity["userName"] = .string(principal.name ?? "")
            case .assumedRole:
                identity["sessionContext"] = .object([
                    "sessionIssuer": .object([
                        "type": .string("Role"), "principalId": .string(String(principal.principalID.prefix { $0 != ":" })),
                        "arn": .string(principal.policyARN), "accountId": .string(principal.account), "userName": .string(principal.name ?? ""),
                    ]),
                    "attributes": .object(["mfaAuthenticated": .string("false")]),
                ])
            }
            if let accessKeyID = event.accessKeyID { identity["accessKeyId"] = .string(accessKeyID) }
            record["userIdentity"] = .object(identity)
            record["sourceIPAddress"] = .string(event.sourceIPAddress ?? "")
            record["userAgent"] = .string(event.userAgent ?? "")
            if let requestID = event.requestID { record["requestID"] = .string(requestID) }
            record["tlsDetails"] = nil
        case .serviceEvent:
            record["userIdentity"] = .object(["accountId": .string(event.account), "invokedBy": .string("kms.amazonaws.com")])
            record["sourceIPAddress"] = .string("kms.amazonaws.com")
            record["userAgent"] = .string("kms.amazonaws.com")
        }
        if let additional = event.additionalEventData { record["additionalEventData"] = additional }
        if let errorCode = event.errorCode { record["errorCode"] = .string(errorCode) }
        if let errorMessage = event.errorMessage { record["errorMessage"] = .string(errorMessage) }
        return .object(record)
    }

    /// One record as JSON text with stable key order.
    public static func json(_ event: AuditEvent, pretty: Bool = false) -> String {
        guard pretty else { return String(decoding: render(event).serialized(), as: UTF8.self) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(render(event))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
