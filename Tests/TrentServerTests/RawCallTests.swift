import CBytes
import Foundation
import Testing
import TrentAuth
@testable import TrentServer

/// The strict reader of KMS calls from raw bytes: what it takes, what it leaves to NIO's decoder.
@Suite struct RawCallTests {
    static let sdkRequest = "POST / HTTP/1.1\r\nHost: 127.0.0.1:4599\r\nAccept-Encoding: identity\r\nX-Amz-Target: TrentService.Encrypt\r\n"
        + "Content-Type: application/x-amz-json-1.1\r\nUser-Agent: Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0\r\nX-Amz-Date: 20261205T102741Z\r\n"
        + "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261205/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00\r\n"
        + "amz-sdk-invocation-id: 1c7c0b1e\r\namz-sdk-request: attempt=1\r\nContent-Length: 17\r\n\r\n{\"KeyId\": \"abc\"}\n"

    enum Kind: Equatable { case call, incomplete, other }

    static func parse(_ text: String, maximumBodySize: Int = 1 << 20) -> RawCall.Outcome {
        Array(text.utf8).withUnsafeBytes { RawCall.parse($0, maximumBodySize: maximumBodySize) }
    }

    static func kind(_ text: String, maximumBodySize: Int = 1 << 20) -> Kind {
        switch parse(text, maximumBodySize: maximumBodySize) {
        case .call: .call
        case .incomplete: .incomplete
        case .other: .other
        }
    }

    @Test func anSDKRequestIsReadWhole() throws {
        guard case .call(let call) = Self.parse(Self.sdkRequest + "POST / HTTP/1.1\r\n") else { Issue.record("not a call"); return }
        #expect(call.length == Self.sdkRequest.utf8.count)
        #expect(!call.close)
        #expect(call.request.method == "POST")
        #expect(call.request.path == "/")
        #expect(call.request.query == "")
        #expect(call.request.body == Data("{\"KeyId\": \"abc\"}\n".utf8))
        #expect(call.request.headers.count == 10)
        #expect(call.request.joinedValue(of: "x-amz-target") == "TrentService.Encrypt")
        #expect(call.request.joinedValue(of: "host") == "127.0.0.1:4599")
        #expect(call.request.headers.first?.name == "Host")
    }

    @Test func everyPrefixIsIncomplete() {
        let bytes = Array(Self.sdkRequest.utf8)
        for length in 0..<bytes.count {
            let outcome = bytes[..<length].withUnsafeBytes { RawCall.parse($0, maximumBodySize: 1 << 20) }
            guard case .incomplete = outcome else {
                Issue.record("prefix of \(length) bytes: \(outcome)")
                return
            }
        }
    }

    @Test func aQueryConnectionCloseAndNoBody() throws {
        let text = "POST /?a=b&c HTTP/1.1\r\nHost: h\r\nConnection: Close\r\nX-Amz-Target: T\r\n\r\n"
        guard case .call(let call) = Self.parse(text) else { Issue.record("not a call"); return }
        #expect(call.request.path == "/")
        #expect(call.request.query == "a=b&c")
        #expect(call.close)
        #expect(call.request.body.isEmpty)
        #expect(call.length == text.utf8.count)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "POST /console/keys HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
        "POST /x HTTP/1.1\r\n\r\n",
        "post / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
        "POST / HTTP/2.0\r\n\r\n",
        "POST /  HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
        "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
        "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
        "POST / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
        "POST / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        "POST / HTTP/1.1\r\nHost : h\r\n\r\n",
        "POST / HTTP/1.1\r\n: h\r\n\r\n",
        "POST / HTTP/1.1\r\nHo(st: h\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\u{7F}\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\u{1}\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: é\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\rX\r\n\r\n",
        "POST / HTTP/1.1\nHost: h\n\n",
        "POST / HTTP/1.1\r\nHost: h\n\r\n",
        "POST /\u{1}x HTTP/1.1\r\n\r\n",
        "POST /?a\u{7F} HTTP/1.1\r\n\r\n",
    ])
    func leftToNIO(_ text: String) {
        #expect(Self.kind(text) == .other, "\(text.debugDescription)")
    }

    /// A field value is visible ASCII, spaces and tabs (scanned 16 bytes at a time): every byte
    /// value at every position of a long value, the ends of the 16-byte blocks among them.
    @Test func everyByteOfAFieldValueIsJudged() {
        let value = Array("AWS4-HMAC-SHA256 Credential=AKID/20261205/us-east-1/kms/aws4_request".utf8)
        for byte in UInt8(0)...UInt8(255) {
            let allowed = (0x20...0x7E).contains(byte) || byte == UInt8(ascii: "\t")
            for position in [0, 1, 14, 15, 16, 17, 31, 32, 47, 48, value.count - 2] {
                var changed = value
                changed[position] = byte
                let request = Array("POST / HTTP/1.1\r\nHost: h\r\nAuthorization: ".utf8) + changed + Array("\r\nContent-Length: 0\r\n\r\n".utf8)
                let outcome = request.withUnsafeBytes { RawCall.parse($0, maximumBodySize: 1 << 20) }
                switch outcome {
                case .call(let call):
                    #expect(allowed, "byte \(byte) at \(position) was taken")
                    // Spaces and tabs around a value are not part of it.
                    let trimmed = changed.drop { $0 == 0x20 || $0 == 0x09 }
                    #expect(call.request.values(of: "authorization").map { Array($0.utf8) } == [Array(trimmed)])
                case .other, .incomplete:
                    // A CR or LF alone ends the line early: NIO's decoder judges it.
                    #expect(!allowed, "byte \(byte) at \(position) was refused")
                }
            }
        }
    }

    @Test func limits() {
        #expect(Self.kind("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n" + String(repeating: "a", count: 65), maximumBodySize: 64) == .other)
        #expect(Self.kind("POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + String(repeating: "a", count: 64), maximumBodySize: 64) == .call)
        let fields = (0..<100).map { "X-F\($0): v\r\n" }.joined()
        #expect(Self.kind("POST / HTTP/1.1\r\n" + fields + "\r\n") == .call)
        #expect(Self.kind("POST / HTTP/1.1\r\n" + fields + "X-More: v\r\n\r\n") == .other)
        let long = "POST / HTTP/1.1\r\nX-Long: " + String(repeating: "v", count: RawCall.maximumHeaderBytes)
        #expect(Self.kind(long) == .other)
        #expect(Self.kind(String(decoding: long.utf8.prefix(RawCall.maximumHeaderBytes - 1), as: UTF8.self)) == .incomplete)
    }

    /// The head's end is found by looking for CR LF CR LF alone: a lone CR or LF anywhere before
    /// it still makes the request `other` (left to NIO's decoder, which may take bare LFs), never
    /// a call and never a head kept waiting for more bytes — with its end in the bytes or not.
    @Test func aLoneCROrLFInTheHeadIsOther() {
        let bytes = Array(Self.sdkRequest.utf8)
        let headEnd = bytes.count - Array("{\"KeyId\": \"abc\"}\n".utf8).count
        for position in Array("POST /".utf8).count..<headEnd {
            for (byte, pairs) in [(UInt8(ascii: "\n"), position > 0 && bytes[position - 1] == 13), (UInt8(ascii: "\r"), bytes[position] == 10)] where !pairs {
                var changed = bytes
                changed.insert(byte, at: position)
                #expect(changed.withUnsafeBytes { RawCall.parse($0, maximumBodySize: 1 << 20) }.isOther, "\(byte) inserted at \(position)")
                // Cut before the end of the head, one byte after the lone one (a CR last of all
                // might yet be followed by its LF): the bytes so far are already refused.
                let cut = Array(changed[..<(position + 2)])
                #expect(cut.withUnsafeBytes { RawCall.parse($0, maximumBodySize: 1 << 20) }.isOther, "\(byte) at \(position), cut after it")
            }
        }
    }

    /// The head's end, found 16 positions at a time, is the first CR LF CR LF: against a search
    /// byte by byte, on buffers of every length up to 80 bytes, mostly CRs and LFs.
    @Test func theHeadEndIsTheFirstEmptyLine() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("\r\n\r\nx".utf8)
        for length in 0...80 {
            for _ in 0..<200 {
                let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                let expected = (0..<max(0, length - 3)).first { bytes[$0...].starts(with: [13, 10, 13, 10]) }.map { $0 + 4 } ?? 0
                #expect(bytes.withUnsafeBufferPointer { trent_head_end($0.baseAddress, $0.count) } == expected, "\(bytes)")
            }
        }
    }

    /// `bytes` with `edits` random bytes replaced, removed or inserted (from `alphabet`).
    static func mangled(_ bytes: [UInt8], edits: Int, alphabet: [UInt8], using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<edits {
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[position] = alphabet.randomElement(using: &generator)!
            case 1: bytes.remove(at: position)
            default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
            }
        }
        return bytes
    }

    /// Mangled requests never trap, and whatever is read as a call is a prefix of the input whose
    /// head ends with an empty line.
    @Test func mangledBytesAreReadSafely() {
        var generator = SystemRandomNumberGenerator()
        let base = Array(Self.sdkRequest.utf8)
        let alphabet: [UInt8] = Array(" :\r\n\t/?0123456789aAzZ\u{7F}\u{0}".utf8) + [0x80, 0xFF]
        for _ in 0..<5000 {
            let bytes = Self.mangled(base, edits: Int.random(in: 1...4, using: &generator), alphabet: alphabet, using: &generator)
            let outcome = bytes.withUnsafeBytes { RawCall.parse($0, maximumBodySize: 1 << 20) }
            if case .call(let call) = outcome {
                #expect(call.length <= bytes.count)
                let head = bytes[..<(call.length - call.request.body.count)]
                #expect(head.suffix(4).elementsEqual([13, 10, 13, 10]))
                #expect(head.allSatisfy { $0 != 0 && $0 < 0x80 })
            }
        }
    }
}

extension RawCall.Outcome {
    var isOther: Bool {
        if case .other = self { return true }
        return false
    }
}
