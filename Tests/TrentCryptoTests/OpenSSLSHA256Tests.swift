import Crypto
import Foundation
import Testing
import TrentOpenSSL

/// SigV4's SHA-256 and HMAC-SHA-256 (`SHA256State`, `HMACSHA256Key`) against RFC 4231's vectors
/// and swift-crypto's digests, for lengths around the 64-byte block and keys longer than one.
@Suite struct OpenSSLSHA256Tests {
    static func hex(_ bytes: some ContiguousBytes) -> String {
        bytes.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test func hmacMatchesRFC4231() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            (Array(repeating: 0x0B, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (Array(repeating: 0xAA, count: 20), Array(repeating: 0xDD, count: 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Self.bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), Array(repeating: 0xCD, count: 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            (Array(repeating: 0xAA, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (Array(repeating: 0xAA, count: 131),
             Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for (key, data, mac) in cases {
            let code = data.withUnsafeBytes { HMACSHA256Key(key: key).authenticationCode($0) }
            #expect(Self.hex(code) == mac)
        }
    }

    /// One key, many messages: each MAC starts from the key's states, not from the last message.
    @Test func hmacAndDigestMatchSwiftCrypto() {
        for keyLength in [0, 1, 32, 63, 64, 65, 200] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            let mac = HMACSHA256Key(key: key)
            for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 5600] {
                let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ keyLength) }
                let expected = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
                #expect(Self.hex(message.withUnsafeBytes { mac.authenticationCode($0) }) == Self.hex(Array(expected)))
                #expect(Self.hex(message.withUnsafeBytes { SHA256State.hash($0) }) == Self.hex(Array(SHA256.hash(data: message))))
                // In pieces, as a stream.
                var state = SHA256State()
                message.withUnsafeBytes { all in
                    var offset = 0
                    for size in [1, 63, 64, 7] where offset < all.count {
                        let end = min(all.count, offset + size)
                        state.update(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
                        offset = end
                    }
                    state.update(UnsafeRawBufferPointer(rebasing: all[offset...]))
                }
                #expect(Self.hex(state.finish()) == Self.hex(Array(SHA256.hash(data: message))))
            }
        }
    }

    /// Erasing overwrites the key's states: what is left computes no MAC of the key.
    @Test func erasingOverwritesTheKeyedStates() {
        var mac = HMACSHA256Key(key: Array("Jefe".utf8))
        let message = Array("what do ya want for nothing?".utf8)
        let before = message.withUnsafeBytes { mac.authenticationCode($0) }
        #expect(Self.hex(before) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        mac.erase()
        #expect(Self.hex(message.withUnsafeBytes { mac.authenticationCode($0) }) != Self.hex(before))
        var state = SHA256State()
        message.withUnsafeBytes { state.update($0) }
        state.erase()
        withUnsafeBytes(of: state) { #expect($0.allSatisfy { $0 == 0 }) }
    }
}
