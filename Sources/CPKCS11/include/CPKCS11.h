// A PKCS#11 token (an HSM, or SoftHSM2 in tests) holding Trent's root key: a non-extractable
// AES-256 secret key, used only to encrypt and decrypt (AES-GCM) inside the token. The module is
// loaded at run time (dlopen), so Trent has no link-time dependency on any vendor library.
#ifndef TRENT_CPKCS11_H
#define TRENT_CPKCS11_H
#include <stddef.h>
#include <stdint.h>

typedef struct trent_p11 trent_p11;

/// Loads `module`, finds the token labelled `token_label`, opens a read-write session and logs in
/// as the user with `pin`. NULL on failure, with a message in `error`.
trent_p11 *trent_p11_open(const char *module, const char *token_label, const char *pin, char *error, size_t error_len);

/// Selects the AES secret key labelled `label`; with `create`, generates it in the token when
/// absent (token object, sensitive, never extractable). 1 on success.
int trent_p11_select_key(trent_p11 *token, const char *label, int create, char *error, size_t error_len);

/// AES-GCM (12-byte IV, 128-bit tag) with the selected key. `out` holds `in_len` + 16 bytes for
/// encryption, `in_len` for decryption (of which `in_len` − 16 are used); `*out_len` is set. 1 on success (decryption: the tag held).
int trent_p11_gcm(trent_p11 *token, int encrypt, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);

void trent_p11_close(trent_p11 *token);

#endif
