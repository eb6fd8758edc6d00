public import Crypto
import _CryptoExtras

/// AES Key Wrap with Padding (RFC 5649), composed on the AES block permutation.
///
/// swift-crypto has RFC 3394 (`AES.KeyWrap`) but not its padded variant, which AWS's
/// `RSA_AES_KEY_WRAP_*` wrapping algorithms use (OpenSSL's `id-aes256-wrap-pad`).
public enum AESKeyWrapPadding {
    private static let alternativeIVPrefix: [UInt8] = [0xA6, 0x59, 0x59, 0xA6]

    /// Wraps `plaintext` (1 byte or more) under `kek` (AES-128/192/256).
    public static func wrap(_ plaintext: [UInt8], using kek: SymmetricKey) throws -> [UInt8] {
        guard !plaintext.isEmpty, plaintext.count <= Int(UInt32.max) else {
            throw CryptoFailure.malformedInput("key wrap input must be 1 byte or more")
        }
        let length = UInt32(plaintext.count)
        var aiv = alternativeIVPrefix
        aiv += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        let paddedCount = (plaintext.count + 7) / 8 * 8
        var padded = plaintext + [UInt8](repeating: 0, count: paddedCount - plaintext.count)
        defer { zero(&padded) }

        if paddedCount == 8 {
            var block = aiv + padded
            try AES.permute(&block, key: kek)
            return block
        }

        let n = paddedCount / 8
        var a = aiv
        var r = stride(from: 0, to: paddedCount, by: 8).map { Array(padded[$0..<$0 + 8]) }
        defer { for i in r.indices { zero(&r[i]) } }
        var block = [UInt8](repeating: 0, count: 16)
        for j in 0..<6 {
            for i in 0..<n {
                block.replaceSubrange(0..<8, with: a)
                block.replaceSubrange(8..<16, with: r[i])
                try AES.permute(&block, key: kek)
                let t = UInt64(n * j + i + 1)
                a = xor(Array(block[0..<8]), t)
                r[i] = Array(block[8..<16])
            }
        }
        zero(&block)
        return a + r.flatMap { $0 }
    }

    /// Unwraps and checks the integrity value, the length and the zero padding.
    public static func unwrap(_ ciphertext: [UInt8], using kek: SymmetricKey) throws -> [UInt8] {
        guard ciphertext.count >= 16, ciphertext.count % 8 == 0 else {
            throw CryptoFailure.malformedInput("key wrap ciphertext must be a multiple of 8 bytes, at least 16")
        }
        var a: [UInt8]
        var plain: [UInt8]
        if ciphertext.count == 16 {
            var block = ciphertext
            try AES.inversePermute(&block, key: kek)
            a = Array(block[0..<8])
            plain = Array(block[8..<16])
            zero(&block)
        } else {
            let n = ciphertext.count / 8 - 1
            a = Array(ciphertext[0..<8])
            var r = (0..<n).map { Array(ciphertext[8 * ($0 + 1)..<8 * ($0 + 2)]) }
            var block = [UInt8](repeating: 0, count: 16)
            for j in stride(from: 5, through: 0, by: -1) {
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let t = UInt64(n * j + i + 1)
                    block.replaceSubrange(0..<8, with: xor(a, t))
                    block.replaceSubrange(8..<16, with: r[i])
                    try AES.inversePermute(&block, key: kek)
                    a = Array(block[0..<8])
                    r[i] = Array(block[8..<16])
                }
            }
            zero(&block)
            plain = r.flatMap { $0 }
            for i in r.indices { zero(&r[i]) }
        }

        // Check the AIV, the message length and the padding without early exits on secret data.
        var bad: UInt8 = 0
        for i in 0..<4 { bad |= a[i] ^ alternativeIVPrefix[i] }
        let mli = Int(a[4]) << 24 | Int(a[5]) << 16 | Int(a[6]) << 8 | Int(a[7])
        let lengthOK = mli > plain.count - 8 && mli <= plain.count
        if lengthOK {
            for i in mli..<plain.count { bad |= plain[i] }
        }
        guard bad == 0, lengthOK else {
            zero(&plain)
            throw CryptoFailure.authenticationFailed("key wrap integrity check failed")
        }
        let result = Array(plain[0..<mli])
        zero(&plain)
        return result
    }

    private static func xor(_ a: [UInt8], _ t: UInt64) -> [UInt8] {
        var out = a
        for k in 0..<8 {
            out[7 - k] ^= UInt8((t >> (8 * UInt64(k))) & 0xFF)
        }
        return out
    }
}

/// Overwrites a buffer that held secret bytes.
@inline(never)
public func zero(_ bytes: inout [UInt8]) {
    for i in bytes.indices { bytes[i] = 0 }
}
