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
        #expect(Ed25519ph.verify(expected, message: Array("abc".utf8), publicKey: publicKey))
        #expect(!Ed25519ph.verify(expected, message: Array("abd".utf8), publicKey: publicKey))
    }
}
