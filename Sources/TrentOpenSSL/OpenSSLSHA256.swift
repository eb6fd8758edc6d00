import COpenSSL
public import Foundation

/// SHA-256 whose state is a plain value (`SHA256_CTX`, Debian's OpenSSL 3 `libcrypto`): copying
/// it copies the state, with no object allocated. SigV4 hashes a body and a canonical request and
/// computes an HMAC for every call; swift-crypto's digests each allocated a context object (four a
/// call, the HMAC's keyed state copied on write).
public struct SHA256State: Sendable {
    private var context = SHA256_CTX()

    public init() {
        SHA256_Init(&context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    public mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest (32 bytes) of what was hashed; this state is spent.
    public consuming func finish() -> SHA256State.Digest {
        var digest = Digest()
        withUnsafeMutableBytes(of: &digest.bytes) { out in
            _ = SHA256_Final(out.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
        }
        return digest
    }

    /// Overwrites the state with zeros (a keyed state stands for its key).
    public mutating func erase() {
        withUnsafeMutableBytes(of: &context) { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var state = SHA256State()
        state.update(bytes)
        return state.finish()
    }

    public struct Digest: Sendable, ContiguousBytes {
        fileprivate var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try Swift.withUnsafeBytes(of: bytes, body)
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) under one key, with the key's inner and outer blocks hashed once: each
/// message costs copies of the two states and the message's own blocks.
public struct HMACSHA256Key: Sendable {
    private var inner = SHA256State()
    private var outer = SHA256State()

    public init(key: some ContiguousBytes) {
        var block = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { key in
            if key.count > 64 {
                SHA256State.hash(key).withUnsafeBytes { block.replaceSubrange(0..<32, with: $0) }
            } else {
                block.replaceSubrange(0..<key.count, with: key)
            }
        }
        for index in block.indices { block[index] ^= 0x36 }
        inner.update(block)
        for index in block.indices { block[index] ^= 0x36 ^ 0x5C }
        outer.update(block)
        block.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// Overwrites both states with zeros.
    public mutating func erase() {
        inner.erase()
        outer.erase()
    }

    /// The MAC of `message`.
    public func authenticationCode(_ message: UnsafeRawBufferPointer) -> SHA256State.Digest {
        var inside = inner
        inside.update(message)
        let innerDigest = inside.finish()
        var outside = outer
        outside.update(innerDigest)
        return outside.finish()
    }
}
