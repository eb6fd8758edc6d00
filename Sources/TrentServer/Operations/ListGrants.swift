import TrentCore
import TrentModel

extension Operation {
    static let listGrants = Operation.make("ListGrants", KMS.ListGrantsRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "grantId": AuditParameters.string(r.grantId),
            "granteePrincipal": AuditParameters.string(r.granteePrincipal), "limit": AuditParameters.number(r.limit),
            "marker": AuditParameters.string(r.marker),
        ])
    }) { r, call, service in
        let page = try await service.listGrants(
            r.keyId!, grantID: r.grantId, granteePrincipal: r.granteePrincipal, limit: r.limit, marker: r.marker, call: call
        )
        return KMS.ListGrantsResponse(grants: page.grants.map(KMS.GrantListEntry.init), nextMarker: page.nextMarker, truncated: page.nextMarker != nil)
    }
}
