#ifndef HFN_STORE_MATCH_H
#define HFN_STORE_MATCH_H

/*
 * The matching part of the store (issue 7): the local allow-list, entries
 * disabled or quarantined locally, per-entry daily match counts and which
 * (list, day) still has to be reported, the provenance of entries (which
 * batch brought them, when it was issued), and on the issuer side the match
 * reports and disable/quarantine signals received from platforms.
 *
 * Like store.c this is the store module: it speaks SQL, nothing else does.
 * Same rules: one connection per thread, callers bracket changes that must be
 * atomic with hfn_store_begin / hfn_store_commit. Main thread only in the node.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/list.h"
#include "store/store.h"

/* Local state of an entry (match_flags.state, match_signals.kind). */
typedef enum hfn_match_flag {
	HFN_MATCH_DISABLED = 1,    /* disabled by an operator of this platform */
	HFN_MATCH_QUARANTINED = 2, /* suspended by the flood quarantine, pending review */
} hfn_match_flag;

/* ---- allow-list (platform) --------------------------------------------- */

/* Insert or replace (note <= 256 bytes, truncated). */
hf_err hfn_store_allow_put(hfn_store *s, unsigned alg, const uint8_t *value, const char *note,
                           uint64_t now_ms) HF_MUST_CHECK;
/* HF_ENOTFOUND if absent. */
hf_err hfn_store_allow_del(hfn_store *s, unsigned alg, const uint8_t *value) HF_MUST_CHECK;
typedef hf_err (*hfn_store_allow_cb)(void *ctx, unsigned alg, const uint8_t *value,
                                     const char *note, uint64_t added_ms);
hf_err hfn_store_allow_all(hfn_store *s, hfn_store_allow_cb cb, void *ctx) HF_MUST_CHECK;

/* ---- flags (platform) ---------------------------------------------------- */

hf_err hfn_store_flag_put(hfn_store *s, const hf_list_id *list, uint64_t entry,
                          hfn_match_flag state, const char *reason, uint64_t now_ms) HF_MUST_CHECK;
/* HF_ENOTFOUND unless the entry carries exactly that flag. */
hf_err hfn_store_flag_del(hfn_store *s, const hf_list_id *list, uint64_t entry,
                          hfn_match_flag state) HF_MUST_CHECK;
typedef hf_err (*hfn_store_flag_cb)(void *ctx, const hf_list_id *list, uint64_t entry,
                                    hfn_match_flag state, const char *reason, uint64_t since_ms);
/* All flags (list NULL) or one list's, in (list, entry) order. */
hf_err hfn_store_flags(hfn_store *s, const hf_list_id *list, hfn_store_flag_cb cb,
                       void *ctx) HF_MUST_CHECK;

/* ---- counts and what to report (platform) -------------------------------- */

/* Adds n matches of entry on day and marks (list, day) for reporting. */
hf_err hfn_store_match_count_add(hfn_store *s, const hf_list_id *list, uint64_t entry, uint32_t day,
                                 uint64_t n) HF_MUST_CHECK;
/* Marks (list, day) for reporting (a flag changed). */
hf_err hfn_store_match_dirty(hfn_store *s, const hf_list_id *list, uint32_t day) HF_MUST_CHECK;
typedef hf_err (*hfn_store_dirty_cb)(void *ctx, const hf_list_id *list, uint32_t day);
/* (list, day) pairs to report, at most limit. */
hf_err hfn_store_match_dirty_all(hfn_store *s, size_t limit, hfn_store_dirty_cb cb,
                                 void *ctx) HF_MUST_CHECK;
hf_err hfn_store_match_clean(hfn_store *s, const hf_list_id *list, uint32_t day) HF_MUST_CHECK;
typedef hf_err (*hfn_store_daycount_cb)(void *ctx, uint64_t entry, uint64_t n);
/* Counts of one (list, day) in entry order. */
hf_err hfn_store_match_counts(hfn_store *s, const hf_list_id *list, uint32_t day,
                              hfn_store_daycount_cb cb, void *ctx) HF_MUST_CHECK;

/* ---- provenance (platform) ---------------------------------------------- */

/* Entries first..last of list came with batch (or the snapshot at batch) issued at issued_ms
 * (0 = unknown). */
hf_err hfn_store_prov_put(hfn_store *s, const hf_list_id *list, uint64_t first, uint64_t last,
                          uint64_t batch, uint64_t issued_ms, bool snapshot) HF_MUST_CHECK;
hf_err hfn_store_prov_clear(hfn_store *s, const hf_list_id *list) HF_MUST_CHECK;
typedef hf_err (*hfn_store_prov_cb)(void *ctx, const hf_list_id *list, uint64_t first,
                                    uint64_t last, uint64_t batch, uint64_t issued_ms,
                                    bool snapshot);
/* Every range, in (list, first) order. */
hf_err hfn_store_prov_all(hfn_store *s, hfn_store_prov_cb cb, void *ctx) HF_MUST_CHECK;

/* ---- reports received (issuer) ------------------------------------------- */

/* Keeps the report unless one with revision >= this is held (*applied = false then).
 * counts: the report's raw 12-byte records. */
hf_err hfn_store_report_put(hfn_store *s, const hf_list_id *list,
                            const uint8_t platform[HFN_MEMBER_LEN], uint32_t day, uint64_t revision,
                            uint64_t total, const uint8_t *counts, size_t counts_len,
                            uint64_t now_ms, bool *applied) HF_MUST_CHECK;
/* Replaces the platform's set of signals of one kind for a list. */
hf_err hfn_store_signals_replace(hfn_store *s, const hf_list_id *list,
                                 const uint8_t platform[HFN_MEMBER_LEN], hfn_match_flag kind,
                                 const uint64_t *ids, size_t n, uint64_t now_ms) HF_MUST_CHECK;
typedef hf_err (*hfn_store_report_cb)(void *ctx, const uint8_t *platform, uint32_t day,
                                      uint64_t revision, uint64_t total, const uint8_t *counts,
                                      size_t counts_len, uint64_t received_ms);
/* Reports of a list, newest day first, at most limit. */
hf_err hfn_store_reports(hfn_store *s, const hf_list_id *list, size_t limit, hfn_store_report_cb cb,
                         void *ctx) HF_MUST_CHECK;
typedef hf_err (*hfn_store_signal_cb)(void *ctx, const uint8_t *platform, uint64_t entry,
                                      hfn_match_flag kind, uint64_t since_ms);
hf_err hfn_store_signals(hfn_store *s, const hf_list_id *list, hfn_store_signal_cb cb,
                         void *ctx) HF_MUST_CHECK;

#endif
