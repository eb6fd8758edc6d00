import Foundation
import Testing
import TrentModel

@Suite struct ValidationErrorsTests {
    @Test func messagesFollowAWSWording() {
        var v = ValidationErrors()
        KMS.GenerateRandomRequest(numberOfBytes: 0).validate(into: &v, at: "")
        #expect(v.message == "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")
        var w = ValidationErrors()
        KMS.ImportKeyMaterialRequest(keyId: "", expirationModel: "SOMETIMES").validate(into: &w, at: "")
        #expect(w.violations.count == 4)
        #expect(w.message?.hasPrefix("4 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value null at 'importToken'") == true)
    }

    @Test func secretsAreNeverEchoed() {
        var v = ValidationErrors()
        KMS.RetireGrantRequest(grantToken: String(repeating: "s", count: 8193)).validate(into: &v, at: "")
        #expect(v.message?.contains("sss") == false)
        var w = ValidationErrors()
        KMS.EncryptRequest(keyId: "k", plaintext: Data(repeating: 7, count: 4097)).validate(into: &w, at: "")
        #expect(w.message == "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
    }

    @Test func keyReferences() {
        #expect(KeyReference(parsing: "alias/x") == .aliasName("alias/x"))
        #expect(KeyReference(parsing: "arn:aws:kms:us-east-1:111122223333:alias/x") == .aliasARN(region: "us-east-1", account: "111122223333", aliasName: "alias/x"))
        #expect(KeyReference(parsing: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
            == .keyARN(region: "eu-west-1", account: "111122223333", keyID: "1234abcd-12ab-34cd-56ef-1234567890ab"))
        #expect(KeyReference.isWellFormedKeyID("1234abcd-12ab-34cd-56ef-1234567890ab"))
        #expect(!KeyReference.isWellFormedKeyID("1234abcd12ab34cd56ef1234567890ab"))
        #expect(!KeyReference.isWellFormedKeyID("zzzzabcd-12ab-34cd-56ef-1234567890ab"))
        #expect(KeyReference.isWellFormedKeyID("1234ABCD-12ab-34cd-56EF-1234567890ab"))
        for nearMiss in ["", "1234abcd-12ab-34cd-56ef-1234567890a", "1234abcd-12ab-34cd-56ef-1234567890abc", "1234abcd-12ab-34cd-56ef_1234567890ab",
                         "1234abcd-12ab-34cd-56ef-1234567890ag", "1234abcd-12ab-34cd-56ef-1234567890a\u{e9}", "1234abcd-12ab-34cd-56ef-12345678-0ab"] {
            #expect(!KeyReference.isWellFormedKeyID(nearMiss), "\(nearMiss)")
        }
        // Multi-Region keys: mrk- and 32 hex digits.
        #expect(KeyReference.isWellFormedKeyID("mrk-1234abcd12ab34cd56ef1234567890ab"))
        #expect(KeyReference.isWellFormedKeyID("mrk-1234ABCD12ab34cd56ef1234567890ab"))
        for nearMiss in ["mrk-", "mrk-1234abcd12ab34cd56ef1234567890a", "mrk-1234abcd12ab34cd56ef1234567890abc", "mrk-1234abcd12ab34cd56ef1234567890ag",
                         "MRK-1234abcd12ab34cd56ef1234567890ab", "mrk_1234abcd12ab34cd56ef1234567890ab", "mrk-1234abcd-12ab-34cd-56ef-1234567"] {
            #expect(!KeyReference.isWellFormedKeyID(nearMiss), "\(nearMiss)")
        }
    }
}
