import Testing
import TrentCrypto

@Suite struct SecureRandomTests {
    @Test(arguments: [0, 1, 7, 8, 9, 12, 16, 33, 1024])
    func givesTheBytesAskedFor(count: Int) {
        #expect(SecureRandom.bytes(count).count == count)
    }

    @Test func drawsDifferAndLookUniform() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        // 65,536 bytes: every value about 256 times (a count outside 150–400 has odds below 1e-9).
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<64 {
            for byte in SecureRandom.bytes(1024) { counts[Int(byte)] += 1 }
        }
        #expect(counts.allSatisfy { (150..<400).contains($0) }, "\(counts.min()!)…\(counts.max()!)")
    }
}

extension SecureRandomTests {
    /// Small draws come from a block; draws that cross blocks and draws larger than the block
    /// path never repeat a 16-byte value (they would if the block were reused or not refilled).
    @Test func noDrawRepeatsAcrossBlocks() {
        var seen = Set<[UInt8]>()
        for _ in 0..<2000 {
            #expect(seen.insert(SecureRandom.bytes(16)).inserted)
            #expect(seen.insert(Array(SecureRandom.bytes(300).prefix(16))).inserted)
            #expect(seen.insert(SecureRandom.bytes(16 + 7)).inserted)
        }
    }
}

extension SecureRandomTests {
    /// Filled in place (how ids are made), pieces are as random as drawn arrays: none handed out
    /// twice across blocks, none of bytes the block had already wiped after handing them out.
    @Test func fillingInPlaceNeverRepeatsOrGivesWipedBytes() {
        var seen = Set<[UInt8]>()
        for round in 0..<600 {
            let count = [16, 32, 7, 255, 256, 257, 4096, 1][round % 8]
            var piece = [UInt8](repeating: 0, count: count)
            piece.withUnsafeMutableBytes { SecureRandom.fill($0) }
            guard count >= 16 else { continue }
            #expect(seen.insert(piece).inserted)
            #expect(!(0...(count - 16)).contains { start in piece[start..<(start + 16)].allSatisfy { $0 == 0 } })
        }
        SecureRandom.fill(UnsafeMutableRawBufferPointer(start: nil, count: 0))
    }
}
