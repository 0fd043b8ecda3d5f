#ifndef HASHFED_DIGEST_H
#define HASHFED_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"

/*
 * Content digests of file bytes: MD5 and SHA-256 computed in the same pass
 * (OpenSSL EVP). MD5 is there for interoperability with existing hash lists;
 * it is not a security primitive here.
 */

#define HF_MD5_LEN    16
#define HF_SHA256_LEN 32

typedef struct hf_digests {
	uint8_t md5[HF_MD5_LEN];
	uint8_t sha256[HF_SHA256_LEN];
} hf_digests;

/*
 * Both digests of `len` bytes at `data` (NULL allowed when len is 0).
 * Errors: HF_EINVAL (NULL data with len > 0), HF_ECRYPTO, HF_ENOMEM.
 */
HF_API hf_err hf_digest_buf(const void *data, size_t len, hf_digests *out) HF_MUST_CHECK
    HF_NONNULL(3);

/* Incremental form for streaming: new, update..., final, free. */
typedef struct hf_digest hf_digest;

/* Errors: HF_ENOMEM, HF_ECRYPTO. *out is NULL on error. */
HF_API hf_err hf_digest_new(hf_digest **out) HF_MUST_CHECK HF_NONNULL(1);
/* Feed bytes. Errors: HF_EINVAL (NULL data with len > 0, or after final), HF_ECRYPTO. */
HF_API hf_err hf_digest_update(hf_digest *d, const void *data, size_t len) HF_MUST_CHECK
    HF_NONNULL(1);
/* Finish; the object can then only be freed. Errors: HF_EINVAL (twice), HF_ECRYPTO. */
HF_API hf_err hf_digest_final(hf_digest *d, hf_digests *out) HF_MUST_CHECK HF_NONNULL(1, 2);
/* NULL is a no-op. */
HF_API void hf_digest_free(hf_digest *d);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
HF_API void hf_hex_lower(const uint8_t *in, size_t n, char *out) HF_NONNULL(1, 3);

#endif
