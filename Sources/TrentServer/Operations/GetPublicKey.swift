import TrentCore
import TrentModel

extension Operation {
    static let getPublicKey = Operation.make("GetPublicKey", KMS.GetPublicKeyRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        let result = try await service.getPublicKey(r.keyId!, call: call)
        let key = result.key
        return KMS.GetPublicKeyResponse(
            keyId: key.arn, publicKey: result.publicKey, customerMasterKeySpec: key.keySpec.rawValue, keySpec: key.keySpec.rawValue,
            keyUsage: key.keyUsage.rawValue, encryptionAlgorithms: key.encryptionAlgorithms, signingAlgorithms: key.signingAlgorithms,
            keyAgreementAlgorithms: key.keyAgreementAlgorithms
        )
    }
}
