import CBytes
public import Foundation

/// JSON text written straight into bytes, member by member: how responses and audit records are
/// written. `JSONEncoder` boxes every value on its way and escapes every string byte by byte (a
/// 4 KiB ciphertext is 5,500 base64 characters); this writes blobs as base64 without looking at
/// them again, and strings by copying the runs that need no escape.
///
/// Separators are implied: a value or member name that follows another one in the same object or
/// array gets its comma first.
public struct JSONOutput {
    /// The written bytes are `storage[..<count]`; the rest is room, so that each piece is
    /// written through one pointer after one check of room (appending byte by byte checked the
    /// array's uniqueness and capacity for every byte: half the time of rendering a record).
    private var storage: [UInt8]
    private var count = 0
    /// A value was just written, so the next value or member name gets its comma first (rather
    /// than reading the last byte back each time).
    private var afterValue = false

    public init(capacity: Int = 256) {
        storage = [UInt8](repeating: 0, count: max(capacity, 16))
    }

    /// The JSON text written so far (a copy).
    public var bytes: [UInt8] { Array(storage[..<count]) }

    /// The JSON text written, without a copy; the output starts again empty. (It was a
    /// `consuming` method: the caller's variable still held the storage when it trimmed the room
    /// off, so the trimming copied all of it, about 1k instructions of a 4 KiB Encrypt's answer.)
    public mutating func finished() -> [UInt8] {
        var bytes: [UInt8] = []
        swap(&bytes, &storage)
        bytes.removeSubrange(count...)
        count = 0
        afterValue = false
        return bytes
    }

    /// The JSON text written so far, read in place.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[..<count])) }
    }

    /// Starts again with nothing written, keeping the room: an output used over and over (a log
    /// file's records) needs its megabytes once.
    public mutating func removeAll() {
        count = 0
        afterValue = false
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// An object member's name; its value is written next.
    public mutating func key(_ name: String) {
        quoted(name, then: UInt8(ascii: ":"))
        afterValue = false
    }

    /// An object member's name written in the source (`"KeyId"`, `"eventName"`): copied as it is,
    /// without looking for bytes to escape — member names are most of the strings a response, a
    /// stored record and a CloudTrail record write. It must need no escape: checked in debug
    /// builds, and `generate-model.py` refuses a botocore member name that is not a plain identifier.
    public mutating func member(_ name: StaticString) {
        let bytes = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        assert(Self.nextToEscape(bytes, from: 0) == bytes.count, "a member name that needs escaping: \(name)")
        let comma = afterValue
        write(upTo: bytes.count + 4) { target in
            var at = 0
            if comma { target[0] = UInt8(ascii: ","); at = 1 }
            target[at] = UInt8(ascii: "\"")
            at += 1
            if let source = bytes.baseAddress { (target + at).update(from: source, count: bytes.count) }
            at += bytes.count
            target[at] = UInt8(ascii: "\"")
            target[at + 1] = UInt8(ascii: ":")
            return at + 2
        }
        afterValue = false
    }

    public mutating func string(_ value: String) {
        quoted(value, then: nil)
        afterValue = true
    }

    public mutating func bool(_ value: Bool) { plain(value ? "true" : "false") }

    public mutating func null() { plain("null") }

    public mutating func number(_ value: Int) { plain(String(value)) }

    /// Whole numbers without a fraction (as `JSONEncoder` writes them), others in Swift's
    /// shortest round-tripping form.
    public mutating func number(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            plain(String(Int64(value)))
        } else {
            plain("\(value)")
        }
    }

    /// A timestamp as the AWS JSON protocol sends it: seconds since 1970.
    public mutating func date(_ value: Date) { number(value.timeIntervalSince1970) }

    /// A blob, base64 (standard alphabet, padded): never needs an escape.
    public mutating func data(_ value: Data) {
        let encoded = (value.count + 2) / 3 * 4
        let comma = afterValue
        write(upTo: encoded + 3) { target in
            var at = 0
            if comma { target[0] = UInt8(ascii: ","); at = 1 }
            target[at] = UInt8(ascii: "\"")
            at += 1
            value.withUnsafeBytes { Self.base64(UnsafeRawBufferPointer($0), to: target + at) }
            at += encoded
            target[at] = UInt8(ascii: "\"")
            return at + 1
        }
        afterValue = true
    }

    /// Ends a document with a line break (JSON lines): what follows starts a new one.
    public mutating func newline() {
        write(upTo: 1) { target in
            target[0] = UInt8(ascii: "\n")
            return 1
        }
        afterValue = false
    }

    /// JSON text already written (a nested document).
    public mutating func raw(_ json: some Collection<UInt8>) {
        if json.withContiguousStorageIfAvailable({ copy($0, comma: afterValue) }) == nil {
            Array(json).withUnsafeBufferPointer { copy($0, comma: afterValue) }
        }
        afterValue = true
    }

    /// Makes room for at least `needed` more bytes, then lets `body` write at the end through a
    /// pointer; `body` returns how many bytes it wrote.
    @inline(__always)
    private mutating func write(upTo needed: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if count + needed > storage.count { grow(to: count + needed) }
        let start = count
        count += storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
    }

    /// A new storage of at least `size` bytes, and a quarter more for what follows, holding what is
    /// written. (Appending a run of zeros to the array went element by element: 3.6k instructions
    /// for a 4 KiB blob's answer; and growing to a blob's exact room made the short member after it
    /// double the storage, zeroing all of it again.)
    private mutating func grow(to size: Int) {
        let newSize = max(size + size / 4, storage.count * 2)
        let written = count
        storage = storage.withUnsafeBufferPointer { old in
            [UInt8](unsafeUninitializedCapacity: newSize) { new, initialized in
                if let source = old.baseAddress { new.baseAddress!.initialize(from: source, count: written) }
                (new.baseAddress! + written).initialize(repeating: 0, count: newSize - written)
                initialized = newSize
            }
        }
    }

    /// `[` or `{`, after a comma when a value came before.
    private mutating func open(_ bracket: UInt8) {
        let comma = afterValue
        write(upTo: 2) { target in
            guard comma else { target[0] = bracket; return 1 }
            target[0] = UInt8(ascii: ",")
            target[1] = bracket
            return 2
        }
        afterValue = false
    }

    private mutating func close(_ bracket: UInt8) {
        write(upTo: 1) { target in
            target[0] = bracket
            return 1
        }
        afterValue = true
    }

    /// A literal or number written as it is.
    private mutating func plain(_ text: String) {
        var text = text
        text.withUTF8 { copy($0, comma: afterValue) }
        afterValue = true
    }

    private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, comma: Bool) {
        write(upTo: bytes.count + 1) { target in
            var at = 0
            if comma { target[0] = UInt8(ascii: ","); at = 1 }
            if let source = bytes.baseAddress { target.advanced(by: at).update(from: source, count: bytes.count) }
            return at + bytes.count
        }
    }

    /// A quoted string, after a comma when a value came before, and `suffix` after it. Reads the
    /// string's bytes where they are: a copy to call `withUTF8` on cost a retain and a release
    /// per string, and a record has dozens of strings.
    private mutating func quoted(_ value: String, then suffix: UInt8?) {
        if value.utf8.withContiguousStorageIfAvailable({ quoted($0, then: suffix) }) == nil {
            var copy = value
            copy.withUTF8 { quoted($0, then: suffix) }
        }
    }

    private mutating func quoted(_ utf8: UnsafeBufferPointer<UInt8>, then suffix: UInt8?) {
        let comma = afterValue
        // The bytes before the first one to escape are copied as they are; from there on each
        // byte takes at most six.
        let first = Self.nextToEscape(utf8, from: 0)
        write(upTo: first + 6 * (utf8.count - first) + 4) { target in
            var at = 0
            if comma { target[0] = UInt8(ascii: ","); at = 1 }
            target[at] = UInt8(ascii: "\"")
            at += 1
            at += Self.escape(utf8, from: first, to: target + at)
            target[at] = UInt8(ascii: "\"")
            at += 1
            if let suffix {
                target[at] = suffix
                at += 1
            }
            return at
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `utf8` with JSON's string escapes (quote, backslash, control characters; `/` as it
    /// is) at `out`, which has room for six bytes per byte from `first` on; returns how many it
    /// wrote. `first` is where the first byte to escape is, or the count (`nextToEscape` from 0).
    static func escape(_ utf8: UnsafeBufferPointer<UInt8>, from first: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        func put(_ byte: UInt8) {
            out[written] = byte
            written += 1
        }
        var start = 0
        var i = first
        while true {
            if i > start, let source = utf8.baseAddress {
                (out + written).update(from: source + start, count: i - start)
                written += i - start
            }
            guard i < utf8.count else { return written }
            let byte = utf8[i]
            i += 1
            start = i
            put(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
            case 0x0A: put(UInt8(ascii: "n"))
            case 0x0D: put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "t"))
            case 0x08: put(UInt8(ascii: "b"))
            case 0x0C: put(UInt8(ascii: "f"))
            default:
                put(UInt8(ascii: "u"))
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "0"))
                put(hexDigits[Int(byte >> 4)])
                put(hexDigits[Int(byte & 0x0F)])
            }
            i = nextToEscape(utf8, from: i)
        }
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

    /// Writes the base64 of `input` (padded: `(count + 2) / 3 * 4` bytes) at `target`.
    static func base64(_ input: UnsafeRawBufferPointer, to target: UnsafeMutablePointer<UInt8>) {
        let count = input.count
        guard count > 0, let source = input.baseAddress else { return }
        let out = UnsafeMutableRawPointer(target)
        // Whole 12-byte groups with SIMD where the CPU has it; the rest here.
        let simd = trent_base64_encode_prefix(source.assumingMemoryBound(to: UInt8.self), count, target)
        base64Pairs.withUnsafeBufferPointer { pairs in
            var i = simd, o = simd / 3 * 4
            while i + 3 <= count {
                let n = Int(source.load(fromByteOffset: i, as: UInt8.self)) << 16 | Int(source.load(fromByteOffset: i + 1, as: UInt8.self)) << 8
                    | Int(source.load(fromByteOffset: i + 2, as: UInt8.self))
                out.storeBytes(of: pairs[n >> 12], toByteOffset: o, as: UInt16.self)
                out.storeBytes(of: pairs[n & 0xFFF], toByteOffset: o + 2, as: UInt16.self)
                i += 3
                o += 4
            }
            let rest = count - i
            guard rest > 0 else { return }
            // One or two bytes left: two or three characters, then the padding.
            let n = Int(source.load(fromByteOffset: i, as: UInt8.self)) << 16
                | (rest == 2 ? Int(source.load(fromByteOffset: i + 1, as: UInt8.self)) << 8 : 0)
            out.storeBytes(of: pairs[n >> 12], toByteOffset: o, as: UInt16.self)
            out.storeBytes(of: rest == 2 ? base64Alphabet[n >> 6 & 0x3F] : UInt8(ascii: "="), toByteOffset: o + 2, as: UInt8.self)
            out.storeBytes(of: UInt8(ascii: "="), toByteOffset: o + 3, as: UInt8.self)
        }
    }
}

/// A shape that writes itself as JSON (generated for every response shape).
public protocol JSONWritable {
    func writeJSON(to output: inout JSONOutput)
}
