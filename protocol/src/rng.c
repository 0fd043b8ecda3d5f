#include <string.h>

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

void hfi_domain_hash(const uint8_t *key, size_t key_len, const char *domain, const uint8_t *data,
                     size_t len, uint8_t *out, size_t out_len)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key_len ? key : NULL, key_len, out_len);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, out, out_len);
	sodium_memzero(&st, sizeof(st));
}

hf_err hfi_crypto_init(void)
{
	/* 0: initialised now, 1: already initialised, -1: failure. */
	return sodium_init() < 0 ? HF_ECRYPTO : HF_OK;
}
