#ifndef HASHFED_HPKE_H
#define HASHFED_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"
#include "hashfed/rng.h"

/*
 * HPKE (RFC 9180) with one fixed suite, built from libsodium primitives:
 *   KEM  DHKEM(X25519, HKDF-SHA256)  kem_id  0x0020
 *   KDF  HKDF-SHA256                 kdf_id  0x0001
 *   AEAD ChaCha20-Poly1305           aead_id 0x0003
 * All four modes (base, psk, auth, auth_psk) are implemented; the envelope
 * uses base mode only (sender authenticity comes from its Ed25519 signature,
 * RFC 9180 §9.1.1).
 *
 * Secrets (DH results, shared secret, AEAD key, base nonce, exporter secret,
 * ephemeral secret key) live in sodium_malloc memory or are wiped with
 * sodium_memzero on every exit path.
 *
 * Common errors:
 *   HF_EINVAL  misuse: bad mode/opts combination, psk shorter than
 *              HF_HPKE_PSK_MIN_LEN, empty psk_id, export length too large,
 *              sealing on a receiver context or opening on a sender context.
 *   HF_EBADKEY a public key (pkR, pkS or enc) of small order: the X25519
 *              result is all zero (RFC 9180 §7.1.4).
 *   HF_ENOMEM  sodium_malloc failed.
 *   HF_ECRYPTO libsodium could not be initialised.
 */

#define HF_HPKE_KEM_ID      0x0020
#define HF_HPKE_KDF_ID      0x0001
#define HF_HPKE_AEAD_ID     0x0003
#define HF_HPKE_SK_LEN      32   /* Nsk */
#define HF_HPKE_PK_LEN      32   /* Npk; the encapsulated key enc is HF_HPKE_ENC_LEN (limits.h) */
#define HF_HPKE_SECRET_LEN  32   /* Nsecret / Nh */
#define HF_HPKE_KEY_LEN     32   /* Nk */
#define HF_HPKE_NONCE_LEN   12   /* Nn */
#define HF_HPKE_TAG_LEN     16   /* Nt: ciphertext = plaintext + 16 */
#define HF_HPKE_PSK_MIN_LEN 32   /* RFC 9180 §5.1.2: psk MUST have >= 32 bytes of entropy */
#define HF_HPKE_EXPORT_MAX  8160 /* 255 * Nh */

typedef enum hf_hpke_mode {
	HF_HPKE_MODE_BASE = 0,
	HF_HPKE_MODE_PSK = 1,
	HF_HPKE_MODE_AUTH = 2,
	HF_HPKE_MODE_AUTH_PSK = 3,
} hf_hpke_mode;

/*
 * Optional inputs of the non-base modes. Pass NULL instead of a struct for
 * base mode. Fields not used by `mode` must be NULL/0 (else HF_EINVAL).
 *   psk, psk_id   psk and auth_psk modes: psk_len >= HF_HPKE_PSK_MIN_LEN,
 *                 psk_id_len >= 1.
 *   auth_sk       auth modes, sender side (setup_s): the sender's static
 *                 X25519 secret key (32 bytes).
 *   auth_pk       auth modes, receiver side (setup_r): the sender's static
 *                 X25519 public key (32 bytes).
 * The struct and the buffers it points to are only read during the call.
 */
typedef struct hf_hpke_opts {
	hf_hpke_mode mode;
	const uint8_t *psk;
	size_t psk_len;
	const uint8_t *psk_id;
	size_t psk_id_len;
	const uint8_t *auth_sk;
	const uint8_t *auth_pk;
} hf_hpke_opts;

/* An HPKE context (RFC 9180 §5.2): key, base nonce, sequence number and
 * exporter secret, in sodium_malloc memory. A context made by setup_s only
 * seals, one made by setup_r only opens; both export. Not thread-safe. */
typedef struct hf_hpke_ctx hf_hpke_ctx;

/*
 * DeriveKeyPair (RFC 9180 §7.1.3): sk and pk from input keying material.
 * ikm_len must be >= 32 (HF_EINVAL otherwise; RFC 9180 §7.1.3 asks for at
 * least Nsk bytes of entropy). sk is a secret: the caller wipes it.
 */
HF_API hf_err hf_hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len,
                                     uint8_t sk[static HF_HPKE_SK_LEN],
                                     uint8_t pk[static HF_HPKE_PK_LEN]) HF_MUST_CHECK HF_NONNULL(1);

/* GenerateKeyPair: DeriveKeyPair over 32 bytes from rng (NULL: OS RNG). */
HF_API hf_err hf_hpke_generate_keypair(const hf_rng *rng, uint8_t sk[static HF_HPKE_SK_LEN],
                                       uint8_t pk[static HF_HPKE_PK_LEN]) HF_MUST_CHECK;

/*
 * Sender setup (SetupBaseS / SetupPSKS / SetupAuthS / SetupAuthPSKS). The
 * ephemeral key pair is DeriveKeyPair(32 random bytes from rng). Writes the
 * encapsulated key to enc and a new context to *out (free with
 * hf_hpke_ctx_free). info may be NULL when info_len == 0. On error *out is
 * NULL and enc is zeroed. Errors: HF_EINVAL, HF_EBADKEY (pkR small order),
 * HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_hpke_setup_s(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                              size_t info_len, const hf_hpke_opts *opts, const hf_rng *rng,
                              uint8_t enc[static HF_HPKE_ENC_LEN], hf_hpke_ctx **out) HF_MUST_CHECK
    HF_NONNULL(7);

/* As hf_hpke_setup_s, but the ephemeral secret key skE is given (test vectors,
 * deterministic spec vectors). skE is only read. Never reuse an skE. */
HF_API hf_err hf_hpke_setup_s_with_eph(const uint8_t pkR[static HF_HPKE_PK_LEN],
                                       const uint8_t *info, size_t info_len,
                                       const hf_hpke_opts *opts,
                                       const uint8_t skE[static HF_HPKE_SK_LEN],
                                       uint8_t enc[static HF_HPKE_ENC_LEN],
                                       hf_hpke_ctx **out) HF_MUST_CHECK HF_NONNULL(7);

/* Base-mode shorthands: hf_hpke_setup_s / _with_eph with opts == NULL. */
HF_API hf_err hf_hpke_setup_base_s(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                                   size_t info_len, const hf_rng *rng,
                                   uint8_t enc[static HF_HPKE_ENC_LEN],
                                   hf_hpke_ctx **out) HF_MUST_CHECK HF_NONNULL(6);
HF_API hf_err hf_hpke_setup_base_s_with_eph(const uint8_t pkR[static HF_HPKE_PK_LEN],
                                            const uint8_t *info, size_t info_len,
                                            const uint8_t skE[static HF_HPKE_SK_LEN],
                                            uint8_t enc[static HF_HPKE_ENC_LEN],
                                            hf_hpke_ctx **out) HF_MUST_CHECK HF_NONNULL(6);

/*
 * Receiver setup (SetupBaseR / SetupPSKR / SetupAuthR / SetupAuthPSKR).
 * skR is the recipient's X25519 secret key, enc the sender's encapsulated
 * key. On error *out is NULL. Errors: HF_EINVAL, HF_EBADKEY (enc or auth_pk
 * of small order), HF_ENOMEM, HF_ECRYPTO. A wrong skR, psk, info or pkS is
 * not detected here; the first hf_hpke_open fails instead.
 */
HF_API hf_err hf_hpke_setup_r(const uint8_t skR[static HF_HPKE_SK_LEN],
                              const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                              size_t info_len, const hf_hpke_opts *opts,
                              hf_hpke_ctx **out) HF_MUST_CHECK HF_NONNULL(6);
HF_API hf_err hf_hpke_setup_base_r(const uint8_t skR[static HF_HPKE_SK_LEN],
                                   const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                                   size_t info_len, hf_hpke_ctx **out) HF_MUST_CHECK HF_NONNULL(5);

/*
 * ContextS.Seal: ct[0 .. pt_len + HF_HPKE_TAG_LEN) = AEAD(key, base_nonce XOR
 * seq, aad, pt), then seq += 1. ct may equal pt (in place) but must not
 * otherwise overlap it. aad/pt may be NULL when their length is 0.
 * Errors: HF_EINVAL (receiver context, pt_len too large), HF_ERANGE (the
 * sequence number is exhausted; the context is then unusable for sealing).
 */
HF_API hf_err hf_hpke_seal(hf_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                           size_t pt_len, uint8_t *ct) HF_MUST_CHECK HF_NONNULL(1, 6);

/*
 * ContextR.Open: pt[0 .. ct_len - HF_HPKE_TAG_LEN) from ct, then seq += 1.
 * pt may equal ct. On any error pt is zeroed and seq is unchanged.
 * Errors: HF_ETRUNC (ct_len < HF_HPKE_TAG_LEN), HF_EDECRYPT (tag mismatch:
 * wrong key, aad, info, psk, sender or tampered ct), HF_EINVAL (sender
 * context), HF_ERANGE (sequence exhausted).
 */
HF_API hf_err hf_hpke_open(hf_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                           size_t ct_len, uint8_t *pt) HF_MUST_CHECK HF_NONNULL(1, 4);

/*
 * Context.Export (RFC 9180 §5.3): out[0..out_len) = LabeledExpand(
 * exporter_secret, "sec", exporter_context, out_len). exporter_context may be
 * NULL when ctx_len == 0. Errors: HF_EINVAL (out_len == 0 or > HF_HPKE_EXPORT_MAX).
 */
HF_API hf_err hf_hpke_export(const hf_hpke_ctx *ctx, const uint8_t *exporter_context,
                             size_t ctx_len, uint8_t *out, size_t out_len) HF_MUST_CHECK
    HF_NONNULL(1, 4);

/* Next sequence number the context will use (0 after setup). */
HF_API uint64_t hf_hpke_ctx_seq(const hf_hpke_ctx *ctx) HF_NONNULL(1);

/* Wipe and free a context. NULL is a no-op. */
HF_API void hf_hpke_ctx_free(hf_hpke_ctx *ctx);

/*
 * Single-shot base mode (RFC 9180 §6.1), the envelope's key wrap:
 * SetupBaseS(pkR, info) then one Seal(aad, pt) at sequence 0. Writes enc and
 * ct[0 .. pt_len + HF_HPKE_TAG_LEN). On error enc and ct are zeroed.
 * Errors: HF_EBADKEY (pkR small order), HF_EINVAL, HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_hpke_seal_base(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                                size_t info_len, const uint8_t *aad, size_t aad_len,
                                const uint8_t *pt, size_t pt_len, const hf_rng *rng,
                                uint8_t enc_out[static HF_HPKE_ENC_LEN],
                                uint8_t *ct_out) HF_MUST_CHECK HF_NONNULL(10);

/*
 * Single-shot base-mode open: SetupBaseR(enc, skR, info) then Open(aad, ct)
 * at sequence 0. Writes pt_out[0 .. ct_len - HF_HPKE_TAG_LEN). On error
 * pt_out is zeroed. Errors: HF_EUNWRAP (tag mismatch: not for this key, or
 * tampered enc/info/aad/ct), HF_EBADKEY (enc of small order), HF_ETRUNC
 * (ct_len < HF_HPKE_TAG_LEN), HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_hpke_open_base(const uint8_t skR[static HF_HPKE_SK_LEN],
                                const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                                size_t info_len, const uint8_t *aad, size_t aad_len,
                                const uint8_t *ct, size_t ct_len, uint8_t *pt_out) HF_MUST_CHECK
    HF_NONNULL(7);

#endif
