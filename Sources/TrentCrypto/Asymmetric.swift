public import Foundation
import TrentOpenSSL
import TrentSodium

/// Asymmetric key specs (AWS names) and the curve or modulus behind each.
public enum AsymmetricKeySpec: String, Sendable, CaseIterable {
    case rsa2048 = "RSA_2048"
    case rsa3072 = "RSA_3072"
    case rsa4096 = "RSA_4096"
    case eccNistP256 = "ECC_NIST_P256"
    case eccNistP384 = "ECC_NIST_P384"
    case eccNistP521 = "ECC_NIST_P521"
    case eccSecgP256k1 = "ECC_SECG_P256K1"
    case eccNistEdwards25519 = "ECC_NIST_EDWARDS25519"
    case mlDsa44 = "ML_DSA_44"
    case mlDsa65 = "ML_DSA_65"
    case mlDsa87 = "ML_DSA_87"

    var isMLDSA: Bool { kind == nil }

    /// The OpenSSL key type behind the spec; `nil` for ML-DSA, which comes from swift-crypto's BoringSSL.
    var kind: OpenSSLKey.Kind? {
        switch self {
        case .rsa2048: .rsa(bits: 2048)
        case .rsa3072: .rsa(bits: 3072)
        case .rsa4096: .rsa(bits: 4096)
        case .eccNistP256: .ec(curve: "P-256")
        case .eccNistP384: .ec(curve: "P-384")
        case .eccNistP521: .ec(curve: "P-521")
        case .eccSecgP256k1: .ec(curve: "secp256k1")
        case .eccNistEdwards25519: .ed25519
        case .mlDsa44, .mlDsa65, .mlDsa87: nil
        }
    }

    public var isRSA: Bool { if case .rsa = kind { true } else { false } }

    public var rsaModulusBytes: Int? { if case .rsa(let bits) = kind { bits / 8 } else { nil } }
}

/// Signing algorithms of KMS asymmetric keys.
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case rsassaPSSSHA256 = "RSASSA_PSS_SHA_256"
    case rsassaPSSSHA384 = "RSASSA_PSS_SHA_384"
    case rsassaPSSSHA512 = "RSASSA_PSS_SHA_512"
    case rsassaPKCS1SHA256 = "RSASSA_PKCS1_V1_5_SHA_256"
    case rsassaPKCS1SHA384 = "RSASSA_PKCS1_V1_5_SHA_384"
    case rsassaPKCS1SHA512 = "RSASSA_PKCS1_V1_5_SHA_512"
    case ecdsaSHA256 = "ECDSA_SHA_256"
    case ecdsaSHA384 = "ECDSA_SHA_384"
    case ecdsaSHA512 = "ECDSA_SHA_512"
    case ed25519SHA512 = "ED25519_SHA_512"
    case ed25519PHSHA512 = "ED25519_PH_SHA_512"
    case mlDsaShake256 = "ML_DSA_SHAKE_256"

    var hash: OpenSSLHash {
        switch self {
        case .rsassaPSSSHA256, .rsassaPKCS1SHA256, .ecdsaSHA256: .sha256
        case .rsassaPSSSHA384, .rsassaPKCS1SHA384, .ecdsaSHA384: .sha384
        case .rsassaPSSSHA512, .rsassaPKCS1SHA512, .ecdsaSHA512, .ed25519SHA512, .ed25519PHSHA512, .mlDsaShake256: .sha512
        }
    }

    var padding: OpenSSLKey.Padding {
        switch self {
        case .rsassaPSSSHA256, .rsassaPSSSHA384, .rsassaPSSSHA512: .pss
        case .rsassaPKCS1SHA256, .rsassaPKCS1SHA384, .rsassaPKCS1SHA512: .pkcs1v15
        default: .none
        }
    }

    /// Bytes a `DIGEST` message must have.
    public var digestLength: Int { hash.size }

    /// The algorithms AWS offers for a key spec.
    public static func algorithms(for spec: AsymmetricKeySpec) -> [SigningAlgorithm] {
        switch spec {
        case .rsa2048, .rsa3072, .rsa4096:
            [.rsassaPSSSHA256, .rsassaPSSSHA384, .rsassaPSSSHA512, .rsassaPKCS1SHA256, .rsassaPKCS1SHA384, .rsassaPKCS1SHA512]
        case .eccNistP256, .eccSecgP256k1: [.ecdsaSHA256]
        case .eccNistP384: [.ecdsaSHA384]
        case .eccNistP521: [.ecdsaSHA512]
        case .eccNistEdwards25519: [.ed25519SHA512, .ed25519PHSHA512]
        case .mlDsa44, .mlDsa65, .mlDsa87: [.mlDsaShake256]
        }
    }
}

/// How `Sign`/`Verify` read `Message`.
public enum MessageType: String, Sendable {
    case raw = "RAW"
    case digest = "DIGEST"
    case externalMu = "EXTERNAL_MU"
}

/// RSA encryption algorithms of ENCRYPT_DECRYPT RSA keys.
public enum AsymmetricEncryptionAlgorithm: String, Sendable, CaseIterable {
    case rsaesOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaesOAEPSHA256 = "RSAES_OAEP_SHA_256"

    var hash: OpenSSLHash { self == .rsaesOAEPSHA1 ? .sha1 : .sha256 }

    /// The largest plaintext for a modulus: k − 2·hLen − 2.
    public func maximumPlaintext(modulusBytes: Int) -> Int { modulusBytes - 2 * hash.size - 2 }
}

/// Why an asymmetric operation refused its input.
public enum AsymmetricFailure: Error, Sendable, Equatable {
    case malformedKey
    case wrongKeyType
    case digestLength(expected: Int)
    case unsupported(String)
    case invalidMessageType(String)
    case operationFailed
}

/// A KMS asymmetric key: private (held by Trent) or public (a caller's peer key).
public struct AsymmetricKey: Sendable {
    private enum Backing: Sendable {
        case openSSL(OpenSSLKey)
        case mlDSA(MLDSAKey)
    }

    private let backing: Backing
    public let spec: AsymmetricKeySpec

    /// The OpenSSL key, for the operations only OpenSSL keys have.
    private var key: OpenSSLKey {
        get throws {
            guard case .openSSL(let key) = backing else { throw AsymmetricFailure.wrongKeyType }
            return key
        }
    }

    /// A new key pair of `spec`.
    public static func generate(_ spec: AsymmetricKeySpec) throws -> AsymmetricKey {
        do {
            if spec.isMLDSA { return AsymmetricKey(backing: .mlDSA(try MLDSAKey.generate(spec)), spec: spec) }
            guard let kind = spec.kind else { throw AsymmetricFailure.wrongKeyType }
            return AsymmetricKey(backing: .openSSL(try OpenSSLKey.generate(kind)), spec: spec)
        } catch { throw AsymmetricFailure.operationFailed }
    }

    private init(backing: Backing, spec: AsymmetricKeySpec) {
        self.backing = backing
        self.spec = spec
    }

    /// Parses PKCS#8 DER and checks that it is a key of `spec` (type, modulus size or curve).
    public init(pkcs8DER der: Data, spec: AsymmetricKeySpec) throws {
        if spec.isMLDSA {
            self.init(backing: .mlDSA(try MLDSAKey.parse(pkcs8: Array(der), spec: spec)), spec: spec)
            return
        }
        guard let key = try? OpenSSLKey(pkcs8DER: Array(der)) else { throw AsymmetricFailure.malformedKey }
        guard key.kind == spec.kind else { throw AsymmetricFailure.wrongKeyType }
        self.init(backing: .openSSL(key), spec: spec)
    }

    /// Parses a DER SubjectPublicKeyInfo of `spec`.
    public init(publicKeyDER der: Data, spec: AsymmetricKeySpec) throws {
        if spec.isMLDSA {
            self.init(backing: .mlDSA(try MLDSAKey.parse(publicKeyDER: Array(der), spec: spec)), spec: spec)
            return
        }
        guard let key = try? OpenSSLKey(publicKeyDER: Array(der)) else { throw AsymmetricFailure.malformedKey }
        guard key.kind == spec.kind else { throw AsymmetricFailure.wrongKeyType }
        self.init(backing: .openSSL(key), spec: spec)
    }

    public func pkcs8DER() throws -> Data {
        switch backing {
        case .openSSL(let key): Data(try key.pkcs8DER())
        case .mlDSA(let key): try key.pkcs8DER()
        }
    }

    public func publicKeyDER() throws -> Data {
        switch backing {
        case .openSSL(let key): Data(try key.publicKeyDER())
        case .mlDSA(let key): key.publicKeyDER()
        }
    }

    public func sign(_ message: Data, type: MessageType, algorithm: SigningAlgorithm) throws -> Data {
        if case .mlDSA(let mldsa) = backing {
            try Self.checkMLDSA(type)
            if type == .externalMu, message.count != 64 { throw AsymmetricFailure.digestLength(expected: 64) }
            return try mldsa.sign(message, externalMu: type == .externalMu)
        }
        let key = try self.key
        switch algorithm {
        case .ed25519SHA512:
            guard type == .raw else { throw AsymmetricFailure.invalidMessageType("The ED25519_SHA_512 signing algorithm supports MessageType RAW only.") }
            return Data(try key.signMessage(Array(message)))
        case .ed25519PHSHA512:
            let prehash = try self.digest(message, type: type, algorithm: algorithm)
            guard let seed = try? key.rawPrivateKey(), let signature = Ed25519ph.sign(prehash: prehash, seed: seed) else {
                throw AsymmetricFailure.operationFailed
            }
            return Data(signature)
        default:
            let digest = try self.digest(message, type: type, algorithm: algorithm)
            do { return Data(try key.signDigest(digest, hash: algorithm.hash, padding: algorithm.padding)) } catch {
                throw AsymmetricFailure.operationFailed
            }
        }
    }

    public func verify(_ signature: Data, message: Data, type: MessageType, algorithm: SigningAlgorithm) throws -> Bool {
        if case .mlDSA(let mldsa) = backing {
            try Self.checkMLDSA(type)
            if type == .externalMu {
                throw AsymmetricFailure.unsupported("Verify with MessageType EXTERNAL_MU is not available in Trent: its ML-DSA library verifies whole messages only. Verify the RAW message, or check the signature with the public key from GetPublicKey.")
            }
            return mldsa.verify(signature, message: message)
        }
        let key = try self.key
        switch algorithm {
        case .ed25519SHA512:
            guard type == .raw else { throw AsymmetricFailure.invalidMessageType("The ED25519_SHA_512 signing algorithm supports MessageType RAW only.") }
            return key.verifyMessage(Array(signature), message: Array(message))
        case .ed25519PHSHA512:
            let prehash = try self.digest(message, type: type, algorithm: algorithm)
            guard let publicKey = try? key.rawPublicKey() else { throw AsymmetricFailure.operationFailed }
            return Ed25519ph.verify(Array(signature), prehash: prehash, publicKey: publicKey)
        default:
            let digest = try self.digest(message, type: type, algorithm: algorithm)
            return key.verifyDigest(Array(signature), digest: digest, hash: algorithm.hash, padding: algorithm.padding)
        }
    }

    /// ML-DSA signs RAW messages or a caller-computed mu; DIGEST is not an ML-DSA input.
    private static func checkMLDSA(_ type: MessageType) throws {
        switch type {
        case .raw, .externalMu: return
        case .digest: throw AsymmetricFailure.invalidMessageType("ML_DSA_SHAKE_256 signs RAW or EXTERNAL_MU messages, not DIGEST.")
        }
    }

    private func digest(_ message: Data, type: MessageType, algorithm: SigningAlgorithm) throws -> [UInt8] {
        switch type {
        case .raw: return algorithm.hash.digest(Array(message))
        case .digest:
            guard message.count == algorithm.digestLength else { throw AsymmetricFailure.digestLength(expected: algorithm.digestLength) }
            return Array(message)
        case .externalMu:
            throw AsymmetricFailure.invalidMessageType("MessageType EXTERNAL_MU is only for ML-DSA keys.")
        }
    }

    public func encrypt(_ plaintext: Data, algorithm: AsymmetricEncryptionAlgorithm) throws -> Data {
        let key = try self.key
        do { return Data(try key.encryptOAEP(Array(plaintext), hash: algorithm.hash)) } catch { throw AsymmetricFailure.operationFailed }
    }

    public func decrypt(_ ciphertext: Data, algorithm: AsymmetricEncryptionAlgorithm) throws -> Data {
        let key = try self.key
        do { return Data(try key.decryptOAEP(Array(ciphertext), hash: algorithm.hash)) } catch { throw AsymmetricFailure.operationFailed }
    }

    /// ECDH with a peer's public key of the same curve.
    public func deriveSharedSecret(with peer: AsymmetricKey) throws -> Data {
        let key = try self.key, peerKey = try peer.key
        do { return Data(try key.deriveSharedSecret(with: peerKey)) } catch { throw AsymmetricFailure.operationFailed }
    }
}
