#ifndef HASHFED_CRYPTO_INTERNAL_H
#define HASHFED_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"

/*
 * Make sure libsodium is initialised before any call that depends on it
 * (sodium_malloc needs the page size; implementations are picked at init).
 * Idempotent and thread-safe (sodium_init is). HF_ECRYPTO if it fails.
 */
hf_err hfi_crypto_init(void) HF_MUST_CHECK;

/*
 * A domain-separated hash: BLAKE2b with out_len bytes of output (keyed with key[0..key_len)
 * if key_len != 0) of the domain string (without its NUL), then data. The state is wiped
 * (it may hold the key).
 */
void hfi_domain_hash(const uint8_t *key, size_t key_len, const char *domain, const uint8_t *data,
                     size_t len, uint8_t *out, size_t out_len);

#endif
