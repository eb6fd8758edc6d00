import Crypto
import Foundation
import Testing
@testable import TrentCrypto

func hexBytes(_ hex: String) -> [UInt8] { KeyMaterialID.bytes(fromHex: hex)! }

@Suite struct AESKeyWrapPaddingTests {
    static let kek = SymmetricKey(data: hexBytes("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"))

    /// RFC 5649, section 6: both test vectors.
    @Test(arguments: [
        ("c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"),
        ("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"),
    ])
    func rfc5649Vectors(key: String, wrapped: String) throws {
        #expect(try AESKeyWrapPadding.wrap(hexBytes(key), using: Self.kek) == hexBytes(wrapped))
        #expect(try AESKeyWrapPadding.unwrap(hexBytes(wrapped), using: Self.kek) == hexBytes(key))
    }

    @Test func roundTripsEveryLengthUpTo80() throws {
        let kek = SymmetricKey(size: .bits256)
        for length in 1...80 {
            let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            let wrapped = try AESKeyWrapPadding.wrap(plain, using: kek)
            #expect(wrapped.count == (length + 7) / 8 * 8 + 8)
            #expect(try AESKeyWrapPadding.unwrap(wrapped, using: kek) == plain)
        }
    }

    @Test func rejectsTamperingAndWrongKeys() throws {
        let wrapped = hexBytes("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
        for index in [0, 9, wrapped.count - 1] {
            var bad = wrapped
            bad[index] ^= 0x01
            #expect(throws: CryptoFailure.authenticationFailed("")) { try AESKeyWrapPadding.unwrap(bad, using: Self.kek) }
        }
        #expect(throws: CryptoFailure.authenticationFailed("")) {
            try AESKeyWrapPadding.unwrap(wrapped, using: SymmetricKey(size: .bits192))
        }
        #expect(throws: CryptoFailure.malformedInput("")) { try AESKeyWrapPadding.unwrap(Array(wrapped.prefix(12)), using: Self.kek) }
        #expect(throws: CryptoFailure.malformedInput("")) { try AESKeyWrapPadding.wrap([], using: Self.kek) }
    }

    /// Wrapping 8 bytes takes the single-block path of RFC 5649 (section 4.1, step 2).
    @Test func eightByteInputUsesOneBlock() throws {
        let kek = SymmetricKey(size: .bits256)
        let wrapped = try AESKeyWrapPadding.wrap(Array(repeating: 0xAB, count: 8), using: kek)
        #expect(wrapped.count == 16)
        #expect(try AESKeyWrapPadding.unwrap(wrapped, using: kek) == Array(repeating: 0xAB, count: 8))
    }
}
