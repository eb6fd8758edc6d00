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

    private enum Outcome {
        /// The text's bytes, or nil: it is not base64.
        case decoded(Data?)
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
        // Foundation, and with it the verdict on the text's end. SIZE_MAX (-1 here): a character
        // outside the alphabet in a block, and Foundation's verdict on the whole text.
        let done = trent_base64_decode_prefix(base, count, 4, buffer)
        guard done > 0, done <= count,
              let tail = Data(base64Encoded: String(decoding: UnsafeBufferPointer(rebasing: characters[done...]), as: UTF8.self))
        else {
            buffer.deallocate()
            return done > 0 && done <= count ? .decoded(nil) : .notHere
        }
        let written = done / 4 * 3
        tail.copyBytes(to: buffer + written, count: tail.count)
        return .decoded(Data(bytesNoCopy: buffer, count: written + tail.count, deallocator: .custom { pointer, _ in pointer.deallocate() }))
    }
}
