import Foundation
import Testing
import TrentAuth
import TrentCore
@testable import TrentAudit

/// The records written into log files and lookups, to the byte: every principal kind, service
/// events, errors, extra data.
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

    /// What the records are, to the byte (checked against the tree-built records they replaced).
    static let expected: [String] = [
        #"{"awsRegion":"eu-west-1","eventCategory":"Management","eventID":"e1","eventName":"Encrypt","eventSource":"kms.amazonaws.com","eventTime":"2025-11-29T08:00:00Z","eventType":"AwsApiCall","eventVersion":"1.11","managementEvent":true,"readOnly":true,"recipientAccountId":"111122223333","requestID":"r-1","requestParameters":{"encryptionContext":{"é":"🔑\n"},"keyId":"alias/x"},"resources":[{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/k","accountId":"111122223333","type":"AWS::KMS::Key"},{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/l","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":null,"sourceIPAddress":"127.0.0.1","userAgent":"aws-cli/2 \"q\"","userIdentity":{"accessKeyId":"AKID","accountId":"111122223333","arn":"arn:aws:iam::111122223333:root","principalId":"111122223333","type":"Root"}}"#,
        #"{"awsRegion":"eu-west-1","errorCode":"AccessDeniedException","errorMessage":"User: arn:aws:iam::111122223333:user/alice is not authorized","eventCategory":"Management","eventID":"e1","eventName":"Encrypt","eventSource":"kms.amazonaws.com","eventTime":"2025-11-29T08:00:00Z","eventType":"AwsApiCall","eventVersion":"1.11","managementEvent":true,"readOnly":true,"recipientAccountId":"111122223333","requestID":"r-1","requestParameters":{"encryptionContext":{"é":"🔑\n"},"keyId":"alias/x"},"resources":[{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/k","accountId":"111122223333","type":"AWS::KMS::Key"},{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/l","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":{"keyMaterialId":"m"},"sourceIPAddress":"127.0.0.1","userAgent":"aws-cli/2 \"q\"","userIdentity":{"accessKeyId":"AKID","accountId":"111122223333","arn":"arn:aws:iam::111122223333:user/alice","principalId":"AIDA5778C30D3FE8C123C","type":"IAMUser","userName":"alice"}}"#,
        #"{"additionalEventData":{"keyMaterialId":"m","n":2},"awsRegion":"eu-west-1","eventCategory":"Management","eventID":"e1","eventName":"Encrypt","eventSource":"kms.amazonaws.com","eventTime":"2025-11-29T08:00:00Z","eventType":"AwsApiCall","eventVersion":"1.11","managementEvent":true,"readOnly":true,"recipientAccountId":"111122223333","requestID":"r-1","requestParameters":{"encryptionContext":{"é":"🔑\n"},"keyId":"alias/x"},"resources":[{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/k","accountId":"111122223333","type":"AWS::KMS::Key"},{"ARN":"arn:aws:kms:eu-west-1:111122223333:key/l","accountId":"111122223333","type":"AWS::KMS::Key"}],"responseElements":null,"sourceIPAddress":"127.0.0.1","userAgent":"aws-cli/2 \"q\"","userIdentity":{"accountId":"111122223333","arn":"arn:aws:sts::111122223333:assumed-role/deployer/ci","principalId":"AROAC9D392DBC8C0D7DB3:ci","sessionContext":{"attributes":{"mfaAuthenticated":"false"},"sessionIssuer":{"accountId":"111122223333","arn":"arn:aws:iam::111122223333:role/deployer","principalId":"AROAC9D392DBC8C0D7DB3","type":"Role","userName":"deployer"}},"type":"AssumedRole"}}"#,
        #"{"awsRegion":"eu-west-1","eventCategory":"Management","eventID":"e1","eventName":"Encrypt","eventSource":"kms.amazonaws.com","eventTime":"2025-11-29T08:00:00Z","eventType":"AwsApiCall","eventVersion":"1.11","managementEvent":true,"readOnly":true,"recipientAccountId":"111122223333","requestParameters":{"encryptionContext":{"é":"🔑\n"},"keyId":"alias/x"},"resources":[],"responseElements":null,"sourceIPAddress":"","userAgent":"","userIdentity":{"accessKeyId":"AKID","accountId":"111122223333","arn":"arn:aws:iam::111122223333:root","principalId":"111122223333","type":"Root"}}"#,
        #"{"additionalEventData":{"keyMaterialId":"m"},"awsRegion":"us-east-1","eventCategory":"Management","eventID":"e2","eventName":"DeleteExpiredKeyMaterial","eventSource":"kms.amazonaws.com","eventTime":"2023-11-14T22:13:20Z","eventType":"AwsServiceEvent","eventVersion":"1.11","managementEvent":true,"readOnly":false,"recipientAccountId":"1","requestParameters":null,"resources":[{"ARN":"arn:aws:kms:us-east-1:1:key/k","accountId":"1","type":"AWS::KMS::Key"}],"responseElements":null,"sourceIPAddress":"kms.amazonaws.com","userAgent":"kms.amazonaws.com","userIdentity":{"accountId":"1","invokedBy":"kms.amazonaws.com"}}"#,
    ]

    @Test func recordsAreCloudTrailRecords() {
        for (event, expected) in zip(Self.events(), Self.expected) {
            #expect(CloudTrailRecord.json(event) == expected)
        }
    }

    @Test func prettyRecordsAreTheSameDocument() throws {
        for event in Self.events() {
            let pretty = CloudTrailRecord.json(event, pretty: true)
            #expect(pretty.contains("\n  \""))
            #expect(try JSONValue.parse(Array(pretty.utf8)) == JSONValue.parse(Array(CloudTrailRecord.json(event).utf8)))
        }
    }
}
