public import Foundation
import TrentModel

/// An alias (`alias/<name>`) pointing at one key of the same account and region.
public struct Alias: Sendable, Equatable {
    public let account: String
    public let region: String
    public let name: String
    public var targetKeyID: String
    public let createdAt: Date
    public var updatedAt: Date

    public init(account: String, region: String, name: String, targetKeyID: String, createdAt: Date, updatedAt: Date) {
        self.account = account
        self.region = region
        self.name = name
        self.targetKeyID = targetKeyID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var arn: String { ARN.alias(region: region, account: account, aliasName: name) }
}
