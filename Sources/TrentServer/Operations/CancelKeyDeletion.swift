import TrentCore
import TrentModel

extension Operation {
    static let cancelKeyDeletion = Operation.make("CancelKeyDeletion", KMS.CancelKeyDeletionRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        let key = try await service.cancelKeyDeletion(r.keyId!, call: call)
        return KMS.CancelKeyDeletionResponse(keyId: key.arn)
    }
}
