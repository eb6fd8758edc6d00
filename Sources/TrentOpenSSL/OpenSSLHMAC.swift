import COpenSSL

/// HMAC over digests swift-crypto does not offer, from Debian's OpenSSL 3 `libcrypto`.
public enum OpenSSLHMAC {
    public enum Digest: Sendable {
        case sha224

        var outputSize: Int {
            switch self {
            case .sha224: 28
            }
        }

        fileprivate var evp: OpaquePointer? {
            switch self {
            case .sha224: EVP_sha224()
            }
        }
    }

    /// HMAC of `message` under `key`.
    public static func authenticationCode(_ digest: Digest, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    HMAC(digest.evp, k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress, &length)
                }
            }
        }
        precondition(ok != nil && Int(length) == digest.outputSize, "OpenSSL HMAC failed")
        return Array(out.prefix(Int(length)))
    }

    /// Compares two byte strings in time that depends only on their length.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}
