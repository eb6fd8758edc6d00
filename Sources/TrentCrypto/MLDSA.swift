import Foundation
import Crypto

/// ML-DSA-65 and ML-DSA-87 (FIPS 204, pure mode, empty context) from swift-crypto, with the
/// DER forms KMS uses: PKCS#8 holding the 32-byte seed, and SubjectPublicKeyInfo.
/// (swift-crypto has no ML-DSA-44 and no external-mu signing.)
enum MLDSAKey: Sendable {
    case mlDsa65(MLDSA65.PrivateKey)
    case mlDsa87(MLDSA87.PrivateKey)
    case mlDsa65Public(MLDSA65.PublicKey)
    case mlDsa87Public(MLDSA87.PublicKey)

    /// id-ml-dsa-65 / id-ml-dsa-87 (2.16.840.1.101.3.4.3.18 / .19), DER-encoded.
    static func oid(_ spec: AsymmetricKeySpec) -> [UInt8] {
        [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, spec == .mlDsa65 ? 0x12 : 0x13]
    }

    static func generate(_ spec: AsymmetricKeySpec) throws -> MLDSAKey {
        spec == .mlDsa65 ? .mlDsa65(try MLDSA65.PrivateKey()) : .mlDsa87(try MLDSA87.PrivateKey())
    }

    /// Parses the seed-only PKCS#8 form: SEQUENCE { 0, SEQUENCE { oid }, OCTET STRING { [0] seed } }.
    static func parse(pkcs8 der: [UInt8], spec: AsymmetricKeySpec) throws -> MLDSAKey {
        let prefix = [0x30, 0x34, 0x02, 0x01, 0x00, 0x30, 0x0B] + oid(spec) + [0x04, 0x22, 0x80, 0x20]
        guard der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix else { throw AsymmetricFailure.malformedKey }
        let seed = der.suffix(32)
        return spec == .mlDsa65
            ? .mlDsa65(try MLDSA65.PrivateKey(seedRepresentation: seed, publicKey: nil))
            : .mlDsa87(try MLDSA87.PrivateKey(seedRepresentation: seed, publicKey: nil))
    }

    static func parse(publicKeyDER der: [UInt8], spec: AsymmetricKeySpec) throws -> MLDSAKey {
        let rawLength = spec == .mlDsa65 ? 1952 : 2592
        let prefix = spkiHeader(spec: spec, rawLength: rawLength)
        guard der.count == prefix.count + rawLength, Array(der.prefix(prefix.count)) == prefix else { throw AsymmetricFailure.malformedKey }
        let raw = der.suffix(rawLength)
        return spec == .mlDsa65 ? .mlDsa65Public(try MLDSA65.PublicKey(rawRepresentation: raw)) : .mlDsa87Public(try MLDSA87.PublicKey(rawRepresentation: raw))
    }

    var spec: AsymmetricKeySpec {
        switch self {
        case .mlDsa65, .mlDsa65Public: .mlDsa65
        case .mlDsa87, .mlDsa87Public: .mlDsa87
        }
    }

    func pkcs8DER() throws -> Data {
        let seed: Data
        switch self {
        case .mlDsa65(let key): seed = key.seedRepresentation
        case .mlDsa87(let key): seed = key.seedRepresentation
        default: throw AsymmetricFailure.wrongKeyType
        }
        return Data([0x30, 0x34, 0x02, 0x01, 0x00, 0x30, 0x0B] + Self.oid(spec) + [0x04, 0x22, 0x80, 0x20] + Array(seed))
    }

    var rawPublicKey: Data {
        switch self {
        case .mlDsa65(let key): key.publicKey.rawRepresentation
        case .mlDsa87(let key): key.publicKey.rawRepresentation
        case .mlDsa65Public(let key): key.rawRepresentation
        case .mlDsa87Public(let key): key.rawRepresentation
        }
    }

    func publicKeyDER() -> Data {
        let raw = Array(rawPublicKey)
        return Data(Self.spkiHeader(spec: spec, rawLength: raw.count) + raw)
    }

    func sign(_ message: Data) throws -> Data {
        switch self {
        case .mlDsa65(let key): try key.signature(for: message)
        case .mlDsa87(let key): try key.signature(for: message)
        default: throw AsymmetricFailure.wrongKeyType
        }
    }

    func verify(_ signature: Data, message: Data) -> Bool {
        switch self {
        case .mlDsa65(let key): key.publicKey.isValidSignature(signature, for: message)
        case .mlDsa87(let key): key.publicKey.isValidSignature(signature, for: message)
        case .mlDsa65Public(let key): key.isValidSignature(signature, for: message)
        case .mlDsa87Public(let key): key.isValidSignature(signature, for: message)
        }
    }

    // MARK: DER

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
