// ML-DSA-44/65/87 with external mu, from the BoringSSL that swift-crypto vendors.
//
// swift-crypto's public API offers ML-DSA-65 and ML-DSA-87 over whole messages only. The BoringSSL
// inside it (target CCryptoBoringSSL, symbols prefixed `CCryptoBoringSSL_`) also implements
// ML-DSA-44 and signing of an external mu (FIPS 204 "message representative"). This shim declares
// those few functions and offers them over plain byte buffers, keeping BoringSSL's structures out
// of Swift. Keys are always held as their 32-byte seed.
#ifndef TRENT_CBORINGMLDSA_H
#define TRENT_CBORINGMLDSA_H
#include <stddef.h>
#include <stdint.h>

/// `level` is 44, 65 or 87. Every function returns 1 on success and 0 on failure (unknown level,
/// wrong buffer length, malformed key or signature).

/// Writes the encoded public key (1312, 1952 or 2592 bytes) of the key with this seed.
int trent_mldsa_public_key(int level, const uint8_t seed[32], uint8_t *out, size_t out_len);

/// Signs `message` (pure ML-DSA, empty context, randomized) into `signature` (2420, 3309 or 4627 bytes).
int trent_mldsa_sign(int level, const uint8_t seed[32], const uint8_t *message, size_t message_len,
                     uint8_t *signature, size_t signature_len);

/// Signs a 64-byte external mu (FIPS 204: mu = SHAKE256(tr || M', 64)).
int trent_mldsa_sign_mu(int level, const uint8_t seed[32], const uint8_t mu[64],
                        uint8_t *signature, size_t signature_len);

/// Verifies a signature over `message` with an encoded public key.
int trent_mldsa_verify(int level, const uint8_t *public_key, size_t public_key_len,
                       const uint8_t *signature, size_t signature_len,
                       const uint8_t *message, size_t message_len);

#endif
