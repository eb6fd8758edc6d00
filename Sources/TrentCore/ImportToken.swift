public import Foundation
public import Crypto
public import TrentCrypto

/// The opaque `ImportToken`: authenticated with HMAC-SHA256 under a key derived from the root
/// key, binding the token id, key id, wrapping algorithm, wrapping key spec and expiry.
///
///     0x01 | token id (16) | key id (36, ASCII) | algorithm (1) | spec (1) | expiry ms (8, BE) | HMAC (32)
public struct ImportToken: Sendable, Equatable {
    static let version: UInt8 = 1
    static let bodySize = 1 + 16 + 36 + 1 + 1 + 8
    public static let size = bodySize + 32

    public let tokenID: String
    public let keyID: String
    public let algorithm: WrappingAlgorithm
    public let spec: WrappingKeySpec
    public let expiresAt: Date

    public init(tokenID: String, keyID: String, algorithm: WrappingAlgorithm, spec: WrappingKeySpec, expiresAt: Date) {
        self.tokenID = tokenID
        self.keyID = keyID
        self.algorithm = algorithm
        self.spec = spec
        self.expiresAt = expiresAt
    }

    public func sealed(with macKey: SymmetricKey) -> Data {
        var body: [UInt8] = [Self.version]
        body += KeyMaterialID.bytes(fromHex: tokenID) ?? []
        body += Array(keyID.utf8)
        body.append(UInt8(WrappingAlgorithm.allCases.firstIndex(of: algorithm)!))
        body.append(UInt8(WrappingKeySpec.allCases.firstIndex(of: spec)!))
        let ms = UInt64(max(0, (expiresAt.timeIntervalSince1970 * 1000).rounded()))
        for shift in stride(from: 56, through: 0, by: -8) { body.append(UInt8((ms >> UInt64(shift)) & 0xFF)) }
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: macKey)
        return Data(body + Array(mac))
    }

    /// Opens a token; `nil` when it is not one of ours (wrong size, version or MAC).
    /// The MAC is checked in constant time before any field is trusted.
    public static func open(_ data: Data, macKey: SymmetricKey) -> ImportToken? {
        let bytes = [UInt8](data)
        guard bytes.count == size else { return nil }
        let body = Array(bytes[0..<bodySize])
        let mac = Array(bytes[bodySize...])
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: macKey) else { return nil }
        guard body[0] == version else { return nil }
        let tokenID = KeyMaterialID.hex(Array(body[1..<17]))
        guard let keyID = String(bytes: body[17..<53], encoding: .utf8) else { return nil }
        let algIndex = Int(body[53]), specIndex = Int(body[54])
        guard algIndex < WrappingAlgorithm.allCases.count, specIndex < WrappingKeySpec.allCases.count else { return nil }
        var ms: UInt64 = 0
        for b in body[55..<63] { ms = ms << 8 | UInt64(b) }
        return ImportToken(
            tokenID: tokenID, keyID: keyID,
            algorithm: WrappingAlgorithm.allCases[algIndex], spec: WrappingKeySpec.allCases[specIndex],
            expiresAt: Date(timeIntervalSince1970: Double(ms) / 1000)
        )
    }
}
