import TrentCore
import TrentCrypto
import TrentModel

extension Operation {
    static let getParametersForImport = Operation.make("GetParametersForImport", KMS.GetParametersForImportRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "wrappingAlgorithm": AuditParameters.string(r.wrappingAlgorithm),
            "wrappingKeySpec": AuditParameters.string(r.wrappingKeySpec),
        ])
    }) { r, call, service in
        let algorithmName = r.wrappingAlgorithm!, specName = r.wrappingKeySpec!
        if specName == "SM2" || algorithmName == "SM2PKE" {
            throw KMSError.validation("SM2 wrapping keys and the SM2PKE wrapping algorithm are available only in China Regions.")
        }
        if algorithmName == "RSAES_PKCS1_V1_5" {
            throw KMSError.validation("The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.")
        }
        guard let algorithm = WrappingAlgorithm(rawValue: algorithmName), let spec = WrappingKeySpec(rawValue: specName) else {
            throw KMSError.validation("Unsupported wrapping algorithm or wrapping key spec.")
        }
        let result = try await service.getParametersForImport(r.keyId!, algorithm: algorithm, spec: spec, call: call)
        return KMS.GetParametersForImportResponse(
            keyId: result.key.arn, importToken: result.importToken, publicKey: result.publicKey,
            parametersValidTo: result.parametersValidTo
        )
    }
}
