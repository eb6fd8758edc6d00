public import TrentCore
public import HTTPTypes

/// The one place that knows AWS's error names and HTTP statuses.
public enum AWSErrorMapping {
    public static func awsType(of code: KMSError.Code) -> String {
        switch code {
        case .validation: "ValidationException"
        case .serialization: "SerializationException"
        case .unknownOperation: "UnknownOperationException"
        case .notFound: "NotFoundException"
        case .invalidARN: "InvalidArnException"
        case .invalidState: "KMSInvalidStateException"
        case .disabled: "DisabledException"
        case .unsupportedOperation: "UnsupportedOperationException"
        case .invalidImportToken: "InvalidImportTokenException"
        case .expiredImportToken: "ExpiredImportTokenException"
        case .invalidCiphertext: "InvalidCiphertextException"
        case .incorrectKeyMaterial: "IncorrectKeyMaterialException"
        case .incorrectKey: "IncorrectKeyException"
        case .alreadyExists: "AlreadyExistsException"
        case .invalidAliasName: "InvalidAliasNameException"
        case .invalidMarker: "InvalidMarkerException"
        case .tag: "TagException"
        case .malformedPolicyDocument: "MalformedPolicyDocumentException"
        case .invalidKeyUsage: "InvalidKeyUsageException"
        case .invalidMac: "KMSInvalidMacException"
        case .invalidSignature: "KMSInvalidSignatureException"
        case .invalidGrantToken: "InvalidGrantTokenException"
        case .invalidGrantID: "InvalidGrantIdException"
        case .dryRun: "DryRunOperationException"
        case .limitExceeded: "LimitExceededException"
        case .accessDenied: "AccessDeniedException"
        case .internal: "KMSInternalException"
        }
    }

    public static func status(of code: KMSError.Code) -> HTTPResponse.Status {
        code == .internal ? .internalServerError : .badRequest
    }

    /// Errors of the JSON protocol itself, which are not in the KMS model's error list.
    public static let protocolErrors: Set<String> = ["ValidationException", "SerializationException", "UnknownOperationException", "AccessDeniedException"]
}
