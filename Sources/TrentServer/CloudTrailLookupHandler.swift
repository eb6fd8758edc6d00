import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import TrentAudit

/// CloudTrail's `LookupEvents` on the same endpoint, so `aws cloudtrail lookup-events
/// --endpoint-url …` reads Trent's audit log. Only LookupEvents exists; it is not itself audited.
struct CloudTrailLookupHandler: Sendable {
    static let targetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

    let lookup: AuditLookup?

    func handle(operation: String, body: Data, account: String, region: String, requestID: String) async -> KMSAnswer {
        guard operation == "LookupEvents", let lookup else {
            return Self.error("UnknownOperationException", "", requestID: requestID)
        }
        guard let request = (try? JSONSerialization.jsonObject(with: body.isEmpty ? Data("{}".utf8) : body)) as? [String: Any] else {
            return Self.error("SerializationException", "The request body is not a JSON object.", requestID: requestID)
        }
        let attributes = request["LookupAttributes"] as? [[String: Any]] ?? []
        guard attributes.count <= 1 else {
            return Self.error("InvalidLookupAttributesException", "You can specify only one lookup attribute.", requestID: requestID)
        }
        var attribute: (key: String, value: String)?
        if let first = attributes.first {
            guard let key = first["AttributeKey"] as? String, let value = first["AttributeValue"] as? String else {
                return Self.error("InvalidLookupAttributesException", "A lookup attribute needs AttributeKey and AttributeValue.", requestID: requestID)
            }
            attribute = (key, value)
        }
        if let category = request["EventCategory"] as? String, category != "insight" {
            return Self.error("InvalidEventCategoryException", "EventCategory must be insight.", requestID: requestID)
        }
        do {
            let page = try await lookup.lookup(
                account: account, region: region, attribute: attribute, start: Self.date(request["StartTime"]), end: Self.date(request["EndTime"]),
                maxResults: request["MaxResults"] as? Int, nextToken: request["NextToken"] as? String
            )
            var response: [String: Any] = ["Events": request["EventCategory"] == nil ? page.events.map(AuditLookup.eventShape) : []]
            if let token = page.nextToken { response["NextToken"] = token }
            let data = try JSONSerialization.data(withJSONObject: response, options: [.withoutEscapingSlashes])
            return KMSAnswer(status: .ok, body: data, requestID: requestID)
        } catch let failure as AuditLookup.Failure {
            return Self.error(failure.type, failure.message, requestID: requestID)
        } catch {
            return Self.error("InternalFailure", "An internal error occurred. Request ID: \(requestID)", requestID: requestID, status: .internalServerError)
        }
    }

    static func date(_ value: Any?) -> Date? {
        if let seconds = value as? Double { return Date(timeIntervalSince1970: seconds) }
        if let text = value as? String { return ISO8601DateFormatter().date(from: text) ?? Double(text).map(Date.init(timeIntervalSince1970:)) }
        return nil
    }

    static func error(_ type: String, _ message: String, requestID: String, status: HTTPResponse.Status = .badRequest) -> KMSAnswer {
        KMSAnswer(error: type, message, status: status, requestID: requestID)
    }
}
