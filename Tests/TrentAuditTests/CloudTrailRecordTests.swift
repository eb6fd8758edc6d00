import Foundation
import Testing
import TrentAuth
import TrentCore
@testable import TrentAudit

/// The records written straight into log files and lookups are the records `render` builds, to
/// the byte: every principal kind, service events, errors, extra data.
@Suite struct CloudTrailRecordTests {
    static func events() -> [AuditEvent] {
        let call = AuditEvent(
            eventID: "e1", eventTime: Date(timeIntervalSince1970: 1_764_403_200.5), eventName: "Encrypt", eventType: .apiCall,
            account: "111122223333", region: "eu-west-1", requestID: "r-1", sourceIPAddress: "127.0.0.1", userAgent: "aws-cli/2 \"q\"",
            accessKeyID: "AKID", readOnly: true,
            requestParameters: .object(["keyId": .string("alias/x"), "encryptionContext": .object(["é": .string("🔑\n")])]),
            responseElements: nil, resourceARNs: ["arn:aws:kms:eu-west-1:111122223333:key/k", "arn:aws:kms:eu-west-1:111122223333:key/l"],
            errorCode: nil, errorMessage: nil, keyID: "k", principal: .root("111122223333")
        )
        var user = call
        user.principal = Principal(kind: .user, account: "111122223333", name: "alice")
        user.errorCode = "AccessDeniedException"
        user.errorMessage = "User: arn:aws:iam::111122223333:user/alice is not authorized"
        user.responseElements = .object(["keyMaterialId": .string("m")])
        var role = call
        role.principal = Principal(kind: .assumedRole, account: "111122223333", name: "deployer", sessionName: "ci")
        role.accessKeyID = nil
        role.additionalEventData = .object(["keyMaterialId": .string("m"), "n": .number(2)])
        var anonymous = call
        anonymous.principal = nil
        anonymous.requestID = nil
        anonymous.sourceIPAddress = nil
        anonymous.userAgent = nil
        anonymous.resourceARNs = []
        let service = AuditEvent(
            eventID: "e2", eventTime: Date(timeIntervalSince1970: 1_700_000_000), eventName: "DeleteExpiredKeyMaterial", eventType: .serviceEvent,
            account: "1", region: "us-east-1", requestID: "ignored", sourceIPAddress: nil, userAgent: nil, accessKeyID: nil, readOnly: false,
            requestParameters: nil, responseElements: nil, additionalEventData: .object(["keyMaterialId": .string("m")]),
            resourceARNs: ["arn:aws:kms:us-east-1:1:key/k"], errorCode: nil, errorMessage: nil, keyID: "k"
        )
        return [call, user, role, anonymous, service]
    }

    @Test func writtenRecordsAreRenderedRecords() {
        for event in Self.events() {
            #expect(CloudTrailRecord.json(event) == String(decoding: CloudTrailRecord.render(event).serialized(), as: UTF8.self))
        }
    }
}
