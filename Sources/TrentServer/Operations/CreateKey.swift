import TrentCore
import TrentModel

extension Operation {
    static let createKey = Operation.make("CreateKey", KMS.CreateKeyRequest.self, audit: { r in
        AuditParameters.object([
            "description": AuditParameters.string(r.description), "keyUsage": AuditParameters.string(r.keyUsage),
            "keySpec": AuditParameters.string(r.keySpec), "customerMasterKeySpec": AuditParameters.string(r.customerMasterKeySpec),
            "origin": AuditParameters.string(r.origin), "multiRegion": AuditParameters.bool(r.multiRegion),
            "bypassPolicyLockoutSafetyCheck": AuditParameters.bool(r.bypassPolicyLockoutSafetyCheck),
            "tags": r.tags.map { .array($0.map { AuditParameters.object(["tagKey": AuditParameters.string($0.tagKey), "tagValue": AuditParameters.string($0.tagValue)]) }) },
        ])
    }) { r, call, service in
        if r.keySpec != nil, r.customerMasterKeySpec != nil {
            throw KMSError.validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
        }
        let specName = r.keySpec ?? r.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT"
        if specName == "SM2" {
            throw KMSError.unsupported("KeySpec SM2 is available only in AWS China Regions.")
        }
        guard let spec = KeySpec(rawValue: specName) else {
            throw KMSError.unsupported("KeySpec \(specName) is not supported by Trent yet; see the README for the key specs it supports.")
        }
        guard let usageName = r.keyUsage ?? (spec == .symmetricDefault ? "ENCRYPT_DECRYPT" : nil) else {
            throw KMSError.validation("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
        }
        guard let usage = KeyUsage(rawValue: usageName) else {
            throw KMSError.validation("KeyUsage \(usageName) is not compatible with KeySpec \(spec.rawValue).")
        }
        let originName = r.origin ?? "AWS_KMS"
        guard let origin = KeyOrigin(rawValue: originName) else {
            throw KMSError.unsupported("Origin \(originName) needs a custom key store, which Trent does not support.")
        }
        if r.customKeyStoreId != nil || r.xksKeyId != nil {
            throw KMSError.unsupported("Custom key stores are not supported by Trent.")
        }
        let tags = (r.tags ?? []).map { Tag(key: $0.tagKey ?? "", value: $0.tagValue ?? "") }
        var input = CreateKeyInput(description: r.description ?? "", keySpec: spec, keyUsage: usage, origin: origin, policy: r.policy, tags: tags,
                                   multiRegion: r.multiRegion ?? false)
        input.bypassPolicyLockoutSafetyCheck = r.bypassPolicyLockoutSafetyCheck ?? false
        let description = try await service.createKey(input, call: call)
        return KMS.CreateKeyResponse(keyMetadata: KMS.KeyMetadata(description))
    }
}
