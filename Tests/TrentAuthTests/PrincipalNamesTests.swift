import Foundation
import Testing
@testable import TrentAuth

@Suite struct PrincipalNamesTests {
    /// Names are remembered per principal: more principals than the memory holds still get their
    /// own names, the same ones each time.
    @Test func namesBelongToTheirPrincipal() {
        let principals = (0..<5000).map { i in
            switch i % 3 {
            case 0: Principal.root(String(100_000_000_000 + i))
            case 1: Principal(kind: .user, account: "111122223333", name: "user\(i)")
            default: Principal(kind: .assumedRole, account: "111122223333", name: "role\(i % 7)", sessionName: "s\(i)")
            }
        }
        let first = principals.map { ($0.arn, $0.policyARN, $0.principalID) }
        for (index, principal) in principals.enumerated().reversed() {
            #expect(principal.arn == first[index].0 && principal.policyARN == first[index].1 && principal.principalID == first[index].2)
            switch principal.kind {
            case .root:
                #expect(principal.arn == "arn:aws:iam::\(principal.account):root" && principal.principalID == principal.account)
            case .user:
                #expect(principal.arn == "arn:aws:iam::111122223333:user/\(principal.name!)" && principal.policyARN == principal.arn)
                #expect(principal.principalID.hasPrefix("AIDA") && principal.principalID.count == 21)
            case .assumedRole:
                #expect(principal.arn == "arn:aws:sts::111122223333:assumed-role/\(principal.name!)/\(principal.sessionName!)")
                #expect(principal.policyARN == "arn:aws:iam::111122223333:role/\(principal.name!)")
                #expect(principal.principalID.hasPrefix("AROA") && principal.principalID.hasSuffix(":\(principal.sessionName!)"))
            }
        }
        #expect(Set(first.map(\.2)).count == principals.count)
    }

    /// A principal carries its names: copies share them, and setting a field works them out again.
    @Test func copiesShareTheirNamesAndAChangedFieldRenamesThem() throws {
        let user = Principal(kind: .user, account: "111122223333", name: "alice")
        var renamed = user
        #expect(renamed.sharesNames(with: user))
        renamed.name = "bob"
        #expect(!renamed.sharesNames(with: user))
        #expect(user.arn == "arn:aws:iam::111122223333:user/alice")
        #expect(renamed.arn == "arn:aws:iam::111122223333:user/bob" && renamed.principalID != user.principalID)
        renamed.kind = .assumedRole
        renamed.sessionName = "s"
        #expect(renamed.arn == "arn:aws:sts::111122223333:assumed-role/bob/s" && renamed.policyARN == "arn:aws:iam::111122223333:role/bob")
        #expect(renamed == Principal(kind: .assumedRole, account: "111122223333", name: "bob", sessionName: "s"))
        #expect(Set([renamed, Principal(kind: .assumedRole, account: "111122223333", name: "bob", sessionName: "s")]).count == 1)
        // Stored and read back as the four fields, as before.
        let json = try JSONEncoder().encode(renamed)
        let object = try JSONSerialization.jsonObject(with: json) as? [String: String]
        #expect(object == ["kind": "AssumedRole", "account": "111122223333", "name": "bob", "sessionName": "s"])
        #expect(try JSONDecoder().decode(Principal.self, from: json).arn == renamed.arn)
    }
}
