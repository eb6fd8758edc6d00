#include "CBoringMLDSA.h"
#include <string.h>

// Declarations matching swift-crypto 4.5's Sources/CCryptoBoringSSL/include/CCryptoBoringSSL_mldsa.h
// and CCryptoBoringSSL_bytestring.h. The private and public key structures are opaque byte arrays
// whose sizes are given there; they are only ever allocated here, never interpreted.
struct trent_cbs { const uint8_t *data; size_t len; };
typedef union { uint8_t bytes[256]; long double align_ld; void *align_ptr; uint64_t align_64; } trent_cbb;

#define PRIVATE_KEY_BYTES(k, l) (32 + 32 + 64 + 256 * 4 * ((l) + (k) + (k)))
#define PUBLIC_KEY_STRUCT_BYTES(k) (32 + 64 + 256 * 4 * (k))

typedef union { uint8_t bytes[PRIVATE_KEY_BYTES(8, 7)]; uint32_t alignment; } trent_private_key;
typedef union { uint8_t bytes[PUBLIC_KEY_STRUCT_BYTES(8)]; uint32_t alignment; } trent_public_key;

#define DECLARE(n)                                                                                         \
    int CCryptoBoringSSL_MLDSA##n##_private_key_from_seed(void *out, const uint8_t *seed, size_t seed_len); \
    int CCryptoBoringSSL_MLDSA##n##_public_from_private(void *out, const void *private_key);              \
    int CCryptoBoringSSL_MLDSA##n##_sign(uint8_t *sig, const void *private_key, const uint8_t *msg,       \
                                          size_t msg_len, const uint8_t *context, size_t context_len);    \
    int CCryptoBoringSSL_MLDSA##n##_verify(const void *public_key, const uint8_t *sig, size_t sig_len,    \
                                            const uint8_t *msg, size_t msg_len, const uint8_t *context,  \
                                            size_t context_len);                                          \
    int CCryptoBoringSSL_MLDSA##n##_sign_message_representative(uint8_t *sig, const void *private_key,    \
                                                                 const uint8_t mu[64]);                    \
    int CCryptoBoringSSL_MLDSA##n##_marshal_public_key(void *cbb, const void *public_key);                \
    int CCryptoBoringSSL_MLDSA##n##_parse_public_key(void *public_key, struct trent_cbs *in);
DECLARE(44)
DECLARE(65)
DECLARE(87)

int CCryptoBoringSSL_CBB_init_fixed(void *cbb, uint8_t *buf, size_t len);
int CCryptoBoringSSL_CBB_finish(void *cbb, uint8_t **out_data, size_t *out_len);
void CCryptoBoringSSL_CBB_cleanup(void *cbb);

typedef struct {
    int (*from_seed)(void *, const uint8_t *, size_t);
    int (*public_from_private)(void *, const void *);
    int (*sign)(uint8_t *, const void *, const uint8_t *, size_t, const uint8_t *, size_t);
    int (*verify)(const void *, const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, size_t);
    int (*sign_mu)(uint8_t *, const void *, const uint8_t *);
    int (*marshal)(void *, const void *);
    int (*parse)(void *, struct trent_cbs *);
    size_t public_key_len, signature_len;
} parameter_set;

#define SET(n, pk, sig)                                                                                        \
    { CCryptoBoringSSL_MLDSA##n##_private_key_from_seed, CCryptoBoringSSL_MLDSA##n##_public_from_private,      \
      CCryptoBoringSSL_MLDSA##n##_sign, CCryptoBoringSSL_MLDSA##n##_verify,                                    \
      CCryptoBoringSSL_MLDSA##n##_sign_message_representative, CCryptoBoringSSL_MLDSA##n##_marshal_public_key, \
      CCryptoBoringSSL_MLDSA##n##_parse_public_key, pk, sig }

static const parameter_set mldsa44 = SET(44, 1312, 2420);
static const parameter_set mldsa65 = SET(65, 1952, 3309);
static const parameter_set mldsa87 = SET(87, 2592, 4627);

static const parameter_set *parameters(int level) {
    switch (level) {
    case 44: return &mldsa44;
    case 65: return &mldsa65;
    case 87: return &mldsa87;
    default: return NULL;
    }
}

static int load(const parameter_set *p, const uint8_t seed[32], trent_private_key *key) {
    return p != NULL && p->from_seed(key, seed, 32);
}

int trent_mldsa_public_key(int level, const uint8_t seed[32], uint8_t *out, size_t out_len) {
    const parameter_set *p = parameters(level);
    trent_private_key key;
    trent_public_key public_key;
    trent_cbb cbb;
    uint8_t *written = NULL;
    size_t written_len = 0;
    int ok = load(p, seed, &key) && out_len == p->public_key_len && p->public_from_private(&public_key, &key) &&
             CCryptoBoringSSL_CBB_init_fixed(&cbb, out, out_len);
    if (ok) {
        ok = p->marshal(&cbb, &public_key) && CCryptoBoringSSL_CBB_finish(&cbb, &written, &written_len) &&
             written_len == out_len;
        if (!ok) CCryptoBoringSSL_CBB_cleanup(&cbb);
    }
    memset(&key, 0, sizeof key);
    return ok;
}

int trent_mldsa_sign(int level, const uint8_t seed[32], const uint8_t *message, size_t message_len,
                     uint8_t *signature, size_t signature_len) {
    const parameter_set *p = parameters(level);
    trent_private_key key;
    int ok = load(p, seed, &key) && signature_len == p->signature_len &&
             p->sign(signature, &key, message, message_len, NULL, 0);
    memset(&key, 0, sizeof key);
    return ok;
}

int trent_mldsa_sign_mu(int level, const uint8_t seed[32], const uint8_t mu[64], uint8_t *signature,
                        size_t signature_len) {
    const parameter_set *p = parameters(level);
    trent_private_key key;
    int ok = load(p, seed, &key) && signature_len == p->signature_len && p->sign_mu(signature, &key, mu);
    memset(&key, 0, sizeof key);
    return ok;
}

int trent_mldsa_verify(int level, const uint8_t *public_key, size_t public_key_len, const uint8_t *signature,
                       size_t signature_len, const uint8_t *message, size_t message_len) {
    const parameter_set *p = parameters(level);
    trent_public_key key;
    struct trent_cbs in = {public_key, public_key_len};
    return p != NULL && p->parse(&key, &in) &&
           p->verify(&key, signature, signature_len, message, message_len, NULL, 0);
}
