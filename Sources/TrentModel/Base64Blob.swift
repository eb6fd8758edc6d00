import CBytes
public import Foundation

/// Blobs from requests: `Data(base64Encoded:)` exactly (the standard alphabet, padded, nothing
/// skipped), with the whole 16-character blocks before the last quantum decoded by SIMD where the
/// CPU has it (a 4 KiB plaintext is 5,500 characters of an Encrypt request).
public enum Base64Blob {
    public static func decode(_ text: String) -> Data? {
        // Short blobs are not worth the setup.
        if text.utf8.count >= 64, case .decoded(let data)? = text.utf8.withContiguousStorageIfAvailable(decode) {
            return data
        }
        return Data(base64Encoded: text)
    }

    /// The same for a text given as its UTF-8 bytes (a request's blob where it lies in the body).
    public static func decode(utf8 text: Data) -> Data? {
        if text.count >= 64, case .decoded(let data) = text.withUnsafeBytes({ decode($0.assumingMemoryBound(to: UInt8.self)) }) {
            return data
        }
        return Data(base64Encoded: String(decoding: text, as: UTF8.self))
    }

    private enum Outcome {
        /// The text's bytes.
        case decoded(Data)
        /// Left to Foundation.
        case notHere
    }

    private static func decode(_ characters: UnsafeBufferPointer<UInt8>) -> Outcome {
        guard let base = characters.baseAddress else { return .notHere }
        let count = characters.count
        // Room for every byte the text can hold, and for the 4 bytes each SIMD store writes past
        // its 12; not zeroed first (it is all written before it is read).
        let capacity = count / 4 * 3 + 4
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        // The last quantum (with any padding, or a length that is not a multiple of 4) is left to
        // the tail's decoding. SIZE_MAX (-1 here): a character outside the alphabet in a block,
        // and Foundation's verdict on the whole text.
        let done = trent_base64_decode_prefix(base, count, 4, buffer)
        guard done > 0, done <= count else {
            buffer.deallocate()
            return .notHere
        }
        let written = done / 4 * 3
        guard let decoded = decodeTail(UnsafeBufferPointer(rebasing: characters[done...]), to: buffer + written) else {
            // Foundation judges an unusual end in the light of the whole text (a last `====` is
            // nothing after other quanta, a zero byte alone): the whole text is left to it.
            buffer.deallocate()
            return .notHere
        }
        return .decoded(Data(bytesNoCopy: buffer, count: written + decoded, deallocator: .custom { pointer, _ in pointer.deallocate() }))
    }

    /// The text's last characters (what the SIMD blocks left, fewer than 20) when they are whole
    /// quanta of the alphabet, the last one perhaps padded (`xx==`, `xxx=`): their bytes written
    /// at `out`, and how many. Anything else (nil) is left to Foundation, whose verdicts on
    /// unusual ends (`====` is a zero byte to it) are not worth copying here.
    private static func decodeTail(_ tail: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int? {
        let count = tail.count
        guard count > 0, count % 4 == 0 else { return nil }
        var padding = 0
        if tail[count - 1] == UInt8(ascii: "=") { padding = tail[count - 2] == UInt8(ascii: "=") ? 2 : 1 }
        var written = 0
        var quantum = 0
        while quantum < count {
            let last = quantum + 4 == count
            var bits: UInt32 = 0
            for offset in 0..<4 {
                if last, offset >= 4 - padding {
                    bits <<= 6
                    continue
                }
                guard let value = sextet(tail[quantum + offset]) else { return nil }
                bits = bits << 6 | UInt32(value)
            }
            let bytes = last ? 3 - padding : 3
            out[written] = UInt8(truncatingIfNeeded: bits >> 16)
            if bytes > 1 { out[written + 1] = UInt8(truncatingIfNeeded: bits >> 8) }
            if bytes > 2 { out[written + 2] = UInt8(truncatingIfNeeded: bits) }
            written += bytes
            quantum += 4
        }
        return written
    }

    @inline(__always)
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
