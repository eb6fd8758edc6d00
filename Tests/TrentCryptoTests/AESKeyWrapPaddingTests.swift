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

    /// Made by Python `cryptography`'s `aes_key_wrap_with_padding` (scripts/kwp-vectors.py):
    /// KEK 00 01 … 1f, plaintext byte i = (37·i + length) mod 256.
    @Test(arguments: [
        (1, "57bd956ca41f9470203c090c613f5bc5"),
        (7, "6e34619d925f71d2a0fc1746bbd1785e"),
        (8, "0aa0574765c7e1dd870b8cddb0546437"),
        (9, "405c83bbcfedd723718f15e3390fa75268e4ab5252021560"),
        (16, "0b1ebb64ce2e9439f8f9c6f6c9f567dcef587a1926191e49"),
        (31, "81ab38397225e25cc9bd19ce20c5e2cefaaae54b4c8df42ccfc09241371d8755003b1d1084a0fce5"),
        (32, "b675fe0453da8f88e2bc1eda8781ad3d8a91e9d38d706c6deabf9800ab978fd84556387399825b2c"),
        (33, "1316713ec2d1d7ac5739eb1b2c8bb8e9d096eee1d02e83d7c70d99a4892169a0cfad2de46b1567dad1d6bab13f1eb0f5"),
        (64, "ae5cf5004d20ac41f9b97eedb58bf319b469803a31204515f7eb8c874e11e94e9c3ba2240e893cd0fa910939d480057e14b5dfcf4908b00a45b24f5dfa7eeb1f2542f21b33dc6753"),
        (65, "5284fb2c9751c3ca789e2157b56f34f20e6de99ec51cde4e2e192a338a3787d0d676f8f2e3e629a948bd253f0da1aa5b46a4648f4e475a6964f31e40de465c6635effcedadcbc88beecc29bf14e74bbc")
    ])
    func matchesPythonCryptography(length: Int, wrapped: String) throws {
        let kek = SymmetricKey(data: (0..<32).map { UInt8($0) })
        let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + length) }
        #expect(try AESKeyWrapPadding.wrap(plain, using: kek) == hexBytes(wrapped))
        #expect(try AESKeyWrapPadding.unwrap(hexBytes(wrapped), using: kek) == plain)
    }

    /// Wrapping 8 bytes takes the single-block path of RFC 5649 (section 4.1, step 2).
    @Test func eightByteInputUsesOneBlock() throws {
        let kek = SymmetricKey(size: .bits256)
        let wrapped = try AESKeyWrapPadding.wrap(Array(repeating: 0xAB, count: 8), using: kek)
        #expect(wrapped.count == 16)
        #expect(try AESKeyWrapPadding.unwrap(wrapped, using: kek) == Array(repeating: 0xAB, count: 8))
    }
}
