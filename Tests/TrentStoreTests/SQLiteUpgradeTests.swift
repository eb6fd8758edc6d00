import Foundation
import GRDB
import Testing
import TrentCore
@testable import TrentStore

/// A store written before audit delivery was marked per record (migration 0007) opens with what
/// was already in log files marked delivered, and the rest still waiting: nothing delivered twice,
/// nothing lost.
@Suite struct SQLiteUpgradeTests {
    /// A store file migrated up to `migration`, then written by `body`; its path.
    static func store(upTo migration: String, _ body: @escaping @Sendable (Database) throws -> Void) async throws -> String {
        let directory = NSTemporaryDirectory() + "trent-upgrade-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/trent.sqlite"
        let pool = try DatabasePool(path: path)
        try SQLiteKeyStore.migrator.migrate(pool, upTo: migration)
        try await pool.write(body)
        return path
    }

    @Test func deliveredUpToTheLastRolledSequence() async throws {
        let path = try await Self.store(upTo: "0006_audit_files") { db in
            for n in 0..<5 {
                let body = try StoreCoding.encode(KeyStoreDeliveryTests.event(n))
                try db.execute(sql: "INSERT INTO audit_events (event_id, event_time, event_name, key_id, body) VALUES (?, ?, ?, ?, ?)",
                               arguments: ["d\(n)", Double(n), "Encrypt", "k", body])
            }
            // The old roller had put sequences 1...3 into a log file.
            try db.execute(sql: """
                INSERT INTO audit_files (name, kind, account, region, first_seq, last_seq, sha256, signature, created_at)
                VALUES ('log-1', 'log', '111122223333', 'us-east-1', 1, 3, 'x', NULL, 1)
                """)
        }
        let store = try SQLiteKeyStore(path: path)
        let waiting = try await store.read { try $0.undeliveredAuditEvents(limit: 100) }
        #expect(waiting.map(\.event.eventID) == ["d3", "d4"])
        #expect(try await store.read { try $0.auditEvents(afterSequence: 0, limit: 100) }.map(\.delivered) == [true, true, true, false, false])
    }

    /// A store from before the delivery marks had their own table (migration 0008): events
    /// marked delivered stay delivered, the others wait; events recorded after the upgrade wait
    /// until marked, and marking one leaves the rest waiting.
    @Test func undeliveredMarksMoveToTheirOwnTable() async throws {
        let path = try await Self.store(upTo: "0007_audit_delivery_marks_and_leases") { db in
            for n in 0..<4 {
                let body = try StoreCoding.encode(KeyStoreDeliveryTests.event(n))
                try db.execute(sql: "INSERT INTO audit_events (event_id, event_time, event_name, key_id, body, delivered) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: ["d\(n)", Double(n), "Encrypt", "k", body, n % 2])
            }
        }
        let store = try SQLiteKeyStore(path: path)
        #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.map(\.event.eventID) == ["d0", "d2"])
        try await store.write { tx in try tx.append(KeyStoreDeliveryTests.event(4), delivered: false) }
        try await store.write { tx in try tx.append(KeyStoreDeliveryTests.event(5), delivered: true) }
        #expect(try await store.read { try $0.undeliveredAuditEventCount() } == 3)
        let waiting = try await store.read { try $0.undeliveredAuditEvents(limit: 100) }
        #expect(waiting.map(\.event.eventID) == ["d0", "d2", "d4"])
        try await store.write { tx in try tx.markDelivered(auditSequences: [waiting[1].sequence]) }
        #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.map(\.event.eventID) == ["d0", "d4"])
        #expect(try await store.read { try $0.auditEvents(afterSequence: 0, limit: 100) }.map(\.delivered) == [false, true, true, true, false, true])
    }
}
