#ifndef HFN_AUDIT_TREPORT_H
#define HFN_AUDIT_TREPORT_H

/*
 * A platform's transparency report (issue 13; format in docs/audit.md "Transparency
 * report"): counts of its outcomes by category and outcome for a period, and for every
 * counted outcome the log leaf (public audit header only), its inclusion proof and the
 * cosigned checkpoint it is proven against, with the same for the order it answers (the
 * category is the ORDER leaf's). This module is the part shared by the platform that
 * writes it and the verifier that reads it: names, the tally, and the strict verifier.
 * It depends on libhashfed and jansson only (the CLI and fuzz/fuzz_treport.c link it
 * without the node).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hashfed/checkpoint.h"
#include "hashfed/envelope.h"

#define HFN_TR_FORMAT          "hashfed/transparency/v1"
#define HFN_TR_MAX_DOC         ((size_t)64 << 20) /* bytes of the JSON document */
#define HFN_TR_MAX_OUTCOMES    1000000
#define HFN_TR_MAX_CHECKPOINTS 4096
#define HFN_TR_MAX_NAME        64

/* Counts by (category of the order, outcome code; 0 = several codes in one message). */
typedef struct hfn_tr_row {
	uint32_t category, code;
	uint64_t outcomes, items;
} hfn_tr_row;
typedef struct hfn_tr_tally {
	hfn_tr_row *r;
	size_t n, cap;
	uint64_t outcomes, items;
} hfn_tr_tally;

/* Counts one OUTCOME header answering the ORDER header. */
hf_err hfn_tr_tally_add(hfn_tr_tally *t, const hf_envelope_header *order,
                        const hf_envelope_header *outcome) HF_MUST_CHECK;
/* The "counts" array (sorted by category, outcome) and the "totals" object. */
json_t *hfn_tr_tally_counts(const hfn_tr_tally *t);
json_t *hfn_tr_tally_totals(const hfn_tr_tally *t);
void hfn_tr_tally_free(hfn_tr_tally *t);

/* What the verifier trusts besides the document: the log's policy (keys, witnesses,
 * quorum), which key ids belong to the platform (its manifest), and optionally the log's
 * own list of published checkpoints. */
typedef struct hfn_tr_env {
	const hf_log_policy *pol;
	/* Whether kid is a signing (enc = false) or encryption key id of member. */
	bool (*member_key)(void *ctx, const uint8_t member[16], const hf_key_id *kid, bool enc);
	/* Whether the log published exactly this checkpoint (size, root); NULL: not checked. */
	bool (*published)(void *ctx, const hf_checkpoint *c);
	void *ctx;
} hfn_tr_env;

typedef struct hfn_tr_result {
	char brk[32];     /* the first break's name; "" when the report verifies */
	char detail[256]; /* what and where */
	uint8_t platform[16];
	uint64_t from_ms, to_ms; /* the period, [from, to); to = UINT64_MAX: open */
	uint64_t outcomes, items;
	uint64_t max_size; /* largest checkpoint size in the report: complete as of it */
	size_t n_checkpoints;
} hfn_tr_result;

/*
 * Verifies a transparency report (doc: len bytes, at most HFN_TR_MAX_DOC): the strict
 * document format, every checkpoint opened under env->pol (and published by the log when
 * env->published is set), every outcome's and order's inclusion proof against the
 * (size, root) of the checkpoint it names, each leaf an OUTCOME signed by the platform
 * for an ORDER sealed to it, within the period, no leaf twice, and the counts and totals
 * recounted from the leaves. HF_OK when all hold; otherwise the code of the first break,
 * res->brk its name (docs/audit.md: report-format, checkpoint, checkpoint-unpublished,
 * missing-proof, bad-proof, leaf-format, not-platform-outcome, order-mismatch,
 * out-of-period, duplicate, count-mismatch) and res->detail where.
 */
hf_err hfn_tr_verify(const uint8_t *doc, size_t len, const hfn_tr_env *env,
                     hfn_tr_result *res) HF_MUST_CHECK;

/* Names in the document: hf_order_category_name / hf_outcome_code_name, "mixed" for code
 * 0, "category-<n>" / "outcome-<n>" for codes without a name. */
void hfn_tr_names(uint32_t category, uint32_t code, char cat[HFN_TR_MAX_NAME],
                  char out[HFN_TR_MAX_NAME]);
/* The single outcome code of an OUTCOME header's status bitmask, 0 if several. */
uint32_t hfn_tr_code(uint32_t status);

#endif
