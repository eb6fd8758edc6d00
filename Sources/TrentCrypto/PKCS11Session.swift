public import Foundation
import Crypto
import _CryptoExtras
import CPKCS11

/// A logged-in session on a PKCS#11 token: key material generated, wrapped and used inside the
/// token, so that it never exists in plaintext outside it (`trent byok` with an HSM).
public final class PKCS11Session {
    let token: OpaquePointer

    public init(module: String, tokenLabel: String, pin: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard let token = trent_p11_open(module, tokenLabel, pin, &message, message.count) else {
            throw CryptoFailure.malformedInput("PKCS#11: " + Self.text(message))
        }
        self.token = token
    }

    deinit { trent_p11_close(token) }

    static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A new secret key in the token: AES (symmetric) or generic secret (HMAC) of `length` bytes,
    /// sensitive and only ever exported wrapped.
    public func generateSecret(label: String, forHMAC: Bool, length: Int) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard trent_p11_generate_secret(token, label, forHMAC ? 1 : 0, length, &message, message.count) == 1 else {
            throw CryptoFailure.malformedInput("PKCS#11: " + Self.text(message))
        }
    }

    /// The secret key labelled `label`, wrapped inside the token for a KMS import.
    public func wrapForKMS(label: String, publicKeyDER: Data, algorithm: WrappingAlgorithm) throws -> Data {
        let primitives: _RSA.Encryption.PublicKey.Primitives
        do { primitives = try _RSA.Encryption.PublicKey(derRepresentation: publicKeyDER).getKeyPrimitives() } catch {
            throw CryptoFailure.malformedInput("the wrapping public key is not a DER RSA public key")
        }
        let modulus = [UInt8](primitives.modulus), exponent = [UInt8](primitives.publicExponent)
        var out = [UInt8](repeating: 0, count: 8192)
        var length = out.count
        var message = [CChar](repeating: 0, count: 512)
        let sha256 = algorithm == .rsaesOAEPSHA256 || algorithm == .rsaAESKeyWrapSHA256
        guard trent_p11_wrap_for_kms(token, label, modulus, modulus.count, exponent, exponent.count, algorithm.isKeyWrap ? 1 : 0,
                                     sha256 ? 1 : 0, &out, &length, &message, message.count) == 1
        else { throw CryptoFailure.malformedInput("PKCS#11: " + Self.text(message)) }
        return Data(out.prefix(length))
    }

    /// DER OIDs of the curves a token key pair can be generated on.
    static let curveOIDs: [AsymmetricKeySpec: [UInt8]] = [
        .eccNistP256: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
        .eccNistP384: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22],
        .eccNistP521: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23],
        .eccSecgP256k1: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A],
    ]

    /// Whether a key pair of `spec` can live in a token (RSA and the ECC curves; not Ed25519 or ML-DSA).
    public static func supportsKeyPair(_ spec: AsymmetricKeySpec) -> Bool {
        spec.isRSA || curveOIDs[spec] != nil
    }

    /// A new key pair of `spec` in the token; the private key is exported only wrapped (as PKCS#8).
    public func generateKeyPair(label: String, spec: AsymmetricKeySpec) throws {
        guard Self.supportsKeyPair(spec) else { throw CryptoFailure.unsupported("\(spec.rawValue) key pairs are not generated in a token by Trent") }
        var message = [CChar](repeating: 0, count: 512)
        let oid = Self.curveOIDs[spec]
        let ok = oid.map { trent_p11_generate_key_pair(token, label, 0, $0, $0.count, &message, message.count) }
            ?? trent_p11_generate_key_pair(token, label, (spec.rsaModulusBytes ?? 256) * 8, nil, 0, &message, message.count)
        guard ok == 1 else { throw CryptoFailure.malformedInput("PKCS#11: " + Self.text(message)) }
    }

    /// The DER SubjectPublicKeyInfo of the token's key pair labelled `label`.
    public func publicKeyDER(label: String, spec: AsymmetricKeySpec) throws -> Data {
        var a = [UInt8](repeating: 0, count: 1024), b = [UInt8](repeating: 0, count: 16)
        var aLength = a.count, bLength = b.count, kind: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        guard trent_p11_public_key(token, label, &kind, &a, &aLength, &b, &bLength, &message, message.count) == 1 else {
            throw CryptoFailure.malformedInput("PKCS#11: " + Self.text(message))
        }
        if kind == 1 { return try _RSA.Signing.PublicKey(n: a.prefix(aLength), e: b.prefix(bLength)).derRepresentation }
        // CKA_EC_POINT is the DER OCTET STRING holding the uncompressed point.
        var point = Array(a.prefix(aLength))
        if point.first == 0x04, point.count > 2 {
            let header = point[1] < 0x80 ? 2 : 2 + Int(point[1] & 0x7F)
            if point.count > header, point[header] == 0x04 { point = Array(point[header...]) }
        }
        switch spec {
        case .eccNistP256: return try P256.Signing.PublicKey(x963Representation: point).derRepresentation
        case .eccNistP384: return try P384.Signing.PublicKey(x963Representation: point).derRepresentation
        case .eccNistP521: return try P521.Signing.PublicKey(x963Representation: point).derRepresentation
        case .eccSecgP256k1:
            // SEQUENCE { SEQUENCE { id-ecPublicKey, secp256k1 }, BIT STRING { 0, point } }
            guard point.count == 65 else { throw CryptoFailure.malformedInput("unexpected secp256k1 point") }
            return Data([0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
                        + Self.curveOIDs[.eccSecgP256k1]! + [0x03, 0x42, 0x00] + point)
        default: throw CryptoFailure.unsupported("\(spec.rawValue) public keys are not read from a token")
        }
    }

    /// HMAC-SHA-`digestBits` of `message` with the secret key labelled `label`.
    public func hmac(label: String, digestBits: Int, message: Data) throws -> Data {
        var out = [UInt8](repeating: 0, count: 64)
        var length = out.count
        var error = [CChar](repeating: 0, count: 512)
        let bytes = [UInt8](message)
        guard trent_p11_hmac(token, label, Int32(digestBits), bytes, bytes.count, &out, &length, &error, error.count) == 1 else {
            throw CryptoFailure.malformedInput("PKCS#11: " + Self.text(error))
        }
        return Data(out.prefix(length))
    }
}
