#ifndef HFN_STORE_H
#define HFN_STORE_H

/*
 * The node's durable state (SQLite, WAL). The only file that speaks SQL is
 * store.c. One hfn_store is one connection: use it from one thread at a time
 * (each thread opens its own; SQLite serialises writers; within the process,
 * hfn_store_begin queues on a per-file mutex, waiting at most 10 s).
 *
 * Every protocol state change is one transaction: callers bracket a group of
 * calls with hfn_store_begin / hfn_store_commit (or _rollback). Commits are
 * synchronous=FULL, so anything acknowledged survives a crash (power loss included),
 * except on a connection made lazy with hfn_store_set_lazy (the outbox sender's).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "hashfed/ids.h"
#include "hashfed/list.h"

#define HFN_STORE_SCHEMA_VERSION 9
#define HFN_MEMBER_LEN           16

typedef struct hfn_store hfn_store;

/* Opens (creating if needed) and migrates the database at path. */
hf_err hfn_store_open(const char *path, hfn_store **out) HF_MUST_CHECK;
void hfn_store_close(hfn_store *s);
/* This connection's commits skip the fsync (WAL, synchronous=NORMAL): a commit survives a
 * crash of the process but the last ones may be lost on power loss, as one consistent
 * prefix (the next synchronous commit of any connection makes them durable too). Only for
 * writes whose loss is harmless: the sender's delivery marks (lost: the message is sent
 * again and the peer answers HF_EREPLAY, spec §12.6). */
hf_err hfn_store_set_lazy(hfn_store *s) HF_MUST_CHECK;
/* BEGIN IMMEDIATE (takes the write lock up front, so no deadlock on upgrade). */
hf_err hfn_store_begin(hfn_store *s) HF_MUST_CHECK;
hf_err hfn_store_commit(hfn_store *s) HF_MUST_CHECK;
void hfn_store_rollback(hfn_store *s);
/* Inside a transaction: a nested unit that can be undone alone (one message of a group
 * commit). hfn_store_rollback_to undoes the writes since hfn_store_savepoint and ends it. */
hf_err hfn_store_savepoint(hfn_store *s) HF_MUST_CHECK;
hf_err hfn_store_release(hfn_store *s) HF_MUST_CHECK;
void hfn_store_rollback_to(hfn_store *s);
int hfn_store_schema_version(hfn_store *s);

/* ---- lists ------------------------------------------------------------ */

typedef struct hfn_store_list {
	hf_list_id id;
	char name[HF_LIST_MAX_NAME_LEN + 1];
	uint32_t category;
	uint32_t algs;
	uint8_t issuer[HFN_MEMBER_LEN]; /* member id of the issuing authority */
	bool mine;                      /* we issue it */
	uint64_t head_n;                /* last batch applied (platform) or sealed (issuer) */
	uint8_t head_hash[HF_LIST_HASH_LEN];
	uint64_t next_id;   /* next entry id (issuer), or the highest seen + 1 */
	uint32_t snap_part; /* platform: next snapshot part expected; 0 = none in progress */
} hfn_store_list;

/* HF_ENOTFOUND if absent. */
hf_err hfn_store_list_get(hfn_store *s, const hf_list_id *id, hfn_store_list *out) HF_MUST_CHECK;
/* Lookup by name among our own lists. */
hf_err hfn_store_list_by_name(hfn_store *s, const char *name, hfn_store_list *out) HF_MUST_CHECK;
/* Insert or replace. */
hf_err hfn_store_list_put(hfn_store *s, const hfn_store_list *l) HF_MUST_CHECK;
typedef hf_err (*hfn_store_list_cb)(void *ctx, const hfn_store_list *l);
hf_err hfn_store_lists(hfn_store *s, hfn_store_list_cb cb, void *ctx) HF_MUST_CHECK;

/* Platforms entitled to one list, at most: the recipients of a batch besides the issuer. */
#define HFN_LISTS_MAX_PLATFORMS 255

/* Entitled platforms of a list (issuer side). */
hf_err hfn_store_entitle(hfn_store *s, const hf_list_id *list,
                         const uint8_t member[HFN_MEMBER_LEN]) HF_MUST_CHECK;
/* Fills up to max member ids; *n = how many. */
hf_err hfn_store_entitled(hfn_store *s, const hf_list_id *list, uint8_t (*members)[HFN_MEMBER_LEN],
                          size_t max, size_t *n) HF_MUST_CHECK;
/* The issuer's check of a member's message about one of its lists (spec §12.7, §14):
 * *status HF_ENOTFOUND unless we issue the list, else HF_ENOTENTITLED unless member is
 * entitled to it, else HF_OK with *l filled. Returns store errors. */
hf_err hfn_store_list_check_entitled(hfn_store *s, const hf_list_id *list,
                                     const uint8_t member[HFN_MEMBER_LEN], hfn_store_list *l,
                                     hf_err *status) HF_MUST_CHECK;

/* ---- entries ---------------------------------------------------------- */

/* Insert; an existing id is replaced (snapshots, re-application is idempotent). */
hf_err hfn_store_entry_put(hfn_store *s, const hf_list_id *list,
                           const hf_list_entry *e) HF_MUST_CHECK;
/* The same for e[0..n), HFN_STORE_ENTRY_ROWS rows per statement (a received batch). */
#define HFN_STORE_ENTRY_ROWS 32u
hf_err hfn_store_entries_put(hfn_store *s, const hf_list_id *list, const hf_list_entry *e,
                             size_t n) HF_MUST_CHECK;
/* Tombstone; HF_ENOTFOUND if the id is unknown (still recorded as removed). */
hf_err hfn_store_entry_remove(hfn_store *s, const hf_list_id *list, uint64_t id,
                              uint64_t batch) HF_MUST_CHECK;
hf_err hfn_store_entries_clear(hfn_store *s, const hf_list_id *list) HF_MUST_CHECK;
/* Active entries (not removed, not expired at now_ms) in id order, from id > after, at most
 * limit. A video entry's frames point into the row: valid during the callback only (copy
 * them to keep them). */
typedef hf_err (*hfn_store_entry_cb)(void *ctx, const hf_list_entry *e);
hf_err hfn_store_entries_active(hfn_store *s, const hf_list_id *list, uint64_t now_ms,
                                uint64_t after, size_t limit, hfn_store_entry_cb cb,
                                void *ctx) HF_MUST_CHECK;
typedef struct hfn_store_counts {
	uint64_t total, active, removed, expired;
} hfn_store_counts;
hf_err hfn_store_entry_counts(hfn_store *s, const hf_list_id *list, uint64_t now_ms,
                              hfn_store_counts *c) HF_MUST_CHECK;
/* Whether entry id exists and is not removed. */
hf_err hfn_store_entry_live(hfn_store *s, const hf_list_id *list, uint64_t id,
                            bool *live) HF_MUST_CHECK;

/* ---- sealed batches (kept so any node can serve them) ------------------ */

hf_err hfn_store_batch_put(hfn_store *s, const hf_list_id *list, uint64_t n,
                           const uint8_t hash[HF_LIST_HASH_LEN], const uint8_t *env,
                           size_t len) HF_MUST_CHECK;
typedef hf_err (*hfn_store_blob_cb)(void *ctx, uint64_t n, const uint8_t *env, size_t len);
/* The list's stored batches after batch `after` that were never queued to peer (no outbox
 * row for it with this list and number), in order, at most limit; cb gets each envelope
 * (valid during the call) and may use this store. Those already queued are left to
 * hfn_store_outbox_rearm_list: their envelopes are not read. */
hf_err hfn_store_batches_after(hfn_store *s, const hf_list_id *list, uint64_t after,
                               const uint8_t peer[HFN_MEMBER_LEN], size_t limit,
                               hfn_store_blob_cb cb, void *ctx) HF_MUST_CHECK;

/* ---- outbox ------------------------------------------------------------ */

typedef struct hfn_store_out {
	int64_t seq;
	hf_msg_id msg_id;
	uint8_t peer[HFN_MEMBER_LEN];
	uint32_t attempts;
	uint8_t *env; /* malloc'ed */
	size_t len;
	bool has_list; /* a list batch (hfn_store_outbox_add's list): list is its id */
	hf_list_id list;
} hfn_store_out;

/* Up to max due undelivered messages, in the order hfn_store_outbox_next would give them
 * (*n of them; each env malloc'ed, the caller frees). A batch of a list that an earlier
 * returned message to the same peer also carries comes without its envelope (env NULL,
 * attempts 0): the sender defers it to a later round anyway. On error nothing is
 * returned. */
hf_err hfn_store_outbox_due(hfn_store *s, uint64_t now_ms, hfn_store_out *out, size_t max,
                            size_t *n) HF_MUST_CHECK;
/* Queues env for peer. Same (msg id, peer) again: made due now if undelivered, else no-op.
 * list/n: the batch it carries (for delivery status), or NULL/0. */
hf_err hfn_store_outbox_add(hfn_store *s, const hf_msg_id *msg_id,
                            const uint8_t peer[HFN_MEMBER_LEN], const hf_list_id *list, uint64_t n,
                            const uint8_t *env, size_t len, uint64_t now_ms) HF_MUST_CHECK;
/* Earliest due undelivered message: HF_ENOTFOUND if none due; *next_ms (may be NULL) gets the
 * earliest future due time or UINT64_MAX. */
hf_err hfn_store_outbox_next(hfn_store *s, uint64_t now_ms, hfn_store_out *o,
                             uint64_t *next_ms) HF_MUST_CHECK;
/* Makes the list's undelivered batches after `after` to peer due now (a pull asked). */
hf_err hfn_store_outbox_rearm_list(hfn_store *s, const uint8_t peer[HFN_MEMBER_LEN],
                                   const hf_list_id *list, uint64_t after,
                                   uint64_t now_ms) HF_MUST_CHECK;
/* Marks row seq delivered; its envelope is dropped (never read again). */
hf_err hfn_store_outbox_done(hfn_store *s, int64_t seq, uint64_t now_ms) HF_MUST_CHECK;
/* Reschedules (next_ms) or, with next_ms = 0, gives up for good (status recorded). A
 * rescheduled row holds back every later undelivered row to the same peer until next_ms,
 * so a message never overtakes an earlier one to that peer that is waiting to be retried
 * (in one send round the sender keeps outbox order itself). */
hf_err hfn_store_outbox_retry(hfn_store *s, int64_t seq, uint64_t next_ms,
                              const char *status) HF_MUST_CHECK;
/* Drops row seq unsent for good with status (a pull that expired: the next pull replaces
 * it); unlike a give-up (hfn_store_outbox_retry with 0) it is not undeliverable. */
hf_err hfn_store_outbox_expire(hfn_store *s, int64_t seq, const char *status) HF_MUST_CHECK;
/* Messages given up for good (hfn_store_outbox_retry with next_ms 0), newest first: cb for
 * the first max of them (status: the code that ended it), *total gets how many there are. */
typedef hf_err (*hfn_store_undeliverable_cb)(void *ctx, const uint8_t *peer,
                                             const hf_msg_id *msg_id, const char *status,
                                             uint32_t attempts);
hf_err hfn_store_outbox_undeliverable(hfn_store *s, size_t max, hfn_store_undeliverable_cb cb,
                                      void *ctx, size_t *total) HF_MUST_CHECK;
/* Makes every undelivered message for peer due at now_ms (the peer is back). */
hf_err hfn_store_outbox_rearm_peer(hfn_store *s, const uint8_t peer[HFN_MEMBER_LEN],
                                   uint64_t now_ms) HF_MUST_CHECK;
/* Per (list, peer): highest batch delivered and highest queued. */
typedef hf_err (*hfn_store_delivery_cb)(void *ctx, const hf_list_id *list, const uint8_t *peer,
                                        uint64_t delivered, uint64_t queued, uint64_t pending);
hf_err hfn_store_delivery(hfn_store *s, hfn_store_delivery_cb cb, void *ctx) HF_MUST_CHECK;

/* ---- inbox ------------------------------------------------------------- */

/* Records a received envelope. *dup = true (nothing written) if this peer sent msg_id before
 * (ids are unique per sender, not globally: schema 5). *seq (may be NULL) gets the new row's
 * sequence number (0 for a duplicate). */
hf_err hfn_store_inbox_add(hfn_store *s, const hf_msg_id *msg_id,
                           const uint8_t peer[HFN_MEMBER_LEN], uint32_t type, const uint8_t *env,
                           size_t len, uint64_t now_ms, bool *dup, int64_t *seq) HF_MUST_CHECK;
/* Sequence numbers of unprocessed, unparked messages after `after`, in arrival order: fills
 * up to max, *n = how many. */
hf_err hfn_store_inbox_pending(hfn_store *s, int64_t after, int64_t *seqs, size_t max,
                               size_t *n) HF_MUST_CHECK;
/* The envelope of an unprocessed message (malloc'ed copy). HF_ENOTFOUND if it is done. */
hf_err hfn_store_inbox_get(hfn_store *s, int64_t seq, uint8_t **env, size_t *len) HF_MUST_CHECK;
/* Number of unprocessed, unparked messages. */
hf_err hfn_store_inbox_count_pending(hfn_store *s, size_t *n) HF_MUST_CHECK;
/* Marks processed with a final status (the envelope bytes are dropped; the id stays as seen). */
hf_err hfn_store_inbox_done(hfn_store *s, int64_t seq, const char *status) HF_MUST_CHECK;
/* Parks a message (held for a later batch) so pending skips it until hfn_store_inbox_unpark. */
hf_err hfn_store_inbox_park(hfn_store *s, int64_t seq) HF_MUST_CHECK;
/* Stores the envelope of a row recorded without it (hfn_store_inbox_add with env NULL: a
 * message applied in the transaction that records it), for a row that stays unfinished. */
hf_err hfn_store_inbox_keep(hfn_store *s, int64_t seq, const uint8_t *env,
                            size_t len) HF_MUST_CHECK;
hf_err hfn_store_inbox_unpark(hfn_store *s) HF_MUST_CHECK;

/* ---- counters ---------------------------------------------------------- */

/* Adds delta to a named counter; `label` may be "" (e.g. peer hex + code). */
hf_err hfn_store_count(hfn_store *s, const char *name, const char *label,
                       int64_t delta) HF_MUST_CHECK;
typedef hf_err (*hfn_store_counter_cb)(void *ctx, const char *name, const char *label, int64_t v);
hf_err hfn_store_counters(hfn_store *s, hfn_store_counter_cb cb, void *ctx) HF_MUST_CHECK;

#endif
