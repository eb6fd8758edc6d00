import Crypto
import Foundation
import Testing
@testable import TrentAudit
import TrentCore
import TrentCrypto
import TrentStore

/// A delivery cut short leaves no log file whose records the next delivery writes again, and
/// loses none: a delivery's files wait in staging until the store has committed it.
@Suite struct AuditDeliveryTests {
    struct Crash: Error {}

    /// The store, except that the commit of a delivery (the write made while its files are
    /// staged) fails while `failing`: what a crash between the files and the commit leaves.
    final class CommitFails: KeyStore, @unchecked Sendable {
        let base: SQLiteKeyStore
        let staging: String
        private let lock = NSLock()
        private var failing = false

        init(base: SQLiteKeyStore, staging: String) {
            self.base = base
            self.staging = staging
        }

        func fail(_ on: Bool) { lock.withLock { failing = on } }

        func write<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreTransaction) throws -> T) async throws -> T {
            let staged = !((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).isEmpty
            if staged, lock.withLock({ failing }) { throw Crash() }
            return try await base.write(body)
        }

        func read<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> T) async throws -> T {
            try await base.read(body)
        }
    }

    static func event() -> AuditEvent {
        AuditEvent(
            eventID: UUID().uuidString.lowercased(), eventTime: Date(), eventName: "Encrypt", eventType: .apiCall,
            account: "111122223333", region: "us-east-1", requestID: UUID().uuidString, sourceIPAddress: "127.0.0.1", userAgent: "t",
            accessKeyID: "AKID", readOnly: true, requestParameters: .object(["keyId": .string("k")]), responseElements: nil,
            resourceARNs: [], errorCode: nil, errorMessage: nil, keyID: "k"
        )
    }

    struct Setup {
        let directory: String
        let store: CommitFails
        let files: AuditLogFiles
    }

    static func setup() throws -> Setup {
        let directory = NSTemporaryDirectory() + "trent-delivery-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let audit = directory + "/audit"
        let store = CommitFails(base: try SQLiteKeyStore(path: directory + "/trent.sqlite"), staging: audit + "/.staging")
        let files = try AuditLogFiles(
            directory: audit, store: store, rootKey: RootKey(SymmetricKey(size: .bits256)), signingKeyPath: directory + "/audit-signing.key"
        )
        return Setup(directory: audit, store: store, files: files)
    }

    /// Request ids in the delivered log files, one per record delivered.
    static func delivered(_ directory: String) throws -> [String] {
        let files = (FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasPrefix("AWSLogs/") && $0.contains("/CloudTrail/") && $0.hasSuffix(".json.gz") }
        return try files.flatMap { name -> [String] in
            let plain = try Gzip.decompress(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
            let records = (try JSONSerialization.jsonObject(with: plain) as? [String: Any])?["Records"] as? [[String: Any]] ?? []
            return records.compactMap { $0["requestID"] as? String }
        }
    }

    static func staged(_ setup: Setup) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: setup.files.stagingDirectory)) ?? []
    }

    /// Each event's record in exactly one log file, nothing left staged, and the files valid.
    static func expectDeliveredOnce(_ setup: Setup, _ events: [AuditEvent]) throws {
        #expect(try delivered(setup.directory).sorted() == events.compactMap(\.requestID).sorted())
        #expect(staged(setup).isEmpty)
        #expect(AuditValidator(directory: setup.directory).validate().problems == [])
    }

    @Test func filesOfADeliveryThatWasNotCommittedAreDeletedAndDeliveredOnce() async throws {
        let setup = try Self.setup()
        let events = (0..<5).map { _ in Self.event() }
        try await setup.store.appendAuditEvents(events)
        setup.store.fail(true)
        await #expect(throws: Crash.self) { try await setup.files.roll(now: Date()) }
        // Cut short before its commit: nothing is in place, its log, digest and signature wait.
        #expect(try Self.delivered(setup.directory).isEmpty)
        #expect(Self.staged(setup).count == 3)

        setup.store.fail(false)
        #expect(try await setup.files.roll(now: Date()) == 2)
        try Self.expectDeliveredOnce(setup, events)
    }

    @Test func filesOfACommittedDeliveryGoIntoPlaceAtTheNextRoll() async throws {
        let setup = try Self.setup()
        let first = (0..<3).map { _ in Self.event() }
        try await setup.store.appendAuditEvents(first)
        #expect(try await setup.files.roll(now: Date()) == 2)
        // As if the process had died between the commit and moving its files into place.
        let placed = (FileManager.default.enumerator(atPath: setup.directory)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasPrefix("AWSLogs/") && ($0.hasSuffix(".json.gz") || $0.hasSuffix(".sig")) }
        #expect(placed.count == 3)
        for name in placed {
            try FileManager.default.moveItem(
                atPath: "\(setup.directory)/\(name)",
                toPath: "\(setup.files.stagingDirectory)/\(name.replacingOccurrences(of: "/", with: "!"))"
            )
        }
        #expect(try Self.delivered(setup.directory).isEmpty)

        let second = (0..<2).map { _ in Self.event() }
        try await setup.store.appendAuditEvents(second)
        #expect(try await setup.files.roll(now: Date()) == 2)
        try Self.expectDeliveredOnce(setup, first + second)
    }

    /// Log files are rendered and compressed in buffers kept from one delivery to the next: a
    /// file after a larger one holds its own records only, and each file is what its digest says.
    @Test func aLogFileAfterALargerOneHoldsItsOwnRecords() async throws {
        let setup = try Self.setup()
        var all: [AuditEvent] = []
        for count in [300, 2, 40] {
            let events = (0..<count).map { _ in Self.event() }
            try await setup.store.appendAuditEvents(events)
            let before = Set(try Self.delivered(setup.directory))
            #expect(try await setup.files.roll(now: Date()) == 2)
            #expect(Set(try Self.delivered(setup.directory)).subtracting(before) == Set(events.compactMap(\.requestID)))
            all += events
        }
        try Self.expectDeliveredOnce(setup, all)
    }

    /// Rolls asked for at once in one process (the roller and the test-only endpoint) take turns:
    /// each record is delivered once.
    @Test func rollsInOneProcessTakeTurns() async throws {
        let setup = try Self.setup()
        let events = (0..<50).map { _ in Self.event() }
        try await setup.store.appendAuditEvents(events)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await setup.files.roll(now: Date()) } }
            var written = 0
            for try await files in group { written += files }
            #expect(written == 2)
        }
        try Self.expectDeliveredOnce(setup, events)
    }
}
