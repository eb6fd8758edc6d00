import TrentCore
import TrentModel

extension Operation {
    static let getKeyPolicy = Operation.make("GetKeyPolicy", KMS.GetKeyPolicyRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "policyName": AuditParameters.string(r.policyName ?? "default")])
    }) { r, call, service in
        let policy = try await service.getKeyPolicy(r.keyId!, policyName: r.policyName, call: call)
        return KMS.GetKeyPolicyResponse(policy: policy, policyName: "default")
    }
}
