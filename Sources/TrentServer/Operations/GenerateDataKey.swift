import TrentCore
import TrentModel

extension Operation {
    /// The byte count of `KeySpec` (AES_128/AES_256) or `NumberOfBytes`: exactly one of them.
    static func dataKeyByteCount(keySpec: String?, numberOfBytes: Int?) throws -> Int {
        switch (keySpec, numberOfBytes) {
        case (let spec?, nil): return spec == "AES_128" ? 16 : 32
        case (nil, let count?): return count
        default: throw KMSError.validation("Please specify either number of bytes or key spec.")
        }
    }

    static func dataKeyAudit(keyId: String?, keySpec: String?, numberOfBytes: Int?, context: [String: String]?) -> JSONValue {
        AuditParameters.object([
            "keyId": AuditParameters.string(keyId), "keySpec": AuditParameters.string(keySpec),
            "numberOfBytes": AuditParameters.number(numberOfBytes), "encryptionContext": AuditParameters.context(context),
        ])
    }

    /// Records the key, spec and context; never the data key.
    static let generateDataKey = Operation.make("GenerateDataKey", KMS.GenerateDataKeyRequest.self, audit: { r in
        dataKeyAudit(keyId: r.keyId, keySpec: r.keySpec, numberOfBytes: r.numberOfBytes, context: r.encryptionContext)
    }) { r, call, service in
        if r.recipient != nil { throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by Trent.") }
        let result = try await service.generateDataKey(
            r.keyId!, byteCount: try dataKeyByteCount(keySpec: r.keySpec, numberOfBytes: r.numberOfBytes),
            encryptionContext: r.encryptionContext ?? [:], includePlaintext: true, dryRun: r.dryRun ?? false, call: call
        )
        return KMS.GenerateDataKeyResponse(
            ciphertextBlob: result.ciphertext, plaintext: result.plaintext, keyId: result.key.arn, keyMaterialId: result.keyMaterialID
        )
    }
}
