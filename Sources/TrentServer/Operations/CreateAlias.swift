import TrentCore
import TrentModel

extension Operation {
    static let createAlias = Operation.make("CreateAlias", KMS.CreateAliasRequest.self, audit: { r in
        AuditParameters.object(["aliasName": AuditParameters.string(r.aliasName), "targetKeyId": AuditParameters.string(r.targetKeyId)])
    }) { r, call, service in
        try await service.createAlias(r.aliasName!, targetKeyID: r.targetKeyId!, call: call)
        return EmptyResponse()
    }
}
