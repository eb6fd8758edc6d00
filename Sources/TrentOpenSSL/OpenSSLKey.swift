import COpenSSL

/// An OpenSSL failure; the message names the step, never key bytes.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ step: String) {
        ERR_clear_error()
        description = "OpenSSL: \(step) failed"
    }
}

/// Hash functions by name, for digest-mode signing and OAEP.
public enum OpenSSLHash: Sendable {
    case sha1, sha256, sha384, sha512

    var md: OpaquePointer? {
        switch self {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    public var size: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    public func digest(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = message.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { o in EVP_Digest(m.baseAddress, m.count, o.baseAddress, &length, md, nil) }
        }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(out.prefix(Int(length)))
    }
}

/// An asymmetric key held by OpenSSL (`EVP_PKEY`), private or public only.
/// Immutable after creation; OpenSSL allows concurrent use of an `EVP_PKEY` for operations.
public final class OpenSSLKey: @unchecked Sendable {
    public enum Kind: Sendable, Equatable {
        case rsa(bits: Int)
        case ec(curve: String)  // OpenSSL group names: P-256, P-384, P-521, secp256k1
        case ed25519
    }

    public enum Padding: Sendable {
        case pkcs1v15
        case pss
        /// ECDSA (DER-encoded signature).
        case none
    }

    /// OpenSSL reports NIST curves by their SEC/X9.62 names.
    private static let nistNames = ["prime256v1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"]

    private let pkey: OpaquePointer
    var pkeyPointer: OpaquePointer { pkey }
    public let isPrivate: Bool

    private init(_ pkey: OpaquePointer, isPrivate: Bool) {
        self.pkey = pkey
        self.isPrivate = isPrivate
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A fresh key pair.
    public static func generate(_ kind: Kind) throws -> OpenSSLKey {
        let name: String
        switch kind {
        case .rsa: name = "RSA"
        case .ec: name = "EC"
        case .ed25519: name = "ED25519"
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw OpenSSLError("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw OpenSSLError("keygen_init") }
        switch kind {
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else { throw OpenSSLError("set_rsa_keygen_bits") }
        case .ec(let curve):
            guard EVP_PKEY_CTX_set_group_name(ctx, curve) == 1 else { throw OpenSSLError("set_group_name") }
        case .ed25519:
            break
        }
        var pkey: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else { throw OpenSSLError("EVP_PKEY_generate") }
        return OpenSSLKey(pkey, isPrivate: true)
    }

    /// Parses a PKCS#8 DER private key (the only form KMS imports).
    public convenience init(pkcs8DER der: [UInt8]) throws {
        let info: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            return d2i_PKCS8_PRIV_KEY_INFO(nil, &p, buffer.count)
        }
        guard let info else { throw OpenSSLError("d2i_PKCS8_PRIV_KEY_INFO") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        guard let pkey = EVP_PKCS82PKEY(info) else { throw OpenSSLError("EVP_PKCS82PKEY") }
        self.init(pkey, isPrivate: true)
    }

    /// Parses a DER private key in any form OpenSSL knows: PKCS#8, PKCS#1 (RSA) or SEC 1 (EC).
    public convenience init(anyPrivateKeyDER der: [UInt8]) throws {
        let pkey: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &p, buffer.count)
        }
        guard let pkey else { throw OpenSSLError("d2i_AutoPrivateKey") }
        self.init(pkey, isPrivate: true)
    }

    /// Parses a DER SubjectPublicKeyInfo.
    public convenience init(publicKeyDER der: [UInt8]) throws {
        let pkey: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            return d2i_PUBKEY(nil, &p, buffer.count)
        }
        guard let pkey else { throw OpenSSLError("d2i_PUBKEY") }
        self.init(pkey, isPrivate: false)
    }

    public var kind: Kind? {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA: return .rsa(bits: Int(EVP_PKEY_get_bits(pkey)))
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else { return nil }
            let group = String(cString: name)
            return .ec(curve: Self.nistNames[group] ?? group)
        case EVP_PKEY_ED25519: return .ed25519
        default: return nil
        }
    }

    /// PKCS#8 DER of the private key.
    public func pkcs8DER() throws -> [UInt8] {
        guard isPrivate, let info = EVP_PKEY2PKCS8(pkey) else { throw OpenSSLError("EVP_PKEY2PKCS8") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, nil)
        guard length > 0 else { throw OpenSSLError("i2d_PKCS8_PRIV_KEY_INFO") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p = buffer.baseAddress
            return i2d_PKCS8_PRIV_KEY_INFO(info, &p)
        }
        guard written == length else { throw OpenSSLError("i2d_PKCS8_PRIV_KEY_INFO") }
        return out
    }

    /// DER SubjectPublicKeyInfo.
    public func publicKeyDER() throws -> [UInt8] {
        let length = i2d_PUBKEY(pkey, nil)
        guard length > 0 else { throw OpenSSLError("i2d_PUBKEY") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p = buffer.baseAddress
            return i2d_PUBKEY(pkey, &p)
        }
        guard written == length else { throw OpenSSLError("i2d_PUBKEY") }
        return out
    }

    private func context(_ step: String, _ initialize: (OpaquePointer) -> Int32) throws -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw OpenSSLError("EVP_PKEY_CTX_new") }
        guard initialize(ctx) == 1 else {
            EVP_PKEY_CTX_free(ctx)
            throw OpenSSLError(step)
        }
        return ctx
    }

    private func configureSignature(_ ctx: OpaquePointer, hash: OpenSSLHash, padding: Padding) throws {
        guard EVP_PKEY_CTX_set_signature_md(ctx, hash.md) == 1 else { throw OpenSSLError("set_signature_md") }
        switch padding {
        case .pkcs1v15:
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 else { throw OpenSSLError("set_rsa_padding") }
        case .pss:
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1,
                  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, hash.md) == 1
            else { throw OpenSSLError("PSS parameters") }
        case .none:
            break
        }
    }

    /// Signs a digest the caller computed (RSA PKCS#1 v1.5 / PSS, ECDSA).
    public func signDigest(_ digest: [UInt8], hash: OpenSSLHash, padding: Padding) throws -> [UInt8] {
        let ctx = try context("sign_init") { EVP_PKEY_sign_init($0) }
        defer { EVP_PKEY_CTX_free(ctx) }
        try configureSignature(ctx, hash: hash, padding: padding)
        var length = 0
        guard EVP_PKEY_sign(ctx, nil, &length, digest, digest.count) == 1 else { throw OpenSSLError("EVP_PKEY_sign") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(ctx, &signature, &length, digest, digest.count) == 1 else { throw OpenSSLError("EVP_PKEY_sign") }
        return Array(signature.prefix(length))
    }

    public func verifyDigest(_ signature: [UInt8], digest: [UInt8], hash: OpenSSLHash, padding: Padding) -> Bool {
        guard let ctx = try? context("verify_init", { EVP_PKEY_verify_init($0) }) else { return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard (try? configureSignature(ctx, hash: hash, padding: padding)) != nil else { return false }
        let ok = EVP_PKEY_verify(ctx, signature, signature.count, digest, digest.count) == 1
        ERR_clear_error()
        return ok
    }

    /// Pure Ed25519 over a message.
    public func signMessage(_ message: [UInt8]) throws -> [UInt8] {
        guard let md = EVP_MD_CTX_new() else { throw OpenSSLError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(md) }
        guard EVP_DigestSignInit(md, nil, nil, nil, pkey) == 1 else { throw OpenSSLError("DigestSignInit") }
        var length = 0
        guard EVP_DigestSign(md, nil, &length, message, message.count) == 1 else { throw OpenSSLError("DigestSign") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(md, &signature, &length, message, message.count) == 1 else { throw OpenSSLError("DigestSign") }
        return Array(signature.prefix(length))
    }

    public func verifyMessage(_ signature: [UInt8], message: [UInt8]) -> Bool {
        guard let md = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(md) }
        guard EVP_DigestVerifyInit(md, nil, nil, nil, pkey) == 1 else { return false }
        let ok = EVP_DigestVerify(md, signature, signature.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }

    private func configureOAEP(_ ctx: OpaquePointer, hash: OpenSSLHash) throws {
        guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1,
              EVP_PKEY_CTX_set_rsa_oaep_md(ctx, hash.md) == 1,
              EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, hash.md) == 1
        else { throw OpenSSLError("OAEP parameters") }
    }

    /// RSA-OAEP with MGF1 over the same hash.
    public func encryptOAEP(_ plaintext: [UInt8], hash: OpenSSLHash) throws -> [UInt8] {
        let ctx = try context("encrypt_init") { EVP_PKEY_encrypt_init($0) }
        defer { EVP_PKEY_CTX_free(ctx) }
        try configureOAEP(ctx, hash: hash)
        var length = 0
        guard EVP_PKEY_encrypt(ctx, nil, &length, plaintext, plaintext.count) == 1 else { throw OpenSSLError("EVP_PKEY_encrypt") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(ctx, &out, &length, plaintext, plaintext.count) == 1 else { throw OpenSSLError("EVP_PKEY_encrypt") }
        return Array(out.prefix(length))
    }

    public func decryptOAEP(_ ciphertext: [UInt8], hash: OpenSSLHash) throws -> [UInt8] {
        let ctx = try context("decrypt_init") { EVP_PKEY_decrypt_init($0) }
        defer { EVP_PKEY_CTX_free(ctx) }
        try configureOAEP(ctx, hash: hash)
        var length = 0
        guard EVP_PKEY_decrypt(ctx, nil, &length, ciphertext, ciphertext.count) == 1 else { throw OpenSSLError("EVP_PKEY_decrypt") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_decrypt(ctx, &out, &length, ciphertext, ciphertext.count) == 1 else { throw OpenSSLError("EVP_PKEY_decrypt") }
        out.removeSubrange(length...)  // in place: no copy of the plaintext is left behind unzeroed
        return out
    }

    /// ECDH: the raw shared secret (x coordinate) with `peer`'s public key.
    public func deriveSharedSecret(with peer: OpenSSLKey) throws -> [UInt8] {
        let ctx = try context("derive_init") { EVP_PKEY_derive_init($0) }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_derive_set_peer(ctx, peer.pkey) == 1 else { throw OpenSSLError("derive_set_peer") }
        var length = 0
        guard EVP_PKEY_derive(ctx, nil, &length) == 1 else { throw OpenSSLError("EVP_PKEY_derive") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive(ctx, &out, &length) == 1 else { throw OpenSSLError("EVP_PKEY_derive") }
        return Array(out.prefix(length))
    }
}

extension OpenSSLKey {
    /// The raw 32-byte private key (seed) of an Ed25519 key.
    public func rawPrivateKey() throws -> [UInt8] {
        var length = 0
        guard isPrivate, EVP_PKEY_get_raw_private_key(pkeyPointer, nil, &length) == 1 else { throw OpenSSLError("get_raw_private_key") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_private_key(pkeyPointer, &out, &length) == 1 else { throw OpenSSLError("get_raw_private_key") }
        return out
    }

    /// The raw 32-byte public key of an Ed25519 key.
    public func rawPublicKey() throws -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_raw_public_key(pkeyPointer, nil, &length) == 1 else { throw OpenSSLError("get_raw_public_key") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_public_key(pkeyPointer, &out, &length) == 1 else { throw OpenSSLError("get_raw_public_key") }
        return out
    }
}
