public import Foundation
public import Crypto
import TrentOpenSSL
import TrentSync

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
        self.init(method: method, path: path, query: query, headers: headers, lowercasedNames: headers.map { Self.lowercased($0.name) }, body: body)
    }

    /// A request whose header names the caller has already put in lower case
    /// (`lowercasedNames[i]` is `headers[i].name` in lower case), as a reader of the raw bytes
    /// does while it scans them.
    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], lowercasedNames: [String], body: Data) {
        assert(lowercasedNames == headers.map { Self.lowercased($0.name) })
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        fields = headers
        self.lowercasedNames = lowercasedNames
    }

    /// Every value of a header (case-insensitive name), in order.
    public func values(of name: String) -> [String] {
        let name = Self.lowercased(name)
        var values: [String] = []
        for (index, candidate) in lowercasedNames.enumerated() where candidate == name { values.append(fields[index].value) }
        return values
    }

    /// A header's value (name in lower case): its one value as it is, several joined with ", ".
    public func joinedValue(of lowercasedName: String) -> String? {
        var found: String?
        forEachValue(of: lowercasedName) { value in found = found.map { $0 + ", " + value } ?? value }
        return found
    }

    /// The first value of a header whose name is already lower case.
    func firstValue(of lowercasedName: String) -> String? {
        for (index, candidate) in lowercasedNames.enumerated() where candidate == lowercasedName { return fields[index].value }
        return nil
    }

    /// Calls `body` with every value of a header whose name is already lower case, in order.
    func forEachValue(of lowercasedName: String, _ body: (String) -> Void) {
        for (index, candidate) in lowercasedNames.enumerated() where candidate == lowercasedName { body(fields[index].value) }
    }

    /// Lower case, without a new string when there is nothing to change (the usual case).
    private static func lowercased(_ name: String) -> String { name.lowercasedASCIIFirst }

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
        var out: [UInt8] = []
        appendCanonicalHeaders(request, signed: signed, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendCanonicalHeaders(_ request: SignableRequest, signed: [String], to out: inout [UInt8]) {
        for name in signed {
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            var first = true
            request.forEachValue(of: name) { value in
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendCollapsingSpaces(value, to: &out)
            }
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// The value trimmed of spaces and tabs, inner runs of them one space. Read in place; a value
    /// with nothing to trim or collapse (the usual one) is copied whole.
    static func appendCollapsingSpaces(_ value: String, to out: inout [UInt8]) {
        if value.utf8.withContiguousStorageIfAvailable({ appendCollapsingSpaces($0, to: &out) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { appendCollapsingSpaces($0, to: &out) }
        }
    }

    private static func appendCollapsingSpaces(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var clean = value.first.map { !isSpace($0) } ?? true
        if clean, let last = value.last, isSpace(last) { clean = false }
        if clean {
            var previousSpace = false
            for byte in value {
                if byte == UInt8(ascii: "\t") || (byte == UInt8(ascii: " ") && previousSpace) {
                    clean = false
                    break
                }
                previousSpace = byte == UInt8(ascii: " ")
            }
        }
        if clean {
            out.append(contentsOf: value)
            return
        }
        var started = false, pendingSpace = false
        for byte in value {
            if isSpace(byte) {
                pendingSpace = started
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")); pendingSpace = false }
                out.append(byte)
                started = true
            }
        }
    }

    /// Whether every UTF-8 byte of `text` passes `test`, read in place (iterating `utf8` goes
    /// index by index).
    static func allBytes(of text: some StringProtocol, _ test: (UInt8) -> Bool) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(test) } ?? text.utf8.allSatisfy(test)
    }

    /// Whether two texts are the same bytes (not merely canonically equivalent), read in place.
    static func sameBytes(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let inPlace = a.utf8.withContiguousStorageIfAvailable { x in b.utf8.withContiguousStorageIfAvailable { y in sameBytes(x, y) } }
        return (inPlace ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }

    static func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    /// Lower-case hex of the SHA-256 of `data`, read in place region by region (a body is one).
    public static func hexSHA256(_ data: some DataProtocol) -> String {
        var state = SHA256State()
        for region in data.regions { region.withUnsafeBytes { state.update($0) } }
        return state.finish().withUnsafeBytes { hex($0) }
    }

    /// Lower-case hex of bytes.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A digest's bytes in hex, read in place (iterating a digest copies it into an array first).
    static func appendHex(digest: some ContiguousBytes, to out: inout [UInt8]) {
        digest.withUnsafeBytes { bytes in
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: bytes.count * 2))
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { digits in
                out.withUnsafeMutableBufferPointer { target in
                    for (index, byte) in bytes.enumerated() {
                        target[start + 2 * index] = digits[Int(byte >> 4)]
                        target[start + 2 * index + 1] = digits[Int(byte & 0x0F)]
                    }
                }
            }
        }
    }

    static func appendHex(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
    }

    public static func canonicalRequest(
        _ request: SignableRequest, signedHeaders: [String], payloadHash: String, excludingQuery: Set<String> = []
    ) -> String {
        String(decoding: canonicalRequestBytes(request, signedHeaders: signedHeaders, payloadHash: payloadHash, excludingQuery: excludingQuery), as: UTF8.self)
    }

    /// The canonical request as the bytes that are hashed, written without intermediate strings
    /// for the usual `POST /` with no query (every request passes here).
    static func canonicalRequestBytes(
        _ request: SignableRequest, signedHeaders: [String], payloadHash: String, excludingQuery: Set<String> = []
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        let newline = UInt8(ascii: "\n")
        for byte in request.method.utf8 {
            out.append((UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte)
        }
        out.append(newline)
        if request.path == "/" { out.append(UInt8(ascii: "/")) } else { out.append(contentsOf: canonicalURI(request.path).utf8) }
        out.append(newline)
        if !request.query.isEmpty { out.append(contentsOf: canonicalQuery(request.queryItems, excluding: excludingQuery).utf8) }
        out.append(newline)
        appendCanonicalHeaders(request, signed: signedHeaders, to: &out)
        out.append(newline)
        for (index, name) in signedHeaders.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            out.append(contentsOf: name.utf8)
        }
        out.append(newline)
        out.append(contentsOf: payloadHash.utf8)
        return out
    }

    public static func scope(date: String, region: String, service: String) -> String {
        "\(date)/\(region)/\(service)/\(terminator)"
    }

    /// The signature (lower-case hex) of a canonical request: HMAC-SHA256, under the day's signing
    /// key, of the string to sign (algorithm, time, scope, hash of the canonical request).
    static func signature(canonicalRequest: [UInt8], amzDate: String, date: String, region: String, service: String, secret: String) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(160)
        let newline = UInt8(ascii: "\n"), slash = UInt8(ascii: "/")
        text.append(contentsOf: algorithm.utf8)
        text.append(newline)
        text.append(contentsOf: amzDate.utf8)
        text.append(newline)
        text.append(contentsOf: date.utf8)
        text.append(slash)
        text.append(contentsOf: region.utf8)
        text.append(slash)
        text.append(contentsOf: service.utf8)
        text.append(slash)
        text.append(contentsOf: terminator.utf8)
        text.append(newline)
        appendHex(digest: canonicalRequest.withUnsafeBytes { SHA256State.hash($0) }, to: &text)
        let mac = signingEntry(secret: secret, date: date, region: region, service: service).mac
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendHex(digest: text.withUnsafeBytes { mac.authenticationCode($0) }, to: &out)
        return out
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
    /// remembered (as the SDKs do): it changes once a day per access key, region and service.
    public static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        signingEntry(secret: secret, date: date, region: region, service: service).key
    }

    private static func signingEntry(secret: String, date: String, region: String, service: String) -> SigningKeyCache.Entry {
        let name = SigningKeyCache.Name(secret: secret, date: date, region: region, service: service)
        if let known = SigningKeyCache.shared.entry(name) { return known }
        let key = deriveSigningKey(secret: secret, date: date, region: region, service: service)
        let entry = SigningKeyCache.Entry(key: key, mac: HMACSHA256Key(key: key))
        SigningKeyCache.shared.remember(entry, as: name)
        return entry
    }

    static func deriveSigningKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + secret).utf8))
        for part in [date, region, service, terminator] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// `20261129T123456Z` ↔ Date (UTC).
    public static func amzDate(_ date: Date) -> String {
        let f = UTCCalendar.fields(date), pad = UTCCalendar.pad
        return "\(pad(f.year, 4))\(pad(f.month, 2))\(pad(f.day, 2))T\(pad(f.hour, 2))\(pad(f.minute, 2))\(pad(f.second, 2))Z"
    }

    public static func parseAmzDate(_ text: String) -> Date? {
        text.utf8.withContiguousStorageIfAvailable(parseAmzDate) ?? Array(text.utf8).withUnsafeBufferPointer(parseAmzDate)
    }

    private static func parseAmzDate(_ utf8: UnsafeBufferPointer<UInt8>) -> Date? {
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
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    static func constantTimeEquals(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        y.withUnsafeBufferPointer { constantTimeEquals(x, $0) }
    }

    static func constantTimeEquals(_ x: [UInt8], _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
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

    struct Entry {
        let key: SymmetricKey
        /// HMAC under the signing key, its inner and outer blocks hashed once (not per request).
        let mac: HMACSHA256Key
    }

    static let shared = SigningKeyCache()
    static let limit = 1024
    private let lock = AdaptiveLock()
    private var entries: [Name: Entry] = [:]

    func entry(_ name: Name) -> Entry? {
        lock.withLock { entries[name] }
    }

    func remember(_ entry: Entry, as name: Name) {
        lock.withLock {
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[name] = entry
        }
    }
}
