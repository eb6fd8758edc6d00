// Base64 of whole blocks with SSSE3: the encoding and decoding of Wojciech Muła and Daniel Lemire,
// "Faster Base64 Encoding and Decoding using AVX2 Instructions" (ACM TWEB, 2018), in their
// 128-bit form. The callers keep their own code for the ends of the input (padding, the last
// quantum) and for everything the CPU or the input does not allow here.
#include "CBytes.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

static int has_ssse3(void) { return __builtin_cpu_supports("ssse3"); }

__attribute__((target("ssse3")))
static size_t encode_ssse3(const uint8_t *input, size_t length, uint8_t *output) {
    size_t done = 0;
    // Three input bytes per 32-bit lane, in the order the 6-bit fields are cut from them.
    const __m128i spread = _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
    // Per translated class: what to add to a 6-bit value to make its character.
    const __m128i offsets = _mm_setr_epi8(
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '+' - 62, '/' - 63, 'A', 0, 0);
    while (done + 16 <= length) {
        __m128i in = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(input + done)), spread);
        __m128i high = _mm_mulhi_epu16(_mm_and_si128(in, _mm_set1_epi32(0x0fc0fc00)), _mm_set1_epi32(0x04000040));
        __m128i low = _mm_mullo_epi16(_mm_and_si128(in, _mm_set1_epi32(0x003f03f0)), _mm_set1_epi32(0x01000010));
        __m128i values = _mm_or_si128(high, low);
        // 0..25 -> class 13, 26..51 -> 0, 52..61 -> 1..10, 62 -> 11, 63 -> 12.
        __m128i classes = _mm_subs_epu8(values, _mm_set1_epi8(51));
        classes = _mm_or_si128(classes, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26), values), _mm_set1_epi8(13)));
        _mm_storeu_si128((__m128i *)(output + done / 3 * 4), _mm_add_epi8(values, _mm_shuffle_epi8(offsets, classes)));
        done += 12;
    }
    return done;
}

__attribute__((target("ssse3")))
static size_t decode_ssse3(const uint8_t *input, size_t length, size_t keep, uint8_t *output) {
    size_t done = 0;
    // A character is in the alphabet when the bits for its low and high nibbles share none.
    const __m128i low_bits = _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m128i high_bits = _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    // What to add to a character for its 6-bit value, by high nibble (`/` apart).
    const __m128i shifts = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m128i nibble = _mm_set1_epi8(0x0f);
    const __m128i pack = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    while (length - done >= keep + 16) {
        __m128i in = _mm_loadu_si128((const __m128i *)(input + done));
        __m128i high = _mm_and_si128(_mm_srli_epi32(in, 4), nibble);
        __m128i low = _mm_and_si128(in, nibble);
        __m128i clash = _mm_and_si128(_mm_shuffle_epi8(low_bits, low), _mm_shuffle_epi8(high_bits, high));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(clash, _mm_setzero_si128())) != 0xFFFF) return SIZE_MAX;
        __m128i slash = _mm_cmpeq_epi8(in, _mm_set1_epi8('/'));
        __m128i values = _mm_add_epi8(in, _mm_shuffle_epi8(shifts, _mm_add_epi8(slash, high)));
        // Four 6-bit values to 24 bits per lane, then the three bytes of each lane in order.
        __m128i pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x01400140));
        __m128i lanes = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
        _mm_storeu_si128((__m128i *)(output + done / 4 * 3), _mm_shuffle_epi8(lanes, pack));
        done += 16;
    }
    return done;
}
#endif

size_t trent_base64_encode_prefix(const uint8_t *input, size_t length, uint8_t *output) {
#if defined(__x86_64__) || defined(__i386__)
    if (has_ssse3()) return encode_ssse3(input, length, output);
#endif
    (void)input; (void)length; (void)output;
    return 0;
}

size_t trent_base64_decode_prefix(const uint8_t *input, size_t length, size_t keep, uint8_t *output) {
#if defined(__x86_64__) || defined(__i386__)
    if (length >= keep && has_ssse3()) return decode_ssse3(input, length, keep, output);
#endif
    (void)input; (void)length; (void)keep; (void)output;
    return 0;
}
