import Crypto
import Foundation
import Testing
@testable import TrentCrypto

@Suite struct RootKeyRotationTests {
    /// A derived key is HKDF-SHA256 of the root key with the purpose as info, whether made now or kept.
    @Test func derivedKeysAreHKDFOfTheRootKey() {
        let key = SymmetricKey(data: Array(repeating: UInt8(1), count: 32))
        let root = RootKey(key)
        let expected = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("purpose".utf8), outputByteCount: 32)
        #expect(root.derivedKey(purpose: "purpose") == expected && root.derivedKey(purpose: "purpose") == expected)
        #expect(root.derivedKeys(purpose: "purpose") == [expected] && root.derivedKey(purpose: "other") != expected)
    }

    @Test func rotationKeepsEveryRecordOpenAndRetiresTheOldVersion() throws {
        let path = NSTemporaryDirectory() + "trent-root-\(UUID()).key"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let root = try RootKey.loadOrCreate(at: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 32)
        let old = try root.seal(Data("secret".utf8), context: "k1")
        let oldToken = root.derivedKey(purpose: "p")

        try root.beginRotation()
        #expect(root.versions == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 64)  // persisted before use
        #expect(!root.isCurrent(old, context: "k1"))
        #expect(try root.open(old, context: "k1") == Data("secret".utf8))
        let new = try root.seal(Data("secret".utf8), context: "k1")
        #expect(root.isCurrent(new, context: "k1"))
        #expect(root.derivedKeys(purpose: "p").contains(oldToken) && root.derivedKey(purpose: "p") != oldToken)
        let newToken = root.derivedKey(purpose: "p")

        try root.finishRotation()
        #expect(root.versions == 1)
        // Derived keys are kept per purpose; the retired version's are forgotten with it.
        #expect(root.derivedKeys(purpose: "p") == [newToken] && root.derivedKey(purpose: "q") != newToken)
        #expect(throws: CryptoFailure.self) { try root.open(old, context: "k1") }
        #expect(try root.open(new, context: "k1") == Data("secret".utf8))
        let reloaded = try RootKey.loadOrCreate(at: path)
        #expect(try reloaded.open(new, context: "k1") == Data("secret".utf8))
        #expect(throws: CryptoFailure.self) { try reloaded.open(new, context: "k2") }
    }
}
