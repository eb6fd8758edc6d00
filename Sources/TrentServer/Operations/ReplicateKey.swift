import TrentCore
import TrentModel

extension Operation {
    static let replicateKey = Operation.make("ReplicateKey", KMS.ReplicateKeyRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "replicaRegion": AuditParameters.string(r.replicaRegion),
            "description": AuditParameters.string(r.description),
            "bypassPolicyLockoutSafetyCheck": AuditParameters.bool(r.bypassPolicyLockoutSafetyCheck),
        ])
    }) { r, call, service in
        let tags = (r.tags ?? []).map { Tag(key: $0.tagKey ?? "", value: $0.tagValue ?? "") }
        let result = try await service.replicateKey(
            r.keyId!, replicaRegion: r.replicaRegion!, description: r.description, policy: r.policy, tags: tags, call: call
        )
        let replica = result.replica.key
        return KMS.ReplicateKeyResponse(
            replicaKeyMetadata: KMS.KeyMetadata(result.replica), replicaPolicy: replica.policy,
            replicaTags: replica.tags.map { KMS.Tag(tagKey: $0.key, tagValue: $0.value) }
        )
    }
}
