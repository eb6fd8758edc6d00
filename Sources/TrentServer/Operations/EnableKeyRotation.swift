import TrentCore
import TrentModel

extension Operation {
    static let enableKeyRotation = Operation.make("EnableKeyRotation", KMS.EnableKeyRotationRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "rotationPeriodInDays": AuditParameters.number(r.rotationPeriodInDays)])
    }) { r, call, service in
        try await service.enableKeyRotation(r.keyId!, periodInDays: r.rotationPeriodInDays, call: call)
        return EmptyResponse()
    }
}
