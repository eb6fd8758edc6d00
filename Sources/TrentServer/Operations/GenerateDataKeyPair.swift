import TrentCore
import TrentCrypto
import TrentModel

extension Operation {
    /// The key pair specs Trent can generate.
    static func keyPairSpec(_ name: String) throws -> AsymmetricKeySpec {
        guard let spec = AsymmetricKeySpec(rawValue: name) else {
            throw KMSError.unsupported("KeyPairSpec \(name) is not supported by Trent.")
        }
        return spec
    }

    static func dataKeyPairAudit(keyId: String?, keyPairSpec: String?, context: [String: String]?) -> JSONValue {
        AuditParameters.object([
            "keyId": AuditParameters.string(keyId), "keyPairSpec": AuditParameters.string(keyPairSpec),
            "encryptionContext": AuditParameters.context(context),
        ])
    }

    /// Records key, spec and context; never the private key.
    static let generateDataKeyPair = Operation.make("GenerateDataKeyPair", KMS.GenerateDataKeyPairRequest.self, audit: { r in
        dataKeyPairAudit(keyId: r.keyId, keyPairSpec: r.keyPairSpec, context: r.encryptionContext)
    }) { r, call, service in
        if r.recipient != nil { throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by Trent.") }
        let result = try await service.generateDataKeyPair(
            r.keyId!, pairSpec: try keyPairSpec(r.keyPairSpec!), encryptionContext: r.encryptionContext ?? [:], includePlaintext: true,
            dryRun: r.dryRun ?? false, call: call
        )
        return KMS.GenerateDataKeyPairResponse(
            privateKeyCiphertextBlob: result.privateKeyCiphertext, privateKeyPlaintext: result.privateKeyPlaintext,
            publicKey: result.publicKey, keyId: result.key.arn, keyPairSpec: r.keyPairSpec, keyMaterialId: result.keyMaterialID
        )
    }
}
