public import Foundation
public import TrentCrypto

/// GenerateMac and VerifyMac with HMAC keys.
extension KeyService {
    public struct MACResult: Sendable {
        public let key: Key
        public let algorithm: MACAlgorithm
        public let mac: Data
    }

    private func macKey(_ keyID: String, algorithm: String, call: CallContext, now: Date, in tx: any KeyStoreReader) throws -> (Key, KeyMaterial, MACAlgorithm) {
        let key = try keyForUsage(keyID, .generateVerifyMAC, call: call, in: tx)
        guard let mac = MACAlgorithm(rawValue: algorithm), mac == key.keySpec.macAlgorithm else {
            throw KMSError(.invalidKeyUsage, "Algorithm \(algorithm) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        return (key, try usableMaterial(of: key, now: now, in: tx), mac)
    }

    /// The material's key made ready for `algorithm` (`PreparedMACKey`), kept in the key cache
    /// with the material the way opened secrets are.
    func preparedMACKey(_ material: KeyMaterial, algorithm: MACAlgorithm) throws -> PreparedMACKey {
        guard let keyCache else { return PreparedMACKey(algorithm, key: try unsealMaterial(material)) }
        let prepared = try keyCache.opened(material, as: PreparedMACKey.self) { PreparedMACKey(algorithm, key: try unsealMaterial(material)) }
        return prepared.algorithm == algorithm ? prepared : PreparedMACKey(algorithm, key: try unsealMaterial(material))
    }

    public func generateMac(_ keyID: String, message: Data, algorithm: String, dryRun: Bool, call: CallContext) async throws -> MACResult {
        let now = now()
        return try await readOnly { [self] tx in
            let (key, material, mac) = try macKey(keyID, algorithm: algorithm, call: call, now: now, in: tx)
            if dryRun { throw Self.dryRunError }
            let code = try preparedMACKey(material, algorithm: mac).authenticationCode(for: message)
            return (MACResult(key: key, algorithm: mac, mac: code), event(call, at: now, key: key))
        }
    }

    /// Succeeds only for a valid MAC; an invalid one is `KMSInvalidMacException`, as on AWS.
    public func verifyMac(_ keyID: String, message: Data, mac: Data, algorithm: String, dryRun: Bool, call: CallContext) async throws -> MACResult {
        let now = now()
        return try await readOnly { [self] tx in
            let (key, material, algorithm) = try macKey(keyID, algorithm: algorithm, call: call, now: now, in: tx)
            if dryRun { throw Self.dryRunError }
            guard try preparedMACKey(material, algorithm: algorithm).isValid(mac, for: message) else {
                throw KMSError(.invalidMac, "")
            }
            return (MACResult(key: key, algorithm: algorithm, mac: mac), event(call, at: now, key: key))
        }
    }
}
