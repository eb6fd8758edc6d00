import TrentCore
import TrentModel

extension Operation {
    static let verifyMac = Operation.make("VerifyMac", KMS.VerifyMacRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "macAlgorithm": AuditParameters.string(r.macAlgorithm)])
    }) { r, call, service in
        let result = try await service.verifyMac(r.keyId!, message: r.message!, mac: r.mac!, algorithm: r.macAlgorithm!, dryRun: r.dryRun ?? false, call: call)
        return KMS.VerifyMacResponse(keyId: result.key.arn, macValid: true, macAlgorithm: result.algorithm.rawValue)
    }
}
