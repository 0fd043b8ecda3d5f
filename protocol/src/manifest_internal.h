#ifndef HASHFED_MANIFEST_INTERNAL_H
#define HASHFED_MANIFEST_INTERNAL_H

/* Internal layout of the membership manifest (spec §11). Members live inline
 * in one array sorted by id; three sorted indexes (signing key id, encryption
 * key id, TLS fingerprint) make every lookup a binary search. */
#include <stdint.h>

#include "hashfed/manifest.h"
#include "mp.h"

#define HF_MANIFEST_DIGEST_DOMAIN "hashfed/v1/manifest"
#define HF_MANIFEST_SIG_DOMAIN    "hashfed/v1/manifest-sig"
#define HF_MANIFEST_SIG_INPUT_LEN (sizeof(HF_MANIFEST_SIG_DOMAIN) - 1 + 32)

struct hf_member {
	uint8_t id[HF_MEMBER_ID_LEN];
	char name[HF_MAX_NAME_LEN + 1];
	uint32_t roles;
	uint32_t n_keys[2]; /* [0] signing, [1] encryption */
	hf_member_key keys[2][HF_MAX_MEMBER_KEYS];
	uint32_t n_ep;
	char ep[HF_MAX_ENDPOINTS][HF_MAX_ENDPOINT_LEN + 1];
	uint32_t n_fp;
	uint8_t fp[HF_MAX_TLS_FPS][HF_TLS_FP_LEN];
};

typedef struct hfi_manifest_sig {
	hf_key_id keyid;
	uint8_t sig[HF_SIG_LEN];
} hfi_manifest_sig;

/* One index row: a 16- or 32-byte search key, the member and key slot. */
typedef struct hfi_manifest_idx {
	uint8_t k[HF_TLS_FP_LEN];
	uint32_t member;
	uint32_t slot;
} hfi_manifest_idx;

struct hf_manifest {
	hf_fed_id fed;
	char name[HF_MAX_NAME_LEN + 1];
	uint64_t epoch;
	unsigned threshold;
	size_t n_roots;
	uint8_t roots[HF_MAX_ROOTS][HF_SIGN_PK_LEN];
	hf_key_id root_ids[HF_MAX_ROOTS];
	size_t n_members;
	size_t cap_members;
	hf_member *members;
	size_t n_sigs;
	hfi_manifest_sig sigs[HF_MAX_MANIFEST_SIGS];
	/* indexes, rebuilt by hfi_manifest_reindex */
	hfi_manifest_idx *idx_sign, *idx_enc, *idx_fp;
	size_t n_idx_sign, n_idx_enc, n_idx_fp;
	uint8_t digest[32]; /* of the body as it is now */
};

static inline unsigned hfi_kind_slot(hf_key_kind kind)
{
	return kind == HF_KEY_SIGN ? 0u : 1u;
}

/* Canonical body (the signed part) into e. */
void hfi_manifest_body_encode(hfi_mp_enc *e, const hf_manifest *m);
/* Re-encode the body and recompute m->digest (after an edit). */
hf_err hfi_manifest_redigest(hf_manifest *m) HF_MUST_CHECK;
/* Rebuild the indexes (not the digest); checks cross-member uniqueness of key
 * ids and fingerprints (HF_EDUPLICATE) and that every member has both kinds
 * of key (HF_EMISSING if `complete`). */
hf_err hfi_manifest_reindex(hf_manifest *m, bool complete) HF_MUST_CHECK;
/* Digest of body bytes (spec §11.3). */
void hfi_manifest_digest_bytes(const uint8_t *body, size_t len, uint8_t out[32]);
/* Rules shared by decode and edit. */
hf_err hfi_manifest_check_roots(const uint8_t (*roots)[HF_SIGN_PK_LEN], size_t n,
                                unsigned threshold) HF_MUST_CHECK;
hf_err hfi_manifest_check_key(const hf_member_key *k, hf_key_kind kind) HF_MUST_CHECK;
/* Every member key of m through hfi_manifest_check_key (HF_EBADKEY). */
hf_err hfi_manifest_check_keys(const hf_manifest *m) HF_MUST_CHECK;
hf_err hfi_manifest_new_empty(hf_manifest **out) HF_MUST_CHECK;
hf_err hfi_manifest_reserve(hf_manifest *m, size_t n) HF_MUST_CHECK;

#endif
