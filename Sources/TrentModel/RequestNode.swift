public import Foundation

/// A request body's JSON value as the server's fast reader parses it (plain ASCII strings,
/// booleans, small integers, arrays, objects, null), and what the generated readers
/// (`Generated/Readers.swift`) make shapes of. A reader gives up (`Mismatch`) on anything it does
/// not take as it is, and the server then decodes the body with `JSONDecoder`; so they only ever
/// give the value `JSONDecoder` would.
public indirect enum RequestNode: Sendable {
    case string(String)
    /// A long string as its bytes in the body (printable ASCII without escapes): a blob, mostly,
    /// decoded from them without a `String` made on the way.
    case text(Data)
    case integer(Int64)
    case bool(Bool)
    case null
    case array([RequestNode])
    case object(Members)

    /// A value the generated reader does not take as it is.
    public struct Mismatch: Error {
        public init() {}
    }

    /// An object's members in the order read, found by a linear search: a request has a handful,
    /// and a dictionary cost a table and a hash of every name on the way in and on every lookup.
    /// An object of more than `Members.limit` is left to `JSONDecoder` (so that neither the search
    /// nor the check for a repeated name grows with the square of a huge one).
    public struct Members: Sendable {
        public static let limit = 64
        private var names: [String] = []
        private var nodes: [RequestNode] = []

        public init() {
            names.reserveCapacity(8)
            nodes.reserveCapacity(8)
        }

        /// An optional member: nil when it is missing or null (as `decodeIfPresent` reads it).
        public func present(_ name: String) -> RequestNode? {
            guard let index = names.firstIndex(of: name) else { return nil }
            if case .null = nodes[index] { return nil }
            return nodes[index]
        }

        /// Adds a member; false when the name is already there or the object is too large.
        public mutating func add(_ name: String, _ node: RequestNode) -> Bool {
            guard names.count < Self.limit, !names.contains(name) else { return false }
            names.append(name)
            nodes.append(node)
            return true
        }

        /// Every member's value read by `read`: a map of the model (`[String: T]`).
        public func map<T>(_ read: (RequestNode) throws -> T) throws -> [String: T] {
            var map: [String: T] = [:]
            map.reserveCapacity(names.count)
            for (name, node) in zip(names, nodes) { map[name] = try read(node) }
            return map
        }
    }

    public func string() throws -> String {
        switch self {
        case .string(let text): return text
        case .text(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: throw Mismatch()
        }
    }

    /// A blob: base64 read as `JSONDecoder`'s `.base64` strategy reads it (`Base64Blob`).
    public func data() throws -> Data {
        let data: Data?
        switch self {
        case .string(let text): data = Base64Blob.decode(text)
        case .text(let bytes): data = Base64Blob.decode(utf8: bytes)
        default: throw Mismatch()
        }
        guard let data else { throw Mismatch() }
        return data
    }

    public func bool() throws -> Bool {
        guard case .bool(let flag) = self else { throw Mismatch() }
        return flag
    }

    public func int() throws -> Int {
        guard case .integer(let number) = self else { throw Mismatch() }
        return Int(number)
    }

    public func object() throws -> Members {
        guard case .object(let members) = self else { throw Mismatch() }
        return members
    }

    /// A list of the model (`[T]`): every element read by `read` (a null element is a mismatch,
    /// as it is for `JSONDecoder`).
    public func list<T>(_ read: (RequestNode) throws -> T) throws -> [T] {
        guard case .array(let elements) = self else { throw Mismatch() }
        return try elements.map(read)
    }

    /// A map of the model (`[String: T]`).
    public func map<T>(_ read: (RequestNode) throws -> T) throws -> [String: T] {
        try object().map(read)
    }
}

/// A shape the generated readers make straight from a parsed request body.
public protocol NodeReadable {
    init(node members: RequestNode.Members) throws
}
