import TrentCore
import TrentModel

extension Operation {
    static let listKeyPolicies = Operation.make("ListKeyPolicies", KMS.ListKeyPoliciesRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        KMS.ListKeyPoliciesResponse(policyNames: try await service.listKeyPolicies(r.keyId!, call: call), truncated: false)
    }
}
