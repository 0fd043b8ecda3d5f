#ifndef HASHFED_HPKE_INTERNAL_H
#define HASHFED_HPKE_INTERNAL_H

#include <stdint.h>

#include "hashfed/hpke.h"

/*
 * Encap / AuthEncap (RFC 9180 §4.1) with a given ephemeral secret key:
 * enc = pk(skE), ss = shared_secret. skS is the sender's static secret key in
 * auth modes, else NULL. HF_EBADKEY if pkR is of small order; on error enc
 * and ss are zeroed. The caller wipes ss.
 */
hf_err hfi_hpke_encap(const uint8_t pkR[static 32], const uint8_t skE[static 32],
                      const uint8_t *skS, uint8_t enc[static 32],
                      uint8_t ss[static 32]) HF_MUST_CHECK;

/* Decap / AuthDecap: pkS is the sender's static public key in auth modes,
 * else NULL. HF_EBADKEY if enc or pkS is of small order; ss zeroed on error. */
hf_err hfi_hpke_decap(const uint8_t enc[static 32], const uint8_t skR[static 32],
                      const uint8_t *pkS, uint8_t ss[static 32]) HF_MUST_CHECK;

/*
 * Set the next sequence number of a context. For tests only (RFC 9180
 * vectors seal at sequence 255 and 256; exhaustion at UINT64_MAX): moving a
 * sender's sequence backwards reuses nonces and breaks the AEAD.
 */
void hfi_hpke_ctx_set_seq(hf_hpke_ctx *ctx, uint64_t seq);

/* Copy out a context's key-schedule outputs, for known-answer tests only. */
void hfi_hpke_ctx_secrets(const hf_hpke_ctx *ctx, uint8_t key[static HF_HPKE_KEY_LEN],
                          uint8_t base_nonce[static HF_HPKE_NONCE_LEN],
                          uint8_t exporter_secret[static HF_HPKE_SECRET_LEN]);

/*
 * hf_hpke_open_base for a receiver that already knows its public key (the
 * envelope's identity does), saving the X25519 base multiplication that
 * recomputes it. pkR MUST be the public key of skR.
 */
hf_err hfi_hpke_open_base_pk(const uint8_t skR[static HF_HPKE_SK_LEN],
                             const uint8_t pkR[static HF_HPKE_PK_LEN],
                             const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                             size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                             size_t ct_len, uint8_t *pt_out) HF_MUST_CHECK;

/* crypto_scalarmult_base (X25519 with the base point, same clamping, same bytes) through
 * libsodium's Ed25519 fixed-base table: about half the CPU of 1.0.18's ladder. 0, or -1 as
 * libsodium would return. */
int hfi_x25519_base(uint8_t pk[32], const uint8_t sk[32]);

#endif
