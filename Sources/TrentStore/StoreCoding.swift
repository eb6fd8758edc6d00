import Foundation
import TrentCore

/// How both stores keep JSON columns (tags, grant operations and constraints, audit records):
/// sorted keys, dates as seconds since 1970, so a row reads the same in SQLite and PostgreSQL.
enum StoreCoding {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(T.self, from: Data(text.utf8))
    }

    /// A key's tags; most keys have none, and their `[]` skips the JSON coders (each read or
    /// write of a key row paid for them).
    static func encode(tags: [Tag]) throws -> String {
        tags.isEmpty ? "[]" : try encode(tags)
    }

    static func decodeTags(_ text: String) throws -> [Tag] {
        text == "[]" ? [] : try decode([Tag].self, text)
    }

    /// Audit events, the column written and read most: the same JSON, built and parsed directly.
    static func encode(_ event: AuditEvent) -> String {
        String(decoding: event.storageJSON, as: UTF8.self)
    }

    static func decode(_ type: AuditEvent.Type, _ text: String) throws -> AuditEvent {
        try AuditEvent(storageValue: try JSONValue.parse(text.utf8))
    }
}
