import TrentCore
import TrentModel

extension Operation {
    /// Records key, algorithm and encryption context; never ciphertext or plaintext.
    static let decrypt = Operation.make("Decrypt", KMS.DecryptRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "encryptionAlgorithm": AuditParameters.string(r.encryptionAlgorithm ?? "SYMMETRIC_DEFAULT"),
            "encryptionContext": AuditParameters.context(r.encryptionContext), "dryRun": AuditParameters.bool(r.dryRun),
        ])
    }) { r, call, service in
        if r.recipient != nil {
            throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by Trent.")
        }
        let result = try await service.decrypt(
            r.ciphertextBlob!, encryptionContext: r.encryptionContext ?? [:], keyID: r.keyId,
            algorithm: r.encryptionAlgorithm, dryRun: r.dryRun ?? false, call: call
        )
        return KMS.DecryptResponse(
            keyId: result.key.arn, plaintext: result.plaintext, encryptionAlgorithm: result.algorithm,
            keyMaterialId: result.keyMaterialID
        )
    }
}
