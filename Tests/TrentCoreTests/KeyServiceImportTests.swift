import Crypto
import Foundation
import Testing
@testable import TrentCore
import TrentCrypto
import TrentStore

/// A KeyService over a fresh SQLite store in a temporary directory, with a movable clock.
struct Harness {
    let service: KeyService
    let store: SQLiteKeyStore
    let clock: ManualClock
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "trent-test-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteKeyStore(path: directory + "/trent.sqlite")
        clock = ManualClock()
        service = KeyService(store: store, clock: clock, rootKey: RootKey(SymmetricKey(size: .bits256)), wrappingKeys: WrappingKeyPool())
    }

    func call(_ name: String, region: String = "us-east-1") -> CallContext {
        CallContext(account: "111122223333", region: region, requestID: UUID().uuidString, sourceIPAddress: "127.0.0.1",
                    userAgent: "tests", accessKeyID: "AKIDTEST", eventName: name, requestParameters: nil)
    }

    func externalKey() async throws -> String {
        try await service.createKey(
            CreateKeyInput(description: "", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .external, policy: nil, tags: []),
            call: call("CreateKey")
        ).key.id
    }

    /// GetParametersForImport, wrap `material` client-side, ImportKeyMaterial.
    @discardableResult
    func importMaterial(
        _ material: [UInt8], into keyID: String, algorithm: WrappingAlgorithm = .rsaesOAEPSHA256,
        expirationModel: ExpirationModel = .keyMaterialDoesNotExpire, validTo: Date? = nil
    ) async throws -> String {
        let parameters = try await service.getParametersForImport(keyID, algorithm: algorithm, spec: .rsa2048, call: call("GetParametersForImport"))
        let wrapped = try KeyMaterialWrapper.wrap(material, publicKeyDER: parameters.publicKey, algorithm: algorithm)
        return try await service.importKeyMaterial(
            ImportKeyMaterialInput(keyID: keyID, importToken: parameters.importToken, encryptedKeyMaterial: wrapped,
                                   expirationModel: expirationModel, validTo: validTo, importType: nil, keyMaterialID: nil),
            call: call("ImportKeyMaterial")
        ).keyMaterialID
    }

    func state(_ keyID: String) async throws -> KeyState {
        try await service.describeKey(keyID, call: call("DescribeKey")).state
    }
}

func expectKMSError(_ code: KMSError.Code, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as KMSError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct KeyServiceImportTests {
    let material = (0..<32).map { _ in UInt8.random(in: 0...255) }

    @Test func importEnablesAndEncrypts() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        #expect(try await h.state(keyID) == .pendingImport)
        let materialID = try await h.importMaterial(material, into: keyID)
        #expect(materialID.count == 64)
        #expect(materialID == KeyMaterialID.hex(KeyMaterialID.compute(keyID: keyID, material: SymmetricKey(data: material))))
        #expect(try await h.state(keyID) == .enabled)
        let encrypted = try await h.service.encrypt(keyID, plaintext: Data("hi".utf8), encryptionContext: ["p": "q"], algorithm: nil, dryRun: false, call: h.call("Encrypt"))
        let decrypted = try await h.service.decrypt(encrypted.ciphertext, encryptionContext: ["p": "q"], keyID: nil, algorithm: nil, dryRun: false, call: h.call("Decrypt"))
        #expect(decrypted.plaintext == Data("hi".utf8))
    }

    @Test func reimportOnlyOfTheSameMaterialRestoresOldCiphertexts() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        let firstID = try await h.importMaterial(material, into: keyID)
        let ciphertext = try await h.service.encrypt(keyID, plaintext: Data("old".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: h.call("Encrypt")).ciphertext
        _ = try await h.service.deleteImportedKeyMaterial(keyID, keyMaterialID: nil, call: h.call("DeleteImportedKeyMaterial"))
        #expect(try await h.state(keyID) == .pendingImport)
        await expectKMSError(.invalidState) {
            _ = try await h.service.decrypt(ciphertext, encryptionContext: [:], keyID: nil, algorithm: nil, dryRun: false, call: h.call("Decrypt"))
        }
        await expectKMSError(.incorrectKeyMaterial) {
            try await h.importMaterial(Array(repeating: 1, count: 32), into: keyID)
        }
        #expect(try await h.state(keyID) == .pendingImport)
        #expect(try await h.importMaterial(material, into: keyID, algorithm: .rsaAESKeyWrapSHA1) == firstID)
        let plain = try await h.service.decrypt(ciphertext, encryptionContext: [:], keyID: keyID, algorithm: nil, dryRun: false, call: h.call("Decrypt")).plaintext
        #expect(plain == Data("old".utf8))
    }

    @Test func currentImportCannotBeChangedWithoutDeleting() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        try await h.importMaterial(material, into: keyID)
        await expectKMSError(.invalidState) {
            try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: h.clock.now().addingTimeInterval(3600))
        }
    }

    @Test func tokensAreBoundToKeyExpiryAndWrappingKey() async throws {
        let h = try Harness()
        let keyA = try await h.externalKey(), keyB = try await h.externalKey()
        let params = try await h.service.getParametersForImport(keyA, algorithm: .rsaesOAEPSHA256, spec: .rsa2048, call: h.call("GetParametersForImport"))
        let wrapped = try KeyMaterialWrapper.wrap(material, publicKeyDER: params.publicKey, algorithm: .rsaesOAEPSHA256)
        func attempt(_ key: String, token: Data, wrapped: Data) async throws {
            _ = try await h.service.importKeyMaterial(
                ImportKeyMaterialInput(keyID: key, importToken: token, encryptedKeyMaterial: wrapped, expirationModel: .keyMaterialDoesNotExpire,
                                       validTo: nil, importType: nil, keyMaterialID: nil),
                call: h.call("ImportKeyMaterial"))
        }
        await expectKMSError(.invalidImportToken) { try await attempt(keyB, token: params.importToken, wrapped: wrapped) }
        var forged = params.importToken
        forged[20] ^= 1
        await expectKMSError(.invalidImportToken) { try await attempt(keyA, token: forged, wrapped: wrapped) }
        await expectKMSError(.invalidImportToken) { try await attempt(keyA, token: params.importToken.prefix(40), wrapped: wrapped) }
        // Material wrapped under another pair's public key does not unwrap.
        let other = try await h.service.getParametersForImport(keyA, algorithm: .rsaesOAEPSHA256, spec: .rsa2048, call: h.call("GetParametersForImport"))
        let wrappedForOther = try KeyMaterialWrapper.wrap(material, publicKeyDER: other.publicKey, algorithm: .rsaesOAEPSHA256)
        await expectKMSError(.invalidCiphertext) { try await attempt(keyA, token: params.importToken, wrapped: wrappedForOther) }
        // Nothing above changed the key; after 24 hours the token has expired.
        #expect(try await h.state(keyA) == .pendingImport)
        h.clock.advance(by: 24 * 3600 + 1)
        await expectKMSError(.expiredImportToken) { try await attempt(keyA, token: params.importToken, wrapped: wrapped) }
    }

    @Test func wrongMaterialLengthIsRejected() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        await expectKMSError(.incorrectKeyMaterial) { try await h.importMaterial(Array(repeating: 9, count: 16), into: keyID) }
        #expect(try await h.state(keyID) == .pendingImport)
    }

    @Test func validToRules() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        let now = h.clock.now()
        await expectKMSError(.validation) { try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: nil) }
        await expectKMSError(.validation) { try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: now.addingTimeInterval(-1)) }
        await expectKMSError(.validation) { try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: now.addingTimeInterval(366 * 86400)) }
        await expectKMSError(.validation) { try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialDoesNotExpire, validTo: now.addingTimeInterval(3600)) }
        try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: now.addingTimeInterval(364 * 86400))
        let description = try await h.service.describeKey(keyID, call: h.call("DescribeKey"))
        #expect(description.expirationModel == .keyMaterialExpires)
        #expect(description.validTo != nil)
    }

    @Test func expiryIsImmediateAndTheSweepMakesItDurable() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        try await h.importMaterial(material, into: keyID, expirationModel: .keyMaterialExpires, validTo: h.clock.now().addingTimeInterval(3600))
        let ciphertext = try await h.service.encrypt(keyID, plaintext: Data("x".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: h.call("Encrypt")).ciphertext
        h.clock.advance(by: 3601)
        // Before any sweep: gone for every operation.
        #expect(try await h.state(keyID) == .pendingImport)
        await expectKMSError(.invalidState) {
            _ = try await h.service.encrypt(keyID, plaintext: Data("x".utf8), encryptionContext: [:], algorithm: nil, dryRun: false, call: h.call("Encrypt"))
        }
        #expect(try await h.store.read { try $0.key(id: keyID)?.state } == .enabled)
        let report = try await h.service.sweep()
        #expect(report.expiredMaterials == 1)
        #expect(try await h.store.read { try $0.key(id: keyID)?.state } == .pendingImport)
        let materials = try await h.store.read { try $0.materials(keyID: keyID) }
        #expect(materials.allSatisfy { !$0.isPresent })
        let events = try await h.store.read { try $0.auditEvents(AuditQuery(eventName: "DeleteExpiredKeyMaterial")) }
        #expect(events.count == 1 && events[0].eventType == .serviceEvent && events[0].keyID == keyID)
        #expect(try await h.service.sweep().expiredMaterials == 0)
        // The same material brings the key and its ciphertexts back.
        try await h.importMaterial(material, into: keyID)
        #expect(try await h.service.decrypt(ciphertext, encryptionContext: [:], keyID: nil, algorithm: nil, dryRun: false, call: h.call("Decrypt")).plaintext == Data("x".utf8))
    }

    @Test func importOperationsRefuseNonExternalKeysAndAliases() async throws {
        let h = try Harness()
        let kmsKey = try await h.service.createKey(
            CreateKeyInput(description: "", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, policy: nil, tags: []),
            call: h.call("CreateKey")).key
        await expectKMSError(.unsupportedOperation) {
            _ = try await h.service.getParametersForImport(kmsKey.id, algorithm: .rsaesOAEPSHA256, spec: .rsa2048, call: h.call("GetParametersForImport"))
        }
        try await h.service.createAlias("alias/ext", targetKeyID: kmsKey.id, call: h.call("CreateAlias"))
        await expectKMSError(.notFound) {
            _ = try await h.service.getParametersForImport("alias/ext", algorithm: .rsaesOAEPSHA256, spec: .rsa2048, call: h.call("GetParametersForImport"))
        }
        await expectKMSError(.notFound) { _ = try await h.service.describeKey("alias/missing", call: h.call("DescribeKey")) }
        await expectKMSError(.notFound) { _ = try await h.service.describeKey("not-a-key", call: h.call("DescribeKey")) }
        #expect(try await h.service.describeKey("alias/ext", call: h.call("DescribeKey")).key.id == kmsKey.id)
        // Keys live in their region.
        await expectKMSError(.notFound) { _ = try await h.service.describeKey(kmsKey.id, call: h.call("DescribeKey", region: "eu-west-1")) }
    }

    @Test func stateChangesWriteTheirAuditEventInTheSameTransaction() async throws {
        let h = try Harness()
        let keyID = try await h.externalKey()
        try await h.importMaterial(material, into: keyID)
        let events = try await h.store.read { try $0.auditEvents(AuditQuery(eventName: "ImportKeyMaterial")) }
        #expect(events.count == 1)
        #expect(events[0].responseElements?["keyMaterialId"]?.stringValue?.count == 64)
        let failed = try await h.store.read { try $0.auditEvents(AuditQuery(keyID: keyID)) }
        #expect(failed.allSatisfy { $0.errorCode == nil })
    }
}

@Suite struct WrappingKeyPoolTests {
    @Test func poolHandsOutDistinctPairsAndRefills() async throws {
        let pool = WrappingKeyPool(configuration: .init(pairsPerSpec: 2))
        await pool.fill()
        #expect(await pool.readyCount(.rsa2048) == 2)
        #expect(await pool.readyCount(.rsa4096) == 2)
        let a = try await pool.take(.rsa2048), b = try await pool.take(.rsa2048), c = try await pool.take(.rsa2048)
        #expect(Set([a.publicKeyDER, b.publicKeyDER, c.publicKeyDER]).count == 3)
        #expect(await pool.readyCount(.rsa2048) == 0)
        await pool.fill()
        #expect(await pool.readyCount(.rsa2048) == 2)
    }
}
