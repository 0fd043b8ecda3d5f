#ifndef HASHFED_CRYPTO_INTERNAL_H
#define HASHFED_CRYPTO_INTERNAL_H

#include "hashfed/err.h"

/*
 * Make sure libsodium is initialised before any call that depends on it
 * (sodium_malloc needs the page size; implementations are picked at init).
 * Idempotent and thread-safe (sodium_init is). HF_ECRYPTO if it fails.
 */
hf_err hfi_crypto_init(void) HF_MUST_CHECK;

#endif
