#ifndef HFN_STORE_INTAKE_H
#define HFN_STORE_INTAKE_H

/*
 * Store: the victim intake case queue (node/intake/, docs/intake.md). One row
 * per report: the public receipt, the node-local case reference (never sent
 * anywhere: lists and orders carry its keyed pseudonym), the status, the
 * normalized report (hashes, URLs, contact) and the counselor's actions
 * (notes, list entries, orders, referrals), both as JSON text.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "store/store.h"

typedef struct hfn_store_intake {
	int64_t id;
	char receipt[24];
	char case_ref[40];
	char status[16];
	uint64_t received_ms, updated_ms;
	char *report;  /* JSON text, malloc'ed (hfn_store_intake_clear) */
	char *actions; /* JSON text, malloc'ed */
} hfn_store_intake;

/* Inserts a new case (status "new", actions "{}"); *id gets its row id. Errors: HF_EEXIST
 * (receipt taken), HF_EDB. */
hf_err hfn_store_intake_put(hfn_store *s, const char *receipt, const char *case_ref,
                            uint64_t now_ms, const char *report, int64_t *id) HF_MUST_CHECK;
/* Loads one case (HF_ENOTFOUND). */
hf_err hfn_store_intake_get(hfn_store *s, int64_t id, hfn_store_intake *out) HF_MUST_CHECK;
/* Status and actions of a case (HF_ENOTFOUND). */
hf_err hfn_store_intake_update(hfn_store *s, int64_t id, const char *status, const char *actions,
                               uint64_t now_ms) HF_MUST_CHECK;
typedef hf_err (*hfn_store_intake_cb)(void *ctx, const hfn_store_intake *c);
/* Cases newest first; status NULL = all; at most limit. */
hf_err hfn_store_intake_list(hfn_store *s, const char *status, size_t limit, hfn_store_intake_cb cb,
                             void *ctx) HF_MUST_CHECK;
/* Cases received since since_ms (for the queue's global cap). */
hf_err hfn_store_intake_count_since(hfn_store *s, uint64_t since_ms, uint64_t *n) HF_MUST_CHECK;
void hfn_store_intake_clear(hfn_store_intake *c);

#endif
