public import Foundation
import TrentCrypto

/// UUIDs as text, without Foundation's `UUID` on the way (it formats with `snprintf` and parses
/// with `sscanf`: a few microseconds that every call paid several times).
public enum UUIDText {
    private static let digits = Array("0123456789abcdef".utf8)

    /// A random (version 4) UUID in lower case: key ids, request ids, event ids.
    public static func random() -> String {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        return text(bytes)
    }

    /// A time-ordered (version 7, RFC 9562) UUID in lower case: the milliseconds since 1970 of
    /// the real clock, then 74 random bits. Audit event ids: the store indexes them, and ids that
    /// grow with time land on the same few index pages (random ones each dirtied a page of their
    /// own: a 4 KiB write per event at every commit and checkpoint).
    public static func timeOrdered(now: Date = Date()) -> String {
        var bytes = SecureRandom.bytes(16)
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
        bytes[6] = 0x70 | bytes[6] & 0x0F  // version 7
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        return text(bytes)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case, of 16 bytes.
    public static func text(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16)
        return String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for (i, byte) in bytes.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    out[o] = UInt8(ascii: "-")
                    o += 1
                }
                out[o] = digits[Int(byte >> 4)]
                out[o + 1] = digits[Int(byte & 0x0F)]
                o += 2
            }
            return o
        }
    }

    /// The 16 bytes of a UUID written in either case; nil for anything else.
    public static func bytes(_ text: String) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        var high: UInt8?
        for (i, c) in utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
