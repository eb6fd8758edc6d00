import TrentCore
import TrentModel

extension Operation {
    /// Records keys, contexts and algorithms; never ciphertext or plaintext.
    static let reEncrypt = Operation.make("ReEncrypt", KMS.ReEncryptRequest.self, audit: { r in
        AuditParameters.object([
            "sourceKeyId": AuditParameters.string(r.sourceKeyId), "destinationKeyId": AuditParameters.string(r.destinationKeyId),
            "sourceEncryptionContext": AuditParameters.context(r.sourceEncryptionContext),
            "destinationEncryptionContext": AuditParameters.context(r.destinationEncryptionContext),
            "sourceEncryptionAlgorithm": AuditParameters.string(r.sourceEncryptionAlgorithm ?? "SYMMETRIC_DEFAULT"),
            "destinationEncryptionAlgorithm": AuditParameters.string(r.destinationEncryptionAlgorithm ?? "SYMMETRIC_DEFAULT"),
        ])
    }) { r, call, service in
        let result = try await service.reEncrypt(
            r.ciphertextBlob!, sourceEncryptionContext: r.sourceEncryptionContext ?? [:], sourceKeyID: r.sourceKeyId,
            sourceAlgorithm: r.sourceEncryptionAlgorithm, destinationKeyID: r.destinationKeyId!,
            destinationEncryptionContext: r.destinationEncryptionContext ?? [:], destinationAlgorithm: r.destinationEncryptionAlgorithm,
            dryRun: r.dryRun ?? false, call: call
        )
        return KMS.ReEncryptResponse(
            ciphertextBlob: result.destination.ciphertext, sourceKeyId: result.source.key.arn, keyId: result.destination.key.arn,
            sourceEncryptionAlgorithm: result.source.algorithm, destinationEncryptionAlgorithm: result.destination.algorithm,
            sourceKeyMaterialId: result.source.keyMaterialID, destinationKeyMaterialId: result.destination.keyMaterialID
        )
    }
}
