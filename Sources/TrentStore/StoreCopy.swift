import Foundation
public import TrentCore

/// Copies everything one store holds into another, empty one (SQLite into PostgreSQL, say): keys
/// with their material versions (still sealed under the same root key: nothing is opened), aliases,
/// grants, import parameters, audit events (with whether they were delivered) and audit files, so
/// the digest chain goes on. The source only is read; run it while no server uses the source.
public enum StoreCopy {
    public struct Report: Sendable, Equatable {
        public var keys = 0
        public var materials = 0
        public var aliases = 0
        public var grants = 0
        public var importParameters = 0
        public var auditEvents = 0
        public var auditFiles = 0
        public init() {}
    }

    public struct TargetNotEmpty: Error, CustomStringConvertible {
        public var description: String { "the target store is not empty: copy into a new store (or a new schema)" }
    }

    public static func copy(from source: any KeyStore, to target: any KeyStore, batch: Int = 200) async throws -> Report {
        let empty = try await target.read { tx in
            try tx.allKeys(after: nil, limit: 1).isEmpty && tx.auditEvents(afterSequence: 0, limit: 1).isEmpty && tx.auditFiles().isEmpty
        }
        guard empty else { throw TargetNotEmpty() }
        var report = Report()

        // Keys first, each with what hangs off it, a page at a time.
        var cursor: String?
        while true {
            let after = cursor
            let page = try await source.read { tx -> [KeyWithDependents] in
                try tx.allKeys(after: after, limit: batch).map { key in
                    KeyWithDependents(
                        key: key, materials: try tx.materials(keyID: key.storageID),
                        aliases: try everything { try tx.aliases(account: key.account, region: key.region, targetKeyID: key.storageID, after: $0, limit: 1000) } after: { $0.name },
                        grants: try everything { try tx.grants(account: key.account, region: key.region, keyID: key.storageID, retiringPrincipal: nil, after: $0, limit: 1000) } after: { $0.id }
                    )
                }
            }
            guard let last = page.last else { break }
            try await target.write { tx in
                for item in page {
                    try tx.insert(item.key)
                    for material in item.materials { try tx.save(material) }
                    for alias in item.aliases { try tx.insert(alias) }
                    for grant in item.grants { try tx.insert(grant) }
                }
                // Nodes already running on the target drop what they cached (they hold nothing
                // of an empty store, but the count is the rule every change keeps).
                try tx.countChange()
            }
            report.keys += page.count
            report.materials += page.reduce(0) { $0 + $1.materials.count }
            report.aliases += page.reduce(0) { $0 + $1.aliases.count }
            report.grants += page.reduce(0) { $0 + $1.grants.count }
            cursor = last.key.storageID
        }

        let tokens = try await source.read { try $0.importParameterTokenIDs() }
        for start in stride(from: 0, to: tokens.count, by: batch) {
            let chunk = Array(tokens[start..<min(start + batch, tokens.count)])
            let parameters = try await source.read { tx in try chunk.compactMap { try tx.importParameters(tokenID: $0) } }
            try await target.write { tx in for item in parameters { try tx.insert(item) } }
            report.importParameters += parameters.count
        }

        // Audit events keep their order (the target numbers them anew) and their delivery.
        var sequence: Int64 = 0
        while true {
            let after = sequence
            let events = try await source.read { try $0.auditEvents(afterSequence: after, limit: batch * 5) }
            guard let last = events.last else { break }
            try await target.write { tx in for item in events { try tx.append(item.event, delivered: item.delivered) } }
            report.auditEvents += events.count
            sequence = last.sequence
        }
        let files = try await source.read { try $0.auditFiles() }
        try await target.write { tx in for file in files { try tx.insert(file) } }
        report.auditFiles = files.count
        return report
    }

    private struct KeyWithDependents: Sendable {
        let key: Key
        let materials: [KeyMaterial]
        let aliases: [Alias]
        let grants: [Grant]
    }

    /// Every page of a paged read.
    private static func everything<T>(_ page: (String?) throws -> [T], after marker: (T) -> String) throws -> [T] {
        var all: [T] = []
        var cursor: String?
        while true {
            let items = try page(cursor)
            all += items
            guard items.count > 0, let last = items.last else { return all }
            cursor = marker(last)
        }
    }
}
