import TrentCore
import TrentModel

extension Operation {
    static let listRetirableGrants = Operation.make("ListRetirableGrants", KMS.ListRetirableGrantsRequest.self, audit: { r in
        AuditParameters.object([
            "retiringPrincipal": AuditParameters.string(r.retiringPrincipal), "limit": AuditParameters.number(r.limit),
            "marker": AuditParameters.string(r.marker),
        ])
    }) { r, call, service in
        let page = try await service.listRetirableGrants(r.retiringPrincipal!, limit: r.limit, marker: r.marker, call: call)
        return KMS.ListGrantsResponse(grants: page.grants.map(KMS.GrantListEntry.init), nextMarker: page.nextMarker, truncated: page.nextMarker != nil)
    }
}
