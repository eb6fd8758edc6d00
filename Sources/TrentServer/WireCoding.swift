import Foundation
import TrentCore

/// JSON 1.1 coding as the SDKs speak it: blobs base64, timestamps epoch seconds.
enum WireCoding {
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dataDecodingStrategy = .base64
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            if let seconds = try? c.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            let text = try c.decode(String.self)
            if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
            for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
                let f = ISO8601DateFormatter()
                f.formatOptions = options
                if let date = f.date(from: text) { return date }
            }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text.prefix(64))' is not a timestamp")
        }
        return d
    }()

    /// Turns a decoding failure into the `SerializationException` message, naming the member.
    static func serializationMessage(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "Malformed request body." }
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the request body" : "'" + keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "Unexpected value type at \(path(context.codingPath)): expected \(wireName(type))."
        case .valueNotFound(let type, let context):
            return "Unexpected null at \(path(context.codingPath)): expected \(wireName(type))."
        case .keyNotFound(let key, _):
            return "Missing member '\(key.stringValue)'."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "The request body is not valid JSON." }
            return "Invalid value at \(path(context.codingPath)): \(context.debugDescription.prefix(120))"
        @unknown default:
            return "Malformed request body."
        }
    }

    private static func wireName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is Data.Type: "a base64 string"
        default: "a " + (String(describing: type).hasPrefix("Array") ? "list" : "structure")
        }
    }
}
