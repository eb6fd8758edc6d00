import TrentCore
import TrentModel

extension Operation {
    static let getKeyLastUsage = Operation.make("GetKeyLastUsage", KMS.GetKeyLastUsageRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        let result = try await service.keyLastUsage(r.keyId!, call: call)
        return KMS.GetKeyLastUsageResponse(
            keyId: result.key.arn,
            keyLastUsage: result.last.map {
                KMS.KeyLastUsageData(operation: $0.eventName, timestamp: $0.eventTime, cloudTrailEventId: $0.eventID, kmsRequestId: $0.requestID)
            },
            trackingStartDate: result.key.createdAt, keyCreationDate: result.key.createdAt
        )
    }
}
