import Foundation
import Testing
@testable import TrentCore
import TrentCrypto
import Crypto

@Suite struct KeyServiceCryptoTests {
    @Test func dataKeysDecryptToTheirPlaintext() async throws {
        let h = try Harness()
        let key = try await h.kmsKey()
        let dataKey = try await h.service.generateDataKey(key.id, byteCount: 32, encryptionContext: ["a": "1"], includePlaintext: true, dryRun: false, call: h.call("GenerateDataKey"))
        #expect(dataKey.plaintext?.count == 32)
        let opened = try await h.service.decrypt(dataKey.ciphertext, encryptionContext: ["a": "1"], keyID: nil, algorithm: nil, dryRun: false, call: h.call("Decrypt"))
        #expect(opened.plaintext == dataKey.plaintext)
        let hidden = try await h.service.generateDataKey(key.id, byteCount: 16, encryptionContext: [:], includePlaintext: false, dryRun: false, call: h.call("GenerateDataKeyWithoutPlaintext"))
        #expect(hidden.plaintext == nil)
    }

    /// The envelope's bytes kept with an opened material are those of its key's id (a multi-Region
    /// key's too, stored under `region/mrk-…`) and of its material id.
    @Test func openedMaterialsCarryTheEnvelopesIDs() {
        let secret = SymmetricKey(size: .bits256)
        let materialID = String(repeating: "0f", count: 32)
        for (storageID, keyID) in [("1234abcd-12ab-34cd-56ef-1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890ab"),
                                   ("eu-west-1/mrk-1234abcd12ab34cd56ef1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab")] {
            let material = KeyMaterial(keyID: storageID, id: materialID, origin: .generated, sealedMaterial: Data([1]),
                                       expirationModel: nil, validTo: nil, importedAt: nil)
            let opened = KeyService.OpenedMaterial(material, secret: secret)
            #expect(opened.keyID == keyID)
            #expect(opened.keyIDBytes != nil)
            #expect(opened.keyIDBytes == KeyService.envelopeKeyIDBytes(keyID))
            #expect(opened.materialIDBytes == KeyMaterialID.bytes(fromHex: materialID))
        }
    }

    /// Key ids are found whatever the case of their hex digits, as an id or in an ARN.
    @Test func keyIDsAreFoundInAnyCase() async throws {
        let h = try Harness()
        let key = try await h.kmsKey()
        for reference in [key.id.uppercased(), key.id.prefix(9).uppercased() + key.id.dropFirst(9), "arn:aws:kms:us-east-1:111122223333:key/" + key.id.uppercased()] {
            #expect(try await h.service.describeKey(reference, call: h.call("DescribeKey")).key.id == key.id, "\(reference)")
        }
    }

    @Test func reEncryptMovesCiphertextsBetweenKeys() async throws {
        let h = try Harness()
        let a = try await h.kmsKey(), b = try await h.kmsKey()
        let sealed = try await h.service.encrypt(a.id, plaintext: Data("m".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: h.call("Encrypt"))
        let moved = try await h.service.reEncrypt(
            sealed.ciphertext, sourceEncryptionContext: [:], sourceKeyID: nil, sourceAlgorithm: nil, destinationKeyID: b.id,
            destinationEncryptionContext: ["to": "b"], destinationAlgorithm: nil, dryRun: false, call: h.call("ReEncrypt"))
        #expect(moved.source.key.id == a.id && moved.destination.key.id == b.id)
        #expect(moved.source.plaintext.isEmpty)  // the plaintext is not handed back
        let opened = try await h.service.decrypt(moved.destination.ciphertext, encryptionContext: ["to": "b"], keyID: b.id, algorithm: nil, dryRun: false, call: h.call("Decrypt"))
        #expect(opened.plaintext == Data("m".utf8))
        await expectKMSError(.dryRun) {
            _ = try await h.service.encrypt(a.id, plaintext: Data("m".utf8), encryptionContext: [:], algorithm: nil, dryRun: true, call: h.call("Encrypt"))
        }
        await expectKMSError(.invalidKeyUsage) {
            _ = try await h.service.encrypt(a.id, plaintext: Data("m".utf8), encryptionContext: [:], algorithm: "RSAES_OAEP_SHA_256", dryRun: false, call: h.call("Encrypt"))
        }
    }

    @Test func automaticRotationKeepsOldCiphertextsReadable() async throws {
        let h = try Harness()
        let key = try await h.kmsKey()
        try await h.service.enableKeyRotation(key.id, periodInDays: 90, call: h.call("EnableKeyRotation"))
        let old = try await h.service.encrypt(key.id, plaintext: Data("o".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: h.call("Encrypt"))
        h.clock.advance(by: 89 * 86400)
        #expect(try await h.service.sweep().rotatedKeys == 0)
        h.clock.advance(by: 2 * 86400)
        #expect(try await h.service.sweep().rotatedKeys == 1)
        let new = try await h.service.encrypt(key.id, plaintext: Data("n".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: h.call("Encrypt"))
        #expect(new.keyMaterialID != old.keyMaterialID)
        let reopened = try await h.service.decrypt(old.ciphertext, encryptionContext: [:], keyID: nil, algorithm: nil, dryRun: false, call: h.call("Decrypt"))
        #expect(reopened.plaintext == Data("o".utf8) && reopened.keyMaterialID == old.keyMaterialID)
        let page = try await h.service.listKeyRotations(key.id, includeAllMaterial: true, limit: nil, marker: nil, call: h.call("ListKeyRotations"))
        #expect(page.entries.map(\.isCurrent) == [false, true])
        #expect(page.entries.last?.material.rotationType == .automatic)
    }

    @Test func tagAndPolicyRules() throws {
        #expect(throws: KMSError(.tag, "")) { try KeyService.checkTags([Tag(key: "aws:x", value: "")]) }
        #expect(throws: KMSError(.tag, "")) { try KeyService.checkTags([Tag(key: "a", value: "1"), Tag(key: "a", value: "2")]) }
        #expect(throws: KMSError(.limitExceeded, "")) { try KeyService.checkTags((0...50).map { Tag(key: "k\($0)", value: "") }) }
        try KeyService.checkTags((0..<50).map { Tag(key: "k\($0)", value: "") })
        try KeyService.checkPolicy(KeyService.defaultPolicy(account: "111122223333"))
        #expect(throws: KMSError(.malformedPolicyDocument, "")) { try KeyService.checkPolicy("{}") }
        #expect(throws: KMSError(.malformedPolicyDocument, "")) { try KeyService.checkPolicy("[1]") }
    }
}
