import Foundation

/// The KMS and AWS condition keys a request carries in its own parameters, for key and identity
/// policies (the key's and the caller's come from TrentCore).
enum ConditionKeys {
    /// Request parameter → condition key, for plain string parameters.
    private static let simple: [(parameter: String, key: String)] = [
        ("WrappingAlgorithm", "kms:WrappingAlgorithm"), ("WrappingKeySpec", "kms:WrappingKeySpec"),
        ("ExpirationModel", "kms:ExpirationModel"), ("SigningAlgorithm", "kms:SigningAlgorithm"),
        ("EncryptionAlgorithm", "kms:EncryptionAlgorithm"), ("MacAlgorithm", "kms:MacAlgorithm"),
        ("MessageType", "kms:MessageType"), ("KeyAgreementAlgorithm", "kms:KeyAgreementAlgorithm"),
        ("KeyPairSpec", "kms:DataKeyPairSpec"), ("GranteePrincipal", "kms:GranteePrincipal"),
        ("RetiringPrincipal", "kms:RetiringPrincipal"), ("ReplicaRegion", "kms:ReplicaRegion"),
        ("PrimaryRegion", "kms:PrimaryRegion"), ("KeyUsage", "kms:KeyUsage"), ("Origin", "kms:KeyOrigin"),
        ("DestinationEncryptionAlgorithm", "kms:EncryptionAlgorithm"),
    ]

    static func of(_ body: Data, operation: String) -> (conditions: [String: [String]], encryptionContext: [String: String]) {
        guard let object = (try? JSONSerialization.jsonObject(with: body.isEmpty ? Data("{}".utf8) : body)) as? [String: Any] else {
            return ([:], [:])
        }
        var keys: [String: [String]] = [:]
        for (parameter, key) in simple {
            if let value = object[parameter] as? String { keys[key] = [value] }
        }
        if operation == "CreateKey", let spec = (object["KeySpec"] ?? object["CustomerMasterKeySpec"]) as? String { keys["kms:KeySpec"] = [spec] }
        if operation == "CreateKey", let multiRegion = object["MultiRegion"] as? Bool { keys["kms:MultiRegion"] = [String(multiRegion)] }
        if let bypass = object["BypassPolicyLockoutSafetyCheck"] as? Bool { keys["kms:BypassPolicyLockoutSafetyCheck"] = [String(bypass)] }
        if let validTo = object["ValidTo"] as? Double { keys["kms:ValidTo"] = [String(Int(validTo))] }
        if let days = object["RotationPeriodInDays"] as? Int { keys["kms:RotationPeriodInDays"] = [String(days)] }
        if let days = object["PendingWindowInDays"] as? Int { keys["kms:ScheduleKeyDeletionPendingWindowInDays"] = [String(days)] }
        if let operations = object["Operations"] as? [String] { keys["kms:GrantOperations"] = operations }
        if let keyID = object["KeyId"] as? String, keyID.hasPrefix("alias/") { keys["kms:RequestAlias"] = [keyID] }
        if let tags = object["Tags"] as? [[String: Any]] {
            var tagKeys: [String] = []
            for tag in tags {
                guard let key = tag["TagKey"] as? String else { continue }
                tagKeys.append(key)
                if let value = tag["TagValue"] as? String { keys["aws:RequestTag/" + key] = [value] }
            }
            keys["aws:TagKeys"] = tagKeys
        }
        if operation == "UntagResource", let tagKeys = object["TagKeys"] as? [String] { keys["aws:TagKeys"] = tagKeys }
        // The encryption context: of the request, or ReEncrypt's destination.
        let contextParameter = operation == "ReEncrypt" ? "DestinationEncryptionContext" : "EncryptionContext"
        var encryptionContext: [String: String] = [:]
        if let context = object[contextParameter] as? [String: Any] {
            for (key, value) in context {
                guard let value = value as? String else { continue }
                encryptionContext[key] = value
                keys["kms:EncryptionContext:" + key] = [value]
            }
            keys["kms:EncryptionContextKeys"] = Array(encryptionContext.keys).sorted()
        }
        return (keys, encryptionContext)
    }
}
