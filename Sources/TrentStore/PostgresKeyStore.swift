import Foundation
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
public import TrentCore
import TrentCrypto

/// The shared store for several nodes: PostgreSQL through postgres-nio.
///
/// `KeyStore` transactions are synchronous closures (the shape GRDB gives SQLite), so each one runs
/// on a thread of this store's own pool, holding one pooled connection, and waits there for each
/// statement. Writes are `SERIALIZABLE`: two nodes changing the same key at once end as if one ran
/// after the other, and the one PostgreSQL rejects (serialization failure, deadlock, or a unique
/// key taken meanwhile) runs again from the start. Reads are `REPEATABLE READ READ ONLY`: one
/// consistent snapshot, never rejected.
public final class PostgresKeyStore: KeyStore {
    public struct Location: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// `disable`, `prefer` or `require` (libpq's `sslmode`; `verify-full` is `require` with the
        /// server's certificate checked against the system's or `sslrootcert`'s authorities).
        public var tlsMode: String
        public var rootCertificatePath: String?
        /// The schema Trent's tables live in (`schema=…`, created if missing); PostgreSQL's
        /// `public` when not given. Several Trent installations can share one database this way.
        public var schema: String?

        /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=…&sslrootcert=…&schema=…]`.
        public init(url: String) throws {
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
                  let host = components.host, !host.isEmpty
            else { throw StoreError(description: "not a PostgreSQL URL (postgres://user@host[:port]/database): \(Self.redacted(url))") }
            self.host = host
            port = components.port ?? 5432
            username = components.percentEncodedUser?.removingPercentEncoding ?? "postgres"
            password = components.percentEncodedPassword?.removingPercentEncoding
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            database = path.isEmpty ? username : path
            let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            tlsMode = query["sslmode"] ?? "prefer"
            guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(tlsMode) else {
                throw StoreError(description: "unknown sslmode \(tlsMode) (disable, prefer, require, verify-ca or verify-full)")
            }
            rootCertificatePath = query["sslrootcert"]
            schema = query["schema"]
            if let schema, schema.isEmpty || schema.count > 63
                || !schema.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) {
                throw StoreError(description: "schema must be 1 to 63 lower-case letters, digits or _: \(schema)")
            }
        }

        /// The URL without its password, for logs and messages.
        public static func redacted(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "postgres://…"
        }

        /// The TLS settings `sslmode` asks for (nil: no TLS), and whether TLS is required.
        private var tls: (configuration: TLSConfiguration, required: Bool)? {
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch tlsMode {
            case "disable":
                return nil
            case "allow", "prefer":
                configuration.certificateVerification = .none
                return (configuration, false)
            default:
                if let rootCertificatePath { configuration.trustRoots = .file(rootCertificatePath) }
                configuration.certificateVerification = switch tlsMode {
                case "verify-full": .fullVerification
                case "verify-ca": .noHostnameVerification
                default: .none
                }
                return (configuration, true)
            }
        }

        var clientConfiguration: PostgresClient.Configuration {
            let tls: PostgresClient.Configuration.TLS = switch self.tls {
            case nil: .disable
            case let (configuration, required)?: required ? .require(configuration) : .prefer(configuration)
            }
            var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
            if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
            return configuration
        }

        /// Connects once, to say at start-up what is wrong (the pool would retry quietly forever).
        func probe(logger: Logger) async throws {
            let tls: PostgresConnection.Configuration.TLS = switch self.tls {
            case nil: .disable
            case let (configuration, required)?:
                required ? .require(try NIOSSLContext(configuration: configuration)) : .prefer(try NIOSSLContext(configuration: configuration))
            }
            var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
            configuration.options.connectTimeout = .seconds(10)
            do {
                let connection = try await PostgresConnection.connect(
                    on: PostgresClient.defaultEventLoopGroup.next(), configuration: configuration, id: 0, logger: logger
                ).get()
                try await connection.close()
            } catch let error as PSQLError {
                throw StoreError(description: "cannot connect to PostgreSQL at \(host):\(port): \(PostgresKeyStore.described(error).description.replacingOccurrences(of: "PostgreSQL: ", with: ""))")
            }
        }
    }

    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let threads: NIOThreadPool
    private let logger: Logger
    /// How many times a transaction PostgreSQL rejected for a conflict is run again.
    static let maximumAttempts = 20

    /// Connects (`connections` at most, and as many threads) and brings the schema up to date.
    public init(url: String, connections: Int = 16, logger: Logger = Logger(label: "trent.store.postgres")) async throws {
        let location = try Location(url: url)
        try await location.probe(logger: logger)
        var configuration = location.clientConfiguration
        configuration.options.maximumConnections = connections
        configuration.options.minimumConnections = 0
        self.logger = logger
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        running = Task { [client] in await client.run() }
        threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        do {
            try await migrate(schema: location.schema)
        } catch {
            await shutdown()
            throw error
        }
    }

    /// Closes every connection and stops the threads.
    public func shutdown() async {
        running.cancel()
        try? await threads.shutdownGracefully()
    }

    deinit {
        running.cancel()
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreTransaction) throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL SERIALIZABLE", body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Other nodes share this store: what a node keeps in memory is checked against `changeCount`.
    public var isShared: Bool { true }

    /// The sum of `cache_changes`: one row per committed transaction that changed cached state
    /// (`countChange`), and a base row the rows are folded into now and then (`compactChanges`)
    /// without changing the sum. One statement, on a pooled connection, outside any transaction:
    /// it counts every change committed before it started. Calls that ask while one is on its way
    /// share the next one, sent once that one is back (`SharedRead`): each caller still gets a
    /// count read after it asked, and a busy node sends one statement per round trip, not per call.
    public func changeCount() async throws -> Int64? {
        try await changeCounts.value { try await self.readChangeCount() }
    }

    private let changeCounts = SharedRead<Int64>()

    private func readChangeCount() async throws -> Int64 {
        do {
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT sum(delta)::int8, count(*)::int8 FROM cache_changes"), logger: logger)
            var result: (sum: Int64?, rows: Int64)?
            for try await row in rows.decode((Int64?, Int64).self) { result = row }
            guard let result, let sum = result.sum else { throw StoreError.corrupt("cache_changes has no base row") }
            if result.rows > Self.changeRowsKept { compactChanges() }
            return sum
        } catch let error as PSQLError {
            throw Self.described(error)
        }
    }

    /// One read shared by everyone who asks while it is being made or waits to be made: a caller
    /// that arrives while a read is on its way waits for the next one, which starts after it
    /// arrived; all callers waiting then share that next read.
    final class SharedRead<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var reading = false
        private var waiting: [CheckedContinuation<Value, any Error>] = []

        func value(_ read: @escaping @Sendable () async throws -> Value) async throws -> Value {
            try await withCheckedThrowingContinuation { continuation in
                let start = lock.withLock {
                    waiting.append(continuation)
                    if reading { return false }
                    reading = true
                    return true
                }
                if start { Task { await self.readWhileAsked(read) } }
            }
        }

        /// Reads for whoever waits, until nobody does.
        private func readWhileAsked(_ read: @Sendable () async throws -> Value) async {
            while true {
                let callers = lock.withLock {
                    let callers = waiting
                    waiting = []
                    if callers.isEmpty { reading = false }
                    return callers
                }
                if callers.isEmpty { return }
                do {
                    let value = try await read()
                    for caller in callers { caller.resume(returning: value) }
                } catch {
                    for caller in callers { caller.resume(throwing: error) }
                }
            }
        }
    }

    /// How many rows `cache_changes` has now (tests watch the fold).
    func changeRows() async throws -> Int64 {
        try await transaction(begin: "BEGIN") { tx in
            guard let row = try tx.rows("SELECT count(*)::int8 AS n FROM cache_changes").first else { return 0 }
            return try row.decode("n", as: Int64.self)
        }
    }

    /// How many rows `cache_changes` may have before they are folded into its base row.
    static let changeRowsKept: Int64 = 256
    private let compaction = Compaction()

    /// Whether this node is folding `cache_changes` (once at a time per node; two nodes at once
    /// are harmless: each folds only the rows it deleted).
    private final class Compaction: @unchecked Sendable {
        private let lock = NSLock()
        private var running = false
        func start() -> Bool {
            lock.withLock {
                if running { return false }
                running = true
                return true
            }
        }
        func finish() { lock.withLock { running = false } }
    }

    /// Folds the change rows into the base row in one transaction, so the sum never changes. Reads
    /// committed: a row committed meanwhile is neither deleted nor added, and waits for next time.
    private func compactChanges() {
        guard compaction.start() else { return }
        Task {
            defer { compaction.finish() }
            do {
                _ = try await transaction(begin: "BEGIN") { tx in
                    try tx.run("""
                        WITH gone AS (DELETE FROM cache_changes WHERE NOT base RETURNING delta)
                        UPDATE cache_changes SET delta = delta + (SELECT coalesce(sum(delta), 0) FROM gone) WHERE base
                        """)
                }
            } catch {
                logger.warning("could not fold the cache change rows: \(error)")
            }
        }
    }

    /// Audit events of calls that changed nothing (a batch from `AuditBatcher`): one multi-row
    /// `INSERT` in a transaction of its own, three round trips whatever the batch's size. (Not the
    /// `INSERT` alone: postgres-nio reports a statement done before the implicit transaction
    /// around it commits, and a call is answered only once its record is committed.)
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        var sql = "INSERT INTO audit_events (event_id, event_time, event_name, key_id, region, error_code, body) VALUES "
        sql.reserveCapacity(sql.utf8.count + events.count * 48)
        var bindings = PostgresBindings(capacity: events.count * 7)
        for (index, event) in events.enumerated() {
            let first = index * 7
            if index > 0 { sql += ", " }
            sql += "($\(first + 1), $\(first + 2), $\(first + 3), $\(first + 4), $\(first + 5), $\(first + 6), $\(first + 7))"
            bindings.append(event.eventID)
            bindings.append(event.eventTime.timeIntervalSince1970)
            bindings.append(event.eventName)
            if let keyID = event.keyID { bindings.append(keyID) } else { bindings.appendNull() }
            bindings.append(event.region)
            if let errorCode = event.errorCode { bindings.append(errorCode) } else { bindings.appendNull() }
            bindings.append(StoreCoding.encode(event))
        }
        let insert = PostgresQuery(unsafeSQL: sql, binds: bindings)
        do {
            try await client.withConnection { [logger] connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query(insert, logger: logger)
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw Self.described(error)
        }
    }

    private func transaction<T: Sendable>(begin: String, _ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { [threads, logger] connection in
                    try await threads.runIfActive {
                        let tx = PostgresTransaction(connection: connection, logger: logger)
                        try tx.run(begin)
                        do {
                            let result = try body(tx)
                            try tx.run("COMMIT")
                            return result
                        } catch {
                            _ = try? tx.run("ROLLBACK")
                            // A statement that failed aborts the transaction: what failed first is what counts.
                            throw tx.firstFailure ?? error
                        }
                    }
                }
            } catch let error as PSQLError {
                guard Self.isConflict(error) && attempt < Self.maximumAttempts else { throw Self.described(error) }
                attempt += 1
                // Back off a little, at random, so the same two transactions do not meet again.
                try await Task.sleep(for: .microseconds(Int.random(in: 100...(1000 * min(attempt, 20)))))
            }
        }
    }

    /// PostgreSQL's own words (message and SQLSTATE), never the statement's parameters.
    static func described(_ error: PSQLError) -> StoreError {
        if let info = error.serverInfo {
            return StoreError(description: "PostgreSQL: \(info[.message] ?? "error") (SQLSTATE \(info[.sqlState] ?? "?"))")
        }
        return StoreError(description: "PostgreSQL: \(error.code)\(error.underlying.map { " (\($0))" } ?? "")")
    }

    /// Serialization failure, deadlock, or a unique key taken by a transaction that committed
    /// meanwhile: running the transaction again sees the other's result.
    static func isConflict(_ error: PSQLError) -> Bool {
        ["40001", "40P01", "23505"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// Numbered migrations, each run once in order; nodes starting together take turns (an
    /// advisory lock held for the migration's transaction).
    private func migrate(schema: String?) async throws {
        try await transaction(begin: "BEGIN ISOLATION LEVEL SERIALIZABLE") { tx in
            try tx.run("SELECT pg_advisory_xact_lock(7140221)")
            if let schema { try tx.run("CREATE SCHEMA IF NOT EXISTS \(schema)") }
            try tx.run("CREATE TABLE IF NOT EXISTS trent_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = Set(try tx.rows("SELECT id FROM trent_migrations").map { try $0.decode("id", as: String.self) })
            for (id, sql) in Self.migrations where !applied.contains(id) {
                // One statement at a time: the extended query protocol takes no more.
                for statement in sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try tx.run(statement)
                }
                try tx.run("INSERT INTO trent_migrations (id) VALUES ($1)", id)
            }
        }
    }

    /// The same tables as SQLite's migrations arrive at (times are seconds since 1970).
    static let migrations: [(String, String)] = [
        ("0001_initial", """
            CREATE TABLE keys (
                id TEXT COLLATE "C" PRIMARY KEY,
                account TEXT NOT NULL,
                region TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                description TEXT NOT NULL,
                key_spec TEXT NOT NULL,
                key_usage TEXT NOT NULL,
                origin TEXT NOT NULL,
                state TEXT NOT NULL,
                deletion_date DOUBLE PRECISION,
                pending_window_days BIGINT,
                policy TEXT NOT NULL,
                tags TEXT NOT NULL,
                current_material_id TEXT,
                rotation_period_days BIGINT,
                next_rotation_date DOUBLE PRECISION,
                multi_region_id TEXT,
                primary_region TEXT
            );
            CREATE INDEX keys_by_scope ON keys(account, region, id);
            CREATE INDEX keys_by_deletion_date ON keys(deletion_date) WHERE deletion_date IS NOT NULL;
            CREATE INDEX keys_by_next_rotation ON keys(next_rotation_date) WHERE next_rotation_date IS NOT NULL;
            CREATE INDEX keys_by_multi_region_id ON keys(multi_region_id) WHERE multi_region_id IS NOT NULL;
            CREATE INDEX keys_by_state ON keys(state);

            CREATE TABLE key_materials (
                key_id TEXT COLLATE "C" NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                id TEXT COLLATE "C" NOT NULL,
                ord BIGSERIAL NOT NULL,
                origin TEXT NOT NULL,
                sealed BYTEA,
                expiration_model TEXT,
                valid_to DOUBLE PRECISION,
                imported_at DOUBLE PRECISION,
                created_at DOUBLE PRECISION,
                rotation_type TEXT,
                pending_rotation BOOLEAN NOT NULL DEFAULT FALSE,
                rotated_at DOUBLE PRECISION,
                description TEXT,
                PRIMARY KEY (key_id, id)
            );
            CREATE INDEX key_materials_by_expiry ON key_materials(valid_to) WHERE sealed IS NOT NULL AND valid_to IS NOT NULL;

            CREATE TABLE aliases (
                account TEXT NOT NULL,
                region TEXT NOT NULL,
                name TEXT COLLATE "C" NOT NULL,
                target_key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (account, region, name)
            );
            CREATE INDEX aliases_by_key ON aliases(target_key_id);

            CREATE TABLE import_parameters (
                token_id TEXT COLLATE "C" PRIMARY KEY,
                key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                algorithm TEXT NOT NULL,
                spec TEXT NOT NULL,
                sealed_private_key BYTEA NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            );
            CREATE INDEX import_parameters_by_expiry ON import_parameters(expires_at);
            CREATE INDEX import_parameters_by_key ON import_parameters(key_id);

            CREATE TABLE grants (
                id TEXT COLLATE "C" PRIMARY KEY,
                key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                account TEXT NOT NULL,
                region TEXT NOT NULL,
                name TEXT,
                grantee_principal TEXT NOT NULL,
                retiring_principal TEXT,
                operations TEXT NOT NULL,
                constraints TEXT,
                created_at DOUBLE PRECISION NOT NULL
            );
            CREATE INDEX grants_by_key ON grants(key_id, id);
            CREATE INDEX grants_by_retiring_principal ON grants(account, region, retiring_principal, id);

            CREATE TABLE audit_events (
                seq BIGSERIAL PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                event_time DOUBLE PRECISION NOT NULL,
                event_name TEXT NOT NULL,
                key_id TEXT,
                region TEXT,
                error_code TEXT,
                body TEXT NOT NULL,
                delivered BOOLEAN NOT NULL DEFAULT FALSE
            );
            CREATE INDEX audit_events_undelivered ON audit_events(seq) WHERE NOT delivered;
            CREATE INDEX audit_events_by_name ON audit_events(event_name, seq);
            CREATE INDEX audit_events_by_key ON audit_events(key_id, seq);

            CREATE TABLE audit_files (
                ord BIGSERIAL NOT NULL,
                name TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                account TEXT NOT NULL,
                region TEXT NOT NULL,
                first_seq BIGINT NOT NULL,
                last_seq BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                signature TEXT,
                created_at DOUBLE PRECISION NOT NULL
            );
            CREATE INDEX audit_files_by_scope ON audit_files(kind, account, region, ord);

            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            );
            """),
        // Each node caches keys and checks the sum of `delta` before each use (`changeCount`). Rows
        // are only inserted by transactions that change keys (never read there, so SERIALIZABLE
        // writers never conflict over them) and folded into the base row now and then.
        ("0002_cache_changes", """
            CREATE TABLE cache_changes (
                base BOOLEAN NOT NULL DEFAULT FALSE,
                delta BIGINT NOT NULL
            );
            INSERT INTO cache_changes (base, delta) VALUES (TRUE, 0)
            """),
    ]
}

/// One PostgreSQL transaction, driven from a store thread: each statement waits for its answer.
final class PostgresTransaction: KeyStoreTransaction, @unchecked Sendable {
    private let connection: PostgresConnection
    private let logger: Logger
    /// The first statement that failed; PostgreSQL refuses everything after it in the transaction.
    private(set) var firstFailure: PSQLError?

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs one statement with `$1…` parameters (nil is SQL NULL) and returns its rows.
    @discardableResult
    func rows(_ sql: String, _ parameters: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> [PostgresRandomAccessRow] {
        try execute(sql, parameters).rows.map { $0.makeRandomAccess() }
    }

    /// Runs one statement; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ parameters: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> Int {
        try execute(sql, parameters).metadata.rows ?? 0
    }

    private func execute(_ sql: String, _ parameters: [(any PostgresThrowingDynamicTypeEncodable)?]) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters {
            if let parameter { try bindings.append(parameter) } else { bindings.appendNull() }
        }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait()
        } catch let error as PSQLError {
            if firstFailure == nil { firstFailure = error }
            throw error
        }
    }

    // MARK: Keys

    func key(id: String) throws -> Key? {
        try rows("SELECT * FROM keys WHERE id = $1", id).first.map(Self.key(from:))
    }

    func keys(account: String, region: String, after: String?, limit: Int) throws -> [Key] {
        let marker = after.map { Key.storageID(id: $0, region: region) } ?? ""
        return try rows("SELECT * FROM keys WHERE account = $1 AND region = $2 AND id > $3 ORDER BY id LIMIT $4",
                        account, region, marker, limit).map(Self.key(from:))
    }

    func multiRegionKeys(id: String, account: String) throws -> [Key] {
        try rows("SELECT * FROM keys WHERE multi_region_id = $1 AND account = $2 ORDER BY region", id, account).map(Self.key(from:))
    }

    private static func key(from row: PostgresRandomAccessRow) throws -> Key {
        guard let keySpec = KeySpec(rawValue: try row.decode("key_spec", as: String.self)),
              let keyUsage = KeyUsage(rawValue: try row.decode("key_usage", as: String.self)),
              let origin = KeyOrigin(rawValue: try row.decode("origin", as: String.self)),
              let state = KeyState(rawValue: try row.decode("state", as: String.self))
        else { throw StoreError.corrupt("key row") }
        return Key(
            id: Key.keyID(fromStorageID: try row.decode("id", as: String.self)), account: try row.decode("account", as: String.self),
            region: try row.decode("region", as: String.self), createdAt: try row.date("created_at"),
            description: try row.decode("description", as: String.self),
            keySpec: keySpec, keyUsage: keyUsage, origin: origin, state: state, deletionDate: try row.optionalDate("deletion_date"),
            pendingWindowInDays: try row.decode("pending_window_days", as: Int?.self), policy: try row.decode("policy", as: String.self),
            tags: try StoreCoding.decodeTags(try row.decode("tags", as: String.self)),
            currentMaterialID: try row.decode("current_material_id", as: String?.self),
            rotationPeriodInDays: try row.decode("rotation_period_days", as: Int?.self), nextRotationDate: try row.optionalDate("next_rotation_date"),
            primaryRegion: try row.decode("primary_region", as: String?.self)
        )
    }

    func insert(_ key: Key) throws {
        try run("""
            INSERT INTO keys (id, account, region, created_at, description, key_spec, key_usage, origin, state,
                              deletion_date, pending_window_days, policy, tags, current_material_id,
                              rotation_period_days, next_rotation_date, multi_region_id, primary_region)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
            """,
            key.storageID, key.account, key.region, key.createdAt.timeIntervalSince1970, key.description,
            key.keySpec.rawValue, key.keyUsage.rawValue, key.origin.rawValue, key.state.rawValue,
            key.deletionDate?.timeIntervalSince1970, key.pendingWindowInDays, key.policy, try StoreCoding.encode(tags: key.tags),
            key.currentMaterialID, key.rotationPeriodInDays, key.nextRotationDate?.timeIntervalSince1970,
            key.isMultiRegion ? key.id : nil, key.primaryRegion)
    }

    func update(_ key: Key) throws {
        let changed = try run("""
            UPDATE keys SET description = $1, state = $2, deletion_date = $3, pending_window_days = $4, policy = $5,
                            tags = $6, current_material_id = $7, rotation_period_days = $8, next_rotation_date = $9,
                            primary_region = $10
            WHERE id = $11
            """,
            key.description, key.state.rawValue, key.deletionDate?.timeIntervalSince1970, key.pendingWindowInDays,
            key.policy, try StoreCoding.encode(tags: key.tags), key.currentMaterialID,
            key.rotationPeriodInDays, key.nextRotationDate?.timeIntervalSince1970, key.primaryRegion, key.storageID)
        guard changed == 1 else { throw StoreError.missing("key \(key.storageID)") }
    }

    func deleteKey(id: String) throws {
        try run("DELETE FROM keys WHERE id = $1", id)
    }

    // MARK: Key material

    func materialReferences(after: MaterialReference?, limit: Int) throws -> [MaterialReference] {
        try rows("""
            SELECT key_id, id FROM key_materials WHERE $1::text IS NULL OR (key_id, id) > ($1, $2)
            ORDER BY key_id, id LIMIT $3
            """, after?.keyID, after?.id, limit).map { MaterialReference(keyID: try $0.decode("key_id", as: String.self), id: try $0.decode("id", as: String.self)) }
    }

    func materials(keyID: String) throws -> [KeyMaterial] {
        try rows("SELECT * FROM key_materials WHERE key_id = $1 ORDER BY ord", keyID).map { row in
            guard let origin = KeyMaterial.Origin(rawValue: try row.decode("origin", as: String.self)) else { throw StoreError.corrupt("key material row") }
            return KeyMaterial(
                keyID: try row.decode("key_id", as: String.self), id: try row.decode("id", as: String.self), origin: origin,
                sealedMaterial: try row.decode("sealed", as: Data?.self),
                expirationModel: try row.decode("expiration_model", as: String?.self).flatMap(ExpirationModel.init(rawValue:)),
                validTo: try row.optionalDate("valid_to"), importedAt: try row.optionalDate("imported_at"), createdAt: try row.optionalDate("created_at"),
                rotationType: try row.decode("rotation_type", as: String?.self).flatMap(KeyMaterial.RotationType.init(rawValue:)),
                pendingRotation: try row.decode("pending_rotation", as: Bool.self), rotatedAt: try row.optionalDate("rotated_at"),
                materialDescription: try row.decode("description", as: String?.self)
            )
        }
    }

    func save(_ material: KeyMaterial) throws {
        try run("""
            INSERT INTO key_materials (key_id, id, origin, sealed, expiration_model, valid_to, imported_at, created_at, rotation_type,
                                       pending_rotation, rotated_at, description)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (key_id, id) DO UPDATE SET sealed = excluded.sealed, expiration_model = excluded.expiration_model,
                valid_to = excluded.valid_to, imported_at = excluded.imported_at, rotation_type = excluded.rotation_type,
                pending_rotation = excluded.pending_rotation, rotated_at = excluded.rotated_at, description = excluded.description
            """,
            material.keyID, material.id, material.origin.rawValue, material.sealedMaterial,
            material.expirationModel?.rawValue, material.validTo?.timeIntervalSince1970,
            material.importedAt?.timeIntervalSince1970, material.createdAt?.timeIntervalSince1970,
            material.rotationType?.rawValue, material.pendingRotation, material.rotatedAt?.timeIntervalSince1970,
            material.materialDescription)
    }

    func keyIDsWithExpiredMaterial(at now: Date, limit: Int) throws -> [String] {
        try strings("""
            SELECT DISTINCT key_id FROM key_materials WHERE sealed IS NOT NULL AND valid_to IS NOT NULL AND valid_to <= $1 LIMIT $2
            """, now.timeIntervalSince1970, limit)
    }

    func keyIDsDueForDeletion(at now: Date, limit: Int) throws -> [String] {
        try strings("""
            SELECT id FROM keys WHERE deletion_date IS NOT NULL AND deletion_date <= $1 AND state = 'PendingDeletion' LIMIT $2
            """, now.timeIntervalSince1970, limit)
    }

    func keyIDs(in state: KeyState, limit: Int) throws -> [String] {
        try strings("SELECT id FROM keys WHERE state = $1 LIMIT $2", state.rawValue, limit)
    }

    func keyIDsDueForRotation(at now: Date, limit: Int) throws -> [String] {
        try strings("""
            SELECT id FROM keys WHERE next_rotation_date IS NOT NULL AND next_rotation_date <= $1 AND state = 'Enabled' LIMIT $2
            """, now.timeIntervalSince1970, limit)
    }

    private func strings(_ sql: String, _ parameters: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> [String] {
        try execute(sql, parameters).rows.map { try $0.makeRandomAccess()[0].decode(String.self) }
    }

    // MARK: Aliases

    private static func alias(from row: PostgresRandomAccessRow) throws -> Alias {
        Alias(
            account: try row.decode("account", as: String.self), region: try row.decode("region", as: String.self),
            name: try row.decode("name", as: String.self), targetKeyID: try row.decode("target_key_id", as: String.self),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }

    func alias(account: String, region: String, name: String) throws -> Alias? {
        try rows("SELECT * FROM aliases WHERE account = $1 AND region = $2 AND name = $3", account, region, name).first.map(Self.alias(from:))
    }

    func aliases(account: String, region: String, targetKeyID: String?, after: String?, limit: Int) throws -> [Alias] {
        try rows("""
            SELECT * FROM aliases WHERE account = $1 AND region = $2 AND ($3::text IS NULL OR target_key_id = $3) AND name > $4
            ORDER BY name LIMIT $5
            """, account, region, targetKeyID, after ?? "", limit).map(Self.alias(from:))
    }

    func insert(_ alias: Alias) throws {
        try run("INSERT INTO aliases (account, region, name, target_key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                alias.account, alias.region, alias.name, alias.targetKeyID, alias.createdAt.timeIntervalSince1970, alias.updatedAt.timeIntervalSince1970)
    }

    func update(_ alias: Alias) throws {
        try run("UPDATE aliases SET target_key_id = $1, updated_at = $2 WHERE account = $3 AND region = $4 AND name = $5",
                alias.targetKeyID, alias.updatedAt.timeIntervalSince1970, alias.account, alias.region, alias.name)
    }

    func deleteAlias(account: String, region: String, name: String) throws {
        try run("DELETE FROM aliases WHERE account = $1 AND region = $2 AND name = $3", account, region, name)
    }

    // MARK: Import parameters

    func importParameters(tokenID: String) throws -> ImportParameters? {
        guard let row = try rows("SELECT * FROM import_parameters WHERE token_id = $1", tokenID).first else { return nil }
        guard let algorithm = WrappingAlgorithm(rawValue: try row.decode("algorithm", as: String.self)),
              let spec = WrappingKeySpec(rawValue: try row.decode("spec", as: String.self))
        else { throw StoreError.corrupt("import parameters row") }
        return ImportParameters(
            tokenID: try row.decode("token_id", as: String.self), keyID: try row.decode("key_id", as: String.self), algorithm: algorithm, spec: spec,
            sealedPrivateKey: try row.decode("sealed_private_key", as: Data.self), expiresAt: try row.date("expires_at")
        )
    }

    func insert(_ parameters: ImportParameters) throws {
        try run("""
            INSERT INTO import_parameters (token_id, key_id, algorithm, spec, sealed_private_key, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
            """, parameters.tokenID, parameters.keyID, parameters.algorithm.rawValue, parameters.spec.rawValue,
            parameters.sealedPrivateKey, parameters.expiresAt.timeIntervalSince1970)
    }

    func importParameterTokenIDs() throws -> [String] {
        try strings("SELECT token_id FROM import_parameters ORDER BY token_id")
    }

    func updateSealedPrivateKey(tokenID: String, sealed: Data) throws {
        try run("UPDATE import_parameters SET sealed_private_key = $1 WHERE token_id = $2", sealed, tokenID)
    }

    func deleteImportParameters(tokenID: String) throws {
        try run("DELETE FROM import_parameters WHERE token_id = $1", tokenID)
    }

    func deleteImportParameters(expiredAt now: Date) throws {
        try run("DELETE FROM import_parameters WHERE expires_at <= $1", now.timeIntervalSince1970)
    }

    // MARK: Grants

    private static func grant(from row: PostgresRandomAccessRow) throws -> Grant {
        Grant(
            id: try row.decode("id", as: String.self), keyID: try row.decode("key_id", as: String.self),
            account: try row.decode("account", as: String.self), region: try row.decode("region", as: String.self),
            name: try row.decode("name", as: String?.self), granteePrincipal: try row.decode("grantee_principal", as: String.self),
            retiringPrincipal: try row.decode("retiring_principal", as: String?.self),
            operations: try StoreCoding.decode([String].self, try row.decode("operations", as: String.self)),
            constraints: try row.decode("constraints", as: String?.self).map { try StoreCoding.decode(Grant.Constraints.self, $0) },
            createdAt: try row.date("created_at")
        )
    }

    func grants(account: String, region: String, keyID: String?, retiringPrincipal: String?, after: String?, limit: Int) throws -> [Grant] {
        try rows("""
            SELECT * FROM grants WHERE account = $1 AND region = $2 AND ($3::text IS NULL OR key_id = $3)
              AND ($4::text IS NULL OR retiring_principal = $4) AND id > $5
            ORDER BY id LIMIT $6
            """, account, region, keyID, retiringPrincipal, after ?? "", limit).map(Self.grant(from:))
    }

    func grant(id: String) throws -> Grant? {
        try rows("SELECT * FROM grants WHERE id = $1", id).first.map(Self.grant(from:))
    }

    func insert(_ grant: Grant) throws {
        try run("""
            INSERT INTO grants (id, key_id, account, region, name, grantee_principal, retiring_principal, operations, constraints, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, grant.id, grant.keyID, grant.account, grant.region, grant.name, grant.granteePrincipal, grant.retiringPrincipal,
            try StoreCoding.encode(grant.operations), try grant.constraints.map(StoreCoding.encode), grant.createdAt.timeIntervalSince1970)
    }

    func deleteGrant(id: String) throws {
        try run("DELETE FROM grants WHERE id = $1", id)
    }

    // MARK: Audit

    func append(_ event: AuditEvent, delivered: Bool) throws {
        try run("""
            INSERT INTO audit_events (event_id, event_time, event_name, key_id, region, error_code, body, delivered)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, event.eventID, event.eventTime.timeIntervalSince1970, event.eventName, event.keyID, event.region, event.errorCode,
            StoreCoding.encode(event), delivered)
    }

    func allKeys(after: String?, limit: Int) throws -> [Key] {
        try rows("SELECT * FROM keys WHERE id > $1 ORDER BY id LIMIT $2", after ?? "", limit).map(Self.key(from:))
    }

    func auditEvents(afterSequence: Int64, limit: Int) throws -> [SequencedAuditEvent] {
        try rows("SELECT seq, body, delivered FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2", afterSequence, limit).map { row in
            SequencedAuditEvent(sequence: try row.decode("seq", as: Int64.self),
                                event: try StoreCoding.decode(AuditEvent.self, try row.decode("body", as: String.self)),
                                delivered: try row.decode("delivered", as: Bool.self))
        }
    }

    func auditFiles() throws -> [AuditFile] {
        try rows("SELECT * FROM audit_files ORDER BY ord").map(Self.auditFile(from:))
    }

    func auditFile(named name: String) throws -> AuditFile? {
        try rows("SELECT * FROM audit_files WHERE name = $1", name).first.map(Self.auditFile(from:))
    }

    private static func auditFile(from row: PostgresRandomAccessRow) throws -> AuditFile {
        AuditFile(
            name: try row.decode("name", as: String.self), kind: AuditFile.Kind(rawValue: try row.decode("kind", as: String.self)) ?? .log,
            account: try row.decode("account", as: String.self), region: try row.decode("region", as: String.self),
            firstSequence: try row.decode("first_seq", as: Int64.self), lastSequence: try row.decode("last_seq", as: Int64.self),
            sha256: try row.decode("sha256", as: String.self), signature: try row.decode("signature", as: String?.self),
            createdAt: try row.date("created_at")
        )
    }

    private func events(_ sql: String, _ parameters: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> [AuditEvent] {
        try execute(sql, parameters).rows.map { try StoreCoding.decode(AuditEvent.self, try $0.makeRandomAccess()["body"].decode(String.self)) }
    }

    func latestSuccessfulEvent(keyID: String, region: String, eventNames: [String]) throws -> AuditEvent? {
        guard !eventNames.isEmpty else { return nil }
        return try events("""
            SELECT body FROM audit_events WHERE key_id = $1 AND event_name = ANY($2) AND region = $3 AND error_code IS NULL
            ORDER BY seq DESC LIMIT 1
            """, keyID, eventNames, region).first
    }

    func undeliveredAuditEvents(limit: Int) throws -> [SequencedAuditEvent] {
        try rows("SELECT seq, body FROM audit_events WHERE NOT delivered ORDER BY seq LIMIT $1", limit).map { row in
            SequencedAuditEvent(sequence: try row.decode("seq", as: Int64.self),
                                event: try StoreCoding.decode(AuditEvent.self, try row.decode("body", as: String.self)))
        }
    }

    func undeliveredAuditEventCount() throws -> Int {
        try rows("SELECT COUNT(*) AS n FROM audit_events WHERE NOT delivered").first?.decode("n", as: Int.self) ?? 0
    }

    func markDelivered(auditSequences: [Int64]) throws {
        try run("UPDATE audit_events SET delivered = TRUE WHERE seq = ANY($1)", auditSequences)
    }

    func takeLease(_ name: String, holder: String, now: Date, until: Date) throws -> Bool {
        try run("""
            INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
            """, name, holder, until.timeIntervalSince1970, now.timeIntervalSince1970)
        return try strings("SELECT holder FROM leases WHERE name = $1", name).first == holder
    }

    func releaseLease(_ name: String, holder: String) throws {
        try run("DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)
    }

    func countChange() throws {
        try run("INSERT INTO cache_changes (delta) VALUES (1)")
    }

    func lastAuditFile(kind: AuditFile.Kind, account: String, region: String) throws -> AuditFile? {
        try rows("""
            SELECT * FROM audit_files WHERE kind = $1 AND account = $2 AND region = $3 ORDER BY ord DESC LIMIT 1
            """, kind.rawValue, account, region).first.map(Self.auditFile(from:))
    }

    func insert(_ file: AuditFile) throws {
        try run("""
            INSERT INTO audit_files (name, kind, account, region, first_seq, last_seq, sha256, signature, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, file.name, file.kind.rawValue, file.account, file.region, file.firstSequence, file.lastSequence, file.sha256,
            file.signature, file.createdAt.timeIntervalSince1970)
    }

    func auditEvents(_ query: AuditQuery) throws -> [AuditEvent] {
        let order = query.newestFirst ? "DESC" : "ASC"
        let cursor = query.newestFirst ? "<" : ">"
        return try events("""
            SELECT body FROM audit_events
            WHERE ($1::text IS NULL OR event_name = $1) AND ($2::text IS NULL OR key_id = $2)
              AND ($3::double precision IS NULL OR event_time >= $3) AND ($4::double precision IS NULL OR event_time <= $4)
              AND ($5::text IS NULL OR event_id = $5) AND ($6::text IS NULL OR region = $6)
              AND ($7::text IS NULL OR seq \(cursor) (SELECT seq FROM audit_events WHERE event_id = $7))
            ORDER BY seq \(order) LIMIT $8
            """, query.eventName, query.keyID, query.from?.timeIntervalSince1970, query.to?.timeIntervalSince1970,
            query.eventID, query.region, query.afterEventID, query.limit)
    }
}

extension PostgresRandomAccessRow {
    func decode<T: PostgresDecodable>(_ column: String, as type: T.Type) throws -> T {
        try self[column].decode(T.self)
    }

    func date(_ column: String) throws -> Date {
        Date(timeIntervalSince1970: try decode(column, as: Double.self))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try decode(column, as: Double?.self).map(Date.init(timeIntervalSince1970:))
    }
}
