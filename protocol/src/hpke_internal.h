#ifndef HASHFED_HPKE_INTERNAL_H
#define HASHFED_HPKE_INTERNAL_H

#include <stdint.h>

#include "hashfed/hpke.h"

/*
 * Set the next sequence number of a context. For tests only (RFC 9180
 * vectors seal at sequence 255 and 256; exhaustion at UINT64_MAX): moving a
 * sender's sequence backwards reuses nonces and breaks the AEAD.
 */
void hfi_hpke_ctx_set_seq(hf_hpke_ctx *ctx, uint64_t seq);

#endif
