public import Foundation
public import Crypto
import TrentOpenSSL

/// The HMAC algorithms of KMS HMAC keys. SHA-256/384/512 come from swift-crypto; SHA-224, which
/// swift-crypto lacks, from OpenSSL's libcrypto.
public enum MACAlgorithm: String, Sendable, CaseIterable {
    case hmacSHA224 = "HMAC_SHA_224"
    case hmacSHA256 = "HMAC_SHA_256"
    case hmacSHA384 = "HMAC_SHA_384"
    case hmacSHA512 = "HMAC_SHA_512"

    public func authenticationCode(for message: some DataProtocol, using key: SymmetricKey) -> Data {
        switch self {
        case .hmacSHA224:
            let keyBytes = key.withUnsafeBytes { Array($0) }
            return Data(OpenSSLHMAC.authenticationCode(.sha224, key: keyBytes, message: Array(message)))
        case .hmacSHA256: return Data(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .hmacSHA384: return Data(HMAC<SHA384>.authenticationCode(for: message, using: key))
        case .hmacSHA512: return Data(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    /// Checks a MAC in constant time.
    public func isValid(_ mac: some DataProtocol, for message: some DataProtocol, using key: SymmetricKey) -> Bool {
        switch self {
        case .hmacSHA224:
            return OpenSSLHMAC.constantTimeEqual(Array(authenticationCode(for: message, using: key)), Array(mac))
        case .hmacSHA256: return HMAC<SHA256>.isValidAuthenticationCode(Data(mac), authenticating: message, using: key)
        case .hmacSHA384: return HMAC<SHA384>.isValidAuthenticationCode(Data(mac), authenticating: message, using: key)
        case .hmacSHA512: return HMAC<SHA512>.isValidAuthenticationCode(Data(mac), authenticating: message, using: key)
        }
    }
}
