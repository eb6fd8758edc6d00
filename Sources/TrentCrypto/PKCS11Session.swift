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
