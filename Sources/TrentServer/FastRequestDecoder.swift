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
    /// The decoded body, or nil when this reader leaves it to `JSONDecoder`.
    static func decode<T: Decodable>(_ type: T.Type, from body: Data) -> T? {
        let root: Node? = body.withUnsafeBytes { bytes in
            var parser = Parser(bytes: bytes)
            guard let node = parser.document(), case .object = node else { return nil }
            return node
        }
        guard let root else { return nil }
        return try? T(from: NodeDecoder(node: root, codingPath: []))
    }

    indirect enum Node {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
        case array([Node])
        case object(Members)
    }

    /// An object's members in the order read, found by a linear search: a request has a handful,
    /// and a dictionary cost a table and a hash of every name on the way in and on every lookup.
    /// An object of more than `Members.limit` is left to `JSONDecoder` (so that neither the search
    /// nor the check for a repeated name grows with the square of a huge one).
    struct Members {
        static let limit = 64
        private(set) var names: [String] = []
        private var nodes: [Node] = []

        init() {
            names.reserveCapacity(8)
            nodes.reserveCapacity(8)
        }

        subscript(name: String) -> Node? {
            guard let index = names.firstIndex(of: name) else { return nil }
            return nodes[index]
        }

        /// Adds a member; false when the name is already there or the object is too large.
        mutating func add(_ name: String, _ node: Node) -> Bool {
            guard names.count < Self.limit, !names.contains(name) else { return false }
            names.append(name)
            nodes.append(node)
            return true
        }
    }

    /// Strict JSON over the body's bytes; nil for anything outside the plain subset.
    struct Parser {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        var depth = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
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
            case UInt8(ascii: "\""): return string().map(Node.string)
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

        /// Printable ASCII without escapes.
        private mutating func string() -> String? {
            let start = index + 1
            let end = Self.plainRun(bytes, from: start)
            guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
            index = end + 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
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

    /// Any mismatch: the caller falls back to `JSONDecoder`, whose error the client sees.
    struct GiveUp: Error {}

    struct NodeDecoder: Decoder {
        let node: Node
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let members) = node else { throw GiveUp() }
            return KeyedDecodingContainer(Keyed(members: members, codingPath: codingPath))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let elements) = node else { throw GiveUp() }
            return Unkeyed(elements: elements, codingPath: codingPath)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(node: node, codingPath: codingPath) }
    }

    /// The one place values become Swift values; the containers only find the node. `codingPath`
    /// is the path of a nested shape, list or map (nothing reads it: a mismatch only gives up),
    /// so a scalar's container passes its own, without building a longer one.
    static func value<T: Decodable>(_ type: T.Type, of node: Node, codingPath: [any CodingKey]) throws -> T {
        switch node {
        case .string(let text):
            if T.self == String.self { return text as! T }
            // `JSONDecoder.dataDecodingStrategy = .base64` reads blobs with `Data(base64Encoded:)`;
            // `Base64Blob` says what it says, decoding most of a long blob with SIMD (a scalar
            // decoder of our own measured twice as slow as Foundation's, one with four tables as fast).
            if T.self == Data.self, let data = Base64Blob.decode(text) { return data as! T }
        case .bool(let flag):
            if T.self == Bool.self { return flag as! T }
        case .integer(let number):
            if T.self == Int.self { return Int(number) as! T }
            if T.self == Int64.self { return number as! T }
            if T.self == Int32.self, let narrow = Int32(exactly: number) { return narrow as! T }
        case .array, .object:
            // Shapes, lists and maps decode themselves through the containers; scalars do not.
            if T.self == String.self || T.self == Data.self || T.self == Bool.self || T.self == Date.self || T.self == Decimal.self
                || T.self == URL.self || T.self == Double.self || T.self == Float.self || T.self == Int.self || T.self == Int64.self || T.self == Int32.self {
                throw GiveUp()
            }
            return try T(from: NodeDecoder(node: node, codingPath: codingPath))
        case .null:
            break
        }
        throw GiveUp()
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: Members
        let codingPath: [any CodingKey]

        var allKeys: [Key] { members.names.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        private func node(_ key: Key) throws -> Node {
            guard let node = members[key.stringValue] else { throw GiveUp() }
            return node
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try node(key) { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try member(type, node(key), key)
        }

        /// A member's value; the longer coding path is built only for what decodes through the
        /// containers (a blob, the most common generic member, does not).
        private func member<T: Decodable>(_ type: T.Type, _ node: Node, _ key: Key) throws -> T {
            switch node {
            case .array, .object: try FastRequestDecoder.value(type, of: node, codingPath: codingPath + [key])
            default: try FastRequestDecoder.value(type, of: node, codingPath: codingPath)
            }
        }

        // Optional members (most of every request) in one lookup each: the protocol's own
        // `decodeIfPresent` asks `contains`, `decodeNil` and `decode` in turn.
        private func present(_ key: Key) -> Node? {
            guard let node = members[key.stringValue] else { return nil }
            if case .null = node { return nil }
            return node
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            try present(key).map { try member(type, $0, key) }
        }

        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            guard let node = present(key) else { return nil }
            guard case .string(let text) = node else { throw GiveUp() }
            return text
        }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            guard let node = present(key) else { return nil }
            guard case .bool(let flag) = node else { throw GiveUp() }
            return flag
        }

        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key).map { try FastRequestDecoder.value(type, of: $0, codingPath: codingPath) } }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(key).map { try FastRequestDecoder.value(type, of: $0, codingPath: codingPath) } }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(key).map { try FastRequestDecoder.value(type, of: $0, codingPath: codingPath) } }

        // The scalar requirements, each to `value` (which gives up on what it does not read).
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try FastRequestDecoder.value(type, of: node(key), codingPath: codingPath) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try NodeDecoder(node: node(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try NodeDecoder(node: node(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw GiveUp() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw GiveUp() }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [Node]
        let codingPath: [any CodingKey]
        var currentIndex = 0

        init(elements: [Node], codingPath: [any CodingKey]) {
            self.elements = elements
            self.codingPath = codingPath
        }

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private mutating func next() throws -> Node {
            guard !isAtEnd else { throw GiveUp() }
            defer { currentIndex += 1 }
            return elements[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw GiveUp() }
            if case .null = elements[currentIndex] {
                currentIndex += 1
                return true
            }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try FastRequestDecoder.value(type, of: next(), codingPath: codingPath)
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: String.Type) throws -> String { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Double.Type) throws -> Double { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Float.Type) throws -> Float { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Int.Type) throws -> Int { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try FastRequestDecoder.value(type, of: next(), codingPath: codingPath) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try NodeDecoder(node: next(), codingPath: codingPath).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try NodeDecoder(node: next(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { throw GiveUp() }
    }

    struct Single: SingleValueDecodingContainer {
        let node: Node
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool {
            if case .null = node { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try FastRequestDecoder.value(type, of: node, codingPath: codingPath)
        }

        func decode(_ type: Bool.Type) throws -> Bool { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: String.Type) throws -> String { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Float.Type) throws -> Float { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Int.Type) throws -> Int { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try FastRequestDecoder.value(type, of: node, codingPath: codingPath) }
    }
}
