import TrentCore
import TrentModel

extension Operation {
    static let enableKey = Operation.make("EnableKey", KMS.EnableKeyRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        try await service.enableKey(r.keyId!, call: call)
        return EmptyResponse()
    }
}
