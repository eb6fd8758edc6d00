public import Foundation
import TrentOpenSSL

/// Key material as a person brings it to an import: raw bytes (symmetric, HMAC), or a private key
/// as PKCS#8, PKCS#1 (RSA) or SEC 1 (EC), in DER or PEM — converted to the PKCS#8 DER KMS expects.
public enum KeyMaterialFile: Sendable, Equatable {
    case raw([UInt8])
    case privateKey(pkcs8DER: Data, spec: AsymmetricKeySpec)

    public init(_ bytes: [UInt8]) {
        let der = Self.pemBody(bytes) ?? bytes
        if let parsed = Self.privateKey(der) {
            self = parsed
        } else {
            self = .raw(bytes)
        }
    }

    /// The bytes that get wrapped.
    public var bytes: [UInt8] {
        switch self {
        case .raw(let bytes): bytes
        case .privateKey(let der, _): [UInt8](der)
        }
    }

    /// Whether the file looked like PEM but held no private key this tool can read.
    public static func isUnreadablePEM(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes.prefix(64), as: UTF8.self).contains("-----BEGIN") && privateKey(pemBody(bytes) ?? []) == nil
    }

    private static func privateKey(_ der: [UInt8]) -> KeyMaterialFile? {
        guard der.first == 0x30 else { return nil }
        for spec in [AsymmetricKeySpec.mlDsa44, .mlDsa65, .mlDsa87] {
            if let key = try? AsymmetricKey(pkcs8DER: Data(der), spec: spec), let pkcs8 = try? key.pkcs8DER() {
                return .privateKey(pkcs8DER: pkcs8, spec: spec)
            }
        }
        guard let key = try? OpenSSLKey(anyPrivateKeyDER: der), let kind = key.kind,
              let spec = AsymmetricKeySpec.allCases.first(where: { $0.kind == kind }),
              let pkcs8 = try? key.pkcs8DER()
        else { return nil }
        return .privateKey(pkcs8DER: Data(pkcs8), spec: spec)
    }

    /// The base64 body of the first PEM block, decoded.
    private static func pemBody(_ bytes: [UInt8]) -> [UInt8]? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let begin = text.range(of: "-----BEGIN "), let headerEnd = text.range(of: "-----\n", range: begin.upperBound..<text.endIndex)
                ?? text.range(of: "-----\r\n", range: begin.upperBound..<text.endIndex),
              let end = text.range(of: "-----END ", range: headerEnd.upperBound..<text.endIndex)
        else { return nil }
        let body = text[headerEnd.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map([UInt8].init)
    }
}
