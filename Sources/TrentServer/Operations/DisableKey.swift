import TrentCore
import TrentModel

extension Operation {
    static let disableKey = Operation.make("DisableKey", KMS.DisableKeyRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        try await service.disableKey(r.keyId!, call: call)
        return EmptyResponse()
    }
}
