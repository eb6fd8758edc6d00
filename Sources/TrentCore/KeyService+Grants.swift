public import Foundation
import Crypto
import TrentCrypto

/// CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.
///
/// A grant token is `base64url(0x01 | grant id (32) | HMAC-SHA256(grant id) (32))` under a key
/// derived from the root key: it works at once, needs no storage, and cannot be forged.
/// (Grants authorize callers once authentication arrives; until then they are stored and listed.)
extension KeyService {
    var grantTokenKey: SymmetricKey { rootKey.derivedKey(purpose: "trent/grant-token/v1") }

    func grantToken(for grantID: String) -> String {
        let id = KeyMaterialID.bytes(fromHex: grantID) ?? []
        let mac = HMAC<SHA256>.authenticationCode(for: id, using: grantTokenKey)
        return Data([1] + id + Array(mac)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The grant id a token names, after checking its MAC in constant time.
    func grantID(fromToken token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), data.count == 65, data.first == 1 else { return nil }
        let id = data[1..<33], mac = data[33...]
        // Tokens made before a root key rotation finished still check against the older version.
        let keys = rootKey.derivedKeys(purpose: "trent/grant-token/v1")
        guard keys.contains(where: { HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: id, using: $0) }) else { return nil }
        return KeyMaterialID.hex(Array(id))
    }

    static func isWellFormedGrantID(_ id: String) -> Bool {
        id.count == 64 && KeyMaterialID.bytes(fromHex: id) != nil
    }

    public struct CreateGrantInput: Sendable {
        public var keyID: String
        public var granteePrincipal: String
        public var retiringPrincipal: String?
        public var operations: [String]
        public var constraints: Grant.Constraints?
        public var name: String?
        public var dryRun: Bool

        public init(keyID: String, granteePrincipal: String, retiringPrincipal: String?, operations: [String],
                    constraints: Grant.Constraints?, name: String?, dryRun: Bool) {
            self.keyID = keyID
            self.granteePrincipal = granteePrincipal
            self.retiringPrincipal = retiringPrincipal
            self.operations = operations
            self.constraints = constraints
            self.name = name
            self.dryRun = dryRun
        }
    }

    public func createGrant(_ input: CreateGrantInput, call: CallContext) async throws -> (grantID: String, token: String) {
        let now = now()
        guard !input.operations.isEmpty else { throw KMSError.validation("Operations must contain at least one grant operation.") }
        if let c = input.constraints, c.encryptionContextEquals != nil, c.encryptionContextSubset != nil {
            throw KMSError.validation("Specify either EncryptionContextEquals or EncryptionContextSubset, not both.")
        }
        let grantID = try await store.write { [self] tx -> String in
            let key = try resolve(input.keyID, form: .keyOnly, call: call, in: tx)
            if key.state.isBeingDeleted { throw KMSError.invalidState(arn: key.arn, state: key.state) }
            let allowed = Grant.allowedOperations(for: key)
            let invalid = input.operations.filter { !allowed.contains($0) }
            guard invalid.isEmpty else {
                throw KMSError.validation("Grant operations \(invalid.joined(separator: ", ")) are not valid for \(key.arn), whose key usage is \(key.keyUsage.rawValue).")
            }
            if input.constraints != nil, key.keySpec != .symmetricDefault {
                throw KMSError.validation("Encryption context grant constraints are valid only for symmetric encryption KMS keys.")
            }
            if input.dryRun { throw Self.dryRunError }
            // A retried CreateGrant with the same name and parameters returns the same grant.
            if let name = input.name,
               let existing = try tx.grants(account: key.account, region: key.region, keyID: key.storageID, retiringPrincipal: nil, after: nil, limit: .max)
                .first(where: { $0.name == name && $0.granteePrincipal == input.granteePrincipal
                    && $0.retiringPrincipal == input.retiringPrincipal && $0.operations == input.operations
                    && $0.constraints == input.constraints })
            {
                try tx.append(event(call, at: now, key: key, response: .object(["grantId": .string(existing.id)])))
                return existing.id
            }
            let id = KeyMaterialID.hex(Self.randomBytes(32))
            try tx.insert(Grant(
                id: id, keyID: key.storageID, account: key.account, region: key.region, name: input.name,
                granteePrincipal: input.granteePrincipal, retiringPrincipal: input.retiringPrincipal,
                operations: input.operations, constraints: input.constraints, createdAt: now
            ))
            try tx.append(event(call, at: now, key: key, response: .object(["grantId": .string(id)])))
            return id
        }
        return (grantID, grantToken(for: grantID))
    }

    public struct GrantPage: Sendable {
        public let grants: [Grant]
        public let nextMarker: String?
    }

    public func listGrants(_ keyID: String, grantID: String?, granteePrincipal: String?, limit: Int?, marker: String?, call: CallContext) async throws -> GrantPage {
        let now = now()
        let limit = limit ?? 50
        if let marker, !Self.isWellFormedGrantID(marker) { throw KMSError(.invalidMarker, "Invalid marker") }
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            if let grantID, !Self.isWellFormedGrantID(grantID) { throw KMSError(.invalidGrantID, "Invalid grant ID \(grantID)") }
            var grants = try tx.grants(account: key.account, region: key.region, keyID: key.storageID, retiringPrincipal: nil, after: marker, limit: .max)
            if let grantID { grants = grants.filter { $0.id == grantID } }
            if let granteePrincipal { grants = grants.filter { $0.granteePrincipal == granteePrincipal } }
            let page = Array(grants.prefix(limit))
            return (GrantPage(grants: page, nextMarker: grants.count > limit ? page.last?.id : nil), event(call, at: now, key: key))
        }
    }

    public func listRetirableGrants(_ retiringPrincipal: String, limit: Int?, marker: String?, call: CallContext) async throws -> GrantPage {
        try authorizeWithoutKey(call)  // no key resource: IAM identity policies decide
        let now = now()
        let limit = limit ?? 50
        if let marker, !Self.isWellFormedGrantID(marker) { throw KMSError(.invalidMarker, "Invalid marker") }
        return try await readOnly { [self] tx in
            let grants = try tx.grants(account: call.account, region: call.region, keyID: nil, retiringPrincipal: retiringPrincipal, after: marker, limit: limit + 1)
            let page = Array(grants.prefix(limit))
            return (GrantPage(grants: page, nextMarker: grants.count > limit ? page.last?.id : nil), event(call, at: now, key: nil))
        }
    }

    /// RetireGrant by token, or by key and grant id.
    public func retireGrant(token: String?, keyID: String?, grantID: String?, dryRun: Bool, call: CallContext) async throws {
        try await removeGrant(token: token, keyID: keyID, grantID: grantID, dryRun: dryRun, call: call)
    }

    public func revokeGrant(_ keyID: String, grantID: String, dryRun: Bool, call: CallContext) async throws {
        try await removeGrant(token: nil, keyID: keyID, grantID: grantID, dryRun: dryRun, call: call)
    }

    private func removeGrant(token: String?, keyID: String?, grantID: String?, dryRun: Bool, call: CallContext) async throws {
        let now = now()
        let targetID: String
        if let token {
            guard let id = self.grantID(fromToken: token) else { throw KMSError(.invalidGrantToken, "The grant token is not valid.") }
            targetID = id
        } else if let grantID, keyID != nil {
            guard Self.isWellFormedGrantID(grantID) else { throw KMSError(.invalidGrantID, "Invalid grant ID \(grantID)") }
            targetID = grantID
        } else {
            throw KMSError.validation("Specify either GrantToken, or both KeyId and GrantId.")
        }
        try await store.write { [self] tx in
            var key: Key?
            if let keyID { key = try resolve(keyID, form: .keyOnly, call: call, authorizing: false, in: tx) }
            guard let grant = try tx.grant(id: targetID), grant.account == call.account, grant.region == call.region,
                  key == nil || grant.keyID == key?.storageID
            else {
                throw KMSError.notFound("Grant ID \(targetID) not found")
            }
            // RetireGrant: the retiring principal, or the grantee when the grant includes
            // RetireGrant, may retire it; otherwise (and for RevokeGrant) the key's policies decide.
            let caller = [call.principal.arn, call.principal.policyARN]
            let mayRetire = call.eventName == "RetireGrant"
                && (grant.retiringPrincipal.map(caller.contains) == true
                    || (caller.contains(grant.granteePrincipal) && grant.operations.contains("RetireGrant")))
            if !mayRetire, let target = try key ?? tx.key(id: grant.keyID) { try authorize(call, key: target, in: tx) }
            if dryRun { throw Self.dryRunError }
            try tx.deleteGrant(id: grant.id)
            try tx.append(event(call, at: now, key: try key ?? tx.key(id: grant.keyID)))
        }
    }
}
