import Foundation
import Crypto
import Testing
@testable import TrentAuth

/// The arithmetic calendar agrees with Foundation's Gregorian UTC calendar.
@Suite struct UTCCalendarTests {
    static let foundation: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    @Test func fieldsAndDatesAgreeWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        let seconds: [Int] = [0, 86399, 86400, 951_782_400, 4_102_444_799] + (0..<2000).map { _ in Int.random(in: 0...4_102_444_800, using: &generator) }
        for second in seconds {
            let date = Date(timeIntervalSince1970: TimeInterval(second))
            let c = Self.foundation.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let f = UTCCalendar.fields(date)
            let expected = UTCCalendar.Fields(year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, second: c.second!)
            #expect(f == expected)
            #expect(UTCCalendar.date(f) == date)
            #expect(SigV4.parseAmzDate(SigV4.amzDate(date)) == date)
        }
    }

    @Test func impossibleDatesAreRefused() {
        #expect(SigV4.parseAmzDate("20260230T000000Z") == nil)
        #expect(SigV4.parseAmzDate("20250229T000000Z") == nil)
        #expect(SigV4.parseAmzDate("20240229T000000Z") != nil)
        #expect(SigV4.parseAmzDate("20261129T240000Z") == nil)
        #expect(SigV4.parseAmzDate("2026112ST000000Z") == nil)
    }

    @Test func rememberedSigningKeysAreTheDerivedOnes() {
        func bytes(_ key: SymmetricKey) -> Data { key.withUnsafeBytes { Data($0) } }
        let remembered = SigV4.signingKey(secret: "s3cret", date: "20261129", region: "us-east-1", service: "kms")
        let again = SigV4.signingKey(secret: "s3cret", date: "20261129", region: "us-east-1", service: "kms")
        let derived = SigV4.deriveSigningKey(secret: "s3cret", date: "20261129", region: "us-east-1", service: "kms")
        #expect(bytes(remembered) == bytes(derived) && bytes(again) == bytes(derived))
        #expect(bytes(SigV4.signingKey(secret: "other", date: "20261129", region: "us-east-1", service: "kms")) != bytes(derived))
        #expect(SigV4.hex([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    }
}
