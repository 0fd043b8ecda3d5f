#include <sodium.h>

#include "hashfed/rng.h"

#include "crypto_internal.h"

void hf_rng_bytes(const hf_rng *rng, uint8_t *buf, size_t n)
{
	if (n == 0)
		return;
	if (rng == NULL || rng->fn == NULL) {
		/* randombytes_buf initialises its own source on first use. */
		randombytes_buf(buf, n);
		return;
	}
	rng->fn(rng->ctx, buf, n);
}

hf_err hfi_crypto_init(void)
{
	/* 0: initialised now, 1: already initialised, -1: failure. */
	return sodium_init() < 0 ? HF_ECRYPTO : HF_OK;
}
