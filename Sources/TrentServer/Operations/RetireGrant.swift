import TrentCore
import TrentModel

extension Operation {
    /// Records key and grant id; never the grant token.
    static let retireGrant = Operation.make("RetireGrant", KMS.RetireGrantRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "grantId": AuditParameters.string(r.grantId)])
    }) { r, call, service in
        try await service.retireGrant(token: r.grantToken, keyID: r.keyId, grantID: r.grantId, dryRun: r.dryRun ?? false, call: call)
        return EmptyResponse()
    }
}
