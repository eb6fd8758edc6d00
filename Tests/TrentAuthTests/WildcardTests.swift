import Testing
@testable import TrentAuth

/// The byte-level wildcard match decides as the character-level one it replaced, on ASCII and
/// on everything else.
@Suite struct WildcardTests {
    /// The matcher as it was: character arrays, folded with `lowercased()`.
    static func reference(_ pattern: String, _ text: String, caseInsensitive: Bool) -> Bool {
        let p = Array(caseInsensitive ? pattern.lowercased() : pattern), t = Array(caseInsensitive ? text.lowercased() : text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    @Test func decidesAsTheCharacterMatcher() {
        let pieces = ["*", "?", "a", "A", "k", "K", "ms", ":", "/", "-", "é", "É", "🔑", "\r\n", "\r", "\n", "Z", "z", "[", "`"]
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> String { (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined() }
        var matched = 0
        for _ in 0..<20_000 {
            let pattern = random(Int.random(in: 0...5, using: &generator)), text = random(Int.random(in: 0...6, using: &generator)).replacingOccurrences(of: "*", with: "x")
            for caseInsensitive in [true, false] {
                let expected = Self.reference(pattern, text, caseInsensitive: caseInsensitive)
                #expect(Wildcard.matches(pattern, text, caseInsensitive: caseInsensitive) == expected, "\(pattern) ~ \(text)")
                if expected { matched += 1 }
            }
        }
        #expect(matched > 1_000)  // the cases cover matches, not only mismatches
    }

    @Test func policyShapes() {
        #expect(Wildcard.matches("kms:*", "kms:Encrypt", caseInsensitive: true))
        #expect(Wildcard.matches("KMS:encrypt", "kms:Encrypt", caseInsensitive: true))
        #expect(!Wildcard.matches("kms:Describe*", "kms:Encrypt", caseInsensitive: true))
        #expect(Wildcard.matches("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k", caseInsensitive: false))
        #expect(!Wildcard.matches("arn:aws:kms:*:111122223333:KEY/*", "arn:aws:kms:us-east-1:111122223333:key/k", caseInsensitive: false))
        #expect(Wildcard.matches("alias/?ey", "alias/key", caseInsensitive: false))
    }
}
