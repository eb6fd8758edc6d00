import TrentCore
import TrentCrypto
import TrentModel

extension Operation {
    /// `MessageType` after the model's enum check: RAW when absent.
    static func messageType(_ name: String?) throws -> MessageType {
        guard let type = MessageType(rawValue: name ?? "RAW") else { throw KMSError.validation("Invalid MessageType \(name ?? "")") }
        return type
    }

    /// Records key, algorithm and message type; never the message or signature.
    static let sign = Operation.make("Sign", KMS.SignRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "signingAlgorithm": AuditParameters.string(r.signingAlgorithm),
            "messageType": AuditParameters.string(r.messageType ?? "RAW"),
        ])
    }) { r, call, service in
        let result = try await service.sign(
            r.keyId!, message: r.message!, messageType: try messageType(r.messageType), algorithm: r.signingAlgorithm!,
            dryRun: r.dryRun ?? false, call: call
        )
        return KMS.SignResponse(keyId: result.key.arn, signature: result.signature, signingAlgorithm: r.signingAlgorithm)
    }
}
