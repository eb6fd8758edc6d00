import Foundation
import Synchronization
public import TrentCore
import TrentCrypto
import GRDB
import GRDBSQLite

/// The embedded default store: SQLite in WAL mode through GRDB, one file in the data directory.
/// Every commit is synced (`synchronous = FULL`), so an acknowledged change survives a crash.
public final class SQLiteKeyStore: KeyStore {
    private let pool: DatabasePool

    /// The audit journal of calls that change nothing (`journaled` stores only).
    private let journal: AuditJournal?
    /// Journaled events moved into the database and not yet delivered (`RecentAuditEvents`).
    let recentEvents: RecentAuditEvents

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// `journaled` (the server): records of calls that change nothing go through an audit journal
    /// beside the database (`AuditJournal`); what an earlier run left there is moved in now.
    public init(path: String, journaled: Bool = false, journalFlushInterval: Duration = .milliseconds(20), recentAuditEvents: Int = 8_192) throws {
        recentEvents = RecentAuditEvents(capacity: journaled ? recentAuditEvents : 0)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        journal = journaled ? try AuditJournal(path: Self.journalPath(ofStoreAt: path)) : nil
        if let journal {
            let files = journal.leftovers()
            let records = files.flatMap(AuditJournal.records(in:))
            if !records.isEmpty {
                try pool.write { db in _ = try Self.insertJournaled(records, db: db) }
            }
            for file in files.dropLast() { unlink(file) }
            journal.truncateLive()
            // Records are moved in within `journalFlushInterval` of their arrival, as long as
            // some wait; with none waiting the flusher sleeps until one arrives.
            Task.detached { [weak self, arrivals = journal.arrivals] in
                for await _ in arrivals {
                    while true {
                        try? await Task.sleep(for: journalFlushInterval)
                        guard let self else { return }
                        self.flusherWakes.add(1, ordering: .relaxed)
                        try? await self.flushJournal()
                        if self.journal?.isEmpty ?? true { break }
                    }
                }
            }
        }
    }

    /// Waits, at most `timeout`, until the audit journal of the store at `path` has gone into the
    /// database: for another process reading a running server's audit records (`trent audit
    /// lookup`), which would otherwise miss the calls of the last few milliseconds (the server moves
    /// its journal in 20 ms after a record arrives; a server's own reads move it in first).
    /// Returns false when records were still waiting (under steady load the live file seldom
    /// empties; a stopped server's leftovers wait for its next start).
    public static func waitForJournal(ofStoreAt path: String, timeout: Duration = .milliseconds(500)) async -> Bool {
        let journal = journalPath(ofStoreAt: path)
        let deadline = ContinuousClock.now + timeout
        while !AuditJournal.isDrained(path: journal) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// The audit journal beside the database at `path`.
    static func journalPath(ofStoreAt path: String) -> String { path + "-audit.journal" }

    /// How often the journal's flusher has woken (tests).
    let flusherWakes = Atomic<Int>(0)

    public func write<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreTransaction) throws -> T) async throws -> T {
        guard let journal else { return try await pool.write { db in try body(SQLiteTransaction(db: db)) } }
        // Journaled records first, in the same transaction: they were answered before this
        // change. Taken on the writer's queue, so records enter the database in the order answered.
        let taken = Taken()
        do {
            let result = try await pool.write { db in
                taken.value = journal.take()
                if let records = taken.value { taken.inserted = try Self.insertJournaled(records.records, db: db) }
                return try body(SQLiteTransaction(db: db))
            }
            if let records = taken.value {
                journal.moved(records)
                recentEvents.remember(taken.inserted)
            }
            return result
        } catch {
            if let records = taken.value { journal.notMoved(records) }
            throw error
        }
    }

    /// What a write took from the journal (set on the writer's queue, read after it returns).
    private final class Taken: @unchecked Sendable {
        var value: AuditJournal.Taken?
        /// The records inserted, with their sequence numbers (not those already there).
        var inserted: [SequencedAuditEvent] = []
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> T) async throws -> T {
        if let journal, !journal.isEmpty { try await flushJournal() }
        let recent = recentEvents
        return try await pool.read { db in try body(SQLiteTransaction(db: db, recentEvents: recent)) }
    }

    /// Audit events of calls that changed nothing: into the journal when there is one (answered
    /// once written there), else committed without an fsync (`synchronous = NORMAL` for this
    /// transaction): in the WAL they survive a crash of the process; the next synced commit (any
    /// state change, every audit roll) carries them to the disk.
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        if let journal { return try journal.append(events) }
        try await writeUnsynced { db in
            let tx = SQLiteTransaction(db: db)
            for event in events { try tx.append(event, delivered: false) }
        }
    }

    /// One transaction committed without an fsync (`synchronous = NORMAL` for it alone): in the
    /// WAL it survives a crash of the process, and the next synced commit carries it to the disk.
    private func writeUnsynced(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.inTransaction(.immediate) {
                try body(db)
                return .commit
            }
        }
    }

    /// Records go into the journal as they come: nothing to gain from batching them first.
    public var appendsAuditEventsAtOnce: Bool { journal != nil }

    /// Moves what the journal holds into the database (the flusher does this within 20 ms of a
    /// record's arrival; the server once more when it stops).
    public func flushJournal() async throws {
        guard let journal, !journal.isEmpty else { return }
        let taken = Taken()
        do {
            try await writeUnsynced { db in
                guard let records = journal.take() else { return }
                taken.value = records
                taken.inserted = try Self.insertJournaled(records.records, db: db)
            }
            if let records = taken.value {
                journal.moved(records)
                recentEvents.remember(taken.inserted)
            }
        } catch {
            if let records = taken.value { journal.notMoved(records) }
            throw error
        }
    }

    /// Journaled records; one already there (moved before a crash, journal not yet deleted) stays
    /// once. Returns those inserted, with their sequence numbers.
    ///
    /// Up to `rowsPerInsert` records go into one statement (`VALUES (…), (…), …`): a statement
    /// per record opened its cursors and updated the AUTOINCREMENT counter (`sqlite_sequence`)
    /// every time (measured with `trent-microbench flush`).
    private static func insertJournaled(_ records: [AuditJournal.Record], db: Database) throws -> [SequencedAuditEvent] {
        var inserted: [SequencedAuditEvent] = []
        inserted.reserveCapacity(records.count)
        var start = records.startIndex
        while start < records.endIndex {
            let rows = rowsPerInsert.first { $0 <= records.endIndex - start }!
            try insertJournaled(records[start..<start + rows], db: db, into: &inserted)
            start += rows
        }
        try SQLiteTransaction.markUndelivered(inserted.map(\.sequence), db: db)
        return inserted
    }

    /// Rows per statement, largest first: a batch is cut into as many of the largest as fit.
    static let rowsPerInsert = [32, 8, 1]

    /// The statement for each number of rows in `rowsPerInsert`.
    private static let journalInserts: [Int: String] = Dictionary(uniqueKeysWithValues: rowsPerInsert.map { rows in
        (rows, "INSERT OR IGNORE INTO audit_events (event_id, event_time, event_name, key_id, body, delivered) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, 0)", count: rows).joined(separator: ", "))
    })

    private static func insertJournaled(_ chunk: ArraySlice<AuditJournal.Record>, db: Database, into inserted: inout [SequencedAuditEvent]) throws {
        let statement = try db.cachedStatement(sql: journalInserts[chunk.count]!)
        // Bound and stepped through SQLite's own calls: GRDB's `StatementArguments` boxed each
        // value and copied each string (about a fifth of the move, measured with `trent-microbench
        // flush`). The statement is left reset and unbound, as GRDB expects a cached one.
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        let code = bindAndStep(chunk, from: chunk.startIndex, handle: handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
        let changes = Int(sqlite3_changes(db.sqliteConnection))
        guard changes > 0 else { return }
        if changes == chunk.count {
            // All inserted: consecutive numbers up to the last, in the order of the records.
            let last = sqlite3_last_insert_rowid(db.sqliteConnection)
            for (offset, record) in chunk.enumerated() {
                inserted.append(SequencedAuditEvent(sequence: last - Int64(chunk.count - 1 - offset), event: record.event))
            }
            return
        }
        // Some were in the store already (and a record ignored still used up a number, so the new
        // ones need not be consecutive). The new rows have the largest numbers of all (AUTOINCREMENT):
        // they are the `changes` largest among the rows of the chunk's event ids.
        let lookup = try db.cachedStatement(sql: "SELECT seq FROM audit_events WHERE event_id = ?")
        var rows: [(sequence: Int64, record: AuditJournal.Record)] = []
        var seen = Set<Int64>()
        for record in chunk {
            guard let sequence = try Int64.fetchOne(lookup, arguments: [record.event.eventID]), seen.insert(sequence).inserted else { continue }
            rows.append((sequence, record))
        }
        let new = rows.sorted { $0.sequence < $1.sequence }.suffix(changes)
        inserted.append(contentsOf: new.map { SequencedAuditEvent(sequence: $0.sequence, event: $0.record.event) })
    }

    /// Binds the records of `chunk` from `index` on (five parameters each, in order) without
    /// copying their text, and steps the statement inside the last binding.
    private static func bindAndStep(_ chunk: ArraySlice<AuditJournal.Record>, from index: Int, handle: SQLiteStatement) -> Int32 {
        guard index < chunk.endIndex else { return sqlite3_step(handle) }
        let record = chunk[index], event = record.event
        let base = Int32((index - chunk.startIndex) * 5)
        return bindText(event.eventID, to: base + 1, of: handle) {
            let time = sqlite3_bind_double(handle, base + 2, event.eventTime.timeIntervalSince1970)
            guard time == SQLITE_OK else { return time }
            return bindText(event.eventName, to: base + 3, of: handle) {
                bindText(event.keyID, to: base + 4, of: handle) {
                    record.line.withUnsafeBufferPointer { line in
                        // The stored form: the line without its line break.
                        let code = sqlite3_bind_text(handle, base + 5, text(line), Int32(line.count - 1), nil)
                        return code == SQLITE_OK ? bindAndStep(chunk, from: index + 1, handle: handle) : code
                    }
                }
            }
        }
    }

    /// UTF-8 bytes as SQLite takes text (an empty buffer may have no address: an empty string's).
    private static func text(_ utf8: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar> {
        guard let address = utf8.baseAddress else { return emptyText }
        return UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self)
    }
    private nonisolated(unsafe) static let emptyText: UnsafePointer<CChar> = {
        let byte = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        byte.initialize(to: 0)
        return UnsafePointer(byte)
    }()

    /// Binds `text` (NULL when nil) to parameter `index` without copying it, for the length of
    /// `body`, which steps the statement (or binds more); returns `body`'s result code, or the
    /// binding's when it failed.
    private static func bindText(_ text: String?, to index: Int32, of handle: SQLiteStatement, _ body: () -> Int32) -> Int32 {
        guard var text else {
            let code = sqlite3_bind_null(handle, index)
            return code == SQLITE_OK ? body() : code
        }
        return text.withUTF8 { utf8 in
            let code = sqlite3_bind_text(handle, index, Self.text(utf8), Int32(utf8.count), nil)
            return code == SQLITE_OK ? body() : code
        }
    }

    /// Numbered migrations; each runs once, in order, at start-up.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_initial") { db in
            try db.execute(sql: """
                CREATE TABLE keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    description TEXT NOT NULL,
                    key_spec TEXT NOT NULL,
                    key_usage TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    state TEXT NOT NULL,
                    deletion_date REAL,
                    pending_window_days INTEGER,
                    policy TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    current_material_id TEXT
                );
                CREATE INDEX keys_by_scope ON keys(account, region, id);
                CREATE INDEX keys_by_deletion_date ON keys(deletion_date) WHERE deletion_date IS NOT NULL;

                CREATE TABLE key_materials (
                    key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                    id TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    sealed BLOB,
                    expiration_model TEXT,
                    valid_to REAL,
                    imported_at REAL,
                    PRIMARY KEY (key_id, id)
                );
                CREATE INDEX key_materials_by_expiry ON key_materials(valid_to)
                    WHERE sealed IS NOT NULL AND valid_to IS NOT NULL;

                CREATE TABLE aliases (
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    target_key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (account, region, name)
                );
                CREATE INDEX aliases_by_key ON aliases(target_key_id);

                CREATE TABLE import_parameters (
                    token_id TEXT PRIMARY KEY NOT NULL,
                    key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                    algorithm TEXT NOT NULL,
                    spec TEXT NOT NULL,
                    sealed_private_key BLOB NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE INDEX import_parameters_by_expiry ON import_parameters(expires_at);

                CREATE TABLE audit_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL UNIQUE,
                    event_time REAL NOT NULL,
                    event_name TEXT NOT NULL,
                    key_id TEXT,
                    body TEXT NOT NULL
                );
                CREATE INDEX audit_events_by_name ON audit_events(event_name, seq);
                CREATE INDEX audit_events_by_key ON audit_events(key_id, seq);
                """)
        }
        migrator.registerMigration("0002_rotation") { db in
            try db.execute(sql: """
                ALTER TABLE keys ADD COLUMN rotation_period_days INTEGER;
                ALTER TABLE keys ADD COLUMN next_rotation_date REAL;
                CREATE INDEX keys_by_next_rotation ON keys(next_rotation_date) WHERE next_rotation_date IS NOT NULL;
                ALTER TABLE key_materials ADD COLUMN created_at REAL;
                ALTER TABLE key_materials ADD COLUMN rotation_type TEXT;
                """)
        }
        migrator.registerMigration("0003_grants") { db in
            try db.execute(sql: """
                CREATE TABLE grants (
                    id TEXT PRIMARY KEY NOT NULL,
                    key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT,
                    grantee_principal TEXT NOT NULL,
                    retiring_principal TEXT,
                    operations TEXT NOT NULL,
                    constraints TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX grants_by_key ON grants(key_id, id);
                CREATE INDEX grants_by_retiring_principal ON grants(account, region, retiring_principal, id);
                """)
        }
        migrator.registerMigration("0004_multi_region") { db in
            try db.execute(sql: """
                ALTER TABLE keys ADD COLUMN multi_region_id TEXT;
                ALTER TABLE keys ADD COLUMN primary_region TEXT;
                CREATE INDEX keys_by_multi_region_id ON keys(multi_region_id) WHERE multi_region_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("0005_imported_material_rotation") { db in
            try db.execute(sql: """
                ALTER TABLE key_materials ADD COLUMN pending_rotation INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE key_materials ADD COLUMN rotated_at REAL;
                ALTER TABLE key_materials ADD COLUMN description TEXT;
                """)
        }
        migrator.registerMigration("0006_audit_files") { db in
            try db.execute(sql: """
                CREATE TABLE audit_files (
                    name TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    first_seq INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    signature TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX audit_files_by_scope ON audit_files(kind, account, region, created_at);
                """)
        }
        migrator.registerMigration("0007_audit_delivery_marks_and_leases") { db in
            try db.execute(sql: """
                ALTER TABLE audit_events ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;
                UPDATE audit_events SET delivered = 1
                    WHERE seq <= (SELECT COALESCE(MAX(last_seq), 0) FROM audit_files WHERE kind = 'log');
                CREATE INDEX audit_events_undelivered ON audit_events(seq) WHERE delivered = 0;
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY NOT NULL,
                    holder TEXT NOT NULL,
                    expires_at REAL NOT NULL
                );
                """)
        }
        // Delivery marks move to a table of their own: marking a thousand events delivered
        // rewrote a thousand ~1 KB rows (and their partial index); now it deletes a thousand
        // integers. `delivered` stays what the event had when it was recorded (true only for
        // copies of delivered events); whether it is delivered now is whether it is still in
        // `audit_undelivered`, which the trigger filled (the inserts themselves since 0010).
        migrator.registerMigration("0008_audit_undelivered_table") { db in
            try db.execute(sql: """
                CREATE TABLE audit_undelivered (seq INTEGER PRIMARY KEY NOT NULL);
                INSERT INTO audit_undelivered (seq) SELECT seq FROM audit_events WHERE delivered = 0;
                DROP INDEX audit_events_undelivered;
                CREATE TRIGGER audit_events_undelivered AFTER INSERT ON audit_events WHEN NEW.delivered = 0
                BEGIN
                    INSERT INTO audit_undelivered (seq) VALUES (NEW.seq);
                END;
                """)
        }
        // No query reads events by name (LookupEvents by EventName walks the table newest first,
        // as it did with the index): the index cost every audited call an insert.
        migrator.registerMigration("0009_drop_audit_events_by_name") { db in
            try db.execute(sql: "DROP INDEX audit_events_by_name")
        }
        // The inserts mark their events undelivered themselves (`markUndelivered`): a batch moved
        // from the journal in one statement, where the trigger ran a program of its own for every
        // row (about 1.2–1.5 µs of the 11 µs a record took to move, `trent-microbench flush`).
        migrator.registerMigration("0010_audit_undelivered_without_trigger") { db in
            try db.execute(sql: "DROP TRIGGER audit_events_undelivered")
        }
        return migrator
    }
}

/// A reader or writer bound to one GRDB database access (a transaction when writing).
struct SQLiteTransaction: KeyStoreTransaction {
    let db: Database
    /// Where undelivered events are looked for before they are parsed (reads of a journaled store).
    var recentEvents: RecentAuditEvents?

    init(db: Database, recentEvents: RecentAuditEvents? = nil) {
        self.db = db
        self.recentEvents = recentEvents
    }

    // MARK: Keys

    func key(id: String) throws -> Key? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.keyColumns) FROM keys WHERE id = ?"), arguments: [id]).map(Self.key(from:))
    }

    /// Ordered by key id; multi-Region keys (stored as `region/mrk-…`) after the others.
    func keys(account: String, region: String, after: String?, limit: Int) throws -> [Key] {
        let marker = after.map { Key.storageID(id: $0, region: region) } ?? ""
        return try Row.fetchAll(
            db,
            sql: "SELECT \(Self.keyColumns) FROM keys WHERE account = ? AND region = ? AND id > ? ORDER BY id LIMIT ?",
            arguments: [account, region, marker, limit]
        ).map(Self.key(from:))
    }

    func multiRegionKeys(id: String, account: String) throws -> [Key] {
        try Row.fetchAll(
            db, sql: "SELECT \(Self.keyColumns) FROM keys WHERE multi_region_id = ? AND account = ? ORDER BY region", arguments: [id, account]
        ).map(Self.key(from:))
    }

    /// The columns `key(from:)` reads, in the order it reads them: by position, since looking
    /// each up by name cost more than the rest of making the key.
    static let keyColumns = """
        id, account, region, created_at, description, key_spec, key_usage, origin, state, deletion_date, \
        pending_window_days, policy, tags, current_material_id, rotation_period_days, next_rotation_date, primary_region
        """

    private static func key(from row: Row) throws -> Key {
        guard let keySpec = KeySpec(rawValue: row[5]), let keyUsage = KeyUsage(rawValue: row[6]),
              let origin = KeyOrigin(rawValue: row[7]), let state = KeyState(rawValue: row[8])
        else { throw StoreError.corrupt("key row \(row[0] as String? ?? "?")") }
        return Key(
            id: Key.keyID(fromStorageID: row[0]), account: row[1], region: row[2],
            createdAt: Date(timeIntervalSince1970: row[3]), description: row[4],
            keySpec: keySpec, keyUsage: keyUsage, origin: origin, state: state,
            deletionDate: (row[9] as Double?).map(Date.init(timeIntervalSince1970:)),
            pendingWindowInDays: row[10], policy: row[11],
            tags: try StoreCoding.decodeTags(row[12]),
            currentMaterialID: row[13], rotationPeriodInDays: row[14],
            nextRotationDate: (row[15] as Double?).map(Date.init(timeIntervalSince1970:)),
            primaryRegion: row[16]
        )
    }

    private func keyArguments(_ key: Key) throws -> StatementArguments {
        let tags = try StoreCoding.encode(tags: key.tags)
        return [
            key.storageID, key.account, key.region, key.createdAt.timeIntervalSince1970, key.description,
            key.keySpec.rawValue, key.keyUsage.rawValue, key.origin.rawValue, key.state.rawValue,
            key.deletionDate?.timeIntervalSince1970, key.pendingWindowInDays, key.policy, tags, key.currentMaterialID,
            key.rotationPeriodInDays, key.nextRotationDate?.timeIntervalSince1970,
            key.isMultiRegion ? key.id : nil, key.primaryRegion,
        ]
    }

    func insert(_ key: Key) throws {
        try db.cachedStatement(sql: """
            INSERT INTO keys (id, account, region, created_at, description, key_spec, key_usage, origin, state,
                              deletion_date, pending_window_days, policy, tags, current_material_id,
                              rotation_period_days, next_rotation_date, multi_region_id, primary_region)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: try keyArguments(key))
    }

    func update(_ key: Key) throws {
        try db.cachedStatement(sql: """
            UPDATE keys SET description = ?, state = ?, deletion_date = ?, pending_window_days = ?, policy = ?,
                            tags = ?, current_material_id = ?, rotation_period_days = ?, next_rotation_date = ?,
                            primary_region = ?
            WHERE id = ?
            """).execute(arguments: [
                key.description, key.state.rawValue, key.deletionDate?.timeIntervalSince1970, key.pendingWindowInDays,
                key.policy, try StoreCoding.encode(tags: key.tags), key.currentMaterialID,
                key.rotationPeriodInDays, key.nextRotationDate?.timeIntervalSince1970, key.primaryRegion, key.storageID,
            ])
        guard db.changesCount == 1 else { throw StoreError.missing("key \(key.storageID)") }
    }

    func deleteKey(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM keys WHERE id = ?").execute(arguments: [id])
    }

    // MARK: Key material

    func materialReferences(after: MaterialReference?, limit: Int) throws -> [MaterialReference] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT key_id, id FROM key_materials WHERE ? IS NULL OR (key_id, id) > (?, ?) ORDER BY key_id, id LIMIT ?
            """), arguments: [after?.keyID, after?.keyID, after?.id, limit]).map { MaterialReference(keyID: $0["key_id"], id: $0["id"]) }
    }

    func materials(keyID: String) throws -> [KeyMaterial] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM key_materials WHERE key_id = ? ORDER BY rowid"), arguments: [keyID]).map { row in
            guard let origin = KeyMaterial.Origin(rawValue: row["origin"]) else { throw StoreError.corrupt("key material row") }
            return KeyMaterial(
                keyID: row["key_id"], id: row["id"], origin: origin, sealedMaterial: row["sealed"],
                expirationModel: (row["expiration_model"] as String?).flatMap(ExpirationModel.init(rawValue:)),
                validTo: (row["valid_to"] as Double?).map(Date.init(timeIntervalSince1970:)),
                importedAt: (row["imported_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                createdAt: (row["created_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                rotationType: (row["rotation_type"] as String?).flatMap(KeyMaterial.RotationType.init(rawValue:)),
                pendingRotation: row["pending_rotation"], rotatedAt: (row["rotated_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                materialDescription: row["description"]
            )
        }
    }

    func save(_ material: KeyMaterial) throws {
        try db.cachedStatement(sql: """
            INSERT INTO key_materials (key_id, id, origin, sealed, expiration_model, valid_to, imported_at, created_at, rotation_type,
                                       pending_rotation, rotated_at, description)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key_id, id) DO UPDATE SET sealed = excluded.sealed, expiration_model = excluded.expiration_model,
                valid_to = excluded.valid_to, imported_at = excluded.imported_at, rotation_type = excluded.rotation_type,
                pending_rotation = excluded.pending_rotation, rotated_at = excluded.rotated_at, description = excluded.description
            """).execute(arguments: [
                material.keyID, material.id, material.origin.rawValue, material.sealedMaterial,
                material.expirationModel?.rawValue, material.validTo?.timeIntervalSince1970,
                material.importedAt?.timeIntervalSince1970, material.createdAt?.timeIntervalSince1970,
                material.rotationType?.rawValue, material.pendingRotation, material.rotatedAt?.timeIntervalSince1970,
                material.materialDescription,
            ])
    }

    func keyIDsWithExpiredMaterial(at now: Date, limit: Int) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT m.key_id FROM key_materials m
            WHERE m.sealed IS NOT NULL AND m.valid_to IS NOT NULL AND m.valid_to <= ?
            LIMIT ?
            """), arguments: [now.timeIntervalSince1970, limit])
    }

    func keyIDsDueForDeletion(at now: Date, limit: Int) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT id FROM keys WHERE deletion_date IS NOT NULL AND deletion_date <= ? AND state = 'PendingDeletion' LIMIT ?
            """), arguments: [now.timeIntervalSince1970, limit])
    }

    func keyIDs(in state: KeyState, limit: Int) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM keys WHERE state = ? LIMIT ?"), arguments: [state.rawValue, limit])
    }

    func keyIDsDueForRotation(at now: Date, limit: Int) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT id FROM keys WHERE next_rotation_date IS NOT NULL AND next_rotation_date <= ? AND state = 'Enabled' LIMIT ?
            """), arguments: [now.timeIntervalSince1970, limit])
    }

    // MARK: Aliases

    private static func alias(from row: Row) -> Alias {
        Alias(
            account: row["account"], region: row["region"], name: row["name"], targetKeyID: row["target_key_id"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"])
        )
    }

    func alias(account: String, region: String, name: String) throws -> Alias? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM aliases WHERE account = ? AND region = ? AND name = ?", arguments: [account, region, name]
        ).map(Self.alias(from:))
    }

    func aliases(account: String, region: String, targetKeyID: String?, after: String?, limit: Int) throws -> [Alias] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM aliases WHERE account = ? AND region = ? AND (? IS NULL OR target_key_id = ?) AND name > ?
            ORDER BY name LIMIT ?
            """), arguments: [account, region, targetKeyID, targetKeyID, after ?? "", limit]).map(Self.alias(from:))
    }

    func insert(_ alias: Alias) throws {
        try db.cachedStatement(sql: """
            INSERT INTO aliases (account, region, name, target_key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [alias.account, alias.region, alias.name, alias.targetKeyID,
                             alias.createdAt.timeIntervalSince1970, alias.updatedAt.timeIntervalSince1970])
    }

    func update(_ alias: Alias) throws {
        try db.cachedStatement(sql: """
            UPDATE aliases SET target_key_id = ?, updated_at = ? WHERE account = ? AND region = ? AND name = ?
            """).execute(arguments: [alias.targetKeyID, alias.updatedAt.timeIntervalSince1970, alias.account, alias.region, alias.name])
    }

    func deleteAlias(account: String, region: String, name: String) throws {
        try db.cachedStatement(sql: "DELETE FROM aliases WHERE account = ? AND region = ? AND name = ?").execute(arguments: [account, region, name])
    }

    // MARK: Import parameters

    func importParameters(tokenID: String) throws -> ImportParameters? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM import_parameters WHERE token_id = ?"), arguments: [tokenID]) else {
            return nil
        }
        guard let algorithm = WrappingAlgorithm(rawValue: row["algorithm"]), let spec = WrappingKeySpec(rawValue: row["spec"]) else {
            throw StoreError.corrupt("import parameters row")
        }
        return ImportParameters(
            tokenID: row["token_id"], keyID: row["key_id"], algorithm: algorithm, spec: spec,
            sealedPrivateKey: row["sealed_private_key"], expiresAt: Date(timeIntervalSince1970: row["expires_at"])
        )
    }

    func insert(_ parameters: ImportParameters) throws {
        try db.cachedStatement(sql: """
            INSERT INTO import_parameters (token_id, key_id, algorithm, spec, sealed_private_key, expires_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [parameters.tokenID, parameters.keyID, parameters.algorithm.rawValue, parameters.spec.rawValue,
                             parameters.sealedPrivateKey, parameters.expiresAt.timeIntervalSince1970])
    }

    func importParameterTokenIDs() throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT token_id FROM import_parameters ORDER BY token_id"))
    }

    func updateSealedPrivateKey(tokenID: String, sealed: Data) throws {
        try db.cachedStatement(sql: "UPDATE import_parameters SET sealed_private_key = ? WHERE token_id = ?").execute(arguments: [sealed, tokenID])
    }

    func deleteImportParameters(tokenID: String) throws {
        try db.cachedStatement(sql: "DELETE FROM import_parameters WHERE token_id = ?").execute(arguments: [tokenID])
    }

    func deleteImportParameters(expiredAt now: Date) throws {
        try db.cachedStatement(sql: "DELETE FROM import_parameters WHERE expires_at <= ?").execute(arguments: [now.timeIntervalSince1970])
    }

    // MARK: Grants

    private static func grant(from row: Row) throws -> Grant {
        let operations: String = row["operations"]
        let constraints: String? = row["constraints"]
        return Grant(
            id: row["id"], keyID: row["key_id"], account: row["account"], region: row["region"], name: row["name"],
            granteePrincipal: row["grantee_principal"], retiringPrincipal: row["retiring_principal"],
            operations: try StoreCoding.decode([String].self, operations),
            constraints: try constraints.map { try StoreCoding.decode(Grant.Constraints.self, $0) },
            createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
    }

    func grants(account: String, region: String, keyID: String?, retiringPrincipal: String?, after: String?, limit: Int) throws -> [Grant] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM grants WHERE account = ? AND region = ? AND (? IS NULL OR key_id = ?)
              AND (? IS NULL OR retiring_principal = ?) AND id > ?
            ORDER BY id LIMIT ?
            """), arguments: [account, region, keyID, keyID, retiringPrincipal, retiringPrincipal, after ?? "", limit]).map(Self.grant(from:))
    }

    func grant(id: String) throws -> Grant? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM grants WHERE id = ?"), arguments: [id]).map(Self.grant(from:))
    }

    func insert(_ grant: Grant) throws {
        try db.cachedStatement(sql: """
            INSERT INTO grants (id, key_id, account, region, name, grantee_principal, retiring_principal, operations, constraints,
                                created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                grant.id, grant.keyID, grant.account, grant.region, grant.name, grant.granteePrincipal, grant.retiringPrincipal,
                try StoreCoding.encode(grant.operations),
                try grant.constraints.map(StoreCoding.encode),
                grant.createdAt.timeIntervalSince1970,
            ])
    }

    func deleteGrant(id: String) throws {
        try db.cachedStatement(sql: "DELETE FROM grants WHERE id = ?").execute(arguments: [id])
    }

    // MARK: Audit

    func append(_ event: AuditEvent, delivered: Bool) throws {
        let body = StoreCoding.encode(event)
        try db.cachedStatement(sql: """
            INSERT INTO audit_events (event_id, event_time, event_name, key_id, body, delivered) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [event.eventID, event.eventTime.timeIntervalSince1970, event.eventName, event.keyID, body, delivered])
        if !delivered { try Self.markUndelivered([db.lastInsertedRowID], db: db) }
    }

    /// Events just inserted wait for delivery: their sequence numbers go into `audit_undelivered`,
    /// one statement per run of consecutive numbers (a batch moved from the journal is one run).
    /// Every event in such a run is one of them, so the run is copied from `audit_events` as it is.
    static func markUndelivered(_ sequences: [Int64], db: Database) throws {
        guard !sequences.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO audit_undelivered (seq) SELECT seq FROM audit_events WHERE seq BETWEEN ? AND ?")
        for run in consecutiveRuns(sequences) { try statement.execute(arguments: [run.lowerBound, run.upperBound]) }
    }

    func allKeys(after: String?, limit: Int) throws -> [Key] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.keyColumns) FROM keys WHERE id > ? ORDER BY id LIMIT ?"), arguments: [after ?? "", limit]).map(Self.key(from:))
    }

    func auditEvents(afterSequence: Int64, limit: Int) throws -> [SequencedAuditEvent] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT seq, body, NOT EXISTS (SELECT 1 FROM audit_undelivered u WHERE u.seq = audit_events.seq) AS delivered
            FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?
            """),
                         arguments: [afterSequence, limit]).map { row in
            let body: String = row["body"]
            return SequencedAuditEvent(sequence: row["seq"], event: try StoreCoding.decode(AuditEvent.self, body), delivered: row["delivered"])
        }
    }

    func auditFiles() throws -> [AuditFile] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_files ORDER BY rowid")).map(Self.auditFile(from:))
    }

    func auditFile(named name: String) throws -> AuditFile? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM audit_files WHERE name = ?"), arguments: [name]).map(Self.auditFile(from:))
    }

    private static func auditFile(from row: Row) -> AuditFile {
        AuditFile(
            name: row["name"], kind: AuditFile.Kind(rawValue: row["kind"]) ?? .log, account: row["account"], region: row["region"],
            firstSequence: row["first_seq"], lastSequence: row["last_seq"], sha256: row["sha256"], signature: row["signature"],
            createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
    }

    func latestSuccessfulEvent(keyID: String, region: String, eventNames: [String]) throws -> AuditEvent? {
        guard !eventNames.isEmpty else { return nil }
        let placeholders = Array(repeating: "?", count: eventNames.count).joined(separator: ", ")
        var arguments: StatementArguments = [keyID]
        arguments += StatementArguments(eventNames)
        arguments += [region]
        let body = try String.fetchOne(db, sql: """
            SELECT body FROM audit_events
            WHERE key_id = ? AND event_name IN (\(placeholders)) AND json_extract(body, '$.region') = ?
              AND json_extract(body, '$.errorCode') IS NULL
            ORDER BY seq DESC LIMIT 1
            """, arguments: arguments)
        return try body.map { try StoreCoding.decode(AuditEvent.self, $0) }
    }

    func undeliveredAuditEvents(limit: Int) throws -> [SequencedAuditEvent] {
        // Sequence numbers first: an event just moved from the journal is still in memory
        // (`recentEvents`), and only the others' bodies are read and parsed.
        let waiting = try Int64.fetchAll(db.cachedStatement(sql: "SELECT seq FROM audit_undelivered ORDER BY seq LIMIT ?"), arguments: [limit])
        if let oldest = waiting.first { recentEvents?.forget(below: oldest) }
        return try waiting.map { sequence in
            if let recent = recentEvents?.take(sequence) { return SequencedAuditEvent(sequence: sequence, event: recent) }
            guard let body = try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM audit_events WHERE seq = ?"), arguments: [sequence]) else {
                throw StoreError.missing("audit event \(sequence)")
            }
            return SequencedAuditEvent(sequence: sequence, event: try StoreCoding.decode(AuditEvent.self, body))
        }
    }

    func undeliveredAuditEventCount() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM audit_undelivered")) ?? 0
    }

    /// Runs of consecutive sequence numbers (what one delivery usually marks: the records moved
    /// in together) go in one statement each.
    func markDelivered(auditSequences: [Int64]) throws {
        let statement = try db.cachedStatement(sql: "DELETE FROM audit_undelivered WHERE seq BETWEEN ? AND ?")
        for run in Self.consecutiveRuns(auditSequences) { try statement.execute(arguments: [run.lowerBound, run.upperBound]) }
    }

    /// The numbers as runs of consecutive values (every value in a run is one of them).
    static func consecutiveRuns(_ numbers: [Int64]) -> [ClosedRange<Int64>] {
        var runs: [ClosedRange<Int64>] = []
        for number in numbers.sorted() {
            if let last = runs.last, number <= last.upperBound + 1 {
                runs[runs.count - 1] = last.lowerBound...max(last.upperBound, number)
            } else {
                runs.append(number...number)
            }
        }
        return runs
    }

    func takeLease(_ name: String, holder: String, now: Date, until: Date) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
            """).execute(arguments: [name, holder, until.timeIntervalSince1970, now.timeIntervalSince1970])
        return try String.fetchOne(db.cachedStatement(sql: "SELECT holder FROM leases WHERE name = ?"), arguments: [name]) == holder
    }

    func releaseLease(_ name: String, holder: String) throws {
        try db.cachedStatement(sql: "DELETE FROM leases WHERE name = ? AND holder = ?").execute(arguments: [name, holder])
    }

    func lastAuditFile(kind: AuditFile.Kind, account: String, region: String) throws -> AuditFile? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM audit_files WHERE kind = ? AND account = ? AND region = ? ORDER BY rowid DESC LIMIT 1
            """), arguments: [kind.rawValue, account, region]).map(Self.auditFile(from:))
    }

    func insert(_ file: AuditFile) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit_files (name, kind, account, region, first_seq, last_seq, sha256, signature, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [file.name, file.kind.rawValue, file.account, file.region, file.firstSequence, file.lastSequence, file.sha256,
                             file.signature, file.createdAt.timeIntervalSince1970])
    }

    func auditEvents(_ query: AuditQuery) throws -> [AuditEvent] {
        let (sql, arguments) = Self.auditEventsSQL(query)
        return try String.fetchAll(db, sql: sql, arguments: arguments).map { try StoreCoding.decode(AuditEvent.self, $0) }
    }

    /// The lookup's statement with only the conditions the query has, so that SQLite sees them
    /// when it plans: a key's events are read through `audit_events_by_key` and an event id
    /// through its unique index, instead of walking the table (`? IS NULL OR key_id = ?` hid both).
    static func auditEventsSQL(_ query: AuditQuery) -> (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func condition(_ sql: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(sql)
            arguments += [value]
        }
        condition("event_name = ?", query.eventName)
        condition("key_id = ?", query.keyID)
        condition("event_time >= ?", query.from?.timeIntervalSince1970)
        condition("event_time <= ?", query.to?.timeIntervalSince1970)
        condition("event_id = ?", query.eventID)
        condition("json_extract(body, '$.region') = ?", query.region)
        condition("seq \(query.newestFirst ? "<" : ">") (SELECT seq FROM audit_events WHERE event_id = ?)", query.afterEventID)
        arguments += [query.limit]
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return ("SELECT body FROM audit_events\(filter) ORDER BY seq \(query.newestFirst ? "DESC" : "ASC") LIMIT ?", arguments)
    }
}

/// The store found something it did not write.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
    static func corrupt(_ what: String) -> Self { Self(description: "corrupt \(what)") }
    static func missing(_ what: String) -> Self { Self(description: "missing \(what)") }
}
