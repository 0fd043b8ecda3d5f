#ifndef HASHFED_MANIFEST_H
#define HASHFED_MANIFEST_H

/*
 * The membership manifest (spec §11): who is in the federation, with which
 * roles, keys, endpoints and TLS certificates, signed by K of the N
 * federation root keys.
 *
 *   manifest = { 1: body, 2: [ { 1: root key id, 2: signature } ... ] }
 *
 * The body (version, federation id, name, epoch, threshold K, root public
 * keys, members sorted by id) is canonical msgpack; root signatures are over
 * a domain-separated digest of the body bytes, so signatures can be added one
 * at a time by N different people without changing what is signed.
 *
 * Trust rules (spec §11.4):
 *   - a manifest is valid against a root set once it carries K distinct valid
 *     signatures from that set; a second signature by the same root counts
 *     once; a signature by a key outside the set is ignored;
 *   - a node holding manifest H accepts candidate C only if C has H's
 *     federation id, C.epoch > H.epoch (HF_EEPOCH otherwise: rollback
 *     refused), C is valid against H's roots and threshold (so rotating the
 *     root set needs K signatures of the OLD roots) and C is valid against
 *     its own roots (so the new root set can sign the next one).
 *
 * A decoded manifest is immutable for lookups and may be shared read-only
 * between threads. Lookups are O(log n) (sorted indexes built at decode).
 * Edit functions (used by hashfed-keys) are not thread-safe; each edit
 * drops all signatures, because they no longer cover the body.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/envelope.h"
#include "hashfed/err.h"
#include "hashfed/identity.h"
#include "hashfed/limits.h"

#define HF_MANIFEST_VERSION 1
#define HF_MEMBER_ID_LEN    16
#define HF_TLS_FP_LEN       32 /* SHA-256 of the DER certificate */
/* Time value meaning "never" (no expiry, not revoked). */
#define HF_TIME_NEVER UINT64_MAX

/* Roles (bitmask). A member may hold several. */
enum {
	HF_ROLE_AUTHORITY = 1u << 0,
	HF_ROLE_PLATFORM = 1u << 1,
	HF_ROLE_AUDITOR = 1u << 2,
	HF_ROLE_WITNESS = 1u << 3,
};
#define HF_ROLE_ALL 0xfu

/* Kind of a member key. */
typedef enum hf_key_kind {
	HF_KEY_SIGN = 1, /* Ed25519 */
	HF_KEY_ENC = 2,  /* X25519 */
} hf_key_kind;

/* One member key as listed in the manifest. The key id is derived from pk
 * (hf_keyid_sign / hf_keyid_enc), never sent. Valid at time t iff
 * not_before_ms <= t < not_after_ms and t < revoked_at_ms. */
typedef struct hf_member_key {
	uint8_t pk[HF_SIGN_PK_LEN];
	hf_key_id keyid;
	uint64_t not_before_ms;
	uint64_t not_after_ms;  /* HF_TIME_NEVER: no expiry */
	uint64_t revoked_at_ms; /* HF_TIME_NEVER: not revoked */
} hf_member_key;

typedef struct hf_manifest hf_manifest;
typedef struct hf_member hf_member;

/* ---- decode / encode -------------------------------------------------- */

/*
 * Parses an encoded manifest (untrusted input, at most HF_MAX_MANIFEST_SIZE
 * bytes) and checks its structure: canonical msgpack (§2), version, limits,
 * members strictly ascending by id (HF_ENONCANON; equal ids HF_EDUPLICATE),
 * roots distinct and valid (HF_EDUPLICATE, HF_EBADKEY), 1 <= K <= N
 * (HF_ERANGE), every member key window not_before < not_after (HF_ERANGE),
 * key ids unique across the manifest (HF_EDUPLICATE), endpoints of the form
 * tls+tcp://host:port (HF_EPARSE). It does NOT check signatures, nor (to
 * keep unauthenticated input cheap) that member public keys are valid
 * points: hf_manifest_verify / hf_manifest_accept do both, signatures first.
 * On success *out is owned by the caller (hf_manifest_free); NULL on error.
 */
HF_API hf_err hf_manifest_decode(const uint8_t *p, size_t len, hf_manifest **out) HF_MUST_CHECK
    HF_NONNULL(3);

/* Canonical encoding with signatures. *out is malloc'ed (free()). */
HF_API hf_err hf_manifest_encode(const hf_manifest *m, uint8_t **out, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);

/* The 32-byte digest root signatures sign (spec §11.3):
 * BLAKE2b-256("hashfed/v1/manifest" || u64be(|B|) || B), B = body bytes. */
HF_API hf_err hf_manifest_digest(const hf_manifest *m, uint8_t out[static 32]) HF_MUST_CHECK
    HF_NONNULL(1);

HF_API void hf_manifest_free(hf_manifest *m);

/* ---- trust ------------------------------------------------------------ */

/*
 * Counts distinct roots among roots[0..n_roots) that carry a valid signature
 * on m (unknown keys ignored, duplicates once, bad signatures ignored) into
 * *count (may be NULL). HF_OK if count >= threshold, else HF_ETHRESHOLD.
 * HF_EINVAL if threshold == 0 or n_roots > HF_MAX_ROOTS.
 */
HF_API hf_err hf_manifest_verify_roots(const hf_manifest *m, const uint8_t (*roots)[HF_SIGN_PK_LEN],
                                       size_t n_roots, unsigned threshold,
                                       unsigned *count) HF_MUST_CHECK HF_NONNULL(1);

/* Valid against its own roots and threshold (bootstrap: the first manifest,
 * whose federation id the operator pinned), then every member key is a valid
 * point (hf_sign_pk_validate / hf_enc_pk_validate). HF_ETHRESHOLD, HF_EBADKEY. */
HF_API hf_err hf_manifest_verify(const hf_manifest *m) HF_MUST_CHECK HF_NONNULL(1);

/*
 * The update rule (spec §11.4), cheapest check first: HF_EFEDERATION (other
 * federation id), HF_EEPOCH (candidate->epoch <= held->epoch),
 * HF_ETHRESHOLD (fewer than K_held valid signatures of held's roots, or
 * fewer than K_new of its own roots), HF_EBADKEY (an invalid member key,
 * checked last). HF_OK: the caller may replace held.
 */
HF_API hf_err hf_manifest_accept(const hf_manifest *held,
                                 const hf_manifest *candidate) HF_MUST_CHECK HF_NONNULL(1, 2);

/* ---- manifest fields -------------------------------------------------- */

HF_API const hf_fed_id *hf_manifest_federation(const hf_manifest *m) HF_NONNULL(1);
HF_API const char *hf_manifest_name(const hf_manifest *m) HF_NONNULL(1);
HF_API uint64_t hf_manifest_epoch(const hf_manifest *m) HF_NONNULL(1);
HF_API unsigned hf_manifest_threshold(const hf_manifest *m) HF_NONNULL(1);
HF_API size_t hf_manifest_n_roots(const hf_manifest *m) HF_NONNULL(1);
/* Root public key i (32 bytes), NULL if i is out of range. */
HF_API const uint8_t *hf_manifest_root(const hf_manifest *m, size_t i) HF_NONNULL(1);
HF_API size_t hf_manifest_n_members(const hf_manifest *m) HF_NONNULL(1);
/* Member i in id order, NULL if out of range. Valid until m is freed or edited. */
HF_API const hf_member *hf_manifest_member_at(const hf_manifest *m, size_t i) HF_NONNULL(1);
HF_API size_t hf_manifest_n_signatures(const hf_manifest *m) HF_NONNULL(1);
/* Signature i: signer key id and signature (HF_SIG_LEN B). HF_ENOTFOUND if out of range. */
HF_API hf_err hf_manifest_signature(const hf_manifest *m, size_t i, hf_key_id *keyid,
                                    uint8_t sig[static HF_SIG_LEN]) HF_MUST_CHECK HF_NONNULL(1, 3);

/* ---- lookups (per message; all O(log n), no allocation) --------------- */

/* Member by id. HF_EUNKNOWNMEMBER if absent. */
HF_API hf_err hf_manifest_find_member(const hf_manifest *m,
                                      const uint8_t id[static HF_MEMBER_ID_LEN],
                                      const hf_member **out) HF_MUST_CHECK HF_NONNULL(1, 3);
/* Member and key by signing key id. HF_EUNKNOWNSENDER if absent. key may be NULL. */
HF_API hf_err hf_manifest_find_sign_key(const hf_manifest *m, const hf_key_id *keyid,
                                        const hf_member **member,
                                        const hf_member_key **key) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);
/* Member and key by encryption key id. HF_EUNKNOWNMEMBER if absent. key may be NULL. */
HF_API hf_err hf_manifest_find_enc_key(const hf_manifest *m, const hf_key_id *keyid,
                                       const hf_member **member,
                                       const hf_member_key **key) HF_MUST_CHECK HF_NONNULL(1, 2, 3);
/* Member whose TLS certificate fingerprint list holds fp. HF_EUNKNOWNMEMBER if none. */
HF_API hf_err hf_manifest_find_tls_fp(const hf_manifest *m, const uint8_t fp[static HF_TLS_FP_LEN],
                                      const hf_member **member) HF_MUST_CHECK HF_NONNULL(1, 3);

/* Validity of one key at at_ms: HF_OK, HF_EREVOKED (at_ms >= revoked_at),
 * HF_EKEYEXPIRED (outside [not_before, not_after)). Revocation wins. */
HF_API hf_err hf_member_key_check(const hf_member_key *k, uint64_t at_ms) HF_MUST_CHECK
    HF_NONNULL(1);

/*
 * Sender check for anything signed at at_ms (an envelope's created_ms):
 * HF_EUNKNOWNSENDER, HF_EREVOKED, HF_EKEYEXPIRED as above. On HF_OK fills
 * *member (may be NULL) and pk (may be NULL).
 */
HF_API hf_err hf_manifest_check_sign_key(const hf_manifest *m, const hf_key_id *keyid,
                                         uint64_t at_ms, const hf_member **member,
                                         uint8_t *pk) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Same for an encryption key (recipients): HF_EUNKNOWNMEMBER, HF_EREVOKED, HF_EKEYEXPIRED. */
HF_API hf_err hf_manifest_check_enc_key(const hf_manifest *m, const hf_key_id *keyid,
                                        uint64_t at_ms, const hf_member **member,
                                        uint8_t *pk) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * May `member` act in `role` (one or more HF_ROLE_* bits, all required) at
 * at_ms? HF_OK; HF_EROLE if it lacks a role bit; HF_EKEYEXPIRED if it has no
 * signing key valid at at_ms (a member whose every key is revoked or expired
 * can do nothing). HF_EINVAL if role is 0 or has unknown bits.
 */
HF_API hf_err hf_manifest_allows(const hf_manifest *m, const hf_member *member, uint32_t role,
                                 uint64_t at_ms) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * Envelope adapter: an hf_sender_lookup_fn with ctx = (const hf_manifest *).
 * Resolves hdr->sender through the manifest and checks the key at
 * hdr->created_ms (hf_manifest_check_sign_key): HF_EUNKNOWNSENDER,
 * HF_EREVOKED, HF_EKEYEXPIRED; HF_EFEDERATION if hdr->federation is not the
 * manifest's. Roles are the caller's business (it knows the message type).
 */
HF_API hf_err hf_manifest_sender_lookup(void *ctx, const hf_envelope_header *hdr,
                                        uint8_t pk[HF_SIGN_PK_LEN]);

/* ---- member fields ---------------------------------------------------- */

HF_API const uint8_t *hf_member_id(const hf_member *mb) HF_NONNULL(1); /* 16 B */
HF_API const char *hf_member_name(const hf_member *mb) HF_NONNULL(1);
HF_API uint32_t hf_member_roles(const hf_member *mb) HF_NONNULL(1);
HF_API size_t hf_member_n_keys(const hf_member *mb, hf_key_kind kind) HF_NONNULL(1);
/* Key i of a kind, in manifest order; NULL if out of range. */
HF_API const hf_member_key *hf_member_key_at(const hf_member *mb, hf_key_kind kind, size_t i)
    HF_NONNULL(1);
/* The key of `kind` to use at at_ms: among keys valid then, the one with
 * the latest not_before (a rotation's new key). HF_EKEYEXPIRED if none. */
HF_API hf_err hf_member_current_key(const hf_member *mb, hf_key_kind kind, uint64_t at_ms,
                                    const hf_member_key **key) HF_MUST_CHECK HF_NONNULL(1, 4);
HF_API size_t hf_member_n_endpoints(const hf_member *mb) HF_NONNULL(1);
/* Endpoint i ("tls+tcp://host:port", NUL-terminated), NULL if out of range. */
HF_API const char *hf_member_endpoint(const hf_member *mb, size_t i) HF_NONNULL(1);
HF_API size_t hf_member_n_tls_fps(const hf_member *mb) HF_NONNULL(1);
/* TLS fingerprint i (32 bytes), NULL if out of range. */
HF_API const uint8_t *hf_member_tls_fp(const hf_member *mb, size_t i) HF_NONNULL(1);

/* Role names: "authority", "platform", "auditor", "witness". Parses a comma
 * separated list into a mask (HF_EPARSE on an unknown name or empty list). */
HF_API hf_err hf_roles_parse(const char *s, uint32_t *mask) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Writes "authority,platform" (or "none") into buf; HF_ENOSPC if too small. */
HF_API hf_err hf_roles_format(uint32_t mask, char *buf, size_t size) HF_MUST_CHECK HF_NONNULL(2);

/* Checks "tls+tcp://host:port" (host: DNS name, IPv4, or [IPv6]; port 1..65535).
 * HF_EPARSE or HF_ETOOLONG (> HF_MAX_ENDPOINT_LEN). */
HF_API hf_err hf_endpoint_check(const char *url) HF_MUST_CHECK HF_NONNULL(1);

/* ---- editing (hashfed-keys; each edit drops all signatures) ----------- */

/* New manifest with no members and no signatures. Roots are validated
 * (HF_EBADKEY, HF_EDUPLICATE), 1 <= threshold <= n_roots <= HF_MAX_ROOTS
 * (HF_ERANGE), name <= HF_MAX_NAME_LEN (HF_ETOOLONG), epoch >= 1. */
HF_API hf_err hf_manifest_new(const hf_fed_id *federation, const char *name, uint64_t epoch,
                              const uint8_t (*roots)[HF_SIGN_PK_LEN], size_t n_roots,
                              unsigned threshold, hf_manifest **out) HF_MUST_CHECK
    HF_NONNULL(1, 2, 4, 7);
/* Deep copy (signatures included). */
HF_API hf_err hf_manifest_clone(const hf_manifest *m, hf_manifest **out) HF_MUST_CHECK
    HF_NONNULL(1, 2);

HF_API hf_err hf_manifest_set_epoch(hf_manifest *m, uint64_t epoch) HF_MUST_CHECK HF_NONNULL(1);
/* Replace the root set and threshold (same checks as hf_manifest_new). */
HF_API hf_err hf_manifest_set_roots(hf_manifest *m, const uint8_t (*roots)[HF_SIGN_PK_LEN],
                                    size_t n_roots, unsigned threshold) HF_MUST_CHECK
    HF_NONNULL(1, 2);
/* Add a member with no keys, endpoints or fingerprints (add keys before
 * encoding: a member needs >= 1 signing and >= 1 encryption key).
 * HF_EEXIST (id taken), HF_ETOOLONG, HF_EINVAL (unknown role bits),
 * HF_ERANGE (HF_MAX_MEMBERS reached). */
HF_API hf_err hf_manifest_add_member(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                                     const char *name, uint32_t roles) HF_MUST_CHECK
    HF_NONNULL(1, 3);
HF_API hf_err hf_manifest_remove_member(hf_manifest *m,
                                        const uint8_t id[static HF_MEMBER_ID_LEN]) HF_MUST_CHECK
    HF_NONNULL(1); /* HF_EUNKNOWNMEMBER */
HF_API hf_err hf_manifest_set_roles(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                                    uint32_t roles) HF_MUST_CHECK HF_NONNULL(1);
/* Replace the endpoint list (each checked by hf_endpoint_check; at most
 * HF_MAX_ENDPOINTS). */
HF_API hf_err hf_manifest_set_endpoints(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                                        const char *const *urls, size_t n) HF_MUST_CHECK
    HF_NONNULL(1);
/* Replace the TLS fingerprint list (at most HF_MAX_TLS_FPS, distinct). */
HF_API hf_err hf_manifest_set_tls_fps(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                                      const uint8_t (*fps)[HF_TLS_FP_LEN], size_t n) HF_MUST_CHECK
    HF_NONNULL(1);
/* Add a key of `kind` valid in [not_before, not_after). HF_EBADKEY,
 * HF_EDUPLICATE (key id already in the manifest), HF_ERANGE (window empty or
 * HF_MAX_MEMBER_KEYS reached), HF_EUNKNOWNMEMBER. */
HF_API hf_err hf_manifest_add_key(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                                  hf_key_kind kind, const uint8_t pk[static 32],
                                  uint64_t not_before_ms, uint64_t not_after_ms) HF_MUST_CHECK
    HF_NONNULL(1);
/* Set not_after of a key (found by key id, either kind); HF_ERANGE if
 * not_after <= not_before; HF_ENOTFOUND if no such key. */
HF_API hf_err hf_manifest_expire_key(hf_manifest *m, const hf_key_id *keyid,
                                     uint64_t not_after_ms) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Revoke a key (either kind) from at_ms on (at_ms < HF_TIME_NEVER).
 * HF_ENOTFOUND if no such key. An earlier revocation time is kept. */
HF_API hf_err hf_manifest_revoke_key(hf_manifest *m, const hf_key_id *keyid,
                                     uint64_t at_ms) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Add (or replace) the signature of `root` over the current body. The
 * signer need not be in the manifest's own root set (old roots sign a root
 * rotation). HF_ERANGE if HF_MAX_MANIFEST_SIGS signatures are present. */
HF_API hf_err hf_manifest_sign(hf_manifest *m, const hf_identity *root) HF_MUST_CHECK
    HF_NONNULL(1, 2);
HF_API void hf_manifest_clear_signatures(hf_manifest *m) HF_NONNULL(1);
/* Append a signature as is (tests, tools merging signatures). No check. */
HF_API hf_err hf_manifest_add_signature(hf_manifest *m, const hf_key_id *keyid,
                                        const uint8_t sig[static HF_SIG_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 2);

#endif
