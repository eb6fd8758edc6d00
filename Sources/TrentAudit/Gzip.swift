import CZlib
import Foundation

/// gzip (RFC 1952) through zlib, for CloudTrail's `.json.gz` files: zlib's fastest level (the
/// log files of a busy server are written every second or so; on 5,000 records zlib's default
/// level took 1.8 times the CPU for a file 11 % smaller).
enum Gzip {
    struct Failure: Error {}

    static func compress(_ data: Data) throws -> Data {
        try compress([UInt8](data))
    }

    /// Compresses in one `deflate` call, straight from the caller's bytes into the result's.
    static func compress(_ input: [UInt8]) throws -> Data {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_BEST_SPEED, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure()
        }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let status = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBytes { outBuf -> Int32 in
                // zlib does not write through next_in; its type is just not const.
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.bindMemory(to: UInt8.self).baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure() }
        output.count = Int(stream.total_out)
        return output
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
