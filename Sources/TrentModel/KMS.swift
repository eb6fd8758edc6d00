/// Namespace of the AWS KMS wire shapes, generated from botocore's model (see `Generated/`).
public enum KMS {}

/// A request or response shape of the KMS model: JSON-coded, and able to check the model's
/// constraints (required members, lengths, ranges, enums, patterns).
public protocol KMSShape: Codable, Sendable, Equatable {
    func validate(into v: inout ValidationErrors, at prefix: String)
}
