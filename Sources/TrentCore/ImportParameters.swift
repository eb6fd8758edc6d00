public import Foundation
public import TrentCrypto

/// The server side of one `GetParametersForImport` answer: the wrapping private key (sealed
/// under the root key) that the matching import token refers to.
public struct ImportParameters: Sendable, Equatable {
    public let tokenID: String
    public let keyID: String
    public let algorithm: WrappingAlgorithm
    public let spec: WrappingKeySpec
    public let sealedPrivateKey: Data
    public let expiresAt: Date

    public init(tokenID: String, keyID: String, algorithm: WrappingAlgorithm, spec: WrappingKeySpec, sealedPrivateKey: Data, expiresAt: Date) {
        self.tokenID = tokenID
        self.keyID = keyID
        self.algorithm = algorithm
        self.spec = spec
        self.sealedPrivateKey = sealedPrivateKey
        self.expiresAt = expiresAt
    }

    public static func sealingContext(tokenID: String) -> String { "trent/wrapping-key/v1|\(tokenID)" }
}
