public import Foundation

/// A request whose signature checked out (or was accepted in development mode).
public struct Authenticated: Sendable {
    public let principal: Principal
    public let accessKeyID: String?
    /// The region of the credential scope, if the request had one.
    public let region: String?
    /// The IAM identity policies of the caller (JSON text).
    public let identityPolicies: [String]
    /// The caller used temporary credentials (a session token).
    public let temporary: Bool
}

/// Decides who made a request: SigV4 against the credentials file, or, with
/// `--dev-accept-any-credentials`, whatever the signature claims without checking it.
public struct Authenticator: Sendable {
    public enum Mode: Sendable {
        case verify
        /// Signatures are parsed for region and access key, never checked. Unknown keys act as
        /// the root of `defaultAccount`.
        case acceptAnyCredentials(defaultAccount: String)
    }

    public let mode: Mode
    public let store: CredentialStore

    public init(mode: Mode, store: CredentialStore) {
        self.mode = mode
        self.store = store
    }

    /// `service` is the signing name the request must be scoped to (`kms`, or `cloudtrail` for LookupEvents).
    public func authenticate(_ request: SignableRequest, service: String, now: Date) throws(AuthError) -> Authenticated {
        switch mode {
        case .acceptAnyCredentials(let account):
            let scope = SigV4Verifier.credentialScope(of: request)
            let known = scope.accessKeyID.flatMap { store.accessKey($0) }
            return Authenticated(
                principal: known?.principal ?? .root(account), accessKeyID: scope.accessKeyID, region: scope.region,
                identityPolicies: known?.identityPolicies ?? [], temporary: known?.key.sessionToken != nil
            )
        case .verify:
            guard let claim = try SigV4Verifier.claim(of: request) else { throw .missing }
            guard let known = store.accessKey(claim.accessKeyID) else { throw .unrecognizedClient }
            if let token = known.key.sessionToken {
                guard let presented = claim.securityToken, SigV4.constantTimeEquals(presented, token) else { throw .unrecognizedClient }
                if let expiration = known.key.expiration, expiration <= now { throw .expiredToken }
            } else if claim.securityToken != nil {
                throw .unrecognizedClient
            }
            try SigV4Verifier.verify(request, claim: claim, secret: known.key.secretAccessKey, now: now, service: service)
            return Authenticated(
                principal: known.principal, accessKeyID: claim.accessKeyID, region: claim.region,
                identityPolicies: known.identityPolicies, temporary: known.key.sessionToken != nil
            )
        }
    }
}
