#ifndef HASHFED_ENVELOPE_H
#define HASHFED_ENVELOPE_H

/*
 * The sealed envelope: the unit every hashfed message travels in (spec §5).
 *
 *   envelope = { 1: header, 2: [wrap...], 3: ciphertext, 4: signature }
 *
 * The header is public (relays, mirrors and the audit log read it without
 * keys); the body is encrypted once under a random content key with
 * XChaCha20-Poly1305 (AAD = the canonical header bytes); the content key is
 * wrapped for each recipient with HPKE base mode; the sender signs a
 * domain-separated digest of header, wraps and ciphertext with Ed25519.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/identity.h"
#include "hashfed/limits.h"
#include "hashfed/rng.h"

/* Message type registry (spec §6). Decoders reject any other value. */
typedef enum hf_msg_type {
	HF_MSG_DATA = 1,              /* opaque application data (tests, vectors) */
	HF_MSG_MANIFEST = 2,          /* membership manifest relay */
	HF_MSG_LIST_BATCH = 16,       /* hash list batch */
	HF_MSG_LIST_SNAPSHOT = 17,    /* full list state for a newly entitled platform */
	HF_MSG_LIST_PULL = 18,        /* "batches of list L after n" */
	HF_MSG_MATCH_REPORT = 19,     /* aggregate match counts back to the issuer */
	HF_MSG_LIST_ACK = 20,         /* "batch n of list L is applied": platform -> issuer */
	HF_MSG_ORDER = 32,            /* takedown order */
	HF_MSG_RECEIPT = 33,          /* signed delivery receipt */
	HF_MSG_OUTCOME = 34,          /* per-item outcome */
	HF_MSG_ORDER_EVENT = 35,      /* clarification, dispute, withdrawal, verification, ... */
	HF_MSG_ESCALATION = 36,       /* overdue notice to the auditor (metadata only) */
	HF_MSG_REFERRAL = 37,         /* case referral between authorities */
	HF_MSG_AUDIT_SUBMIT = 48,     /* public headers to the audit log (spec §15) */
	HF_MSG_AUDIT_RECEIPT = 49,    /* inclusion receipts from the log */
	HF_MSG_AUDIT_CHECKPOINT = 50, /* a checkpoint (and consistency proof) */
	HF_MSG_AUDIT_COSIGN = 51,     /* a witness's cosignature */
	HF_MSG_AUDIT_QUERY = 52,      /* ask for a receipt or a consistency proof */
	HF_MSG_AUDIT_ALARM = 53,      /* two checkpoints not provably consistent */
} hf_msg_type;

HF_API bool hf_msg_type_known(uint64_t type);

/* Public audit header (spec §5.3): what the audit log may see. Never hash
 * values, locators or identities. Optional fields are present iff their bit
 * is set in `fields`; the commitment is always present (seal computes it). */
enum {
	HF_AUDIT_SUBJECT = 1u << 0,  /* 16-byte id of the list / order concerned */
	HF_AUDIT_SEQ = 1u << 1,      /* batch number, event sequence */
	HF_AUDIT_DEADLINE = 1u << 2, /* unix ms */
	HF_AUDIT_STATUS = 1u << 3,
	HF_AUDIT_ITEMS = 1u << 4, /* item / entry count */
	HF_AUDIT_CATEGORY = 1u << 5,
};

typedef struct hf_audit_header {
	uint32_t fields;
	uint8_t commitment[HF_COMMIT_LEN];
	uint8_t subject[16];
	uint64_t seq;
	uint64_t deadline_ms;
	uint32_t status;
	uint32_t items;
	uint32_t category;
} hf_audit_header;

typedef struct hf_envelope_header {
	uint32_t version;
	uint32_t type;
	hf_msg_id msg_id;
	hf_key_id sender; /* signing key id */
	uint32_t n_recipients;
	hf_key_id recipients[HF_MAX_RECIPIENTS]; /* encryption key ids */
	uint64_t created_ms;
	uint64_t expires_ms;
	hf_fed_id federation;
	uint64_t epoch;
	hf_audit_header audit;
} hf_envelope_header;

typedef struct hf_seal_params {
	uint32_t type;
	const hf_msg_id *msg_id; /* NULL: a fresh UUIDv7 */
	uint64_t created_ms;
	uint64_t expires_ms;
	const hf_fed_id *federation;
	uint64_t epoch;
	const hf_audit_header *audit; /* optional; its commitment is ignored */
	const uint8_t (*recipients)[HF_ENC_PK_LEN];
	size_t n_recipients;
	const hf_rng *rng; /* NULL: system randomness */
} hf_seal_params;

/*
 * Seals `body` from `sender` to the recipients' X25519 keys. On success *out
 * is a malloc'ed envelope (free with free()) of *out_len bytes.
 * Errors: HF_EINVAL (bad params, 0 or > HF_MAX_RECIPIENTS recipients,
 * expires <= created or lifetime > HF_MAX_LIFETIME_MS, unknown type),
 * HF_ETOOBIG (body > HF_MAX_BODY_SIZE), HF_EBADKEY (small-order recipient
 * key), HF_EDUPLICATE (same recipient twice), HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_envelope_seal(const hf_identity *sender, const hf_seal_params *p,
                               const uint8_t *body, size_t body_len, uint8_t **out,
                               size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 5, 6);

/*
 * Resolves a signing key id to its public key. Returns HF_OK and fills pk, or
 * an error that open/verify returns unchanged (HF_EUNKNOWNSENDER, or a policy
 * error such as HF_EREVOKED / HF_EROLE when the caller checks the manifest
 * there, with the header at hand).
 */
typedef hf_err (*hf_sender_lookup_fn)(void *ctx, const hf_envelope_header *hdr,
                                      uint8_t pk[HF_SIGN_PK_LEN]);

/*
 * Decodes the envelope and verifies the sender's signature, without any
 * decryption key: what a relay or the audit log does. Fills *hdr.
 * Errors: malformed-class codes, HF_EVERSION, HF_EMSGTYPE, lookup errors,
 * HF_EUNKNOWNSENDER (key id does not match the key returned), HF_ESIG.
 */
HF_API hf_err hf_envelope_verify(const uint8_t *env, size_t len, hf_sender_lookup_fn lookup,
                                 void *lookup_ctx, hf_envelope_header *hdr) HF_MUST_CHECK
    HF_NONNULL(1, 3, 5);

/* Decodes the header only; no signature check. For routing and logging. */
HF_API hf_err hf_envelope_peek(const uint8_t *env, size_t len,
                               hf_envelope_header *hdr) HF_MUST_CHECK HF_NONNULL(1, 3);

typedef struct hf_open_params {
	const hf_identity *self;
	hf_sender_lookup_fn lookup;
	void *lookup_ctx;
	uint64_t now_ms;
	const hf_fed_id *federation; /* expected federation id, or NULL to skip */
} hf_open_params;

typedef struct hf_opened hf_opened;

/*
 * Opens an envelope addressed to p->self, in this order (spec §5.6): decode,
 * version/type, federation, signature, unwrap, decrypt, inner sender and id,
 * body commitment, time window. Each failure is its own code: HF_EFEDERATION,
 * HF_ESIG, HF_ENOTRECIPIENT, HF_EUNWRAP, HF_EDECRYPT, HF_EINNER, HF_ECOMMIT,
 * HF_EFUTURE (created more than HF_MAX_CLOCK_SKEW_MS after now), HF_EEXPIRED.
 * On success *out owns the plaintext; free with hf_opened_free.
 */
HF_API hf_err hf_envelope_open(const uint8_t *env, size_t len, const hf_open_params *p,
                               hf_opened **out) HF_MUST_CHECK HF_NONNULL(1, 3, 4);
HF_API const hf_envelope_header *hf_opened_header(const hf_opened *o) HF_NONNULL(1);
HF_API const uint8_t *hf_opened_body(const hf_opened *o, size_t *len) HF_NONNULL(1, 2);
/* The salt that opens the audit commitment (for a later disclosure to the auditor). */
HF_API const uint8_t *hf_opened_salt(const hf_opened *o) HF_NONNULL(1);
/* Wipes the plaintext and frees; NULL is a no-op. */
HF_API void hf_opened_free(hf_opened *o);

/* Audit commitment: keyed BLAKE2b-256 (key = salt) over the domain string
 * "hashfed/v1/commit" and the body (spec §5.3). */
HF_API void hf_audit_commit(const uint8_t salt[HF_COMMIT_SALT_LEN], const uint8_t *body,
                            size_t body_len, uint8_t out[HF_COMMIT_LEN]);

/* RFC 9562 UUIDv7 from unix ms and 10 random bytes, into the .b of a message id
 * (hf_msg_id) or an order / referral id (hf_order_id): both are UUIDv7. */
HF_API void hf_uuidv7(uint64_t unix_ms, const hf_rng *rng, uint8_t out[HF_MSGID_LEN]);

#endif
