public import Foundation
import TrentAuth

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
/// Both forms are made by hand from the UTC calendar fields (`UTCCalendar`): Foundation's formatters cost tens of
/// microseconds each (a new ICU formatter per call), and every request formats the time at least
/// once (its audit record, the `aws:CurrentTime` condition key).
public enum AuditDates {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func format(_ date: Date) -> String {
        let f = UTCCalendar.fields(date)
        let hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12
        return "\(months[f.month - 1]) \(f.day), \(f.year), \(hour12):\(UTCCalendar.pad(f.minute, 2)):\(UTCCalendar.pad(f.second, 2)) \(f.hour < 12 ? "AM" : "PM")"
    }

    /// The `eventTime` form: 2026-11-29T00:00:00Z.
    public static func iso8601(_ date: Date) -> String {
        let f = UTCCalendar.fields(date)
        if (0...9999).contains(f.year) {
            // Every audit record has one: digits written in place.
            return String(unsafeUninitializedCapacity: 20) { out in
                var o = 0
                func put(_ value: Int, _ width: Int, then separator: UInt8) {
                    var divisor = 1
                    for _ in 1..<width { divisor *= 10 }
                    while divisor > 0 {
                        out[o] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                        o += 1
                        divisor /= 10
                    }
                    out[o] = separator
                    o += 1
                }
                put(f.year, 4, then: UInt8(ascii: "-"))
                put(f.month, 2, then: UInt8(ascii: "-"))
                put(f.day, 2, then: UInt8(ascii: "T"))
                put(f.hour, 2, then: UInt8(ascii: ":"))
                put(f.minute, 2, then: UInt8(ascii: ":"))
                put(f.second, 2, then: UInt8(ascii: "Z"))
                return o
            }
        }
        let pad = UTCCalendar.pad
        return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2))Z"
    }

    /// The day's folder of CloudTrail's log files: 2026/11/29.
    public static func dayPath(_ date: Date) -> String {
        let f = UTCCalendar.fields(date), pad = UTCCalendar.pad
        return "\(pad(f.year, 4))/\(pad(f.month, 2))/\(pad(f.day, 2))"
    }

    /// The time in CloudTrail's file names: 20261129T0000Z, with `seconds` 20261129T000000Z.
    public static func fileStamp(_ date: Date, seconds: Bool) -> String {
        let f = UTCCalendar.fields(date), pad = UTCCalendar.pad
        return "\(pad(f.year, 4))\(pad(f.month, 2))\(pad(f.day, 2))T\(pad(f.hour, 2))\(pad(f.minute, 2))\(seconds ? pad(f.second, 2) : "")Z"
    }
}
