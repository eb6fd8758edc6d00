import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TrentAuth
import TrentCore
import TrentCrypto
@testable import TrentServer
import TrentStore

/// The HTTP layer in-process: targets, bodies, headers and error shapes.
@Suite struct KMSRequestHandlerTests {
    static let administrator = AWSCredentials(accessKeyID: "AKIATESTADMIN0000001", secretAccessKey: "test-secret-of-the-administrator-key")
    static let credentials = CredentialsFile(accounts: ["111122223333": .init(users: ["admin": .init(
        accessKeys: [.init(accessKeyId: administrator.accessKeyID, secretAccessKey: administrator.secretAccessKey)],
        policies: [#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#]
    )])])

    static func makeApp(checkSignatures: Bool = false) throws -> some ApplicationProtocol {
        let directory = NSTemporaryDirectory() + "trent-server-test-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let service = KeyService(
            store: try SQLiteKeyStore(path: directory + "/trent.sqlite"), clock: SystemClock(),
            rootKey: RootKey(SymmetricKey(size: .bits256)), wrappingKeys: WrappingKeyPool(configuration: .init(pairsPerSpec: 0))
        )
        let authenticator = Authenticator(
            mode: checkSignatures ? .verify : .acceptAnyCredentials(defaultAccount: "111122223333"), store: CredentialStore(credentials)
        )
        return try buildApplication(
            configuration: ServerConfiguration(dataDirectory: directory, authenticator: authenticator), service: service, logger: Logger(label: "test")
        )
    }

    static func headers(_ target: String?) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "application/x-amz-json-1.1"
        if let target { fields[HTTPField.Name("X-Amz-Target")!] = target }
        fields[.authorization] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/eu-central-1/kms/aws4_request, SignedHeaders=host, Signature=0"
        return fields
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as! [String: Any]
    }

    @Test func createKeyTakesTheRegionFromTheCredentialScope() async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: "/", method: .post, headers: Self.headers("TrentService.CreateKey"), body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/x-amz-json-1.1")
                #expect(response.headers[HTTPField.Name("x-amzn-RequestId")!] != nil)
                let metadata = try Self.json(response.body)["KeyMetadata"] as! [String: Any]
                #expect((metadata["Arn"] as! String).hasPrefix("arn:aws:kms:eu-central-1:111122223333:key/"))
                #expect(metadata["KeyState"] as? String == "Enabled")
                #expect(metadata["CreationDate"] is Double)
            }
        }
    }

    @Test(arguments: [
        ("TrentService.Nope", "{}", "UnknownOperationException", ""),
        (nil, "{}", "UnknownOperationException", ""),
        ("TrentService.DescribeKey", "{", "SerializationException", nil),
        ("TrentService.DescribeKey", "{}", "ValidationException",
         "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"),
        ("TrentService.DescribeKey", "{\"KeyId\": \"nope\"}", "NotFoundException", "Invalid keyId 'nope'"),
        ("TrentService.CreateCustomKeyStore", "{}", "UnsupportedOperationException", nil),
    ] as [(String?, String, String, String?)])
    func errorsHaveAWSShape(target: String?, body: String, type: String, message: String?) async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: "/", method: .post, headers: Self.headers(target), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == type)
                let object = try Self.json(response.body)
                #expect(object["__type"] as? String == type)
                if let message { #expect(object["message"] as? String == message) }
            }
        }
    }

    /// Headers of a request signed with `credentials` as the SDKs sign it (host as the test client sends it).
    static func signed(_ target: String, body: String, credentials: AWSCredentials = administrator, region: String = "eu-central-1", at time: Date = Date()) -> HTTPFields {
        var request = SignableRequest(
            method: "POST", path: "/", query: "",
            headers: [("host", "localhost"), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", target)], body: Data(body.utf8)
        )
        SigV4Signer.sign(&request, credentials: credentials, region: region, service: "kms", now: time)
        var fields = HTTPFields()
        for (name, value) in request.headers where name != "host" { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    /// The peer's address as NIO writes it, without its C round trip for IPv4.
    @Test func peerAddressText() throws {
        for text in ["127.0.0.1", "0.0.0.0", "10.0.200.9", "255.255.255.255", "192.168.1.100", "1.20.3.40", "::1", "fe80::1:2"] {
            let address = try SocketAddress(ipAddress: text, port: 443)
            #expect(KMSRequestHandler.ipAddress(address) == address.ipAddress, "\(text)")
            #expect(KMSRequestHandler.ipAddress(address) == text)
        }
        #expect(KMSRequestHandler.ipAddress(nil) == nil)
    }

    /// One header value as sent; several joined as HTTPFields joins them; none is nil.
    @Test func headerValues() {
        let target = HTTPField.Name("X-Amz-Target")!
        var fields = HTTPFields()
        fields[.userAgent] = "aws-cli/2, extra"
        fields.append(HTTPField(name: target, value: "TrentService.Encrypt"))
        fields.append(HTTPField(name: target, value: "TrentService.Decrypt"))
        let request = KMSRequestHandler.signable(HTTPRequest(method: .post, scheme: nil, authority: "kms", path: "/", headerFields: fields), body: Data())
        #expect(request.joinedValue(of: "user-agent") == "aws-cli/2, extra")
        #expect(request.joinedValue(of: "x-amz-target") == fields[target])
        #expect(request.joinedValue(of: "content-type") == nil)
        #expect(request.joinedValue(of: "host") == "kms")
        // Names as a client wrote them (the pipeline's requests) are found in lower case.
        let raw = SignableRequest(method: "POST", path: "/", query: "", headers: [("X-Amz-Target", "A"), ("x-amz-TARGET", "B")], body: Data())
        #expect(raw.joinedValue(of: "x-amz-target") == "A, B")
    }

    /// An error body is `__type` then `message`, escaped where JSON needs it and nowhere else
    /// (a slash as it is, as AWS writes ARNs in messages), and parses back to what was given.
    @Test func errorBodies() throws {
        let message = "Key 'arn:aws:kms:eu-west-1:111122223333:key/1234' is \"pending\"\\\n\u{1}ü"
        let answer = KMSAnswer(error: "KMSInvalidStateException", message, status: .badRequest, requestID: "r")
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(text == #"{"__type":"KMSInvalidStateException","message":"Key 'arn:aws:kms:eu-west-1:111122223333:key/1234' is \"pending\"\\\n\u0001ü"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(answer.body)) as! [String: String]
        #expect(parsed == ["__type": "KMSInvalidStateException", "message": message])
        #expect(answer.errorType == "KMSInvalidStateException" && answer.status == .badRequest)
        #expect(answer.headers.first { $0.name == "Content-Length" }?.value == String(answer.body.count))
    }

    @Test func developmentModeReadsTheScopeLeniently() {
        let request = { (auth: String) in
            SignableRequest(method: "POST", path: "/", query: "", headers: [("Authorization", auth)], body: Data())
        }
        let parsed = SigV4Verifier.credentialScope(of: request("AWS4-HMAC-SHA256 Credential=AKID/20261129/ap-south-1/kms/aws4_request, SignedHeaders=host, Signature=0"))
        #expect(parsed.accessKeyID == "AKID" && parsed.region == "ap-south-1")
        #expect(SigV4Verifier.credentialScope(of: request("AWS4-HMAC-SHA256 Credential=AKID/x/../kms")).region == nil)
        #expect(SigV4Verifier.credentialScope(of: request("garbage")).region == nil)
    }

    @Test func signedRequestsPassAndOthersAreRefused() async throws {
        let wrongSecret = AWSCredentials(accessKeyID: Self.administrator.accessKeyID, secretAccessKey: "not-the-secret-of-this-access-key")
        let unknown = AWSCredentials(accessKeyID: "AKIAUNKNOWNKEY000000", secretAccessKey: Self.administrator.secretAccessKey)
        let cases: [(HTTPFields, HTTPResponse.Status, String?)] = [
            (Self.signed("TrentService.ListKeys", body: "{}"), .ok, nil),
            (Self.signed("TrentService.ListKeys", body: "{}", credentials: wrongSecret), .badRequest, "InvalidSignatureException"),
            (Self.signed("TrentService.ListKeys", body: "{}", credentials: unknown), .badRequest, "UnrecognizedClientException"),
            (Self.signed("TrentService.ListKeys", body: "{\"Limit\": 5}"), .badRequest, "InvalidSignatureException"),
            (Self.signed("TrentService.ListKeys", body: "{}", at: Date().addingTimeInterval(-20 * 60)), .badRequest, "InvalidSignatureException"),
            (Self.headers("TrentService.ListKeys").removing(.authorization), .badRequest, "MissingAuthenticationTokenException"),
        ]
        try await Self.makeApp(checkSignatures: true).test(.router) { client in
            for (headers, status, type) in cases {
                try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: "{}")) { response in
                    #expect(response.status == status)
                    if let type {
                        let object = try Self.json(response.body)
                        #expect(object["__type"] as? String == type)
                    }
                }
            }
        }
    }
}

extension HTTPFields {
    func removing(_ name: HTTPField.Name) -> HTTPFields {
        var copy = self
        copy[name] = nil
        return copy
    }
}
