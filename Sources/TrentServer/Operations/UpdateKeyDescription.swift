import TrentCore
import TrentModel

extension Operation {
    static let updateKeyDescription = Operation.make("UpdateKeyDescription", KMS.UpdateKeyDescriptionRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "description": AuditParameters.string(r.description)])
    }) { r, call, service in
        try await service.updateKeyDescription(r.keyId!, description: r.description!, call: call)
        return EmptyResponse()
    }
}
