import Foundation
import Testing
import TrentAuth
import TrentCore
import TrentCrypto
@testable import TrentStore

/// The key cache on a store other nodes change too (PostgreSQL): each node caches, and a change
/// committed through any node is seen by the next call to every other node (the store's change
/// count, checked before each use). The same through `trent serve`: interop/test_multi_node.py.
@Suite struct SharedStoreCacheTests {
    static func service(_ store: any KeyStore, rootKey: RootKey? = nil, cacheCapacity: Int = 10_000) throws -> KeyService {
        KeyService(store: store, clock: SystemClock(), rootKey: try rootKey ?? Self.rootKey(), wrappingKeys: WrappingKeyPool(), cacheCapacity: cacheCapacity)
    }

    static func rootKey() throws -> RootKey {
        let directory = NSTemporaryDirectory() + "trent-root-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try RootKey.loadOrCreate(at: directory + "/root.key")
    }

    /// Two nodes on one PostgreSQL schema (each a store with its own connections, as two `trent
    /// serve` processes), holding the same root key; nil without a test server.
    static func nodes(cacheA: Int = 10_000, cacheB: Int = 10_000) async throws -> (a: KeyService, b: KeyService)? {
        guard let url = KeyStoreContractTests.postgresURL else { return nil }
        let schema = "nodes_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let location = url + (url.contains("?") ? "&" : "?") + "schema=" + schema
        let rootKey = try Self.rootKey()
        let a = try Self.service(try await PostgresKeyStore(url: location, connections: 4), rootKey: rootKey, cacheCapacity: cacheA)
        let b = try Self.service(try await PostgresKeyStore(url: location, connections: 4), rootKey: rootKey, cacheCapacity: cacheB)
        return (a, b)
    }

    static func call(_ name: String, as principal: Principal? = nil) -> CallContext {
        CallContext(account: "111122223333", region: "us-east-1", requestID: UUID().uuidString, sourceIPAddress: "127.0.0.1",
                    userAgent: "tests", accessKeyID: "AKIDTEST", eventName: name, requestParameters: nil, principal: principal)
    }

    static func createKey(_ service: KeyService) async throws -> String {
        try await service.createKey(
            CreateKeyInput(description: "", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, policy: nil, tags: []),
            call: call("CreateKey")
        ).key.id
    }

    @discardableResult
    static func encrypt(_ service: KeyService, _ keyID: String, as principal: Principal? = nil) async throws -> String {
        try await service.encrypt(keyID, plaintext: Data("p".utf8), encryptionContext: [:], algorithm: nil, dryRun: false,
                                  call: call("Encrypt", as: principal)).key.id
    }

    /// Runs `body` and says whether it failed with `code`.
    static func fails(with code: KMSError.Code, _ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return false
        } catch let error as KMSError {
            return error.code == code
        } catch {
            return false
        }
    }

    @Test func everyStoreIsCachedAndOnlyASharedOneCountsChanges() async throws {
        let sqlite = try KeyStoreContractTests.sqlite()
        #expect(!sqlite.isShared)
        #expect(try Self.service(sqlite).keyCache != nil)
        #expect(try await sqlite.changeCount() == nil)
        guard KeyStoreContractTests.postgresURL != nil else { return }
        let postgres = try await KeyStoreContractTests.postgres()
        #expect(postgres.isShared)
        #expect(try Self.service(postgres).keyCache != nil)
        #expect(try await postgres.changeCount() == 0)
    }

    @Test func aChangeOnOneNodeIsSeenByTheNextCallToTheOther() async throws {
        guard let (a, b) = try await Self.nodes() else { return }
        let cacheB = try #require(b.keyCache)
        let first = try await Self.createKey(a), second = try await Self.createKey(a)
        try await a.createAlias("alias/moving", targetKeyID: first, call: Self.call("CreateAlias"))

        // B caches what it uses: the second call is answered from memory.
        try await Self.encrypt(b, first)
        let warm = cacheB.statistics
        #expect(try await Self.encrypt(b, "alias/moving") == first)
        #expect(cacheB.statistics.hits > warm.hits)
        #expect(cacheB.statistics.misses == warm.misses)

        try await a.disableKey(first, call: Self.call("DisableKey"))
        #expect(await Self.fails(with: .disabled) { try await Self.encrypt(b, first) })
        try await a.enableKey(first, call: Self.call("EnableKey"))
        try await Self.encrypt(b, first)

        try await a.updateAlias("alias/moving", targetKeyID: second, call: Self.call("UpdateAlias"))
        #expect(try await Self.encrypt(b, "alias/moving") == second)

        let bob = Principal(kind: .user, account: "111122223333", name: "bob")
        #expect(await Self.fails(with: .accessDenied) { try await Self.encrypt(b, first, as: bob) })
        let grant = try await a.createGrant(
            .init(keyID: first, granteePrincipal: bob.arn, retiringPrincipal: nil, operations: ["Encrypt"], constraints: nil, name: nil, dryRun: false),
            call: Self.call("CreateGrant"))
        try await Self.encrypt(b, first, as: bob)
        try await a.revokeGrant(first, grantID: grant.grantID, dryRun: false, call: Self.call("RevokeGrant"))
        #expect(await Self.fails(with: .accessDenied) { try await Self.encrypt(b, first, as: bob) })

        _ = try await a.scheduleKeyDeletion(first, pendingWindowInDays: 7, call: Self.call("ScheduleKeyDeletion"))
        #expect(await Self.fails(with: .invalidState) { try await Self.encrypt(b, first) })

        // Once nothing changes, B answers from memory again.
        try await Self.encrypt(b, second)
        let settled = cacheB.statistics
        try await Self.encrypt(b, second)
        #expect(cacheB.statistics.misses == settled.misses)
    }

    @Test func aNodeThatCachesNothingStillCountsItsChanges() async throws {
        guard let (a, b) = try await Self.nodes(cacheA: 0) else { return }
        #expect(a.keyCache == nil)
        let key = try await Self.createKey(a)
        try await Self.encrypt(b, key)
        try await Self.encrypt(b, key)
        try await a.disableKey(key, call: Self.call("DisableKey"))
        #expect(await Self.fails(with: .disabled) { try await Self.encrypt(b, key) })
    }

    @Test func callsThatChangeNoKeyLeaveTheCountAlone() async throws {
        guard KeyStoreContractTests.postgresURL != nil else { return }
        let store = try await KeyStoreContractTests.postgres()
        let service = try Self.service(store)
        let key = try await Self.createKey(service)
        let before = try #require(try await store.changeCount())
        try await Self.encrypt(service, key)
        _ = try await service.describeKey(key, call: Self.call("DescribeKey"))
        #expect(try await store.changeCount() == before)
        try await service.disableKey(key, call: Self.call("DisableKey"))
        #expect(try await store.changeCount() == before + 1)
    }

    /// Reads that finish only when opened, numbered in the order they start.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var started = 0
        private var opened = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []

        var reads: Int { lock.withLock { started } }

        func read() async -> Int {
            let number = lock.withLock { started += 1; return started }
            await withCheckedContinuation { continuation in
                let go = lock.withLock {
                    if opened >= number { return true }
                    waiting.append(continuation)
                    return false
                }
                if go { continuation.resume() }
            }
            return number
        }

        func open() {
            let ready = lock.withLock {
                opened += 1
                defer { waiting = [] }
                return waiting
            }
            for continuation in ready { continuation.resume() }
        }

        func waitForReads(_ count: Int) async throws {
            while reads < count { try await Task.sleep(for: .milliseconds(1)) }
        }
    }

    @Test func callsThatAskDuringACountReadShareTheNextOne() async throws {
        let counts = PostgresKeyStore.SharedRead<Int>()
        let gate = Gate()
        async let first = counts.value { await gate.read() }
        try await gate.waitForReads(1)
        // Asked while read 1 is on its way (it may have started before they asked): they wait.
        async let second = counts.value { await gate.read() }
        async let third = counts.value { await gate.read() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(gate.reads == 1)
        gate.open()
        try await gate.waitForReads(2)
        gate.open()
        #expect(try await first == 1)
        #expect(try await second == 2)
        #expect(try await third == 2)
        #expect(gate.reads == 2)
        // Nobody waiting: the next caller starts a read of its own.
        async let fourth = counts.value { await gate.read() }
        try await gate.waitForReads(3)
        gate.open()
        #expect(try await fourth == 3)
    }

    @Test func theCountOnlyGrowsWhileItsRowsAreFolded() async throws {
        guard KeyStoreContractTests.postgresURL != nil else { return }
        let store = try #require(try await KeyStoreContractTests.postgres() as? PostgresKeyStore)
        let changes = Int(PostgresKeyStore.changeRowsKept) + 44
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<changes {
                group.addTask { try await store.write { tx in try tx.countChange() } }
            }
            try await group.waitForAll()
        }
        #expect(try await store.changeRows() == Int64(changes) + 1)
        // Reading the count starts the fold; every read meanwhile sees the same sum.
        for _ in 0..<200 {
            #expect(try await store.changeCount() == Int64(changes))
            if try await store.changeRows() == 1 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await store.changeRows() == 1)
        try await store.write { tx in try tx.countChange() }
        #expect(try await store.changeCount() == Int64(changes) + 1)
    }
}
