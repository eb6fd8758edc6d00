public import Foundation

/// An access key, with its session token when it is temporary.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// Signs requests as the AWS SDKs do (header form and presigned query form).
public enum SigV4Signer {
    /// Headers the SDKs leave unsigned.
    static let unsigned: Set<String> = ["authorization", "user-agent", "expect", "x-amzn-trace-id", "content-length"]

    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and `Authorization`.
    public static func sign(_ request: inout SignableRequest, credentials: AWSCredentials, region: String, service: String, now: Date) {
        let amzDate = SigV4.amzDate(now)
        request.headers.removeAll { ["authorization", "x-amz-date", "x-amz-security-token"].contains($0.name.lowercased()) }
        request.headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { request.headers.append(("X-Amz-Security-Token", token)) }
        let signed = Array(Set(request.headers.map { $0.name.lowercased() }).subtracting(unsigned)).sorted()
        let scope = SigV4.scope(date: String(amzDate.prefix(8)), region: region, service: service)
        let signature = signature(request, signedHeaders: signed, amzDate: amzDate, region: region, service: service, secret: credentials.secretAccessKey)
        request.headers.append(("Authorization", "\(SigV4.algorithm) Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"))
    }

    /// Adds the presigned query parameters, signing only the `host` header.
    public static func presign(_ request: inout SignableRequest, credentials: AWSCredentials, region: String, service: String, now: Date, expires: Int) {
        let amzDate = SigV4.amzDate(now)
        let scope = SigV4.scope(date: String(amzDate.prefix(8)), region: region, service: service)
        var items = request.queryItems
        items += [
            ("X-Amz-Algorithm", SigV4.algorithm), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { items.append(("X-Amz-Security-Token", token)) }
        request.query = SigV4.canonicalQuery(items)
        let signature = signature(request, signedHeaders: ["host"], amzDate: amzDate, region: region, service: service, secret: credentials.secretAccessKey)
        request.query += "&X-Amz-Signature=\(signature)"
    }

    private static func signature(
        _ request: SignableRequest, signedHeaders: [String], amzDate: String, region: String, service: String, secret: String
    ) -> String {
        let canonical = SigV4.canonicalRequestBytes(request, signedHeaders: signedHeaders, payloadHash: SigV4.hexSHA256(request.body))
        let signature = SigV4.signature(
            canonicalRequest: canonical, amzDate: amzDate, date: String(amzDate.prefix(8)), region: region, service: service, secret: secret
        )
        return String(decoding: signature, as: UTF8.self)
    }
}
