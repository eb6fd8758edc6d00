import TrentCore
import TrentModel

extension Operation {
    static let verify = Operation.make("Verify", KMS.VerifyRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "signingAlgorithm": AuditParameters.string(r.signingAlgorithm),
            "messageType": AuditParameters.string(r.messageType ?? "RAW"),
        ])
    }) { r, call, service in
        let key = try await service.verify(
            r.keyId!, message: r.message!, messageType: try messageType(r.messageType), signature: r.signature!,
            algorithm: r.signingAlgorithm!, dryRun: r.dryRun ?? false, call: call
        )
        return KMS.VerifyResponse(keyId: key.arn, signatureValid: true, signingAlgorithm: r.signingAlgorithm)
    }
}
