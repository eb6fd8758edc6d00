public import Foundation
import TrentSync

/// Why a request was not authenticated: AWS's error type (`__type`) and message.
public struct AuthError: Error, Sendable, Equatable {
    public let type: String
    public let message: String

    public init(_ type: String, _ message: String) {
        self.type = type
        self.message = message
    }

    public static let missing = AuthError("MissingAuthenticationTokenException", "Missing Authentication Token")
    public static let unrecognizedClient = AuthError("UnrecognizedClientException", "The security token included in the request is invalid.")
    public static let expiredToken = AuthError("ExpiredTokenException", "The security token included in the request is expired")
    public static let signatureMismatch = AuthError(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )

    static func incomplete(_ message: String) -> AuthError { AuthError("IncompleteSignatureException", message) }
    static func invalid(_ message: String) -> AuthError { AuthError("InvalidSignatureException", message) }
}

/// What a SigV4-signed request claims: who signed it, for which scope, over which headers.
public struct SignatureClaim: Sendable, Equatable {
    public var accessKeyID: String
    /// `YYYYMMDD` of the credential scope.
    public var scopeDate: String
    public var region: String
    public var service: String
    public var signedHeaders: [String]
    public var signature: String
    /// The request time as signed (`X-Amz-Date` or `Date`), and its text.
    public var requestTime: Date
    public var amzDate: String
    public var securityToken: String?
    /// Seconds a presigned URL stays valid; `nil` for the Authorization header form.
    public var expires: Int?

    public var presigned: Bool { expires != nil }
    public var scope: String { SigV4.scope(date: scopeDate, region: region, service: service) }
}

/// Verifies SigV4 requests: header form (`Authorization: AWS4-HMAC-SHA256 …`) and presigned
/// query form (`X-Amz-Signature=…`), with the SDKs' canonical request and a clock skew window.
public enum SigV4Verifier {
    public static let allowedSkew: TimeInterval = 15 * 60
    public static let maximumPresignedExpiry = 604_800

    /// Access key and region of the credential scope, read leniently (nothing else need be
    /// well-formed): what `--dev-accept-any-credentials` goes by.
    public static func credentialScope(of request: SignableRequest) -> (accessKeyID: String?, region: String?) {
        var credential: Substring?
        if let authorization = request.values(of: "authorization").first, let range = authorization.range(of: "Credential=") {
            credential = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
        } else if let query = request.queryItems.first(where: { $0.name == "X-Amz-Credential" }) {
            credential = Substring(query.value)
        }
        guard let credential else { return (nil, nil) }
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        let accessKeyID = parts.first.map { $0.capped(128) }
        guard parts.count == 5, !parts[2].isEmpty, parts[2].count <= 32,
              parts[2].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { return (accessKeyID, nil) }
        return (accessKeyID, String(parts[2]))
    }

    /// The claim a request makes; `nil` when it carries no SigV4 authentication at all.
    public static func claim(of request: SignableRequest) throws(AuthError) -> SignatureClaim? {
        var header: String?, headerCount = 0
        request.forEachValue(of: "authorization") { value in
            if headerCount == 0 { header = value }
            headerCount += 1
        }
        if let header {
            guard headerCount == 1 else { throw .incomplete("The request carries more than one Authorization header.") }
            return try headerClaim(header, request: request)
        }
        let query = request.queryItems
        if query.contains(where: { $0.name == "X-Amz-Signature" || $0.name == "X-Amz-Credential" || $0.name == "X-Amz-Algorithm" }) {
            return try queryClaim(query)
        }
        return nil
    }

    /// The Authorization header's fields, read in place: a repeated field counts with its last value.
    private struct HeaderFields {
        var credential: String?, signature: String?
        /// Split at every `;`, empty names kept (for the checks to refuse).
        var signedHeaders: [String]?
    }

    /// Byte by byte over the header's own storage: every request passes here, and the header is
    /// ASCII when well-formed.
    private static func headerFields(_ header: UnsafeBufferPointer<UInt8>) -> Result<HeaderFields, AuthError> {
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var (lower, upper) = (range.lowerBound, range.upperBound)
            while lower < upper, isSpace(header[lower]) { lower += 1 }
            while upper > lower, isSpace(header[upper - 1]) { upper -= 1 }
            return lower..<upper
        }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: header[range]), as: UTF8.self) }
        func equals(_ range: Range<Int>, _ name: String) -> Bool {
            let field = UnsafeBufferPointer(rebasing: header[range])
            return name.utf8.withContiguousStorageIfAvailable { SigV4.sameBytes(field, $0) } ?? field.elementsEqual(name.utf8)
        }
        func names(_ range: Range<Int>) -> [String] {
            var names: [String] = [], start = range.lowerBound
            for index in range where header[index] == UInt8(ascii: ";") {
                names.append(text(start..<index))
                start = index + 1
            }
            names.append(text(start..<range.upperBound))
            return names
        }

        let whole = trimmed(0..<header.count)
        guard let space = whole.first(where: { header[$0] == UInt8(ascii: " ") }) else {
            return .failure(.incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters."))
        }
        guard equals(whole.lowerBound..<space, SigV4.algorithm) else {
            return .failure(.incomplete("Unsupported AWS 'algorithm': '\(text(whole.lowerBound..<space).prefix(32))'. Only \(SigV4.algorithm) is supported."))
        }
        // Comma-separated (empty parts skipped), each `name=value` with spaces around it trimmed.
        var fields = HeaderFields()
        var start = space
        while start < whole.upperBound {
            var end = start
            while end < whole.upperBound, header[end] != UInt8(ascii: ",") { end += 1 }
            defer { start = end + 1 }
            guard end > start else { continue }
            let field = trimmed(start..<end)
            guard let equalsSign = field.first(where: { header[$0] == UInt8(ascii: "=") }) else {
                return .failure(.incomplete("'\(text(field).prefix(64))' not a valid key=value pair (missing equal-sign) in Authorization header."))
            }
            let name = field.lowerBound..<equalsSign, value = (equalsSign + 1)..<field.upperBound
            if equals(name, "Credential") {
                fields.credential = text(value)
            } else if equals(name, "Signature") {
                fields.signature = text(value)
            } else if equals(name, "SignedHeaders") {
                fields.signedHeaders = names(value)
            }
        }
        return .success(fields)
    }

    private static func headerClaim(_ header: String, request: SignableRequest) throws(AuthError) -> SignatureClaim {
        // A header seen before but for its signature: only what depends on the request is checked
        // again. Anything amiss goes the long way, which finds it and says what it is.
        let signed = ClaimCache.split(header)
        if let signed, let known = ClaimCache.shared.entry(header: header, unsignedCount: signed.unsignedCount),
           let claim = knownClaim(known, signature: signed.signature, request: request) {
            return claim
        }
        let claim = try parsedHeaderClaim(header, request: request)
        if let signed { ClaimCache.shared.remember(ClaimCache.Entry(claim), as: String(decoding: header.utf8.prefix(signed.unsignedCount), as: UTF8.self)) }
        return claim
    }

    /// The claim of a header whose fields were checked before (`known`), if this request's date
    /// and the signature pass the checks the long way makes of them; nil when one does not.
    private static func knownClaim(_ known: ClaimCache.Entry, signature: Substring, request: SignableRequest) -> SignatureClaim? {
        let requestTime: Date, amzDate: String
        if let text = request.firstValue(of: "x-amz-date") {
            guard known.signsAmzDate, let time = SigV4.parseAmzDate(text) else { return nil }
            (requestTime, amzDate) = (time, text)
        } else {
            guard known.signsDate, let text = request.firstValue(of: "date"), let time = parseHTTPDate(text) else { return nil }
            (requestTime, amzDate) = (time, SigV4.amzDate(time))
        }
        guard SigV4.sameBytes(known.scopeDate, Substring(amzDate.utf8.prefix(8))), SigV4.allBytes(of: signature, Self.isHexByte) else { return nil }
        let hasUpperCase = !SigV4.allBytes(of: signature) { !(UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
        return SignatureClaim(
            accessKeyID: known.accessKeyID, scopeDate: known.scopeDate, region: known.region, service: known.service,
            signedHeaders: known.signedHeaders, signature: hasUpperCase ? signature.lowercased() : String(signature),
            requestTime: requestTime, amzDate: amzDate, securityToken: request.firstValue(of: "x-amz-security-token"), expires: nil
        )
    }

    private static func parsedHeaderClaim(_ header: String, request: SignableRequest) throws(AuthError) -> SignatureClaim {
        let parsed = header.utf8.withContiguousStorageIfAvailable(headerFields) ?? Array(header.utf8).withUnsafeBufferPointer(headerFields)
        let fields = try parsed.get()
        // Each field checked by itself: a list of the three, built to look for the missing ones,
        // cost an allocation on every call.
        var missing: [String] = []
        if fields.credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if fields.signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if fields.signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        let amzDate = request.firstValue(of: "x-amz-date")
        let httpDate = request.firstValue(of: "date")
        if amzDate == nil, httpDate == nil {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        guard missing.isEmpty, let credential = fields.credential, let signature = fields.signature, let signedHeaders = fields.signedHeaders
        else { throw .incomplete(missing.joined(separator: " ")) }

        let requestTime: Date, dateText: String
        if let amzDate {
            guard let time = SigV4.parseAmzDate(amzDate) else {
                throw .incomplete("Date must be in ISO-8601 'basic format'. Got '\(amzDate.prefix(40))'. See http://en.wikipedia.org/wiki/ISO_8601")
            }
            (requestTime, dateText) = (time, amzDate)
        } else {
            guard let httpDate, let time = parseHTTPDate(httpDate) else {
                throw .incomplete("Date must be in RFC 1123 format when X-Amz-Date is absent.")
            }
            (requestTime, dateText) = (time, SigV4.amzDate(time))
        }
        let dateHeader = amzDate != nil ? "x-amz-date" : "date"
        return try makeClaim(
            credential: credential, signedHeaders: signedHeaders, signature: signature, requestTime: requestTime, amzDate: dateText,
            securityToken: request.firstValue(of: "x-amz-security-token"), expires: nil, dateHeader: dateHeader
        )
    }

    private static func queryClaim(_ query: [(name: String, value: String)]) throws(AuthError) -> SignatureClaim {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        var missing: [String] = []
        for name in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires"]
        where value(name) == nil {
            missing.append("AWS query-string parameters must include '\(name)'.")
        }
        guard missing.isEmpty, let algorithm = value("X-Amz-Algorithm"), let credential = value("X-Amz-Credential"),
              let signature = value("X-Amz-Signature"), let signedHeaders = value("X-Amz-SignedHeaders"),
              let amzDate = value("X-Amz-Date"), let expiresText = value("X-Amz-Expires")
        else { throw .incomplete(missing.joined(separator: " ") + " Re-examine the query-string parameters.") }
        guard algorithm == SigV4.algorithm else {
            throw .incomplete("X-Amz-Algorithm only supports \"\(SigV4.algorithm)\"")
        }
        guard let requestTime = SigV4.parseAmzDate(amzDate) else {
            throw .incomplete("X-Amz-Date must be in ISO-8601 'basic format'. Got '\(amzDate.prefix(40))'.")
        }
        guard let expires = Int(expiresText), (1...maximumPresignedExpiry).contains(expires) else {
            throw .incomplete("X-Amz-Expires must be a number of seconds between 1 and \(maximumPresignedExpiry).")
        }
        return try makeClaim(
            credential: credential, signedHeaders: signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map(String.init),
            signature: signature, requestTime: requestTime, amzDate: amzDate, securityToken: value("X-Amz-Security-Token"),
            expires: expires, dateHeader: nil
        )
    }

    private static func makeClaim(
        credential: String, signedHeaders: [String], signature: String, requestTime: Date, amzDate: String,
        securityToken: String?, expires: Int?, dateHeader: String?
    ) throws(AuthError) -> SignatureClaim {
        let parts = credentialParts(credential)
        guard parts.count == 5, !parts[0].isEmpty else {
            throw .incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(credential.prefix(200))'")
        }
        // Byte comparisons: the terminator and the request's date (checked digits) are ASCII.
        guard SigV4.sameBytes(parts[4], SigV4.terminator) else {
            throw .invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4].prefix(32))'.")
        }
        guard SigV4.sameBytes(parts[1], amzDate.prefix(8)) else {
            throw .invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(parts[1].prefix(16))' != '\(amzDate.prefix(8))', from '\(amzDate)'.")
        }
        let region = String(parts[2])
        guard !region.isEmpty, region.utf8.count <= 32, SigV4.allBytes(of: region, Self.isRegionByte) else {
            throw .invalid("Credential should be scoped to a valid region, not '\(region.prefix(32))'.")
        }
        // Sorted without repeats is strictly increasing.
        guard !signedHeaders.isEmpty, signedHeaders.allSatisfy({ !$0.isEmpty && isLowerCase($0) }),
              zip(signedHeaders, signedHeaders.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw .incomplete("SignedHeaders must be a ';'-separated, sorted list of lower-case header names.")
        }
        guard signedHeaders.contains("host") else {
            throw .invalid("'Host' must be a signed header.")
        }
        if let dateHeader, !signedHeaders.contains(dateHeader) {
            throw .invalid("'\(dateHeader == "date" ? "Date" : "X-Amz-Date")' must be a signed header.")
        }
        guard signature.utf8.count == 64, SigV4.allBytes(of: signature, Self.isHexByte) else { throw .signatureMismatch }
        let hasUpperCase = !SigV4.allBytes(of: signature) { !(UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
        return SignatureClaim(
            accessKeyID: String(parts[0]), scopeDate: String(parts[1]), region: region, service: String(parts[3]), signedHeaders: signedHeaders,
            signature: hasUpperCase ? signature.lowercased() : signature, requestTime: requestTime, amzDate: amzDate,
            securityToken: securityToken, expires: expires
        )
    }

    /// The credential split at every `/` byte, empty parts kept.
    static func credentialParts(_ credential: String) -> [Substring] {
        var parts: [Substring] = []
        parts.reserveCapacity(5)
        let utf8 = credential.utf8
        func split(_ bytes: some Collection<UInt8>) {
            // Offsets into UTF-8 text index it directly (stepping `utf8`'s indices one by one is slower).
            func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
            var start = 0
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "/") {
                parts.append(credential[index(start)..<index(offset)])
                start = offset + 1
            }
            parts.append(credential[index(start)..<utf8.endIndex])
        }
        if utf8.withContiguousStorageIfAvailable(split) == nil { split(utf8) }
        return parts
    }

    /// Whether lower-casing would leave `name` as it is (without making a lower-cased copy when ASCII).
    static func isLowerCase(_ name: String) -> Bool {
        func isUpper(_ byte: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
        if SigV4.allBytes(of: name, { $0 < 0x80 && !isUpper($0) }) { return true }
        return SigV4.allBytes(of: name) { !isUpper($0) } && name == name.lowercased()
    }

    /// ASCII letters, digits and `-` (a region name).
    static func isRegionByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
    }

    static func isHexByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// Checks the claim's service and time, then the signature itself under `secret`.
    public static func verify(_ request: SignableRequest, claim: SignatureClaim, secret: String, now: Date, service: String) throws(AuthError) {
        guard claim.service == service else {
            throw .invalid("Credential should be scoped to correct service: '\(service)'. ")
        }
        var nowText: String { SigV4.amzDate(now) }  // for the messages only
        if let expires = claim.expires {
            if now > claim.requestTime.addingTimeInterval(TimeInterval(expires)) {
                throw .invalid("Signature expired: \(claim.amzDate) is now earlier than \(SigV4.amzDate(now.addingTimeInterval(-TimeInterval(expires)))) (\(nowText) - \(expires) sec.)")
            }
        } else if claim.requestTime < now.addingTimeInterval(-allowedSkew) {
            throw .invalid("Signature expired: \(claim.amzDate) is now earlier than \(SigV4.amzDate(now.addingTimeInterval(-allowedSkew))) (\(nowText) - 15 min.)")
        }
        if claim.requestTime > now.addingTimeInterval(allowedSkew) {
            throw .invalid("Signature not yet current: \(claim.amzDate) is still later than \(SigV4.amzDate(now.addingTimeInterval(allowedSkew))) (\(nowText) + 15 min.)")
        }
        let bodyHash = SigV4.hexSHA256(request.body)
        if let declared = request.firstValue(of: "x-amz-content-sha256"), declared.lowercased() != bodyHash {
            throw .invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        // The payload is always signed (the SDKs sign it for every service but S3, presigned too).
        let canonical = SigV4.canonicalRequestBytes(
            request, signedHeaders: claim.signedHeaders, payloadHash: bodyHash,
            excludingQuery: claim.presigned ? ["X-Amz-Signature"] : []
        )
        let expected = SigV4.signature(
            canonicalRequest: canonical, amzDate: claim.amzDate, date: claim.scopeDate, region: claim.region, service: claim.service, secret: secret
        )
        let matches = claim.signature.utf8.withContiguousStorageIfAvailable { SigV4.constantTimeEquals(expected, $0) }
            ?? SigV4.constantTimeEquals(expected, Array(claim.signature.utf8))
        guard matches else { throw .signatureMismatch }
    }

    /// RFC 1123 (`Sun, 29 Nov 2026 02:25:57 GMT`), the `Date` header's form.
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// The fields of Authorization headers that passed the checks, by the header without its
/// signature (`…, Signature=` and 64 characters at the end, as the SDKs write it): a client signs
/// every request with the same credential scope and signed headers for the day, and parsing
/// and checking them again, with the strings and arrays it makes, was a fifth of SigV4's CPU.
final class ClaimCache: @unchecked Sendable {
    struct Entry {
        let accessKeyID: String, scopeDate: String, region: String, service: String
        let signedHeaders: [String]
        /// `x-amz-date` and `date` are among the signed headers.
        let signsAmzDate: Bool, signsDate: Bool

        init(_ claim: SignatureClaim) {
            accessKeyID = claim.accessKeyID
            scopeDate = claim.scopeDate
            region = claim.region
            service = claim.service
            signedHeaders = claim.signedHeaders
            signsAmzDate = claim.signedHeaders.contains("x-amz-date")
            signsDate = claim.signedHeaders.contains("date")
        }
    }

    static let shared = ClaimCache()
    static let limit = 1024
    private let lock = AdaptiveLock()
    private var entries: [String: Entry] = [:]

    /// How many of the header's UTF-8 bytes come before the 64 characters of its signature (the
    /// part the cache knows it by), and those; nil unless the header ends in `Signature=` and 64
    /// characters after a space or a comma.
    static func split(_ header: String) -> (unsignedCount: Int, signature: Substring)? {
        let utf8 = header.utf8
        let suffix = "Signature=".utf8.count + 64
        guard utf8.count > suffix else { return nil }
        let nameStart = utf8.index(utf8.endIndex, offsetBy: -suffix)
        let signatureStart = utf8.index(nameStart, offsetBy: 10)
        guard utf8[nameStart..<signatureStart].elementsEqual("Signature=".utf8),
              [UInt8(ascii: " "), UInt8(ascii: ",")].contains(utf8[utf8.index(before: nameStart)])
        else { return nil }
        return (utf8.count - 64, header[signatureStart...])
    }

    /// The entry of a header whose first `unsignedCount` bytes are its unsigned part: first among
    /// the headers found last, compared in place (a client sends the same one all day), then by
    /// the unsigned part's text, which takes a copy and hashing it.
    func entry(header: String, unsignedCount: Int) -> Entry? {
        var header = header
        return header.withUTF8 { bytes in
            let unsigned = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[..<unsignedCount])
            return lock.withLock {
                for known in recent where known.unsigned.count == unsigned.count {
                    if known.unsigned.withUnsafeBytes({ memcmp($0.baseAddress!, unsigned.baseAddress!, unsigned.count) }) == 0 { return known.entry }
                }
                guard let entry = entries[String(decoding: unsigned, as: UTF8.self)] else { return nil }
                rememberRecent(Array(unsigned), entry)
                return entry
            }
        }
    }

    func entry(_ unsigned: String) -> Entry? {
        lock.withLock { entries[unsigned] }
    }

    /// Forgets every header (tests).
    func removeAll() {
        lock.withLock {
            entries.removeAll()
            recent.removeAll()
        }
    }

    func remember(_ entry: Entry, as unsigned: String) {
        lock.withLock {
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[unsigned] = entry
            rememberRecent(Array(unsigned.utf8), entry)
        }
    }

    static let recentLimit = 8
    /// The unsigned parts found or remembered last, newest replacing the oldest.
    private var recent: [(unsigned: [UInt8], entry: Entry)] = []
    private var nextRecent = 0

    /// Under `lock`.
    private func rememberRecent(_ unsigned: [UInt8], _ entry: Entry) {
        guard !unsigned.isEmpty else { return }
        if recent.count < Self.recentLimit {
            recent.append((unsigned, entry))
        } else {
            recent[nextRecent] = (unsigned, entry)
            nextRecent = (nextRecent + 1) % Self.recentLimit
        }
    }
}
