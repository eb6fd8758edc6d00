// Debian's OpenSSL 3 libcrypto, for primitives swift-crypto lacks: SHA-224, secp256k1, RSA and
// ECDSA over a caller-supplied digest, PKCS#8 parsing of every key type KMS imports.
// Kept in a target of its own: BoringSSL's headers (swift-crypto) and OpenSSL's must not meet.
#ifndef TRENT_COPENSSL_SHIM_H
#define TRENT_COPENSSL_SHIM_H
// SHA256_Init/Update/Final (deprecated in 3.0, still built by Debian): a digest's state as a plain
// struct, copied rather than allocated (SigV4's HMAC with its keyed states made once).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#endif
