public import Foundation
import AsyncHTTPClient
import NIOCore
import NIOSSL
public import TrentAuth

/// An error answered by the KMS (its `__type` and `message`), or a transport failure.
public struct KMSClientError: Error, CustomStringConvertible, Sendable {
    public let type: String
    public let message: String
    public let status: Int

    public var description: String { status == 0 ? message : "\(type): \(message)" }
}

/// A minimal AWS KMS client: the JSON 1.1 protocol over HTTPS (or HTTP), each request signed with
/// SigV4 by the same code the server verifies with. Talks to Trent or to real AWS KMS.
public struct KMSClient: Sendable {
    public let endpoint: URL
    public let region: String
    public let credentials: AWSCredentials
    /// A PEM file of certificates to trust instead of the system's (a private CA, a self-signed Trent).
    public let caBundle: String?

    public init(endpoint: URL, region: String, credentials: AWSCredentials, caBundle: String? = nil) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.caBundle = caBundle
    }

    /// AWS KMS's regional endpoint.
    public static func awsEndpoint(region: String) -> URL {
        URL(string: "https://kms.\(region).amazonaws.com/")!
    }

    /// The Host header: the port only when it is not the scheme's default.
    var host: String {
        let defaultPort = endpoint.scheme == "https" ? 443 : 80
        return (endpoint.host ?? "") + (endpoint.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
    }

    /// Calls `operation` (e.g. "DescribeKey") with a JSON object; returns the JSON object answered.
    public func call(_ operation: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])
        var signable = SignableRequest(
            method: "POST", path: endpoint.path.isEmpty ? "/" : endpoint.path, query: "",
            headers: [("Host", host), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.\(operation)")],
            body: body
        )
        SigV4Signer.sign(&signable, credentials: credentials, region: region, service: "kms", now: Date())
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        for (name, value) in signable.headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))

        var tls = TLSConfiguration.makeClientConfiguration()
        if let caBundle { tls.trustRoots = .file(caBundle) }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        let status: Int, data: Data
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: 1 << 20)
            data = Data(buffer.readableBytesView)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw KMSClientError(type: "ConnectionError", message: "cannot reach \(endpoint.absoluteString): \(error)", status: 0)
        }
        let object = (try? JSONSerialization.jsonObject(with: data.isEmpty ? Data("{}".utf8) : data)) as? [String: Any] ?? [:]
        guard status == 200 else {
            let type = (object["__type"] as? String).map { String($0.split(separator: "#").last ?? Substring($0)) } ?? "HTTP\(status)"
            throw KMSClientError(type: type, message: object["message"] as? String ?? object["Message"] as? String ?? "", status: status)
        }
        return object
    }
}
