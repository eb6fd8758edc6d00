import ArgumentParser
import Foundation
import TrentAudit
import TrentCore
import TrentStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the audit log (CloudTrail records).",
        subcommands: [Lookup.self, Validate.self]
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

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log files and their signed digest chain; exits non-zero on any problem.",
            discussion: "Like `aws cloudtrail validate-logs`: every digest signed by a published key, each linked to the one before it, every log file present and unchanged, and no log file outside the digests."
        )

        @Option(name: .customLong("data-dir"), help: "Data directory (TRENT_DATA_DIR; default ~/.local/share/trent).")
        var dataDir: String?

        @Option(name: .customLong("audit-dir"), help: "The audit directory (default <data-dir>/audit).")
        var auditDir: String?

        @Option(name: .customLong("from"), help: "Only digests delivered at or after this time (ISO 8601).")
        var from: String?

        @Option(name: .customLong("to"), help: "Only digests delivered at or before this time (ISO 8601).")
        var to: String?

        func run() async throws {
            let directory = auditDir ?? (DataDirectory.resolve(dataDir) as NSString).appendingPathComponent("audit")
            let report = AuditValidator(directory: directory).validate(from: try from.map(Lookup.date), to: try to.map(Lookup.date))
            for problem in report.problems { print(problem) }
            let digestsValid = report.digestsChecked - Set(report.problems.filter { $0.hasPrefix("Digest file") }).count
            print("Results found: \(max(0, digestsValid))/\(report.digestsChecked) digest files valid, \(report.logFilesChecked) log files checked, \(report.problems.count) problem(s).")
            if !report.isValid { throw ExitCode(1) }
        }
    }
}
