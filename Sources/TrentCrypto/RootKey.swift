public import Foundation
public import Crypto

/// The key that seals everything secret Trent stores: key material, wrapping private keys, the
/// audit signing key. It also derives the import-token and grant-token MAC keys.
///
/// It is a keyring of versions, oldest first: the newest seals, every version opens (AES-GCM's
/// tag tells which). Rotation adds a version, re-seals everything under it while Trent serves,
/// then retires the old ones; the keyring is persisted (file or PKCS#11 token) before the new
/// version seals anything, so a crash never leaves a record no stored version opens.
public final class RootKey: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [SymmetricKey] {
        didSet { derived = [:] }
    }
    /// Keys derived so far, per purpose, newest version first (HKDF cost more than the rest of
    /// checking an import token); forgotten whenever the versions change.
    private var derived: [String: [SymmetricKey]] = [:]
    private let persist: @Sendable ([SymmetricKey]) throws -> Void

    /// One in-memory version, never persisted (tests).
    public convenience init(_ key: SymmetricKey) {
        self.init(keys: [key], persist: { _ in })
    }

    init(keys: [SymmetricKey], persist: @escaping @Sendable ([SymmetricKey]) throws -> Void) {
        precondition(!keys.isEmpty && keys.allSatisfy { $0.bitCount == 256 })
        self.keys = keys
        self.persist = persist
    }

    private var current: SymmetricKey { lock.withLock { keys[keys.count - 1] } }
    private var all: [SymmetricKey] { lock.withLock { keys.reversed() } }

    /// How many versions the keyring holds: more than one while a rotation is under way.
    public var versions: Int { lock.withLock { keys.count } }

    /// Loads the key file (32 bytes per version, oldest first), creating it with mode 0600 when absent.
    public static func loadOrCreate(at path: String) throws -> RootKey {
        let persist: @Sendable ([SymmetricKey]) throws -> Void = { keys in
            try writeSynced(Data(keys.flatMap { $0.withUnsafeBytes { [UInt8]($0) } }), to: path)
        }
        if FileManager.default.fileExists(atPath: path) {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard !data.isEmpty, data.count % 32 == 0 else {
                throw CryptoFailure.malformedInput("root key file \(path) must hold 32 bytes per key version")
            }
            return RootKey(keys: versions(data), persist: persist)
        }
        let key = SymmetricKey(size: .bits256)
        try persist([key])
        return RootKey(keys: [key], persist: persist)
    }

    static func versions(_ data: Data) -> [SymmetricKey] {
        stride(from: 0, to: data.count, by: 32).map { SymmetricKey(data: data[data.startIndex + $0 ..< data.startIndex + $0 + 32]) }
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
        // rename(2) replaces the old file atomically: a crash leaves the old keyring or the new one.
        guard rename(temporary, path) == 0 else { throw CryptoFailure.malformedInput("cannot replace root key file \(path)") }
    }

    /// AES-256-GCM under the newest version; `context` (e.g. key id and version) is bound as AAD.
    public func seal(_ secret: some DataProtocol, context: String) throws -> Data {
        guard let combined = try AES.GCM.seal(secret, using: current, authenticating: Data(context.utf8)).combined else {
            throw CryptoFailure.malformedInput("cannot seal")
        }
        return combined
    }

    /// Opens a record sealed under any version, newest first.
    public func open(_ sealed: Data, context: String) throws -> Data {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else {
            throw CryptoFailure.authenticationFailed("sealed record does not open under the root key")
        }
        for key in all {
            if let plain = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8)) { return plain }
        }
        throw CryptoFailure.authenticationFailed("sealed record does not open under the root key")
    }

    /// Whether a record is sealed under the newest version.
    public func isCurrent(_ sealed: Data, context: String) -> Bool {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { return false }
        return (try? AES.GCM.open(box, using: current, authenticating: Data(context.utf8))) != nil
    }

    /// A key for one purpose, derived with HKDF-SHA256 from the newest version.
    public func derivedKey(purpose: String) -> SymmetricKey {
        derivedKeys(purpose: purpose)[0]
    }

    /// The same key derived from every version, newest first: for checking what older versions made.
    public func derivedKeys(purpose: String) -> [SymmetricKey] {
        lock.withLock {
            if let known = derived[purpose] { return known }
            let made = keys.reversed().map { HKDF<SHA256>.deriveKey(inputKeyMaterial: $0, info: Data(purpose.utf8), outputByteCount: 32) }
            derived[purpose] = made
            return made
        }
    }

    /// Adds a fresh version, persisted before it seals anything. Does nothing while one is under way.
    public func beginRotation() throws {
        try lock.withLock {
            guard keys.count == 1 else { return }
            let next = keys + [SymmetricKey(size: .bits256)]
            try persist(next)
            keys = next
        }
    }

    /// Retires every version but the newest, once everything is sealed under it.
    public func finishRotation() throws {
        try lock.withLock {
            guard keys.count > 1 else { return }
            let remaining = [keys[keys.count - 1]]
            try persist(remaining)
            keys = remaining
        }
    }
}
