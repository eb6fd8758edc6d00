public import Foundation

/// One version of a key's secret bytes, as stored: sealed under the root key, never in plaintext.
/// Deleted imported material keeps its row (id, expiry history) with `sealedMaterial == nil`,
/// so a re-import can be checked to be the same material without keeping a copy.
public struct KeyMaterial: Sendable, Equatable, CustomStringConvertible {
    public enum Origin: String, Sendable {
        case generated = "AWS_KMS"
        case imported = "EXTERNAL"
    }

    /// How a material that replaced an earlier one came to be (`nil` for a key's first material).
    public enum RotationType: String, Sendable {
        case automatic = "AUTOMATIC"
        case onDemand = "ON_DEMAND"
    }

    public let keyID: String
    /// 64 lowercase hex digits (`KeyMaterialId`).
    public let id: String
    public let origin: Origin
    public var sealedMaterial: Data?
    public var expirationModel: ExpirationModel?
    public var validTo: Date?
    public var importedAt: Date?
    /// When the material was generated or first imported.
    public var createdAt: Date?
    public var rotationType: RotationType?
    /// Imported with `ImportType` NEW_KEY_MATERIAL: waits for RotateKeyOnDemand to become current.
    public var pendingRotation: Bool
    /// When the material became current through a rotation.
    public var rotatedAt: Date?
    /// `KeyMaterialDescription`, kept from the last import that gave one.
    public var materialDescription: String?

    public init(
        keyID: String, id: String, origin: Origin, sealedMaterial: Data?,
        expirationModel: ExpirationModel?, validTo: Date?, importedAt: Date?,
        createdAt: Date? = nil, rotationType: RotationType? = nil, pendingRotation: Bool = false, rotatedAt: Date? = nil,
        materialDescription: String? = nil
    ) {
        self.pendingRotation = pendingRotation
        self.rotatedAt = rotatedAt
        self.materialDescription = materialDescription
        self.createdAt = createdAt
        self.rotationType = rotationType
        self.keyID = keyID
        self.id = id
        self.origin = origin
        self.sealedMaterial = sealedMaterial
        self.expirationModel = expirationModel
        self.validTo = validTo
        self.importedAt = importedAt
    }

    public var isPresent: Bool { sealedMaterial != nil }

    /// Present and not past `ValidTo`.
    public func isUsable(at now: Date) -> Bool {
        guard isPresent else { return false }
        if let validTo, validTo <= now { return false }
        return true
    }

    /// A dull description: material never prints its bytes.
    public var description: String { "KeyMaterial(id: \(id.prefix(8))…, \(origin.rawValue))" }

    /// The root-key AAD that binds sealed material to its key and id.
    public static func sealingContext(keyID: String, materialID: String) -> String {
        "trent/key-material/v1|\(keyID)|\(materialID)"
    }
}
