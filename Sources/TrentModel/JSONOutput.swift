public import Foundation

/// JSON text written straight into bytes, member by member: how responses and audit records are
/// written. `JSONEncoder` boxes every value on its way and escapes every string byte by byte (a
/// 4 KiB ciphertext is 5,500 base64 characters); this writes blobs as base64 without looking at
/// them again, and strings by copying the runs that need no escape.
///
/// Separators are implied: a value or member name that follows another one in the same object or
/// array gets its comma first.
public struct JSONOutput {
    public private(set) var bytes: [UInt8] = []
    /// A value was just written, so the next value or member name gets its comma first (rather
    /// than reading the last byte back each time).
    private var afterValue = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        afterValue = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        afterValue = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        afterValue = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        afterValue = true
    }

    /// An object member's name; its value is written next.
    public mutating func key(_ name: String) {
        separate()
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
        afterValue = false
    }

    public mutating func string(_ value: String) {
        separate()
        quoted(value)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func number(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Whole numbers without a fraction (as `JSONEncoder` writes them), others in Swift's
    /// shortest round-tripping form.
    public mutating func number(_ value: Double) {
        separate()
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    /// A timestamp as the AWS JSON protocol sends it: seconds since 1970.
    public mutating func date(_ value: Date) { number(value.timeIntervalSince1970) }

    /// A blob, base64 (standard alphabet, padded): never needs an escape.
    public mutating func data(_ value: Data) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        value.withUnsafeBytes { Self.base64(UnsafeRawBufferPointer($0), into: &bytes) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// JSON text already written (a nested document).
    public mutating func raw(_ json: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
    }

    /// The comma before a value or member name that follows another; every value sets `afterValue` after it.
    private mutating func separate() {
        if afterValue { bytes.append(UInt8(ascii: ",")) }
        afterValue = true
    }

    /// Reads the string's bytes where they are: a copy to call `withUTF8` on cost a retain and a
    /// release per string, and a record has dozens of strings.
    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        if value.utf8.withContiguousStorageIfAvailable({ Self.escape($0, into: &bytes) }) == nil {
            var copy = value
            copy.withUTF8 { Self.escape($0, into: &bytes) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The JSON string escapes of `utf8` (quote, backslash, control characters; `/` as it is).
    static func escape(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var start = 0
        var i = 0
        while true {
            i = nextToEscape(utf8, from: i)
            guard i < utf8.count else { break }
            let byte = utf8[i]
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
            i += 1
            start = i
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default: out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }

    /// The index of the first byte from `start` on that JSON must escape (`"`, `\`, below 0x20),
    /// or the count: eight bytes at a time, then byte by byte. Bytes of 0x80 and up (UTF-8 beyond
    /// ASCII) are written as they are.
    static func nextToEscape(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        if let base = UnsafeRawPointer(utf8.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            // Per byte, the high bit of (v - 1) & ~v is set where v is 0, and of (v - 0x20) & ~v
            // where v is below 0x20 (false positives only above a true one, where the bytes are
            // looked at one by one anyway).
            func zero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v }
            while i + 8 <= utf8.count {
                let x = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let special = zero(x ^ (ones &* 0x22)) | zero(x ^ (ones &* 0x5C)) | ((x &- ones &* 0x20) & ~x)
                if special & highs != 0 { break }
                i += 8
            }
        }
        while i < utf8.count {
            let byte = utf8[i]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return i }
            i += 1
        }
        return i
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// Every 12 bits as their two base64 characters, first in the lower-addressed byte: three
    /// input bytes are two lookups and two stores (a 4 KiB blob is most of an Encrypt answer).
    private static let base64Pairs: [UInt16] = (0..<4096).map { (UInt16(base64Alphabet[$0 >> 6]) | UInt16(base64Alphabet[$0 & 0x3F]) << 8).littleEndian }

    static func base64(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let count = input.count
        let start = out.count
        let encoded = (count + 2) / 3 * 4
        out.reserveCapacity(start + encoded + 64)
        out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: encoded))
        guard count > 0, let source = input.baseAddress else { return }
        base64Pairs.withUnsafeBufferPointer { pairs in
            out.withUnsafeMutableBytes { output in
                let target = output.baseAddress! + start
                var o = 0, i = 0
                while i + 3 <= count {
                    let n = Int(source.load(fromByteOffset: i, as: UInt8.self)) << 16 | Int(source.load(fromByteOffset: i + 1, as: UInt8.self)) << 8
                        | Int(source.load(fromByteOffset: i + 2, as: UInt8.self))
                    target.storeBytes(of: pairs[n >> 12], toByteOffset: o, as: UInt16.self)
                    target.storeBytes(of: pairs[n & 0xFFF], toByteOffset: o + 2, as: UInt16.self)
                    i += 3
                    o += 4
                }
                let rest = count - i
                guard rest > 0 else { return }
                // One or two bytes left: two or three characters, the padding already in place.
                let n = Int(source.load(fromByteOffset: i, as: UInt8.self)) << 16
                    | (rest == 2 ? Int(source.load(fromByteOffset: i + 1, as: UInt8.self)) << 8 : 0)
                target.storeBytes(of: pairs[n >> 12], toByteOffset: o, as: UInt16.self)
                if rest == 2 { target.storeBytes(of: base64Alphabet[n >> 6 & 0x3F], toByteOffset: o + 2, as: UInt8.self) }
            }
        }
    }
}

/// A shape that writes itself as JSON (generated for every response shape).
public protocol JSONWritable {
    func writeJSON(to output: inout JSONOutput)
}
