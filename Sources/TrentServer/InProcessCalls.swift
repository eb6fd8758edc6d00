public import Logging
import NIOCore
import Synchronization
public import TrentCore

/// KMS calls answered from the bytes of their HTTP/1.1 requests, in-process: what
/// `KMSRawCallHandler` does for a call between the socket's read and its write (reading the
/// request, SigV4, the operation, its audit record, the response's bytes), without a channel.
/// For `trent-microbench call`, which counts a whole call's CPU without the kernel and the load
/// generator in it.
public final class InProcessCalls: Sendable {
    private let kms: KMSRequestHandler
    /// The `Date` header's text, made once a second as a connection makes it.
    private let date = Mutex(HTTPDate())

    public init(service: KeyService, configuration: ServerConfiguration, logger: Logger) {
        kms = KMSRequestHandler(service: service, configuration: configuration, logger: logger, cloudTrail: CloudTrailLookupHandler(lookup: nil))
    }

    /// The response to one complete request (`POST /`, `Content-Length`), or nil when the bytes
    /// are not one such request.
    public func answer(_ request: [UInt8]) async -> [UInt8]? {
        let parsed = request.withUnsafeBytes { RawCall.parse($0, maximumBodySize: kms.configuration.maximumBodySize) }
        guard case .call(let call) = parsed, call.length == request.count else { return nil }
        let answer = await kms.answer(call.request, remoteAddress: nil)
        var out = KMSRawCallHandler.response(answer, date: date.withLock { $0.now() }, serverName: "Trent", allocator: ByteBufferAllocator())
        return out.readBytes(length: out.readableBytes)
    }
}
