/// Why a cryptographic operation refused its input. Messages never contain key bytes.
public struct CryptoFailure: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case malformedInput
        case authenticationFailed
        case unsupported
    }

    private let code: Code
    public let reason: String

    private init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The bytes are not of the expected form (length, encoding).
    public static func malformedInput(_ reason: String) -> Self { Self(.malformedInput, reason) }
    /// An integrity check (tag, MAC, key-wrap check value, OAEP padding) failed.
    public static func authenticationFailed(_ reason: String) -> Self { Self(.authenticationFailed, reason) }
    public static func unsupported(_ reason: String) -> Self { Self(.unsupported, reason) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public var description: String { reason }
}
