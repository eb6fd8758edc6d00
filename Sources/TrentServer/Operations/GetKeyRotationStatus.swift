import TrentCore
import TrentModel

extension Operation {
    static let getKeyRotationStatus = Operation.make("GetKeyRotationStatus", KMS.GetKeyRotationStatusRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        let key = try await service.keyRotationStatus(r.keyId!, call: call)
        return KMS.GetKeyRotationStatusResponse(
            keyRotationEnabled: key.rotationPeriodInDays != nil, keyId: key.arn,
            rotationPeriodInDays: key.rotationPeriodInDays, nextRotationDate: key.nextRotationDate
        )
    }
}
