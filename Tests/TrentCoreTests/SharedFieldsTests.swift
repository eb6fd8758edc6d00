import Foundation
import Testing
import TrentAuth
@testable import TrentCore

/// Audit records, keys and cache snapshots are copied several times per call; their copies share
/// one object (one reference count per copy) and still behave as values.
@Suite struct SharedFieldsTests {
    static func event() -> AuditEvent {
        AuditEvent(
            eventID: "e1", eventTime: Date(timeIntervalSince1970: 1_800_000_000), eventName: "Decrypt", eventType: .apiCall,
            account: "111122223333", region: "us-east-1", requestID: "r1", sourceIPAddress: "127.0.0.1", userAgent: "ua", accessKeyID: "AKID",
            readOnly: true, requestParameters: .object(["keyId": .string("k")]), responseElements: nil,
            resourceARNs: ["arn:aws:kms:us-east-1:111122223333:key/k"], errorCode: nil, errorMessage: nil, keyID: "k",
            principal: Principal(kind: .user, account: "111122223333", name: "admin")
        )
    }

    static func key() -> Key {
        Key(
            id: "k", account: "111122223333", region: "us-east-1", createdAt: Date(timeIntervalSince1970: 1_800_000_000), description: "d",
            keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, state: .enabled, policy: "{}", tags: [Tag(key: "t", value: "v")]
        )
    }

    @Test func auditEventCopiesShareTheirFieldsUntilOneIsSet() {
        let original = Self.event()
        var copy = original
        #expect(copy.sharesFields(with: original))
        copy.errorCode = "AccessDeniedException"
        #expect(!copy.sharesFields(with: original))
        #expect(original.errorCode == nil)
        #expect(copy.errorCode == "AccessDeniedException")
        #expect(copy.eventID == original.eventID && copy.principal == original.principal)
        #expect(copy != original)
        copy.errorCode = nil
        #expect(copy == original)
        #expect(Self.event() == original)
    }

    @Test func keyCopiesShareTheirFieldsUntilOneIsSet() {
        let original = Self.key()
        var copy = original
        #expect(copy.sharesFields(with: original))
        copy.state = .disabled
        copy.tags.append(Tag(key: "u", value: "w"))
        #expect(!copy.sharesFields(with: original))
        #expect(original.state == .enabled && original.tags.count == 1)
        #expect(copy.state == .disabled && copy.tags.count == 2)
        #expect(copy.arn == original.arn)
        #expect(copy != original)
        #expect(Self.key() == original)
    }

    @Test func aCachedSnapshotIsHandedOutWithoutCopying() {
        let cache = KeyCache(capacity: 4)
        let key = Self.key()
        cache.insert(KeyCache.Snapshot(key: key, materials: [], aliases: [], grants: []), ifGeneration: cache.generation)
        let first = cache.snapshot(key.storageID)
        let second = cache.snapshot(key.storageID)
        #expect(first != nil && first === second)
        #expect(first?.key.sharesFields(with: key) == true)
    }
}
