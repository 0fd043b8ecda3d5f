#ifndef HASHFED_MATCH_REPORT_H
#define HASHFED_MATCH_REPORT_H

/*
 * Match report (spec §14): the body of an HF_MSG_MATCH_REPORT envelope, sent
 * by a platform to the authority that issues a list. It carries, for one list
 * and one UTC day, how many uploads matched each entry (cumulative for that
 * day), and the entries the platform has disabled or quarantined locally (the
 * false-positive signal). Counts and entry ids only: never hashes of uploads,
 * never user data.
 *
 * Counts and id sets travel as packed fixed-size records inside bins (like
 * list entries, spec §12.2), so a report on 100k entries costs 12 bytes per
 * entry. The decoder is zero-copy and never allocates.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/ids.h"
#include "hashfed/limits.h"

#define HF_MATCH_REPORT_COUNT_LEN 12 /* record: entry id (uint64 BE) + matches (uint32 BE) */

typedef struct hf_match_count {
	uint64_t entry_id; /* >= 1 */
	uint32_t matches;  /* >= 1: uploads that matched the entry that day */
} hf_match_count;

typedef struct hf_match_report {
	hf_list_id list_id;
	uint32_t day; /* UTC days since 1970-01-01 */
	uint64_t
	    revision; /* >= 1; a later revision for the same (list, day) replaces the earlier */
	uint32_t n_counts;
	uint32_t n_disabled;
	uint32_t n_quarantined;
	const uint8_t *counts_raw;      /* decode only: n_counts records */
	const uint8_t *disabled_raw;    /* decode only: n_disabled uint64 BE ids */
	const uint8_t *quarantined_raw; /* decode only: n_quarantined uint64 BE ids */
} hf_match_report;

/*
 * Encodes a report body. r supplies list id, day and revision; counts (entry
 * ids strictly ascending, each >= 1, matches >= 1), disabled and quarantined
 * (ids strictly ascending, >= 1) the content. *out is malloc'ed.
 * Errors: HF_EINVAL (NULL array with a non-zero count), HF_ERANGE (day above
 * HF_MATCH_REPORT_MAX_DAY, revision 0, id 0, matches 0), HF_ETOOLONG (more
 * than the HF_MATCH_REPORT_MAX_* records), HF_EDUPLICATE / HF_ENONCANON (ids
 * equal / descending), HF_ENOMEM.
 */
HF_API hf_err hf_match_report_encode(const hf_match_report *r, const hf_match_count *counts,
                                     size_t n_counts, const uint64_t *disabled, size_t n_disabled,
                                     const uint64_t *quarantined, size_t n_quarantined,
                                     uint8_t **out, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 8, 9);

/*
 * Decodes and validates a report body (untrusted input); the *_raw views
 * point into p. Errors: the malformed-class codes of spec §2 (HF_ETOOBIG above
 * HF_MATCH_REPORT_MAX_SIZE), HF_ELENGTH (a bin that is not a whole number of
 * records), HF_ETOOLONG, HF_ERANGE, HF_EDUPLICATE, HF_ENONCANON as for the
 * encoder, HF_EMISSING, HF_EUNKNOWNKEY.
 */
HF_API hf_err hf_match_report_decode(const uint8_t *p, size_t len, hf_match_report *r) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* i-th count record of a decoded report (i < n_counts). */
HF_API hf_match_count hf_match_report_count(const hf_match_report *r, uint32_t i) HF_NONNULL(1);
/* i-th disabled / quarantined id of a decoded report. */
HF_API uint64_t hf_match_report_disabled(const hf_match_report *r, uint32_t i) HF_NONNULL(1);
HF_API uint64_t hf_match_report_quarantined(const hf_match_report *r, uint32_t i) HF_NONNULL(1);

#endif
