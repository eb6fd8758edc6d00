import CBytes
import Foundation
import Testing
import TrentModel

/// `Base64Blob.decode` gives `Data(base64Encoded:)`'s verdict and bytes for any text: the SIMD
/// blocks, the tail left to Foundation, and the texts it refuses.
@Suite struct Base64BlobTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    func expectFoundations(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Base64Blob.decode(text) == Data(base64Encoded: text), "\(text.prefix(80))…", sourceLocation: sourceLocation)
        #expect(Base64Blob.decode(utf8: Data(text.utf8)) == Data(base64Encoded: text), "\(text.prefix(80))…", sourceLocation: sourceLocation)
    }

    @Test func blobsOfEveryLengthRoundTrip() {
        for count in Array(0...200) + [4096, 4097, 4098, 6144] {
            let data = Data((0..<count).map { _ in UInt8.random(in: 0...255) })
            let text = data.base64EncodedString()
            #expect(Base64Blob.decode(text) == data)
            #expect(Base64Blob.decode(utf8: Data(text.utf8)) == data)
            expectFoundations(text)
        }
        // Every character of the alphabet in every position of a block.
        for shift in 0..<64 {
            let text = String(decoding: (0..<128).map { Self.alphabet[($0 + shift) % 64] }, as: UTF8.self)
            #expect(Base64Blob.decode(text) != nil)
            expectFoundations(text)
        }
    }

    @Test func everyByteAnywhereIsJudgedAsFoundationJudgesIt() {
        let valid = Data((0..<96).map { UInt8(truncatingIfNeeded: $0 &* 37) }).base64EncodedString()  // 128 characters
        let bytes = Array(valid.utf8)
        for byte in UInt8(0)...UInt8(127) {
            for position in [0, 5, 15, 16, 31, 63, 100, 123, 124, 126, 127] {
                var changed = bytes
                changed[position] = byte
                expectFoundations(String(decoding: changed, as: UTF8.self))
            }
        }
        // Bytes beyond ASCII: invalid UTF-8 repaired by String, and real multi-byte characters.
        for byte in UInt8(128)...UInt8(255) {
            var changed = bytes
            changed[20] = byte
            expectFoundations(String(decoding: changed, as: UTF8.self))
        }
        expectFoundations(String(valid.dropLast(10)) + "é" + String(valid.suffix(8)))
    }

    @Test func paddingAndLengthsAreFoundations() {
        for count in [48, 49, 50, 51, 300, 301, 302] {
            let text = Data((0..<count).map { UInt8(truncatingIfNeeded: $0) }).base64EncodedString()
            expectFoundations(text)
            // Padding dropped, doubled, moved into the middle; characters cut from the end.
            expectFoundations(text.replacingOccurrences(of: "=", with: ""))
            expectFoundations(text + "=")
            expectFoundations(text + "==")
            // Whole padded quanta after the text: Foundation's verdict depends on what precedes them.
            for end in ["====", "A===", "AB==", "AB=C", "QR=="] {
                expectFoundations(text.replacingOccurrences(of: "=", with: "") + end)
            }
            expectFoundations("AAAA=" + text)
            expectFoundations(String(text.prefix(20)) + "=" + String(text.dropFirst(21)))
            for cut in 1...5 { expectFoundations(String(text.dropLast(cut))) }
            // Whitespace and line breaks are not skipped.
            expectFoundations(String(text.prefix(40)) + "\n" + String(text.dropFirst(40)))
            expectFoundations(" " + text)
            expectFoundations(text + " ")
        }
    }

    /// Where the CPU has SSSE3 (every x86-64 machine this runs on), the SIMD code is what does the
    /// bulk of the work: whole blocks, stopping before the last `keep` characters, with Foundation's
    /// bytes. (The tests above would pass with SIMD never used.)
    @Test func simdTakesTheWholeBlocks() throws {
        #if arch(x86_64)
        let data = Data((0..<96).map { UInt8(truncatingIfNeeded: $0 &* 91) })
        let text = Array(data.base64EncodedString().utf8)  // 128 characters
        var out = [UInt8](repeating: 0, count: 100)
        let decoded = text.withUnsafeBufferPointer { trent_base64_decode_prefix($0.baseAddress, $0.count, 4, &out) }
        #expect(decoded == 112)  // seven blocks of 16: the eighth would reach into the last 4
        #expect(Array(out.prefix(84)) == Array(data.prefix(84)))
        var encoded = [UInt8](repeating: 0, count: 140)
        let taken = Array(data).withUnsafeBufferPointer { trent_base64_encode_prefix($0.baseAddress, $0.count, &encoded) }
        #expect(taken == 84)  // groups of 12 while 16 bytes stay readable: not the last 12 of 96
        #expect(String(decoding: encoded.prefix(112), as: UTF8.self) == data.prefix(84).base64EncodedString())
        #endif
    }
}
