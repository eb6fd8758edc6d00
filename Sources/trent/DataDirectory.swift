import ArgumentParser
import Foundation
import TrentCore
import TrentStore

/// Where `serve` and the tools find the store: `--data-dir`, then `TRENT_DATA_DIR`, then
/// `~/.local/share/trent`.
enum DataDirectory {
    static func resolve(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["TRENT_DATA_DIR"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share/trent")
    }

    static func storePath(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("trent.sqlite")
    }
}

/// Which store: `--store` (or `TRENT_STORE`): `sqlite:PATH`, or `postgres://user@host/db` for
/// several nodes; by default SQLite in the data directory.
enum StoreLocation: Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    static let help = "The store: sqlite:PATH or postgres://user[:password]@host[:port]/database[?sslmode=require&schema=…] (TRENT_STORE; default SQLite at <data-dir>/trent.sqlite)."

    init(_ option: String?, dataDirectory: String) throws {
        let text = option ?? ProcessInfo.processInfo.environment["TRENT_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text else {
            self = .sqlite(path: DataDirectory.storePath(in: dataDirectory))
            return
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            do { _ = try PostgresKeyStore.Location(url: text) } catch let error as StoreError { throw ValidationError(error.description) }
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ValidationError("sqlite: needs a path, e.g. sqlite:/var/lib/trent/trent.sqlite") }
            self = .sqlite(path: path)
        } else {
            throw ValidationError("--store must be sqlite:PATH or postgres://user@host/database")
        }
    }

    /// For banners and messages: never the password.
    var description: String {
        switch self {
        case .sqlite(let path): "SQLite at \(path)"
        case .postgres(let url): "PostgreSQL at \(PostgresKeyStore.Location.redacted(url))"
        }
    }

    /// Opens the store, bringing its schema up to date.
    /// `journaled`: the server's own store (SQLite: audit journal, `SQLiteKeyStore(journaled:)`).
    func open(connections: Int = 16, journaled: Bool = false, journalFlushInterval: Duration = .milliseconds(20)) async throws -> any KeyStore {
        do {
            switch self {
            case .sqlite(let path): return try SQLiteKeyStore(path: path, journaled: journaled, journalFlushInterval: journalFlushInterval)
            case .postgres(let url): return try await PostgresKeyStore(url: url, connections: connections)
            }
        } catch let error as StoreError {
            throw ValidationError("\(description): \(error.description)")
        }
    }
}

/// `trent migrate`: brings a store's schema up to date (what `serve` also does at start-up).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update the store's tables (idempotent; serve does it too at start-up)."
    )

    @Option(name: .customLong("data-dir"), help: "Data directory (TRENT_DATA_DIR; default ~/.local/share/trent).")
    var dataDir: String?

    @Option(help: ArgumentHelp(stringLiteral: StoreLocation.help))
    var store: String?

    func run() async throws {
        let location = try StoreLocation(store, dataDirectory: DataDirectory.resolve(dataDir))
        let opened = try await location.open(connections: 1)
        if let postgres = opened as? PostgresKeyStore { await postgres.shutdown() }
        print("\(location.description): up to date")
    }
}

/// `trent store copy`: moves a store into another (SQLite into PostgreSQL, to go multi-node).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on a store as a whole.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything from one store into another, empty one (e.g. SQLite into PostgreSQL).",
            discussion: """
            Stop the servers using --from first. Key material stays sealed under the same root key: \
            start the new nodes with a copy of the old data directory's root.key (or the same PKCS#11 \
            token) and audit-signing.key, and the same --audit-dir, and old ciphertexts decrypt there.
            """
        )

        @Option(help: "The store to copy: sqlite:PATH or postgres://….")
        var from: String

        @Option(help: "The store to fill (must be empty): sqlite:PATH or postgres://….")
        var to: String

        func run() async throws {
            let source = try StoreLocation(from, dataDirectory: "")
            let target = try StoreLocation(to, dataDirectory: "")
            guard source != target else { throw ValidationError("--from and --to name the same store") }
            if case .sqlite(let path) = source, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no Trent store at \(path)")
            }
            let from = try await source.open(connections: 2)
            let into = try await target.open(connections: 2)
            let outcome: Result<TrentStore.StoreCopy.Report, any Error>
            do { outcome = .success(try await TrentStore.StoreCopy.copy(from: from, to: into)) } catch { outcome = .failure(error) }
            for store in [from, into] { await (store as? PostgresKeyStore)?.shutdown() }
            switch outcome {
            case .success(let report):
                print("""
                    Copied \(source.description) into \(target.description):
                      \(report.keys) keys, \(report.materials) key material versions, \(report.aliases) aliases, \(report.grants) grants,
                      \(report.importParameters) import parameter sets, \(report.auditEvents) audit events, \(report.auditFiles) audit files.
                    """)
            case .failure(let error as TrentStore.StoreCopy.TargetNotEmpty):
                throw ValidationError(error.description)
            case .failure(let error):
                throw error
            }
        }
    }
}
