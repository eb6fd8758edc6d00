import TrentCore
import TrentModel

extension Operation {
    static let revokeGrant = Operation.make("RevokeGrant", KMS.RevokeGrantRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "grantId": AuditParameters.string(r.grantId)])
    }) { r, call, service in
        try await service.revokeGrant(r.keyId!, grantID: r.grantId!, dryRun: r.dryRun ?? false, call: call)
        return EmptyResponse()
    }
}
