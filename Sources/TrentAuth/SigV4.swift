public import Foundation
public import Crypto

/// An HTTP request as AWS Signature Version 4 sees it.
public struct SignableRequest: Sendable {
    public var method: String
    /// The path as sent on the wire (percent-encoded), without the query.
    public var path: String
    /// The query as sent on the wire, without `?`; empty when there is none.
    public var query: String
    /// Header fields as sent; names in any case. `host` must be among them.
    public var headers: [(name: String, value: String)] {
        get { fields }
        set {
            fields = newValue
            lowercasedNames = newValue.map { Self.lowercased($0.name) }
        }
    }
    public var body: Data
    private var fields: [(name: String, value: String)]
    /// The header names in lower case, looked up many times per verification.
    private var lowercasedNames: [String]

    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], body: Data) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        fields = headers
        lowercasedNames = headers.map { Self.lowercased($0.name) }
    }

    /// Every value of a header (case-insensitive name), in order.
    public func values(of name: String) -> [String] {
        let name = Self.lowercased(name)
        var values: [String] = []
        for (index, candidate) in lowercasedNames.enumerated() where candidate == name { values.append(fields[index].value) }
        return values
    }

    /// Lower case, without a new string when there is nothing to change (the usual case).
    private static func lowercased(_ name: String) -> String {
        name.utf8.contains { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } || !name.utf8.allSatisfy { $0 < 0x80 } ? name.lowercased() : name
    }

    /// The decoded query parameters, in order.
    public var queryItems: [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }
}

/// The pieces of AWS Signature Version 4 (HMAC-SHA256), as the AWS SDKs build them. Used by the
/// server to verify requests and by clients to sign them, so both agree by construction.
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let terminator = "aws4_request"

    /// RFC 3986 unreserved characters stay; everything else is %XX (upper case). `/` stays in paths.
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// The canonical URI of a non-S3 service: the path normalized (no `.`/`..` or empty
    /// segments), then each segment encoded once more, as the SDKs do.
    public static func canonicalURI(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(segment)
        }
        var normalized = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/"), normalized != "/" { normalized += "/" }
        return uriEncode(normalized, keepSlash: true)
    }

    /// Parameters decoded, re-encoded strictly, sorted by name then value; `excluding` names left out.
    public static func canonicalQuery(_ items: [(name: String, value: String)], excluding: Set<String> = []) -> String {
        let encoded: [(name: String, value: String)] = items.filter { !excluding.contains($0.name) }
            .map { (name: uriEncode($0.name), value: uriEncode($0.value)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// `name:value` lines for the signed headers (sorted, lower-case), values trimmed with runs
    /// of spaces collapsed, repeated headers joined with commas.
    public static func canonicalHeaders(_ request: SignableRequest, signed: [String]) -> String {
        var out = ""
        for name in signed {
            out += name
            out += ":"
            for (index, value) in request.values(of: name).enumerated() {
                if index > 0 { out += "," }
                out += collapsingSpaces(value)
            }
            out += "\n"
        }
        return out
    }

    /// Trimmed of spaces and tabs, inner runs of them one space; the value itself when already so.
    static func collapsingSpaces(_ value: String) -> String {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var previousSpace = true, clean = true
        for byte in value.utf8 {
            let space = isSpace(byte)
            if space && (previousSpace || byte == UInt8(ascii: "\t")) { clean = false; break }
            previousSpace = space
        }
        if clean && !previousSpace || value.isEmpty { return value }
        return value.utf8.split(whereSeparator: isSpace).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    public static func hexSHA256(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex of bytes.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func canonicalRequest(
        _ request: SignableRequest, signedHeaders: [String], payloadHash: String, excludingQuery: Set<String> = []
    ) -> String {
        [
            request.method.uppercased(),
            canonicalURI(request.path),
            canonicalQuery(request.queryItems, excluding: excludingQuery),
            canonicalHeaders(request, signed: signedHeaders),
            signedHeaders.joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    public static func scope(date: String, region: String, service: String) -> String {
        "\(date)/\(region)/\(service)/\(terminator)"
    }

    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, hexSHA256(Data(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
    /// remembered (as the SDKs do): it changes once a day per access key, region and service.
    public static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        let name = SigningKeyCache.Name(secret: secret, date: date, region: region, service: service)
        if let known = SigningKeyCache.shared.key(name) { return known }
        let key = deriveSigningKey(secret: secret, date: date, region: region, service: service)
        SigningKeyCache.shared.remember(key, as: name)
        return key
    }

    static func deriveSigningKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + secret).utf8))
        for part in [date, region, service, terminator] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    public static func signature(stringToSign: String, key: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// `20261129T123456Z` ↔ Date (UTC).
    public static func amzDate(_ date: Date) -> String {
        let f = UTCCalendar.fields(date), pad = UTCCalendar.pad
        return "\(pad(f.year, 4))\(pad(f.month, 2))\(pad(f.day, 2))T\(pad(f.hour, 2))\(pad(f.minute, 2))\(pad(f.second, 2))Z"
    }

    public static func parseAmzDate(_ text: String) -> Date? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 16, utf8[8] == UInt8(ascii: "T"), utf8[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for digit in utf8[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
                value = value * 10 + Int(digit - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        return UTCCalendar.date(.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }

    /// Equal-length strings compared without an early exit.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

extension BidirectionalCollection where Element == UInt8 {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingSpaces() -> SubSequence {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Derived signing keys by secret, date, region and service; emptied when it holds `limit`.
final class SigningKeyCache: @unchecked Sendable {
    struct Name: Hashable {
        let secret: String, date: String, region: String, service: String
    }

    static let shared = SigningKeyCache()
    static let limit = 1024
    private let lock = NSLock()
    private var keys: [Name: SymmetricKey] = [:]

    func key(_ name: Name) -> SymmetricKey? {
        lock.withLock { keys[name] }
    }

    func remember(_ key: SymmetricKey, as name: Name) {
        lock.withLock {
            if keys.count >= Self.limit { keys.removeAll(keepingCapacity: true) }
            keys[name] = key
        }
    }
}
