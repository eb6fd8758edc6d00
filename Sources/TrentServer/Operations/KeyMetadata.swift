import TrentCore
import TrentModel

extension KMS.KeyMetadata {
    /// `KeyMetadata` as AWS shows it for a symmetric key.
    init(_ d: KeyDescription) {
        self.init(
            aWSAccountId: d.key.account, keyId: d.key.id, arn: d.key.arn, creationDate: d.key.createdAt,
            enabled: d.state == .enabled, description: d.key.description, keyUsage: d.key.keyUsage.rawValue,
            keyState: d.state.rawValue, deletionDate: d.state == .pendingDeletion ? d.key.deletionDate : nil,
            validTo: d.validTo, origin: d.key.origin.rawValue, expirationModel: d.expirationModel?.rawValue,
            keyManager: "CUSTOMER", customerMasterKeySpec: d.key.keySpec.rawValue, keySpec: d.key.keySpec.rawValue,
            encryptionAlgorithms: d.key.encryptionAlgorithms, signingAlgorithms: d.key.signingAlgorithms,
            keyAgreementAlgorithms: d.key.keyAgreementAlgorithms, multiRegion: d.key.isMultiRegion,
            multiRegionConfiguration: d.multiRegion.map(KMS.MultiRegionConfiguration.init),
            pendingDeletionWindowInDays: d.state.isBeingDeleted ? d.key.pendingWindowInDays : nil,
            macAlgorithms: d.key.macAlgorithms,
            currentKeyMaterialId: d.currentMaterial?.id
        )
    }
}

extension KMS.MultiRegionConfiguration {
    init(_ set: KeyService.MultiRegionSet) {
        self.init(
            multiRegionKeyType: set.isPrimary ? "PRIMARY" : "REPLICA",
            primaryKey: KMS.MultiRegionKey(arn: set.primary.arn, region: set.primary.region),
            replicaKeys: set.replicas.map { KMS.MultiRegionKey(arn: $0.arn, region: $0.region) }
        )
    }
}
