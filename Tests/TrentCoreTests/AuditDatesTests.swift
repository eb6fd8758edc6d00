import Foundation
import Testing
@testable import TrentCore

/// The hand-made date forms agree with Foundation's formatters, second for second.
@Suite struct AuditDatesTests {
    static func foundationISO(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    static func foundationCloudTrail(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "MMM d, yyyy, h:mm:ss a"
        return f.string(from: date)
    }

    static func foundation(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = pattern
        return f.string(from: date)
    }

    @Test func agreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        let fixed: [Double] = [0, 59, 86399, 86400, 951_782_400 /* 2000-02-29 */, 1_709_164_800 /* 2024-02-29 */,
                               1_800_000_000.999, 4_102_444_799 /* 2099-12-31T23:59:59 */, 253_402_300_799 /* 9999-12-31 */]
        let random = (0..<2000).map { _ in Double(UInt64.random(in: 0...4_102_444_800, using: &generator)) + 0.5 }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(AuditDates.iso8601(date) == Self.foundationISO(date), "\(seconds)")
            #expect(AuditDates.format(date) == Self.foundationCloudTrail(date), "\(seconds)")
            #expect(AuditDates.dayPath(date) == Self.foundation(date, "yyyy/MM/dd"), "\(seconds)")
            #expect(AuditDates.fileStamp(date, seconds: false) == Self.foundation(date, "yyyyMMdd'T'HHmm'Z'"), "\(seconds)")
            #expect(AuditDates.fileStamp(date, seconds: true) == Self.foundation(date, "yyyyMMdd'T'HHmmss'Z'"), "\(seconds)")
        }
    }

    @Test func noonAndMidnight() {
        let midnight = 1_800_000_000 - 1_800_000_000 % 86400
        #expect(AuditDates.format(Date(timeIntervalSince1970: TimeInterval(midnight))) == "Jan 15, 2027, 12:00:00 AM")
        #expect(AuditDates.format(Date(timeIntervalSince1970: TimeInterval(midnight + 43200))) == "Jan 15, 2027, 12:00:00 PM")
    }
}
