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
    func open(connections: Int = 16) async throws -> any KeyStore {
        do {
            switch self {
            case .sqlite(let path): return try SQLiteKeyStore(path: path)
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
