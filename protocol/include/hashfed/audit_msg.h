#ifndef HASHFED_AUDIT_MSG_H
#define HASHFED_AUDIT_MSG_H

/*
 * Audit log messages (spec §16): how senders submit the public headers of
 * their messages to the log operated by the auditors, how the log answers with
 * inclusion receipts, how checkpoints travel to witnesses and members, and how
 * a split view is reported. Every body is canonical msgpack (spec §2), bounded
 * by HF_AUDIT_MAX_BODY_SIZE; decoders are zero-copy views into the input and
 * never allocate.
 *
 * None of these bodies can carry a hash value, locator, pseudonym or free
 * text of the federation's content: submissions carry envelope headers
 * (spec §5.2, which hold only the public audit header of §5.3), the rest log
 * sizes, hashes of the log itself and signed-note text.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/envelope.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"

/* AUDIT_QUERY kinds (spec §16.1). */
enum {
	HF_AUDIT_Q_RECEIPT = 1,     /* the inclusion receipt of one message */
	HF_AUDIT_Q_CONSISTENCY = 2, /* a consistency proof between two sizes, as AUDIT_CHECKPOINT */
};

/* One entry of a receipt: where the message's leaf is and when it was integrated. */
typedef struct hf_audit_rentry {
	hf_msg_id msg_id;
	uint64_t index;         /* leaf index */
	uint64_t integrated_ms; /* the log's clock when it appended the leaf */
	const uint8_t *proof;   /* 32-byte hashes back to back (RFC 9162 order) */
	size_t proof_len;       /* a multiple of 32, at most HF_MERKLE_MAX_PROOF hashes */
} hf_audit_rentry;

typedef struct hf_audit_msg {
	uint32_t type; /* HF_MSG_AUDIT_* */
	union {
		struct { /* AUDIT_SUBMIT (48): sender -> auditor */
			uint32_t n;
			const uint8_t *hdr[HF_AUDIT_MAX_SUBMIT]; /* canonical envelope headers */
			size_t hdr_len[HF_AUDIT_MAX_SUBMIT];
		} submit;
		struct { /* AUDIT_RECEIPT (49): auditor -> submitter or asker */
			const char *checkpoint; /* signed note text (not NUL-terminated) */
			size_t checkpoint_len;
			uint32_t n;
			hf_audit_rentry e[HF_AUDIT_MAX_SUBMIT];
		} receipt;
		struct { /* AUDIT_CHECKPOINT (50): log -> witness / members, member -> member */
			const char *checkpoint;
			size_t checkpoint_len;
			bool has_from;
			uint64_t from_size;   /* the consistency proof is from this size */
			const uint8_t *proof; /* as in hf_audit_rentry */
			size_t proof_len;
		} checkpoint;
		struct {                        /* AUDIT_COSIGN (51): witness -> log */
			const char *checkpoint; /* the note with the witness's cosignature line */
			size_t checkpoint_len;
		} cosign;
		struct { /* AUDIT_QUERY (52): anyone -> log (or the message's sender) */
			uint32_t kind;
			hf_key_id sender; /* RECEIPT: signing key id of the message */
			hf_msg_id msg_id;
			uint64_t from_size, to_size; /* CONSISTENCY */
		} query;
		struct {                   /* AUDIT_ALARM (53): anyone -> every auditor */
			const char *a, *b; /* two checkpoints not provably consistent */
			size_t a_len, b_len;
		} alarm;
	} u;
} hf_audit_msg;

/* True for the six audit message types (48..53). */
HF_API bool hf_audit_msg_type(uint32_t type);
/* True for the message types whose headers go into the log (spec §15.1). */
HF_API bool hf_audit_logged_type(uint32_t type);

/* Encodes m (the same rules the decoder checks). *out is malloc'ed. */
HF_API hf_err hf_audit_msg_encode(const hf_audit_msg *m, uint8_t **out,
                                  size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 3);
/* Decodes an untrusted body of the given type; views point into p. m can be large
 * (sizeof ~ 300 KiB): allocate it, do not put it on a small stack. */
HF_API hf_err hf_audit_msg_decode(uint32_t type, const uint8_t *p, size_t len,
                                  hf_audit_msg *m) HF_MUST_CHECK HF_NONNULL(2, 4);

/* Decodes standalone canonical header bytes (spec §5.2) strictly. */
HF_API hf_err hf_envelope_header_decode(const uint8_t *p, size_t len,
                                        hf_envelope_header *h) HF_MUST_CHECK HF_NONNULL(1, 3);

#endif
