public import Foundation

/// What `DescribeKey` and `CreateKey` show of a key at one moment.
public struct KeyDescription: Sendable, Equatable {
    public let key: Key
    /// The state as the caller sees it (expired material already counts as gone).
    public let state: KeyState
    /// The current material when it is usable; `nil` when there is none.
    public let currentMaterial: KeyMaterial?
    /// Primary and replicas, for multi-Region keys.
    public let multiRegion: KeyService.MultiRegionSet?

    public init(key: Key, currentMaterial: KeyMaterial?, now: Date, multiRegion: KeyService.MultiRegionSet? = nil) {
        self.multiRegion = multiRegion
        self.key = key
        self.state = key.effectiveState(currentMaterial: currentMaterial, now: now)
        self.currentMaterial = currentMaterial.flatMap { $0.isUsable(at: now) ? $0 : nil }
    }

    /// `ExpirationModel` is shown for EXTERNAL keys whose material is present.
    public var expirationModel: ExpirationModel? {
        key.origin == .external ? currentMaterial?.expirationModel : nil
    }

    public var validTo: Date? {
        expirationModel == .keyMaterialExpires ? currentMaterial?.validTo : nil
    }

    /// The part of `KeyMetadata` CloudTrail records in `responseElements`.
    public var auditMetadata: JSONValue {
        var o: [String: JSONValue] = [
            "aWSAccountId": .string(key.account), "keyId": .string(key.id), "arn": .string(key.arn),
            "creationDate": .string(AuditDates.format(key.createdAt)), "enabled": .bool(state == .enabled),
            "description": .string(key.description), "keyUsage": .string(key.keyUsage.rawValue),
            "keyState": .string(state.rawValue), "origin": .string(key.origin.rawValue),
            "keyManager": .string("CUSTOMER"), "customerMasterKeySpec": .string(key.keySpec.rawValue),
            "keySpec": .string(key.keySpec.rawValue), "multiRegion": .bool(key.isMultiRegion),
        ]
        for (name, values) in [("encryptionAlgorithms", key.encryptionAlgorithms), ("signingAlgorithms", key.signingAlgorithms),
                               ("keyAgreementAlgorithms", key.keyAgreementAlgorithms), ("macAlgorithms", key.macAlgorithms)] {
            if let values { o[name] = .array(values.map(JSONValue.string)) }
        }
        if let expirationModel { o["expirationModel"] = .string(expirationModel.rawValue) }
        if let validTo { o["validTo"] = .string(AuditDates.format(validTo)) }
        if let deletionDate = key.deletionDate { o["deletionDate"] = .string(AuditDates.format(deletionDate)) }
        return .object(o)
    }
}

/// CloudTrail writes dates inside request parameters as "Nov 29, 2026, 12:00:00 AM".
///
/// Both forms are made by hand from the UTC calendar fields: Foundation's formatters cost tens of
/// microseconds each (a new ICU formatter per call), and every request formats the time at least
/// once (its audit record, the `aws:CurrentTime` condition key).
public enum AuditDates {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Year, month (1–12), day, hour, minute, second in UTC (proleptic Gregorian, whole seconds
    /// rounded down), from days since 1970 (Howard Hinnant's civil-from-days).
    static func fields(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    public static func format(_ date: Date) -> String {
        let f = fields(date)
        let hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12
        return "\(months[f.month - 1]) \(f.day), \(f.year), \(hour12):\(pad(f.minute, 2)):\(pad(f.second, 2)) \(f.hour < 12 ? "AM" : "PM")"
    }

    /// The `eventTime` form: 2026-11-29T00:00:00Z.
    public static func iso8601(_ date: Date) -> String {
        let f = fields(date)
        return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2))Z"
    }
}
