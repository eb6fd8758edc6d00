import CBytes
import Foundation
import TrentAuth

/// A KMS call read straight from the bytes of an HTTP/1.1 connection, for the plain requests the
/// AWS SDKs and the CLI send: `POST /` (a query allowed), `HTTP/1.1`, header fields of token names
/// and visible-ASCII values, one `Content-Length`. Anything else — another method or path, another
/// HTTP version, `Transfer-Encoding`, `Expect`, `Upgrade`, a `Connection` other than `close` or
/// `keep-alive`, folded or odd header lines, more than 100 fields or 80 KiB of them, a body over
/// the maximum — is `other`: NIO's HTTP decoder reads it instead, with its own checks and errors.
enum RawCall {
    struct Parsed {
        var request: SignableRequest
        /// Bytes the request took, head and body.
        var length: Int
        /// `Connection: close`.
        var close: Bool
    }

    enum Outcome {
        case call(Parsed)
        /// The start of such a call: more bytes are needed.
        case incomplete
        case other
    }

    static let maximumHeaderBytes = 80 * 1024
    static let maximumFields = 100

    private static let start = Array("POST /".utf8)
    private static let version = Array(" HTTP/1.1\r\n".utf8)
    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    static func parse(_ bytes: UnsafeRawBufferPointer, maximumBodySize: Int) -> Outcome {
        let count = bytes.count
        for (index, byte) in start.enumerated() {
            guard index < count else { return .incomplete }
            guard bytes[index] == byte else { return .other }
        }
        // The end of the head: the first CR LF CR LF (`trent_head_end`). Lines end in CR LF,
        // nothing else: a lone CR or LF before it is not in the grammar the lines are read by
        // below (request line, token names, visible-ASCII values), so it makes the call `other`.
        let limit = min(count, maximumHeaderBytes)
        let head = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let headEnd = trent_head_end(head, limit)
        guard headEnd > 0 else {
            return incompleteHead(bytes, limit: limit) ? (count >= maximumHeaderBytes ? .other : .incomplete) : .other
        }

        // Request line: the target up to a space, visible ASCII; "/" alone or "/?query".
        var position = start.count - 1
        let targetStart = position
        while position < headEnd, bytes[position] != UInt8(ascii: " ") {
            guard (0x21...0x7E).contains(bytes[position]) else { return .other }
            position += 1
        }
        let targetEnd = position
        guard targetEnd - targetStart == 1 || bytes[targetStart + 1] == UInt8(ascii: "?") else { return .other }
        for byte in version {
            guard position < headEnd, bytes[position] == byte else { return .other }
            position += 1
        }

        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(12)
        var lowercasedNames: [String] = []
        lowercasedNames.reserveCapacity(12)
        var contentLength: Int?
        var close = false
        // Fields until the empty line that ends the head.
        while position < headEnd - 2 {
            let nameStart = position
            var capitals = false
            while position < headEnd, isTokenByte(bytes[position]) {
                if bytes[position] &- UInt8(ascii: "A") < 26 { capitals = true }
                position += 1
            }
            guard position > nameStart, position < headEnd, bytes[position] == UInt8(ascii: ":") else { return .other }
            let nameEnd = position
            position += 1
            while position < headEnd, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") { position += 1 }
            let valueStart = position
            // Visible ASCII, spaces and tabs up to the CR of the line's CR LF.
            position = trent_field_value_end(head, position, headEnd)
            guard position + 1 < headEnd, bytes[position] == cr, bytes[position + 1] == lf else { return .other }
            var valueEnd = position
            while valueEnd > valueStart, bytes[valueEnd - 1] == UInt8(ascii: " ") || bytes[valueEnd - 1] == UInt8(ascii: "\t") { valueEnd -= 1 }
            position += 2
            guard headers.count < maximumFields else { return .other }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            if equalsIgnoringCase(name, "content-length") {
                guard contentLength == nil, !value.isEmpty, value.count <= 10, value.allSatisfy({ (0x30...0x39).contains($0) }) else { return .other }
                contentLength = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            } else if equalsIgnoringCase(name, "connection") {
                if equalsIgnoringCase(value, "close") {
                    close = true
                } else if !equalsIgnoringCase(value, "keep-alive") {
                    return .other
                }
            } else if equalsIgnoringCase(name, "transfer-encoding") || equalsIgnoringCase(name, "expect") || equalsIgnoringCase(name, "upgrade") {
                return .other
            }
            let nameText = String(decoding: name, as: UTF8.self)
            headers.append((name: nameText, value: String(decoding: value, as: UTF8.self)))
            lowercasedNames.append(capitals ? nameText.lowercasedASCIIFirst : nameText)
        }
        guard position == headEnd - 2 else { return .other }
        let bodyLength = contentLength ?? 0
        guard bodyLength <= maximumBodySize else { return .other }
        guard count >= headEnd + bodyLength else { return .incomplete }

        let target = UnsafeRawBufferPointer(rebasing: bytes[targetStart..<targetEnd])
        let question = target.firstIndex(of: UInt8(ascii: "?"))
        let request = SignableRequest(
            method: "POST",
            path: String(decoding: UnsafeRawBufferPointer(rebasing: target[..<(question ?? target.count)]), as: UTF8.self),
            query: question.map { String(decoding: UnsafeRawBufferPointer(rebasing: target[($0 + 1)...]), as: UTF8.self) } ?? "",
            headers: headers,
            lowercasedNames: lowercasedNames,
            body: Data(UnsafeRawBufferPointer(rebasing: bytes[headEnd..<(headEnd + bodyLength)]))
        )
        return .call(Parsed(request: request, length: headEnd + bodyLength, close: close))
    }

    /// A head without its end yet: no line so far ends in anything but CR LF (else it is
    /// `other` at once, not kept waiting for more bytes).
    static func incompleteHead(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Bool {
        var index = start.count
        while index < limit {
            let byte = bytes[index]
            if byte == lf {
                guard bytes[index - 1] == cr else { return false }
            } else if bytes[index - 1] == cr {
                return false
            }
            index += 1
        }
        return true
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
             UInt8(ascii: "~"): true
        default: false
        }
    }

    /// ASCII comparison with a lower-case `text`.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let expected = text.utf8Start
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) { byte |= 0x20 }
            guard byte == expected[index] else { return false }
        }
        return true
    }
}
