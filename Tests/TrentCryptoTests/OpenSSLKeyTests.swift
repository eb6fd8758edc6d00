import Crypto
import Testing
import Foundation
import TrentCrypto
import TrentOpenSSL

@Suite struct OpenSSLKeyTests {
    @Test(arguments: [
        (OpenSSLKey.Kind.rsa(bits: 2048), OpenSSLKey.Padding.pss), (.rsa(bits: 2048), .pkcs1v15),
        (.ec(curve: "P-256"), .none), (.ec(curve: "P-384"), .none), (.ec(curve: "P-521"), .none), (.ec(curve: "secp256k1"), .none),
    ])
    func signsDigestsAndRoundTripsDER(kind: OpenSSLKey.Kind, padding: OpenSSLKey.Padding) throws {
        let key = try OpenSSLKey.generate(kind)
        #expect(key.kind == kind)
        let digest = OpenSSLHash.sha256.digest(Array("message".utf8))
        let signature = try key.signDigest(digest, hash: .sha256, padding: padding)
        let reloaded = try OpenSSLKey(pkcs8DER: try key.pkcs8DER())
        let publicOnly = try OpenSSLKey(publicKeyDER: try reloaded.publicKeyDER())
        #expect(!publicOnly.isPrivate && publicOnly.kind == kind)
        #expect(publicOnly.verifyDigest(signature, digest: digest, hash: .sha256, padding: padding))
        var bad = digest
        bad[0] ^= 1
        #expect(!publicOnly.verifyDigest(signature, digest: bad, hash: .sha256, padding: padding))
    }

    @Test func rsaOAEPAndEd25519AndECDH() throws {
        let rsa = try OpenSSLKey.generate(.rsa(bits: 2048))
        let sealed = try rsa.encryptOAEP(Array("secret".utf8), hash: .sha256)
        #expect(try rsa.decryptOAEP(sealed, hash: .sha256) == Array("secret".utf8))
        #expect(throws: OpenSSLError.self) { try rsa.decryptOAEP(sealed, hash: .sha1) }

        let ed = try OpenSSLKey.generate(.ed25519)
        let signature = try ed.signMessage(Array("m".utf8))
        #expect(signature.count == 64)
        #expect(try OpenSSLKey(publicKeyDER: try ed.publicKeyDER()).verifyMessage(signature, message: Array("m".utf8)))
        #expect(!ed.verifyMessage(signature, message: Array("n".utf8)))

        let a = try OpenSSLKey.generate(.ec(curve: "P-256")), b = try OpenSSLKey.generate(.ec(curve: "P-256"))
        let ab = try a.deriveSharedSecret(with: try OpenSSLKey(publicKeyDER: try b.publicKeyDER()))
        #expect(ab.count == 32)
        #expect(ab == (try b.deriveSharedSecret(with: try OpenSSLKey(publicKeyDER: try a.publicKeyDER()))))
    }

    @Test func rejectsGarbage() {
        #expect(throws: OpenSSLError.self) { try OpenSSLKey(pkcs8DER: [0x30, 0x03, 0x02, 0x01, 0x00]) }
        #expect(throws: OpenSSLError.self) { try OpenSSLKey(publicKeyDER: []) }
    }
}

@Suite struct MLDSATests {
    @Test(arguments: [AsymmetricKeySpec.mlDsa44, .mlDsa65, .mlDsa87])
    func derRoundTripsAndSignatures(spec: AsymmetricKeySpec) throws {
        let key = try AsymmetricKey.generate(spec)
        let pkcs8 = try key.pkcs8DER()
        #expect(pkcs8.count == 54)
        let reloaded = try AsymmetricKey(pkcs8DER: pkcs8, spec: spec)
        let publicDER = try reloaded.publicKeyDER()
        #expect(publicDER == (try key.publicKeyDER()))
        let publicOnly = try AsymmetricKey(publicKeyDER: publicDER, spec: spec)
        let signature = try key.sign(Data("m".utf8), type: .raw, algorithm: .mlDsaShake256)
        #expect(try publicOnly.verify(signature, message: Data("m".utf8), type: .raw, algorithm: .mlDsaShake256))
        #expect(try !publicOnly.verify(signature, message: Data("n".utf8), type: .raw, algorithm: .mlDsaShake256))
        #expect(throws: AsymmetricFailure.self) { try AsymmetricKey(pkcs8DER: pkcs8, spec: spec == .mlDsa65 ? .mlDsa87 : .mlDsa65) }
        #expect(throws: AsymmetricFailure.self) { try key.sign(Data(count: 64), type: .digest, algorithm: .mlDsaShake256) }
        #expect(try key.sign(Data(count: 64), type: .externalMu, algorithm: .mlDsaShake256).count == signatureLength[spec])
        #expect(throws: AsymmetricFailure.digestLength(expected: 64)) { try key.sign(Data(count: 63), type: .externalMu, algorithm: .mlDsaShake256) }
        #expect(throws: AsymmetricFailure.self) { try key.verify(signature, message: Data(count: 64), type: .externalMu, algorithm: .mlDsaShake256) }
    }

    private let signatureLength: [AsymmetricKeySpec: Int] = [.mlDsa44: 2420, .mlDsa65: 3309, .mlDsa87: 4627]

    /// The BoringSSL shim and swift-crypto's public ML-DSA-65 agree: same public key from the same
    /// seed, and each verifies the other's signatures.
    @Test func shimAgreesWithSwiftCrypto() throws {
        let key = try AsymmetricKey.generate(.mlDsa65)
        let seed = try key.pkcs8DER().suffix(32)
        let reference = try MLDSA65.PrivateKey(seedRepresentation: seed, publicKey: nil)
        let publicDER = try key.publicKeyDER()
        #expect(publicDER.suffix(1952) == reference.publicKey.rawRepresentation)
        let message = Data("cross-checked".utf8)
        let ours = try key.sign(message, type: .raw, algorithm: .mlDsaShake256)
        #expect(reference.publicKey.isValidSignature(ours, for: message))
        let theirs = try reference.signature(for: message)
        #expect(try key.verify(theirs, message: message, type: .raw, algorithm: .mlDsaShake256))
    }
}
