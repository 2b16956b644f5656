#ifndef EVALGATE_CCRYPTO_SHIM_H
#define EVALGATE_CCRYPTO_SHIM_H
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

/// One-shot SHA-256 through OpenSSL's EVP interface (the non-deprecated path in OpenSSL 3).
/// Writes 32 bytes to `digest`; returns 1 on success.
///
/// The algorithm is fetched once and each thread keeps one digest context: `EVP_Digest` with
/// `EVP_sha256()` made a context and looked the algorithm up (under a global lock) for every
/// digest, a third of loading a suite's cases, whose fingerprints are one digest each.
static inline EVP_MD_CTX *evalgate_sha256_begin(void) {
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
    if (context == NULL && (context = EVP_MD_CTX_new()) == NULL) return NULL;
    return EVP_DigestInit_ex2(context, md, NULL) ? context : NULL;
}

static inline int evalgate_sha256(const void *data, size_t length, unsigned char *digest) {
    EVP_MD_CTX *context = evalgate_sha256_begin();
    unsigned int size = 0;
    return context != NULL && EVP_DigestUpdate(context, data, length) && EVP_DigestFinal_ex(context, digest, &size);
}

/// SHA-256 of everything left to read from `fd`, 256 KiB at a time (a recording of 400,000
/// answers is 67 MB: read whole to be digested, it was the largest thing a gate ever held).
/// Returns 1 on success, 0 when libcrypto fails, -1 when reading fails (errno says why).
static inline int evalgate_sha256_file(int fd, unsigned char *digest) {
    enum { chunk = 256 * 1024 };
    unsigned char *buffer = malloc(chunk);
    if (buffer == NULL) return 0;
    EVP_MD_CTX *context = evalgate_sha256_begin();
    int status = context != NULL;
    while (status == 1) {
        ssize_t got = read(fd, buffer, chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) status = -1;
        if (got <= 0) break;
        if (!EVP_DigestUpdate(context, buffer, (size_t)got)) status = 0;
    }
    unsigned int size = 0;
    if (status == 1 && !EVP_DigestFinal_ex(context, digest, &size)) status = 0;
    free(buffer);
    return status;
}
#endif
