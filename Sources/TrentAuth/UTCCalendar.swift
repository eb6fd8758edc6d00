public import Foundation

/// UTC calendar fields ↔ dates, by arithmetic (Howard Hinnant's civil-from-days and
/// days-from-civil, proleptic Gregorian). Foundation's `Calendar` and date formatters go through
/// ICU and cost tens of microseconds a call; every request reads and writes a few timestamps.
public enum UTCCalendar {
    public struct Fields: Sendable, Equatable {
        public var year, month, day, hour, minute, second: Int
    }

    /// The fields of a date, whole seconds rounded down.
    public static func fields(_ date: Date) -> Fields {
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
        return Fields(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60, second: secondOfDay % 60)
    }

    /// The date of UTC fields; nil when a field is out of range (day 31 of a 30-day month
    /// included). A leap second (60) counts as the next second, as Foundation does.
    public static func date(_ f: Fields) -> Date? {
        guard (1...12).contains(f.month), (0...23).contains(f.hour), (0...59).contains(f.minute), (0...60).contains(f.second),
              (1...daysIn(month: f.month, year: f.year)).contains(f.day)
        else { return nil }
        let year = f.month <= 2 ? f.year - 1 : f.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (f.month > 2 ? f.month - 3 : f.month + 9) + 2) / 5 + f.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + f.hour * 3600 + f.minute * 60 + f.second))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `value` in decimal, zero-padded to `width`.
    public static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
