// Scans over a request's bytes, 16 at a time with SSE2 (part of every x86-64 CPU), then byte by
// byte for the rest and on other CPUs.
#include "CBytes.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/// Index of the first set bit of a 16-bit mask that is not 0.
static inline size_t first(int mask) { return (size_t)__builtin_ctz((unsigned)mask); }
#endif

static inline int is_plain(uint8_t byte) { return byte >= 0x20 && byte < 0x7F && byte != '"' && byte != '\\'; }
static inline int is_field_value(uint8_t byte) { return (byte >= 0x20 && byte < 0x7F) || byte == '\t'; }

size_t trent_json_plain_run(const uint8_t *bytes, size_t start, size_t count) {
    size_t i = start;
#if defined(__SSE2__)
    // Signed, bytes of 0x80 and up are below 0x20 too.
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (i + 16 <= count) {
        __m128i x = _mm_loadu_si128((const __m128i *)(bytes + i));
        __m128i other = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, space), _mm_cmpeq_epi8(x, del)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
        int mask = _mm_movemask_epi8(other);
        if (mask) return i + first(mask);
        i += 16;
    }
#endif
    while (i < count && is_plain(bytes[i])) i++;
    return i;
}

size_t trent_field_value_end(const uint8_t *bytes, size_t start, size_t end) {
    size_t i = start;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F), tab = _mm_set1_epi8('\t');
    while (i + 16 <= end) {
        __m128i x = _mm_loadu_si128((const __m128i *)(bytes + i));
        __m128i other = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, tab), _mm_cmplt_epi8(x, space)), _mm_cmpeq_epi8(x, del));
        int mask = _mm_movemask_epi8(other);
        if (mask) return i + first(mask);
        i += 16;
    }
#endif
    while (i < end && is_field_value(bytes[i])) i++;
    return i;
}

size_t trent_head_end(const uint8_t *bytes, size_t count) {
    size_t i = 0;
#if defined(__SSE2__)
    // Where bytes i, i+1, i+2 and i+3 are CR, LF, CR and LF, for 16 values of i at a time.
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    while (i + 19 <= count) {
        __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(bytes + i)), cr);
        __m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(bytes + i + 1)), lf);
        __m128i c = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(bytes + i + 2)), cr);
        __m128i d = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(bytes + i + 3)), lf);
        int mask = _mm_movemask_epi8(_mm_and_si128(_mm_and_si128(a, b), _mm_and_si128(c, d)));
        if (mask) return i + first(mask) + 4;
        i += 16;
    }
#endif
    for (; i + 4 <= count; i++) {
        if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') return i + 4;
    }
    return 0;
}
