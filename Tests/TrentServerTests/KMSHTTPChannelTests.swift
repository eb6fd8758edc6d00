import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
import TrentAuth
import TrentCore
import TrentCrypto
@testable import TrentServer
import TrentStore
#if canImport(Glibc)
import Glibc
#endif

/// KMS calls answered in the channel pipeline (`KMSCallHandler`), on a live server over raw
/// connections: the order of answers when calls and other requests share a connection, bodies in
/// pieces and over the maximum, `Connection: close`, half-closed connections and parse errors.
@Suite struct KMSHTTPChannelTests {
    /// A key service on a store of its own, for callers with any credentials.
    /// `journaled`: as `trent serve` has it, records of calls that change nothing go to the audit
    /// journal (such a call need not wait for the database).
    static func makeService(clock: any Clock = SystemClock(), journaled: Bool = false) throws -> (KeyService, ServerConfiguration) {
        let directory = NSTemporaryDirectory() + "trent-channel-test-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let service = KeyService(
            store: try SQLiteKeyStore(path: directory + "/trent.sqlite", journaled: journaled), clock: clock,
            rootKey: RootKey(SymmetricKey(size: .bits256)), wrappingKeys: WrappingKeyPool(configuration: .init(pairsPerSpec: 0))
        )
        let configuration = ServerConfiguration(
            dataDirectory: directory, authenticator: Authenticator(mode: .acceptAnyCredentials(defaultAccount: "111122223333"), store: CredentialStore(.init(accounts: [:])))
        )
        return (service, configuration)
    }

    static func makeKMS(journaled: Bool = false) throws -> (KeyService, KMSRequestHandler) {
        let (service, configuration) = try makeService(journaled: journaled)
        return (service, KMSRequestHandler(service: service, configuration: configuration, logger: Logger(label: "test"), cloudTrail: CloudTrailLookupHandler(lookup: nil)))
    }

    static func makeApp(maximumBodySize: Int = 1 << 20, clock: any Clock = SystemClock()) throws -> some ApplicationProtocol {
        var (service, configuration) = try makeService(clock: clock)
        configuration.port = 0
        configuration.maximumBodySize = maximumBodySize
        return try buildApplication(configuration: configuration, service: service, logger: Logger(label: "test"))
    }

    static func call(_ operation: String, body: String = "{}", extraHeaders: String = "") -> String {
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.\(operation)\r\n"
            + "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0\r\n"
            + extraHeaders + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    static func get(_ path: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    }

    /// A call starts on its connection's loop (the raw handler's task starts inside the read,
    /// `Task.immediate`; the other handler's is isolated to the loop, `EventLoopIsolation`), and
    /// the key service's nonisolated async functions run where their caller does
    /// (`NonisolatedNonsendingByDefault` in the source targets): the clock, read first thing in
    /// DescribeKey, is read on an event loop. With a plain task, or with nonisolated async
    /// functions on the global executor, the key service runs in Swift's own pool here (in `trent
    /// serve`: with a trip through the loop's task queue at every async function, about 15 per call).
    @Test func theKeyServiceRunsOnTheConnectionsLoop() async throws {
        let clock = LoopRecordingClock()
        try await Self.makeApp(clock: clock).test(.live) { client in
            let port = try #require(client.port)
            let exchange = try await RawHTTP.exchange(port: port, Self.call("DescribeKey", body: #"{"KeyId":"alias/none"}"#), responses: 1)
            #expect(exchange.responses.map(\.status) == [400])
        }
        // Background work (the audit roller, the sweeper) reads the clock in Swift's pool: only
        // the call's own readings are on a loop.
        #expect(clock.reads.contains(true), "\(clock.reads)")
    }

    @Test func callsAndOtherRequestsAreAnsweredInTheirOrderOnOneConnection() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            // All sent at once: the router's answers and the pipeline's interleave as asked.
            let requests = [
                Self.call("ListKeys"), Self.get("/console/style.css"), Self.call("ListAliases"), Self.get("/nowhere"),
                Self.get("/console/style.css"), Self.call("ListKeys"), Self.call("NoSuchOperation"),
            ]
            let exchange = try await RawHTTP.exchange(port: port, requests.joined(), responses: requests.count)
            #expect(exchange.responses.map(\.status) == [200, 200, 200, 404, 200, 200, 400])
            #expect(exchange.responses[0].json?["Keys"] != nil)
            #expect(exchange.responses[1].headers["content-type"]?.hasPrefix("text/css") == true)
            #expect(exchange.responses[2].json?["Aliases"] != nil)
            #expect(exchange.responses[5].json?["Keys"] != nil)
            #expect(exchange.responses[6].json?["__type"] as? String == "UnknownOperationException")
            #expect(exchange.responses[6].headers["x-amzn-errortype"] == "UnknownOperationException")
            for response in exchange.responses {
                #expect(response.headers["server"] == "Trent")
                #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
            }
            #expect(!exchange.closed)
        }
    }

    @Test func callsArrivingInSmallPiecesAreAnsweredInOrder() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let calls = Self.call("ListKeys") + Self.call("ListAliases") + Self.call("ListKeys", body: #"{"Limit": 1}"#)
            let exchange = try await RawHTTP.exchange(port: port, calls + Self.get("/console/style.css") + Self.call("ListAliases"), pieces: 37, responses: 5)
            #expect(exchange.responses.map(\.status) == [200, 200, 200, 200, 200])
            #expect(exchange.responses.map { $0.json.map { $0.keys.sorted() } ?? [] } == [
                ["Keys", "Truncated"], ["Aliases", "Truncated"], ["Keys", "Truncated"], [], ["Aliases", "Truncated"],
            ])
            #expect(!exchange.closed)
        }
    }

    /// A call that never waits (refused before it reaches a key; its audit record goes to the
    /// journal) is answered while its bytes are handed to the pipeline, with no trip through the
    /// loop's task queue: on an embedded channel, whose loop runs nothing until asked, the
    /// answers are there as soon as the bytes are in.
    @Test func aCallThatNeverWaitsIsAnsweredAtOnce() throws {
        let (_, kms) = try Self.makeKMS(journaled: true)
        let channel = EmbeddedChannel(handler: KMSRawCallHandler(kms: kms, serverName: "Trent"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        try channel.writeInbound(ByteBuffer(string: Self.call("NoSuchOperation") + Self.call("NoSuchOperation", body: "{ }")))
        for _ in 0..<2 {
            guard case .byteBuffer(let answer)? = try channel.readOutbound(as: IOData.self) else {
                Issue.record("no answer yet")
                return
            }
            #expect(answer.getString(at: answer.readerIndex, length: 24) == "HTTP/1.1 400 Bad Request")
        }
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    /// Calls answered at once, many of them in one read: each is taken after the answer to the one
    /// before is written, by one loop (taking the next from inside the write would nest a few
    /// stack frames deeper for every call, and this many would overflow the stack).
    @Test func manyCallsInOneReadAreAnsweredInOrder() throws {
        let (_, kms) = try Self.makeKMS(journaled: true)
        let channel = EmbeddedChannel(handler: KMSRawCallHandler(kms: kms, serverName: "Trent"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        let count = 20_000
        var calls = ""
        for index in 0..<count { calls += Self.call("NoSuchOperation\(index)") }
        try channel.writeInbound(ByteBuffer(string: calls))
        var answered = 0
        while case .byteBuffer(let answer)? = try channel.readOutbound(as: IOData.self) {
            #expect(answer.getString(at: answer.readerIndex, length: 24) == "HTTP/1.1 400 Bad Request")
            answered += 1
        }
        #expect(answered == count)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    /// A client that always has the next call on its way never lets the buffer empty: the calls
    /// taken from its front are dropped, so it stays small however many calls go through.
    @Test func theBufferOfAConnectionThatNeverEmptiesStaysSmall() async throws {
        let (_, kms) = try Self.makeKMS()
        nonisolated(unsafe) let handler = KMSRawCallHandler(kms: kms, serverName: "Trent")
        let channel = try await NIOAsyncTestingChannel(handler: handler)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9))
        let call = Array(Self.call("ListKeys").utf8)
        let half = call.count / 2
        try await channel.writeInbound(ByteBuffer(bytes: call[...] + call[..<half]))
        for _ in 0..<400 {
            let answer = try await channel.waitForOutboundWrite(as: IOData.self)
            guard case .byteBuffer(let bytes) = answer else { Issue.record("not bytes"); return }
            #expect(bytes.getString(at: bytes.readerIndex, length: 15) == "HTTP/1.1 200 OK")
            // The rest of the call in progress and half of the next: the buffer never empties.
            try await channel.writeInbound(ByteBuffer(bytes: call[half...] + call[..<half]))
        }
        let capacity = try await channel.testingEventLoop.executeInContext { handler.bufferedCapacity }
        #expect(capacity < 64 * 1024, "\(capacity) bytes held for one call and a half")
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    /// Calls still waiting when the connection closes are not made.
    @Test func callsWaitingWhenTheConnectionClosesAreNotMade() async throws {
        let (service, kms) = try Self.makeKMS()
        let channel = try await NIOAsyncTestingChannel(handler: KMSRawCallHandler(kms: kms, serverName: "Trent"))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9))
        try await channel.writeInbound(ByteBuffer(string: Self.call("CreateKey", body: #"{"Origin": "EXTERNAL"}"#)))
        guard case .byteBuffer(var created) = try await channel.waitForOutboundWrite(as: IOData.self),
              let text = created.readString(length: created.readableBytes), let json = text.range(of: "\r\n\r\n").map({ text[$0.upperBound...] }),
              let keyID = ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]).flatMap({ ($0["KeyMetadata"] as? [String: Any])?["KeyId"] as? String })
        else { Issue.record("no key"); return }
        // A call that takes a while (a wrapping key pair is made), then two that would add keys.
        let slow = #"{"KeyId": "\#(keyID)", "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}"#
        try await channel.writeInbound(ByteBuffer(string: Self.call("GetParametersForImport", body: slow) + Self.call("CreateKey") + Self.call("CreateKey")))
        _ = try await channel.finish(acceptAlreadyClosed: true)
        try await Task.sleep(for: .seconds(2))
        let call = CallContext(
            account: "111122223333", region: "us-east-1", requestID: "r", sourceIPAddress: "127.0.0.1", userAgent: "", accessKeyID: nil,
            eventName: "ListKeys", requestParameters: nil
        )
        #expect(try await service.listKeys(limit: nil, marker: nil, call: call).keys.map(\.id) == [keyID])
    }

    @Test func aCallWaitsForTheRoutersAnswerToTheRequestBeforeIt() async throws {
        // A route slower than any call: the call's answer still comes second.
        let (_, kms) = try Self.makeKMS()
        let router = Router()
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(300))
            return "slow"
        }
        let app = Application(router: router, server: .kms(kms, serverName: "Trent"), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let exchange = try await RawHTTP.exchange(port: port, Self.get("/slow") + Self.call("ListKeys") + Self.get("/slow") + Self.call("ListKeys"), responses: 4)
            #expect(exchange.responses.map { String(decoding: $0.body.prefix(4), as: UTF8.self) } == ["slow", "{\"Ke", "slow", "{\"Ke"])
        }
    }

    @Test func aCallsHeadersAreThoseOfTheRouter() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let exchange = try await RawHTTP.exchange(port: port, Self.call("ListKeys"), responses: 1)
            let response = try #require(exchange.responses.first)
            #expect(response.headers["content-type"] == "application/x-amz-json-1.1")
            #expect(response.headers["content-length"] == String(response.body.count))
            #expect(response.headers["x-amzn-requestid"]?.count == 36)
            #expect(response.headers["x-amzn-errortype"] == nil)
            // The date as HTTP writes it, e.g. "Sat, 05 Dec 2026 10:27:41 GMT".
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = try #require(formatter.date(from: response.headers["date"] ?? ""))
            #expect(abs(date.timeIntervalSinceNow) < 60)
            #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
            #expect(HTTPDate.format(1_796_466_461) == "Sat, 05 Dec 2026 10:27:41 GMT")
        }
    }

    /// The raw handler's bytes of an answer: the status line, `KMSAnswer.headers` in their order,
    /// `Date` and `Server`, then the body, for answers and errors of every size of length.
    @Test func responseBytesAreTheAnswersHeadersAndBody() {
        let answers = [
            KMSAnswer(status: .ok, body: [], requestID: UUIDText.random()),
            KMSAnswer(status: .ok, body: Array("{\"KeyId\":1}".utf8), requestID: UUIDText.random()),
            KMSAnswer(status: .ok, body: [UInt8](repeating: 0x41, count: 12345), requestID: UUIDText.random()),
            KMSAnswer(error: "NotFoundException", "Key 'x' does not exist", status: .badRequest, requestID: UUIDText.random()),
            KMSAnswer(error: "KMSInternalException", "An internal error occurred.", status: .internalServerError, requestID: "r"),
        ]
        for answer in answers {
            for serverName in ["Trent", nil] {
                var bytes = KMSRawCallHandler.response(answer, date: "Sat, 05 Dec 2026 10:27:41 GMT", serverName: serverName, allocator: ByteBufferAllocator())
                let text = bytes.readString(length: bytes.readableBytes) ?? ""
                let parts = text.components(separatedBy: "\r\n\r\n")
                let lines = parts[0].components(separatedBy: "\r\n")
                #expect(lines[0] == "HTTP/1.1 \(answer.status.code) \(answer.status.reasonPhrase)")
                let expected = answer.headers + [("Date", "Sat, 05 Dec 2026 10:27:41 GMT")] + (serverName.map { [("Server", $0)] } ?? [])
                #expect(Array(lines.dropFirst()) == expected.map { "\($0.name): \($0.value)" })
                #expect(parts.dropFirst().joined(separator: "\r\n\r\n") == String(decoding: answer.body, as: UTF8.self))
            }
        }
    }

    @Test func bodiesInPiecesAndOverTheMaximum() async throws {
        try await Self.makeApp(maximumBodySize: 64).test(.live) { client in
            let port = try #require(client.port)
            let large = #"{"Limit": 5, "Marker": ""# + String(repeating: "A", count: 80) + #""}"#
            // Chunked: the body arrives in several parts.
            let chunked = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: TrentService.ListKeys\r\nTransfer-Encoding: chunked\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n"
                + "3\r\n{\"L\r\n" + "4\r\nimit\r\n" + "5\r\n\": 2}\r\n" + "0\r\n\r\n"
            let exchange = try await RawHTTP.exchange(port: port, Self.call("ListKeys", body: large) + chunked + Self.call("ListKeys"), responses: 3)
            #expect(exchange.responses.map(\.status) == [400, 200, 200])
            #expect(exchange.responses[0].json?["__type"] as? String == "SerializationException")
            #expect(exchange.responses[0].json?["message"] as? String == "The request body is larger than 64 bytes.")
            #expect(exchange.responses[1].json?["Keys"] != nil)
        }
    }

    @Test func connectionCloseEndsTheConnectionAfterTheAnswer() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let exchange = try await RawHTTP.exchange(
                port: port, Self.call("ListKeys", extraHeaders: "Connection: close\r\n") + Self.call("ListKeys"), responses: 2
            )
            #expect(exchange.responses.map(\.status) == [200])
            #expect(exchange.closed)
        }
    }

    @Test func aHalfClosedConnectionStillGetsItsAnswers() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let exchange = try await RawHTTP.exchange(
                port: port, Self.call("ListKeys") + Self.get("/console/style.css") + Self.call("ListKeys"), halfClose: true, responses: 3
            )
            #expect(exchange.responses.map(\.status) == [200, 200, 200])
        }
    }

    /// A server shutting down answers the call in progress (key generation: no pool here), then
    /// closes the connection.
    @Test func shuttingDownAnswersTheCallInProgressFirst() async throws {
        let exchange = try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let created = try await RawHTTP.exchange(port: port, Self.call("CreateKey", body: #"{"Origin": "EXTERNAL"}"#), responses: 1)
            let keyID = try #require((created.responses.first?.json?["KeyMetadata"] as? [String: Any])?["KeyId"] as? String)
            let body = #"{"KeyId": "\#(keyID)", "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_4096"}"#
            let inProgress = Task { try await RawHTTP.exchange(port: port, Self.call("GetParametersForImport", body: body) + Self.call("ListKeys"), responses: 2) }
            try await Task.sleep(for: .milliseconds(100))
            return inProgress  // the server shuts down now
        }.value
        #expect(exchange.responses.map(\.status) == [200])
        #expect(exchange.responses.first?.json?["ImportToken"] != nil)
        #expect(exchange.closed)
    }

    /// Mangled requests, each on a connection of its own that the client then half-closes: every
    /// one gets an answer or a closed connection, and the server goes on answering calls.
    @Test func mangledRequestsNeverStopTheServer() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let base = Array(Self.call("ListKeys", body: #"{"Limit": 5}"#).utf8)
            let alphabet = Array(" :\r\n\t/?0123456789aAzZ{}\"".utf8) + [0, 0x7F, 0x80, 0xFF]
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<150 {
                let bytes = RawCallTests.mangled(base, edits: Int.random(in: 1...3, using: &generator), alphabet: alphabet, using: &generator)
                let exchange = try await RawHTTP.exchange(port: port, bytes: bytes, halfClose: true, responses: 1)
                #expect(exchange.closed || exchange.responses.count == 1, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
                if let status = exchange.responses.first?.status { #expect((200..<500).contains(status)) }
            }
            let after = try await RawHTTP.exchange(port: port, Self.call("ListKeys"), responses: 1)
            #expect(after.responses.map(\.status) == [200])
        }
    }

    @Test func aParseErrorAfterACallIsAnsweredAfterIt() async throws {
        try await Self.makeApp().test(.live) { client in
            let port = try #require(client.port)
            let exchange = try await RawHTTP.exchange(port: port, Self.call("ListKeys") + "NOT HTTP AT ALL\r\n\r\n", responses: 2)
            #expect(exchange.responses.map(\.status) == [200, 400])
            #expect(exchange.closed)
        }
    }
}

/// A blocking HTTP/1.1 client over a raw socket, on a thread of its own: it sends bytes exactly as
/// given (several requests at once) and reads answers by their Content-Length.
enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    struct Exchange {
        var responses: [Response]
        /// The server closed the connection.
        var closed: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `pieces`: send that many bytes at a time, a millisecond apart (else all at once).
    static func exchange(port: Int, _ request: String, pieces: Int? = nil, halfClose: Bool = false, responses count: Int) async throws -> Exchange {
        try await exchange(port: port, bytes: Array(request.utf8), pieces: pieces, halfClose: halfClose, responses: count)
    }

    static func exchange(port: Int, bytes: [UInt8], pieces: Int? = nil, halfClose: Bool = false, responses count: Int) async throws -> Exchange {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try blockingExchange(port: port, bytes, pieces: pieces, halfClose: halfClose, responses: count)
                })
            }.start()
        }
    }

    private static func blockingExchange(port: Int, _ bytes: [UInt8], pieces: Int?, halfClose: Bool, responses count: Int) throws -> Exchange {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var sent = 0
        while sent < bytes.count {
            let end = pieces.map { min(bytes.count, sent + $0) } ?? bytes.count
            let n = bytes[sent..<end].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send: \(errno)") }
            sent += n
            if pieces != nil { usleep(1000) }
        }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var responses: [Response] = []
        var closed = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while responses.count < count {
            while let (response, used) = parse(received) {
                responses.append(response)
                received.removeFirst(used)
            }
            if responses.count >= count { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 {
                closed = true
                break
            }
            guard n > 0 else { throw Failure(description: "recv: \(errno) after \(responses.count) responses") }
            received += buffer[..<n]
        }
        if !closed {
            // Closed right after the last answer? Look without waiting long.
            var quick = timeval(tv_sec: 0, tv_usec: 300_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &quick, socklen_t(MemoryLayout<timeval>.size))
            closed = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } == 0
        }
        return Exchange(responses: responses, closed: closed)
    }

    /// One response from the front of `bytes`, with the number of bytes it took.
    private static func parse(_ bytes: [UInt8]) -> (Response, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + 4
        guard bytes.count >= bodyStart + length else { return nil }
        return (Response(status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + length)])), bodyStart + length)
    }
}

/// The system's time, noting for each reading whether it was taken on an event loop.
final class LoopRecordingClock: TrentCore.Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var onLoop: [Bool] = []

    var reads: [Bool] { lock.withLock { onLoop } }

    func now() -> Date {
        let here = MultiThreadedEventLoopGroup.currentEventLoop != nil
        lock.withLock { onLoop.append(here) }
        return Date()
    }
}
