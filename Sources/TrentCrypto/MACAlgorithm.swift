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

/// An HMAC key made ready for many messages: for HMAC-SHA-256 (every `HMAC_256` key) the key's
/// inner and outer blocks hashed once, on OpenSSL's SHA-256 (`HMACSHA256Key`); for the other
/// digests the key as it is. swift-crypto's `HMAC<SHA256>` hashed both blocks again for every
/// message, through generic code that looked its types up at run time: two thirds of its time
/// went there rather than into the message's blocks (about 5 µs of a 4 KiB GenerateMac).
///
/// The hashed blocks stand for the key: they are overwritten when the last reference goes.
public final class PreparedMACKey: @unchecked Sendable {
    public let algorithm: MACAlgorithm
    private let key: SymmetricKey?
    /// Written only at init and in deinit, where nothing else reads it.
    private var sha256: HMACSHA256Key?

    public init(_ algorithm: MACAlgorithm, key: SymmetricKey) {
        self.algorithm = algorithm
        if algorithm == .hmacSHA256 {
            sha256 = key.withUnsafeBytes { HMACSHA256Key(key: $0) }  // no copy of the key left behind
            self.key = nil
        } else {
            self.key = key
        }
    }

    deinit {
        sha256?.erase()
    }

    public func authenticationCode(for message: Data) -> Data {
        if let sha256 {
            let digest = message.withUnsafeBytes { sha256.authenticationCode($0) }
            return digest.withUnsafeBytes { Data($0) }
        }
        return algorithm.authenticationCode(for: message, using: key!)
    }

    /// Checks a MAC in constant time (for MACs of the algorithm's length).
    public func isValid(_ mac: Data, for message: Data) -> Bool {
        guard sha256 != nil else { return algorithm.isValid(mac, for: message, using: key!) }
        return OpenSSLHMAC.constantTimeEqual(Array(authenticationCode(for: message)), Array(mac))
    }
}
