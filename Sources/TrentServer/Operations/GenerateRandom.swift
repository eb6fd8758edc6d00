import TrentCore
import TrentModel

extension Operation {
    static let generateRandom = Operation.make("GenerateRandom", KMS.GenerateRandomRequest.self, audit: { r in
        AuditParameters.object(["numberOfBytes": AuditParameters.number(r.numberOfBytes)])
    }) { r, call, service in
        guard let count = r.numberOfBytes else { throw KMSError.validation("NumberOfBytes is required.") }
        if r.customKeyStoreId != nil { throw KMSError.unsupported("Custom key stores are not supported by Trent.") }
        if r.recipient != nil { throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by Trent.") }
        return KMS.GenerateRandomResponse(plaintext: try await service.generateRandom(byteCount: count, call: call))
    }
}
