import TrentCore
import TrentModel

extension Operation {
    static let listResourceTags = Operation.make("ListResourceTags", KMS.ListResourceTagsRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "limit": AuditParameters.number(r.limit), "marker": AuditParameters.string(r.marker),
        ])
    }) { r, call, service in
        let page = try await service.listResourceTags(r.keyId!, limit: r.limit, marker: r.marker, call: call)
        return KMS.ListResourceTagsResponse(
            tags: page.tags.map { KMS.Tag(tagKey: $0.key, tagValue: $0.value) }, nextMarker: page.nextMarker,
            truncated: page.nextMarker != nil
        )
    }
}
