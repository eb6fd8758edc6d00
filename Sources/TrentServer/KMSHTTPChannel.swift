import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import TrentAuth
#if canImport(Glibc)
import Glibc
#endif

/// Hummingbird's HTTP/1.1 channel with the KMS calls (`POST /`) answered in the channel pipeline.
///
/// Hummingbird hands every request to an async loop per connection through `NIOAsyncChannel`:
/// each part of a request and of its response crosses an async sequence, and that hand-over cost
/// more per call than Trent's own work on the answer. Here `KMSRawCallHandler`, first in the
/// pipeline, reads the plain calls the SDKs send straight from the bytes; once a connection carries
/// anything else it goes over to NIO's HTTP/1 decoder, after which `KMSCallHandler` still takes the
/// calls (from NIO's parts, with no conversion to `HTTPTypes`) and everything else (the console,
/// the test-only endpoints, a malformed request) goes on to Hummingbird as before. Each handler
/// runs a call in a task on the connection's event loop (the raw handler's starts inside the read,
/// `Task.immediate`), and answers keep the order of the requests on a connection.
struct KMSHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let kms: KMSRequestHandler
    let serverName: String?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // As Hummingbird's HTTP1Channel sets it up, with the KMS handler before the async channel.
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = 80 * 1024
            limits.maxHeaderListSize = 80 * 1024
            limits.maxHeaderFieldCount = 1000
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(KMSRawCallHandler(kms: kms, serverName: serverName))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits
            )
            try pipeline.addHandler(KMSCallHandler(kms: kms, serverName: serverName))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with KMS calls answered by `kms` in the pipeline (see `KMSHTTP1Channel`).
    static func kms(_ kms: KMSRequestHandler, serverName: String?) -> HTTPServerBuilder {
        .init { responder in KMSHTTP1Channel(responder: responder, kms: kms, serverName: serverName) }
    }
}

/// Reads the KMS calls of a connection straight from its bytes (`RawCall`) and writes each answer
/// as one buffer, without NIO's HTTP decoder and encoder: the SDKs' connections carry nothing else.
/// At the first request that is not such a call, the connection goes over to NIO's HTTP/1 decoder
/// for good (with the bytes not yet answered), and `KMSCallHandler` and Hummingbird take it from
/// there. Calls are answered one at a time, in order; while one is answered, the bytes after it
/// wait and reading stops once any are there.
final class KMSRawCallHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let kms: KMSRequestHandler
    private let serverName: String?
    private let maximumBodySize: Int
    /// The connection went over to NIO's decoder.
    private var passing = false
    /// `Connection: close` (or shutdown) was answered: nothing more is read.
    private var closing = false
    /// Bytes read and not yet taken.
    private var buffer: ByteBuffer?
    private var answering = false
    private var closeAfterAnswer = false
    private var inputClosed = false
    private var readWanted = false
    /// `takeCalls` is running (further up this stack), and an answer written meanwhile asks it to go on.
    private var taking = false
    private var takeAgain = false
    private var date = HTTPDate()

    init(kms: KMSRequestHandler, serverName: String?) {
        self.kms = kms
        self.serverName = serverName
        maximumBodySize = kms.configuration.maximumBodySize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !passing else { return context.fireChannelRead(data) }
        guard !closing else { return }
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            // Calls taken from the front are dropped before the buffer grows: a client that
            // keeps several calls in flight never lets it empty.
            if buffer!.readerIndex >= 16384 { buffer!.discardReadBytes() }
            buffer!.writeBuffer(&incoming)
        }
        if !answering { takeCalls(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Calls still waiting here are not made: nobody would read their answers.
        closing = true
        buffer = nil
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if passing { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !passing else { return context.fireUserInboundEventTriggered(event) }
        switch event {
        case ChannelEvent.inputClosed:
            // Calls already sent are answered, then the connection closes.
            inputClosed = true
            if !answering { takeCalls(context: context) }
        case is ChannelShouldQuiesceEvent:
            // The server is shutting down: after the call in progress, if any.
            if answering { closeAfterAnswer = true } else { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func read(context: ChannelHandlerContext) {
        if !passing, answering, (buffer?.readableBytes ?? 0) > 0 {
            readWanted = true
            return
        }
        context.read()
    }

    /// Answers the complete calls at the front of the buffer, one after another while each is
    /// answered at once; hands the connection to NIO's decoder at the first request that is not
    /// a call. A call answered without waiting writes its answer before `answer` returns: the
    /// next call is then taken by this loop, not from inside that write (pipelined calls would
    /// otherwise nest one stack frame deeper each).
    private func takeCalls(context: ChannelHandlerContext) {
        if taking {
            takeAgain = true
            return
        }
        taking = true
        defer { taking = false }
        repeat {
            takeAgain = false
            takeCall(context: context)
        } while takeAgain
        if !answering || (buffer?.readableBytes ?? 0) == 0 { resumeReading(context: context) }
    }

    /// Answers the complete call at the front of the buffer, if there is one (see `takeCalls`).
    private func takeCall(context: ChannelHandlerContext) {
        guard !closing else { return }
        if let buffer, buffer.readableBytes > 0 {
            switch buffer.withUnsafeReadableBytes({ RawCall.parse($0, maximumBodySize: maximumBodySize) }) {
            case .incomplete:
                break
            case .other:
                passing = true
                self.buffer = nil
                context.fireChannelRead(wrapInboundOut(buffer))
                context.fireChannelReadComplete()
                if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
                resumeReading(context: context)
                return
            case .call(let call):
                if buffer.readableBytes == call.length {
                    self.buffer = nil
                } else {
                    self.buffer!.moveReaderIndex(forwardBy: call.length)
                }
                answering = true
                closeAfterAnswer = closeAfterAnswer || call.close
                answer(call.request, context: context)
                return
            }
        }
        // Nothing to answer: a client that is done sending is done.
        if inputClosed { context.close(promise: nil) }
    }

    /// An answer as the bytes of its HTTP/1.1 response, status line to body: the fields of
    /// `KMSAnswer.forEachHeader` in its order, then `Date` and `Server`. The constant runs are
    /// written whole (writing each name, separator and value as a string of its own, the status
    /// code and length made into strings first, cost more than the rest of the answer's framing).
    static func response(_ answer: KMSAnswer, date: String, serverName: String?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 256 + answer.requestID.utf8.count + (answer.errorType?.utf8.count ?? 0) + answer.body.count)
        if answer.status == .ok {
            out.writeStaticString("HTTP/1.1 200 OK")
        } else {
            out.writeStaticString("HTTP/1.1 ")
            out.writeString(String(answer.status.code))
            out.writeStaticString(" ")
            out.writeString(answer.status.reasonPhrase)
        }
        out.writeBytes(contentTypeAndRequestID)
        out.writeString(answer.requestID)
        if let errorType = answer.errorType {
            out.writeStaticString("\r\nx-amzn-ErrorType: ")
            out.writeString(errorType)
        }
        out.writeStaticString("\r\nContent-Length: ")
        writeDecimal(answer.body.count, to: &out)
        out.writeStaticString("\r\nDate: ")
        out.writeString(date)
        if let serverName {
            out.writeStaticString("\r\nServer: ")
            out.writeString(serverName)
        }
        out.writeStaticString("\r\n\r\n")
        out.writeBytes(answer.body)
        return out
    }

    private static let contentTypeAndRequestID = Array(("\r\nContent-Type: " + KMSRequestHandler.contentType + "\r\nx-amzn-RequestId: ").utf8)

    /// A count in decimal digits.
    private static func writeDecimal(_ value: Int, to out: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits, more than an Int has
        withUnsafeMutableBytes(of: &digits) { room in
            var rest = value.magnitude, start = room.count
            repeat {
                start -= 1
                room[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            out.writeBytes(UnsafeRawBufferPointer(rebasing: room[start...]))
        }
    }

    /// The bytes held for calls not yet taken (tests).
    var bufferedCapacity: Int { buffer?.capacity ?? 0 }

    private func resumeReading(context: ChannelHandlerContext) {
        if readWanted {
            readWanted = false
            context.read()
        }
    }

    private func answer(_ request: SignableRequest, context: ChannelHandlerContext) {
        kms.answer(request, on: context, immediately: true) { answer in self.write(answer, context: context) }
    }

    private func write(_ answer: KMSAnswer, context: ChannelHandlerContext) {
        let out = Self.response(answer, date: date.now(), serverName: serverName, allocator: context.channel.allocator)
        answering = false
        if closeAfterAnswer {
            buffer = nil
            closing = true
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(out))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(out)), promise: nil)
        takeCalls(context: context)
    }
}

/// Answers `POST /` (the AWS JSON 1.1 calls, KMS and CloudTrail) on the connection's event loop;
/// passes every other request on. A request that arrives while an earlier one on the same
/// connection is still being answered waits here (and reading stops) until that answer is written,
/// so answers go out in the order of the requests whichever side answers them.
final class KMSCallHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// A request for Hummingbird: its parts are passed on.
        case passing
        /// A KMS call and its body so far (nil: none yet); past the maximum size the rest is read and dropped.
        case collecting(HTTPRequestHead, ByteBuffer?, tooLarge: Bool)
        case answering
        /// The connection closes once the answer is written: nothing more is read.
        case closing
    }

    /// What waits for the answer in progress.
    private enum Held {
        case part(HTTPServerRequestPart)
        case error(any Error)
        case inputClosed
    }

    private let kms: KMSRequestHandler
    private let serverName: String?
    private let maximumBodySize: Int
    private var state = State.idle
    /// Requests passed on whose answer has not been written yet.
    private var passedOn = 0
    private var held = CircularBuffer<Held>()
    private var readWanted = false
    /// Close the connection after the call in progress (`Connection: close`, HTTP/1.0, or the
    /// server shutting down).
    private var closeAfterAnswer = false
    private var date = HTTPDate()

    init(kms: KMSRequestHandler, serverName: String?) {
        self.kms = kms
        self.serverName = serverName
        maximumBodySize = kms.configuration.maximumBodySize
    }

    /// A KMS call: `POST /` with or without a query, as the router matches it.
    static func isCall(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .POST, head.uri.utf8.first == UInt8(ascii: "/") else { return false }
        return head.uri.utf8.count == 1 || head.uri.utf8.dropFirst().first == UInt8(ascii: "?")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if held.isEmpty, take(.part(part), context: context) { return }
        held.append(.part(part))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if held.isEmpty, take(.error(error), context: context) { return }
        held.append(.error(error))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            if held.isEmpty, take(.inputClosed, context: context) { return }
            held.append(.inputClosed)
        case is ChannelShouldQuiesceEvent:
            // The server is shutting down: a call in progress is answered, then the connection
            // closes; otherwise Hummingbird's state handler closes it when its requests are answered.
            switch state {
            case .collecting, .answering: closeAfterAnswer = true
            case .closing: break
            case .idle, .passing: context.fireUserInboundEventTriggered(event)
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func read(context: ChannelHandlerContext) {
        // Nothing more is read while requests wait here.
        guard held.isEmpty else {
            readWanted = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird's answers; ours are written from here and do not pass this way.
        let ended = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if ended {
            passedOn = max(0, passedOn - 1)
            if passedOn == 0 { release(context: context) }
        }
    }

    /// Handles an event now, or returns false when it has to wait for the answer in progress.
    private func take(_ event: Held, context: ChannelHandlerContext) -> Bool {
        switch (state, event) {
        case (.answering, _):
            return false
        case (.closing, _):
            return true
        case (.idle, .part(.head(let head))) where Self.isCall(head):
            // Answers go out in order: a call waits for Hummingbird's answers to requests before it.
            guard passedOn == 0 else { return false }
            closeAfterAnswer = !head.isKeepAlive
            state = .collecting(head, nil, tooLarge: false)
        case (.idle, .part(let part)):
            if case .head = part {
                passedOn += 1
                state = .passing
            }
            context.fireChannelRead(wrapInboundOut(part))
        case (.passing, .part(let part)):
            if case .end = part { state = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting(let head, var body, var tooLarge), .part(.body(var chunk))):
            state = .answering  // so that `body` is the buffer's only owner while it grows
            if tooLarge || (body?.readableBytes ?? 0) + chunk.readableBytes > maximumBodySize {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            state = .collecting(head, body, tooLarge: tooLarge)
        case (.collecting(let head, let body, let tooLarge), .part(.end)):
            state = .answering
            answer(tooLarge ? nil : Self.signable(head, body: body), context: context)
        case (.collecting, .part(.head)):
            // Not from the HTTP decoder (a head ends the previous request): drop the call.
            state = .idle
            return take(event, context: context)
        case (.collecting, .error(let error)):
            // The call's request is broken: Hummingbird answers the parse error and closes.
            state = .idle
            passedOn += 1
            context.fireErrorCaught(error)
        case (.collecting, .inputClosed):
            // The client stopped sending mid-request: there is nothing to answer.
            state = .idle
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        case (_, .error(let error)):
            context.fireErrorCaught(error)
        case (_, .inputClosed):
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        return true
    }

    /// Takes what waited, in order, until something has to wait again.
    private func release(context: ChannelHandlerContext) {
        guard !held.isEmpty else { return resumeReading(context: context) }
        while let next = held.first, take(next, context: context) {
            held.removeFirst()
        }
        // What was passed on is read by the async channel at the end of a read.
        context.fireChannelReadComplete()
        if held.isEmpty { resumeReading(context: context) }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        if readWanted {
            readWanted = false
            context.read()
        }
    }

    /// The request as SigV4 sees it: method, raw path and query, headers as sent (`Host` among them).
    static func signable(_ head: HTTPRequestHead, body: ByteBuffer?) -> SignableRequest {
        let uri = head.uri.utf8
        let question = uri.firstIndex(of: UInt8(ascii: "?"))
        return SignableRequest(
            method: head.method.rawValue,
            path: question.map { String(head.uri[..<$0]) } ?? head.uri,
            query: question.map { String(head.uri[head.uri.index(after: $0)...]) } ?? "",
            headers: head.headers.map { (name: $0.name, value: $0.value) },
            body: body.map { Data(buffer: $0, byteTransferStrategy: .copy) } ?? Data()
        )
    }

    private func answer(_ request: SignableRequest?, context: ChannelHandlerContext) {
        kms.answer(request, on: context) { answer in self.write(answer, context: context) }
    }

    private func write(_ answer: KMSAnswer, context: ChannelHandlerContext) {
        let headers = HTTPHeaders(answer.headers + [("Date", date.now())] + (serverName.map { [("Server", $0)] } ?? []))
        let status = HTTPResponseStatus(statusCode: answer.status.code, reasonPhrase: answer.status.reasonPhrase)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        if closeAfterAnswer {
            state = .closing
            held.removeAll()
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .idle
        release(context: context)
    }
}

extension KMSRequestHandler {
    /// Answers the call in a task; `then` runs on the connection's event loop, with the answer (no
    /// promise and future in between: two allocations and a callback list fewer).
    ///
    /// `immediately`: the task starts on this thread, now (`Task.immediate`), and a call that
    /// never waits (a Decrypt whose key is cached: its audit record goes to the journal) is
    /// answered before this returns, with no trip through the loop's task queue; after a wait it
    /// goes on wherever it resumes, and `then` goes back to the loop. The caller must take `then`
    /// running inside this call. Otherwise the task is isolated to the loop from its start.
    func answer(
        _ request: SignableRequest?, on context: ChannelHandlerContext, immediately: Bool = false, then: @escaping (KMSAnswer) -> Void
    ) {
        let remoteAddress = context.channel.remoteAddress
        let loop = context.eventLoop
        let then = NIOLoopBound(then, eventLoop: loop)
        if immediately {
            Task.immediate {
                let answer = await self.answer(request, remoteAddress: remoteAddress)
                if loop.inEventLoop {
                    then.value(answer)
                } else {
                    loop.execute { then.value(answer) }
                }
            }
            return
        }
        let isolation = EventLoopIsolation(loop)
        Task {
            await self.answer(request, remoteAddress: remoteAddress, isolation: isolation, then: then)
        }
    }

    /// The call on the loop's own executor: the async functions it goes through are nonisolated
    /// and run on their caller's executor (`NonisolatedNonsendingByDefault`), so none of them
    /// hops. Without this each hopped to the global executor, which NIO hands back to the same
    /// loop: about 17 trips through the loop's task queue per Decrypt.
    private func answer(
        _ request: SignableRequest?, remoteAddress: SocketAddress?, isolation: isolated EventLoopIsolation,
        then: NIOLoopBound<(KMSAnswer) -> Void>
    ) async {
        let answer = await self.answer(request, remoteAddress: remoteAddress)
        then.value(answer)
    }
}

/// An event loop as an actor: code isolated to it runs on the loop.
actor EventLoopIsolation {
    private nonisolated let executor: any SerialExecutor

    init(_ loop: any EventLoop) {
        executor = loop.executor
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
}

/// The `Date` header's text (RFC 9110 IMF-fixdate), made again when the second changes.
struct HTTPDate {
    private var second = -1
    private var text = ""

    mutating func now() -> String {
        let now = time(nil)
        if now != second {
            second = now
            text = Self.format(now)
        }
        return text
    }

    static func format(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
