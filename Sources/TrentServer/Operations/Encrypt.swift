import TrentCore
import TrentModel

extension Operation {
    /// Records key, algorithm and encryption context; never the plaintext.
    static let encrypt = Operation.make("Encrypt", KMS.EncryptRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "encryptionAlgorithm": AuditParameters.string(r.encryptionAlgorithm ?? "SYMMETRIC_DEFAULT"),
            "encryptionContext": AuditParameters.context(r.encryptionContext), "dryRun": AuditParameters.bool(r.dryRun),
        ])
    }) { r, call, service in
        let result = try await service.encrypt(
            r.keyId!, plaintext: r.plaintext!, encryptionContext: r.encryptionContext ?? [:],
            algorithm: r.encryptionAlgorithm, dryRun: r.dryRun ?? false, call: call
        )
        return KMS.EncryptResponse(ciphertextBlob: result.ciphertext, keyId: result.key.arn, encryptionAlgorithm: result.algorithm)
    }
}
