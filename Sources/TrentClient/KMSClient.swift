public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

    public init(endpoint: URL, region: String, credentials: AWSCredentials) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
    }

    /// AWS KMS's regional endpoint.
    public static func awsEndpoint(region: String) -> URL {
        URL(string: "https://kms.\(region).amazonaws.com/")!
    }

    /// Calls `operation` (e.g. "DescribeKey") with a JSON object; returns the JSON object answered.
    public func call(_ operation: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])
        let host = (endpoint.host ?? "") + (endpoint.port.map { ":\($0)" } ?? "")
        var signable = SignableRequest(
            method: "POST", path: endpoint.path.isEmpty ? "/" : endpoint.path, query: "",
            headers: [("host", host), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.\(operation)")],
            body: body
        )
        SigV4Signer.sign(&signable, credentials: credentials, region: region, service: "kms", now: Date())
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = 60
        for (name, value) in signable.headers where name.lowercased() != "host" {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw KMSClientError(type: "ConnectionError", message: "cannot reach \(endpoint.absoluteString): \(error.localizedDescription)", status: 0)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = (try? JSONSerialization.jsonObject(with: data.isEmpty ? Data("{}".utf8) : data)) as? [String: Any] ?? [:]
        guard status == 200 else {
            let type = (object["__type"] as? String).map { String($0.split(separator: "#").last ?? Substring($0)) } ?? "HTTP\(status)"
            throw KMSClientError(type: type, message: object["message"] as? String ?? object["Message"] as? String ?? "", status: status)
        }
        return object
    }
}
