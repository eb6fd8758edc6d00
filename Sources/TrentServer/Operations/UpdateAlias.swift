import TrentCore
import TrentModel

extension Operation {
    static let updateAlias = Operation.make("UpdateAlias", KMS.UpdateAliasRequest.self, audit: { r in
        AuditParameters.object(["aliasName": AuditParameters.string(r.aliasName), "targetKeyId": AuditParameters.string(r.targetKeyId)])
    }) { r, call, service in
        try await service.updateAlias(r.aliasName!, targetKeyID: r.targetKeyId!, call: call)
        return EmptyResponse()
    }
}
