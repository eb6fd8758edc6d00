import Foundation
import Testing
@testable import TrentAudit

@Suite struct GzipTests {
    @Test func roundTripsAndIsRealGzip() throws {
        let text = Data(String(repeating: "{\"Records\":[]}", count: 1000).utf8)
        let compressed = try Gzip.compress(text)
        #expect(compressed.prefix(2) == Data([0x1F, 0x8B]))
        #expect(compressed.count < text.count)
        #expect(try Gzip.decompress(compressed) == text)
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data("not gzip".utf8)) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(compressed.prefix(compressed.count / 2)) }
    }
}
