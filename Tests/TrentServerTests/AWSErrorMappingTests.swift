import Testing
import TrentCore
import TrentModel
@testable import TrentServer

@Suite struct AWSErrorMappingTests {
    /// Every domain error maps to an error AWS's model names (or one of the protocol's own).
    @Test(arguments: KMSError.Code.allCases)
    func mapsToAnAWSErrorName(code: KMSError.Code) {
        let name = AWSErrorMapping.awsType(of: code)
        #expect(KMS.errorNames.contains(name) || AWSErrorMapping.protocolErrors.contains(name), "\(code) → \(name)")
        #expect(AWSErrorMapping.status(of: code) == (code == .internal ? .internalServerError : .badRequest))
    }

    @Test func mappingIsOneToOne() {
        let names = KMSError.Code.allCases.map(AWSErrorMapping.awsType(of:))
        #expect(Set(names).count == names.count)
    }

    @Test func everyTableOperationIsInTheModel() {
        for name in OperationTable.operations.keys {
            #expect(KMS.operationNames.contains(name), "\(name)")
        }
    }
}

@Suite struct ReadOnlyClassificationTests {
    /// CloudTrail marks reads and cryptographic uses `readOnly`; every implemented operation is
    /// classified by that rule, so a new operation cannot silently land on the wrong side.
    @Test func everyOperationIsClassified() {
        let cryptographic: Set<String> = ["Encrypt", "Decrypt", "ReEncrypt", "Sign", "Verify", "VerifyMac", "DeriveSharedSecret"]
        for name in OperationTable.operations.keys {
            let expected = cryptographic.contains(name) || ["Get", "List", "Describe", "Generate"].contains { name.hasPrefix($0) }
            #expect(AuditEvent.readOnlyEvents.contains(name) == expected, "\(name)")
        }
    }
}
