import TrentCore
import TrentModel

extension Operation {
    static let tagResource = Operation.make("TagResource", KMS.TagResourceRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId),
            "tags": r.tags.map { .array($0.map { AuditParameters.object(["tagKey": AuditParameters.string($0.tagKey), "tagValue": AuditParameters.string($0.tagValue)]) }) },
        ])
    }) { r, call, service in
        try await service.tagResource(r.keyId!, tags: r.tags!.map { Tag(key: $0.tagKey ?? "", value: $0.tagValue ?? "") }, call: call)
        return EmptyResponse()
    }
}
