import TrentCore
import TrentModel

extension Operation {
    /// Records key and algorithm; never the message or the MAC.
    static let generateMac = Operation.make("GenerateMac", KMS.GenerateMacRequest.self, audit: { r in
        AuditParameters.object(["keyId": AuditParameters.string(r.keyId), "macAlgorithm": AuditParameters.string(r.macAlgorithm)])
    }) { r, call, service in
        let result = try await service.generateMac(r.keyId!, message: r.message!, algorithm: r.macAlgorithm!, dryRun: r.dryRun ?? false, call: call)
        return KMS.GenerateMacResponse(mac: result.mac, macAlgorithm: result.algorithm.rawValue, keyId: result.key.arn)
    }
}
