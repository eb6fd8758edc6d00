public import Foundation
import Crypto
import TrentCrypto

extension KeyService {
    public struct EncryptResult: Sendable {
        public let key: Key
        public let ciphertext: Data
        public let keyMaterialID: String
    }

    public struct DecryptResult: Sendable {
        public let key: Key
        public let plaintext: Data
        public let keyMaterialID: String
    }

    /// `EncryptionAlgorithm` as a symmetric key accepts it.
    static func checkSymmetricAlgorithm(_ algorithm: String?, key: Key) throws {
        if let algorithm, algorithm != "SYMMETRIC_DEFAULT" {
            throw KMSError(.invalidKeyUsage, "Algorithm \(algorithm) is incompatible with key spec \(key.keySpec.rawValue).")
        }
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

    public func encrypt(
        _ keyID: String, plaintext: Data, encryptionContext: [String: String], algorithm: String?, dryRun: Bool,
        call: CallContext
    ) async throws -> EncryptResult {
        let now = now()
        return try await store.write { [self] tx in
            let key = try resolve(keyID, form: .keyOrAlias, call: call, in: tx)
            try Self.checkSymmetricAlgorithm(algorithm, key: key)
            let material = try usableMaterial(of: key, now: now, in: tx)
            if dryRun { throw KMSError(.dryRun, "The request would have succeeded, but the DryRun option is set.") }
            let secret = try openMaterial(material)
            guard let uuid = UUID(uuidString: key.id), let materialBytes = KeyMaterialID.bytes(fromHex: material.id) else {
                throw KMSError(.internal, "malformed key identifiers")
            }
            let ciphertext = try CiphertextEnvelope.seal(
                plaintext, keyID: uuid, keyMaterialID: materialBytes, material: secret, encryptionContext: encryptionContext
            )
            try tx.append(event(call, at: now, key: key))
            return EncryptResult(key: key, ciphertext: ciphertext, keyMaterialID: material.id)
        }
    }

    public func decrypt(
        _ ciphertext: Data, encryptionContext: [String: String], keyID requestedKeyID: String?, algorithm: String?,
        dryRun: Bool, call: CallContext
    ) async throws -> DecryptResult {
        let now = now()
        guard let envelope = try? CiphertextEnvelope(parsing: ciphertext) else {
            throw KMSError.invalidCiphertext()
        }
        let envelopeKeyID = envelope.keyID.uuidString.lowercased()
        let materialID = KeyMaterialID.hex(envelope.keyMaterialID)
        return try await store.write { [self] tx in
            if let requestedKeyID {
                let requested = try resolve(requestedKeyID, form: .keyOrAlias, call: call, in: tx)
                guard requested.id == envelopeKeyID else {
                    throw KMSError(.incorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.")
                }
            }
            guard let key = try tx.key(id: envelopeKeyID), key.account == call.account, key.region == call.region else {
                throw KMSError.invalidCiphertext()
            }
            try Self.checkSymmetricAlgorithm(algorithm, key: key)
            let current = try currentMaterial(of: key, in: tx)
            let state = key.effectiveState(currentMaterial: current, now: now)
            guard state == .enabled else { throw KMSError.invalidState(arn: key.arn, state: state) }
            guard let material = try tx.materials(keyID: key.id).first(where: { $0.id == materialID }) else {
                throw KMSError.invalidCiphertext()
            }
            guard material.isUsable(at: now) else {
                throw KMSError.invalidState(arn: key.arn, state: .pendingImport)
            }
            if dryRun { throw KMSError(.dryRun, "The request would have succeeded, but the DryRun option is set.") }
            let secret = try openMaterial(material)
            let plaintext: Data
            do {
                plaintext = try envelope.open(material: secret, encryptionContext: encryptionContext)
            } catch {
                throw KMSError.invalidCiphertext()
            }
            try tx.append(event(call, at: now, key: key))
            return DecryptResult(key: key, plaintext: plaintext, keyMaterialID: material.id)
        }
    }
}
