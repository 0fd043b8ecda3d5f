#ifndef HASHFED_VPDQ_MATCH_H
#define HASHFED_VPDQ_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/vpdq.h"

/*
 * Meta's vPDQ comparison rule (vpdq/cpp/hashing/matchTwoHash.cpp and
 * python-threatexchange's vpdq matcher, which HMA runs), docs/video.md:
 *  1. drop frames of quality below Q from both hashes, then keep the first
 *     frame of each distinct PDQ hash (python-threatexchange's dedupe);
 *  2. query share = the percentage of the query's remaining frames that have
 *     a frame of the compared video at Hamming distance < D (Meta counts
 *     strictly below the tolerance: D = 31 accepts 0..30), and the compared
 *     share the same the other way round;
 *  3. the videos match when compared share >= P_c and query share >= P_q.
 * With the defaults (P_c 80, P_q 0) an indexed video matches a query that
 * contains most of it, however much longer the query is: a known clip is
 * found inside a longer upload. Either hash empty after the quality filter:
 * both shares 0, no match. These reproduce the cross-match figures Meta
 * publishes for its sample videos (../shared/data/vpdq/README.md).
 */
typedef struct hf_vpdq_match_params {
	unsigned distance;   /* D, default 31: frames match at distance < D */
	int quality;         /* Q, default 50 */
	double compared_pct; /* P_c, default 80 */
	double query_pct;    /* P_q, default 0 */
} hf_vpdq_match_params;

HF_API hf_vpdq_match_params hf_vpdq_match_params_default(void);

/* Errors: HF_ECONFIG (D > 257, Q outside 0..100, a share outside 0..100). */
HF_API hf_err hf_vpdq_match_params_check(const hf_vpdq_match_params *p) HF_MUST_CHECK HF_NONNULL(1);

/* A time range [start, end] in seconds (timestamps of the first and last frame). */
typedef struct hf_vpdq_range {
	double start, end;
} hf_vpdq_range;

typedef struct hf_vpdq_match_result {
	double query_pct;    /* 0..100 */
	double compared_pct; /* 0..100 */
	bool match;
	/* Runs of consecutive matching frames (after the quality filter). */
	hf_vpdq_range *query_ranges;
	size_t n_query_ranges;
	hf_vpdq_range *compared_ranges;
	size_t n_compared_ranges;
} hf_vpdq_match_result;

/*
 * Compare two hashes by the rule. *out owns its ranges (clear it with
 * hf_vpdq_match_result_clear). Errors: HF_ECONFIG, HF_ENOMEM.
 */
HF_API hf_err hf_vpdq_compare(const hf_vpdq *query, const hf_vpdq *compared,
                              const hf_vpdq_match_params *p,
                              hf_vpdq_match_result *out) HF_MUST_CHECK HF_NONNULL(1, 2, 3, 4);

HF_API void hf_vpdq_match_result_clear(hf_vpdq_match_result *r);

/*
 * The rule from precomputed per-frame match flags (for index-based
 * matching): q_hit[i] says whether query frame i (of nq, already
 * quality-filtered) has a partner, c_hit likewise for the compared video.
 * Fills the shares and the match flag only.
 */
HF_API void hf_vpdq_rule(const bool *q_hit, size_t nq, const bool *c_hit, size_t nc,
                         const hf_vpdq_match_params *p, hf_vpdq_match_result *out) HF_NONNULL(5, 6);

/* Runs of true flags over frames (timestamps `seconds`), as ranges. *out is
 * malloc'd (NULL when none). Errors: HF_ENOMEM. */
HF_API hf_err hf_vpdq_ranges(const bool *hit, const double *seconds, size_t n, hf_vpdq_range **out,
                             size_t *n_out) HF_MUST_CHECK HF_NONNULL(5);

#endif
