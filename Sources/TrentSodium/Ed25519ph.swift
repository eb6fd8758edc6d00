import CSodium

/// Ed25519ph (RFC 8032, pre-hashed with SHA-512, empty context) from libsodium. libsodium
/// hashes the message itself, so only whole messages can be signed, not caller-made digests.
public enum Ed25519ph {
    private static let ready: Bool = sodium_init() >= 0

    /// Signs `message` with the key whose 32-byte seed (RFC 8032 private key) is `seed`.
    public static func sign(_ message: [UInt8], seed: [UInt8]) -> [UInt8]? {
        guard ready, seed.count == 32 else { return nil }
        var publicKey = [UInt8](repeating: 0, count: 32)
        var secretKey = [UInt8](repeating: 0, count: 64)
        defer { sodium_memzero(&secretKey, secretKey.count) }
        guard crypto_sign_ed25519_seed_keypair(&publicKey, &secretKey, seed) == 0 else { return nil }
        var state = crypto_sign_ed25519ph_state()
        var signature = [UInt8](repeating: 0, count: 64)
        guard crypto_sign_ed25519ph_init(&state) == 0,
              crypto_sign_ed25519ph_update(&state, message, UInt64(message.count)) == 0,
              crypto_sign_ed25519ph_final_create(&state, &signature, nil, secretKey) == 0
        else { return nil }
        return signature
    }

    /// Checks `signature` over `message` with a 32-byte raw public key.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard ready, signature.count == 64, publicKey.count == 32 else { return false }
        var state = crypto_sign_ed25519ph_state()
        var signature = signature
        guard crypto_sign_ed25519ph_init(&state) == 0,
              crypto_sign_ed25519ph_update(&state, message, UInt64(message.count)) == 0
        else { return false }
        return crypto_sign_ed25519ph_final_verify(&state, &signature, publicKey) == 0
    }
}
