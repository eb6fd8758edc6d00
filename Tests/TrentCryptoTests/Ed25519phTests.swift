import CSodium
import Testing
import TrentCrypto
import TrentSodium

@Suite struct Ed25519phTests {
    /// RFC 8032, section 7.3 (Ed25519ph, message "abc").
    @Test func rfc8032Vector() {
        let seed = hexBytes("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
        let publicKey = hexBytes("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
        let expected = hexBytes("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406")
        let signature = Ed25519ph.sign(Array("abc".utf8), seed: seed)
        #expect(signature == expected)
        #expect(Ed25519ph.sign(prehash: Ed25519ph.prehash(Array("abc".utf8)), seed: seed) == expected)
        #expect(Ed25519ph.verify(expected, message: Array("abc".utf8), publicKey: publicKey))
        #expect(!Ed25519ph.verify(expected, message: Array("abd".utf8), publicKey: publicKey))
    }

    /// The composed signature over a prehash is byte-identical to libsodium's own Ed25519ph over the
    /// message, and each side verifies the other's, for random keys and messages.
    @Test func matchesLibsodiumEd25519ph() {
        #expect(sodium_init() >= 0)
        for length in [0, 1, 63, 64, 1000] {
            var seed = [UInt8](repeating: 0, count: 32), message = [UInt8](repeating: 0, count: length)
            randombytes_buf(&seed, 32)
            randombytes_buf(&message, length)
            var publicKey = [UInt8](repeating: 0, count: 32), secretKey = [UInt8](repeating: 0, count: 64)
            crypto_sign_ed25519_seed_keypair(&publicKey, &secretKey, seed)
            var state = crypto_sign_ed25519ph_state()
            var reference = [UInt8](repeating: 0, count: 64)
            crypto_sign_ed25519ph_init(&state)
            crypto_sign_ed25519ph_update(&state, message, UInt64(length))
            crypto_sign_ed25519ph_final_create(&state, &reference, nil, secretKey)

            let ours = Ed25519ph.sign(prehash: Ed25519ph.prehash(message), seed: seed)
            #expect(ours == reference)
            #expect(Ed25519ph.verify(reference, prehash: Ed25519ph.prehash(message), publicKey: publicKey))
            var tampered = reference
            tampered[40] ^= 1
            #expect(!Ed25519ph.verify(tampered, prehash: Ed25519ph.prehash(message), publicKey: publicKey))
            var check = crypto_sign_ed25519ph_state()
            crypto_sign_ed25519ph_init(&check)
            crypto_sign_ed25519ph_update(&check, message, UInt64(length))
            #expect(crypto_sign_ed25519ph_final_verify(&check, &reference, publicKey) == 0)
        }
    }

    /// A non-canonical S (S + L) is refused, as RFC 8032 requires.
    @Test func refusesNonCanonicalS() {
        let seed = [UInt8](repeating: 7, count: 32)
        var publicKey = [UInt8](repeating: 0, count: 32), secretKey = [UInt8](repeating: 0, count: 64)
        crypto_sign_ed25519_seed_keypair(&publicKey, &secretKey, seed)
        let prehash = Ed25519ph.prehash(Array("m".utf8))
        guard let signature = Ed25519ph.sign(prehash: prehash, seed: seed) else { Issue.record("no signature"); return }
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let order = hexBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var s = Array(signature[32...]), carry = 0
        for i in 0..<32 {
            let sum = Int(s[i]) + Int(order[i]) + carry
            s[i] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(Ed25519ph.verify(signature, prehash: prehash, publicKey: publicKey))
        #expect(!Ed25519ph.verify(Array(signature[..<32]) + s, prehash: prehash, publicKey: publicKey))
    }
}
