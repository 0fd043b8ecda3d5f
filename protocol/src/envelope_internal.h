#ifndef HASHFED_ENVELOPE_INTERNAL_H
#define HASHFED_ENVELOPE_INTERNAL_H

#include "hashfed/envelope.h"
#include "mp.h"

/* Byte spans of a decoded envelope, pointing into the input (spec §5.1). */
typedef struct hfi_env_parts {
	const uint8_t *hdr; /* canonical header map bytes (the AEAD's AAD) */
	size_t hdr_len;
	const uint8_t *wraps; /* the whole wraps array, as encoded */
	size_t wraps_len;
	const uint8_t *wrap[HF_MAX_RECIPIENTS]; /* each HF_HPKE_ENC_LEN + HF_WRAP_CT_LEN */
	uint32_t n_wraps;
	const uint8_t *ct; /* nonce || AEAD ciphertext || tag */
	size_t ct_len;
	uint8_t sig[HF_SIG_LEN];
	hf_envelope_header *h; /* where hfi_env_decode puts the decoded header */
} hfi_env_parts;

#define HF_WRAP_LEN (HF_HPKE_ENC_LEN + HF_WRAP_CT_LEN)

/* Domain strings (spec §5): ASCII, no terminator. */
#define HF_ENV_SIG_DOMAIN    "hashfed/v1/envelope-sig"
#define HF_ENV_SIG_INPUT_LEN (sizeof(HF_ENV_SIG_DOMAIN) - 1 + 32)
#define HF_ENV_WRAP_INFO     "hashfed/v1/wrap"
#define HF_ENV_COMMIT_DOMAIN "hashfed/v1/commit"

/* Header map (spec §5.2). Encode validates what decode would reject. */
hf_err hfi_env_header_encode(hfi_mp_enc *e, const hf_envelope_header *h);
hf_err hfi_env_header_decode(hfi_mp_dec *d, hf_envelope_header *h) HF_MUST_CHECK;
/* Whole envelope framing: fills parts and the decoded header. */
hf_err hfi_env_decode(const uint8_t *env, size_t len, hfi_env_parts *parts,
                      hf_envelope_header *h) HF_MUST_CHECK;
/* Inner plaintext map (spec §5.4): {1: sender, 2: msg id, 3: salt, 4: body}. */
size_t hfi_env_inner_prefix_len(size_t body_len);
hf_err hfi_env_inner_decode(const uint8_t *pt, size_t len, hf_key_id *sender, hf_msg_id *msg_id,
                            uint8_t salt[HF_COMMIT_SALT_LEN], const uint8_t **body,
                            size_t *body_len) HF_MUST_CHECK;
/* Writes the inner plaintext map (the schema hfi_env_inner_decode reads). */
void hfi_env_inner_encode(hfi_mp_enc *e, const hf_key_id *sender, const hf_msg_id *msg_id,
                          const uint8_t salt[HF_COMMIT_SALT_LEN], const uint8_t *body,
                          size_t body_len);
/* Signature input (spec §5.5). */
void hfi_env_sig_input(const uint8_t *hdr, size_t hdr_len, const uint8_t *wraps, size_t wraps_len,
                       const uint8_t *ct, size_t ct_len, uint8_t out[HF_ENV_SIG_INPUT_LEN]);

/*
 * Seals a prepared header (commitment already set) with the given inner
 * sender/id and salt. hf_envelope_seal is the only production caller; tests
 * use it to build envelopes whose inner fields or commitment lie, to prove
 * that open rejects them (HF_EINNER, HF_ECOMMIT).
 */
hf_err hfi_env_seal_prepared(const hf_identity *sender, const hf_envelope_header *h,
                             const uint8_t salt[HF_COMMIT_SALT_LEN], const hf_key_id *inner_sender,
                             const hf_msg_id *inner_id, const uint8_t (*recipients)[HF_ENC_PK_LEN],
                             const hf_rng *rng, const uint8_t *body, size_t body_len, uint8_t **out,
                             size_t *out_len) HF_MUST_CHECK;

#endif
