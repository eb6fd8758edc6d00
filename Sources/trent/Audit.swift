import ArgumentParser
import Foundation
import TrentAudit
import TrentCore
import TrentStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the audit log (CloudTrail records).",
        subcommands: [Lookup.self]
    )

    struct Lookup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit records as CloudTrail JSON ({\"Records\": [...]}), newest first."
        )

        @Option(name: .customLong("data-dir"), help: "Data directory (TRENT_DATA_DIR; default ~/.local/share/trent).")
        var dataDir: String?

        @Option(name: .customLong("event-name"), help: "Only records of this event, e.g. ImportKeyMaterial.")
        var eventName: String?

        @Option(name: .customLong("key-id"), help: "Only records about this key id.")
        var keyID: String?

        @Option(name: .customLong("start-time"), help: "Only records at or after this time (ISO 8601).")
        var startTime: String?

        @Option(name: .customLong("end-time"), help: "Only records at or before this time (ISO 8601).")
        var endTime: String?

        @Option(name: .customLong("max-results"), help: "At most this many records (default 1000).")
        var maxResults: Int = 1000

        func run() async throws {
            let path = DataDirectory.storePath(in: DataDirectory.resolve(dataDir))
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no Trent store at \(path)")
            }
            let store = try SQLiteKeyStore(path: path)
            let query = AuditQuery(
                eventName: eventName, keyID: keyID, from: try startTime.map(Self.date), to: try endTime.map(Self.date),
                limit: maxResults, newestFirst: true
            )
            let events = try await store.read { try $0.auditEvents(query) }
            print("{\"Records\": [")
            for (index, event) in events.enumerated() {
                print(CloudTrailRecord.json(event) + (index == events.count - 1 ? "" : ","))
            }
            print("]}")
        }

        static func date(_ text: String) throws -> Date {
            let f = ISO8601DateFormatter()
            guard let date = f.date(from: text) else { throw ValidationError("'\(text)' is not an ISO 8601 time") }
            return date
        }
    }
}
