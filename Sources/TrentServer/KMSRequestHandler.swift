import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import TrentAuth
import TrentCore
import TrentModel

/// Answers `POST /` in the AWS JSON 1.1 protocol: target → operation → response or AWS error.
/// Every call, whatever its outcome, leaves one audit event.
struct KMSRequestHandler: Sendable {
    let service: KeyService
    let configuration: ServerConfiguration
    let logger: Logger
    let cloudTrail: CloudTrailLookupHandler

    static let targetPrefix = "TrentService."
    static let contentType = "application/x-amz-json-1.1"

    /// The router's way in (in-process tests; `trent serve` answers calls in its channel pipeline,
    /// `KMSRawCallHandler` and `KMSCallHandler`).
    func handle(_ request: Request, context: TrentRequestContext) async -> Response {
        var request = request
        let body = try? await request.collectBody(upTo: configuration.maximumBodySize)
        return await answer(body.map { Self.signable(request.head, body: Data(buffer: $0)) }, remoteAddress: context.remoteAddress).response
    }

    /// One call, as SigV4 sees its request (nil: the body was larger than the maximum).
    func answer(_ request: SignableRequest?, remoteAddress: SocketAddress?) async -> KMSAnswer {
        let requestID = UUIDText.random()
        // The body first: the signature covers it.
        guard let request else {
            return Self.errorAnswer(KMSError(.serialization, "The request body is larger than \(configuration.maximumBodySize) bytes."), requestID: requestID)
        }
        let target = request.joinedValue(of: "x-amz-target") ?? ""
        let operationName = target.hasPrefix(Self.targetPrefix) ? String(target.dropFirst(Self.targetPrefix.count)) : target
        let body = request.body
        let caller: Authenticated
        do {
            // Signatures are checked against real time, whatever the test clock says.
            let signingName = target.hasPrefix(CloudTrailLookupHandler.targetPrefix) ? "cloudtrail" : "kms"
            caller = try configuration.authenticator.authenticate(request, service: signingName, now: Date())
        } catch {
            return Self.authErrorAnswer(error, requestID: requestID)
        }
        var call = CallContext(
            account: caller.principal.account, region: caller.region ?? configuration.defaultRegion,
            requestID: requestID, sourceIPAddress: Self.ipAddress(remoteAddress) ?? "127.0.0.1",
            userAgent: request.joinedValue(of: "user-agent") ?? "", accessKeyID: caller.accessKeyID.map { $0.capped(128) },
            eventName: operationName.isEmpty ? "Unknown" : operationName.capped(64), requestParameters: nil,
            principal: caller.principal, identityPolicies: caller.identityPolicies, temporaryCredentials: caller.temporary
        )
        call.secureTransport = configuration.tls != nil
        if target.hasPrefix(CloudTrailLookupHandler.targetPrefix) {
            // IAM decides (cloudtrail:LookupEvents); callers see their own account's events only.
            let operation = String(target.dropFirst(CloudTrailLookupHandler.targetPrefix.count))
            do { try service.authorizeWithoutKey(call, action: "cloudtrail:" + operation) } catch let failure as KMSError {
                return Self.errorAnswer(failure, requestID: requestID)
            } catch {
                return Self.errorAnswer(KMSError(.internal, "An internal error occurred."), requestID: requestID)
            }
            return await cloudTrail.handle(operation: operation, body: body, account: call.account, region: call.region, requestID: requestID)
        }
        do {
            guard target.hasPrefix(Self.targetPrefix), let operation = OperationTable.operations[operationName] else {
                if target.hasPrefix(Self.targetPrefix), let reason = UnsupportedOperations.reasons[operationName] {
                    throw KMSError.unsupported(reason)
                }
                if target.hasPrefix(Self.targetPrefix), KMSModelOperations.names.contains(operationName) {
                    throw KMSError.unsupported("Trent does not implement \(operationName) yet.")
                }
                throw KMSError(.unknownOperation, "")
            }
            let prepared = try operation.prepare(body)
            call.requestParameters = prepared.requestParameters
            call.requestKeys = RequestKeys { ConditionKeys.of(body, operation: operationName) }
            let body = try await prepared.execute(call, service)
            return KMSAnswer(status: .ok, body: body, requestID: requestID)
        } catch {
            let failure = (error as? KMSError) ?? Self.internalFailure(error, logger: logger, requestID: requestID)
            let type = AWSErrorMapping.awsType(of: failure.code)
            await service.recordFailure(call, errorCode: type, errorMessage: failure.message)
            return Self.errorAnswer(failure, requestID: requestID)
        }
    }

    /// Logs an unexpected error with its request id; the caller gets a generic 500.
    private static func internalFailure(_ error: any Error, logger: Logger, requestID: String) -> KMSError {
        logger.error("internal error", metadata: ["requestID": "\(requestID)", "error": "\(String(describing: type(of: error)))"])
        return KMSError(.internal, "An internal error occurred. Request ID: \(requestID)")
    }

    static func errorAnswer(_ error: KMSError, requestID: String) -> KMSAnswer {
        let type = AWSErrorMapping.awsType(of: error.code)
        return KMSAnswer(error: type, error.message, status: AWSErrorMapping.status(of: error.code), requestID: requestID)
    }

    /// The peer's address as text; an IPv4 address is written in place (NIO's `ipAddress` goes
    /// through `inet_ntop` and a C string on every call).
    static func ipAddress(_ address: SocketAddress?) -> String? {
        guard case .v4(let v4) = address else { return address?.ipAddress }
        let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
        return String(unsafeUninitializedCapacity: 15) { out in
            var o = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                if shift != 24 {
                    out[o] = UInt8(ascii: ".")
                    o += 1
                }
                let octet = Int(value >> UInt32(shift) & 0xFF)
                if octet >= 100 {
                    out[o] = UInt8(ascii: "0") + UInt8(octet / 100)
                    o += 1
                }
                if octet >= 10 {
                    out[o] = UInt8(ascii: "0") + UInt8(octet / 10 % 10)
                    o += 1
                }
                out[o] = UInt8(ascii: "0") + UInt8(octet % 10)
                o += 1
            }
            return o
        }
    }

    static let requestIDHeader = HTTPField.Name("x-amzn-RequestId")!

    /// The request as SigV4 sees it: the raw path and query, every header, `host` from the authority.
    static func signable(_ head: HTTPRequest, body: Data) -> SignableRequest {
        let target = head.path ?? "/"
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers = head.headerFields.map { (name: $0.name.canonicalName, value: $0.value) }
        if let authority = head.authority { headers.append((name: "host", value: authority)) }
        return SignableRequest(
            method: head.method.rawValue, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : "",
            headers: headers, body: body
        )
    }

    static func authErrorAnswer(_ error: AuthError, requestID: String) -> KMSAnswer {
        KMSAnswer(error: error.type, error.message, status: .badRequest, requestID: requestID)
    }
}

/// What a call answers: the AWS JSON 1.1 body with its status, request id and, for an error,
/// its AWS type (also in `x-amzn-ErrorType`).
struct KMSAnswer: Sendable {
    var status: HTTPResponse.Status
    var body: [UInt8]
    var requestID: String
    var errorType: String?

    init(status: HTTPResponse.Status, body: some Sequence<UInt8>, requestID: String, errorType: String? = nil) {
        self.status = status
        self.body = Array(body)
        self.requestID = requestID
        self.errorType = errorType
    }

    /// An AWS error: `{"__type": …, "message": …}`, written directly (`JSONSerialization` bridged
    /// the dictionary, cast every value and sorted the keys: half the CPU of a refused call).
    init(error type: String, _ message: String, status: HTTPResponse.Status, requestID: String) {
        var body = JSONOutput(capacity: 32 + type.utf8.count + message.utf8.count)
        body.beginObject()
        body.member("__type")
        body.string(type)
        body.member("message")
        body.string(message)
        body.endObject()
        self.init(status: status, body: body.finished(), requestID: requestID, errorType: type)
    }

    /// Content type, request id, error type and length, in the order written (every way out adds
    /// `Date` and `Server` to them).
    var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        forEachHeader { headers.append(($0, $1)) }
        return headers
    }

    /// `headers` one by one, with no list made (the raw handler writes them straight out).
    func forEachHeader(_ header: (_ name: String, _ value: String) -> Void) {
        header("Content-Type", KMSRequestHandler.contentType)
        header("x-amzn-RequestId", requestID)
        if let errorType { header("x-amzn-ErrorType", errorType) }
        header("Content-Length", String(body.count))
    }

    var headerFields: HTTPFields {
        HTTPFields(headers.map { HTTPField(name: HTTPField.Name($0.name)!, value: $0.value) })
    }

    var response: Response {
        Response(status: status, headers: headerFields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

}

/// Every operation name of the KMS model, to tell "not yet implemented" from "unknown".
enum KMSModelOperations {
    static let names: Set<String> = Set(KMS.operationNames)
}
