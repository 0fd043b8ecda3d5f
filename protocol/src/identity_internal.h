#ifndef HASHFED_IDENTITY_INTERNAL_H
#define HASHFED_IDENTITY_INTERNAL_H

#include <stdint.h>

#include "hashfed/identity.h"

/*
 * The X25519 secret key of an identity (HF_ENC_SK_LEN bytes), for the
 * envelope's HPKE open. Points into the identity's sodium_malloc memory,
 * valid until hf_identity_free. Callers pass it straight to libsodium or
 * hfi_hpke_*; a copy must be wiped with sodium_memzero.
 */
const uint8_t *hfi_identity_enc_sk(const hf_identity *id) HF_NONNULL(1);

#endif
