import CDeflate
import CZlib
import Foundation

/// gzip (RFC 1952) for CloudTrail's `.json.gz` files: written by libdeflate at its fastest level,
/// read by zlib. The log files of a busy server are written every second or so, and compressing
/// them was a few percent of the CPU of every audited call: zlib's fastest level took 1.5–1.9
/// times libdeflate's for a file 11 % larger (4.5 MB of records; zlib's default level took 1.8
/// times its fastest).
enum Gzip {
    struct Failure: Error {}

    static func compress(_ data: Data) throws -> Data {
        try compress([UInt8](data))
    }

    /// Compresses in one call (a digest file; log files keep a `Reusable`).
    static func compress(_ input: [UInt8]) throws -> Data {
        try input.withUnsafeBufferPointer { input in try Reusable().compress(input) { Data($0) } }
    }

    /// A compressor and its output's room, kept for the next file (used by one caller at a time):
    /// a fresh compressor and a fresh output of megabytes for every log file cost a page fault per
    /// 4 KiB each time, more than a third of delivering the records.
    final class Reusable: @unchecked Sendable {
        private let compressor: OpaquePointer
        private var output: [UInt8] = []

        init() throws {
            guard let compressor = libdeflate_alloc_compressor(1) else { throw Failure() }
            self.compressor = compressor
        }

        deinit { libdeflate_free_compressor(compressor) }

        /// Compresses `input`; `body` reads the gzip bytes in place (they are overwritten by the
        /// next call).
        func compress<R>(_ input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
            let bound = libdeflate_gzip_compress_bound(compressor, input.count)
            if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
            let written = output.withUnsafeMutableBytes { out in
                libdeflate_gzip_compress(compressor, input.baseAddress, input.count, out.baseAddress, out.count)
            }
            guard written > 0 else { throw Failure() }
            return try output.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<written])) }
        }
    }

    static func decompress(_ data: Data, limit: Int = 256 << 20) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw Failure() }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data)
        var result = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                result.append(contentsOf: chunk.prefix(produced))
                guard result.count <= limit else { throw Failure() }
                if status == Z_STREAM_END { return }
                guard status == Z_OK else { throw Failure() }
                if produced == 0 && stream.avail_in == 0 { throw Failure() }
            }
        }
        return result
    }
}
