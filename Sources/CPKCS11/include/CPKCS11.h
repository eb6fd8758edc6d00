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

/// Generates a secret key as a token object labelled `label`: AES (`hmac` 0) or a generic secret
/// for HMAC (`hmac` 1), `length` bytes, sensitive (its value never leaves the token) but wrappable,
/// so that it can be exported only encrypted. 1 on success; refuses a label already in use.
int trent_p11_generate_secret(trent_p11 *token, const char *label, int hmac, size_t length, char *error, size_t error_len);

/// Wraps the secret key labelled `label` for KMS under an RSA public key (modulus, exponent), in
/// the token: `key_wrap` 0 is RSAES-OAEP, 1 is RSA-AES key wrap (CKM_RSA_AES_KEY_WRAP, or where the
/// token lacks it, CKM_AES_KEY_WRAP_PAD under a token-generated ephemeral AES-256 key that is then
/// wrapped with CKM_RSA_PKCS_OAEP); `sha256` picks SHA-256 over SHA-1 for OAEP and MGF1.
/// `*out_len` holds `out`'s size and is set to the result's. 1 on success.
int trent_p11_wrap_for_kms(trent_p11 *token, const char *label, const uint8_t *modulus, size_t modulus_len,
                           const uint8_t *exponent, size_t exponent_len, int key_wrap, int sha256,
                           uint8_t *out, size_t *out_len, char *error, size_t error_len);

/// Generates a key pair as token objects labelled `label`: RSA of `rsa_bits` (when `ec_params` is
/// NULL) or EC on the curve whose DER OID is `ec_params`. The private key is sensitive and only
/// exportable wrapped. 1 on success; refuses a label already in use.
int trent_p11_generate_key_pair(trent_p11 *token, const char *label, size_t rsa_bits, const uint8_t *ec_params, size_t ec_params_len,
                                char *error, size_t error_len);

/// The public key labelled `label`: RSA modulus and exponent (`*kind` 1), or EC point as the DER
/// OCTET STRING of CKA_EC_POINT (`*kind` 2, into `a`). Sizes in/out. 1 on success.
int trent_p11_public_key(trent_p11 *token, const char *label, int *kind, uint8_t *a, size_t *a_len, uint8_t *b, size_t *b_len,
                         char *error, size_t error_len);

/// HMAC (`digest_bits` 224, 256, 384 or 512) of `message` with the secret key labelled `label`, in the token.
int trent_p11_hmac(trent_p11 *token, const char *label, int digest_bits, const uint8_t *message, size_t message_len,
                   uint8_t *out, size_t *out_len, char *error, size_t error_len);

void trent_p11_close(trent_p11 *token);

#endif
