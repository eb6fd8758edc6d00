import Foundation
import TrentAuth

/// Description, tags and key policy: the parts of a key that are not cryptographic.
extension KeyService {
    /// AWS's limit of tags per key.
    public static let maximumTags = 50

    /// Checks tags the way AWS does: reserved `aws:` prefix, unique keys.
    public static func checkTags(_ tags: [Tag]) throws {
        var seen = Set<String>()
        for tag in tags {
            if tag.key.hasPrefix("aws:") { throw KMSError(.tag, "Tags beginning with aws: are reserved.") }
            if !seen.insert(tag.key).inserted { throw KMSError(.tag, "Duplicate tag keys") }
        }
        if tags.count > maximumTags { throw KMSError(.limitExceeded, "A KMS key can have at most \(maximumTags) tags.") }
    }

    /// Checks a key policy document: a JSON object with a `Statement`.
    public static func checkPolicy(_ policy: String) throws {
        do { _ = try PolicyDocument.parse(policy, requirePrincipal: true) } catch {
            throw KMSError(.malformedPolicyDocument, error.message)
        }
    }

    /// Resolves a key (id or ARN), refuses keys pending deletion, applies `change`, saves and audits.
    private func modifyKey(_ keyID: String, call: CallContext, _ change: @escaping @Sendable (inout Key) throws -> Void) async throws -> Key {
        let now = now()
        return try await store.write { [self] tx in
            var key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            if key.state.isBeingDeleted { throw KMSError.invalidState(arn: key.arn, state: key.state) }
            try change(&key)
            try tx.update(key)
            try tx.append(event(call, at: now, key: key))
            return key
        }
    }

    public func updateKeyDescription(_ keyID: String, description: String, call: CallContext) async throws {
        _ = try await modifyKey(keyID, call: call) { $0.description = description }
    }

    public func tagResource(_ keyID: String, tags: [Tag], call: CallContext) async throws {
        try Self.checkTags(tags)
        _ = try await modifyKey(keyID, call: call) { key in
            for tag in tags {
                if let index = key.tags.firstIndex(where: { $0.key == tag.key }) {
                    key.tags[index].value = tag.value
                } else {
                    key.tags.append(tag)
                }
            }
            try Self.checkTags(key.tags)
        }
    }

    public func untagResource(_ keyID: String, tagKeys: [String], call: CallContext) async throws {
        _ = try await modifyKey(keyID, call: call) { key in
            key.tags.removeAll { tagKeys.contains($0.key) }
        }
    }

    public struct TagPage: Sendable {
        public let tags: [Tag]
        public let nextMarker: String?
    }

    /// Tags sorted by key; the marker is the last key of the previous page.
    public func listResourceTags(_ keyID: String, limit: Int?, marker: String?, call: CallContext) async throws -> TagPage {
        let now = now()
        let limit = limit ?? 50
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            let sorted = key.tags.sorted { $0.key < $1.key }
            if let marker, !sorted.contains(where: { $0.key == marker }) {
                throw KMSError(.invalidMarker, "Invalid marker")
            }
            let rest = marker.map { m in sorted.filter { $0.key > m } } ?? sorted
            let page = Array(rest.prefix(limit))
            return (TagPage(tags: page, nextMarker: rest.count > limit ? page.last?.key : nil), event(call, at: now, key: key))
        }
    }

    /// Only the policy named "default" exists, as on AWS.
    static func checkPolicyName(_ name: String?) throws {
        if let name, name != "default" {
            throw KMSError.notFound("No such policy exists: \(name). The only policy name is \"default\".")
        }
    }

    public func getKeyPolicy(_ keyID: String, policyName: String?, call: CallContext) async throws -> String {
        try Self.checkPolicyName(policyName)
        let now = now()
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            return (key.policy, event(call, at: now, key: key))
        }
    }

    public func putKeyPolicy(_ keyID: String, policyName: String?, policy: String, bypassLockoutCheck: Bool = false, call: CallContext) async throws {
        try Self.checkPolicyName(policyName)
        try Self.checkPolicy(policy)
        _ = try await modifyKey(keyID, call: call) { [self] key in
            try checkLockout(policy, key: key, call: call, bypass: bypassLockoutCheck)
            key.policy = policy
        }
    }

    public func listKeyPolicies(_ keyID: String, call: CallContext) async throws -> [String] {
        let now = now()
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            return (["default"], event(call, at: now, key: key))
        }
    }
}

extension KeyService {
    /// The operations GetKeyLastUsage reports: cryptographic uses of a key.
    public static let cryptographicOperations = [
        "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    ]

    /// The key's last successful cryptographic use, read from the audit log (which starts with
    /// the key, so tracking starts at its creation).
    public func keyLastUsage(_ keyID: String, call: CallContext) async throws -> (key: Key, last: AuditEvent?) {
        let now = now()
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            let last = try tx.latestSuccessfulEvent(keyID: key.id, region: key.region, eventNames: Self.cryptographicOperations)
            return ((key, last), event(call, at: now, key: key))
        }
    }
}
