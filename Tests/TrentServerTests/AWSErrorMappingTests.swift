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
