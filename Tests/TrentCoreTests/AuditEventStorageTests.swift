import Foundation
import Testing
import TrentAuth
import TrentCore

/// Audit events are stored as the JSON the synthesized `Codable` conformance writes; the direct
/// writer and parser must read and write exactly that, in both directions.
@Suite struct AuditEventStorageTests {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    static func events() -> [AuditEvent] {
        var full = AuditEvent(
            eventID: UUID().uuidString, eventTime: Date(timeIntervalSince1970: 1_764_403_200.123456), eventName: "Encrypt", eventType: .apiCall,
            account: "111122223333", region: "eu-west-1", requestID: "r/1", sourceIPAddress: "127.0.0.1", userAgent: "aws-cli/2 \"q\"",
            accessKeyID: "AKID", readOnly: true, requestParameters: .object(["keyId": .string("alias/x"), "n": .number(3), "ctx": .object(["é": .string("🔑")])]),
            responseElements: .null, additionalEventData: .array([.bool(false)]), resourceARNs: ["arn:aws:kms:eu-west-1:111122223333:key/k"],
            errorCode: "AccessDeniedException", errorMessage: "no\nway", keyID: "k",
            principal: Principal(kind: .assumedRole, account: "111122223333", name: "role", sessionName: "s")
        )
        full.responseElements = nil
        let bare = AuditEvent(
            eventID: "e", eventTime: Date(timeIntervalSince1970: 1_700_000_000), eventName: "DeleteExpiredKeyMaterial", eventType: .serviceEvent,
            account: "1", region: "us-east-1", requestID: nil, sourceIPAddress: nil, userAgent: nil, accessKeyID: nil, readOnly: false,
            requestParameters: nil, responseElements: nil, resourceARNs: [], errorCode: nil, errorMessage: nil, keyID: nil
        )
        var user = bare
        user.principal = .root("1")
        user.eventTime = Date()
        var named = full
        named.principal = Principal(kind: .user, account: "111122223333", name: "alice")
        named.errorCode = nil
        named.requestParameters = .object([:])
        return [full, bare, user, named]  // `full` and `bare` have times that survive the trip exactly
    }

    @Test func directFormIsTheCodableForm() throws {
        for event in Self.events() {
            let direct = Data(event.storageJSON)
            let old = try Self.encoder.encode(event)
            // The event as the Codable route gives it back (a `Date()` loses its last bits in
            // seconds since 1970 either way).
            let expected = try Self.decoder.decode(AuditEvent.self, from: old)
            // What the direct writer wrote, JSONDecoder reads as that event …
            #expect(try Self.decoder.decode(AuditEvent.self, from: direct) == expected)
            // … and what JSONEncoder wrote (rows stored before), the direct parser reads as that event.
            #expect(try AuditEvent(storageValue: JSONValue.parse(old)) == expected)
            #expect(try AuditEvent(storageValue: JSONValue.parse(direct)) == expected)
            #expect(try JSONValue.parse(direct) == JSONValue.parse(old))
            #expect(event.storageLine == event.storageJSON + [UInt8(ascii: "\n")])  // the journal's line
        }
    }

    @Test func malformedStoredEventsAreRefused() {
        for text in [#"[]"#, #"{"eventID":"e"}"#, #"{"eventID":"e","eventTime":"x","eventName":"n","eventType":"AwsApiCall","account":"1","region":"r","readOnly":true,"resourceARNs":[]}"#] {
            #expect(throws: AuditEvent.StorageFormatError.self) { try AuditEvent(storageValue: JSONValue.parse(Data(text.utf8))) }
        }
    }
}
