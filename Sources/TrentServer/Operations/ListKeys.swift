import TrentCore
import TrentModel

extension Operation {
    static let listKeys = Operation.make("ListKeys", KMS.ListKeysRequest.self, audit: { r in
        AuditParameters.object(["limit": AuditParameters.number(r.limit), "marker": AuditParameters.string(r.marker)])
    }) { r, call, service in
        let page = try await service.listKeys(limit: r.limit, marker: r.marker, call: call)
        return KMS.ListKeysResponse(
            keys: page.keys.map { KMS.KeyListEntry(keyId: $0.id, keyArn: $0.arn) },
            nextMarker: page.nextMarker, truncated: page.nextMarker != nil
        )
    }
}
