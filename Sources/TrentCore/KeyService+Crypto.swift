public import Foundation
import Crypto
import TrentCrypto

/// Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom: all built on `seal` and `open`,
/// which run inside the caller's transaction.
extension KeyService {
    public struct EncryptResult: Sendable {
        public let key: Key
        public let ciphertext: Data
        public let keyMaterialID: String
        public var algorithm: String = "SYMMETRIC_DEFAULT"
    }

    public struct DecryptResult: Sendable {
        public let key: Key
        public let plaintext: Data
        public let keyMaterialID: String
        public var algorithm: String = "SYMMETRIC_DEFAULT"
    }

    public struct DataKeyResult: Sendable {
        public let key: Key
        public let ciphertext: Data
        /// `nil` for GenerateDataKeyWithoutPlaintext.
        public let plaintext: Data?
        public let keyMaterialID: String
    }

    public struct ReEncryptResult: Sendable {
        public let source: DecryptResult
        public let destination: EncryptResult
    }

    static let dryRunError = KMSError(.dryRun, "The request would have succeeded, but the DryRun option is set.")

    /// `EncryptionAlgorithm` as the key accepts it: SYMMETRIC_DEFAULT (or nothing) for symmetric
    /// keys, RSAES_OAEP_SHA_1/256 for RSA keys. Returns the RSA algorithm, `nil` for symmetric.
    static func encryptionAlgorithm(_ name: String?, for key: Key) throws -> AsymmetricEncryptionAlgorithm? {
        let name = name ?? "SYMMETRIC_DEFAULT"
        if key.keySpec == .symmetricDefault, name == "SYMMETRIC_DEFAULT" { return nil }
        if key.keySpec.asymmetric?.isRSA == true, let algorithm = AsymmetricEncryptionAlgorithm(rawValue: name) { return algorithm }
        throw KMSError(.invalidKeyUsage, "Algorithm \(name) is incompatible with key spec \(key.keySpec.rawValue).")
    }

    /// The key must be usable for cryptography now; returns its usable current material.
    func usableMaterial(of key: Key, now: Date, in reader: any KeyStoreReader) throws -> KeyMaterial {
        let material = try currentMaterial(of: key, in: reader)
        let state = key.effectiveState(currentMaterial: material, now: now)
        guard state == .enabled, let material, material.isUsable(at: now) else {
            throw KMSError.invalidState(arn: key.arn, state: state == .enabled ? .pendingImport : state)
        }
        return material
    }

    /// Resolves a key and checks that its usage allows the operation.
    func keyForUsage(_ keyID: String, _ usage: KeyUsage, call: CallContext, in tx: any KeyStoreReader) throws -> Key {
        let key = try resolve(keyID, form: .keyOrAlias, call: call, in: tx)
        guard key.keyUsage == usage else {
            throw KMSError(.invalidKeyUsage, "\(key.arn) key usage is \(key.keyUsage.rawValue) which is not valid for \(call.eventName).")
        }
        return key
    }

    /// Resolves a key for encryption and checks that it can encrypt now.
    func encryptionKey(_ keyID: String, call: CallContext, now: Date, in tx: any KeyStoreReader) throws -> (Key, KeyMaterial) {
        let key = try keyForUsage(keyID, .encryptDecrypt, call: call, in: tx)
        return (key, try usableMaterial(of: key, now: now, in: tx))
    }

    /// The asymmetric key held in `material`.
    func asymmetricKey(_ key: Key, material: KeyMaterial) throws -> AsymmetricKey {
        guard let keyCache else { return try parseAsymmetricKey(key, material: material) }
        return try keyCache.opened(material, as: AsymmetricKey.self) { try parseAsymmetricKey(key, material: material) }
    }

    private func parseAsymmetricKey(_ key: Key, material: KeyMaterial) throws -> AsymmetricKey {
        guard let spec = key.keySpec.asymmetric else { throw KMSError(.internal, "not an asymmetric key") }
        return try unsealMaterial(material).withUnsafeBytes { bytes in
            do { return try AsymmetricKey(pkcs8DER: Data(bytes), spec: spec) } catch {
                throw KMSError(.internal, "stored key material is not a private key of its spec")
            }
        }
    }

    /// Seals `plaintext` under the key's current material: Trent's envelope for symmetric keys,
    /// RSA-OAEP for RSA keys.
    func seal(_ plaintext: Data, key: Key, material: KeyMaterial, encryptionContext: [String: String], algorithm: AsymmetricEncryptionAlgorithm? = nil) throws -> Data {
        if let algorithm {
            if !encryptionContext.isEmpty {
                throw KMSError.validation("EncryptionContext is supported only with symmetric encryption KMS keys.")
            }
            let rsa = try asymmetricKey(key, material: material)
            let limit = algorithm.maximumPlaintext(modulusBytes: rsa.spec.rsaModulusBytes ?? 0)
            guard plaintext.count <= limit else {
                throw KMSError.validation("Algorithm \(algorithm.rawValue) and key spec \(key.keySpec.rawValue) cannot encrypt data larger than \(limit) bytes.")
            }
            do { return try rsa.encrypt(plaintext, algorithm: algorithm) } catch { throw KMSError(.internal, "RSA encryption failed") }
        }
        let opened = try openedMaterial(material)
        guard let idBytes = opened.keyID == key.id ? opened.keyIDBytes : Self.envelopeKeyIDBytes(key.id),
              let materialBytes = opened.materialIDBytes
        else {
            throw KMSError(.internal, "malformed key identifiers")
        }
        return try CiphertextEnvelope.seal(plaintext, keyIDBytes: idBytes, isMultiRegion: key.isMultiRegion, keyMaterialID: materialBytes,
                                           material: opened.secret, encryptionContext: encryptionContext)
    }

    /// Decrypt needs kms:Decrypt on the ciphertext's key; ReEncrypt kms:ReEncryptFrom.
    private func sourceAction(_ call: CallContext) -> String {
        call.eventName == "ReEncrypt" ? "kms:ReEncryptFrom" : "kms:" + call.eventName
    }

    /// Opens a ciphertext. Symmetric: the envelope names its key and material, which must be
    /// usable now. RSA: the request names the key (`KeyId` is required) and the algorithm.
    func open(
        _ ciphertext: Data, encryptionContext: [String: String], requestedKeyID: String?, algorithm: String?,
        dryRun: Bool, call: CallContext, now: Date, in tx: any KeyStoreReader
    ) throws -> DecryptResult {
        var requested: Key?
        if let requestedKeyID {
            requested = try resolve(requestedKeyID, form: .keyOrAlias, call: call, action: sourceAction(call), in: tx)
            if requested?.keyUsage != .encryptDecrypt {
                throw KMSError(.incorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.")
            }
        }
        if let requested, requested.keySpec != .symmetricDefault {
            let rsaAlgorithm = try Self.encryptionAlgorithm(algorithm, for: requested)!
            let material = try usableMaterial(of: requested, now: now, in: tx)
            if !encryptionContext.isEmpty {
                throw KMSError.validation("EncryptionContext is supported only with symmetric encryption KMS keys.")
            }
            if dryRun { throw Self.dryRunError }
            do {
                let plaintext = try asymmetricKey(requested, material: material).decrypt(ciphertext, algorithm: rsaAlgorithm)
                return DecryptResult(key: requested, plaintext: plaintext, keyMaterialID: material.id, algorithm: rsaAlgorithm.rawValue)
            } catch {
                throw KMSError.invalidCiphertext()
            }
        }
        guard let envelope = try? CiphertextEnvelope(parsing: ciphertext) else { throw KMSError.invalidCiphertext() }
        let envelopeKeyID = Self.keyID(envelopeBytes: envelope.keyIDBytes, isMultiRegion: envelope.isMultiRegion)
        let materialID = KeyMaterialID.hex(envelope.keyMaterialID)
        if let requested, requested.id != envelopeKeyID {
            throw KMSError(.incorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.")
        }
        // The ciphertext names its key; a key of another account answers if its policy allows.
        guard let key = try tx.key(id: Key.storageID(id: envelopeKeyID, region: call.region)), key.region == call.region,
              key.keySpec == .symmetricDefault
        else {
            throw KMSError.invalidCiphertext()
        }
        if requested == nil { try authorize(call, key: key, action: sourceAction(call), in: tx) }
        _ = try Self.encryptionAlgorithm(algorithm, for: key)
        let state = key.effectiveState(currentMaterial: try currentMaterial(of: key, in: tx), now: now)
        guard state == .enabled else { throw KMSError.invalidState(arn: key.arn, state: state) }
        guard let material = try tx.materials(keyID: key.storageID).first(where: { $0.id == materialID }) else {
            throw KMSError.invalidCiphertext()
        }
        guard material.isUsable(at: now) else { throw KMSError.invalidState(arn: key.arn, state: .pendingImport) }
        if dryRun { throw Self.dryRunError }
        let secret = try openMaterial(material)
        do {
            let plaintext = try envelope.open(material: secret, encryptionContext: encryptionContext)
            return DecryptResult(key: key, plaintext: plaintext, keyMaterialID: material.id)
        } catch {
            throw KMSError.invalidCiphertext()
        }
    }

    public func encrypt(
        _ keyID: String, plaintext: Data, encryptionContext: [String: String], algorithm: String?, dryRun: Bool,
        call: CallContext
    ) async throws -> EncryptResult {
        let now = now()
        return try await readOnly { [self] tx in
            let (key, material) = try encryptionKey(keyID, call: call, now: now, in: tx)
            let rsaAlgorithm = try Self.encryptionAlgorithm(algorithm, for: key)
            if dryRun { throw Self.dryRunError }
            let ciphertext = try seal(plaintext, key: key, material: material, encryptionContext: encryptionContext, algorithm: rsaAlgorithm)
            return (EncryptResult(key: key, ciphertext: ciphertext, keyMaterialID: material.id, algorithm: rsaAlgorithm?.rawValue ?? "SYMMETRIC_DEFAULT"),
                    event(call, at: now, key: key))
        }
    }

    public func decrypt(
        _ ciphertext: Data, encryptionContext: [String: String], keyID requestedKeyID: String?, algorithm: String?,
        dryRun: Bool, call: CallContext
    ) async throws -> DecryptResult {
        let now = now()
        return try await readOnly { [self] tx in
            let result = try open(ciphertext, encryptionContext: encryptionContext, requestedKeyID: requestedKeyID,
                                  algorithm: algorithm, dryRun: dryRun, call: call, now: now, in: tx)
            return (result, event(call, at: now, key: result.key))
        }
    }

    /// A material's secret opened under the root key (once, kept in the key cache), with the bytes
    /// the ciphertext envelope names it and its key by: converting the two ids from text on every
    /// Encrypt was about 2.8k instructions.
    final class OpenedMaterial: Sendable {
        let secret: SymmetricKey
        let materialIDBytes: [UInt8]?
        /// The id of the key the material belongs to (not its storage id), and its envelope bytes.
        let keyID: String
        let keyIDBytes: [UInt8]?

        init(_ material: KeyMaterial, secret: SymmetricKey) {
            self.secret = secret
            materialIDBytes = KeyMaterialID.bytes(fromHex: material.id)
            keyID = Key.keyID(fromStorageID: material.keyID)
            keyIDBytes = KeyService.envelopeKeyIDBytes(keyID)
        }
    }

    /// The 16 id bytes an envelope carries: the UUID, or the hex digits after `mrk-`.
    static func envelopeKeyIDBytes(_ id: String) -> [UInt8]? {
        if id.hasPrefix("mrk-") { return KeyMaterialID.bytes(fromHex: String(id.dropFirst(4))) }
        return UUIDText.bytes(id)
    }

    static func keyID(envelopeBytes bytes: [UInt8], isMultiRegion: Bool) -> String {
        if isMultiRegion { return "mrk-" + KeyMaterialID.hex(bytes) }
        return UUIDText.text(bytes)
    }

    /// Data keys and data key pairs are encrypted under symmetric encryption keys only.
    func symmetricEncryptionKey(_ keyID: String, call: CallContext, now: Date, in tx: any KeyStoreReader) throws -> (Key, KeyMaterial) {
        let (key, material) = try encryptionKey(keyID, call: call, now: now, in: tx)
        guard key.keySpec == .symmetricDefault else {
            throw KMSError(.invalidKeyUsage, "\(key.arn) key spec is \(key.keySpec.rawValue) which is not valid for \(call.eventName).")
        }
        return (key, material)
    }

    /// GenerateDataKey(WithoutPlaintext): random bytes, returned encrypted under the key.
    public func generateDataKey(
        _ keyID: String, byteCount: Int, encryptionContext: [String: String], includePlaintext: Bool, dryRun: Bool,
        call: CallContext
    ) async throws -> DataKeyResult {
        let now = now()
        return try await readOnly { [self] tx in
            let (key, material) = try symmetricEncryptionKey(keyID, call: call, now: now, in: tx)
            if dryRun { throw Self.dryRunError }
            var bytes = Self.randomBytes(byteCount)
            defer { zero(&bytes) }
            let ciphertext = try seal(Data(bytes), key: key, material: material, encryptionContext: encryptionContext)
            return (DataKeyResult(key: key, ciphertext: ciphertext, plaintext: includePlaintext ? Data(bytes) : nil, keyMaterialID: material.id),
                    event(call, at: now, key: key))
        }
    }

    /// ReEncrypt: opens under the source key and seals under the destination key in one step;
    /// the plaintext never leaves the server.
    public func reEncrypt(
        _ ciphertext: Data, sourceEncryptionContext: [String: String], sourceKeyID: String?, sourceAlgorithm: String?,
        destinationKeyID: String, destinationEncryptionContext: [String: String], destinationAlgorithm: String?,
        dryRun: Bool, call: CallContext
    ) async throws -> ReEncryptResult {
        let now = now()
        return try await readOnly { [self] tx in
            let (destinationKey, destinationMaterial) = try encryptionKey(destinationKeyID, call: call, now: now, in: tx)
            let rsaAlgorithm = try Self.encryptionAlgorithm(destinationAlgorithm, for: destinationKey)
            let source = try open(ciphertext, encryptionContext: sourceEncryptionContext, requestedKeyID: sourceKeyID,
                                  algorithm: sourceAlgorithm, dryRun: dryRun, call: call, now: now, in: tx)
            let sealed = try seal(source.plaintext, key: destinationKey, material: destinationMaterial,
                                  encryptionContext: destinationEncryptionContext, algorithm: rsaAlgorithm)
            var record = event(call, at: now, key: destinationKey)
            record.resourceARNs = [source.key.arn, destinationKey.arn]
            return (ReEncryptResult(
                source: DecryptResult(key: source.key, plaintext: Data(), keyMaterialID: source.keyMaterialID, algorithm: source.algorithm),
                destination: EncryptResult(key: destinationKey, ciphertext: sealed, keyMaterialID: destinationMaterial.id,
                                           algorithm: rsaAlgorithm?.rawValue ?? "SYMMETRIC_DEFAULT")
            ), record)
        }
    }

    /// GenerateRandom: bytes from the system's secure generator.
    public func generateRandom(byteCount: Int, call: CallContext) async throws -> Data {
        try authorizeWithoutKey(call)  // no key resource: IAM identity policies decide
        let now = now()
        let bytes = Data(Self.randomBytes(byteCount))
        try await recordReadOnly(event(call, at: now, key: nil))
        return bytes
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        SecureRandom.bytes(count)
    }
}
