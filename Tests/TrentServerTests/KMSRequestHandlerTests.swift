import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TrentCore
import TrentCrypto
@testable import TrentServer
import TrentStore

/// The HTTP layer in-process: targets, bodies, headers and error shapes.
@Suite struct KMSRequestHandlerTests {
    static func makeApp() throws -> some ApplicationProtocol {
        let directory = NSTemporaryDirectory() + "trent-server-test-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let service = KeyService(
            store: try SQLiteKeyStore(path: directory + "/trent.sqlite"), clock: SystemClock(),
            rootKey: RootKey(SymmetricKey(size: .bits256)), wrappingKeys: WrappingKeyPool(configuration: .init(pairsPerSpec: 0))
        )
        return buildApplication(configuration: ServerConfiguration(dataDirectory: directory), service: service, logger: Logger(label: "test"))
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

    @Test func credentialScopeParsing() {
        let request = { (auth: String) in
            Request(head: .init(method: .post, scheme: "http", authority: "x", path: "/", headerFields: [.authorization: auth]), body: .init(buffer: ByteBuffer()))
        }
        let parsed = KMSRequestHandler.credentialScope(request("AWS4-HMAC-SHA256 Credential=AKID/20261129/ap-south-1/kms/aws4_request, SignedHeaders=host, Signature=0"))
        #expect(parsed.accessKeyID == "AKID" && parsed.region == "ap-south-1")
        #expect(KMSRequestHandler.credentialScope(request("AWS4-HMAC-SHA256 Credential=AKID/x/../kms")).region == nil)
        #expect(KMSRequestHandler.credentialScope(request("garbage")).region == nil)
    }
}
