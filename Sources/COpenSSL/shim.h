// Debian's OpenSSL 3 libcrypto, for primitives swift-crypto lacks (SHA-224 and HMAC-SHA-224).
// Kept in a target of its own: BoringSSL's headers (swift-crypto) and OpenSSL's must not meet.
#ifndef TRENT_COPENSSL_SHIM_H
#define TRENT_COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif
