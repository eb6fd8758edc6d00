import Foundation
import Testing
@testable import TrentCore

@Suite struct GrantTests {
    @Test func tokensNameTheirGrantAndCannotBeForged() throws {
        let h = try Harness()
        let id = String(repeating: "ab", count: 32)
        let token = h.service.grantToken(for: id)
        #expect(h.service.grantID(fromToken: token) == id)
        var forged = Array(token)
        forged[10] = forged[10] == "A" ? "B" : "A"
        #expect(h.service.grantID(fromToken: String(forged)) == nil)
        #expect(h.service.grantID(fromToken: "") == nil)
        // Another server's root key makes other tokens.
        #expect(try Harness().service.grantID(fromToken: token) == nil)
    }

    @Test func constraints() {
        let subset = Grant.Constraints(encryptionContextSubset: ["a": "1"])
        #expect(subset.allow(["a": "1", "b": "2"]))
        #expect(!subset.allow(["a": "2"]))
        let equals = Grant.Constraints(encryptionContextEquals: ["a": "1"])
        #expect(equals.allow(["a": "1"]))
        #expect(!equals.allow(["a": "1", "b": "2"]))
    }
}
