#ifndef HASHFED_ORDER_H
#define HASHFED_ORDER_H

/*
 * Takedown order messages (spec §13): the bodies of the HF_MSG_ORDER,
 * HF_MSG_RECEIPT, HF_MSG_OUTCOME, HF_MSG_ORDER_EVENT, HF_MSG_ESCALATION and
 * HF_MSG_REFERRAL envelopes.
 *
 * All six go through one tagged struct, hf_order_msg, with one encoder and one
 * decoder that dispatch on the envelope type. The encoder applies every rule
 * the decoder applies, so nothing is sent that a peer would reject.
 *
 * Ownership of a decoded message: text and hash values are VIEWS into the
 * input buffer (not NUL-terminated; valid as long as the input is); arrays of
 * items and results are allocated by the decoder (bounded by the limits of
 * spec §13 and by the input length) and released by hf_order_msg_clear. For
 * encoding, the caller owns everything it points to.
 *
 * Privacy (spec §13.9): locators and content hashes exist only in ORDER
 * bodies, which are sealed to the target platform. The escalation notice has
 * no field that could hold one, and hf_order_msg_audit never copies one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/envelope.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"

/* Category of an order (spec §13.2); the default deadline depends on it. */
typedef enum hf_order_category {
	HF_CAT_DEEPFAKE_SEXUAL = 1,  /* synthetic sexual imagery of a real person */
	HF_CAT_ILLEGALLY_FILMED = 2, /* covert filming */
	HF_CAT_NONCONSENSUAL = 3,    /* consensually made, distributed without consent */
	HF_CAT_CSAM = 4,             /* child sexual abuse material */
	HF_CAT_THREAT = 5,           /* threat to distribute, extortion */
	HF_CAT_PERSONAL_INFO = 6,    /* victim's personal information alongside content */
	HF_CAT_OTHER = 7,
} hf_order_category;
#define HF_CAT_MAX 7

typedef enum hf_order_priority {
	HF_PRIO_LOW = 0,
	HF_PRIO_NORMAL = 1,
	HF_PRIO_HIGH = 2,
	HF_PRIO_URGENT = 3,
} hf_order_priority;

/* What an item's locator is (spec §13.2). */
typedef enum hf_locator_kind {
	HF_LOC_URL = 1,        /* http(s) URL */
	HF_LOC_CONTENT_ID = 2, /* the platform's own content id */
} hf_locator_kind;

/* Content hash algorithms: same numbers and lengths as the list entries
 * (spec §12.2): 1 PDQ (32 bytes), 2 MD5 (16), 3 SHA-256 (32). */
#define HF_ORDER_ALG_PDQ    1
#define HF_ORDER_ALG_MD5    2
#define HF_ORDER_ALG_SHA256 3

typedef struct hf_order_ref {
	hf_list_id list_id;
	uint64_t entry_id; /* >= 1 */
} hf_order_ref;

typedef struct hf_content_hash {
	uint32_t alg;
	const uint8_t *value; /* length fixed by alg */
	size_t len;
} hf_content_hash;

typedef struct hf_order_item {
	uint32_t index; /* == position in the items array */
	uint32_t locator_kind;
	const char *locator;
	size_t locator_len;
	uint32_t n_refs;
	hf_order_ref refs[HF_ORDER_MAX_REFS]; /* a set */
	uint32_t n_hashes;
	hf_content_hash hashes[HF_ORDER_MAX_HASHES];
} hf_order_item;

typedef struct hf_order {
	hf_order_id order_id;                  /* UUIDv7 */
	uint8_t authority[HF_ORDER_PARTY_LEN]; /* issuing member id */
	uint8_t platform[HF_ORDER_PARTY_LEN];  /* target member id */
	uint64_t issued_ms;
	uint64_t deadline_ms; /* absolute; issued + HF_ORDER_MIN..MAX_DEADLINE_MS */
	uint32_t category;
	uint32_t priority;
	const char *legal_basis; /* 1..HF_ORDER_MAX_LEGAL_LEN bytes */
	size_t legal_basis_len;
	uint8_t case_pseudonym[HF_CASE_PSEUDONYM_LEN];
	const char *note; /* optional: note_len 0 = absent */
	size_t note_len;
	uint32_t n_items; /* 1..HF_ORDER_MAX_ITEMS */
	hf_order_item *items;
} hf_order;

/* Receipt: sent by the platform node the moment the order is committed. */
typedef struct hf_receipt {
	hf_order_id order_id;
	hf_msg_id order_msg_id;                /* envelope message id of the order */
	uint8_t order_hash[HF_ORDER_HASH_LEN]; /* hf_order_hash of the order body */
	uint64_t received_ms;
	uint32_t n_items;
} hf_receipt;

typedef enum hf_outcome_code {
	HF_OUT_REMOVED = 1,
	HF_OUT_BLOCKED_GEO = 2,    /* blocked in the jurisdiction */
	HF_OUT_BLOCKED_ACCESS = 3, /* access restricted (age gate, login wall, ...) */
	HF_OUT_NOT_FOUND = 4,
	HF_OUT_ALREADY_REMOVED = 5,
	HF_OUT_CANNOT_COMPLY = 6,       /* reason + text required */
	HF_OUT_NEEDS_CLARIFICATION = 7, /* text (the question) required */
} hf_outcome_code;
#define HF_OUT_MAX 7

typedef enum hf_outcome_reason {
	HF_REASON_NOT_OUR_SERVICE = 1,
	HF_REASON_LEGAL_CONFLICT = 2,
	HF_REASON_TECHNICAL = 3,
	HF_REASON_INSUFFICIENT_INFO = 4,
	HF_REASON_JURISDICTION = 5,
	HF_REASON_OTHER = 6,
} hf_outcome_reason;
#define HF_REASON_MAX 6

typedef struct hf_item_outcome {
	uint32_t item;      /* item index; results strictly ascending by item */
	uint32_t code;      /* hf_outcome_code */
	uint64_t action_ms; /* when the action was taken */
	uint32_t reason;    /* CANNOT_COMPLY only, else 0 */
	const char *text;   /* CANNOT_COMPLY, NEEDS_CLARIFICATION only */
	size_t text_len;
} hf_item_outcome;

typedef struct hf_outcome {
	hf_order_id order_id;
	uint32_t n_results; /* 1..HF_ORDER_MAX_ITEMS */
	hf_item_outcome *results;
} hf_outcome;

/*
 * Order event (HF_MSG_ORDER_EVENT). `kind` is the state machine event number
 * (hashfed/order_sm.h); only the kinds that travel in this message are valid
 * here (spec §13.5): ACK, REVIEW, CLARIFY_ASK, CLARIFY_ANSWER, DISPUTE,
 * MAINTAIN, APPEAL, WITHDRAW, VERIFY_CONFIRMED, VERIFY_STILL_REACHABLE,
 * RECURRENCE, REMIND, CLOSE.
 */
typedef struct hf_order_event {
	hf_order_id order_id;
	uint32_t kind;
	uint64_t event_ms;
	uint32_t n_items; /* 0 = the whole order */
	uint32_t *items;  /* strictly ascending item indexes */
	const char *text; /* question, answer, grounds, reason; required for some kinds */
	size_t text_len;
	bool has_ref;
	hf_msg_id ref_msg_id;     /* message answered (e.g. the question) */
	uint64_t new_deadline_ms; /* 0 = none; only for kinds that reopen */
} hf_order_event;

/* Escalation notice to the auditor: metadata only, by construction. */
typedef struct hf_escalation {
	hf_order_id order_id;
	uint8_t authority[HF_ORDER_PARTY_LEN];
	uint8_t platform[HF_ORDER_PARTY_LEN];
	uint32_t category;
	uint64_t deadline_ms;
	uint64_t escalated_ms;
	uint32_t n_items;   /* items of the order */
	uint32_t n_overdue; /* 1..n_items */
} hf_escalation;

typedef enum hf_referral_kind {
	HF_REFERRAL_REFER = 1,  /* from -> to: please take this case */
	HF_REFERRAL_STATUS = 2, /* to -> from: status of a referral */
} hf_referral_kind;

typedef enum hf_referral_status {
	HF_REFST_RECEIVED = 1,
	HF_REFST_ACCEPTED = 2,
	HF_REFST_DECLINED = 3,
	HF_REFST_IN_PROGRESS = 4,
	HF_REFST_CLOSED = 5,
} hf_referral_status;
#define HF_REFST_MAX 5

typedef struct hf_referral {
	hf_order_id referral_id;
	uint32_t kind;
	uint8_t from[HF_ORDER_PARTY_LEN]; /* referring authority */
	uint8_t to[HF_ORDER_PARTY_LEN];   /* receiving authority; != from */
	uint8_t case_pseudonym[HF_CASE_PSEUDONYM_LEN];
	uint64_t sent_ms;
	uint32_t status;   /* STATUS only (hf_referral_status), else 0 */
	uint32_t category; /* REFER only (hf_order_category), else 0 */
	uint32_t n_orders;
	hf_order_id orders[HF_REFERRAL_MAX_ORDERS]; /* related orders, a set */
	const char *note;                           /* optional */
	size_t note_len;
} hf_referral;

typedef struct hf_order_msg {
	uint32_t type; /* HF_MSG_ORDER .. HF_MSG_REFERRAL */
	union {
		hf_order order;
		hf_receipt receipt;
		hf_outcome outcome;
		hf_order_event event;
		hf_escalation escalation;
		hf_referral referral;
	} u;
	void *owned; /* decoder allocation; internal */
} hf_order_msg;

/* True for the six order message types. */
HF_API bool hf_order_msg_type(uint32_t type);

/*
 * Encodes m->u as the body of an envelope of type m->type. *out is malloc'ed
 * (free with free()). Errors: HF_EMSGTYPE (not an order type), the code the
 * decoder would give for any field it rejects (HF_ERANGE, HF_ETOOLONG,
 * HF_ELENGTH, HF_EPARSE, HF_EDUPLICATE, HF_EMISSING, HF_EUTF8), HF_ENOMEM,
 * HF_ETOOBIG.
 */
HF_API hf_err hf_order_msg_encode(const hf_order_msg *m, uint8_t **out,
                                  size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 3);

/*
 * Decodes and validates an untrusted body of envelope type `type` into *m
 * (views into p, see above). Call hf_order_msg_clear(m) afterwards, on
 * success and on failure. Errors: HF_EMSGTYPE, every malformed-class code of
 * spec §2, HF_ERANGE (bad enum value, inconsistent optional fields, times),
 * HF_EPARSE (locator syntax), HF_EDUPLICATE, HF_ENONCANON (empty optional
 * field present, unsorted set), HF_ENOMEM.
 */
HF_API hf_err hf_order_msg_decode(uint32_t type, const uint8_t *p, size_t len,
                                  hf_order_msg *m) HF_MUST_CHECK HF_NONNULL(2, 4);

/* Frees what the decoder allocated and zeroes *m. NULL is a no-op. */
HF_API void hf_order_msg_clear(hf_order_msg *m);

/*
 * Public audit header values for the envelope carrying m (spec §13.8):
 * subject, deadline, status, items, category as applicable. Never a locator,
 * hash, text or pseudonym. The commitment is left zero (seal fills it).
 * Errors: HF_EMSGTYPE.
 */
HF_API hf_err hf_order_msg_audit(const hf_order_msg *m, hf_audit_header *out) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/*
 * Cross-checks a decoded RECEIPT, OUTCOME, ORDER_EVENT or ESCALATION against
 * the stored order it names (what the codec alone cannot know, spec §13.4):
 * HF_ENOTFOUND if the order id differs; HF_ERANGE if an item index is not an
 * item of the order, or an item count / party differs from the order's.
 * Other types: HF_EMSGTYPE.
 */
HF_API hf_err hf_order_msg_check_against(const hf_order_msg *m, const hf_order *order) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/*
 * Times in a body come from the sender's clock, like its envelope's `created`
 * (which open bounds by the receiver's clock, HF_EFUTURE), so none may be
 * later than `created` (spec §13.9): an issued, received, action, event,
 * escalated or sent time after created_ms is HF_EFUTURE. A new deadline is a
 * future time by design and is not checked here.
 */
HF_API hf_err hf_order_msg_check_times(const hf_order_msg *m, uint64_t created_ms) HF_MUST_CHECK
    HF_NONNULL(1);

/* BLAKE2b-256 over "hashfed/v1/order" || body: the receipt's order hash. */
HF_API void hf_order_hash(const uint8_t *body, size_t len, uint8_t out[HF_ORDER_HASH_LEN]);

/*
 * Keyed case pseudonym: BLAKE2b-128 keyed with the authority's 32-byte case
 * key over "hashfed/v1/case" || case_ref. The case reference (the
 * authority's internal case number) never leaves the authority; without the
 * key the pseudonym cannot be linked to it. Errors: HF_EINVAL (case_ref
 * empty or longer than HF_ORDER_MAX_CASE_REF_LEN).
 */
HF_API hf_err hf_case_pseudonym(const uint8_t key[static HF_CASE_KEY_LEN], const uint8_t *case_ref,
                                size_t case_ref_len,
                                uint8_t out[static HF_CASE_PSEUDONYM_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 2, 4);

/* Default time to comply for a category in ms (spec §13.2), 0 if unknown. */
HF_API uint64_t hf_order_default_deadline(uint32_t category);

/* Stable lower-case names for logs and JSON ("deepfake_sexual", "removed",
 * ...); NULL if unknown. */
HF_API const char *hf_order_category_name(uint32_t category);
HF_API const char *hf_outcome_code_name(uint32_t code);

#endif
