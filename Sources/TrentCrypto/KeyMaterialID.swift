import Foundation
public import Crypto

/// The `KeyMaterialId` of a key's material: HMAC-SHA256 keyed by the material over the key id,
/// so the same material in the same key always gets the same id, the id reveals nothing about
/// the material, and a re-import can be checked to carry the *same* material.
public enum KeyMaterialID {
    public static func compute(keyID: String, material: SymmetricKey) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("trent key material id v1|\(keyID)".utf8), using: material)
        return Array(mac)
    }

    /// Lower-case hex, written in place (Decrypt names the material of every ciphertext this way).
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { digits in
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    out[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return bytes.count * 2
        }
    }

    public static func bytes(fromHex hex: String) -> [UInt8]? {
        hex.utf8.withContiguousStorageIfAvailable { bytes(fromHexUTF8: $0) } ?? Array(hex.utf8).withUnsafeBufferPointer { bytes(fromHexUTF8: $0) }
    }

    /// The bytes of hex digit pairs in lower case (and upper case too with `upperCase`) read over
    /// the text's own bytes, without an array of them first (every Encrypt names its key and its
    /// material this way); nil for an odd count or anything else.
    public static func bytes(fromHexUTF8 chars: UnsafeBufferPointer<UInt8>, upperCase: Bool = false) -> [UInt8]? {
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c &- 0x30
            case 0x61...0x66: c &- 0x61 &+ 10
            case 0x41...0x46 where upperCase: c &- 0x41 &+ 10
            default: nil
            }
        }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: chars.count / 2) { out, count in
            var i = 0
            while i < chars.count {
                guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else {
                    valid = false
                    break
                }
                out[count] = hi << 4 | lo
                count += 1
                i += 2
            }
        }
        return valid ? out : nil
    }
}
