import TrentCore
import TrentModel

extension Operation {
    static func constraintsAudit(_ c: KMS.GrantConstraints?) -> JSONValue? {
        c.map { AuditParameters.object([
            "encryptionContextSubset": AuditParameters.context($0.encryptionContextSubset),
            "encryptionContextEquals": AuditParameters.context($0.encryptionContextEquals),
        ]) }
    }

    /// Records the grant's parameters; the grant token is never recorded.
    static let createGrant = Operation.make("CreateGrant", KMS.CreateGrantRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "granteePrincipal": AuditParameters.string(r.granteePrincipal),
            "retiringPrincipal": AuditParameters.string(r.retiringPrincipal), "name": AuditParameters.string(r.name),
            "operations": r.operations.map { .array($0.map(JSONValue.string)) }, "constraints": constraintsAudit(r.constraints),
        ])
    }) { r, call, service in
        let constraints = r.constraints.map {
            Grant.Constraints(encryptionContextSubset: $0.encryptionContextSubset, encryptionContextEquals: $0.encryptionContextEquals)
        }
        let created = try await service.createGrant(
            KeyService.CreateGrantInput(
                keyID: r.keyId!, granteePrincipal: r.granteePrincipal!, retiringPrincipal: r.retiringPrincipal,
                operations: r.operations!, constraints: constraints, name: r.name, dryRun: r.dryRun ?? false
            ),
            call: call
        )
        return KMS.CreateGrantResponse(grantToken: created.token, grantId: created.grantID)
    }
}

extension KMS.GrantListEntry {
    init(_ g: Grant) {
        self.init(
            keyId: ARN.key(region: g.region, account: g.account, keyID: Key.keyID(fromStorageID: g.keyID)), grantId: g.id, name: g.name,
            creationDate: g.createdAt, granteePrincipal: g.granteePrincipal, retiringPrincipal: g.retiringPrincipal,
            issuingAccount: "arn:aws:iam::\(g.account):root", operations: g.operations,
            constraints: g.constraints.map {
                KMS.GrantConstraints(encryptionContextSubset: $0.encryptionContextSubset, encryptionContextEquals: $0.encryptionContextEquals)
            }
        )
    }
}
