import Foundation
import Testing
@testable import TrentAuth

/// Requests signed by botocore (an independent SigV4 implementation), with the secret
/// "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" of access key AKIDEXAMPLE at 20261129T023629Z.
struct Vector: Sendable {
    let method: String, path: String, query: String
    let headers: [(name: String, value: String)]
    let body: String

    var request: SignableRequest {
        SignableRequest(method: method, path: path, query: query, headers: headers, body: Data(body.utf8))
    }
}

let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
let signedAt = SigV4.parseAmzDate("20261129T023629Z")!
let botocoreVectors: [Vector] = [
        Vector(method: "POST", path: "/", query: "", headers: [("host", "127.0.0.1:4599"), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.CreateKey"), ("X-Amz-Date", "20261129T023629Z"), ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/eu-west-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0be9407841c26dcb0e5815b2d08d901275e338bb3fcdc45230ec88200fa2fd37"), ("Content-Length", "22")], body: "{\"Description\":\"a  b\"}"),
        Vector(method: "POST", path: "/a%20b/./c/../d", query: "z=1&a=%2F%20x&a=0&b", headers: [("host", "localhost"), ("Content-Type", "x"), ("X-Extra", "  two   spaces  "), ("X-Amz-Date", "20261129T023629Z"), ("X-Amz-Security-Token", "TOKEN/+="), ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-extra, Signature=e9cb290f9b314a919f5bd007c7befaa81658d629ab6f8b33fce1b4bcf64f92db"), ("Content-Length", "0")], body: ""),
        Vector(method: "POST", path: "/", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261129%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Date=20261129T023629Z&X-Amz-Expires=300&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target&X-Amz-Signature=de2f2eba706690fa299403f256537d734a0a135eabe999052370b9ae9885aae1", headers: [("host", "127.0.0.1:4599"), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.ListKeys"), ("Content-Length", "0")], body: ""),
]

@Suite struct SigV4Tests {
    /// Header names are found whatever their case: ASCII ones lower-cased byte by byte, others by
    /// Unicode's case mapping.
    @Test func headerNamesAreFoundInAnyCase() {
        let request = SignableRequest(method: "POST", path: "/", query: "", headers: [
            ("X-Amz-TARGET", "a"), ("x-amz-target", "b"), ("content-type", "c"), ("@[`{-Z", "d"), ("Ünïcode-X", "e"), ("host", "f"),
        ], body: Data())
        #expect(request.values(of: "x-amz-target") == ["a", "b"])
        #expect(request.values(of: "X-AMZ-Target") == ["a", "b"])
        #expect(request.joinedValue(of: "x-amz-target") == "a, b")
        #expect(request.joinedValue(of: "content-type") == "c")
        // The bytes next to the letters' ranges stay as they are.
        #expect(request.values(of: "@[`{-z") == ["d"])
        #expect(request.values(of: "@[`{-Z") == ["d"])
        #expect(request.values(of: "@{`{-z").isEmpty)
        #expect(request.values(of: "ÜNÏCODE-x") == ["e"])
        #expect(request.joinedValue(of: "ünïcode-x") == "e")
    }

    /// The signing-key derivation example of AWS's SigV4 documentation.
    @Test func signingKeyMatchesAWSDocumentation() {
        let key = SigV4.signingKey(secret: secret, date: "20150830", region: "us-east-1", service: "iam")
        let hex = key.withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    @Test(arguments: 0..<botocoreVectors.count)
    func verifiesBotocoreSignatures(index: Int) throws {
        let request = botocoreVectors[index].request
        let claim = try #require(try SigV4Verifier.claim(of: request))
        #expect(claim.accessKeyID == "AKIDEXAMPLE")
        try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt, service: "kms")
        #expect(throws: AuthError.signatureMismatch) {
            try SigV4Verifier.verify(request, claim: claim, secret: secret + "x", now: signedAt, service: "kms")
        }
    }

    @Test func ourSignerMatchesBotocore() {
        let vector = botocoreVectors[0]
        var request = vector.request
        let expected = request.values(of: "authorization").first
        request.headers.removeAll { ["authorization", "x-amz-date", "content-length"].contains($0.name.lowercased()) }
        SigV4Signer.sign(&request, credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret), region: "eu-west-1", service: "kms", now: signedAt)
        #expect(request.values(of: "authorization").first == expected)
    }

    @Test func ourPresignedRequestsVerify() throws {
        var request = SignableRequest(method: "POST", path: "/", query: "", headers: [("Host", "127.0.0.1:4599")], body: Data("{}".utf8))
        SigV4Signer.presign(&request, credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret), region: "us-east-1", service: "kms", now: signedAt, expires: 60)
        let claim = try #require(try SigV4Verifier.claim(of: request))
        #expect(claim.presigned && claim.expires == 60)
        try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt.addingTimeInterval(59), service: "kms")
        #expect(throws: AuthError.self) { try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt.addingTimeInterval(61), service: "kms") }
    }

    /// Any change after signing — body, a signed header, the path, the query — breaks the signature.
    @Test func alterationsAreDetected() throws {
        let original = botocoreVectors[1].request
        var alterations: [SignableRequest] = []
        var r = original; r.body = Data("x".utf8); alterations.append(r)
        r = original; r.headers = r.headers.map { $0.name == "X-Extra" ? ($0.name, "other") : $0 }; alterations.append(r)
        r = original; r.path = "/a%20b/d/e"; alterations.append(r)
        r = original; r.query = "z=2&a=%2F%20x&a=0&b"; alterations.append(r)
        r = original; r.method = "PUT"; alterations.append(r)
        for request in alterations {
            let claim = try #require(try SigV4Verifier.claim(of: request))
            #expect(throws: AuthError.signatureMismatch) { try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt, service: "kms") }
        }
    }

    @Test func clockSkewAndScope() throws {
        let request = botocoreVectors[0].request
        let claim = try #require(try SigV4Verifier.claim(of: request))
        try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt.addingTimeInterval(14 * 60), service: "kms")
        try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt.addingTimeInterval(-14 * 60), service: "kms")
        #expect(throws: AuthError.self) { try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt.addingTimeInterval(16 * 60), service: "kms") }
        #expect(throws: AuthError.self) { try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt.addingTimeInterval(-16 * 60), service: "kms") }
        do {
            try SigV4Verifier.verify(request, claim: claim, secret: secret, now: signedAt, service: "dynamodb")
            Issue.record("a kms-scoped signature must not pass for another service")
        } catch {
            #expect(error.type == "InvalidSignatureException" && error.message.contains("dynamodb"))
        }
    }

    /// An Authorization header seen before but for its signature (`ClaimCache`) is judged as it
    /// was the first time, whatever the new request changes: its date, its signature, its token.
    @Test func aHeaderSeenBeforeIsJudgedAsTheFirstTime() throws {
        func judged(_ request: SignableRequest) -> Result<SignatureClaim?, AuthError> {
            Result { () throws(AuthError) in try SigV4Verifier.claim(of: request) }
        }
        let original = botocoreVectors[0].request
        func changed(_ change: (inout [(name: String, value: String)]) -> Void) -> SignableRequest {
            var request = original
            var headers = request.headers
            change(&headers)
            request.headers = headers
            return request
        }
        let authorization = try #require(original.values(of: "authorization").first)
        let signature = String(authorization.suffix(64))
        func signed(_ newSignature: String) -> SignableRequest {
            changed { $0 = $0.map { $0.name == "Authorization" ? ($0.name, String(authorization.dropLast(64)) + newSignature) : $0 } }
        }
        let variants: [SignableRequest] = [
            original,
            changed { $0 = $0.map { $0.name == "X-Amz-Date" ? ($0.name, "20261130T023629Z") : $0 } },
            changed { $0 = $0.map { $0.name == "X-Amz-Date" ? ($0.name, "2026-11-29T02:36:29Z") : $0 } },
            changed { $0.removeAll { $0.name == "X-Amz-Date" } },
            changed { $0 = $0.map { $0.name == "X-Amz-Date" ? ("Date", "Sun, 29 Nov 2026 02:36:29 GMT") : $0 } },
            changed { $0.append(("X-Amz-Security-Token", "TOKEN")) },
            signed(signature.uppercased()),
            signed(String(signature.dropLast()) + "z"),
            signed(String(repeating: "0", count: 64)),
        ]
        for request in variants {
            ClaimCache.shared.removeAll()
            let first = judged(request)
            // Seen before: the original's header (the same but for the signature) is known.
            _ = judged(original)
            #expect(ClaimCache.shared.entry(String(authorization.dropLast(64))) != nil)
            let again = judged(request)
            switch (first, again) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a), .failure(let b)): #expect(a == b)
            default: Issue.record("judged \(first) the first time, \(again) when seen before")
            }
        }
        // Only a header that ends in its signature is kept.
        #expect(ClaimCache.split(authorization)?.signature == Substring(signature))
        #expect(ClaimCache.split(authorization + " ") == nil)
        #expect(ClaimCache.split(String(authorization.dropLast(65)) + "XSignature=" + signature) == nil)
    }

    /// More headers than the recently found ones hold, of the same length and in turns: each is
    /// found as its own, in place or by its text, and a header never remembered is not found.
    @Test func headersSeenBeforeAreKeptApartBeyondTheRecentOnes() throws {
        let cache = ClaimCache()
        let keys = (0..<(3 * ClaimCache.recentLimit)).map { String(format: "AKIDEXAMPLE%05d", $0) }
        func unsigned(_ key: String) -> String {
            "AWS4-HMAC-SHA256 Credential=\(key)/20261129/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature="
        }
        let signature = String(repeating: "a", count: 64)
        for key in keys {
            cache.remember(ClaimCache.Entry(SignatureClaim(
                accessKeyID: key, scopeDate: "20261129", region: "us-east-1", service: "kms", signedHeaders: ["host", "x-amz-date"],
                signature: signature, requestTime: signedAt, amzDate: "20261129T023629Z", securityToken: nil, expires: nil)), as: unsigned(key))
        }
        for round in 0..<3 {
            for key in round == 1 ? keys.reversed() : keys {
                let header = unsigned(key) + signature
                let split = try #require(ClaimCache.split(header))
                #expect(split.unsignedCount == unsigned(key).utf8.count && split.signature == Substring(signature))
                #expect(cache.entry(header: header, unsignedCount: split.unsignedCount)?.accessKeyID == key)
            }
        }
        let stranger = unsigned("AKIDEXAMPLE99999") + signature
        #expect(cache.entry(header: stranger, unsignedCount: try #require(ClaimCache.split(stranger)).unsignedCount) == nil)
    }

    @Test func malformedAuthorizationIsIncomplete() throws {
        func claim(_ authorization: String, date: Bool = true) -> AuthError? {
            var headers: [(name: String, value: String)] = [("Host", "h"), ("Authorization", authorization)]
            if date { headers.append(("X-Amz-Date", "20261129T023629Z")) }
            do { _ = try SigV4Verifier.claim(of: SignableRequest(method: "POST", path: "/", query: "", headers: headers, body: Data())); return nil } catch { return error }
        }
        let good = "AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "a", count: 64)
        #expect(claim(good) == nil)
        #expect(claim(good, date: false)?.type == "IncompleteSignatureException")
        #expect(claim("AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/kms/aws4_request, Signature=00")?.type == "IncompleteSignatureException")
        #expect(claim("AWS4-HMAC-SHA256 Credential=AK/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")?.type == "IncompleteSignatureException")
        #expect(claim("Basic dXNlcjpwYXNz")?.type == "IncompleteSignatureException")
        #expect(claim(good.replacingOccurrences(of: "20261129/", with: "20261128/"))?.type == "InvalidSignatureException")
        #expect(claim(good.replacingOccurrences(of: "host;x-amz-date", with: "x-amz-date"))?.type == "InvalidSignatureException")
        #expect(claim(good.replacingOccurrences(of: "host;x-amz-date", with: "host"))?.type == "InvalidSignatureException")
        // Signed headers: lower case, sorted, no repeats.
        for headers in ["x-amz-date;host", "host;Host;x-amz-date", "host;host;x-amz-date", "host;;x-amz-date", "Host;x-amz-date"] {
            #expect(claim(good.replacingOccurrences(of: "host;x-amz-date", with: headers))?.type == "IncompleteSignatureException", "\(headers)")
        }
        // A name beyond ASCII is lower case when lower-casing leaves it as it is.
        #expect(claim(good.replacingOccurrences(of: "host;x-amz-date", with: "host;x-amz-date;x-é")) == nil)
        #expect(claim(good.replacingOccurrences(of: "host;x-amz-date", with: "host;x-amz-date;x-É"))?.type == "IncompleteSignatureException")
        // The signature: 64 hex digits, upper case read as lower; the region and terminator byte for byte.
        let upper = String(repeating: "A", count: 64)
        let parsed = try SigV4Verifier.claim(of: SignableRequest(method: "POST", path: "/", query: "", headers: [
            ("Host", "h"), ("Authorization", good.replacingOccurrences(of: String(repeating: "a", count: 64), with: upper)), ("X-Amz-Date", "20261129T023629Z"),
        ], body: Data()))
        #expect(parsed?.signature == String(repeating: "a", count: 64))
        #expect(claim(good.replacingOccurrences(of: "Signature=a", with: "Signature=g")) == .signatureMismatch)
        #expect(claim(good + "a") == .signatureMismatch)
        #expect(claim(good.replacingOccurrences(of: "us-east-1", with: "us_east-1"))?.message.hasPrefix("Credential should be scoped to a valid region") == true)
        #expect(claim(good.replacingOccurrences(of: "aws4_request", with: "aws4_requesT"))?.message.hasPrefix("Credential should be scoped with a valid terminator") == true)
        #expect(claim(good.replacingOccurrences(of: ", Signature=", with: ", Signature"))?.message
            == "'Signature" + String(repeating: "a", count: 55) + "' not a valid key=value pair (missing equal-sign) in Authorization header.")
        #expect(claim("  \t" + good.replacingOccurrences(of: ", ", with: " ,\t ") + " \t") == nil)  // optional whitespace around fields
    }

    /// The header's fields as AWS reads them: empty parts skipped, a blank part refused, the last
    /// of a repeated field counts, and the messages name what is wrong.
    @Test func authorizationFieldsAndMessages() throws {
        func request(_ authorization: String) -> SignableRequest {
            SignableRequest(method: "POST", path: "/", query: "", headers: [("Host", "h"), ("Authorization", authorization), ("X-Amz-Date", "20261129T023629Z")], body: Data())
        }
        func message(_ authorization: String) -> String? {
            do { _ = try SigV4Verifier.claim(of: request(authorization)); return nil } catch { return error.message }
        }
        let signature = String(repeating: "a", count: 64)
        let good = "AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + signature
        #expect(message(good.replacingOccurrences(of: ", Signature", with: ",,, Signature")) == nil)
        #expect(message(good.replacingOccurrences(of: ", Signature", with: ", \t, Signature"))
            == "'' not a valid key=value pair (missing equal-sign) in Authorization header.")
        #expect(message(" AWS4-HMAC-SHA256 ") == "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
        #expect(message("Bearer abc") == "Unsupported AWS 'algorithm': 'Bearer'. Only AWS4-HMAC-SHA256 is supported.")
        #expect(message("AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/kms/aws4_request")
            == "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.")
        #expect(message("AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/kms/aws4_request, Other=1, SignedHeaders=host, Signature=")
            == "'X-Amz-Date' must be a signed header.")
        // The last of a repeated field counts.
        let claim = try #require(try SigV4Verifier.claim(of: request("AWS4-HMAC-SHA256 Signature=00, Credential=X/1/2/3/4, " + good.dropFirst(17))))
        #expect(claim.accessKeyID == "AK" && claim.scopeDate == "20261129" && claim.region == "us-east-1" && claim.service == "kms")
        #expect(claim.signedHeaders == ["host", "x-amz-date"] && claim.signature == signature && claim.amzDate == "20261129T023629Z")
        // Not ASCII: read as UTF-8, kept as sent.
        let accented = try #require(try SigV4Verifier.claim(of: request(good.replacingOccurrences(of: "Credential=AK", with: "Credential=AKé"))))
        #expect(accented.accessKeyID == "AKé")
        #expect(message(good.replacingOccurrences(of: "kms/aws4_request", with: "kms/aws4_request/x"))?.hasPrefix("Credential must have exactly 5") == true)
        // The credential splits at every '/' byte, even where a combining mark makes '/' part of a larger character.
        #expect(message(good.replacingOccurrences(of: "AK/20261129", with: "AK/\u{301}20261129"))?.hasPrefix("Date in Credential scope does not match") == true)
        #expect(SigV4Verifier.credentialParts("a//b/\u{301}c/") == ["a", "", "b", "\u{301}c", ""])
    }

    @Test func canonicalHeaderValuesAreTrimmedAndCollapsed() {
        let request = SignableRequest(method: "POST", path: "/", query: "", headers: [
            ("Host", "h"), ("X-A", "  a \t b  c "), ("x-a", "d"), ("X-B", "plain value"), ("X-C", ""), ("X-D", "\tx"),
            ("X-E", "a\tb"), ("X-F", "x "), ("X-G", "a  b"), ("X-H", " "), ("X-I", "é  ü"),
        ], body: Data())
        #expect(SigV4.canonicalHeaders(request, signed: ["host", "x-a", "x-b", "x-c", "x-d"]) == "host:h\nx-a:a b c,d\nx-b:plain value\nx-c:\nx-d:x\n")
        // Each way a value can need trimming or collapsing, alone (a value that needs neither is copied whole).
        #expect(SigV4.canonicalHeaders(request, signed: ["x-e", "x-f", "x-g", "x-h", "x-i"]) == "x-e:a b\nx-f:x\nx-g:a b\nx-h:\nx-i:é ü\n")
    }

    @Test func constantTimeEquality() {
        #expect(SigV4.constantTimeEquals("abc", "abc"))
        #expect(!SigV4.constantTimeEquals("abc", "abd"))
        #expect(!SigV4.constantTimeEquals("abc", "abcd"))
    }
}
