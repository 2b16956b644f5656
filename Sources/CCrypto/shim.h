#ifndef EVALGATE_CCRYPTO_SHIM_H
#define EVALGATE_CCRYPTO_SHIM_H
#include <openssl/evp.h>

/// One-shot SHA-256 through OpenSSL's EVP interface (the non-deprecated path in OpenSSL 3).
/// Writes 32 bytes to `digest`; returns 1 on success.
///
/// The algorithm is fetched once and each thread keeps one digest context: `EVP_Digest` with
/// `EVP_sha256()` made a context and looked the algorithm up (under a global lock) for every
/// digest, a third of loading a suite's cases, whose fingerprints are one digest each.
static inline int evalgate_sha256(const void *data, size_t length, unsigned char *digest) {
    static EVP_MD *shared;
    static _Thread_local EVP_MD_CTX *context;
    EVP_MD *md = __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
    if (md == NULL) {
        EVP_MD *fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (fetched == NULL) return 0;
        EVP_MD *expected = NULL;
        if (__atomic_compare_exchange_n(&shared, &expected, fetched, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            md = fetched;
        } else {
            EVP_MD_free(fetched);  // another thread fetched it first
            md = expected;
        }
    }
    if (context == NULL && (context = EVP_MD_CTX_new()) == NULL) return 0;
    unsigned int size = 0;
    return EVP_DigestInit_ex2(context, md, NULL) && EVP_DigestUpdate(context, data, length) && EVP_DigestFinal_ex(context, digest, &size);
}
#endif
