import COpenSSL
import Foundation
import TrentSync

/// Random bytes from OpenSSL's DRBG (`RAND_bytes`: seeded from the kernel, then in user space).
/// Swift's `SystemRandomNumberGenerator` makes one `getrandom` system call per 8 bytes (and
/// `UInt8.random` one per byte), and OpenSSL 3's `RAND_bytes` costs microseconds a call through
/// its provider layers; key material, nonces and ids are made on every call. So small requests
/// are served from a 4 KiB block drawn at once, and every byte handed out is zeroed in the block
/// (what stays in memory is only randomness not yet used).
public enum OpenSSLRandom {
    static let blockSize = 4096
    /// Larger requests go to `RAND_bytes` directly.
    static let largestBuffered = 256

    private final class Block: @unchecked Sendable {
        let lock = AdaptiveLock()
        var bytes = [UInt8](repeating: 0, count: OpenSSLRandom.blockSize)
        var next = OpenSSLRandom.blockSize  // all used: the first request draws a block
    }

    private static let block = Block()

    /// `count` bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Fills `buffer` (ids are made in place: an array for each was an allocation and a copy).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        let count = buffer.count
        guard count > 0, let target = buffer.baseAddress else { return }
        // Large requests (key material among them) go straight into the caller's buffer: no
        // copy of them is left behind in freed memory.
        guard count <= largestBuffered else { return draw(into: buffer) }
        let block = block
        block.lock.lock()
        defer { block.lock.unlock() }
        if block.next + count > blockSize {
            block.bytes = drawn(blockSize)
            block.next = 0
        }
        let start = block.next
        block.next += count
        block.bytes.withUnsafeMutableBytes { bytes in
            target.copyMemory(from: bytes.baseAddress! + start, byteCount: count)
            (bytes.baseAddress! + start).initializeMemory(as: UInt8.self, repeating: 0, count: count)
        }
    }

    /// Straight from `RAND_bytes`; from the kernel's generator instead should OpenSSL's ever fail.
    private static func drawn(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            draw(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    private static func draw(into buffer: UnsafeMutableRawBufferPointer) {
        guard let target = buffer.baseAddress, !buffer.isEmpty else { return }
        if RAND_bytes(target.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1 { return }
        var generator = SystemRandomNumberGenerator()
        for start in stride(from: 0, to: buffer.count, by: 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { word in
                for i in 0..<min(8, buffer.count - start) { buffer[start + i] = word[i] }
            }
        }
    }
}
