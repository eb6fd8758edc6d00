import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
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

    func handle(_ request: Request, context: TrentRequestContext) async -> Response {
        let requestID = UUID().uuidString.lowercased()
        let target = request.headers[HTTPField.Name("X-Amz-Target")!] ?? ""
        let operationName = target.hasPrefix(Self.targetPrefix) ? String(target.dropFirst(Self.targetPrefix.count)) : target
        let credential = Self.credentialScope(request)
        var call = CallContext(
            account: configuration.account, region: credential.region ?? configuration.defaultRegion,
            requestID: requestID, sourceIPAddress: context.remoteAddress?.ipAddress ?? "127.0.0.1",
            userAgent: request.headers[.userAgent] ?? "", accessKeyID: credential.accessKeyID,
            eventName: operationName.isEmpty ? "Unknown" : String(operationName.prefix(64)), requestParameters: nil
        )
        var request = request
        if target.hasPrefix(CloudTrailLookupHandler.targetPrefix) {
            guard let buffer = try? await request.collectBody(upTo: configuration.maximumBodySize) else {
                return CloudTrailLookupHandler.error("SerializationException", "The request body is too large.", requestID: requestID)
            }
            return await cloudTrail.handle(
                operation: String(target.dropFirst(CloudTrailLookupHandler.targetPrefix.count)), body: Data(buffer: buffer),
                region: call.region, requestID: requestID
            )
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
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: configuration.maximumBodySize)
            } catch {
                throw KMSError(.serialization, "The request body is larger than \(configuration.maximumBodySize) bytes.")
            }
            let prepared = try operation.prepare(Data(buffer: buffer))
            call.requestParameters = prepared.requestParameters
            let body = try await prepared.execute(call, service)
            return Self.response(.ok, body: body, requestID: requestID)
        } catch {
            let failure = (error as? KMSError) ?? Self.internalFailure(error, logger: logger, requestID: requestID)
            let type = AWSErrorMapping.awsType(of: failure.code)
            await service.recordFailure(call, errorCode: type, errorMessage: failure.message)
            return Self.errorResponse(failure, requestID: requestID)
        }
    }

    /// Logs an unexpected error with its request id; the caller gets a generic 500.
    private static func internalFailure(_ error: any Error, logger: Logger, requestID: String) -> KMSError {
        logger.error("internal error", metadata: ["requestID": "\(requestID)", "error": "\(String(describing: type(of: error)))"])
        return KMSError(.internal, "An internal error occurred. Request ID: \(requestID)")
    }

    static func errorResponse(_ error: KMSError, requestID: String) -> Response {
        let type = AWSErrorMapping.awsType(of: error.code)
        let body = (try? JSONSerialization.data(withJSONObject: ["__type": type, "message": error.message], options: [.sortedKeys])) ?? Data()
        var response = response(AWSErrorMapping.status(of: error.code), body: body, requestID: requestID)
        response.headers[HTTPField.Name("x-amzn-ErrorType")!] = type
        return response
    }

    static func response(_ status: HTTPResponse.Status, body: Data, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[HTTPField.Name("x-amzn-RequestId")!] = requestID
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Access key and region from the SigV4 credential scope (header or presigned query form).
    /// Signatures are not verified yet: any credentials are accepted.
    static func credentialScope(_ request: Request) -> (accessKeyID: String?, region: String?) {
        var credential: Substring?
        if let authorization = request.headers[.authorization], let range = authorization.range(of: "Credential=") {
            credential = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
        } else if let query = request.uri.queryParameters.get("X-Amz-Credential") {
            credential = Substring(query.removingPercentEncoding ?? query)
        }
        guard let credential else { return (nil, nil) }
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, !parts[2].isEmpty, parts[2].count <= 32,
              parts[2].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
        else { return (parts.first.map(String.init), nil) }
        return (String(parts[0].prefix(128)), String(parts[2]))
    }
}

/// Every operation name of the KMS model, to tell "not yet implemented" from "unknown".
enum KMSModelOperations {
    static let names: Set<String> = Set(KMS.operationNames)
}
