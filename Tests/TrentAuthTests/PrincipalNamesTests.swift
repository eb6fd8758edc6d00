import Testing
import TrentAuth

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
}
