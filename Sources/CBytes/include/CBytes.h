#ifndef CBYTES_H
#define CBYTES_H

#include <stddef.h>
#include <stdint.h>

// Byte-level work of the hot calls with SIMD: base64 of blobs, and the scans over a request's
// head and its JSON strings. Each has a plain loop for what SIMD does not cover.

/// Base64 (standard alphabet) of whole 12-byte groups with SSSE3, where the CPU has it.
///
/// Encodes the longest prefix of `input` that is a multiple of 12 bytes and leaves at least 4
/// bytes readable after it (the loads are 16 bytes wide), writing 16 characters per group at
/// `output`. Returns how many input bytes it encoded: 0 when the CPU lacks SSSE3 or the input is
/// short; the caller encodes the rest (and the padding) itself.
size_t trent_base64_encode_prefix(const uint8_t *input, size_t length, uint8_t *output);

/// Decodes base64 (standard alphabet, no padding, nothing to skip) in whole 16-character blocks
/// with SSSE3, where the CPU has it: at most `length` characters, stopping before the last
/// `keep` of them. Writes 12 bytes per block at `output`, which must have room for 4 bytes more
/// than it writes. Returns how many characters it decoded (a multiple of 16): 0 when the CPU
/// lacks SSSE3. Stops at the first block holding a character outside the alphabet (`=` among
/// them) and returns SIZE_MAX: the caller then decodes the whole input its own way, and refuses
/// it as it would.
size_t trent_base64_decode_prefix(const uint8_t *input, size_t length, size_t keep, uint8_t *output);

/// Where the run of bytes that a JSON string can hold without an escape (printable ASCII other
/// than `"` and `\`: 0x20-0x7E) that starts at `start` ends: the index of the first other byte
/// in `bytes[start..<count]`, or `count`.
size_t trent_json_plain_run(const uint8_t *bytes, size_t start, size_t count);

/// Where the run of bytes an HTTP field value may hold (visible ASCII, space and tab) that starts
/// at `start` ends: the index of the first other byte in `bytes[start..<end]`, or `end`.
size_t trent_field_value_end(const uint8_t *bytes, size_t start, size_t end);

/// The end of an HTTP head in `bytes[0..<count]`: the index just past its first CR LF CR LF, or 0
/// when there is none.
size_t trent_head_end(const uint8_t *bytes, size_t count);

#endif
