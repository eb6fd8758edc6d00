import TrentCore
import TrentModel

extension Operation {
    static let rotateKeyOnDemand = Operation.make("RotateKeyOnDemand", KMS.RotateKeyOnDemandRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        KMS.RotateKeyOnDemandResponse(keyId: try await service.rotateKeyOnDemand(r.keyId!, call: call).arn)
    }
}
