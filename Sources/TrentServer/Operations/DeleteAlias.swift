import TrentCore
import TrentModel

extension Operation {
    static let deleteAlias = Operation.make("DeleteAlias", KMS.DeleteAliasRequest.self, audit: { r in
        AuditParameters.object(["aliasName": AuditParameters.string(r.aliasName)])
    }) { r, call, service in
        try await service.deleteAlias(r.aliasName!, call: call)
        return EmptyResponse()
    }
}
