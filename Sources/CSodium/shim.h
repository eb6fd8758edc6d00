// Debian's libsodium (libsodium-dev), for Ed25519ph, which OpenSSL 3.0 and swift-crypto lack.
#ifndef TRENT_CSODIUM_SHIM_H
#define TRENT_CSODIUM_SHIM_H
#include <sodium.h>
#endif
