import Crypto
import Foundation
import Testing
@testable import TrentCrypto

@Suite struct WrappingTests {
    static let pair = try! WrappingKeyPair(spec: .rsa2048)

    @Test(arguments: WrappingAlgorithm.allCases)
    func wrapsAndUnwraps(algorithm: WrappingAlgorithm) throws {
        let material = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let wrapped = try KeyMaterialWrapper.wrap(material, publicKeyDER: Self.pair.publicKeyDER, algorithm: algorithm)
        #expect(wrapped.count == (algorithm.isKeyWrap ? 256 + 40 : 256))
        #expect(try Self.pair.unwrap(wrapped, algorithm: algorithm) == material)
    }

    @Test func wrongAlgorithmOrPairFails() throws {
        let material = Array(repeating: UInt8(7), count: 32)
        let sha256 = try KeyMaterialWrapper.wrap(material, publicKeyDER: Self.pair.publicKeyDER, algorithm: .rsaesOAEPSHA256)
        #expect(throws: CryptoFailure.authenticationFailed("")) { try Self.pair.unwrap(sha256, algorithm: .rsaesOAEPSHA1) }
        let other = try WrappingKeyPair(spec: .rsa2048)
        #expect(throws: CryptoFailure.authenticationFailed("")) { try other.unwrap(sha256, algorithm: .rsaesOAEPSHA256) }
        #expect(throws: CryptoFailure.malformedInput("")) { try Self.pair.unwrap(sha256.prefix(100), algorithm: .rsaesOAEPSHA256) }
        #expect(throws: CryptoFailure.malformedInput("")) { try Self.pair.unwrap(sha256, algorithm: .rsaAESKeyWrapSHA256) }
    }

    /// A pair restored from its stored DER (PKCS#1, as generated pairs keep it) unwraps what was
    /// wrapped for the generated one; DER that is not an RSA private key is refused.
    @Test func restoresFromItsDEROnlyAnRSAKey() throws {
        let restored = try WrappingKeyPair(privateKeyDER: Self.pair.privateKeyDER)
        #expect(restored.publicKeyDER == Self.pair.publicKeyDER && restored.modulusBytes == 256)
        let material = Array(repeating: UInt8(9), count: 32)
        for algorithm in WrappingAlgorithm.allCases {
            let wrapped = try KeyMaterialWrapper.wrap(material, publicKeyDER: Self.pair.publicKeyDER, algorithm: algorithm)
            #expect(try restored.unwrap(wrapped, algorithm: algorithm) == material)
        }
        #expect(throws: CryptoFailure.malformedInput("")) { try WrappingKeyPair(privateKeyDER: P256.Signing.PrivateKey().derRepresentation) }
        #expect(throws: CryptoFailure.malformedInput("")) { try WrappingKeyPair(privateKeyDER: Self.pair.privateKeyDER.prefix(100)) }
    }

    @Test func publicKeyIsSubjectPublicKeyInfo() throws {
        // SPKI DER starts with SEQUENCE { SEQUENCE { OID rsaEncryption ... } }.
        let der = [UInt8](Self.pair.publicKeyDER)
        #expect(der.count > 290)
        let rsaEncryptionOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        #expect(der.indices.contains { der[$0...].starts(with: rsaEncryptionOID) })
    }
}

@Suite struct CiphertextEnvelopeTests {
    let key = SymmetricKey(size: .bits256)
    let keyID = (0..<16).map { UInt8($0 * 3) }
    let materialID = (0..<32).map { UInt8($0) }

    @Test func sealsAndOpensWithTheSameContext() throws {
        let data = try CiphertextEnvelope.seal(Data("hello".utf8), keyIDBytes: keyID, keyMaterialID: materialID, material: key, encryptionContext: ["a": "b", "c": "d"])
        #expect(data.count == 5 + CiphertextEnvelope.overhead)
        let envelope = try CiphertextEnvelope(parsing: data)
        #expect(envelope.keyIDBytes == keyID && !envelope.isMultiRegion)
        #expect(envelope.keyMaterialID == materialID)
        #expect(try envelope.open(material: key, encryptionContext: ["c": "d", "a": "b"]) == Data("hello".utf8))
        #expect(throws: CryptoFailure.authenticationFailed("")) { try envelope.open(material: key, encryptionContext: [:]) }
        #expect(throws: CryptoFailure.authenticationFailed("")) { try envelope.open(material: key, encryptionContext: ["a": "x", "c": "d"]) }
    }

    @Test func headerIsAuthenticated() throws {
        var data = try CiphertextEnvelope.seal(Data("x".utf8), keyIDBytes: keyID, keyMaterialID: materialID, material: key, encryptionContext: [:])
        data[20] ^= 1  // inside the key material id
        let envelope = try CiphertextEnvelope(parsing: data)
        #expect(throws: CryptoFailure.authenticationFailed("")) { try envelope.open(material: key, encryptionContext: [:]) }
    }

    /// An envelope read from the middle of a larger buffer (a `Data` slice, as the envelope now
    /// keeps what it parsed) reads its fields and its header from the slice.
    @Test func opensFromASlice() throws {
        let data = try CiphertextEnvelope.seal(Data("hello".utf8), keyIDBytes: keyID, keyMaterialID: materialID, material: key, encryptionContext: ["a": "b"])
        let buffer = Data([0x54, 0x01, 0xFD]) + data + Data([0x01])
        let envelope = try CiphertextEnvelope(parsing: buffer[3..<(3 + data.count)])
        #expect(envelope.keyIDBytes == keyID && envelope.keyMaterialID == materialID)
        #expect(envelope.nonce == Array(data[CiphertextEnvelope.headerSize..<(CiphertextEnvelope.headerSize + 12)]))
        #expect(envelope.tag == Array(data.suffix(16)))
        #expect(try envelope.open(material: key, encryptionContext: ["a": "b"]) == Data("hello".utf8))
        #expect(throws: CryptoFailure.malformedInput("")) { try CiphertextEnvelope(parsing: buffer[1..<(1 + data.count)]) }
    }

    @Test func rejectsGarbage() {
        #expect(throws: CryptoFailure.malformedInput("")) { try CiphertextEnvelope(parsing: Data(repeating: 0x54, count: 40)) }
        #expect(throws: CryptoFailure.malformedInput("")) { try CiphertextEnvelope(parsing: Data(repeating: 0, count: 200)) }
    }

    /// The envelope's AES-256-GCM (OpenSSL, in place) and swift-crypto's agree byte for byte both
    /// ways, for empty to multi-block messages and contexts; any flipped bit is refused.
    @Test(arguments: [0, 1, 15, 16, 17, 4096, 4097])
    func agreesWithSwiftCrypto(size: Int) throws {
        let plaintext = Data(SecureRandom.bytes(size))
        for context in [[:], ["purpose": "test"], Dictionary(uniqueKeysWithValues: (0..<8).map { ("k\($0)", String(repeating: "v", count: $0 * 9)) })] {
            let data = try CiphertextEnvelope.seal(plaintext, keyIDBytes: keyID, keyMaterialID: materialID, material: key, encryptionContext: context)
            let envelope = try CiphertextEnvelope(parsing: data)
            let aad = Data(data.prefix(CiphertextEnvelope.headerSize)) + CiphertextEnvelope.canonicalContext(context)
            // swift-crypto opens what OpenSSL sealed, and seals the same bytes under the same nonce.
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: envelope.nonce), ciphertext: envelope.sealed, tag: envelope.tag)
            #expect(try AES.GCM.open(box, using: key, authenticating: aad) == plaintext)
            let again = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(data: envelope.nonce), authenticating: aad)
            #expect(Array(again.ciphertext) == envelope.sealed && Array(again.tag) == envelope.tag)
            #expect(try envelope.open(material: key, encryptionContext: context) == plaintext)
            // A flipped bit anywhere after the header (nonce, ciphertext, tag) is refused.
            for index in Set([CiphertextEnvelope.headerSize, CiphertextEnvelope.headerSize + 12, data.count / 2, data.count - 1]) {
                var tampered = data
                tampered[index] ^= 0x80
                #expect(throws: CryptoFailure.authenticationFailed("")) {
                    try CiphertextEnvelope(parsing: tampered).open(material: key, encryptionContext: context)
                }
            }
        }
    }

    /// Keys of other AES sizes still seal and open (swift-crypto's path).
    @Test func otherKeySizesStillWork() throws {
        let short = SymmetricKey(size: .bits128)
        let data = try CiphertextEnvelope.seal(Data("hello".utf8), keyIDBytes: keyID, keyMaterialID: materialID, material: short, encryptionContext: ["a": "b"])
        #expect(try CiphertextEnvelope(parsing: data).open(material: short, encryptionContext: ["a": "b"]) == Data("hello".utf8))
        #expect(throws: CryptoFailure.authenticationFailed("")) { try CiphertextEnvelope(parsing: data).open(material: key, encryptionContext: ["a": "b"]) }
    }

    /// Pairs whose naive concatenation would collide must not share a canonical form.
    @Test func canonicalContextIsUnambiguous() {
        #expect(CiphertextEnvelope.canonicalContext(["ab": "c"]) != CiphertextEnvelope.canonicalContext(["a": "bc"]))
    }
}

@Suite struct RootKeyTests {
    @Test func sealedSecretsAreBoundToTheirContext() throws {
        let root = RootKey(SymmetricKey(size: .bits256))
        let sealed = try root.seal(Data("secret".utf8), context: "k1")
        #expect(try root.open(sealed, context: "k1") == Data("secret".utf8))
        #expect(throws: CryptoFailure.authenticationFailed("")) { try root.open(sealed, context: "k2") }
        #expect(throws: CryptoFailure.authenticationFailed("")) { try RootKey(SymmetricKey(size: .bits256)).open(sealed, context: "k1") }
    }

    @Test func keyFileIsCreatedOwnerOnlyAndReused() throws {
        let path = NSTemporaryDirectory() + "trent-root-\(UUID()).key"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try RootKey.loadOrCreate(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let sealed = try first.seal(Data([1, 2, 3]), context: "c")
        #expect(try RootKey.loadOrCreate(at: path).open(sealed, context: "c") == Data([1, 2, 3]))
    }
}

@Suite struct MACAlgorithmTests {
    /// RFC 4231, test case 2 ("Jefe" / "what do ya want for nothing?").
    @Test(arguments: [
        (MACAlgorithm.hmacSHA224, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"),
        (.hmacSHA256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (.hmacSHA384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
        (.hmacSHA512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    ])
    func rfc4231(algorithm: MACAlgorithm, expected: String) {
        let key = SymmetricKey(data: Data("Jefe".utf8))
        let message = Data("what do ya want for nothing?".utf8)
        let mac = algorithm.authenticationCode(for: message, using: key)
        #expect(KeyMaterialID.hex(Array(mac)) == expected)
        #expect(algorithm.isValid(mac, for: message, using: key))
        var bad = mac
        bad[0] ^= 1
        #expect(!algorithm.isValid(bad, for: message, using: key))
        #expect(!algorithm.isValid(mac.prefix(10), for: message, using: key))
        let prepared = PreparedMACKey(algorithm, key: key)
        #expect(prepared.authenticationCode(for: message) == mac)
        #expect(prepared.isValid(mac, for: message))
        #expect(!prepared.isValid(bad, for: message))
        #expect(!prepared.isValid(mac.prefix(10), for: message))
        #expect(!prepared.isValid(mac + Data([0]), for: message))
    }

    /// A prepared key gives the MAC of each message alone (not of the messages before it), the
    /// one swift-crypto and OpenSSL give, for every algorithm, key length and message length.
    @Test func preparedKeysAgreeWithTheDigestsOwnHMAC() {
        for algorithm in MACAlgorithm.allCases {
            for keyLength in [1, 28, 32, 48, 64, 65, 129] {
                let key = SymmetricKey(data: (0..<keyLength).map { _ in UInt8.random(in: 0...255) })
                let prepared = PreparedMACKey(algorithm, key: key)
                for length in [0, 1, 55, 64, 111, 128, 4096, 5000] {
                    let message = Data((0..<length).map { _ in UInt8.random(in: 0...255) })
                    let expected = algorithm.authenticationCode(for: message, using: key)
                    #expect(prepared.authenticationCode(for: message) == expected, "\(algorithm) key \(keyLength) message \(length)")
                    #expect(prepared.isValid(expected, for: message))
                    // A slice of a larger buffer, as a request's blob is.
                    let padded = Data([9, 9, 9]) + message + Data([9])
                    #expect(prepared.authenticationCode(for: padded[3..<(3 + length)]) == expected)
                }
            }
        }
    }
}

@Suite struct KeyMaterialIDTests {
    /// Every byte value as two lower-case hex digits, and back.
    @Test func hexOfEveryByte() {
        let bytes = (0...255).map { UInt8($0) }
        let hex = KeyMaterialID.hex(bytes)
        #expect(hex == bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        #expect(KeyMaterialID.bytes(fromHex: hex) == bytes)
        #expect(KeyMaterialID.hex([]) == "")
        #expect(KeyMaterialID.bytes(fromHex: "") == [])
        // Lower-case digits in pairs only.
        for bad in ["0", "abc", "0g", "AB", "g0", "0 ", "é0", "00-1"] {
            #expect(KeyMaterialID.bytes(fromHex: bad) == nil, "\(bad)")
        }
    }
}
