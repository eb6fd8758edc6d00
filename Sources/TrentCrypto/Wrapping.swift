public import Foundation
import Crypto
import _CryptoExtras
import TrentOpenSSL

/// The RSA wrapping algorithms of `GetParametersForImport` that Trent implements.
public enum WrappingAlgorithm: String, Sendable, CaseIterable {
    case rsaesOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaesOAEPSHA256 = "RSAES_OAEP_SHA_256"
    case rsaAESKeyWrapSHA1 = "RSA_AES_KEY_WRAP_SHA_1"
    case rsaAESKeyWrapSHA256 = "RSA_AES_KEY_WRAP_SHA_256"

    var oaepHash: OpenSSLHash {
        switch self {
        case .rsaesOAEPSHA1, .rsaAESKeyWrapSHA1: .sha1
        case .rsaesOAEPSHA256, .rsaAESKeyWrapSHA256: .sha256
        }
    }

    var oaepPadding: _RSA.Encryption.Padding {
        switch self {
        case .rsaesOAEPSHA1, .rsaAESKeyWrapSHA1: .PKCS1_OAEP
        case .rsaesOAEPSHA256, .rsaAESKeyWrapSHA256: .PKCS1_OAEP_SHA256
        }
    }

    public var isKeyWrap: Bool {
        self == .rsaAESKeyWrapSHA1 || self == .rsaAESKeyWrapSHA256
    }
}

/// RSA modulus sizes of wrapping key pairs.
public enum WrappingKeySpec: String, Sendable, CaseIterable {
    case rsa2048 = "RSA_2048"
    case rsa3072 = "RSA_3072"
    case rsa4096 = "RSA_4096"

    public var bits: Int {
        switch self {
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        }
    }
}

/// An RSA key pair used once to carry key material into Trent, held by OpenSSL (Debian's
/// libcrypto), whose RSA private-key operation took about half the time of BoringSSL's here
/// (`trent-microbench unwrap`).
public struct WrappingKeyPair: Sendable {
    /// The private key in DER (PKCS#1 RSAPrivateKey): only ever stored sealed under the root key.
    public let privateKeyDER: Data
    /// Never changed after parsing; OpenSSL's RSA operations on one key are safe from several threads.
    private let privateKey: OpenSSLKey
    /// DER SubjectPublicKeyInfo, what `GetParametersForImport` returns as `PublicKey`.
    public let publicKeyDER: Data
    public let modulusBytes: Int

    /// Generates a fresh pair (slow for 4096 bits: keep a pool). BoringSSL (swift-crypto) makes
    /// the primes, in about a third of the time OpenSSL takes; OpenSSL gets the key from its DER.
    /// Both DER forms are made here, so handing the pair out costs nothing, and the pair does one
    /// private-key operation here: an RSA key sets up its Montgomery contexts and first blinding
    /// at its first one (about a third of an RSA_2048 unwrap), which is then paid ahead of time,
    /// with the pair's generation, rather than by `ImportKeyMaterial`.
    public init(spec: WrappingKeySpec) throws {
        let generated = try _RSA.Encryption.PrivateKey(keySize: .init(bitCount: spec.bits))
        privateKeyDER = generated.derRepresentation
        publicKeyDER = generated.publicKey.derRepresentation
        do {
            privateKey = try OpenSSLKey(anyPrivateKeyDER: Array(privateKeyDER))
        } catch {
            throw CryptoFailure.malformedInput("OpenSSL does not take the new \(spec.rawValue) wrapping key pair: \(error)")
        }
        modulusBytes = spec.bits / 8
        let probe = Array(repeating: UInt8(0), count: 32)
        guard (try? privateKey.decryptOAEP(try privateKey.encryptOAEP(probe, hash: .sha256), hash: .sha256)) == probe else {
            throw CryptoFailure.authenticationFailed("a new wrapping key pair failed its own round trip")
        }
    }

    /// Restores a pair from its DER private key (PKCS#8 or PKCS#1 RSA).
    public init(privateKeyDER: Data) throws {
        do {
            privateKey = try OpenSSLKey(anyPrivateKeyDER: Array(privateKeyDER))
            guard case .rsa(let bits) = privateKey.kind else { throw CryptoFailure.malformedInput("not an RSA key") }
            publicKeyDER = Data(try privateKey.publicKeyDER())
            modulusBytes = (bits + 7) / 8
        } catch {
            throw CryptoFailure.malformedInput("the wrapping key pair's private key does not parse")
        }
        self.privateKeyDER = privateKeyDER
    }

    /// Recovers key material wrapped under this pair's public key with `algorithm`.
    public func unwrap(_ wrapped: Data, algorithm: WrappingAlgorithm) throws -> [UInt8] {
        let modulus = modulusBytes
        if !algorithm.isKeyWrap {
            guard wrapped.count == modulus else {
                throw CryptoFailure.malformedInput("wrapped key material must be \(modulus) bytes for this wrapping key")
            }
            return try oaepDecrypt(wrapped, algorithm: algorithm)
        }
        // RSA_AES_KEY_WRAP: RSA-OAEP(ephemeral AES-256 key) ‖ RFC 5649 wrap(material).
        guard wrapped.count >= modulus + 16 else {
            throw CryptoFailure.malformedInput("wrapped key material is too short for this wrapping key")
        }
        var aesKeyBytes = try oaepDecrypt(wrapped.prefix(modulus), algorithm: algorithm)
        defer { zero(&aesKeyBytes) }
        guard aesKeyBytes.count == 32 else {
            throw CryptoFailure.authenticationFailed("the ephemeral key is not an AES-256 key")
        }
        let kek = SymmetricKey(data: aesKeyBytes)
        return try AESKeyWrapPadding.unwrap(Array(wrapped.dropFirst(modulus)), using: kek)
    }

    private func oaepDecrypt(_ data: Data, algorithm: WrappingAlgorithm) throws -> [UInt8] {
        do {
            return try privateKey.decryptOAEP(Array(data), hash: algorithm.oaepHash)
        } catch {
            throw CryptoFailure.authenticationFailed("RSA-OAEP decryption failed")
        }
    }
}

/// The client side of wrapping, as `openssl pkeyutl` or an HSM does it (tests, `trent byok`).
public enum KeyMaterialWrapper {
    public static func wrap(_ material: [UInt8], publicKeyDER: Data, algorithm: WrappingAlgorithm) throws -> Data {
        let publicKey = try _RSA.Encryption.PublicKey(derRepresentation: publicKeyDER)
        if !algorithm.isKeyWrap {
            return try publicKey.encrypt(material, padding: algorithm.oaepPadding)
        }
        let ephemeral = SymmetricKey(size: .bits256)
        let encryptedKey = ephemeral.withUnsafeBytes { bytes in
            Result { try publicKey.encrypt(Data(bytes), padding: algorithm.oaepPadding) }
        }
        return try encryptedKey.get() + Data(try AESKeyWrapPadding.wrap(material, using: ephemeral))
    }
}
