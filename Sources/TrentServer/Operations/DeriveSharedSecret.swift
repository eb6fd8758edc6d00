import TrentCore
import TrentModel

extension Operation {
    /// Records key and algorithm; never the shared secret.
    static let deriveSharedSecret = Operation.make("DeriveSharedSecret", KMS.DeriveSharedSecretRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "keyAgreementAlgorithm": AuditParameters.string(r.keyAgreementAlgorithm)])
    }) { r, call, service in
        if r.recipient != nil { throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by Trent.") }
        let result = try await service.deriveSharedSecret(
            r.keyId!, algorithm: r.keyAgreementAlgorithm!, peerPublicKey: r.publicKey!, dryRun: r.dryRun ?? false, call: call
        )
        return KMS.DeriveSharedSecretResponse(
            keyId: result.key.arn, sharedSecret: result.secret, keyAgreementAlgorithm: "ECDH", keyOrigin: result.key.origin.rawValue
        )
    }
}
