import Foundation
import TrentCore

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
        guard case .object(let object)? = try? JSONValue.parse(body.isEmpty ? Data("{}".utf8) : body) else {
            return ([:], [:])
        }
        func string(_ value: JSONValue?) -> String? { value?.stringValue }
        func strings(_ value: JSONValue?) -> [String]? {
            guard case .array(let items)? = value else { return nil }
            return items.compactMap(\.stringValue)
        }
        func bool(_ value: JSONValue?) -> Bool? {
            if case .bool(let b)? = value { return b }
            return nil
        }
        func integer(_ value: JSONValue?) -> Int? {
            guard case .number(let n)? = value, n == n.rounded(), abs(n) < 1e15 else { return nil }
            return Int(n)
        }
        var keys: [String: [String]] = [:]
        for (parameter, key) in simple {
            if let value = string(object[parameter]) { keys[key] = [value] }
        }
        if operation == "CreateKey", let spec = string(object["KeySpec"] ?? object["CustomerMasterKeySpec"]) { keys["kms:KeySpec"] = [spec] }
        if operation == "CreateKey", let multiRegion = bool(object["MultiRegion"]) { keys["kms:MultiRegion"] = [String(multiRegion)] }
        if let bypass = bool(object["BypassPolicyLockoutSafetyCheck"]) { keys["kms:BypassPolicyLockoutSafetyCheck"] = [String(bypass)] }
        if case .number(let validTo)? = object["ValidTo"], validTo.isFinite, abs(validTo) < 1e15 { keys["kms:ValidTo"] = [String(Int(validTo))] }
        if let days = integer(object["RotationPeriodInDays"]) { keys["kms:RotationPeriodInDays"] = [String(days)] }
        if let days = integer(object["PendingWindowInDays"]) { keys["kms:ScheduleKeyDeletionPendingWindowInDays"] = [String(days)] }
        if let operations = strings(object["Operations"]) { keys["kms:GrantOperations"] = operations }
        if let keyID = string(object["KeyId"]), keyID.hasPrefix("alias/") { keys["kms:RequestAlias"] = [keyID] }
        if case .array(let tags)? = object["Tags"] {
            var tagKeys: [String] = []
            for tag in tags {
                guard let key = string(tag["TagKey"]) else { continue }
                tagKeys.append(key)
                if let value = string(tag["TagValue"]) { keys["aws:RequestTag/" + key] = [value] }
            }
            keys["aws:TagKeys"] = tagKeys
        }
        if operation == "UntagResource", let tagKeys = strings(object["TagKeys"]) { keys["aws:TagKeys"] = tagKeys }
        // The encryption context: of the request, or ReEncrypt's destination.
        let contextParameter = operation == "ReEncrypt" ? "DestinationEncryptionContext" : "EncryptionContext"
        var encryptionContext: [String: String] = [:]
        if case .object(let context)? = object[contextParameter] {
            for (key, value) in context {
                guard let value = value.stringValue else { continue }
                encryptionContext[key] = value
                keys["kms:EncryptionContext:" + key] = [value]
            }
            keys["kms:EncryptionContextKeys"] = Array(encryptionContext.keys).sorted()
        }
        return (keys, encryptionContext)
    }
}
