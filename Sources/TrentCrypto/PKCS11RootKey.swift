public import Foundation
import Crypto
import CPKCS11

/// Where a root key held in a PKCS#11 token is: the module, the token, its PIN and the key's label.
public struct PKCS11RootKeySource: Sendable {
    public var module: String
    public var tokenLabel: String
    public var pin: String
    public var keyLabel: String

    public init(module: String, tokenLabel: String, pin: String, keyLabel: String = "trent-root-key") {
        self.module = module
        self.tokenLabel = tokenLabel
        self.pin = pin
        self.keyLabel = keyLabel
    }
}

extension RootKey {
    static let tokenWrapAAD = Data("trent root key sealed by a PKCS#11 token, v1".utf8)

    /// A root key kept sealed by a non-extractable AES-256 key inside a PKCS#11 token. The file at
    /// `path` holds only `IV (12) | AES-GCM(root key versions) | tag (16)`, made by the token:
    /// without the token (and its PIN) the data directory reveals nothing. On first use the token
    /// key and the root key are created.
    public static func loadOrCreate(sealedAt path: String, token source: PKCS11RootKeySource) throws -> RootKey {
        let persist: @Sendable ([SymmetricKey]) throws -> Void = { keys in
            try withToken(source, create: true) { token in
                var plain = keys.flatMap { $0.withUnsafeBytes { [UInt8]($0) } }
                defer { for i in plain.indices { plain[i] = 0 } }
                let iv = SecureRandom.bytes(12)
                var sealed = [UInt8](repeating: 0, count: plain.count + 16)
                var length = 0
                let aad = [UInt8](tokenWrapAAD)
                guard trent_p11_gcm(token, 1, iv, aad, aad.count, plain, plain.count, &sealed, &length) == 1, length == sealed.count else {
                    throw CryptoFailure.malformedInput("PKCS#11: the token cannot encrypt with AES-GCM")
                }
                try writeSynced(Data(iv + sealed), to: path)
            }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            let key = SymmetricKey(size: .bits256)
            try persist([key])
            return RootKey(keys: [key], persist: persist)
        }
        let sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard sealed.count >= 12 + 32 + 16, (sealed.count - 28) % 32 == 0 else {
            throw CryptoFailure.malformedInput("\(path) is not a token-sealed root key")
        }
        let keys = try withToken(source, create: false) { token -> [SymmetricKey] in
            var plain = [UInt8](repeating: 0, count: sealed.count - 12)
            var length = 0
            let aad = [UInt8](tokenWrapAAD)
            let ok = trent_p11_gcm(token, 0, Array(sealed[0..<12]), aad, aad.count, Array(sealed[12...]), sealed.count - 12, &plain, &length)
            defer { for i in plain.indices { plain[i] = 0 } }
            guard ok == 1, length == sealed.count - 28 else {
                throw CryptoFailure.malformedInput("the token's key \(source.keyLabel) does not open \(path): another token or key")
            }
            return versions(Data(plain.prefix(length)))
        }
        return RootKey(keys: keys, persist: persist)
    }

    /// Opens a session on the token, selects (or creates) the key, runs `body`, closes.
    private static func withToken<T>(_ source: PKCS11RootKeySource, create: Bool, _ body: (OpaquePointer) throws -> T) throws -> T {
        let session = try PKCS11Session(module: source.module, tokenLabel: source.tokenLabel, pin: source.pin)
        var message = [CChar](repeating: 0, count: 512)
        guard trent_p11_select_key(session.token, source.keyLabel, create ? 1 : 0, &message, message.count) == 1 else {
            throw CryptoFailure.malformedInput("PKCS#11: " + PKCS11Session.text(message))
        }
        return try body(session.token)
    }
}
