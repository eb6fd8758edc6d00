import TrentCore
import TrentModel

extension Operation {
    static let putKeyPolicy = Operation.make("PutKeyPolicy", KMS.PutKeyPolicyRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "policyName": AuditParameters.string(r.policyName ?? "default"),
            "policy": AuditParameters.string(r.policy),
            "bypassPolicyLockoutSafetyCheck": AuditParameters.bool(r.bypassPolicyLockoutSafetyCheck),
        ])
    }) { r, call, service in
        try await service.putKeyPolicy(
            r.keyId!, policyName: r.policyName, policy: r.policy!, bypassLockoutCheck: r.bypassPolicyLockoutSafetyCheck ?? false, call: call
        )
        return EmptyResponse()
    }
}
