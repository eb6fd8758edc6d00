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
            abstract: "Print audit records (CloudTrail format), newest first, with LookupEvents' filters.",
            discussion: "One filter at a time, as CloudTrail's LookupEvents: --event-name, --key-id, --read-only, or --lookup-attribute KEY=VALUE (EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId)."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case json, jsonl, table
        }

        @Option(name: .customLong("data-dir"), help: "Data directory (TRENT_DATA_DIR; default ~/.local/share/trent).")
        var dataDir: String?

        @Option(help: ArgumentHelp(stringLiteral: StoreLocation.help))
        var store: String?

        @Option(name: .customLong("event-name"), help: "Only records of this event, e.g. ImportKeyMaterial.")
        var eventName: String?

        @Option(name: .customLong("key-id"), help: "Only records about this key (key id or ARN).")
        var keyID: String?

        @Option(name: .customLong("read-only"), help: "Only read-only (true) or only changing (false) calls.")
        var readOnly: Bool?

        @Option(name: .customLong("lookup-attribute"), help: "A LookupEvents attribute, KEY=VALUE.")
        var lookupAttribute: String?

        @Option(name: .customLong("region"), help: "Only records of this region (default: all).")
        var region: String?

        @Option(name: .customLong("start-time"), help: "Only records at or after this time (ISO 8601).")
        var startTime: String?

        @Option(name: .customLong("end-time"), help: "Only records at or before this time (ISO 8601).")
        var endTime: String?

        @Option(name: .customLong("max-results"), help: "At most this many records (default 1000).")
        var maxResults: Int = 1000

        @Option(name: .customLong("next-token"), help: "Continue a previous lookup (the NextToken it printed).")
        var nextToken: String?

        @Option(name: .customLong("output"), help: "json ({\"Records\": [...]}), jsonl (a record a line) or table.")
        var output: Format = .json

        func run() async throws {
            let location = try StoreLocation(store, dataDirectory: DataDirectory.resolve(dataDir))
            if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no Trent store at \(path)")
            }
            var attributes: [(key: String, value: String)] = []
            if let eventName { attributes.append(("EventName", eventName)) }
            if let keyID { attributes.append(("ResourceName", keyID)) }
            if let readOnly { attributes.append(("ReadOnly", String(readOnly))) }
            if let lookupAttribute {
                let parts = lookupAttribute.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--lookup-attribute takes KEY=VALUE") }
                attributes.append((parts[0], parts[1]))
            }
            guard attributes.count <= 1 else { throw ValidationError("give one filter at a time, as LookupEvents takes one attribute") }
            guard maxResults > 0 else { throw ValidationError("--max-results must be positive") }

            if case .sqlite(let path) = location, !(await SQLiteKeyStore.waitForJournal(ofStoreAt: path)) {
                FileHandle.standardError.write(Data("note: the audit journal still holds records not yet in the store (a running server moves them in within milliseconds, a stopped one when it starts)\n".utf8))
            }
            let lookup = AuditLookup(store: try await location.open(connections: 2))
            var events: [AuditEvent] = []
            var token = nextToken
            repeat {
                let page: AuditLookup.Page
                do {
                    page = try await lookup.lookup(
                        region: region, attribute: attributes.first, start: try startTime.map(Self.date), end: try endTime.map(Self.date),
                        maxResults: min(50, maxResults - events.count), nextToken: token
                    )
                } catch let failure as AuditLookup.Failure {
                    throw ValidationError("\(failure.type): \(failure.message)")
                }
                events += page.events
                token = page.nextToken
            } while token != nil && events.count < maxResults

            switch output {
            case .json:
                print("{\"Records\": [")
                for (index, event) in events.enumerated() {
                    print(CloudTrailRecord.json(event) + (index == events.count - 1 ? "" : ","))
                }
                print(token.map { "], \"NextToken\": \"\($0)\"}" } ?? "]}")
            case .jsonl:
                for event in events { print(CloudTrailRecord.json(event)) }
            case .table:
                print(Self.row(["TIME", "EVENT", "REGION", "RESOURCE", "USER", "ERROR"]))
                for event in events {
                    print(Self.row([
                        AuditDates.iso8601(event.eventTime), event.eventName, event.region,
                        event.resourceARNs.first.map { String($0.split(separator: "/").last ?? "") } ?? "-",
                        AuditLookup.username(event) ?? "kms.amazonaws.com", event.errorCode ?? "-",
                    ]))
                }
                if let token { print("NextToken: \(token)") }
            }
        }

        static func row(_ cells: [String]) -> String {
            zip(cells, [21, 34, 15, 40, 18, 0]).map { cell, width in
                width == 0 ? cell : cell.padding(toLength: max(width, cell.count + 1), withPad: " ", startingAt: 0)
            }.joined()
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
