import Foundation
import Testing
@testable import TrentAudit

/// Digests that end in the same second are ordered by their links, not by name: "…_105" sorts
/// before "…_75" as text, and several nodes deliver sequences out of order.
@Suite struct DigestChainTests {
    static func digest(_ name: String, previous: String?, end: String = "2026-11-29T05:34:23Z") -> AuditValidator.Digest {
        AuditValidator.Digest(name: name, bytes: Data(), json: [
            "digestEndTime": end, "awsAccountId": "111122223333",
            "previousDigestS3Object": previous.map { $0 as Any } ?? NSNull(),
        ])
    }

    @Test func followsTheLinksWithinOneSecond() {
        let first = Self.digest("d_66", previous: nil, end: "2026-11-29T05:34:22Z")
        let second = Self.digest("d_75", previous: "d_66")
        let third = Self.digest("d_105", previous: "d_75")
        let fourth = Self.digest("d_110", previous: "d_105", end: "2026-11-29T05:34:24Z")
        let ordered = AuditValidator.chainOrder([fourth, third, second, first])
        #expect(ordered.map(\.name) == ["d_66", "d_75", "d_105", "d_110"])
    }

    @Test func digestsOffTheChainComeLastInTimeOrder() {
        let first = Self.digest("a", previous: nil, end: "2026-11-29T05:00:00Z")
        let orphan = Self.digest("c", previous: "missing", end: "2026-11-29T05:00:01Z")
        let second = Self.digest("b", previous: "a", end: "2026-11-29T05:00:02Z")
        #expect(AuditValidator.chainOrder([orphan, second, first]).map(\.name) == ["a", "b", "c"])
    }
}
