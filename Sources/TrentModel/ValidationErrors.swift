public import Foundation

/// Collects constraint violations the way AWS reports them:
/// `1 validation error detected: Value 'x' at 'keyId' failed to satisfy constraint: …`.
public struct ValidationErrors: Sendable {
    public private(set) var violations: [String] = []

    public init() {}

    public var isEmpty: Bool { violations.isEmpty }

    /// The message AWS sends for these violations, or `nil` when there are none.
    public var message: String? {
        guard !violations.isEmpty else { return nil }
        let count = violations.count
        let noun = count == 1 ? "error" : "errors"
        return "\(count) validation \(noun) detected: " + violations.joined(separator: "; ")
    }

    public mutating func missing(at path: String) {
        violations.append("Value null at '\(path)' failed to satisfy constraint: Member must not be null")
    }

    public mutating func length(string value: String, at path: String, min: Int?, max: Int?) {
        let count = value.utf16.count
        // Worked out only for a violation: every request's strings pass through here.
        func shown() -> String { Self.isSecret(path) ? "Value" : "Value '\(Self.quoted(value))'" }
        if let min, count < min {
            violations.append("\(shown()) at '\(path)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
        } else if let max, count > max {
            violations.append("\(shown()) at '\(path)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    /// Grant tokens are bearer credentials: never echoed in an error.
    private static func isSecret(_ path: String) -> Bool {
        path.lowercased().contains("token")
    }

    /// Blobs are never echoed: they may be secrets.
    public mutating func length(blob value: Data, at path: String, min: Int?, max: Int?) {
        if let min, value.count < min {
            violations.append("Value at '\(path)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
        } else if let max, value.count > max {
            violations.append("Value at '\(path)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    public mutating func range(_ value: Int, at path: String, min: Int?, max: Int?) {
        if let min, value < min {
            violations.append("Value '\(value)' at '\(path)' failed to satisfy constraint: Member must have value greater than or equal to \(min)")
        } else if let max, value > max {
            violations.append("Value '\(value)' at '\(path)' failed to satisfy constraint: Member must have value less than or equal to \(max)")
        }
    }

    public mutating func count(_ count: Int, at path: String, min: Int?, max: Int?) {
        if let min, count < min {
            violations.append("Value at '\(path)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
        } else if let max, count > max {
            violations.append("Value at '\(path)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    public mutating func enumValue(_ value: String, at path: String, allowed: [String]) {
        guard !allowed.contains(value) else { return }
        violations.append("Value '\(Self.quoted(value))' at '\(path)' failed to satisfy constraint: Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]")
    }

    public mutating func pattern(_ value: String, at path: String, _ regex: NSRegularExpression, _ source: String) {
        let range = NSRange(value.startIndex..., in: value)
        guard let match = regex.firstMatch(in: value, options: [.anchored], range: range),
              match.range.location == 0, match.range.length == range.length
        else {
            let shown = Self.isSecret(path) ? "Value" : "Value '\(Self.quoted(value))'"
            violations.append("\(shown) at '\(path)' failed to satisfy constraint: Member must satisfy regular expression pattern: \(source)")
            return
        }
    }

    /// Long values are cut so that an error message stays small.
    private static func quoted(_ value: String) -> String {
        value.count > 256 ? String(value.prefix(256)) + "…" : value
    }
}
