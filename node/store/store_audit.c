/* Store: the audit log (queue, leaves, tiles, checkpoints), receipts, seen checkpoints,
 * split-view evidence (SQL; see store_audit.h). */
#include <stdlib.h>
#include <string.h>

#include "store/store_audit.h"
#include "store/store_internal.h"
#include "hf_check.h"

enum {
	A_AQ_ADD,
	A_AQ_LOGGED,
	A_AQ_EACH,
	A_AQ_COUNT,
	A_AQ_DROP,
	A_LEAF_FIND,
	A_LEAVES,
	A_LEAF_COUNT,
	A_TILE_PUT,
	A_TILE_GET,
	A_CKPT_PUT,
	A_CKPT_NEWEST,
	A_CKPT_GET,
	A_CKPT_PUBLISH,
	A_CKPT_PUBLISHED,
	A_LEAF_LAST,
	A_WS_PUT,
	A_WS_GET,
	A_META_PUT,
	A_META_GET,
	A_WANT_ADD,
	A_WANT_PENDING,
	A_WANT_SENT,
	A_WANT_GET,
	A_WANT_DEL,
	A_WANT_OVERDUE,
	A_WANT_FLAG,
	A_WANT_LOGS,
	A_WANT_REARM,
	A_WANT_COUNT,
	A_WANT_STATE,
	A_RC_PUT,
	A_RC_GET,
	A_RC_COUNT,
	A_SEEN_PUT,
	A_SEEN_NEWEST,
	A_SEEN_GET,
	A_ALARM_ADD,
	A_ALARMS,
	A_ALARM_KNOWN,
	A_ALARM_COUNT,
	A_WIT_PUT,
	A_WIT_GET,
	A__N
};

static const char *const ASQL[A__N] = {
    [A_AQ_ADD] = "INSERT OR IGNORE INTO audit_queue(sender,msg_id,submitter,hdr)"
                 " VALUES(?1,?2,?3,?4)",
    [A_AQ_LOGGED] = "SELECT 1 FROM audit_leaf_ids WHERE msg_id=?2 AND sender=?1",
    [A_AQ_EACH] = "SELECT seq,sender,msg_id,submitter,hdr FROM audit_queue ORDER BY seq LIMIT ?1",
    [A_AQ_COUNT] = "SELECT count(*) FROM audit_queue",
    [A_AQ_DROP] = "DELETE FROM audit_queue WHERE seq<=?1",
    [A_LEAF_FIND] = "SELECT l.idx,l.integrated_ms FROM audit_leaf_ids i JOIN audit_leaves l"
                    " ON l.idx=i.idx WHERE i.msg_id=?2 AND i.sender=?1",
    [A_LEAVES] = "SELECT idx,submitter,leaf FROM audit_leaves WHERE idx>=?1 AND idx<?2 ORDER BY"
                 " idx",
    [A_LEAF_COUNT] = "SELECT coalesce(max(idx)+1,0) FROM audit_leaves",
    [A_TILE_PUT] = "INSERT OR REPLACE INTO audit_tiles VALUES(?1,?2,?3)",
    [A_TILE_GET] = "SELECT hashes FROM audit_tiles WHERE level=?1 AND idx=?2",
    [A_CKPT_PUT] = "INSERT INTO audit_checkpoints(size,at_ms,note) VALUES(?1,?2,?3) ON"
                   " CONFLICT(size) DO UPDATE SET note=excluded.note",
    [A_CKPT_PUBLISH] = "UPDATE audit_checkpoints SET published=1 WHERE size=?1",
    [A_CKPT_PUBLISHED] = "SELECT size,note FROM audit_checkpoints WHERE published=1 ORDER BY size",
    [A_LEAF_LAST] = "SELECT integrated_ms FROM audit_leaves ORDER BY idx DESC LIMIT 1",
    [A_CKPT_NEWEST] = "SELECT size,at_ms,note FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
    [A_CKPT_GET] = "SELECT size,at_ms,note FROM audit_checkpoints WHERE size=?1",
    [A_WS_PUT] = "INSERT OR REPLACE INTO audit_wstate VALUES(?1,?2,?3)",
    [A_WS_GET] = "SELECT size FROM audit_wstate WHERE witness=?1",
    [A_META_PUT] = "INSERT OR REPLACE INTO audit_meta VALUES(?1,?2)",
    [A_META_GET] = "SELECT v FROM audit_meta WHERE k=?1",
    [A_WANT_ADD] = "INSERT OR IGNORE INTO audit_want(log,sender,msg_id,hdr,mine,since_ms)"
                   " VALUES(?1,?2,?3,?4,?5,?6)",
    [A_WANT_PENDING] = "SELECT seq,sender,msg_id,hdr,mine,since_ms FROM audit_want WHERE log=?1 AND"
                       " state=0 ORDER BY seq LIMIT ?2",
    [A_WANT_SENT] = "UPDATE audit_want SET state=1 WHERE seq=?1",
    [A_WANT_GET] = "SELECT hdr,mine,sender FROM audit_want WHERE log=?1 AND msg_id=?2 ORDER BY"
                   " seq LIMIT 1",
    [A_WANT_DEL] = "DELETE FROM audit_want WHERE log=?1 AND sender=?2 AND msg_id=?3",
    [A_WANT_OVERDUE] = "SELECT seq,sender,msg_id,hdr,mine,since_ms FROM audit_want WHERE"
                       " state=1 AND flagged=0 AND since_ms<?1 ORDER BY seq LIMIT ?2",
    [A_WANT_FLAG] = "UPDATE audit_want SET flagged=1 WHERE seq=?1",
    [A_WANT_LOGS] = "SELECT DISTINCT log FROM audit_want WHERE state=0 LIMIT ?1",
    [A_WANT_REARM] = "UPDATE audit_want SET state=0 WHERE state=1 AND flagged=0 AND"
                     " since_ms<?1",
    [A_WANT_COUNT] = "SELECT count(*) FROM audit_want",
    [A_WANT_STATE] = "SELECT flagged FROM audit_want WHERE log=?1 AND sender=?2 AND msg_id=?3",
    [A_RC_PUT] = "INSERT OR REPLACE INTO audit_receipts VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [A_RC_GET] = "SELECT idx,integrated_ms,size,proof FROM audit_receipts WHERE log=?1 AND"
                 " sender=?2 AND msg_id=?3",
    [A_RC_COUNT] = "SELECT count(*) FROM audit_receipts",
    [A_SEEN_PUT] = "INSERT OR REPLACE INTO audit_seen VALUES(?1,?2,?3,?4,?5)",
    [A_SEEN_NEWEST] = "SELECT size,root,note FROM audit_seen WHERE log=?1 ORDER BY size DESC,"
                      " seen_ms LIMIT 1",
    [A_SEEN_GET] = "SELECT size,root,note FROM audit_seen WHERE log=?1 AND size=?2 ORDER BY"
                   " seen_ms LIMIT 1",
    [A_ALARM_ADD] = "INSERT INTO audit_alarms(log,a,b,reason,at_ms) VALUES(?1,?2,?3,?4,?5)",
    [A_ALARMS] = "SELECT seq,log,a,b,reason,at_ms FROM audit_alarms ORDER BY seq",
    [A_ALARM_KNOWN] = "SELECT 1 FROM audit_alarms WHERE log=?1 AND ((a=?2 AND b=?3) OR"
                      " (a=?3 AND b=?2))",
    [A_ALARM_COUNT] = "SELECT count(*) FROM audit_alarms",
    [A_WIT_PUT] = "INSERT OR REPLACE INTO audit_witnessed VALUES(?1,?2,?3,?4)",
    [A_WIT_GET] = "SELECT size,root,note FROM audit_witnessed WHERE log=?1",
};

/* The statement for i, from the connection's cache (store.c), reset for reuse. */
static sqlite3_stmt *aq(hfn_store *s, int i)
{
	return hfn_stmt(s, ASQL[i]);
}

static void bb(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
}

static void bu(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void bt(sqlite3_stmt *st, int i, const char *t)
{
	sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
}

static uint64_t cu(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

static hf_err hfn_run(sqlite3_stmt *st)
{
	if (!st)
		return HF_EDB;
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_DONE ? HF_OK : HF_EDB;
}

/* First row of st into *one (bool). */
static hf_err hfn_exists(sqlite3_stmt *st, bool *one)
{
	if (!st)
		return HF_EDB;
	int r = sqlite3_step(st);
	*one = r == SQLITE_ROW;
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? HF_OK : HF_EDB;
}

static hf_err count1(sqlite3_stmt *st, uint64_t *n)
{
	if (!st)
		return HF_EDB;
	int r = sqlite3_step(st);
	*n = r == SQLITE_ROW ? cu(st, 0) : 0;
	sqlite3_reset(st);
	return r == SQLITE_ROW ? HF_OK : HF_EDB;
}

static char *ctext(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

static void ccopy(sqlite3_stmt *st, int i, void *dst, size_t n)
{
	const void *p = sqlite3_column_blob(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);
	memset(dst, 0, n);
	if (p)
		memcpy(dst, p, len < n ? len : n);
}

/* ---- log operator ------------------------------------------------------------ */

hf_err hfn_store_aq_add(hfn_store *s, const hf_key_id *sender, const hf_msg_id *msg_id,
                        const uint8_t submitter[16], const uint8_t *hdr, size_t len, bool *dup)
{
	sqlite3_stmt *st = aq(s, A_AQ_LOGGED);
	bool logged;
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, sender);
	HFN_BIND_ID(st, 2, msg_id);
	HF_TRY(hfn_exists(st, &logged));
	if (logged) {
		*dup = true;
		return HF_OK;
	}
	st = aq(s, A_AQ_ADD);
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, sender);
	HFN_BIND_ID(st, 2, msg_id);
	bb(st, 3, submitter, 16);
	bb(st, 4, hdr, len);
	HF_TRY(hfn_run(st));
	*dup = sqlite3_changes(hfn_db(s)) == 0;
	return HF_OK;
}

hf_err hfn_store_aq_each(hfn_store *s, size_t max, hfn_store_aq_cb cb, void *ctx)
{
	sqlite3_stmt *st = aq(s, A_AQ_EACH);
	hf_err rc = HF_OK;
	int r;
	if (!st)
		return HF_EDB;
	bu(st, 1, max);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hf_key_id sender;
		hf_msg_id msg_id;
		HFN_COL_ID(st, 1, &sender);
		HFN_COL_ID(st, 2, &msg_id);
		rc = cb(ctx, sqlite3_column_int64(st, 0), &sender, &msg_id,
		        sqlite3_column_blob(st, 3), sqlite3_column_blob(st, 4),
		        (size_t)sqlite3_column_bytes(st, 4));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_aq_count(hfn_store *s, uint64_t *n)
{
	return count1(aq(s, A_AQ_COUNT), n);
}

hf_err hfn_store_aq_drop(hfn_store *s, int64_t upto)
{
	sqlite3_stmt *st = aq(s, A_AQ_DROP);
	if (!st)
		return HF_EDB;
	sqlite3_bind_int64(st, 1, upto);
	return hfn_run(st);
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

hf_err hfn_store_leaves_add(hfn_store *s, const hfn_store_leaf_row *rows, size_t n)
{
	size_t c = 0;
	while (n > 0) {
		while (CHUNK[c] > n)
			c++;
		sqlite3_stmt *st = hfn_stmt(s, LEAVES_SQL[c]);
		if (!st)
			return HF_EDB;
		for (size_t k = 0; k < CHUNK[c]; k++) {
			const hfn_store_leaf_row *r = &rows[k];
			int p = (int)(4 * k);
			bu(st, p + 1, r->idx);
			bb(st, p + 2, r->submitter, 16);
			bu(st, p + 3, r->integrated_ms);
			bb(st, p + 4, r->leaf, r->len);
		}
		HF_TRY(hfn_run(st));
		if (!(st = hfn_stmt(s, LIDS_SQL[c])))
			return HF_EDB;
		for (size_t k = 0; k < CHUNK[c]; k++) {
			const hfn_store_leaf_row *r = &rows[k];
			int p = (int)(3 * k);
			HFN_BIND_ID(st, p + 1, &r->msg_id);
			HFN_BIND_ID(st, p + 2, &r->sender);
			bu(st, p + 3, r->idx);
		}
		HF_TRY(hfn_run(st));
		rows += CHUNK[c];
		n -= CHUNK[c];
	}
	return HF_OK;
}

hf_err hfn_store_leaf_find(hfn_store *s, const hf_key_id *sender, const hf_msg_id *msg_id,
                           uint64_t *idx, uint64_t *integrated_ms)
{
	sqlite3_stmt *st = aq(s, A_LEAF_FIND);
	hf_err rc;
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, sender);
	HFN_BIND_ID(st, 2, msg_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*idx = cu(st, 0);
		*integrated_ms = cu(st, 1);
		rc = HF_OK;
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_leaves(hfn_store *s, uint64_t from, uint64_t to, hfn_store_leaf_cb cb, void *ctx)
{
	/* Own statement: a callback may look up other leaves (nested use). */
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r;
	if (sqlite3_prepare_v2(hfn_db(s), ASQL[A_LEAVES], -1, &st, NULL) != SQLITE_OK)
		return HF_EDB;
	bu(st, 1, from);
	bu(st, 2, to);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(ctx, cu(st, 0), sqlite3_column_blob(st, 1), sqlite3_column_blob(st, 2),
		        (size_t)sqlite3_column_bytes(st, 2));
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

hf_err hfn_store_leaf_count(hfn_store *s, uint64_t *n)
{
	return count1(aq(s, A_LEAF_COUNT), n);
}

hf_err hfn_store_tile_put(hfn_store *s, unsigned level, uint64_t idx, const uint8_t *hashes,
                          size_t len)
{
	sqlite3_stmt *st = aq(s, A_TILE_PUT);
	if (!st || len > HFN_TILE_BYTES || len % 32)
		return st ? HF_EINVAL : HF_EDB;
	bu(st, 1, level);
	bu(st, 2, idx);
	bb(st, 3, hashes, len);
	return hfn_run(st);
}

hf_err hfn_store_tile_get(hfn_store *s, unsigned level, uint64_t idx, uint8_t *buf, size_t *len)
{
	sqlite3_stmt *st = aq(s, A_TILE_GET);
	hf_err rc;
	if (!st)
		return HF_EDB;
	bu(st, 1, level);
	bu(st, 2, idx);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		*len = n > HFN_TILE_BYTES ? HFN_TILE_BYTES : n;
		if (*len)
			memcpy(buf, sqlite3_column_blob(st, 0), *len);
		rc = HF_OK;
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_ckpt_put(hfn_store *s, uint64_t size, uint64_t at_ms, const char *note)
{
	sqlite3_stmt *st = aq(s, A_CKPT_PUT);
	if (!st)
		return HF_EDB;
	bu(st, 1, size);
	bu(st, 2, at_ms);
	bt(st, 3, note);
	return hfn_run(st);
}

hf_err hfn_store_ckpt_get(hfn_store *s, uint64_t size, uint64_t *size_out, uint64_t *at_ms,
                          char **note)
{
	sqlite3_stmt *st = aq(s, size ? A_CKPT_GET : A_CKPT_NEWEST);
	hf_err rc;
	*note = NULL;
	if (!st)
		return HF_EDB;
	if (size)
		bu(st, 1, size);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (size_out)
			*size_out = cu(st, 0);
		if (at_ms)
			*at_ms = cu(st, 1);
		*note = ctext(st, 2);
		rc = *note ? HF_OK : HF_ENOMEM;
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_ckpt_publish(hfn_store *s, uint64_t size)
{
	sqlite3_stmt *st = aq(s, A_CKPT_PUBLISH);
	if (!st)
		return HF_EDB;
	bu(st, 1, size);
	return hfn_run(st);
}

hf_err hfn_store_ckpts_published(hfn_store *s, hfn_store_note_cb cb, void *ctx)
{
	sqlite3_stmt *st = aq(s, A_CKPT_PUBLISHED);
	hf_err rc = HF_OK;
	int r;
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(ctx, cu(st, 0), (const char *)sqlite3_column_text(st, 1));
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_leaf_last_time(hfn_store *s, uint64_t *ms)
{
	sqlite3_stmt *st = aq(s, A_LEAF_LAST);
	if (!st)
		return HF_EDB;
	int r = sqlite3_step(st);
	*ms = r == SQLITE_ROW ? cu(st, 0) : 0;
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? HF_OK : HF_EDB;
}

hf_err hfn_store_wstate_put(hfn_store *s, const uint8_t witness[16], uint64_t size, uint64_t at_ms)
{
	sqlite3_stmt *st = aq(s, A_WS_PUT);
	if (!st)
		return HF_EDB;
	bb(st, 1, witness, 16);
	bu(st, 2, size);
	bu(st, 3, at_ms);
	return hfn_run(st);
}

hf_err hfn_store_wstate_get(hfn_store *s, const uint8_t witness[16], uint64_t *size)
{
	sqlite3_stmt *st = aq(s, A_WS_GET);
	if (!st)
		return HF_EDB;
	bb(st, 1, witness, 16);
	int r = sqlite3_step(st);
	*size = r == SQLITE_ROW ? cu(st, 0) : 0;
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? HF_OK : HF_EDB;
}

/* ---- senders ------------------------------------------------------------------- */

hf_err hfn_store_ameta_put(hfn_store *s, const char *k, uint64_t v)
{
	sqlite3_stmt *st = aq(s, A_META_PUT);
	if (!st)
		return HF_EDB;
	bt(st, 1, k);
	bu(st, 2, v);
	return hfn_run(st);
}

hf_err hfn_store_ameta_get(hfn_store *s, const char *k, uint64_t *v)
{
	sqlite3_stmt *st = aq(s, A_META_GET);
	if (!st)
		return HF_EDB;
	bt(st, 1, k);
	int r = sqlite3_step(st);
	*v = r == SQLITE_ROW ? cu(st, 0) : 0;
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? HF_OK : HF_EDB;
}

hf_err hfn_store_want_add(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                          const hf_msg_id *msg_id, const uint8_t *hdr, size_t len, bool mine,
                          uint64_t now_ms)
{
	sqlite3_stmt *st = aq(s, A_WANT_ADD);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	HFN_BIND_ID(st, 2, sender);
	HFN_BIND_ID(st, 3, msg_id);
	bb(st, 4, hdr, len);
	bu(st, 5, mine);
	bu(st, 6, now_ms);
	return hfn_run(st);
}

static hf_err want_rows(sqlite3_stmt *st, hfn_store_want_cb cb, void *ctx)
{
	hf_err rc = HF_OK;
	int r;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hf_key_id sender;
		hf_msg_id msg_id;
		HFN_COL_ID(st, 1, &sender);
		HFN_COL_ID(st, 2, &msg_id);
		rc = cb(ctx, sqlite3_column_int64(st, 0), &sender, &msg_id,
		        sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
		        sqlite3_column_int(st, 4) != 0, cu(st, 5));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_want_todo(hfn_store *s, const uint8_t log[16], size_t max, hfn_store_want_cb cb,
                           void *ctx)
{
	sqlite3_stmt *st = aq(s, A_WANT_PENDING);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	bu(st, 2, max);
	return want_rows(st, cb, ctx);
}

hf_err hfn_store_want_sent(hfn_store *s, int64_t seq)
{
	sqlite3_stmt *st = aq(s, A_WANT_SENT);
	if (!st)
		return HF_EDB;
	sqlite3_bind_int64(st, 1, seq);
	return hfn_run(st);
}

hf_err hfn_store_want_get(hfn_store *s, const uint8_t log[16], const hf_msg_id *msg_id,
                          hf_key_id *sender, uint8_t **hdr, size_t *len, bool *mine)
{
	sqlite3_stmt *st = aq(s, A_WANT_GET);
	hf_err rc = HF_OK;
	*hdr = NULL;
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	HFN_BIND_ID(st, 2, msg_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		HFN_COL_ID(st, 2, sender);
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*mine = sqlite3_column_int(st, 1) != 0;
		*hdr = malloc(*len ? *len : 1);
		if (!*hdr)
			rc = HF_ENOMEM;
		else if (*len)
			memcpy(*hdr, sqlite3_column_blob(st, 0), *len);
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_want_del(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                          const hf_msg_id *msg_id)
{
	sqlite3_stmt *st = aq(s, A_WANT_DEL);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	HFN_BIND_ID(st, 2, sender);
	HFN_BIND_ID(st, 3, msg_id);
	return hfn_run(st);
}

hf_err hfn_store_want_overdue(hfn_store *s, uint64_t before, size_t max, hfn_store_want_cb cb,
                              void *ctx)
{
	sqlite3_stmt *st = aq(s, A_WANT_OVERDUE);
	if (!st)
		return HF_EDB;
	bu(st, 1, before);
	bu(st, 2, max);
	return want_rows(st, cb, ctx);
}

hf_err hfn_store_want_flag(hfn_store *s, int64_t seq)
{
	sqlite3_stmt *st = aq(s, A_WANT_FLAG);
	if (!st)
		return HF_EDB;
	sqlite3_bind_int64(st, 1, seq);
	return hfn_run(st);
}

hf_err hfn_store_want_rearm(hfn_store *s, uint64_t before)
{
	sqlite3_stmt *st = aq(s, A_WANT_REARM);
	if (!st)
		return HF_EDB;
	bu(st, 1, before);
	return hfn_run(st);
}

hf_err hfn_store_want_logs(hfn_store *s, uint8_t (*logs)[16], size_t max, size_t *n)
{
	sqlite3_stmt *st = aq(s, A_WANT_LOGS);
	int r;
	*n = 0;
	if (!st)
		return HF_EDB;
	bu(st, 1, max);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ccopy(st, 0, logs[(*n)++], 16);
	sqlite3_reset(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? HF_OK : HF_EDB;
}

hf_err hfn_store_want_state(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                            const hf_msg_id *msg_id, bool *exists, bool *flagged)
{
	sqlite3_stmt *st = aq(s, A_WANT_STATE);
	hf_err rc = HF_OK;
	*exists = *flagged = false;
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	HFN_BIND_ID(st, 2, sender);
	HFN_BIND_ID(st, 3, msg_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*exists = true;
		*flagged = sqlite3_column_int(st, 0) != 0;
	} else if (r != SQLITE_DONE) {
		rc = HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_want_count(hfn_store *s, uint64_t *n)
{
	return count1(aq(s, A_WANT_COUNT), n);
}

hf_err hfn_store_receipt_put(hfn_store *s, const hfn_store_receipt *r)
{
	sqlite3_stmt *st = aq(s, A_RC_PUT);
	if (!st || r->n_proof > 64)
		return st ? HF_EINVAL : HF_EDB;
	bb(st, 1, r->log, 16);
	HFN_BIND_ID(st, 2, &r->sender);
	HFN_BIND_ID(st, 3, &r->msg_id);
	bu(st, 4, r->idx);
	bu(st, 5, r->integrated_ms);
	bu(st, 6, r->size);
	bb(st, 7, r->proof, 32 * (size_t)r->n_proof);
	return hfn_run(st);
}

hf_err hfn_store_receipt_get(hfn_store *s, const uint8_t log[16], const hf_key_id *sender,
                             const hf_msg_id *msg_id, hfn_store_receipt *r)
{
	sqlite3_stmt *st = aq(s, A_RC_GET);
	hf_err rc;
	if (!st)
		return HF_EDB;
	memset(r, 0, sizeof(*r));
	bb(st, 1, log, 16);
	HFN_BIND_ID(st, 2, sender);
	HFN_BIND_ID(st, 3, msg_id);
	int q = sqlite3_step(st);
	if (q == SQLITE_ROW) {
		memcpy(r->log, log, 16);
		r->sender = *sender;
		r->msg_id = *msg_id;
		r->idx = cu(st, 0);
		r->integrated_ms = cu(st, 1);
		r->size = cu(st, 2);
		size_t n = (size_t)sqlite3_column_bytes(st, 3) / 32;
		r->n_proof = (uint32_t)(n > 64 ? 64 : n);
		ccopy(st, 3, r->proof, 32 * (size_t)r->n_proof);
		rc = HF_OK;
	} else {
		rc = q == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_receipt_count(hfn_store *s, uint64_t *n)
{
	return count1(aq(s, A_RC_COUNT), n);
}

/* ---- every node ------------------------------------------------------------- */

hf_err hfn_store_seen_put(hfn_store *s, const uint8_t log[16], uint64_t size,
                          const uint8_t root[32], const char *note, uint64_t now_ms)
{
	sqlite3_stmt *st = aq(s, A_SEEN_PUT);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	bu(st, 2, size);
	bb(st, 3, root, 32);
	bt(st, 4, note);
	bu(st, 5, now_ms);
	return hfn_run(st);
}

hf_err hfn_store_seen_get(hfn_store *s, const uint8_t log[16], uint64_t size, uint64_t *size_out,
                          uint8_t root[32], char **note)
{
	sqlite3_stmt *st = aq(s, size ? A_SEEN_GET : A_SEEN_NEWEST);
	hf_err rc = HF_OK;
	if (note)
		*note = NULL;
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	if (size)
		bu(st, 2, size);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (size_out)
			*size_out = cu(st, 0);
		if (root)
			ccopy(st, 1, root, 32);
		if (note && !(*note = ctext(st, 2)))
			rc = HF_ENOMEM;
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_alarm_add(hfn_store *s, const uint8_t log[16], const char *a, const char *b,
                           const char *reason, uint64_t now_ms)
{
	sqlite3_stmt *st = aq(s, A_ALARM_ADD);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	bt(st, 2, a);
	bt(st, 3, b);
	bt(st, 4, reason);
	bu(st, 5, now_ms);
	return hfn_run(st);
}

hf_err hfn_store_alarms(hfn_store *s, hfn_store_alarm_cb cb, void *ctx)
{
	sqlite3_stmt *st = aq(s, A_ALARMS);
	hf_err rc = HF_OK;
	int r;
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		        (const char *)sqlite3_column_text(st, 2),
		        (const char *)sqlite3_column_text(st, 3),
		        (const char *)sqlite3_column_text(st, 4), cu(st, 5));
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_alarm_count(hfn_store *s, uint64_t *n)
{
	return count1(aq(s, A_ALARM_COUNT), n);
}

hf_err hfn_store_alarm_known(hfn_store *s, const uint8_t log[16], const char *a, const char *b,
                             bool *known)
{
	sqlite3_stmt *st = aq(s, A_ALARM_KNOWN);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	bt(st, 2, a);
	bt(st, 3, b);
	return hfn_exists(st, known);
}

hf_err hfn_store_witnessed_put(hfn_store *s, const uint8_t log[16], uint64_t size,
                               const uint8_t root[32], const char *note)
{
	sqlite3_stmt *st = aq(s, A_WIT_PUT);
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	bu(st, 2, size);
	bb(st, 3, root, 32);
	bt(st, 4, note);
	return hfn_run(st);
}

hf_err hfn_store_witnessed_get(hfn_store *s, const uint8_t log[16], uint64_t *size,
                               uint8_t root[32], char **note)
{
	sqlite3_stmt *st = aq(s, A_WIT_GET);
	hf_err rc = HF_OK;
	if (note)
		*note = NULL;
	if (!st)
		return HF_EDB;
	bb(st, 1, log, 16);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*size = cu(st, 0);
		ccopy(st, 1, root, 32);
		if (note && !(*note = ctext(st, 2)))
			rc = HF_ENOMEM;
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}
