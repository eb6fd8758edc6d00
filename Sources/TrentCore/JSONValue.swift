public import Foundation
public import TrentModel

/// A JSON value, for the free-form parts of audit records (`requestParameters`, …).
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

extension JSONValue {
    /// The JSON text, object keys sorted, `/` not escaped: what `JSONEncoder` with `.sortedKeys`
    /// and `.withoutEscapingSlashes` writes, written directly (the encoder boxes every value; the
    /// audit log renders a few hundred of these for each record).
    public func serialized() -> Data {
        var output = JSONOutput(capacity: 512)
        write(to: &output)
        return Data(output.finished())
    }

    /// Writes the value into a document being written (object keys sorted).
    public func write(to output: inout JSONOutput) {
        switch self {
        case .null: output.null()
        case .bool(let b): output.bool(b)
        case .number(let n): output.number(n)
        case .string(let s): output.string(s)
        case .array(let a):
            output.beginArray()
            for value in a { value.write(to: &output) }
            output.endArray()
        case .object(let o):
            output.beginObject()
            // Members in sorted order. An object of one or two members (most calls' request
            // parameters) is put in order by one comparison, without a sorted copy of it.
            func member(_ index: [String: JSONValue].Index) {
                output.key(o[index].key)
                o[index].value.write(to: &output)
            }
            switch o.count {
            case 0: break
            case 1: member(o.startIndex)
            case 2:
                let a = o.startIndex, b = o.index(after: o.startIndex)
                if o[a].key < o[b].key {
                    member(a)
                    member(b)
                } else {
                    member(b)
                    member(a)
                }
            default:
                for (key, value) in o.sorted(by: { $0.key < $1.key }) {
                    output.key(key)
                    value.write(to: &output)
                }
            }
            output.endObject()
        }
    }
}

extension JSONValue {
    public struct ParseError: Error, CustomStringConvertible {
        public let offset: Int
        public var description: String { "malformed JSON at byte \(offset)" }
    }

    /// Parses JSON text (RFC 8259) directly into a value, without Foundation's boxing; what the
    /// stores read audit records with. Numbers become `Double`s, as `init(from:)` makes them.
    public static func parse(_ text: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        let bytes = Array(text)
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw ParseError(offset: parser.index) }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        func fail() -> ParseError { ParseError(offset: index) }

        mutating func expect(_ literal: String) throws(ParseError) {
            for byte in literal.utf8 {
                guard index < bytes.count, bytes[index] == byte else { throw fail() }
                index += 1
            }
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 512, index < bytes.count else { throw fail() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var object: [String: JSONValue] = [:]
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
                while true {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail() }
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    object[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard index < bytes.count else { throw fail() }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
                    throw fail()
                }
            case UInt8(ascii: "["):
                index += 1
                var array: [JSONValue] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
                while true {
                    skipSpace()
                    array.append(try value(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw fail() }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
                    throw fail()
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func number() throws(ParseError) -> Double {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits(_ p: inout Parser) -> Int {
                let from = p.index
                while p.index < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.index]) { p.index += 1 }
                return p.index - from
            }
            guard digits(&self) > 0 else { throw fail() }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw fail() }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw fail() }
            }
            guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw fail() }
            return number
        }

        /// A string starting at its opening quote; escapes decoded, `\u` surrogate pairs joined.
        mutating func string() throws(ParseError) -> String {
            index += 1
            let start = index
            // The common case: no escapes, so the bytes are the string.
            index = bytes.withUnsafeBufferPointer { buffer in
                var i = start
                while i < buffer.count {
                    let byte = buffer[i]
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                    i += 1
                }
                return i
            }
            guard index < bytes.count else { throw fail() }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try validUTF8(bytes[start..<index])
            }
            var out = Array(bytes[start..<index])
            while true {
                guard index < bytes.count else { throw fail() }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { index += 1; return try validUTF8(out[...]) }
                guard byte >= 0x20 else { throw fail() }
                guard byte == UInt8(ascii: "\\") else { out.append(byte); index += 1; continue }
                index += 1
                guard index < bytes.count else { throw fail() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail() }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail()
                }
            }
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail() }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail()
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }

        func validUTF8(_ slice: ArraySlice<UInt8>) throws(ParseError) -> String {
            guard let text = String(validating: slice, as: UTF8.self) else { throw fail() }
            return text
        }
    }
}
