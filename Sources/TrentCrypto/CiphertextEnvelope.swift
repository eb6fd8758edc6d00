public import Foundation
public import Crypto
import TrentOpenSSL

/// Trent's symmetric ciphertext format (see docs/ciphertext-envelope.md):
///
///     0x54 0x01 | key id (16, UUID bytes) | key material id (32) | nonce (12) | ciphertext | tag (16)
///
/// Version 0x02 is the same with a multi-Region key id (`mrk-` followed by these 16 bytes in hex),
/// so that every key of the multi-Region set can open it.
///
/// AES-256-GCM; the additional authenticated data is the 50-byte header followed by the
/// canonical encoding of the encryption context, so a ciphertext opens only under the same
/// context, key and key material.
public struct CiphertextEnvelope: Sendable, Equatable {
    public static let magic: UInt8 = 0x54
    public static let version: UInt8 = 0x01
    public static let multiRegionVersion: UInt8 = 0x02
    public static let headerSize = 2 + 16 + 32
    public static let overhead = headerSize + 12 + 16

    /// The envelope as parsed: its fields are read from it where they are (Decrypt opens it
    /// without copying the ciphertext or rebuilding the header).
    private let data: Data
    public let isMultiRegion: Bool

    /// The 16 bytes of the key id: a UUID, or the hex part of a multi-Region key id.
    public var keyIDBytes: [UInt8] { field(2..<18) }
    public var keyMaterialID: [UInt8] { field(18..<Self.headerSize) }
    public var nonce: [UInt8] { field(Self.headerSize..<(Self.headerSize + 12)) }
    public var sealed: [UInt8] { field((Self.headerSize + 12)..<(data.count - 16)) }
    public var tag: [UInt8] { field((data.count - 16)..<data.count) }

    private func field(_ range: Range<Int>) -> [UInt8] {
        data.withUnsafeBytes { Array($0[range]) }
    }

    public static func seal(
        _ plaintext: some DataProtocol,
        keyIDBytes: [UInt8],
        isMultiRegion: Bool = false,
        keyMaterialID: [UInt8],
        material: SymmetricKey,
        encryptionContext: [String: String]
    ) throws -> Data {
        precondition(keyMaterialID.count == 32 && keyIDBytes.count == 16)
        let header = headerBytes(keyIDBytes: keyIDBytes, isMultiRegion: isMultiRegion, keyMaterialID: keyMaterialID)
        let context = canonicalContext(encryptionContext)
        let aad = context.isEmpty ? header : header + context
        let nonce = SecureRandom.bytes(12)
        guard material.bitCount == 256 else {
            let box = try AES.GCM.seal(plaintext, using: material, nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
            return Data(header + nonce) + box.ciphertext + box.tag
        }
        // AES-256 (every KMS symmetric key): straight into the envelope, no copies on the way.
        let message = plaintext as? Data ?? Data(plaintext)
        // Every byte is written (header, nonce, ciphertext, tag): not zeroed first.
        let count = overhead + message.count
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        buffer.copyBytes(from: header)
        UnsafeMutableRawBufferPointer(rebasing: buffer[headerSize..<(headerSize + 12)]).copyBytes(from: nonce)
        let ciphertext = UnsafeMutableRawBufferPointer(rebasing: buffer[(headerSize + 12)..<(count - 16)])
        let tag = UnsafeMutableRawBufferPointer(rebasing: buffer[(count - 16)...])
        let sealed = material.withUnsafeBytes { key in
            nonce.withUnsafeBytes { nonce in
                aad.withUnsafeBytes { aad in
                    message.withUnsafeBytes { message in
                        OpenSSLAESGCM.seal(key: key, nonce: nonce, aad: aad, plaintext: message, ciphertext: ciphertext, tag: tag)
                    }
                }
            }
        }
        guard sealed else {
            buffer.deallocate()
            throw CryptoFailure.malformedInput("AES-GCM encryption failed")
        }
        return Data(bytesNoCopy: buffer.baseAddress!, count: count, deallocator: .custom { pointer, _ in pointer.deallocate() })
    }

    /// Parses the framing only; `open` checks the tag.
    public init(parsing data: Data) throws {
        guard data.count >= Self.overhead else { throw CryptoFailure.malformedInput("not a Trent ciphertext") }
        let start = data.startIndex
        let version = data[start + 1]
        guard data[start] == Self.magic, version == Self.version || version == Self.multiRegionVersion else {
            throw CryptoFailure.malformedInput("not a Trent ciphertext")
        }
        self.data = data
        isMultiRegion = version == Self.multiRegionVersion
    }

    public func open(material: SymmetricKey, encryptionContext: [String: String]) throws -> Data {
        let context = Self.canonicalContext(encryptionContext)
        guard material.bitCount == 256 else {
            let aad = Self.headerBytes(keyIDBytes: keyIDBytes, isMultiRegion: isMultiRegion, keyMaterialID: keyMaterialID) + context
            do {
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed, tag: tag)
                return try AES.GCM.open(box, using: material, authenticating: aad)
            } catch {
                throw CryptoFailure.authenticationFailed("ciphertext authentication failed")
            }
        }
        // The header as it stands in the envelope is the header the AAD begins with (the parse
        // checked its magic and version).
        var plaintext = Data(count: data.count - Self.overhead)
        let opened = plaintext.withUnsafeMutableBytes { out in
            material.withUnsafeBytes { key in
                data.withUnsafeBytes { envelope in
                    let header = UnsafeRawBufferPointer(rebasing: envelope[0..<Self.headerSize])
                    let nonce = UnsafeRawBufferPointer(rebasing: envelope[Self.headerSize..<(Self.headerSize + 12)])
                    let sealed = UnsafeRawBufferPointer(rebasing: envelope[(Self.headerSize + 12)..<(envelope.count - 16)])
                    let tag = UnsafeRawBufferPointer(rebasing: envelope[(envelope.count - 16)...])
                    func open(aad: UnsafeRawBufferPointer) -> Bool {
                        OpenSSLAESGCM.open(key: key, nonce: nonce, aad: aad, ciphertext: sealed, tag: tag, plaintext: out)
                    }
                    if context.isEmpty { return open(aad: header) }
                    return (Array(header) + context).withUnsafeBytes(open(aad:))
                }
            }
        }
        guard opened else {
            // Nothing of an unauthenticated message leaves.
            plaintext.resetBytes(in: 0..<plaintext.count)
            throw CryptoFailure.authenticationFailed("ciphertext authentication failed")
        }
        return plaintext
    }

    static func headerBytes(keyIDBytes: [UInt8], isMultiRegion: Bool, keyMaterialID: [UInt8]) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(2 + keyIDBytes.count + keyMaterialID.count)
        header.append(magic)
        header.append(isMultiRegion ? multiRegionVersion : version)
        header.append(contentsOf: keyIDBytes)
        header.append(contentsOf: keyMaterialID)
        return header
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
