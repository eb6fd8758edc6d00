import Foundation
import TrentAuth

/// Authorization as AWS KMS does it: the key policy, the caller's IAM identity policies and the
/// key's grants, with the request's condition keys. Every refusal is `AccessDeniedException`
/// (audited like every failed call).
extension KeyService {
    /// The action a call needs on its key: `kms:<Operation>`, ReEncrypt's two halves aside.
    static func action(of call: CallContext) -> String {
        call.eventName == "ReEncrypt" ? "kms:ReEncryptTo" : "kms:" + call.eventName
    }

    /// Actions without a key resource (CreateKey, ListKeys, …): IAM identity policies alone.
    public func authorizeWithoutKey(_ call: CallContext, action: String? = nil) throws {
        let identityPolicies = Self.parsed(call.identityPolicies)
        // Condition keys only matter to conditions: most calls are decided without building them.
        let context = identityPolicies.contains(where: \.hasConditions) ? baseContext(call) : [:]
        let request = AuthorizationRequest(principal: call.principal, action: action ?? Self.action(of: call), resource: "*", context: context)
        let decision = AccessDecision.decide(request, keyPolicy: nil, keyAccount: nil, identityPolicies: identityPolicies)
        guard decision == .allowed else { throw KMSError(.accessDenied, decision.message(request)) }
    }

    /// An action on a key: key policy, identity policies and grants (a grant counts when it names
    /// the caller as grantee, includes the operation and its constraints hold).
    func authorize(_ call: CallContext, key: Key, action: String? = nil, in reader: any KeyStoreReader) throws {
        let action = action ?? Self.action(of: call)
        let keyPolicy = (try? PolicyDocument.cachedParse(key.policy, requirePrincipal: true)) ?? PolicyDocument(statements: [])
        let identityPolicies = Self.parsed(call.identityPolicies)
        // Condition keys only matter to conditions: with none in the policies (the default key
        // policy has none) the decision is the same without them, and they are not built.
        var context: [String: [String]] = [:]
        if keyPolicy.hasConditions || identityPolicies.contains(where: \.hasConditions) {
            context = baseContext(call)
            context["kms:keyspec"] = [key.keySpec.rawValue]
            context["kms:keyusage"] = [key.keyUsage.rawValue]
            context["kms:keyorigin"] = [key.origin.rawValue]
            context["kms:multiregion"] = [key.isMultiRegion ? "true" : "false"]
            if key.isMultiRegion { context["kms:multiregionkeytype"] = [key.primaryRegion == key.region ? "PRIMARY" : "REPLICA"] }
            for tag in key.tags { context["aws:resourcetag/" + tag.key.lowercased()] = [tag.value] }
            let aliases = try reader.aliases(account: key.account, region: key.region, targetKeyID: key.storageID, after: nil, limit: 100)
            if !aliases.isEmpty { context["kms:resourcealiases"] = aliases.map(\.name) }
        }
        let request = AuthorizationRequest(principal: call.principal, action: action, resource: key.arn, context: context)
        var decision = AccessDecision.decide(request, keyPolicy: keyPolicy, keyAccount: key.account, identityPolicies: identityPolicies)
        if case .notAllowed = decision {
            // Only now do the grants count: they can allow what the policies do not deny.
            let operation = String(action.dropFirst("kms:".count))
            let grantAllows = try reader.grants(account: key.account, region: key.region, keyID: key.storageID, retiringPrincipal: nil, after: nil, limit: .max)
                .contains { grant in
                    (grant.granteePrincipal == call.principal.policyARN || grant.granteePrincipal == call.principal.arn)
                        && grant.operations.contains(operation)
                        && (grant.constraints?.allow(call.encryptionContext) ?? true)
                }
            if grantAllows {
                decision = AccessDecision.decide(request, keyPolicy: keyPolicy, keyAccount: key.account, identityPolicies: identityPolicies, grantAllows: true)
            }
        }
        guard decision == .allowed else { throw KMSError(.accessDenied, decision.message(request)) }
    }

    /// Refuses a key policy that would stop its author from changing it again (AWS's lockout
    /// safety check), unless `BypassPolicyLockoutSafetyCheck`.
    func checkLockout(_ policy: String, key: Key, call: CallContext, bypass: Bool) throws {
        guard !bypass, let document = try? PolicyDocument.cachedParse(policy, requirePrincipal: true) else { return }
        var future = call
        future.eventName = "PutKeyPolicy"
        let request = AuthorizationRequest(principal: call.principal, action: "kms:PutKeyPolicy", resource: key.arn, context: baseContext(future))
        let decision = AccessDecision.decide(request, keyPolicy: document, keyAccount: key.account, identityPolicies: Self.parsed(call.identityPolicies))
        guard decision == .allowed else {
            throw KMSError(.malformedPolicyDocument, "The new key policy will not allow you to update the key policy in the future.")
        }
    }

    /// Condition keys every request has: the caller, the time, the region, and the request's own.
    private func baseContext(_ call: CallContext) -> [String: [String]] {
        var context = call.conditions
        let principal = call.principal
        context["kms:calleraccount"] = [principal.account]
        context["aws:principalaccount"] = [principal.account]
        context["aws:principalarn"] = [principal.policyARN]
        context["aws:principaltype"] = [principal.kind == .root ? "Account" : principal.kind == .user ? "User" : "AssumedRole"]
        context["aws:userid"] = [principal.principalID]
        if principal.kind == .user, let name = principal.name { context["aws:username"] = [name] }
        context["aws:sourceip"] = [call.sourceIPAddress]
        context["aws:requestedregion"] = [call.region]
        context["aws:securetransport"] = [call.secureTransport ? "true" : "false"]
        context["aws:multifactorauthpresent"] = ["false"]
        context["aws:tokenissuetime"] = call.temporaryCredentials ? [AuditDates.iso8601(now())] : nil
        context["aws:currenttime"] = [AuditDates.iso8601(now())]
        context["aws:epochtime"] = [String(Int(now().timeIntervalSince1970))]
        return context
    }

    static func parsed(_ policies: [String]) -> [PolicyDocument] {
        policies.compactMap { try? PolicyDocument.cachedParse($0, requirePrincipal: false) }
    }
}
