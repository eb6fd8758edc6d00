import TrentCore
import TrentModel

extension Operation {
    static let disableKeyRotation = Operation.make("DisableKeyRotation", KMS.DisableKeyRotationRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        try await service.disableKeyRotation(r.keyId!, call: call)
        return EmptyResponse()
    }
}
