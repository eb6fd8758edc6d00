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

    /// One compressor and output room for many inputs, larger and smaller in turns: each output is
    /// its own input's gzip, nothing of the one before.
    @Test func aReusedCompressorGivesEachInputItsOwnOutput() throws {
        let reusable = try Gzip.Reusable()
        var generator = SystemRandomNumberGenerator()
        for size in [1_000_003, 10, 65_536, 0, 300_000, 1] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...3, using: &generator) }
            let compressed = try bytes.withUnsafeBufferPointer { input in try reusable.compress(input) { Data($0) } }
            #expect(compressed.prefix(2) == Data([0x1F, 0x8B]))
            #expect(try Gzip.decompress(compressed) == Data(bytes))
        }
    }

    /// Empty, tiny and incompressible input (the output must fit deflate's bound) round-trip too.
    @Test func anyBytesRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 100, 65_536, 1_000_003] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let compressed = try Gzip.compress(bytes)
            #expect(compressed.prefix(2) == Data([0x1F, 0x8B]))
            #expect(try Gzip.decompress(compressed) == Data(bytes))
        }
    }
}
