import TrentOpenSSL

/// Cryptographically secure random bytes for key material, nonces, tokens and ids: OpenSSL's
/// DRBG (`OpenSSLRandom`), without a system call per few bytes.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        OpenSSLRandom.bytes(count)
    }

    /// Fills `buffer` with random bytes, in place.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        OpenSSLRandom.fill(buffer)
    }
}
