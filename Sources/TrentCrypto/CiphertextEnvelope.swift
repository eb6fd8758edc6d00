public import Foundation
public import Crypto

/// Trent's symmetric ciphertext format, version 1 (see docs/ciphertext-envelope.md):
///
///     0x54 0x01 | key id (16, UUID bytes) | key material id (32) | nonce (12) | ciphertext | tag (16)
///
/// AES-256-GCM; the additional authenticated data is the 50-byte header followed by the
/// canonical encoding of the encryption context, so a ciphertext opens only under the same
/// context, key and key material.
public struct CiphertextEnvelope: Sendable, Equatable {
    public static let magic: UInt8 = 0x54
    public static let version: UInt8 = 0x01
    public static let headerSize = 2 + 16 + 32
    public static let overhead = headerSize + 12 + 16

    public let keyID: UUID
    public let keyMaterialID: [UInt8]
    public let nonce: [UInt8]
    public let sealed: [UInt8]
    public let tag: [UInt8]

    public static func seal(
        _ plaintext: some DataProtocol,
        keyID: UUID,
        keyMaterialID: [UInt8],
        material: SymmetricKey,
        encryptionContext: [String: String]
    ) throws -> Data {
        precondition(keyMaterialID.count == 32)
        let header = headerBytes(keyID: keyID, keyMaterialID: keyMaterialID)
        let aad = header + canonicalContext(encryptionContext)
        let box = try AES.GCM.seal(plaintext, using: material, authenticating: aad)
        var out = Data(header)
        out.append(contentsOf: box.nonce)
        out.append(box.ciphertext)
        out.append(box.tag)
        return out
    }

    /// Parses the framing only; `open` checks the tag.
    public init(parsing data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= Self.overhead, bytes[0] == Self.magic, bytes[1] == Self.version else {
            throw CryptoFailure.malformedInput("not a Trent ciphertext")
        }
        let uuidBytes = Array(bytes[2..<18])
        keyID = UUID(uuid: (uuidBytes[0], uuidBytes[1], uuidBytes[2], uuidBytes[3], uuidBytes[4], uuidBytes[5],
                            uuidBytes[6], uuidBytes[7], uuidBytes[8], uuidBytes[9], uuidBytes[10], uuidBytes[11],
                            uuidBytes[12], uuidBytes[13], uuidBytes[14], uuidBytes[15]))
        keyMaterialID = Array(bytes[18..<50])
        nonce = Array(bytes[50..<62])
        sealed = Array(bytes[62..<(bytes.count - 16)])
        tag = Array(bytes[(bytes.count - 16)...])
    }

    public func open(material: SymmetricKey, encryptionContext: [String: String]) throws -> Data {
        let aad = Self.headerBytes(keyID: keyID, keyMaterialID: keyMaterialID) + Self.canonicalContext(encryptionContext)
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed, tag: tag)
            return try AES.GCM.open(box, using: material, authenticating: aad)
        } catch {
            throw CryptoFailure.authenticationFailed("ciphertext authentication failed")
        }
    }

    static func headerBytes(keyID: UUID, keyMaterialID: [UInt8]) -> [UInt8] {
        let u = keyID.uuid
        return [magic, version, u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
            + keyMaterialID
    }

    /// Pairs sorted by key bytes, each string as a 4-byte big-endian length and UTF-8 bytes.
    public static func canonicalContext(_ context: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in context.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
            for part in [key, value] {
                let utf8 = Array(part.utf8)
                let n = UInt32(utf8.count)
                out += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
                out += utf8
            }
        }
        return out
    }
}
