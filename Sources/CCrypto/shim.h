#ifndef EVALGATE_CCRYPTO_SHIM_H
#define EVALGATE_CCRYPTO_SHIM_H
#include <openssl/evp.h>

/// One-shot SHA-256 through OpenSSL's EVP interface (the non-deprecated path in OpenSSL 3).
/// Writes 32 bytes to `digest`; returns 1 on success.
static inline int evalgate_sha256(const void *data, size_t length, unsigned char *digest) {
    unsigned int size = 0;
    return EVP_Digest(data, length, digest, &size, EVP_sha256(), NULL);
}
#endif
