public import Foundation
import TrentCrypto

/// UUIDs as text, without Foundation's `UUID` on the way (it formats with `snprintf` and parses
/// with `sscanf`: a few microseconds that every call paid several times).
public enum UUIDText {
    private static let digits = Array("0123456789abcdef".utf8)

    /// A random (version 4) UUID in lower case: key ids, request ids, event ids.
    public static func random() -> String {
        withRandomBytes { bytes in
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        }
    }

    /// A time-ordered (version 7, RFC 9562) UUID in lower case: the milliseconds since 1970 of
    /// the real clock, then 74 random bits. Audit event ids: the store indexes them, and ids that
    /// grow with time land on the same few index pages (random ones each dirtied a page of their
    /// own: a 4 KiB write per event at every commit and checkpoint).
    public static func timeOrdered(now: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return withRandomBytes { bytes in
            for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
            bytes[6] = 0x70 | bytes[6] & 0x0F  // version 7
            bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        }
    }

    /// The text of 16 random bytes as `set` leaves them, made on the stack (two ids a call).
    private static func withRandomBytes(_ set: (UnsafeMutableBufferPointer<UInt8>) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { bytes in
            SecureRandom.fill(UnsafeMutableRawBufferPointer(bytes))
            set(bytes)
            return text(UnsafeBufferPointer(bytes))
        }
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case, of 16 bytes.
    public static func text(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer(text)
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
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
        text.utf8.withContiguousStorageIfAvailable(bytes(utf8:)) ?? Array(text.utf8).withUnsafeBufferPointer(bytes(utf8:))
    }

    /// Over the text's own bytes (every ciphertext names its key this way: an Encrypt writes it,
    /// a Decrypt reads it): the 32 digits without their dashes, read as hex pairs.
    private static func bytes(utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let dash = UInt8(ascii: "-")
        guard utf8.count == 36, utf8[8] == dash, utf8[13] == dash, utf8[18] == dash, utf8[23] == dash else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            var count = 0
            for (index, byte) in utf8.enumerated() where index != 8 && index != 13 && index != 18 && index != 23 {
                digits[count] = byte
                count += 1
            }
            return KeyMaterialID.bytes(fromHexUTF8: UnsafeBufferPointer(digits), upperCase: true)
        }
    }
}
