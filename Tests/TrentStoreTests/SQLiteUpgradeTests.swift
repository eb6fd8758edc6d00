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

    /// A store from before migration 0009 loses the index of events by name, which nothing read,
    /// and keeps every event, found by name, key and id as before.
    @Test func theIndexOfEventsByNameIsDropped() async throws {
        let path = try await Self.store(upTo: "0008_audit_undelivered_table") { db in
            for n in 0..<4 {
                let body = try StoreCoding.encode(KeyStoreDeliveryTests.event(n))
                try db.execute(sql: "INSERT INTO audit_events (event_id, event_time, event_name, key_id, body) VALUES (?, ?, ?, ?, ?)",
                               arguments: ["d\(n)", Double(n), n == 2 ? "Decrypt" : "Encrypt", "k\(n % 2)", body])
            }
        }
        func indexes() async throws -> [String] {
            let pool = try DatabasePool(path: path)
            return try await pool.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' ORDER BY name") }
        }
        #expect(try await indexes().contains("audit_events_by_name"))
        let store = try SQLiteKeyStore(path: path)
        #expect(try await !indexes().contains("audit_events_by_name"))
        #expect(try await indexes().contains("audit_events_by_key"))
        #expect(try await store.read { try $0.auditEvents(afterSequence: 0, limit: 100) }.count == 4)
        #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.count == 4)
        #expect(try await store.read { try $0.auditEvents(AuditQuery(eventName: "Decrypt")) }.map(\.eventID) == ["d2"])
        #expect(try await store.read { try $0.auditEvents(AuditQuery(keyID: "k1", newestFirst: true)) }.map(\.eventID) == ["d3", "d1"])
        try await store.write { tx in try tx.append(KeyStoreDeliveryTests.event(4), delivered: false) }
        #expect(try await store.read { try $0.undeliveredAuditEventCount() } == 5)
    }

    /// A store from before migration 0010 loses the trigger that marked each inserted event
    /// undelivered; the inserts mark them themselves. Events waiting before the upgrade still wait,
    /// and every way in after it marks exactly the events it adds: a state change's record, a
    /// copy of a delivered event (not marked), and a batch moved from the journal in which one
    /// record was already in the store (it stays delivered; the two around it wait).
    @Test func theTriggerMarkingEventsUndeliveredIsDropped() async throws {
        let path = try await Self.store(upTo: "0009_drop_audit_events_by_name") { db in
            for n in 0..<3 {
                let body = try StoreCoding.encode(KeyStoreDeliveryTests.event(n))
                try db.execute(sql: "INSERT INTO audit_events (event_id, event_time, event_name, key_id, body, delivered) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: ["d\(n)", Double(n), "Encrypt", "k", body, n == 1])
            }
        }
        func triggers() async throws -> [String] {
            let pool = try DatabasePool(path: path)
            return try await pool.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") }
        }
        #expect(try await triggers() == ["audit_events_undelivered"])
        do {
            let store = try SQLiteKeyStore(path: path)
            #expect(try await triggers().isEmpty)
            #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.map(\.event.eventID) == ["d0", "d2"])
            try await store.write { tx in try tx.append(KeyStoreDeliveryTests.event(3), delivered: false) }
            try await store.write { tx in try tx.append(KeyStoreDeliveryTests.event(4), delivered: true) }
            #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.map(\.event.eventID) == ["d0", "d2", "d3"])
        }
        let store = try SQLiteKeyStore(path: path, journaled: true)
        try await store.appendAuditEvents([KeyStoreDeliveryTests.event(5), KeyStoreDeliveryTests.event(4), KeyStoreDeliveryTests.event(6)])
        try await store.flushJournal()
        #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.map(\.event.eventID) == ["d0", "d2", "d3", "d5", "d6"])
        #expect(try await store.read { try $0.auditEvents(afterSequence: 0, limit: 100) }.map(\.event.eventID) == ["d0", "d1", "d2", "d3", "d4", "d5", "d6"])
    }

    /// The lookup's statement names only the conditions asked for, so SQLite reads a key's
    /// events and an event id through their indexes instead of walking the table.
    @Test func lookupsUseTheIndexes() async throws {
        let path = try await Self.store(upTo: "0008_audit_undelivered_table") { _ in }
        _ = try SQLiteKeyStore(path: path)
        let pool = try DatabasePool(path: path)
        func plan(_ query: AuditQuery) async throws -> String {
            let (sql, arguments) = SQLiteTransaction.auditEventsSQL(query)
            return try await pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }.joined(separator: "; ")
            }
        }
        #expect(try await plan(AuditQuery(keyID: "k", limit: 50, newestFirst: true, region: "us-east-1")).contains("USING INDEX audit_events_by_key"))
        #expect(try await plan(AuditQuery(limit: 50, newestFirst: true, region: "us-east-1", eventID: "e")).contains("USING INDEX sqlite_autoindex_audit_events_1"))
        #expect(try await plan(AuditQuery(keyID: "k", limit: 50, newestFirst: true, afterEventID: "e")).contains("USING INDEX audit_events_by_key"))
    }
}
