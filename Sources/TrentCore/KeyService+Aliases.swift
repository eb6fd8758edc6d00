import Foundation
import TrentModel

extension KeyService {
    /// AWS's rules for alias names beyond the model's pattern.
    public static func checkAliasName(_ name: String) throws {
        guard name.hasPrefix("alias/") else {
            throw KMSError.validation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
        }
        guard name.count > "alias/".count else {
            throw KMSError(.invalidAliasName, "Alias name must not be empty after the prefix \"alias/\".")
        }
        if name.hasPrefix("alias/aws/") {
            throw KMSError(.invalidAliasName, "Alias \(name) cannot begin with alias/aws/, which is reserved for AWS managed keys.")
        }
    }

    public func createAlias(_ name: String, targetKeyID: String, call: CallContext) async throws {
        try Self.checkAliasName(name)
        let now = now()
        try await store.write { [self] tx in
            let key = try resolve(targetKeyID, form: .keyOnly, call: call, in: tx)
            if key.state.isBeingDeleted { throw KMSError.invalidState(arn: key.arn, state: key.state) }
            if try tx.alias(account: call.account, region: call.region, name: name) != nil {
                throw KMSError(.alreadyExists, "An alias with the name \(ARN.alias(region: call.region, account: call.account, aliasName: name)) already exists")
            }
            try tx.insert(Alias(account: call.account, region: call.region, name: name, targetKeyID: key.storageID, createdAt: now, updatedAt: now))
            try tx.append(event(call, at: now, key: key))
        }
    }

    public func updateAlias(_ name: String, targetKeyID: String, call: CallContext) async throws {
        try Self.checkAliasName(name)
        let now = now()
        try await store.write { [self] tx in
            guard var alias = try tx.alias(account: call.account, region: call.region, name: name) else {
                throw KMSError.notFound("Alias \(ARN.alias(region: call.region, account: call.account, aliasName: name)) is not found.")
            }
            let key = try resolve(targetKeyID, form: .keyOnly, call: call, in: tx)
            if key.state.isBeingDeleted { throw KMSError.invalidState(arn: key.arn, state: key.state) }
            if let current = try tx.key(id: alias.targetKeyID), current.keyUsage != key.keyUsage || current.keySpec != key.keySpec {
                throw KMSError.validation("Alias \(name) cannot be moved to a key of a different key spec or key usage.")
            }
            alias.targetKeyID = key.storageID
            alias.updatedAt = now
            try tx.update(alias)
            try tx.append(event(call, at: now, key: key))
        }
    }

    public func deleteAlias(_ name: String, call: CallContext) async throws {
        try Self.checkAliasName(name)
        let now = now()
        try await store.write { [self] tx in
            guard let alias = try tx.alias(account: call.account, region: call.region, name: name) else {
                throw KMSError.notFound("Alias \(ARN.alias(region: call.region, account: call.account, aliasName: name)) is not found.")
            }
            let target = try tx.key(id: alias.targetKeyID)
            if let target { try authorize(call, key: target, in: tx) }
            try tx.deleteAlias(account: call.account, region: call.region, name: name)
            try tx.append(event(call, at: now, key: target))
        }
    }

    public struct AliasPage: Sendable {
        public let aliases: [Alias]
        public let nextMarker: String?
    }

    public func listAliases(keyID: String?, limit: Int?, marker: String?, call: CallContext) async throws -> AliasPage {
        try authorizeWithoutKey(call)  // no key resource: IAM identity policies decide
        let now = now()
        let limit = limit ?? 100
        if let marker, !marker.hasPrefix("alias/") {
            throw KMSError(.invalidMarker, "Invalid marker")
        }
        return try await readOnly { [self] tx in
            var targetKeyID: String?
            if let keyID {
                // ListAliases is authorized by IAM alone (see KMSRequestHandler).
                targetKeyID = try resolve(keyID, form: .keyOnly, call: call, authorizing: false, in: tx).storageID
            }
            let aliases = try tx.aliases(account: call.account, region: call.region, targetKeyID: targetKeyID, after: marker, limit: limit + 1)
            let page = Array(aliases.prefix(limit))
            return (AliasPage(aliases: page, nextMarker: aliases.count > limit ? page.last?.name : nil), event(call, at: now, key: nil))
        }
    }
}
