/// A failure of a KMS operation, in domain terms. `Errors/AWSErrorMapping.swift` in TrentServer
/// is the one place that turns a code into AWS's `__type` and HTTP status.
public struct KMSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure. New cases are added as features arrive; the server maps each.
    public enum Code: String, Sendable, CaseIterable {
        case validation
        case serialization
        case unknownOperation
        case notFound
        case invalidARN
        case invalidState
        case disabled
        case unsupportedOperation
        case invalidImportToken
        case expiredImportToken
        case invalidCiphertext
        case incorrectKeyMaterial
        case incorrectKey
        case alreadyExists
        case invalidAliasName
        case invalidMarker
        case tag
        case malformedPolicyDocument
        case invalidKeyUsage
        case invalidMac
        case invalidSignature
        case invalidGrantToken
        case invalidGrantID
        case dryRun
        case limitExceeded
        case accessDenied
        case `internal`
    }

    public let code: Code
    /// The message shown to the caller: never contains key material or plaintext.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func validation(_ message: String) -> Self { Self(.validation, message) }
    public static func notFound(_ message: String) -> Self { Self(.notFound, message) }
    public static func unsupported(_ message: String) -> Self { Self(.unsupportedOperation, message) }
    public static func invalidCiphertext(_ message: String = "") -> Self { Self(.invalidCiphertext, message) }

    /// The error AWS gives when a key is in a state that does not allow the operation.
    public static func invalidState(arn: String, state: KeyState) -> Self {
        switch state {
        case .pendingImport: Self(.invalidState, "\(arn) is pending import.")
        case .pendingDeletion: Self(.invalidState, "\(arn) is pending deletion.")
        case .pendingReplicaDeletion: Self(.invalidState, "\(arn) is pending replica deletion.")
        case .disabled: Self(.disabled, "\(arn) is disabled.")
        case .enabled: Self(.invalidState, "\(arn) is enabled.")
        }
    }

    public static func keyNotFound(arn: String) -> Self {
        Self(.notFound, "Key '\(arn)' does not exist")
    }
}
