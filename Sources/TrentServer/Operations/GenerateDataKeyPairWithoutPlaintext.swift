import TrentCore
import TrentModel

extension Operation {
    static let generateDataKeyPairWithoutPlaintext = Operation.make(
        "GenerateDataKeyPairWithoutPlaintext", KMS.GenerateDataKeyPairWithoutPlaintextRequest.self, audit: { r in
            dataKeyPairAudit(keyId: r.keyId, keyPairSpec: r.keyPairSpec, context: r.encryptionContext)
        }
    ) { r, call, service in
        let result = try await service.generateDataKeyPair(
            r.keyId!, pairSpec: try keyPairSpec(r.keyPairSpec!), encryptionContext: r.encryptionContext ?? [:], includePlaintext: false,
            dryRun: r.dryRun ?? false, call: call
        )
        return KMS.GenerateDataKeyPairWithoutPlaintextResponse(
            privateKeyCiphertextBlob: result.privateKeyCiphertext, publicKey: result.publicKey, keyId: result.key.arn,
            keyPairSpec: r.keyPairSpec, keyMaterialId: result.keyMaterialID
        )
    }
}
