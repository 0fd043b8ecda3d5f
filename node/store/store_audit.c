/* Store: the audit log (queue, leaves, tiles, checkpoints), receipts, seen checkpoints,
 * split-view evidence (SQL; see store_audit.h). */
#include <stdlib.h>
#include <string.h>

#include "store/store_audit.h"
#include "store/store_internal.h"
#include "hf_check.h"

/* The caller's row callback and context, for the row readers below (hfn_each_row). */
typedef struct rows {
	union {
		hfn_store_aq_cb aq;
		hfn_store_note_cb note;
		hfn_store_want_cb want;
		hfn_store_alarm_cb alarm;
	} cb;
	void *ctx;
} rows;

/* A checkpoint-like row (size, root, note: columns 0..2) into whichever outputs are asked
 * for; HF_ENOMEM if the note cannot be copied. Resets st. */
static hf_err note_row(sqlite3_stmt *st, uint64_t *size, uint8_t root[32], char **note)
{
	hf_err rc = HF_OK;
	if (size)
		*size = hfn_col_u64(st, 0);
	if (root)
		hfn_col_copy(st, 1, root, 32);
	if (note && !(*note = hfn_col_strdup(st, 2)))
		rc = HF_ENOMEM;
	sqlite3_reset(st);
	return rc;
}

/* ---- log operator ------------------------------------------------------------ */

hf_err hfn_store_aq_add(hfn_store *s, const hf_key_id *sender, const hf_msg_id *msg_id,
                        const uint8_t submitter[16], const uint8_t *hdr, size_t len, bool *dup)
{
	bool logged;
	HF_TRY(hfn_any_row(s, "SELECT 1 FROM audit_leaf_ids WHERE msg_id=?2 AND sender=?1", &logged,
	                   HFN_ARGS(HFN_ID(sender), HFN_ID(msg_id))));
	if (logged) {
		*dup = true;
		return HF_OK;
	}
	HF_TRY(hfn_exec(
	    s,
	    "INSERT OR IGNORE INTO audit_queue(sender,msg_id,submitter,hdr)"
	    " VALUES(?1,?2,?3,?4)",
	    HFN_ARGS(HFN_ID(sender), HFN_ID(msg_id), HFN_BLOB(submitter, 16), HFN_BLOB(hdr, len))));
	*dup = sqlite3_changes(hfn_db(s)) == 0;
	return HF_OK;
}

/* A message's identity: its sender key and message id (columns 1 and 2 of a queue row). */
typedef struct msg_key {
	hf_key_id sender;
	hf_msg_id msg_id;
} msg_key;

static msg_key msg_key_of(sqlite3_stmt *st)
{
	msg_key k;
	memset(&k, 0, sizeof(k)); /* hfn_col_copy fills it; cppcheck cannot see that */
	HFN_COL_ID(st, 1, &k.sender);
	HFN_COL_ID(st, 2, &k.msg_id);
	return k;
}

static hf_err aq_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	msg_key k = msg_key_of(st);
	return c->cb.aq(c->ctx, sqlite3_column_int64(st, 0), &k.sender, &k.msg_id,
	                sqlite3_column_blob(st, 3), sqlite3_column_blob(st, 4),
	                (size_t)sqlite3_column_bytes(st, 4));
}

hf_err hfn_store_aq_each(hfn_store *s, size_t max, hfn_store_aq_cb cb, void *ctx)
{
	rows c = {.cb.aq = cb, .ctx = ctx};
	return hfn_each_row(s,
	                    "SELECT seq,sender,msg_id,submitter,hdr FROM audit_queue ORDER BY seq"
	                    " LIMIT ?1",
	                    aq_row, &c, HFN_ARGS(HFN_U64(max)));
}

hf_err hfn_store_aq_count(hfn_store *s, uint64_t *n)
{
	return hfn_get_u64(s, "SELECT count(*) FROM audit_queue", n, NULL, 0);
}

hf_err hfn_store_aq_drop(hfn_store *s, int64_t upto)
{
	return hfn_exec(s, "DELETE FROM audit_queue WHERE seq<=?1", HFN_ARGS(HFN_U64(upto)));
}

hf_err hfn_store_leaf_add(hfn_store *s, uint64_t idx, const hf_key_id *sender,
                          const hf_msg_id *msg_id, const uint8_t submitter[16],
                          uint64_t integrated_ms, const uint8_t *leaf, size_t len)
{
	hfn_store_leaf_row r = {.idx = idx,
	                        .integrated_ms = integrated_ms,
	                        .sender = *sender,
	                        .msg_id = *msg_id,
	                        .leaf = leaf,
	                        .len = len};
	memcpy(r.submitter, submitter, 16);
	return hfn_store_leaves_add(s, &r, 1);
}

/* Multi-row INSERTs: a statement's fixed cost (step, halt, cursor open, b-tree seek) paid
 * once per chunk instead of once per leaf, and the rowid table appended without a seek per
 * row (tests/bench/bench_log.c: the statement overhead was most of a durable append). */
#define R2(x)     x "," x
#define R8(x)     R2(R2(R2(x)))
#define R64(x)    R8(R8(x))
#define LEAF_ROW  "(?,?,?,?)"
#define LID_ROW   "(?,?,?)"
#define LEAVES_IN "INSERT INTO audit_leaves VALUES"
#define LIDS_IN   "INSERT INTO audit_leaf_ids VALUES"
/* Chunk sizes, largest first (1 must be last); the SQL for each, leaves and their ids
 * (msg_id first: UUIDv7, so appends land at the end of the b-tree). */
static const size_t CHUNK[] = {64, 8, 1};
static const char *const LEAVES_SQL[] = {LEAVES_IN R64(LEAF_ROW), LEAVES_IN R8(LEAF_ROW),
                                         LEAVES_IN LEAF_ROW};
static const char *const LIDS_SQL[] = {LIDS_IN R64(LID_ROW), LIDS_IN R8(LID_ROW), LIDS_IN LID_ROW};

hf_err hfn_store_leaves_add(hfn_store *s, const hfn_store_leaf_row *row, size_t n)
{
	hfn_arg a[4 * 64];
	size_t c = 0;
	while (n > 0) {
		while (CHUNK[c] > n)
			c++;
		for (size_t k = 0; k < CHUNK[c]; k++) {
			const hfn_store_leaf_row *r = &row[k];
			a[4 * k] = HFN_U64(r->idx);
			a[4 * k + 1] = HFN_BLOB(r->submitter, 16);
			a[4 * k + 2] = HFN_U64(r->integrated_ms);
			a[4 * k + 3] = HFN_BLOB(r->leaf, r->len);
		}
		HF_TRY(hfn_exec(s, LEAVES_SQL[c], a, 4 * CHUNK[c]));
		for (size_t k = 0; k < CHUNK[c]; k++) {
			const hfn_store_leaf_row *r = &row[k];
			a[3 * k] = HFN_ID(&r->msg_id);
			a[3 * k + 1] = HFN_ID(&r->sender);
			a[3 * k + 2] = HFN_U64(r->idx);
		}
		HF_TRY(hfn_exec(s, LIDS_SQL[c], a, 3 * CHUNK[c]));
		row += CHUNK[c];
		n -= CHUNK[c];
	}
	return HF_OK;
}

hf_err hfn_store_leaf_find(hfn_store *s, const hf_key_id *sender, const hf_msg_id *msg_id,
                           uint64_t *idx, uint64_t *integrated_ms)
{
	sqlite3_stmt *st;
	HF_TRY(hfn_row(s, &st,
	               "SELECT l.idx,l.integrated_ms FROM audit_leaf_ids i JOIN audit_leaves l"
	               " ON l.idx=i.idx WHERE i.msg_id=?2 AND i.sender=?1",
	               HFN_ARGS(HFN_ID(sender), HFN_ID(msg_id))));
	*idx = hfn_col_u64(st, 0);
	*integrated_ms = hfn_col_u64(st, 1);
	sqlite3_reset(st);
	return HF_OK;
}

hf_err hfn_store_leaves(hfn_store *s, uint64_t from, uint64_t to, hfn_store_leaf_cb cb, void *ctx)
{
	/* Own statement: a callback may look up other leaves (nested use). */
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r;
	if (sqlite3_prepare_v2(hfn_db(s),
	                       "SELECT idx,submitter,leaf FROM audit_leaves WHERE idx>=?1 AND"
	                       " idx<?2 ORDER BY idx",
	                       -1, &st, NULL) != SQLITE_OK)
		return HF_EDB;
	hfn_bind_u64(st, 1, from);
	hfn_bind_u64(st, 2, to);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(ctx, hfn_col_u64(st, 0), sqlite3_column_blob(st, 1),
		        sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

hf_err hfn_store_leaf_count(hfn_store *s, uint64_t *n)
{
	return hfn_get_u64(s, "SELECT coalesce(max(idx)+1,0) FROM audit_leaves", n, NULL, 0);
}

hf_err hfn_store_tile_put(hfn_store *s, unsigned level, uint64_t idx, const uint8_t *hashes,
                          size_t len)
{
	if (len > HFN_TILE_BYTES || len % 32)
		return HF_EINVAL;
	return hfn_exec(s, "INSERT OR REPLACE INTO audit_tiles VALUES(?1,?2,?3)",
	                HFN_ARGS(HFN_U64(level), HFN_U64(idx), HFN_BLOB(hashes, len)));
}

hf_err hfn_store_tile_get(hfn_store *s, unsigned level, uint64_t idx, uint8_t *buf, size_t *len)
{
	sqlite3_stmt *st;
	HF_TRY(hfn_row(s, &st, "SELECT hashes FROM audit_tiles WHERE level=?1 AND idx=?2",
	               HFN_ARGS(HFN_U64(level), HFN_U64(idx))));
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	*len = n > HFN_TILE_BYTES ? HFN_TILE_BYTES : n;
	if (*len)
		memcpy(buf, sqlite3_column_blob(st, 0), *len);
	sqlite3_reset(st);
	return HF_OK;
}

hf_err hfn_store_ckpt_put(hfn_store *s, uint64_t size, uint64_t at_ms, const char *note)
{
	return hfn_exec(s,
	                "INSERT INTO audit_checkpoints(size,at_ms,note) VALUES(?1,?2,?3) ON"
	                " CONFLICT(size) DO UPDATE SET note=excluded.note",
	                HFN_ARGS(HFN_U64(size), HFN_U64(at_ms), HFN_TEXT(note)));
}

hf_err hfn_store_ckpt_get(hfn_store *s, uint64_t size, uint64_t *size_out, uint64_t *at_ms,
                          char **note)
{
	sqlite3_stmt *st;
	*note = NULL;
	if (size)
		HF_TRY(hfn_row(s, &st,
		               "SELECT size,at_ms,note FROM audit_checkpoints WHERE size=?1",
		               HFN_ARGS(HFN_U64(size))));
	else
		HF_TRY(hfn_row(s, &st,
		               "SELECT size,at_ms,note FROM audit_checkpoints ORDER BY size DESC"
		               " LIMIT 1",
		               NULL, 0));
	if (size_out)
		*size_out = hfn_col_u64(st, 0);
	if (at_ms)
		*at_ms = hfn_col_u64(st, 1);
	*note = hfn_col_strdup(st, 2);
	sqlite3_reset(st);
	return *note ? HF_OK : HF_ENOMEM;
}

hf_err hfn_store_ckpt_publish(hfn_store *s, uint64_t size)
{
	return hfn_exec(s, "UPDATE audit_checkpoints SET published=1 WHERE size=?1",
	                HFN_ARGS(HFN_U64(size)));
}

static hf_err note_cb_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	return c->cb.note(c->ctx, hfn_col_u64(st, 0), (const char *)sqlite3_column_text(st, 1));
}

hf_err hfn_store_ckpts_published(hfn_store *s, hfn_store_note_cb cb, void *ctx)
{
	rows c = {.cb.note = cb, .ctx = ctx};
	return hfn_each_row(
	    s, "SELECT size,note FROM audit_checkpoints WHERE published=1 ORDER BY size",
	    note_cb_row, &c, NULL, 0);
}

hf_err hfn_store_leaf_last_time(hfn_store *s, uint64_t *ms)
{
	return hfn_get_u64(s, "SELECT integrated_ms FROM audit_leaves ORDER BY idx DESC LIMIT 1",
	                   ms, NULL, 0);
}

hf_err hfn_store_wstate_put(hfn_store *s, const uint8_t witness[16], uint64_t size, uint64_t at_ms)
{
	return hfn_exec(s, "INSERT OR REPLACE INTO audit_wstate VALUES(?1,?2,?3)",
	                HFN_ARGS(HFN_BLOB(witness, 16), HFN_U64(size), HFN_U64(at_ms)));
}

hf_err hfn_store_wstate_get(hfn_store *s, const uint8_t witness[16], uint64_t *size)
{
	return hfn_get_u64(s, "SELECT size FROM audit_wstate WHERE witness=?1", size,
	                   HFN_ARGS(HFN_BLOB(witness, 16)));
}

/* ---- senders ------------------------------------------------------------------- */

hf_err hfn_store_ameta_put(hfn_store *s, const char *k, uint64_t v)
{
	return hfn_exec(s, "INSERT OR REPLACE INTO audit_meta VALUES(?1,?2)",
	                HFN_ARGS(HFN_TEXT(k), HFN_U64(v)));
}

hf_err hfn_store_ameta_get(hfn_store *s, const char *k, uint64_t *v)
{
	return hfn_get_u64(s, "SELECT v FROM audit_meta WHERE k=?1", v, HFN_ARGS(HFN_TEXT(k)));
}

hf_err hfn_store_want_add(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                          const hf_msg_id *msg_id, const uint8_t *hdr, size_t len, bool mine,
                          uint64_t now_ms)
{
	return hfn_exec(s,
	                "INSERT OR IGNORE INTO audit_want(log,sender,msg_id,hdr,mine,since_ms)"
	                " VALUES(?1,?2,?3,?4,?5,?6)",
	                HFN_ARGS(HFN_BLOB(log, 16), HFN_ID(sender), HFN_ID(msg_id),
	                         HFN_BLOB(hdr, len), HFN_U64(mine), HFN_U64(now_ms)));
}

static hf_err want_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	msg_key k = msg_key_of(st);
	return c->cb.want(c->ctx, sqlite3_column_int64(st, 0), &k.sender, &k.msg_id,
	                  sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
	                  sqlite3_column_int(st, 4) != 0, hfn_col_u64(st, 5));
}

hf_err hfn_store_want_todo(hfn_store *s, const uint8_t log[16], size_t max, hfn_store_want_cb cb,
                           void *ctx)
{
	rows c = {.cb.want = cb, .ctx = ctx};
	return hfn_each_row(
	    s,
	    "SELECT seq,sender,msg_id,hdr,mine,since_ms FROM audit_want WHERE log=?1"
	    " AND state=0 ORDER BY seq LIMIT ?2",
	    want_row, &c, HFN_ARGS(HFN_BLOB(log, 16), HFN_U64(max)));
}

hf_err hfn_store_want_sent(hfn_store *s, int64_t seq)
{
	return hfn_exec(s, "UPDATE audit_want SET state=1 WHERE seq=?1", HFN_ARGS(HFN_U64(seq)));
}

hf_err hfn_store_want_get(hfn_store *s, const uint8_t log[16], const hf_msg_id *msg_id,
                          hf_key_id *sender, uint8_t **hdr, size_t *len, bool *mine)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	*hdr = NULL;
	HF_TRY(hfn_row(s, &st,
	               "SELECT hdr,mine,sender FROM audit_want WHERE log=?1 AND msg_id=?2 ORDER BY"
	               " seq LIMIT 1",
	               HFN_ARGS(HFN_BLOB(log, 16), HFN_ID(msg_id))));
	HFN_COL_ID(st, 2, sender);
	*len = (size_t)sqlite3_column_bytes(st, 0);
	*mine = sqlite3_column_int(st, 1) != 0;
	*hdr = malloc(*len ? *len : 1);
	if (!*hdr)
		rc = HF_ENOMEM;
	else if (*len)
		memcpy(*hdr, sqlite3_column_blob(st, 0), *len);
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_want_del(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                          const hf_msg_id *msg_id)
{
	return hfn_exec(s, "DELETE FROM audit_want WHERE log=?1 AND sender=?2 AND msg_id=?3",
	                HFN_ARGS(HFN_BLOB(log, 16), HFN_ID(sender), HFN_ID(msg_id)));
}

hf_err hfn_store_want_overdue(hfn_store *s, uint64_t before, size_t max, hfn_store_want_cb cb,
                              void *ctx)
{
	rows c = {.cb.want = cb, .ctx = ctx};
	return hfn_each_row(s,
	                    "SELECT seq,sender,msg_id,hdr,mine,since_ms FROM audit_want WHERE"
	                    " state=1 AND flagged=0 AND since_ms<?1 ORDER BY seq LIMIT ?2",
	                    want_row, &c, HFN_ARGS(HFN_U64(before), HFN_U64(max)));
}

hf_err hfn_store_want_flag(hfn_store *s, int64_t seq)
{
	return hfn_exec(s, "UPDATE audit_want SET flagged=1 WHERE seq=?1", HFN_ARGS(HFN_U64(seq)));
}

hf_err hfn_store_want_rearm(hfn_store *s, uint64_t before)
{
	return hfn_exec(s,
	                "UPDATE audit_want SET state=0 WHERE state=1 AND flagged=0 AND"
	                " since_ms<?1",
	                HFN_ARGS(HFN_U64(before)));
}

hf_err hfn_store_want_logs(hfn_store *s, uint8_t (*logs)[16], size_t max, size_t *n)
{
	sqlite3_stmt *st =
	    hfn_bound(s, "SELECT DISTINCT log FROM audit_want WHERE state=0 LIMIT ?1",
	              HFN_ARGS(HFN_U64(max)));
	int r = SQLITE_DONE;
	*n = 0;
	if (!st)
		return HF_EDB;
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW)
		hfn_col_copy(st, 0, logs[(*n)++], 16);
	return hfn_rows_end(st, HF_OK, r);
}

hf_err hfn_store_want_state(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                            const hf_msg_id *msg_id, bool *exists, bool *flagged)
{
	sqlite3_stmt *st;
	hf_err rc = hfn_row(s, &st,
	                    "SELECT flagged FROM audit_want WHERE log=?1 AND sender=?2 AND"
	                    " msg_id=?3",
	                    HFN_ARGS(HFN_BLOB(log, 16), HFN_ID(sender), HFN_ID(msg_id)));
	*exists = rc == HF_OK;
	*flagged = rc == HF_OK && sqlite3_column_int(st, 0) != 0;
	if (rc == HF_OK)
		sqlite3_reset(st);
	return rc == HF_ENOTFOUND ? HF_OK : rc;
}

hf_err hfn_store_want_count(hfn_store *s, uint64_t *n)
{
	return hfn_get_u64(s, "SELECT count(*) FROM audit_want", n, NULL, 0);
}

hf_err hfn_store_receipt_put(hfn_store *s, const hfn_store_receipt *r)
{
	if (r->n_proof > 64)
		return HF_EINVAL;
	return hfn_exec(s, "INSERT OR REPLACE INTO audit_receipts VALUES(?1,?2,?3,?4,?5,?6,?7)",
	                HFN_ARGS(HFN_BLOB(r->log, 16), HFN_ID(&r->sender), HFN_ID(&r->msg_id),
	                         HFN_U64(r->idx), HFN_U64(r->integrated_ms), HFN_U64(r->size),
	                         HFN_BLOB(r->proof, 32 * (size_t)r->n_proof)));
}

hf_err hfn_store_receipt_get(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                             const hf_msg_id *msg_id, hfn_store_receipt *r)
{
	sqlite3_stmt *st;
	memset(r, 0, sizeof(*r));
	HF_TRY(hfn_row(s, &st,
	               "SELECT idx,integrated_ms,size,proof FROM audit_receipts WHERE log=?1 AND"
	               " sender=?2 AND msg_id=?3",
	               HFN_ARGS(HFN_BLOB(log, 16), HFN_ID(sender), HFN_ID(msg_id))));
	memcpy(r->log, log, 16);
	r->sender = *sender;
	r->msg_id = *msg_id;
	r->idx = hfn_col_u64(st, 0);
	r->integrated_ms = hfn_col_u64(st, 1);
	r->size = hfn_col_u64(st, 2);
	size_t n = (size_t)sqlite3_column_bytes(st, 3) / 32;
	r->n_proof = (uint32_t)(n > 64 ? 64 : n);
	hfn_col_copy(st, 3, r->proof, 32 * (size_t)r->n_proof);
	sqlite3_reset(st);
	return HF_OK;
}

hf_err hfn_store_receipt_count(hfn_store *s, uint64_t *n)
{
	return hfn_get_u64(s, "SELECT count(*) FROM audit_receipts", n, NULL, 0);
}

/* ---- every node ------------------------------------------------------------- */

hf_err hfn_store_seen_put(hfn_store *s, const uint8_t log[16], uint64_t size,
                          const uint8_t root[32], const char *note, uint64_t now_ms)
{
	return hfn_exec(s, "INSERT OR REPLACE INTO audit_seen VALUES(?1,?2,?3,?4,?5)",
	                HFN_ARGS(HFN_BLOB(log, 16), HFN_U64(size), HFN_BLOB(root, 32),
	                         HFN_TEXT(note), HFN_U64(now_ms)));
}

hf_err hfn_store_seen_get(hfn_store *s, const uint8_t log[16], uint64_t size, uint64_t *size_out,
                          uint8_t root[32], char **note)
{
	sqlite3_stmt *st;
	if (note)
		*note = NULL;
	if (size)
		HF_TRY(
		    hfn_row(s, &st,
		            "SELECT size,root,note FROM audit_seen WHERE log=?1 AND size=?2 ORDER"
		            " BY seen_ms LIMIT 1",
		            HFN_ARGS(HFN_BLOB(log, 16), HFN_U64(size))));
	else
		HF_TRY(hfn_row(s, &st,
		               "SELECT size,root,note FROM audit_seen WHERE log=?1 ORDER BY size"
		               " DESC, seen_ms LIMIT 1",
		               HFN_ARGS(HFN_BLOB(log, 16))));
	return note_row(st, size_out, root, note);
}

hf_err hfn_store_alarm_add(hfn_store *s, const uint8_t log[16], const char *a, const char *b,
                           const char *reason, uint64_t now_ms)
{
	return hfn_exec(s, "INSERT INTO audit_alarms(log,a,b,reason,at_ms) VALUES(?1,?2,?3,?4,?5)",
	                HFN_ARGS(HFN_BLOB(log, 16), HFN_TEXT(a), HFN_TEXT(b), HFN_TEXT(reason),
	                         HFN_U64(now_ms)));
}

static hf_err alarm_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	return c->cb.alarm(c->ctx, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
	                   (const char *)sqlite3_column_text(st, 2),
	                   (const char *)sqlite3_column_text(st, 3),
	                   (const char *)sqlite3_column_text(st, 4), hfn_col_u64(st, 5));
}

hf_err hfn_store_alarms(hfn_store *s, hfn_store_alarm_cb cb, void *ctx)
{
	rows c = {.cb.alarm = cb, .ctx = ctx};
	return hfn_each_row(s, "SELECT seq,log,a,b,reason,at_ms FROM audit_alarms ORDER BY seq",
	                    alarm_row, &c, NULL, 0);
}

hf_err hfn_store_alarm_count(hfn_store *s, uint64_t *n)
{
	return hfn_get_u64(s, "SELECT count(*) FROM audit_alarms", n, NULL, 0);
}

hf_err hfn_store_alarm_known(hfn_store *s, const uint8_t log[16], const char *a, const char *b,
                             bool *known)
{
	return hfn_any_row(s,
	                   "SELECT 1 FROM audit_alarms WHERE log=?1 AND ((a=?2 AND b=?3) OR"
	                   " (a=?3 AND b=?2))",
	                   known, HFN_ARGS(HFN_BLOB(log, 16), HFN_TEXT(a), HFN_TEXT(b)));
}

hf_err hfn_store_witnessed_put(hfn_store *s, const uint8_t log[16], uint64_t size,
                               const uint8_t root[32], const char *note)
{
	return hfn_exec(
	    s, "INSERT OR REPLACE INTO audit_witnessed VALUES(?1,?2,?3,?4)",
	    HFN_ARGS(HFN_BLOB(log, 16), HFN_U64(size), HFN_BLOB(root, 32), HFN_TEXT(note)));
}

hf_err hfn_store_witnessed_get(hfn_store *s, const uint8_t log[16], uint64_t *size,
                               uint8_t root[32], char **note)
{
	sqlite3_stmt *st;
	if (note)
		*note = NULL;
	HF_TRY(hfn_row(s, &st, "SELECT size,root,note FROM audit_witnessed WHERE log=?1",
	               HFN_ARGS(HFN_BLOB(log, 16))));
	return note_row(st, size, root, note);
}
