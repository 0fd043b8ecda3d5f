#ifndef HFN_STORE_AUDIT_H
#define HFN_STORE_AUDIT_H

/*
 * The audit log's part of the store (issue 13, spec §15). Like store.c this is
 * the store module: it speaks SQL, nothing else does; same rules (one
 * connection per thread, callers bracket atomic changes with hfn_store_begin /
 * hfn_store_commit).
 *
 * Log operator (auditor): submitted headers wait in audit_queue until the next
 * integration batch appends them, in one transaction, as leaves (audit_leaves),
 * with the tlog-tiles hashes the proofs need (audit_tiles: level L, index N ->
 * up to 256 hashes of tree level 8L, the tile layout of c2sp.org/tlog-tiles)
 * and the signed checkpoint (audit_checkpoints). Senders: headers to submit
 * (audit_outq, per log) and the receipts they got (audit_receipts). Every node:
 * the checkpoints it verified (audit_seen), split-view evidence (audit_alarms),
 * and as a witness its last cosigned checkpoint per log (audit_witnessed).
 *
 * Nothing here holds a hash value, locator, pseudonym or free text of the
 * federation's content: headers are public audit headers (spec §5.2, §5.3).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define HFN_TILE_BYTES (256 * 32) /* a full tlog-tiles hash tile */

/* ---- log operator ------------------------------------------------------------ */

/* Queues a submitted header unless (sender, msg_id) is queued or logged: *dup = true. */
hf_err hfn_store_aq_add(hfn_store *s, const hf_key_id *sender, const hf_msg_id *msg_id,
                        const uint8_t submitter[16], const uint8_t *hdr, size_t len,
                        bool *dup) HF_MUST_CHECK;
typedef hf_err (*hfn_store_aq_cb)(void *ctx, int64_t seq, const hf_key_id *sender,
                                  const hf_msg_id *msg_id, const uint8_t *submitter,
                                  const uint8_t *hdr, size_t len);
/* Up to max queued headers, oldest first. */
hf_err hfn_store_aq_each(hfn_store *s, size_t max, hfn_store_aq_cb cb, void *ctx) HF_MUST_CHECK;
hf_err hfn_store_aq_count(hfn_store *s, uint64_t *n) HF_MUST_CHECK;
/* Drops queued rows with seq <= upto. */
hf_err hfn_store_aq_drop(hfn_store *s, int64_t upto) HF_MUST_CHECK;

hf_err hfn_store_leaf_add(hfn_store *s, uint64_t idx, const hf_key_id *sender,
                          const hf_msg_id *msg_id, const uint8_t submitter[16],
                          uint64_t integrated_ms, const uint8_t *leaf, size_t len) HF_MUST_CHECK;
/* One leaf row to write (leaf points at the caller's bytes). */
typedef struct hfn_store_leaf_row {
	uint64_t idx, integrated_ms;
	hf_key_id sender;
	hf_msg_id msg_id;
	uint8_t submitter[16];
	const uint8_t *leaf;
	size_t len;
} hfn_store_leaf_row;
/* hfn_store_leaf_add of each row, in order, several rows per statement. */
hf_err hfn_store_leaves_add(hfn_store *s, const hfn_store_leaf_row *row, size_t n) HF_MUST_CHECK;
/* HF_ENOTFOUND if (sender, msg_id) has no leaf. */
hf_err hfn_store_leaf_find(hfn_store *s, const hf_key_id *sender, const hf_msg_id *msg_id,
                           uint64_t *idx, uint64_t *integrated_ms) HF_MUST_CHECK;
typedef hf_err (*hfn_store_leaf_cb)(void *ctx, uint64_t idx, const uint8_t *submitter,
                                    const uint8_t *leaf, size_t len);
/* Leaves with from <= idx < to, in order. */
hf_err hfn_store_leaves(hfn_store *s, uint64_t from, uint64_t to, hfn_store_leaf_cb cb,
                        void *ctx) HF_MUST_CHECK;
hf_err hfn_store_leaf_count(hfn_store *s, uint64_t *n) HF_MUST_CHECK;

/* Tile (level, idx): len = 32 * width bytes. Insert or replace. */
hf_err hfn_store_tile_put(hfn_store *s, unsigned level, uint64_t idx, const uint8_t *hashes,
                          size_t len) HF_MUST_CHECK;
/* Copies up to HFN_TILE_BYTES into buf; *len = bytes. HF_ENOTFOUND if absent. */
hf_err hfn_store_tile_get(hfn_store *s, unsigned level, uint64_t idx, uint8_t *buf,
                          size_t *len) HF_MUST_CHECK;

/* The log's own checkpoints (insert or replace: cosignatures get added to the note). */
hf_err hfn_store_ckpt_put(hfn_store *s, uint64_t size, uint64_t at_ms,
                          const char *note) HF_MUST_CHECK;
/* Newest (size = 0: the newest; else exactly that size). *note malloc'ed. HF_ENOTFOUND. */
hf_err hfn_store_ckpt_get(hfn_store *s, uint64_t size, uint64_t *size_out, uint64_t *at_ms,
                          char **note) HF_MUST_CHECK;

/* A named counter of the log (e.g. "published": receipts sent up to that size); 0 if unset. */
hf_err hfn_store_ameta_put(hfn_store *s, const char *k, uint64_t v) HF_MUST_CHECK;
hf_err hfn_store_ameta_get(hfn_store *s, const char *k, uint64_t *v) HF_MUST_CHECK;

/* Marks the checkpoint of size as published (it reached its quorum). */
hf_err hfn_store_ckpt_publish(hfn_store *s, uint64_t size) HF_MUST_CHECK;
typedef hf_err (*hfn_store_note_cb)(void *ctx, uint64_t size, const char *note);
/* Published checkpoints, oldest first. */
hf_err hfn_store_ckpts_published(hfn_store *s, hfn_store_note_cb cb, void *ctx) HF_MUST_CHECK;
/* integration time of the newest leaf (0 if none) */
hf_err hfn_store_leaf_last_time(hfn_store *s, uint64_t *ms) HF_MUST_CHECK;

/* Size a witness last cosigned (0 if never). */
hf_err hfn_store_wstate_put(hfn_store *s, const uint8_t witness[16], uint64_t size,
                            uint64_t at_ms) HF_MUST_CHECK;
hf_err hfn_store_wstate_get(hfn_store *s, const uint8_t witness[16], uint64_t *size) HF_MUST_CHECK;

/* ---- senders ------------------------------------------------------------------- */

/* Headers waiting for a receipt from log: our own (mine, to submit) or received ones we
 * want proof of (to ask for). Same (log, sender, msg_id) again: no-op. */
hf_err hfn_store_want_add(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                          const hf_msg_id *msg_id, const uint8_t *hdr, size_t len, bool mine,
                          uint64_t now_ms) HF_MUST_CHECK;
typedef hf_err (*hfn_store_want_cb)(void *ctx, int64_t seq, const hf_key_id *sender,
                                    const hf_msg_id *msg_id, const uint8_t *hdr, size_t len,
                                    bool mine, uint64_t since_ms);
/* Up to max not yet sent (state 0) for log, oldest first. */
hf_err hfn_store_want_todo(hfn_store *s, const uint8_t log[16], size_t max, hfn_store_want_cb cb,
                           void *ctx) HF_MUST_CHECK;
/* Marks one sent (state 1). */
hf_err hfn_store_want_sent(hfn_store *s, int64_t seq) HF_MUST_CHECK;
/* The (oldest) header waiting for msg_id from log: its sender key id into sender, *hdr
 * malloc'ed. HF_ENOTFOUND. */
hf_err hfn_store_want_get(hfn_store *s, const uint8_t log[16], const hf_msg_id *msg_id,
                          hf_key_id *sender, uint8_t **hdr, size_t *len, bool *mine) HF_MUST_CHECK;
hf_err hfn_store_want_del(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                          const hf_msg_id *msg_id) HF_MUST_CHECK;
/* Sent, not answered, since before `before`, not yet flagged: the cb may flag them. */
hf_err hfn_store_want_overdue(hfn_store *s, uint64_t before, size_t max, hfn_store_want_cb cb,
                              void *ctx) HF_MUST_CHECK;
hf_err hfn_store_want_flag(hfn_store *s, int64_t seq) HF_MUST_CHECK;
/* Sent before `before`, unanswered, not flagged: to be sent again (state 0). */
hf_err hfn_store_want_rearm(hfn_store *s, uint64_t before) HF_MUST_CHECK;
/* Logs with unsent rows: fills up to max ids. */
hf_err hfn_store_want_logs(hfn_store *s, uint8_t (*logs)[16], size_t max, size_t *n) HF_MUST_CHECK;
hf_err hfn_store_want_count(hfn_store *s, uint64_t *n) HF_MUST_CHECK;
/* Whether (log, sender, msg_id) is waited for, and whether its wait ran out (flagged). */
hf_err hfn_store_want_state(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                            const hf_msg_id *msg_id, bool *exists, bool *flagged) HF_MUST_CHECK;

typedef struct hfn_store_receipt {
	uint8_t log[16];
	hf_key_id sender;
	hf_msg_id msg_id;
	uint64_t idx, integrated_ms, size;
	uint32_t n_proof;
	uint8_t proof[64][32];
} hfn_store_receipt;
hf_err hfn_store_receipt_put(hfn_store *s, const hfn_store_receipt *r) HF_MUST_CHECK;
/* HF_ENOTFOUND if absent. */
hf_err hfn_store_receipt_get(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                             const hf_msg_id *msg_id, hfn_store_receipt *r) HF_MUST_CHECK;
hf_err hfn_store_receipt_count(hfn_store *s, uint64_t *n) HF_MUST_CHECK;

/* ---- every node ------------------------------------------------------------- */

/* A checkpoint verified (signature + quorum); insert or replace (more cosignatures). */
hf_err hfn_store_seen_put(hfn_store *s, const uint8_t log[16], uint64_t size,
                          const uint8_t root[32], const char *note, uint64_t now_ms) HF_MUST_CHECK;
/* size 0: the largest seen; else one of that size (any root). *note malloc'ed (may be NULL). */
hf_err hfn_store_seen_get(hfn_store *s, const uint8_t log[16], uint64_t size, uint64_t *size_out,
                          uint8_t root[32], char **note) HF_MUST_CHECK;
hf_err hfn_store_alarm_add(hfn_store *s, const uint8_t log[16], const char *a, const char *b,
                           const char *reason, uint64_t now_ms) HF_MUST_CHECK;
typedef hf_err (*hfn_store_alarm_cb)(void *ctx, int64_t seq, const uint8_t *log, const char *a,
                                     const char *b, const char *reason, uint64_t at_ms);
hf_err hfn_store_alarms(hfn_store *s, hfn_store_alarm_cb cb, void *ctx) HF_MUST_CHECK;
hf_err hfn_store_alarm_count(hfn_store *s, uint64_t *n) HF_MUST_CHECK;
/* Whether this exact pair (either order) is already recorded. */
hf_err hfn_store_alarm_known(hfn_store *s, const uint8_t log[16], const char *a, const char *b,
                             bool *known) HF_MUST_CHECK;

/* Witness: the checkpoint it last cosigned for log. HF_ENOTFOUND if none. */
hf_err hfn_store_witnessed_put(hfn_store *s, const uint8_t log[16], uint64_t size,
                               const uint8_t root[32], const char *note) HF_MUST_CHECK;
hf_err hfn_store_witnessed_get(hfn_store *s, const uint8_t log[16], uint64_t *size,
                               uint8_t root[32], char **note) HF_MUST_CHECK;

#endif
