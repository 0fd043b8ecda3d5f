#ifndef HFN_MATCH_H
#define HFN_MATCH_H

/*
 * The platform-side matcher (issue 7, docs/match.md): every active entry of
 * every list this node follows, in memory, in the protocol's match indexes
 * (hf_pdq_index for PDQ, hf_exact_index for MD5 and SHA-256, hf_vpdq_index for videos:
 * their frames share the PDQ index, so a photo query also finds a video whose frame it is).
 *
 * Loaded once at start; afterwards the lists engine calls the hooks below as
 * it applies batches and snapshots, so the index changes entry by entry and is
 * never rebuilt. Expired entries are skipped at query time and swept out of
 * the index periodically.
 *
 * False-positive defences: a local allow-list (a query or entry value on it
 * never matches), entries disabled locally by an operator, and the flood
 * quarantine (an entry matching more than flood_threshold distinct uploads in
 * flood_window_ms is suspended pending review). Disabled and quarantined
 * entries are reported to the issuer with the daily match counts in
 * HF_MSG_MATCH_REPORT (spec §14). Everything is logged as JSON lines.
 *
 * Main thread only (it uses n->store and n->base).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/list.h"
#include "hashfed/vpdq_match.h"
#include "core/node.h"
#include "store/store_match.h"

typedef struct hfn_match hfn_match;

/* Creates the matcher as n->match, loads every followed list, and starts its timers.
 * Errors: HF_ECONFIG (bad [match] values), HF_ENOMEM, HF_EDB. */
hf_err hfn_match_start(hfn_node *n) HF_MUST_CHECK;
/* Flushes pending counts and frees everything; NULL n->match is a no-op. */
void hfn_match_stop(hfn_node *n);

/* ---- hooks of the lists engine (inside its transaction) ------------------ */

/* A batch of list l is being applied (env: its envelope, for the issue time): its entries
 * enter the matcher; a large batch's PDQ index insertion runs on a helper thread meanwhile.
 * Every successful _begin is followed by _end before anything else calls the matcher. */
hf_err hfn_match_batch_begin(hfn_node *n, const hfn_store_list *l, const hf_list_batch *b,
                             const uint8_t *env, size_t env_len) HF_MUST_CHECK;
/* Waits for the insertion; stored = the caller stored the batch, else its entries leave the
 * matcher again. Then the batch's removals. */
hf_err hfn_match_batch_end(hfn_node *n, const hf_list_batch *b, bool stored) HF_MUST_CHECK;
/* A snapshot part of list l was applied (part 0 replaced the list). */
hf_err hfn_match_on_snapshot(hfn_node *n, const hfn_store_list *l,
                             const hf_list_snapshot *s) HF_MUST_CHECK;

/* ---- queries --------------------------------------------------------------- */

typedef struct hfn_match_query {
	unsigned alg; /* hf_hash_alg */
	uint8_t value[HF_LIST_MAX_VALUE_LEN];
	int quality; /* PDQ quality of the query hash (100 if unknown) */
	/* What makes two uploads distinct for the flood quarantine (a caller's upload id, else
	 * the hashed bytes or the query value); any length. */
	const uint8_t *upload;
	size_t upload_len;
} hfn_match_query;

typedef struct hfn_match_hit {
	const hf_list_id *list_id;
	const char *list_name;
	const uint8_t *issuer; /* HF_MEMBER_ID_LEN */
	uint64_t entry_id;
	unsigned alg;
	const uint8_t *value; /* the entry's value, hf_hash_alg_len(alg) bytes (0 for vpdq) */
	uint16_t category;
	unsigned distance;
	uint64_t batch;     /* batch that brought the entry (snapshot: the snapshot's batch) */
	uint64_t issued_ms; /* its issue time; 0 if unknown (snapshot) */
	bool via_snapshot;
	/* A photo query that matched a frame of a video entry: that frame's time (the
	 * nearest frame, one hit per video), else -1. */
	double frame_seconds;
	/* A video query (hfn_match_video_run): the rule's shares and time ranges (valid during
	 * the callback), else NULL. */
	const hf_vpdq_match_result *video;
} hfn_match_hit;

typedef struct hfn_match_result {
	bool allowlisted;     /* the query value is on the allow-list: no matches reported */
	uint32_t suppressed;  /* matches dropped: entry disabled, quarantined or allow-listed */
	uint32_t quarantined; /* entries this query pushed into quarantine */
} hfn_match_result;

typedef void (*hfn_match_hit_fn)(void *ctx, const hfn_match_hit *h);

/* Looks q up; calls fn per match (counted for the reports, fed to the flood quarantine).
 * Errors: HF_EINVAL (alg), HF_ELOWQUALITY (PDQ quality below min_quality), HF_ENOMEM. */
hf_err hfn_match_query_run(hfn_match *m, const hfn_match_query *q, hfn_match_hit_fn fn, void *ctx,
                           hfn_match_result *res) HF_MUST_CHECK;

/* Side-effect-free lookup for the intake's cross-agency dedupe (node/intake/): the same
 * matches as hfn_match_query_run, without counting them for the match reports, feeding the
 * flood quarantine or applying min_quality. Errors: HF_EINVAL (alg), HF_ENOMEM. */
hf_err hfn_match_lookup(hfn_match *m, unsigned alg, const uint8_t *value, hfn_match_hit_fn fn,
                        void *ctx) HF_MUST_CHECK;

/* The [match] settings as Meta's rule parameters (video_distance, min_quality,
 * video_compared_pct, video_query_pct). */
hf_vpdq_match_params hfn_match_video_params(const hfn_match *m);

/* Video entries matching q by Meta's vPDQ rule (docs/video.md) under p; counted and
 * flood-checked as hfn_match_query_run (upload: as hfn_match_query). Errors: HF_ECONFIG
 * (p), HF_ERANGE (p->distance 0 or above what the index holds), HF_ELOWQUALITY (no frame
 * of quality >= both p->quality and min_quality), HF_ENOMEM, HF_EDB. */
hf_err hfn_match_video_run(hfn_match *m, const hf_vpdq *q, const hf_vpdq_match_params *p,
                           const uint8_t *upload, size_t upload_len, hfn_match_hit_fn fn, void *ctx,
                           hfn_match_result *res) HF_MUST_CHECK;
/* The side-effect-free variant (intake dedupe), with the configured parameters. */
hf_err hfn_match_video_lookup(hfn_match *m, const hf_vpdq *q, hfn_match_hit_fn fn,
                              void *ctx) HF_MUST_CHECK;

/* ---- defences (each a transaction and a log line) ------------------------- */

hf_err hfn_match_allow_add(hfn_match *m, unsigned alg, const uint8_t *value,
                           const char *note) HF_MUST_CHECK;
/* HF_ENOTFOUND if not on the list. */
hf_err hfn_match_allow_del(hfn_match *m, unsigned alg, const uint8_t *value) HF_MUST_CHECK;
/* Disables an entry locally (HF_ENOTFOUND if this node holds no such list). */
hf_err hfn_match_disable(hfn_match *m, const hf_list_id *list, uint64_t entry,
                         const char *reason) HF_MUST_CHECK;
/* Re-enables (HF_ENOTFOUND unless disabled). */
hf_err hfn_match_enable(hfn_match *m, const hf_list_id *list, uint64_t entry) HF_MUST_CHECK;
/* Releases a quarantined entry after review (HF_ENOTFOUND unless quarantined); its flood
 * window starts afresh. */
hf_err hfn_match_release(hfn_match *m, const hf_list_id *list, uint64_t entry) HF_MUST_CHECK;

/* Writes pending counts; with send_reports, also seals a report for every (list, day) that
 * changed since the last one. */
hf_err hfn_match_flush(hfn_match *m, bool send_reports) HF_MUST_CHECK;

typedef struct hfn_match_stats {
	size_t lists, pdq, md5, sha256, allow, flagged;
	size_t videos, video_frames; /* video entries, and their frames in the PDQ index */
	size_t pdq_bytes;
	const char *kernel;
	uint64_t queries, hits, suppressed;
} hfn_match_stats;
void hfn_match_get_stats(const hfn_match *m, hfn_match_stats *st);

/* UTC day number of a unix-ms time. */
uint32_t hfn_match_day(uint64_t ms);

#endif
