import TrentCore
import TrentModel

extension Operation {
    /// Records what CloudTrail records: never the wrapped material or the token.
    static let importKeyMaterial = Operation.make("ImportKeyMaterial", KMS.ImportKeyMaterialRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "validTo": AuditParameters.date(r.validTo),
            "expirationModel": AuditParameters.string(r.expirationModel), "importType": AuditParameters.string(r.importType),
            "keyMaterialId": AuditParameters.string(r.keyMaterialId),
            "keyMaterialDescription": AuditParameters.string(r.keyMaterialDescription),
        ])
    }) { r, call, service in
        let result = try await service.importKeyMaterial(
            ImportKeyMaterialInput(
                keyID: r.keyId!, importToken: r.importToken!, encryptedKeyMaterial: r.encryptedKeyMaterial!,
                expirationModel: r.expirationModel.flatMap(ExpirationModel.init(rawValue:)), validTo: r.validTo,
                importType: r.importType.flatMap(ImportKeyMaterialInput.ImportType.init(rawValue:)),
                keyMaterialID: r.keyMaterialId, keyMaterialDescription: r.keyMaterialDescription
            ),
            call: call
        )
        return KMS.ImportKeyMaterialResponse(keyId: result.key.arn, keyMaterialId: result.keyMaterialID)
    }
}
