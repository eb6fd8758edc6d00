import TrentCore
import TrentModel

extension Operation {
    static let listKeyRotations = Operation.make("ListKeyRotations", KMS.ListKeyRotationsRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "includeKeyMaterial": AuditParameters.string(r.includeKeyMaterial),
            "limit": AuditParameters.number(r.limit), "marker": AuditParameters.string(r.marker),
        ])
    }) { r, call, service in
        let page = try await service.listKeyRotations(
            r.keyId!, includeAllMaterial: r.includeKeyMaterial == "ALL_KEY_MATERIAL", limit: r.limit, marker: r.marker, call: call
        )
        return KMS.ListKeyRotationsResponse(
            rotations: page.entries.map { entry in
                let m = entry.material
                let imported = m.origin == .imported
                return KMS.RotationsListEntry(
                    keyId: Key.keyID(fromStorageID: m.keyID), keyMaterialId: m.id,
                    keyMaterialDescription: m.materialDescription,
                    importState: imported ? (m.isPresent ? "IMPORTED" : "PENDING_IMPORT") : nil,
                    keyMaterialState: entry.state.rawValue,
                    expirationModel: imported ? m.expirationModel?.rawValue : nil,
                    validTo: imported && m.expirationModel == .keyMaterialExpires ? m.validTo : nil,
                    rotationDate: m.rotationType != nil ? (m.rotatedAt ?? m.createdAt) : nil, rotationType: m.rotationType?.rawValue
                )
            },
            nextMarker: page.nextMarker, truncated: page.nextMarker != nil
        )
    }
}
