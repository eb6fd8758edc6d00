public import Foundation
import Crypto
public import TrentCrypto

/// Sign, Verify, GetPublicKey, DeriveSharedSecret and GenerateDataKeyPair(WithoutPlaintext).
extension KeyService {
    public struct SignResult: Sendable {
        public let key: Key
        public let signature: Data
    }

    public struct PublicKeyResult: Sendable {
        public let key: Key
        public let publicKey: Data
    }

    public struct DataKeyPairResult: Sendable {
        public let key: Key
        public let privateKeyCiphertext: Data
        /// `nil` for GenerateDataKeyPairWithoutPlaintext.
        public let privateKeyPlaintext: Data?
        public let publicKey: Data
        public let keyMaterialID: String
    }

    /// Maps crypto-layer refusals to AWS errors.
    static func kmsError(_ failure: AsymmetricFailure, algorithm: String) -> KMSError {
        switch failure {
        case .digestLength: .validation("Digest is invalid length for algorithm \(algorithm).")
        case .unsupported(let message): .unsupported(message)
        case .invalidMessageType(let message): .validation(message)
        case .malformedKey, .wrongKeyType: .validation("The public key is not a DER-encoded SubjectPublicKeyInfo of the key's spec.")
        case .operationFailed: KMSError(.internal, "The cryptographic operation failed.")
        }
    }

    private func signingKey(_ keyID: String, algorithm name: String, call: CallContext, now: Date, in tx: any KeyStoreReader) throws -> (Key, AsymmetricKey, SigningAlgorithm) {
        let key = try keyForUsage(keyID, .signVerify, call: call, in: tx)
        guard let spec = key.keySpec.asymmetric, let algorithm = SigningAlgorithm(rawValue: name),
              SigningAlgorithm.algorithms(for: spec).contains(algorithm)
        else {
            throw KMSError(.invalidKeyUsage, "Algorithm \(name) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        let material = try usableMaterial(of: key, now: now, in: tx)
        return (key, try asymmetricKey(key, material: material), algorithm)
    }

    public func sign(_ keyID: String, message: Data, messageType: MessageType, algorithm: String, dryRun: Bool, call: CallContext) async throws -> SignResult {
        let now = now()
        return try await readOnly { [self] tx in
            let (key, asymmetric, signingAlgorithm) = try signingKey(keyID, algorithm: algorithm, call: call, now: now, in: tx)
            let signature: Data
            do { signature = try asymmetric.sign(message, type: messageType, algorithm: signingAlgorithm) } catch let failure as AsymmetricFailure {
                throw Self.kmsError(failure, algorithm: algorithm)
            }
            if dryRun { throw Self.dryRunError }
            return (SignResult(key: key, signature: signature), event(call, at: now, key: key))
        }
    }

    /// Succeeds only for a valid signature; an invalid one is `KMSInvalidSignatureException`.
    public func verify(_ keyID: String, message: Data, messageType: MessageType, signature: Data, algorithm: String, dryRun: Bool, call: CallContext) async throws -> Key {
        let now = now()
        return try await readOnly { [self] tx in
            let (key, asymmetric, signingAlgorithm) = try signingKey(keyID, algorithm: algorithm, call: call, now: now, in: tx)
            let valid: Bool
            do { valid = try asymmetric.verify(signature, message: message, type: messageType, algorithm: signingAlgorithm) } catch let failure as AsymmetricFailure {
                throw Self.kmsError(failure, algorithm: algorithm)
            }
            if dryRun { throw Self.dryRunError }
            guard valid else { throw KMSError(.invalidSignature, "") }
            return (key, event(call, at: now, key: key))
        }
    }

    public func getPublicKey(_ keyID: String, call: CallContext) async throws -> PublicKeyResult {
        let now = now()
        return try await readOnly { [self] tx in
            let key = try resolve(keyID, form: .keyOrAlias, call: call, in: tx)
            guard key.keySpec.asymmetric != nil else {
                throw KMSError.unsupported("\(key.arn) is not an asymmetric KMS key; only asymmetric keys have a public key.")
            }
            let material = try usableMaterial(of: key, now: now, in: tx)
            let publicKey: Data
            do { publicKey = try asymmetricKey(key, material: material).publicKeyDER() } catch { throw KMSError(.internal, "cannot export the public key") }
            return (PublicKeyResult(key: key, publicKey: publicKey), event(call, at: now, key: key))
        }
    }

    public func deriveSharedSecret(_ keyID: String, algorithm: String, peerPublicKey: Data, dryRun: Bool, call: CallContext) async throws -> (key: Key, secret: Data) {
        let now = now()
        return try await readOnly { [self] tx in
            let key = try keyForUsage(keyID, .keyAgreement, call: call, in: tx)
            guard algorithm == "ECDH", let spec = key.keySpec.asymmetric else {
                throw KMSError(.invalidKeyUsage, "Algorithm \(algorithm) is incompatible with key spec \(key.keySpec.rawValue).")
            }
            let material = try usableMaterial(of: key, now: now, in: tx)
            let peer: AsymmetricKey
            do { peer = try AsymmetricKey(publicKeyDER: peerPublicKey, spec: spec) } catch {
                throw KMSError.validation("PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo on the curve of \(key.keySpec.rawValue).")
            }
            if dryRun { throw Self.dryRunError }
            let secret: Data
            do { secret = try asymmetricKey(key, material: material).deriveSharedSecret(with: peer) } catch {
                throw KMSError.validation("The public key is not a valid point on the curve of \(key.keySpec.rawValue).")
            }
            return ((key, secret), event(call, at: now, key: key))
        }
    }

    /// A new key pair whose private key comes back encrypted under a symmetric KMS key.
    public func generateDataKeyPair(
        _ keyID: String, pairSpec: AsymmetricKeySpec, encryptionContext: [String: String], includePlaintext: Bool, dryRun: Bool,
        call: CallContext
    ) async throws -> DataKeyPairResult {
        let now = now()
        let pair = try await BlockingWork.run { try AsymmetricKey.generate(pairSpec) }
        let privateDER = try pair.pkcs8DER()
        let publicDER = try pair.publicKeyDER()
        return try await readOnly { [self] tx in
            let (key, material) = try symmetricEncryptionKey(keyID, call: call, now: now, in: tx)
            if dryRun { throw Self.dryRunError }
            let ciphertext = try seal(privateDER, key: key, material: material, encryptionContext: encryptionContext)
            return (DataKeyPairResult(
                key: key, privateKeyCiphertext: ciphertext, privateKeyPlaintext: includePlaintext ? privateDER : nil,
                publicKey: publicDER, keyMaterialID: material.id
            ), event(call, at: now, key: key))
        }
    }
}
