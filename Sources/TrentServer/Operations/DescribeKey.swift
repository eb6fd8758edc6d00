import TrentCore
import TrentModel

extension Operation {
    static let describeKey = Operation.make("DescribeKey", KMS.DescribeKeyRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId)])
    }) { r, call, service in
        let description = try await service.describeKey(r.keyId!, call: call)
        return KMS.DescribeKeyResponse(keyMetadata: KMS.KeyMetadata(description))
    }
}
