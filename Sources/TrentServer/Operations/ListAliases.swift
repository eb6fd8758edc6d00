import TrentCore
import TrentModel

extension Operation {
    static let listAliases = Operation.make("ListAliases", KMS.ListAliasesRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "limit": AuditParameters.number(r.limit), "marker": AuditParameters.string(r.marker),
        ])
    }) { r, call, service in
        let page = try await service.listAliases(keyID: r.keyId, limit: r.limit, marker: r.marker, call: call)
        return KMS.ListAliasesResponse(
            aliases: page.aliases.map {
                KMS.AliasListEntry(aliasName: $0.name, aliasArn: $0.arn, targetKeyId: Key.keyID(fromStorageID: $0.targetKeyID), creationDate: $0.createdAt, lastUpdatedDate: $0.updatedAt)
            },
            nextMarker: page.nextMarker, truncated: page.nextMarker != nil
        )
    }
}
