public import Foundation
import Crypto
public import TrentCrypto

/// What `ImportKeyMaterial` asks for, after the server checked the wire constraints.
public struct ImportKeyMaterialInput: Sendable {
    public enum ImportType: String, Sendable {
        case newKeyMaterial = "NEW_KEY_MATERIAL"
        case existingKeyMaterial = "EXISTING_KEY_MATERIAL"
    }

    public var keyID: String
    public var importToken: Data
    public var encryptedKeyMaterial: Data
    public var expirationModel: ExpirationModel?
    public var validTo: Date?
    public var importType: ImportType?
    public var keyMaterialID: String?
    public var keyMaterialDescription: String?

    public init(
        keyID: String, importToken: Data, encryptedKeyMaterial: Data, expirationModel: ExpirationModel?,
        validTo: Date?, importType: ImportType?, keyMaterialID: String?, keyMaterialDescription: String? = nil
    ) {
        self.keyMaterialDescription = keyMaterialDescription
        self.keyID = keyID
        self.importToken = importToken
        self.encryptedKeyMaterial = encryptedKeyMaterial
        self.expirationModel = expirationModel
        self.validTo = validTo
        self.importType = importType
        self.keyMaterialID = keyMaterialID
    }
}

public struct ImportParametersResult: Sendable {
    public let key: Key
    public let publicKey: Data
    public let importToken: Data
    public let parametersValidTo: Date
}

extension KeyService {
    public func getParametersForImport(
        _ keyID: String, algorithm: WrappingAlgorithm, spec: WrappingKeySpec, call: CallContext
    ) async throws -> ImportParametersResult {
        // Check the key before spending time on a key pair.
        let precheckNow = now()
        _ = try await store.read { [self] reader in
            let key = try resolve(keyID, form: .keyOnly, call: call, in: reader)
            try checkImportable(key, now: precheckNow)
            try Self.checkWrapping(algorithm, spec, for: key)
        }
        let pair = try await wrappingKeys.take(spec)
        let now = now()
        let tokenID = KeyMaterialID.hex(Self.randomBytes(16))
        let expiresAt = now.addingTimeInterval(configuration.importParametersLifetime)
        let result = try await store.write { [self] tx in
            // Sealed inside the transaction, so a root key rotation never misses it.
            let sealedPrivate = try rootKey.seal(pair.privateKeyDER, context: ImportParameters.sealingContext(tokenID: tokenID))
            let key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            try checkImportable(key, now: now)
            try tx.deleteImportParameters(expiredAt: now)
            try tx.insert(ImportParameters(
                tokenID: tokenID, keyID: key.storageID, algorithm: algorithm, spec: spec,
                sealedPrivateKey: sealedPrivate, expiresAt: expiresAt
            ))
            let token = ImportToken(tokenID: tokenID, keyID: key.id, algorithm: algorithm, spec: spec, expiresAt: expiresAt)
            try tx.append(event(call, at: now, key: key))
            return ImportParametersResult(
                key: key, publicKey: pair.publicKeyDER, importToken: token.sealed(with: tokenMACKey),
                parametersValidTo: expiresAt
            )
        }
        issuedWrappingKeys.remember(pair, tokenID: tokenID)
        return result
    }

    /// Every material version of a key, or, for a multi-Region key, of every key in its set:
    /// all of them must hold the same material.
    func materialsOfSet(_ key: Key, in reader: any KeyStoreReader) throws -> [KeyMaterial] {
        guard key.isMultiRegion else { return try reader.materials(keyID: key.storageID) }
        return try reader.multiRegionKeys(id: key.id, account: key.account).flatMap { try reader.materials(keyID: $0.storageID) }
    }

    /// Symmetric and HMAC material by length; asymmetric material must be a PKCS#8 private key
    /// of the key's spec (type, modulus size, curve).
    static func checkImportedMaterial(_ plain: [UInt8], for spec: KeySpec) throws {
        if let asymmetric = spec.asymmetric {
            do {
                _ = try AsymmetricKey(pkcs8DER: Data(plain), spec: asymmetric)
            } catch {
                throw KMSError(.incorrectKeyMaterial, "The key material is not a PKCS#8 DER private key of key spec \(spec.rawValue).")
            }
            return
        }
        let lengths = spec.importableMaterialBytes
        guard lengths.contains(plain.count) else {
            let expected = lengths.count == 1 ? "\(lengths.lowerBound * 8) bits (\(lengths.lowerBound) bytes)" : "\(lengths.lowerBound) to \(lengths.upperBound) bytes"
            throw KMSError(.incorrectKeyMaterial, "Key material for a \(spec.rawValue) key must be \(expected); the unwrapped material is \(plain.count) bytes.")
        }
    }

    /// AWS's restrictions on wrapping: RSA private keys need RSA_AES key wrap, and ECC_NIST_P521
    /// material does not fit RSAES_OAEP under an RSA_2048 wrapping key.
    static func checkWrapping(_ algorithm: WrappingAlgorithm, _ spec: WrappingKeySpec, for key: Key) throws {
        guard !algorithm.isKeyWrap else { return }
        if key.keySpec.asymmetric?.isRSA == true {
            throw KMSError.validation("To import an RSA private key, you must use an RSA_AES wrapping algorithm (RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256).")
        }
        if key.keySpec == .eccNistP521, spec == .rsa2048 {
            throw KMSError.validation("You cannot use the \(algorithm.rawValue) wrapping algorithm with the RSA_2048 wrapping key spec to wrap ECC_NIST_P521 key material.")
        }
    }

    private func checkImportable(_ key: Key, now: Date) throws {
        guard key.origin == .external else {
            throw KMSError.unsupported("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
        }
        if key.state.isBeingDeleted {
            throw KMSError.invalidState(arn: key.arn, state: key.state)
        }
    }

    public func importKeyMaterial(_ input: ImportKeyMaterialInput, call: CallContext) async throws -> (key: Key, keyMaterialID: String) {
        let now = now()
        let expirationModel = input.expirationModel ?? .keyMaterialExpires
        switch expirationModel {
        case .keyMaterialExpires:
            guard let validTo = input.validTo else {
                throw KMSError.validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
            }
            guard validTo > now else {
                throw KMSError.validation("ValidTo must be a future date and time.")
            }
            guard validTo <= now.addingTimeInterval(configuration.maximumValidToInterval) else {
                throw KMSError.validation("ValidTo must be no more than 365 days from the request date.")
            }
        case .keyMaterialDoesNotExpire:
            guard input.validTo == nil else {
                throw KMSError.validation("A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE")
            }
        }
        if input.importType == .newKeyMaterial, input.keyMaterialID != nil {
            throw KMSError.validation("You cannot specify a KeyMaterialId when ImportType is NEW_KEY_MATERIAL.")
        }
        let validTo = expirationModel == .keyMaterialExpires ? input.validTo : nil

        return try await store.write { [self] tx in
            var key = try resolve(input.keyID, form: .keyOnly, call: call, in: tx)
            try checkImportable(key, now: now)
            key = try settleExpiry(of: key, now: now, in: tx)

            // The token: ours, for this key, unexpired, unused.
            guard let token = tokenMACKeys.lazy.compactMap({ ImportToken.open(input.importToken, macKey: $0) }).first else {
                throw KMSError(.invalidImportToken, "The import token is invalid.")
            }
            guard token.keyID == key.id else {
                throw KMSError(.invalidImportToken, "The import token was not issued for \(key.arn).")
            }
            guard token.expiresAt > now else {
                throw KMSError(.expiredImportToken, "The import token expired at \(AuditDates.iso8601(token.expiresAt)). Call GetParametersForImport for a new one.")
            }
            guard let parameters = try tx.importParameters(tokenID: token.tokenID), parameters.keyID == key.storageID else {
                throw KMSError(.invalidImportToken, "The import token has already been used or is no longer valid.")
            }

            // Unwrap with the private key of that token's pair, by that token's algorithm.
            var plain: [UInt8]
            do {
                let der = try rootKey.open(parameters.sealedPrivateKey, context: ImportParameters.sealingContext(tokenID: token.tokenID))
                let pair = try issuedWrappingKeys.pair(tokenID: token.tokenID, privateKeyDER: der) ?? WrappingKeyPair(privateKeyDER: der)
                plain = try pair.unwrap(input.encryptedKeyMaterial, algorithm: parameters.algorithm)
            } catch {
                throw KMSError.invalidCiphertext("The wrapped key material could not be decrypted with the wrapping key and algorithm (\(parameters.algorithm.rawValue)) of this import token.")
            }
            defer { zero(&plain) }
            try Self.checkImportedMaterial(plain, for: key.keySpec)
            let secret = SymmetricKey(data: plain)
            let materialID = KeyMaterialID.hex(KeyMaterialID.compute(keyID: key.id, material: secret))
            if let requested = input.keyMaterialID, requested != materialID {
                throw KMSError(.incorrectKeyMaterial, "The key material does not match KeyMaterialId \(requested).")
            }

            let own = try tx.materials(keyID: key.storageID)
            let known = key.isMultiRegion ? try materialsOfSet(key, in: tx) : own
            let importType = input.importType ?? (known.isEmpty ? .newKeyMaterial : .existingKeyMaterial)
            var material = KeyMaterial(
                keyID: key.storageID, id: materialID, origin: .imported,
                sealedMaterial: try sealMaterial(secret, keyID: key.storageID, materialID: materialID),
                expirationModel: expirationModel, validTo: validTo, importedAt: now, createdAt: now,
                materialDescription: input.keyMaterialDescription
            )
            var becomesCurrent = false
            switch importType {
            case .newKeyMaterial:
                if known.contains(where: { $0.id == materialID }) {
                    throw KMSError(.incorrectKeyMaterial, "This key material was already imported into \(key.arn); re-import it with ImportType EXISTING_KEY_MATERIAL.")
                }
                if own.isEmpty {
                    guard known.isEmpty else {
                        throw KMSError(.incorrectKeyMaterial, "A replica of a multi-Region key takes the key material of its set: import it with ImportType EXISTING_KEY_MATERIAL.")
                    }
                    becomesCurrent = true
                } else {
                    // New material for on-demand rotation: it waits, pending rotation.
                    guard key.keySpec == .symmetricDefault else {
                        throw KMSError.unsupported("\(key.arn) is a \(key.keySpec.rawValue) key: asymmetric and HMAC keys cannot change their key material.")
                    }
                    if key.isMultiRegion, key.primaryRegion != key.region {
                        throw KMSError.unsupported("\(key.arn) is a replica key: import new key material into the primary key in \(key.primaryRegion ?? "its primary region"), then import the same material here with ImportType EXISTING_KEY_MATERIAL.")
                    }
                    guard key.state == .enabled || key.state == .disabled else {
                        throw KMSError(.invalidState, "\(key.arn) is \(key.state == .pendingImport ? "pending import: re-import its current key material first" : "pending deletion").")
                    }
                    if own.contains(where: { $0.pendingRotation }) {
                        throw KMSError(.invalidState, "\(key.arn) already has key material pending rotation. Rotate it (RotateKeyOnDemand) or delete it first.")
                    }
                    material.pendingRotation = true
                }
            case .existingKeyMaterial:
                guard !known.isEmpty else {
                    throw KMSError(.incorrectKeyMaterial, "No key material was ever imported into \(key.arn); use ImportType NEW_KEY_MATERIAL.")
                }
                guard known.contains(where: { $0.id == materialID }) else {
                    throw KMSError(.incorrectKeyMaterial, "The key material is not the key material that was previously imported into \(key.arn).")
                }
                if let version = own.first(where: { $0.id == materialID }) {
                    // The expiry of an import cannot be changed in place: delete, then re-import.
                    if version.isPresent {
                        throw KMSError(.invalidState, "\(key.arn) already holds this key material. Delete it (DeleteImportedKeyMaterial) before importing it again.")
                    }
                    material.createdAt = version.createdAt
                    material.rotationType = version.rotationType
                    material.rotatedAt = version.rotatedAt
                    material.pendingRotation = version.pendingRotation
                    material.materialDescription = input.keyMaterialDescription ?? version.materialDescription
                    becomesCurrent = version.id == key.currentMaterialID
                } else {
                    // A multi-Region key receiving its set's material: current if it is the
                    // primary's current material, waiting if the primary's is pending rotation,
                    // otherwise an older version (for old ciphertexts).
                    let primary = try tx.key(id: Key.storageID(id: key.id, region: key.primaryRegion ?? key.region))
                    let reference = try primary.flatMap { try tx.materials(keyID: $0.storageID).first { $0.id == materialID } }
                    material.createdAt = reference?.createdAt ?? now
                    material.rotationType = reference?.rotationType
                    material.rotatedAt = reference?.rotatedAt
                    if reference?.pendingRotation == true {
                        if own.contains(where: { $0.pendingRotation }) {
                            throw KMSError(.invalidState, "\(key.arn) already has key material pending rotation.")
                        }
                        material.pendingRotation = true
                    } else {
                        becomesCurrent = key.currentMaterialID == nil && (primary?.currentMaterialID ?? materialID) == materialID
                    }
                }
            }

            try tx.save(material)
            if becomesCurrent {
                guard key.state == .pendingImport else {
                    throw KMSError(.invalidState, "\(key.arn) is not pending import.")
                }
                key.currentMaterialID = materialID
                key.state = try KeyLifecycle.next(key.state, on: .materialImported, arn: key.arn)
                try tx.update(key)
            }
            try tx.deleteImportParameters(tokenID: token.tokenID)
            try tx.append(event(call, at: now, key: key, response: .object([
                "keyId": .string(key.arn), "keyMaterialId": .string(materialID),
            ]), additional: .object(["keyMaterialId": .string(materialID)])))
            return (key, materialID)
        }
    }

    public func deleteImportedKeyMaterial(_ keyID: String, keyMaterialID: String?, call: CallContext) async throws -> (key: Key, keyMaterialID: String?) {
        let now = now()
        return try await store.write { [self] tx in
            var key = try resolve(keyID, form: .keyOnly, call: call, in: tx)
            guard key.origin == .external else {
                throw KMSError.unsupported("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
            }
            key = try settleExpiry(of: key, now: now, in: tx)
            let materials = try tx.materials(keyID: key.storageID)
            let targetID = keyMaterialID ?? key.currentMaterialID
            if let keyMaterialID, !materials.contains(where: { $0.id == keyMaterialID }) {
                throw KMSError.notFound("Key material \(keyMaterialID) is not associated with \(key.arn).")
            }
            if var material = materials.first(where: { $0.id == targetID }), material.isPresent {
                material.sealedMaterial = nil
                try tx.save(material)
            }
            // Material pending rotation in a multi-Region primary goes from its replicas too.
            if let pending = materials.first(where: { $0.id == targetID && $0.pendingRotation }), key.isMultiRegion, key.primaryRegion == key.region {
                for replica in try tx.multiRegionKeys(id: key.id, account: key.account) where replica.region != key.region {
                    if var copy = try tx.materials(keyID: replica.storageID).first(where: { $0.id == pending.id }), copy.isPresent {
                        copy.sealedMaterial = nil
                        try tx.save(copy)
                    }
                }
            }
            if targetID == key.currentMaterialID {
                key.state = try KeyLifecycle.next(key.state, on: .materialDeleted, arn: key.arn)
            }
            try tx.update(key)
            var response: [String: JSONValue] = ["keyId": .string(key.arn)]
            if let targetID { response["keyMaterialId"] = .string(targetID) }
            try tx.append(event(call, at: now, key: key, response: .object(response)))
            return (key, targetID)
        }
    }
}
