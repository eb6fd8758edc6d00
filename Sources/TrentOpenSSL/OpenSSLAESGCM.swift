import COpenSSL

/// AES-256-GCM (12-byte nonce, 16-byte tag) straight over caller-owned buffers, from Debian's
/// OpenSSL 3 `libcrypto`: the ciphertext envelope of every Encrypt, Decrypt and GenerateDataKey.
/// swift-crypto's `AES.GCM` gives the same bytes, but copies the message in and out of `Data`
/// and a sealed box on each call, which cost more than the cipher itself for a 4 KiB message.
public enum OpenSSLAESGCM {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    /// The cipher, fetched once from the default provider (an `EVP_CIPHER` is shared between threads).
    nonisolated(unsafe) private static let cipher: OpaquePointer = {
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else { fatalError("OpenSSL has no AES-256-GCM") }
        return cipher
    }()

    /// Encrypts `plaintext` into `ciphertext` (the same length) and writes the tag into `tag`;
    /// false when OpenSSL fails.
    public static func seal(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        plaintext: UnsafeRawBufferPointer, ciphertext: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer
    ) -> Bool {
        precondition(key.count == keySize && nonce.count == nonceSize && tag.count == tagSize && ciphertext.count == plaintext.count)
        guard plaintext.count <= Int(Int32.max), aad.count <= Int(Int32.max), let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        guard EVP_EncryptInit_ex2(context, cipher, bytes(key), bytes(nonce), nil) == 1,
              aad.isEmpty || EVP_EncryptUpdate(context, nil, &length, bytes(aad), Int32(aad.count)) == 1,
              plaintext.isEmpty || EVP_EncryptUpdate(context, mutableBytes(ciphertext), &length, bytes(plaintext), Int32(plaintext.count)) == 1,
              plaintext.isEmpty || Int(length) == plaintext.count,
              finish(EVP_EncryptFinal_ex, context, mutableBytes(ciphertext)),
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), tag.baseAddress) == 1
        else { return false }
        return true
    }

    /// Decrypts `ciphertext` into `plaintext` (the same length) if `tag` authenticates it with
    /// `aad`; false otherwise (what was written to `plaintext` must then be discarded).
    public static func open(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, plaintext: UnsafeMutableRawBufferPointer
    ) -> Bool {
        precondition(key.count == keySize && nonce.count == nonceSize && plaintext.count == ciphertext.count)
        guard tag.count == tagSize, ciphertext.count <= Int(Int32.max), aad.count <= Int(Int32.max), let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        guard EVP_DecryptInit_ex2(context, cipher, bytes(key), bytes(nonce), nil) == 1,
              aad.isEmpty || EVP_DecryptUpdate(context, nil, &length, bytes(aad), Int32(aad.count)) == 1,
              ciphertext.isEmpty || EVP_DecryptUpdate(context, mutableBytes(plaintext), &length, bytes(ciphertext), Int32(ciphertext.count)) == 1,
              ciphertext.isEmpty || Int(length) == ciphertext.count,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1,
              finish(EVP_DecryptFinal_ex, context, mutableBytes(plaintext))
        else { return false }
        return true
    }

    /// `EVP_*Final_ex` (GCM writes no bytes there; an empty message has no buffer, so a byte of
    /// our own stands in).
    private static func finish(
        _ final: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?) -> Int32,
        _ context: OpaquePointer, _ out: UnsafeMutablePointer<UInt8>?
    ) -> Bool {
        var length: Int32 = 0
        if let out { return final(context, out, &length) == 1 }
        var sink: UInt8 = 0
        return final(context, &sink, &length) == 1
    }

    private static func bytes(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8>? {
        buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    private static func mutableBytes(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<UInt8>? {
        buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }
}
