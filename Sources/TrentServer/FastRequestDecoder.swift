import CBytes
import Foundation
import TrentModel

/// Request bodies the way every SDK sends them, read without Foundation's `JSONDecoder`: a JSON
/// object of plain ASCII strings, booleans, small integers, arrays and objects. Anything else —
/// escapes, non-ASCII text, fractions or exponents, a repeated member, an object of more than 64
/// members, a value of the wrong type, timestamps — makes it give up (nil), and the caller decodes with `JSONDecoder`, so every
/// `SerializationException` and every unusual value is still `JSONDecoder`'s. It only ever
/// succeeds with the value `JSONDecoder` would give (`FastRequestDecoderTests` checks that).
enum FastRequestDecoder {
    /// The decoded body, or nil when this reader leaves it to `JSONDecoder`: parsed into a
    /// `RequestNode`, then made into the shape by its generated reader (`Generated/Readers.swift`,
    /// no `Decoder` in between: going through `Decodable`'s boxed containers was 2 % of a
    /// DescribeKey's CPU for a body of one member).
    static func decode<T: NodeReadable>(_ type: T.Type, from body: Data) -> T? {
        let root: RequestNode.Members? = body.withUnsafeBytes { bytes in
            var parser = Parser(bytes: bytes, body: body)
            guard let node = parser.document(), case .object(let members) = node else { return nil }
            return members
        }
        guard let root else { return nil }
        return try? T(node: root)
    }

    typealias Node = RequestNode
    typealias Members = RequestNode.Members

    /// Strict JSON over the body's bytes; nil for anything outside the plain subset.
    struct Parser {
        let bytes: UnsafeRawBufferPointer
        /// What `bytes` are the bytes of, when the parser may keep long strings as slices of it.
        let body: Data?
        var index = 0
        var depth = 0
        /// From this length on a string value is kept as its bytes (`RequestNode.text`).
        static let longString = 256

        init(bytes: UnsafeRawBufferPointer, body: Data? = nil) {
            self.bytes = bytes
            self.body = body
        }

        mutating func document() -> Node? {
            guard let node = value() else { return nil }
            skipSpace()
            return index == bytes.count ? node : nil
        }

        private mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
                default: return
                }
            }
        }

        private mutating func value() -> Node? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return stringValue()
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
            default: return nil
            }
        }

        private mutating func literal(_ word: StaticString, _ node: Node) -> Node? {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return nil }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return nil }
            index += count
            return node
        }

        /// `-?(0|[1-9][0-9]*)` that fits in 18 digits; no fraction, no exponent, no `-0`.
        private mutating func integer() -> Node? {
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let start = index
            var value: Int64 = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                guard index - start < 18 else { return nil }  // 18 digits cannot overflow
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - start
            guard digits > 0, bytes[start] != UInt8(ascii: "0") || digits == 1, !(negative && value == 0) else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return .integer(negative ? -value : value)
        }

        /// A string value; a long one in the body as its bytes, not copied.
        private mutating func stringValue() -> Node? {
            guard let range = stringBytes() else { return nil }
            guard let body, range.count >= Self.longString else { return .string(text(range)) }
            return .text(body[(body.startIndex + range.lowerBound)..<(body.startIndex + range.upperBound)])
        }

        /// Printable ASCII without escapes.
        private mutating func string() -> String? {
            stringBytes().map(text)
        }

        /// Where the characters of the string at `index` are (printable ASCII without escapes),
        /// moving past its closing quote.
        private mutating func stringBytes() -> Range<Int>? {
            let start = index + 1
            let end = Self.plainRun(bytes, from: start)
            guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
            index = end + 1
            return start..<end
        }

        private func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        /// Where the run of printable ASCII other than `"` and `\` that starts at `start` ends
        /// (16 bytes at a time: a base64 blob is most of a request).
        static func plainRun(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
            guard let base = bytes.baseAddress else { return start }
            return trent_json_plain_run(base.assumingMemoryBound(to: UInt8.self), start, bytes.count)
        }

        private mutating func object() -> Node? {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { return nil }
            index += 1
            var members = Members()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let name = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let member = value(), members.add(name, member) else { return nil }
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    return nil
                }
            }
        }

        private mutating func array() -> Node? {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { return nil }
            index += 1
            var elements: [Node] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                guard let element = value() else { return nil }
                elements.append(element)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    return nil
                }
            }
        }
    }
}
