/* Store: matching state (allow-list, flags, counts, provenance, reports); see store_match.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_internal.h"
#include "store/store_match.h"

/* These statements run at most a few times per second (the hot path batches its writes), so
 * they are prepared per call rather than cached per connection. */
static hf_err hf_prep(hf_store *s, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(hf_store_sqlite(s, NULL), sql, -1, st, NULL) == SQLITE_OK
	           ? HF_OK
	           : HF_EDB;
}

static void hf_bblob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	sqlite3_bind_blob64(st, i, p, n, SQLITE_TRANSIENT);
}

static void hf_bu64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static uint64_t hf_cu64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

/* Runs a statement that returns no rows; finalizes it. */
static hf_err hf_done(sqlite3_stmt *st)
{
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? HF_OK : HF_EDB;
}

static hf_err hf_done_changed(hf_store *s, sqlite3_stmt *st)
{
	HF_TRY(hf_done(st));
	return sqlite3_changes(hf_store_sqlite(s, NULL)) > 0 ? HF_OK : HF_ENOTFOUND;
}

/* ---- allow-list ------------------------------------------------------------ */

hf_err hf_store_allow_put(hf_store *s, unsigned alg, const uint8_t *value, const char *note,
                          uint64_t now_ms)
{
	sqlite3_stmt *st;
	size_t len = hf_hash_alg_len(alg), nl = strlen(note);
	if (len == 0)
		return HF_EINVAL;
	HF_TRY(hf_prep(s, "INSERT OR REPLACE INTO match_allow VALUES(?1,?2,?3,?4)", &st));
	hf_bu64(st, 1, alg);
	hf_bblob(st, 2, value, len);
	sqlite3_bind_text(st, 3, note, (int)(nl > 256 ? 256 : nl), SQLITE_TRANSIENT);
	hf_bu64(st, 4, now_ms);
	return hf_done(st);
}

hf_err hf_store_allow_del(hf_store *s, unsigned alg, const uint8_t *value)
{
	sqlite3_stmt *st;
	size_t len = hf_hash_alg_len(alg);
	if (len == 0)
		return HF_EINVAL;
	HF_TRY(hf_prep(s, "DELETE FROM match_allow WHERE alg=?1 AND value=?2", &st));
	hf_bu64(st, 1, alg);
	hf_bblob(st, 2, value, len);
	return hf_done_changed(s, st);
}

hf_err hf_store_allow_all(hf_store *s, hf_store_allow_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(
	    hf_prep(s, "SELECT alg,value,note,added_ms FROM match_allow ORDER BY alg,value", &st));
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned alg = (unsigned)sqlite3_column_int(st, 0);
		uint8_t v[HF_LIST_MAX_VALUE_LEN] = {0};
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		if (hf_hash_alg_len(alg) == 0 || n != hf_hash_alg_len(alg))
			continue; /* cannot happen through this API; never trust it blindly */
		memcpy(v, sqlite3_column_blob(st, 1), n);
		rc = cb(ctx, alg, v, (const char *)sqlite3_column_text(st, 2), hf_cu64(st, 3));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* ---- flags ----------------------------------------------------------------- */

hf_err hf_store_flag_put(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint64_t entry,
                         hf_match_flag state, const char *reason, uint64_t now_ms)
{
	sqlite3_stmt *st;
	size_t nl = strlen(reason);
	HF_TRY(hf_prep(s, "INSERT OR REPLACE INTO match_flags VALUES(?1,?2,?3,?4,?5)", &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, entry);
	hf_bu64(st, 3, (uint64_t)state);
	sqlite3_bind_text(st, 4, reason, (int)(nl > 256 ? 256 : nl), SQLITE_TRANSIENT);
	hf_bu64(st, 5, now_ms);
	return hf_done(st);
}

hf_err hf_store_flag_del(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint64_t entry,
                         hf_match_flag state)
{
	sqlite3_stmt *st;
	HF_TRY(hf_prep(s, "DELETE FROM match_flags WHERE list_id=?1 AND entry_id=?2 AND state=?3",
	               &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, entry);
	hf_bu64(st, 3, (uint64_t)state);
	return hf_done_changed(s, st);
}

hf_err hf_store_flags(hf_store *s, const uint8_t *list, hf_store_flag_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(hf_prep(s,
	               "SELECT list_id,entry_id,state,reason,since_ms FROM match_flags WHERE"
	               " ?1 IS NULL OR list_id=?1 ORDER BY list_id,entry_id",
	               &st));
	if (list)
		hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t id[HF_LIST_ID_LEN] = {0};
		if (sqlite3_column_bytes(st, 0) != HF_LIST_ID_LEN)
			continue;
		memcpy(id, sqlite3_column_blob(st, 0), HF_LIST_ID_LEN);
		rc = cb(ctx, id, hf_cu64(st, 1), (hf_match_flag)sqlite3_column_int(st, 2),
		        (const char *)sqlite3_column_text(st, 3), hf_cu64(st, 4));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* ---- counts ---------------------------------------------------------------- */

hf_err hf_store_match_dirty(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint32_t day)
{
	sqlite3_stmt *st;
	HF_TRY(hf_prep(s, "INSERT OR IGNORE INTO match_dirty VALUES(?1,?2)", &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, day);
	return hf_done(st);
}

hf_err hf_store_match_count_add(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint64_t entry,
                                uint32_t day, uint64_t n)
{
	sqlite3_stmt *st;
	HF_TRY(hf_prep(s,
	               "INSERT INTO match_counts VALUES(?1,?2,?3,?4) ON CONFLICT(list_id,day,"
	               "entry_id) DO UPDATE SET n=n+excluded.n",
	               &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, day);
	hf_bu64(st, 3, entry);
	hf_bu64(st, 4, n);
	HF_TRY(hf_done(st));
	return hf_store_match_dirty(s, list, day);
}

hf_err hf_store_match_dirty_all(hf_store *s, size_t limit, hf_store_dirty_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(
	    hf_prep(s, "SELECT list_id,day FROM match_dirty ORDER BY day,list_id LIMIT ?1", &st));
	hf_bu64(st, 1, limit);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t id[HF_LIST_ID_LEN];
		if (sqlite3_column_bytes(st, 0) != HF_LIST_ID_LEN)
			continue;
		memcpy(id, sqlite3_column_blob(st, 0), HF_LIST_ID_LEN);
		rc = cb(ctx, id, (uint32_t)hf_cu64(st, 1));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

hf_err hf_store_match_clean(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint32_t day)
{
	sqlite3_stmt *st;
	HF_TRY(hf_prep(s, "DELETE FROM match_dirty WHERE list_id=?1 AND day=?2", &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, day);
	return hf_done(st);
}

hf_err hf_store_match_counts(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint32_t day,
                             hf_store_daycount_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(hf_prep(s,
	               "SELECT entry_id,n FROM match_counts WHERE list_id=?1 AND day=?2 ORDER BY"
	               " entry_id",
	               &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, day);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(ctx, hf_cu64(st, 0), hf_cu64(st, 1));
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* ---- provenance ------------------------------------------------------------ */

hf_err hf_store_prov_put(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], uint64_t first,
                         uint64_t last, uint64_t batch, uint64_t issued_ms, bool snapshot)
{
	sqlite3_stmt *st;
	HF_TRY(
	    hf_prep(s, "INSERT OR REPLACE INTO match_provenance VALUES(?1,?2,?3,?4,?5,?6)", &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, first);
	hf_bu64(st, 3, last);
	hf_bu64(st, 4, batch);
	hf_bu64(st, 5, issued_ms);
	hf_bu64(st, 6, snapshot);
	return hf_done(st);
}

hf_err hf_store_prov_clear(hf_store *s, const uint8_t list[HF_LIST_ID_LEN])
{
	sqlite3_stmt *st;
	HF_TRY(hf_prep(s, "DELETE FROM match_provenance WHERE list_id=?1", &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	return hf_done(st);
}

hf_err hf_store_prov_all(hf_store *s, hf_store_prov_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(hf_prep(s,
	               "SELECT list_id,first_id,last_id,batch,issued_ms,snapshot FROM"
	               " match_provenance ORDER BY list_id,first_id",
	               &st));
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t id[HF_LIST_ID_LEN];
		if (sqlite3_column_bytes(st, 0) != HF_LIST_ID_LEN)
			continue;
		memcpy(id, sqlite3_column_blob(st, 0), HF_LIST_ID_LEN);
		rc = cb(ctx, id, hf_cu64(st, 1), hf_cu64(st, 2), hf_cu64(st, 3), hf_cu64(st, 4),
		        sqlite3_column_int(st, 5) != 0);
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* ---- reports received ---------------------------------------------------- */

hf_err hf_store_report_put(hf_store *s, const uint8_t list[HF_LIST_ID_LEN],
                           const uint8_t platform[HF_MEMBER_LEN], uint32_t day, uint64_t revision,
                           uint64_t total, const uint8_t *counts, size_t counts_len,
                           uint64_t now_ms, bool *applied)
{
	sqlite3_stmt *st;
	/* The upsert's WHERE keeps the newer revision: replays and reordering change nothing. */
	HF_TRY(
	    hf_prep(s,
	            "INSERT INTO match_reports VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(list_id,"
	            "platform,day) DO UPDATE SET revision=excluded.revision,total=excluded.total,"
	            "counts=excluded.counts,received_ms=excluded.received_ms WHERE"
	            " excluded.revision>match_reports.revision",
	            &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bblob(st, 2, platform, HF_MEMBER_LEN);
	hf_bu64(st, 3, day);
	hf_bu64(st, 4, revision);
	hf_bu64(st, 5, total);
	hf_bblob(st, 6, counts ? counts : (const uint8_t *)"", counts_len);
	hf_bu64(st, 7, now_ms);
	HF_TRY(hf_done(st));
	*applied = sqlite3_changes(hf_store_sqlite(s, NULL)) > 0;
	return HF_OK;
}

hf_err hf_store_signals_replace(hf_store *s, const uint8_t list[HF_LIST_ID_LEN],
                                const uint8_t platform[HF_MEMBER_LEN], hf_match_flag kind,
                                const uint64_t *ids, size_t n, uint64_t now_ms)
{
	sqlite3_stmt *st;
	HF_TRY(hf_prep(s, "DELETE FROM match_signals WHERE list_id=?1 AND platform=?2 AND kind=?3",
	               &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bblob(st, 2, platform, HF_MEMBER_LEN);
	hf_bu64(st, 3, (uint64_t)kind);
	HF_TRY(hf_done(st));
	if (n == 0)
		return HF_OK;
	HF_TRY(hf_prep(s, "INSERT OR IGNORE INTO match_signals VALUES(?1,?2,?3,?4,?5)", &st));
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		hf_bblob(st, 1, list, HF_LIST_ID_LEN);
		hf_bblob(st, 2, platform, HF_MEMBER_LEN);
		hf_bu64(st, 3, ids[i]);
		hf_bu64(st, 4, (uint64_t)kind);
		hf_bu64(st, 5, now_ms);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return HF_EDB;
		}
	}
	sqlite3_finalize(st);
	return HF_OK;
}

hf_err hf_store_reports(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], size_t limit,
                        hf_store_report_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(hf_prep(s,
	               "SELECT platform,day,revision,total,counts,received_ms FROM match_reports"
	               " WHERE list_id=?1 ORDER BY day DESC, platform LIMIT ?2",
	               &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	hf_bu64(st, 2, limit);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t pl[HF_MEMBER_LEN];
		if (sqlite3_column_bytes(st, 0) != HF_MEMBER_LEN)
			continue;
		memcpy(pl, sqlite3_column_blob(st, 0), HF_MEMBER_LEN);
		rc = cb(ctx, pl, (uint32_t)hf_cu64(st, 1), hf_cu64(st, 2), hf_cu64(st, 3),
		        sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
		        hf_cu64(st, 5));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

hf_err hf_store_signals(hf_store *s, const uint8_t list[HF_LIST_ID_LEN], hf_store_signal_cb cb,
                        void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	HF_TRY(hf_prep(s,
	               "SELECT platform,entry_id,kind,since_ms FROM match_signals WHERE list_id=?1"
	               " ORDER BY platform,kind,entry_id",
	               &st));
	hf_bblob(st, 1, list, HF_LIST_ID_LEN);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t pl[HF_MEMBER_LEN];
		if (sqlite3_column_bytes(st, 0) != HF_MEMBER_LEN)
			continue;
		memcpy(pl, sqlite3_column_blob(st, 0), HF_MEMBER_LEN);
		rc = cb(ctx, pl, hf_cu64(st, 1), (hf_match_flag)sqlite3_column_int(st, 2),
		        hf_cu64(st, 3));
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}
