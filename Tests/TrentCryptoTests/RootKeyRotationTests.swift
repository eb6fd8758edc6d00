import Crypto
import Foundation
import Testing
@testable import TrentCrypto

@Suite struct RootKeyRotationTests {
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

        try root.finishRotation()
        #expect(root.versions == 1)
        #expect(throws: CryptoFailure.self) { try root.open(old, context: "k1") }
        #expect(try root.open(new, context: "k1") == Data("secret".utf8))
        let reloaded = try RootKey.loadOrCreate(at: path)
        #expect(try reloaded.open(new, context: "k1") == Data("secret".utf8))
        #expect(throws: CryptoFailure.self) { try reloaded.open(new, context: "k2") }
    }
}
