import TrentCore
import TrentModel

extension Operation {
    static let updatePrimaryRegion = Operation.make("UpdatePrimaryRegion", KMS.UpdatePrimaryRegionRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "primaryRegion": AuditParameters.string(r.primaryRegion)])
    }) { r, call, service in
        try await service.updatePrimaryRegion(r.keyId!, primaryRegion: r.primaryRegion!, call: call)
        return EmptyResponse()
    }
}
