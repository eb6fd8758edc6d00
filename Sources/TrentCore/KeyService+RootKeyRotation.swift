import Foundation
import TrentCrypto

/// Root key rotation while Trent serves: a new root key version is added (and persisted) inside a
/// write transaction — every secret sealed by an earlier transaction is then committed, every later
/// one uses the new version — then every stored secret is re-sealed in small transactions, and
/// finally the old versions are retired. Old ciphertexts never change: only what the root key seals.
extension KeyService {
    public struct RootKeyRotationReport: Sendable, Equatable {
        public var materialsResealed = 0
        public var importParametersResealed = 0
    }

    /// Starts a rotation (or joins the one under way): the newest version seals from now on.
    public func beginRootKeyRotation() async throws {
        try await store.write { [rootKey] _ in try rootKey.beginRotation() }
    }

    /// Re-seals every stored key material version and import parameter set under the newest root
    /// key version, `batch` at a time, leaving what already is.
    public func resealUnderNewestRootKey(batch: Int = 100) async throws -> RootKeyRotationReport {
        var report = RootKeyRotationReport()
        var cursor: MaterialReference?
        while true {
            let after = cursor
            let page = try await store.read { try $0.materialReferences(after: after, limit: batch) }
            guard let last = page.last else { break }
            report.materialsResealed += try await store.write { [rootKey] tx -> Int in
                var count = 0
                for reference in page {
                    guard var material = try tx.materials(keyID: reference.keyID).first(where: { $0.id == reference.id }),
                          let sealed = material.sealedMaterial
                    else { continue }
                    let context = KeyMaterial.sealingContext(keyID: material.keyID, materialID: material.id)
                    guard !rootKey.isCurrent(sealed, context: context) else { continue }
                    material.sealedMaterial = try rootKey.seal(try rootKey.open(sealed, context: context), context: context)
                    try tx.save(material)
                    count += 1
                }
                return count
            }
            cursor = last
        }
        let tokens = try await store.read { try $0.importParameterTokenIDs() }
        for start in stride(from: 0, to: tokens.count, by: batch) {
            let chunk = Array(tokens[start..<min(start + batch, tokens.count)])
            report.importParametersResealed += try await store.write { [rootKey] tx -> Int in
                var count = 0
                for tokenID in chunk {
                    guard let parameters = try tx.importParameters(tokenID: tokenID) else { continue }
                    let context = ImportParameters.sealingContext(tokenID: tokenID)
                    guard !rootKey.isCurrent(parameters.sealedPrivateKey, context: context) else { continue }
                    try tx.updateSealedPrivateKey(tokenID: tokenID, sealed: try rootKey.seal(try rootKey.open(parameters.sealedPrivateKey, context: context), context: context))
                    count += 1
                }
                return count
            }
        }
        return report
    }

    /// Retires the old root key versions (after everything, the audit signing key included, is
    /// re-sealed). Import and grant tokens made under them stop working.
    public func finishRootKeyRotation() async throws {
        try await store.write { [rootKey] _ in try rootKey.finishRotation() }
    }

    public var rootKeyVersions: Int { rootKey.versions }
}
