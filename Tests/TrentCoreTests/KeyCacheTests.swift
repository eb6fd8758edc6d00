import Crypto
import Foundation
import Testing
import TrentAuth
@testable import TrentCore
import TrentCrypto
import TrentStore

/// The key cache: hot calls are answered from memory, every change is seen at once, it stays
/// within its bounds, and a reader that raced a change cannot put stale state back.
@Suite struct KeyCacheTests {
    func encrypt(_ h: Harness, _ keyID: String, as call: CallContext? = nil) async throws -> KeyService.EncryptResult {
        try await h.service.encrypt(keyID, plaintext: Data("p".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: call ?? h.call("Encrypt"))
    }

    @Test func repeatedCallsAreAnsweredFromMemory() async throws {
        let h = try Harness()
        let cache = try #require(h.service.keyCache)
        let key = try await h.kmsKey()
        _ = try await encrypt(h, key.id)
        let before = cache.statistics
        for _ in 0..<20 { _ = try await encrypt(h, key.id) }
        let after = cache.statistics
        #expect(after.keys == 1)
        #expect(after.hits - before.hits >= 20)
        #expect(after.misses == before.misses)
    }

    @Test func stateChangesAreSeenAtOnce() async throws {
        let h = try Harness()
        let key = try await h.kmsKey()
        _ = try await encrypt(h, key.id)
        try await h.service.disableKey(key.id, call: h.call("DisableKey"))
        await expectKMSError(.disabled) { _ = try await encrypt(h, key.id) }
        try await h.service.enableKey(key.id, call: h.call("EnableKey"))
        _ = try await encrypt(h, key.id)
        _ = try await h.service.scheduleKeyDeletion(key.id, pendingWindowInDays: 7, call: h.call("ScheduleKeyDeletion"))
        await expectKMSError(.invalidState) { _ = try await encrypt(h, key.id) }
    }

    @Test func deletedAndExpiredMaterialIsSeenAtOnce() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        let material = (0..<32).map { UInt8($0) }
        try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: h.clock.now().addingTimeInterval(3600))
        let sealed = try await encrypt(h, keyID)
        _ = try await h.service.deleteImportedKeyMaterial(keyID, keyMaterialID: nil, call: h.call("DeleteImportedKeyMaterial"))
        await expectKMSError(.invalidState) { _ = try await encrypt(h, keyID) }
        await expectKMSError(.invalidState) {
            _ = try await h.service.decrypt(sealed.ciphertext, encryptionContext: [:], keyID: nil, algorithm: nil, dryRun: false, call: h.call("Decrypt"))
        }
        // The same material again, then past its ValidTo without any write: refused by the clock.
        try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: h.clock.now().addingTimeInterval(3600))
        _ = try await encrypt(h, keyID)
        h.clock.advance(by: 3601)
        await expectKMSError(.invalidState) { _ = try await encrypt(h, keyID) }
    }

    @Test func grantsAndAliasesAreSeenAtOnce() async throws {
        let h = try Harness()
        let a = try await h.kmsKey(), b = try await h.kmsKey()
        let bob = Principal(kind: .user, account: "111122223333", name: "bob")
        var asBob = h.call("Encrypt")
        asBob.principal = bob
        await expectKMSError(.accessDenied) { _ = try await encrypt(h, a.id, as: asBob) }
        let grant = try await h.service.createGrant(
            .init(keyID: a.id, granteePrincipal: bob.arn, retiringPrincipal: nil, operations: ["Encrypt"], constraints: nil, name: nil, dryRun: false),
            call: h.call("CreateGrant"))
        _ = try await encrypt(h, a.id, as: asBob)
        try await h.service.revokeGrant(a.id, grantID: grant.grantID, dryRun: false, call: h.call("RevokeGrant"))
        await expectKMSError(.accessDenied) { _ = try await encrypt(h, a.id, as: asBob) }

        try await h.service.createAlias("alias/app", targetKeyID: a.id, call: h.call("CreateAlias"))
        #expect(try await encrypt(h, "alias/app").key.id == a.id)
        try await h.service.updateAlias("alias/app", targetKeyID: b.id, call: h.call("UpdateAlias"))
        #expect(try await encrypt(h, "alias/app").key.id == b.id)
        try await h.service.deleteAlias("alias/app", call: h.call("DeleteAlias"))
        await expectKMSError(.notFound) { _ = try await encrypt(h, "alias/app") }
    }

    @Test func staysWithinItsCapacityAndEvictsTheLeastRecentlyUsed() async throws {
        let directory = NSTemporaryDirectory() + "trent-test-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try SQLiteKeyStore(path: directory + "/trent.sqlite")
        let service = KeyService(store: store, clock: ManualClock(), rootKey: RootKey(SymmetricKey(size: .bits256)),
                                 wrappingKeys: WrappingKeyPool(), cacheCapacity: 8)
        let call = { (name: String) in
            CallContext(account: "111122223333", region: "us-east-1", requestID: UUID().uuidString, sourceIPAddress: "127.0.0.1",
                        userAgent: "tests", accessKeyID: "AKIDTEST", eventName: name, requestParameters: nil)
        }
        var keys: [String] = []
        for _ in 0..<20 {
            keys.append(try await service.createKey(
                CreateKeyInput(description: "", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, policy: nil, tags: []),
                call: call("CreateKey")).key.id)
        }
        var sealed: [Data] = []
        for key in keys {
            sealed.append(try await service.encrypt(key, plaintext: Data(key.utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: call("Encrypt")).ciphertext)
            #expect(service.keyCache!.statistics.keys <= 8)
        }
        // The most recent key is still held; the first was evicted and is read again when used.
        let cache = try #require(service.keyCache)
        let before = cache.statistics
        _ = try await service.encrypt(keys.last!, plaintext: Data(), encryptionContext: [:], algorithm: nil, dryRun: false, call: call("Encrypt"))
        #expect(cache.statistics.misses == before.misses)
        let opened = try await service.decrypt(sealed[0], encryptionContext: [:], keyID: nil, algorithm: nil, dryRun: false, call: call("Decrypt"))
        #expect(opened.plaintext == Data(keys[0].utf8))
        #expect(cache.statistics.misses > before.misses)
        #expect(cache.statistics.keys <= 8)
    }

    @Test func aFillThatRacedAnInvalidationIsDropped() throws {
        let cache = KeyCache(capacity: 4)
        let key = Key(
            id: UUID().uuidString.lowercased(), account: "111122223333", region: "us-east-1", createdAt: Date(), description: "",
            keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, state: .enabled, policy: "{}", tags: []
        )
        let generation = cache.generation
        cache.invalidate(keys: [key.storageID])  // a writer committed after the reader began
        cache.insert(.init(key: key, materials: [], aliases: [], grants: []), ifGeneration: generation)
        #expect(cache.snapshot(key.storageID) == nil)
        cache.insert(.init(key: key, materials: [], aliases: [], grants: []), ifGeneration: cache.generation)
        #expect(cache.snapshot(key.storageID)?.key == key)
        cache.invalidateAll()
        #expect(cache.snapshot(key.storageID) == nil)
    }

    @Test func aSharedStoresCountThatGrewDropsEverything() throws {
        let cache = KeyCache(capacity: 4)
        let key = Key(
            id: UUID().uuidString.lowercased(), account: "111122223333", region: "us-east-1", createdAt: Date(), description: "",
            keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, state: .enabled, policy: "{}", tags: []
        )
        let snapshot = KeyCache.Snapshot(key: key, materials: [], aliases: [], grants: [])
        let alias = Alias(account: key.account, region: key.region, name: "alias/a", targetKeyID: key.storageID, createdAt: Date(), updatedAt: Date())
        cache.insert(snapshot, ifGeneration: cache.generation)
        // The first count a cache sees may be newer than anything it holds.
        cache.validate(changeCount: 7)
        #expect(cache.snapshot(key.storageID) == nil)
        cache.insert(snapshot, ifGeneration: cache.generation)
        cache.insert(alias, ifGeneration: cache.generation)
        // The same count, or a lower one (a read that began earlier), keeps what is held.
        cache.validate(changeCount: 7)
        cache.validate(changeCount: 6)
        #expect(cache.snapshot(key.storageID)?.key == key)
        #expect(cache.alias(account: key.account, region: key.region, name: "alias/a") == alias)
        // A higher one: another node committed a change; a fill begun before it is refused.
        let generation = cache.generation
        cache.validate(changeCount: 8)
        #expect(cache.snapshot(key.storageID) == nil)
        #expect(cache.alias(account: key.account, region: key.region, name: "alias/a") == nil)
        cache.insert(snapshot, ifGeneration: generation)
        #expect(cache.snapshot(key.storageID) == nil)
    }

    @Test func openedSecretsBelongToTheMaterialTheyCameFrom() throws {
        let cache = KeyCache(capacity: 4)
        let key = Key(
            id: UUID().uuidString.lowercased(), account: "111122223333", region: "us-east-1", createdAt: Date(), description: "",
            keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, state: .enabled, policy: "{}", tags: []
        )
        let material = KeyMaterial(keyID: key.storageID, id: String(repeating: "ab", count: 32), origin: .generated,
                                   sealedMaterial: Data([1, 2, 3]), expirationModel: nil, validTo: nil, importedAt: nil)
        cache.insert(.init(key: key, materials: [material], aliases: [], grants: []), ifGeneration: cache.generation)
        var opens = 0
        for _ in 0..<3 { _ = cache.opened(material, as: String.self) { opens += 1; return "secret" } }
        #expect(opens == 1)
        // Material with other sealed bytes (not what the cache holds) is opened every time.
        var other = material
        other.sealedMaterial = Data([9])
        for _ in 0..<2 { _ = cache.opened(other, as: Int.self) { opens += 1; return 1 } }
        #expect(opens == 3)
        // Invalidation drops the opened secret with the key.
        cache.invalidate(keys: [key.storageID])
        _ = cache.opened(material, as: String.self) { opens += 1; return "secret" }
        #expect(opens == 4)
    }

    @Test func everyReadOnlyCallIsRecordedBeforeItReturns() async throws {
        let h = try Harness()
        let key = try await h.kmsKey()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    let call = h.call("Encrypt")
                    _ = try await encrypt(h, key.id, as: call)
                    // Its audit record is already in the store when the call returns.
                    let found = try await h.store.read { try $0.auditEvents(AuditQuery(eventName: "Encrypt", keyID: key.id, limit: 1000)) }
                    #expect(found.contains { $0.requestID == call.requestID })
                    return call.requestID
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let recorded = try await h.store.read { try $0.auditEvents(AuditQuery(eventName: "Encrypt", keyID: key.id, limit: 1000)) }
        #expect(Set(recorded.map(\.requestID)) == Set(ids))
        #expect(recorded.count == 64)
    }
}
