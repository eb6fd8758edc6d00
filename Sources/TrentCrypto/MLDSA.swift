import Foundation
import Crypto
import CBoringMLDSA

/// ML-DSA-44, -65 and -87 (FIPS 204, pure mode, empty context), from the BoringSSL inside
/// swift-crypto through the `CBoringMLDSA` shim (swift-crypto's own API has neither ML-DSA-44
/// nor external-mu signing). Private keys are held as their 32-byte seed, which is also the
/// PKCS#8 form KMS uses; public keys as SubjectPublicKeyInfo.
struct MLDSAKey: Sendable {
    let spec: AsymmetricKeySpec
    /// The seed; nil for a public key alone.
    private let seed: [UInt8]?
    let rawPublicKey: Data

    private var level: Int32 {
        switch spec {
        case .mlDsa44: 44
        case .mlDsa65: 65
        default: 87
        }
    }

    private static func sizes(_ spec: AsymmetricKeySpec) -> (publicKey: Int, signature: Int) {
        switch spec {
        case .mlDsa44: (1312, 2420)
        case .mlDsa65: (1952, 3309)
        default: (2592, 4627)
        }
    }

    /// id-ml-dsa-44 / -65 / -87 (2.16.840.1.101.3.4.3.17 / .18 / .19), DER-encoded.
    static func oid(_ spec: AsymmetricKeySpec) -> [UInt8] {
        let last: UInt8 = switch spec {
        case .mlDsa44: 0x11
        case .mlDsa65: 0x12
        default: 0x13
        }
        return [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, last]
    }

    private init(spec: AsymmetricKeySpec, seed: [UInt8]) throws {
        var publicKey = [UInt8](repeating: 0, count: Self.sizes(spec).publicKey)
        let level: Int32 = spec == .mlDsa44 ? 44 : spec == .mlDsa65 ? 65 : 87
        guard seed.count == 32, trent_mldsa_public_key(level, seed, &publicKey, publicKey.count) == 1 else {
            throw AsymmetricFailure.malformedKey
        }
        self.spec = spec
        self.seed = seed
        self.rawPublicKey = Data(publicKey)
    }

    private init(spec: AsymmetricKeySpec, rawPublicKey: Data) {
        self.spec = spec
        self.seed = nil
        self.rawPublicKey = rawPublicKey
    }

    static func generate(_ spec: AsymmetricKeySpec) throws -> MLDSAKey {
        try MLDSAKey(spec: spec, seed: Array(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }))
    }

    /// Parses the seed-only PKCS#8 form: SEQUENCE { 0, SEQUENCE { oid }, OCTET STRING { [0] seed } }.
    static func parse(pkcs8 der: [UInt8], spec: AsymmetricKeySpec) throws -> MLDSAKey {
        let prefix = pkcs8Prefix(spec)
        guard der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix else { throw AsymmetricFailure.malformedKey }
        return try MLDSAKey(spec: spec, seed: Array(der.suffix(32)))
    }

    static func parse(publicKeyDER der: [UInt8], spec: AsymmetricKeySpec) throws -> MLDSAKey {
        let rawLength = sizes(spec).publicKey
        let prefix = spkiHeader(spec: spec, rawLength: rawLength)
        guard der.count == prefix.count + rawLength, Array(der.prefix(prefix.count)) == prefix else { throw AsymmetricFailure.malformedKey }
        return MLDSAKey(spec: spec, rawPublicKey: Data(der.suffix(rawLength)))
    }

    func pkcs8DER() throws -> Data {
        guard let seed else { throw AsymmetricFailure.wrongKeyType }
        return Data(Self.pkcs8Prefix(spec) + seed)
    }

    func publicKeyDER() -> Data {
        Data(Self.spkiHeader(spec: spec, rawLength: rawPublicKey.count) + Array(rawPublicKey))
    }

    /// Signs a whole message (`mu` false) or a 64-byte external mu (`mu` true).
    func sign(_ message: Data, externalMu: Bool) throws -> Data {
        guard let seed else { throw AsymmetricFailure.wrongKeyType }
        var signature = [UInt8](repeating: 0, count: Self.sizes(spec).signature)
        let message = Array(message)
        let ok = externalMu
            ? message.count == 64 && trent_mldsa_sign_mu(level, seed, message, &signature, signature.count) == 1
            : trent_mldsa_sign(level, seed, message, message.count, &signature, signature.count) == 1
        guard ok else { throw AsymmetricFailure.operationFailed }
        return Data(signature)
    }

    func verify(_ signature: Data, message: Data) -> Bool {
        let publicKey = Array(rawPublicKey), signature = Array(signature), message = Array(message)
        return trent_mldsa_verify(level, publicKey, publicKey.count, signature, signature.count, message, message.count) == 1
    }

    // MARK: DER

    private static func pkcs8Prefix(_ spec: AsymmetricKeySpec) -> [UInt8] {
        [0x30, 0x34, 0x02, 0x01, 0x00, 0x30, 0x0B] + oid(spec) + [0x04, 0x22, 0x80, 0x20]
    }

    /// SubjectPublicKeyInfo up to the raw key: SEQUENCE { SEQUENCE { oid }, BIT STRING { 0, raw } }.
    private static func spkiHeader(spec: AsymmetricKeySpec, rawLength: Int) -> [UInt8] {
        let algorithm = [0x30, 0x0B] + oid(spec)
        let bitString = [0x03] + length(rawLength + 1) + [0x00]
        return [0x30] + length(algorithm.count + bitString.count + rawLength) + algorithm + bitString
    }

    private static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n < 0x100 { return [0x81, UInt8(n)] }
        return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
    }
}
