#ifndef HASHFED_RNG_H
#define HASHFED_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"

/*
 * Injectable randomness. Every protocol function that needs random bytes
 * (ephemeral keys, key generation, nonces) takes a `const hf_rng *`, so tests
 * and spec vectors can be deterministic while production uses the OS CSPRNG.
 *
 * A NULL hf_rng, or one whose `fn` is NULL, means libsodium's randombytes_buf.
 * `fn` must fill all `n` bytes and cannot fail; it is called from the caller's
 * thread only.
 */
typedef void (*hf_rng_fn)(void *ctx, uint8_t *buf, size_t n);

typedef struct hf_rng {
	hf_rng_fn fn;
	void *ctx;
} hf_rng;

/* Fill buf[0..n) from rng (NULL or NULL fn: randombytes_buf). n == 0 is a no-op. */
HF_API void hf_rng_bytes(const hf_rng *rng, uint8_t *buf, size_t n);

#endif
