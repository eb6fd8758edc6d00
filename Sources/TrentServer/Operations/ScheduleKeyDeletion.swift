import TrentCore
import TrentModel

extension Operation {
    static let scheduleKeyDeletion = Operation.make("ScheduleKeyDeletion", KMS.ScheduleKeyDeletionRequest.self, audit: { r in
        AuditParameters.object([
            "keyId": AuditParameters.string(r.keyId), "pendingWindowInDays": AuditParameters.number(r.pendingWindowInDays),
        ])
    }) { r, call, service in
        let key = try await service.scheduleKeyDeletion(r.keyId!, pendingWindowInDays: r.pendingWindowInDays, call: call)
        return KMS.ScheduleKeyDeletionResponse(
            keyId: key.arn, deletionDate: key.deletionDate, keyState: key.state.rawValue,
            pendingWindowInDays: key.pendingWindowInDays
        )
    }
}
