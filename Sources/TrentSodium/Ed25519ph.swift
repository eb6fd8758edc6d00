import CSodium

/// Ed25519ph (RFC 8032 section 5.1, pre-hashed with SHA-512, empty context) over a SHA-512 digest
/// the caller already has.
///
/// libsodium's `crypto_sign_ed25519ph_*` hashes whole messages itself, so a caller-made digest
/// (KMS `MessageType` DIGEST) cannot pass through it. The signature is therefore composed from
/// libsodium's Ed25519 group and scalar primitives exactly as RFC 8032 specifies, with dom2(1, "")
/// prefixed to both hashes; for a whole message it is byte-identical to libsodium's own Ed25519ph
/// (Ed25519 is deterministic), which the tests check.
public enum Ed25519ph {
    private static let ready: Bool = sodium_init() >= 0

    /// dom2(1, ""): "SigEd25519 no Ed25519 collisions" || phflag 1 || context length 0.
    private static let dom2: [UInt8] = Array("SigEd25519 no Ed25519 collisions".utf8) + [1, 0]

    /// SHA-512 of the concatenated parts.
    private static func sha512(_ parts: [UInt8]...) -> [UInt8] {
        var state = crypto_hash_sha512_state()
        crypto_hash_sha512_init(&state)
        for part in parts { crypto_hash_sha512_update(&state, part, UInt64(part.count)) }
        var out = [UInt8](repeating: 0, count: 64)
        crypto_hash_sha512_final(&state, &out)
        return out
    }

    /// A 64-byte little-endian integer reduced modulo the group order L.
    private static func reduce(_ wide: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&out, wide)
        return out
    }

    /// The SHA-512 prehash of a whole message.
    public static func prehash(_ message: [UInt8]) -> [UInt8] { sha512(message) }

    /// Signs a 64-byte SHA-512 `prehash` with the key whose 32-byte seed (RFC 8032 private key) is `seed`.
    public static func sign(prehash: [UInt8], seed: [UInt8]) -> [UInt8]? {
        guard ready, seed.count == 32, prehash.count == 64 else { return nil }
        var publicKey = [UInt8](repeating: 0, count: 32)
        var secretKey = [UInt8](repeating: 0, count: 64)
        var expanded = sha512(seed)
        defer {
            sodium_memzero(&secretKey, secretKey.count)
            sodium_memzero(&expanded, expanded.count)
        }
        guard crypto_sign_ed25519_seed_keypair(&publicKey, &secretKey, seed) == 0 else { return nil }
        // s: the clamped first half of SHA-512(seed), as a scalar mod L; prefix: the second half.
        expanded[0] &= 248
        expanded[31] &= 127
        expanded[31] |= 64
        var secretScalar = reduce(Array(expanded[0..<32]) + [UInt8](repeating: 0, count: 32))
        defer { sodium_memzero(&secretScalar, secretScalar.count) }
        var r = reduce(sha512(dom2, Array(expanded[32..<64]), prehash))
        defer { sodium_memzero(&r, r.count) }
        var pointR = [UInt8](repeating: 0, count: 32)
        guard crypto_scalarmult_ed25519_base_noclamp(&pointR, r) == 0 else { return nil }
        let k = reduce(sha512(dom2, pointR, publicKey, prehash))
        var ks = [UInt8](repeating: 0, count: 32), s = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_mul(&ks, k, secretScalar)
        crypto_core_ed25519_scalar_add(&s, r, ks)
        return pointR + s
    }

    /// Signs a whole message.
    public static func sign(_ message: [UInt8], seed: [UInt8]) -> [UInt8]? {
        sign(prehash: prehash(message), seed: seed)
    }

    /// Checks `signature` over a 64-byte SHA-512 `prehash` with a 32-byte raw public key:
    /// [S]B = R + [k]A, with S canonical and R, A valid points of the prime-order subgroup.
    public static func verify(_ signature: [UInt8], prehash: [UInt8], publicKey: [UInt8]) -> Bool {
        guard ready, signature.count == 64, publicKey.count == 32, prehash.count == 64 else { return false }
        let pointR = Array(signature[0..<32]), s = Array(signature[32..<64])
        guard reduce(s + [UInt8](repeating: 0, count: 32)) == s,
              crypto_core_ed25519_is_valid_point(pointR) == 1,
              crypto_core_ed25519_is_valid_point(publicKey) == 1
        else { return false }
        let k = reduce(sha512(dom2, pointR, publicKey, prehash))
        var sB = [UInt8](repeating: 0, count: 32), kA = [UInt8](repeating: 0, count: 32), sum = [UInt8](repeating: 0, count: 32)
        guard crypto_scalarmult_ed25519_base_noclamp(&sB, s) == 0,
              crypto_scalarmult_ed25519_noclamp(&kA, k, publicKey) == 0,
              crypto_core_ed25519_add(&sum, pointR, kA) == 0
        else { return false }
        return sodium_memcmp(sB, sum, 32) == 0
    }

    /// Checks `signature` over a whole message.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        verify(signature, prehash: prehash(message), publicKey: publicKey)
    }
}
