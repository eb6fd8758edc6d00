import TrentCore
import TrentModel

extension Operation {
    static let generateDataKeyWithoutPlaintext = Operation.make(
        "GenerateDataKeyWithoutPlaintext", KMS.GenerateDataKeyWithoutPlaintextRequest.self, audit: { r in
            dataKeyAudit(keyId: r.keyId, keySpec: r.keySpec, numberOfBytes: r.numberOfBytes, context: r.encryptionContext)
        }
    ) { r, call, service in
        let result = try await service.generateDataKey(
            r.keyId!, byteCount: try dataKeyByteCount(keySpec: r.keySpec, numberOfBytes: r.numberOfBytes),
            encryptionContext: r.encryptionContext ?? [:], includePlaintext: false, dryRun: r.dryRun ?? false, call: call
        )
        return KMS.GenerateDataKeyWithoutPlaintextResponse(
            ciphertextBlob: result.ciphertext, keyId: result.key.arn, keyMaterialId: result.keyMaterialID
        )
    }
}
