public import Foundation

/// An audit event with its position in the order of recording.
public struct SequencedAuditEvent: Sendable {
    public let sequence: Int64
    public let event: AuditEvent
    /// Whether a log file holds it.
    public let delivered: Bool

    public init(sequence: Int64, event: AuditEvent, delivered: Bool = false) {
        self.sequence = sequence
        self.event = event
        self.delivered = delivered
    }
}

/// A CloudTrail log or digest file that was written, as the store remembers it.
public struct AuditFile: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case log
        case digest
    }

    /// Path relative to the audit directory (the S3 key CloudTrail would use).
    public let name: String
    public let kind: Kind
    public let account: String
    public let region: String
    public let firstSequence: Int64
    public let lastSequence: Int64
    /// SHA-256 of the file's bytes, hex.
    public let sha256: String
    /// Hex RSA signature, for digest files.
    public let signature: String?
    public let createdAt: Date

    public init(
        name: String, kind: Kind, account: String, region: String, firstSequence: Int64, lastSequence: Int64, sha256: String,
        signature: String?, createdAt: Date
    ) {
        self.name = name
        self.kind = kind
        self.account = account
        self.region = region
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.sha256 = sha256
        self.signature = signature
        self.createdAt = createdAt
    }
}
