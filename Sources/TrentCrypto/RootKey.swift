public import Foundation
public import Crypto

/// The key that seals everything secret Trent stores: key material and wrapping private keys.
/// It also derives the import-token MAC key.
public struct RootKey: Sendable {
    private let key: SymmetricKey

    public init(_ key: SymmetricKey) {
        precondition(key.bitCount == 256)
        self.key = key
    }

    /// Loads the 32-byte key file, creating it with mode 0600 when absent.
    public static func loadOrCreate(at path: String) throws -> RootKey {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count == 32 else {
                throw CryptoFailure.malformedInput("root key file \(path) must hold exactly 32 bytes")
            }
            return RootKey(SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        try writeSynced(key.withUnsafeBytes { Data($0) }, to: path)
        return RootKey(key)
    }

    /// Writes a secret file with mode 0600, in full and synced before it is moved into place:
    /// nothing is sealed under a root key that could still be lost.
    static func writeSynced(_ data: Data, to path: String) throws {
        let fm = FileManager.default
        let temporary = path + ".tmp-\(UUID().uuidString)"
        guard fm.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forUpdatingAtPath: temporary)
        else {
            throw CryptoFailure.malformedInput("cannot create root key file \(path)")
        }
        try handle.synchronize()
        try handle.close()
        try fm.moveItem(atPath: temporary, toPath: path)
    }

    /// AES-256-GCM under the root key; `context` (e.g. key id and version) is bound as AAD.
    public func seal(_ secret: some DataProtocol, context: String) throws -> Data {
        guard let combined = try AES.GCM.seal(secret, using: key, authenticating: Data(context.utf8)).combined else {
            throw CryptoFailure.malformedInput("cannot seal")
        }
        return combined
    }

    public func open(_ sealed: Data, context: String) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(context.utf8))
        } catch {
            throw CryptoFailure.authenticationFailed("sealed record does not open under the root key")
        }
    }

    /// A key for one purpose, derived with HKDF-SHA256.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
    }
}
