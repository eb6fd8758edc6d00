import TrentCore
import TrentModel

extension Operation {
    static let deleteImportedKeyMaterial = Operation.make("DeleteImportedKeyMaterial", KMS.DeleteImportedKeyMaterialRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "keyMaterialId": AuditParameters.string(r.keyMaterialId)])
    }) { r, call, service in
        let result = try await service.deleteImportedKeyMaterial(r.keyId!, keyMaterialID: r.keyMaterialId, call: call)
        return KMS.DeleteImportedKeyMaterialResponse(keyId: result.key.arn, keyMaterialId: result.keyMaterialID)
    }
}
