import TrentCore
import TrentModel

extension Operation {
    static let untagResource = Operation.make("UntagResource", KMS.UntagResourceRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "tagKeys": r.tagKeys.map { .array($0.map(JSONValue.string)) }])
    }) { r, call, service in
        try await service.untagResource(r.keyId!, tagKeys: r.tagKeys!, call: call)
        return EmptyResponse()
    }
}
