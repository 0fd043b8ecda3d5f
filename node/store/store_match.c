/* Store: matching state (allow-list, flags, counts, provenance, reports); see store_match.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_internal.h"
#include "store/store_match.h"
#include "hf_check.h"

/* ---- allow-list ------------------------------------------------------------ */

hf_err hfn_store_allow_put(hfn_store *s, unsigned alg, const uint8_t *value, const char *note,
                           uint64_t now_ms)
{
	sqlite3_stmt *st;
	size_t len = hf_hash_alg_len(alg), nl = strlen(note);
	if (len == 0)
		return HF_EINVAL;
	st = hfn_stmt(s, "INSERT OR REPLACE INTO match_allow VALUES(?1,?2,?3,?4)");
	if (!st)
		return HF_EDB;
	hfn_bind_u64(st, 1, alg);
	hfn_bind_blob(st, 2, value, len);
	sqlite3_bind_text(st, 3, note, (int)(nl > 256 ? 256 : nl), SQLITE_TRANSIENT);
	hfn_bind_u64(st, 4, now_ms);
	return hfn_step_done(st);
}

hf_err hfn_store_allow_del(hfn_store *s, unsigned alg, const uint8_t *value)
{
	sqlite3_stmt *st;
	size_t len = hf_hash_alg_len(alg);
	if (len == 0)
		return HF_EINVAL;
	st = hfn_stmt(s, "DELETE FROM match_allow WHERE alg=?1 AND value=?2");
	if (!st)
		return HF_EDB;
	hfn_bind_u64(st, 1, alg);
	hfn_bind_blob(st, 2, value, len);
	return hfn_step_changed(s, st);
}

hf_err hfn_store_allow_all(hfn_store *s, hfn_store_allow_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st = hfn_stmt(s, "SELECT alg,value,note,added_ms FROM match_allow ORDER BY alg,value");
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned alg = (unsigned)sqlite3_column_int(st, 0);
		uint8_t v[HF_LIST_MAX_VALUE_LEN] = {0};
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		if (hf_hash_alg_len(alg) == 0 || n != hf_hash_alg_len(alg))
			continue; /* cannot happen through this API; never trust it blindly */
		memcpy(v, sqlite3_column_blob(st, 1), n);
		rc = cb(ctx, alg, v, (const char *)sqlite3_column_text(st, 2), hfn_col_u64(st, 3));
	}
	return hfn_rows_end(st, rc, r);
}

/* ---- flags ----------------------------------------------------------------- */

hf_err hfn_store_flag_put(hfn_store *s, const hf_list_id *list, uint64_t entry,
                          hfn_match_flag state, const char *reason, uint64_t now_ms)
{
	sqlite3_stmt *st;
	size_t nl = strlen(reason);
	st = hfn_stmt(s, "INSERT OR REPLACE INTO match_flags VALUES(?1,?2,?3,?4,?5)");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, entry);
	hfn_bind_u64(st, 3, (uint64_t)state);
	sqlite3_bind_text(st, 4, reason, (int)(nl > 256 ? 256 : nl), SQLITE_TRANSIENT);
	hfn_bind_u64(st, 5, now_ms);
	return hfn_step_done(st);
}

hf_err hfn_store_flag_del(hfn_store *s, const hf_list_id *list, uint64_t entry,
                          hfn_match_flag state)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "DELETE FROM match_flags WHERE list_id=?1 AND entry_id=?2 AND state=?3");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, entry);
	hfn_bind_u64(st, 3, (uint64_t)state);
	return hfn_step_changed(s, st);
}

hf_err hfn_store_flags(hfn_store *s, const hf_list_id *list, hfn_store_flag_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st = hfn_stmt(s, "SELECT list_id,entry_id,state,reason,since_ms FROM match_flags WHERE"
	                 " ?1 IS NULL OR list_id=?1 ORDER BY list_id,entry_id");
	if (!st)
		return HF_EDB;
	if (list)
		HFN_BIND_ID(st, 1, list);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hf_list_id id;
		if (sqlite3_column_bytes(st, 0) != HF_LIST_ID_LEN)
			continue;
		HFN_COL_ID(st, 0, &id);
		rc = cb(ctx, &id, hfn_col_u64(st, 1), (hfn_match_flag)sqlite3_column_int(st, 2),
		        (const char *)sqlite3_column_text(st, 3), hfn_col_u64(st, 4));
	}
	return hfn_rows_end(st, rc, r);
}

/* ---- counts ---------------------------------------------------------------- */

hf_err hfn_store_match_dirty(hfn_store *s, const hf_list_id *list, uint32_t day)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "INSERT OR IGNORE INTO match_dirty VALUES(?1,?2)");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, day);
	return hfn_step_done(st);
}

hf_err hfn_store_match_count_add(hfn_store *s, const hf_list_id *list, uint64_t entry, uint32_t day,
                                 uint64_t n)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "INSERT INTO match_counts VALUES(?1,?2,?3,?4) ON CONFLICT(list_id,day,"
	                 "entry_id) DO UPDATE SET n=n+excluded.n");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, day);
	hfn_bind_u64(st, 3, entry);
	hfn_bind_u64(st, 4, n);
	HF_TRY(hfn_step_done(st));
	return hfn_store_match_dirty(s, list, day);
}

hf_err hfn_store_match_dirty_all(hfn_store *s, size_t limit, hfn_store_dirty_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st = hfn_stmt(s, "SELECT list_id,day FROM match_dirty ORDER BY day,list_id LIMIT ?1");
	if (!st)
		return HF_EDB;
	hfn_bind_u64(st, 1, limit);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hf_list_id id;
		if (sqlite3_column_bytes(st, 0) != HF_LIST_ID_LEN)
			continue;
		HFN_COL_ID(st, 0, &id);
		rc = cb(ctx, &id, (uint32_t)hfn_col_u64(st, 1));
	}
	return hfn_rows_end(st, rc, r);
}

hf_err hfn_store_match_clean(hfn_store *s, const hf_list_id *list, uint32_t day)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "DELETE FROM match_dirty WHERE list_id=?1 AND day=?2");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, day);
	return hfn_step_done(st);
}

hf_err hfn_store_match_counts(hfn_store *s, const hf_list_id *list, uint32_t day,
                              hfn_store_daycount_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st = hfn_stmt(s, "SELECT entry_id,n FROM match_counts WHERE list_id=?1 AND day=?2 ORDER BY"
	                 " entry_id");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, day);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(ctx, hfn_col_u64(st, 0), hfn_col_u64(st, 1));
	return hfn_rows_end(st, rc, r);
}

/* ---- provenance ------------------------------------------------------------ */

hf_err hfn_store_prov_put(hfn_store *s, const hf_list_id *list, uint64_t first, uint64_t last,
                          uint64_t batch, uint64_t issued_ms, bool snapshot)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "INSERT OR REPLACE INTO match_provenance VALUES(?1,?2,?3,?4,?5,?6)");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, first);
	hfn_bind_u64(st, 3, last);
	hfn_bind_u64(st, 4, batch);
	hfn_bind_u64(st, 5, issued_ms);
	hfn_bind_u64(st, 6, snapshot);
	return hfn_step_done(st);
}

hf_err hfn_store_prov_clear(hfn_store *s, const hf_list_id *list)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "DELETE FROM match_provenance WHERE list_id=?1");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	return hfn_step_done(st);
}

hf_err hfn_store_prov_all(hfn_store *s, hfn_store_prov_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st = hfn_stmt(s, "SELECT list_id,first_id,last_id,batch,issued_ms,snapshot FROM"
	                 " match_provenance ORDER BY list_id,first_id");
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hf_list_id id;
		if (sqlite3_column_bytes(st, 0) != HF_LIST_ID_LEN)
			continue;
		HFN_COL_ID(st, 0, &id);
		rc = cb(ctx, &id, hfn_col_u64(st, 1), hfn_col_u64(st, 2), hfn_col_u64(st, 3),
		        hfn_col_u64(st, 4), sqlite3_column_int(st, 5) != 0);
	}
	return hfn_rows_end(st, rc, r);
}

/* ---- reports received ---------------------------------------------------- */

hf_err hfn_store_report_put(hfn_store *s, const hf_list_id *list,
                            const uint8_t platform[HFN_MEMBER_LEN], uint32_t day, uint64_t revision,
                            uint64_t total, const uint8_t *counts, size_t counts_len,
                            uint64_t now_ms, bool *applied)
{
	sqlite3_stmt *st;
	/* The upsert's WHERE keeps the newer revision: replays and reordering change nothing. */
	st = hfn_stmt(s,
	              "INSERT INTO match_reports VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(list_id,"
	              "platform,day) DO UPDATE SET revision=excluded.revision,total=excluded.total,"
	              "counts=excluded.counts,received_ms=excluded.received_ms WHERE"
	              " excluded.revision>match_reports.revision");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_blob(st, 2, platform, HFN_MEMBER_LEN);
	hfn_bind_u64(st, 3, day);
	hfn_bind_u64(st, 4, revision);
	hfn_bind_u64(st, 5, total);
	hfn_bind_blob(st, 6, counts ? counts : (const uint8_t *)"", counts_len);
	hfn_bind_u64(st, 7, now_ms);
	HF_TRY(hfn_step_done(st));
	*applied = sqlite3_changes(hfn_db(s)) > 0;
	return HF_OK;
}

hf_err hfn_store_signals_replace(hfn_store *s, const hf_list_id *list,
                                 const uint8_t platform[HFN_MEMBER_LEN], hfn_match_flag kind,
                                 const uint64_t *ids, size_t n, uint64_t now_ms)
{
	sqlite3_stmt *st;
	st = hfn_stmt(s, "DELETE FROM match_signals WHERE list_id=?1 AND platform=?2 AND kind=?3");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_blob(st, 2, platform, HFN_MEMBER_LEN);
	hfn_bind_u64(st, 3, (uint64_t)kind);
	HF_TRY(hfn_step_done(st));
	if (n == 0)
		return HF_OK;
	st = hfn_stmt(s, "INSERT OR IGNORE INTO match_signals VALUES(?1,?2,?3,?4,?5)");
	if (!st)
		return HF_EDB;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		HFN_BIND_ID(st, 1, list);
		hfn_bind_blob(st, 2, platform, HFN_MEMBER_LEN);
		hfn_bind_u64(st, 3, ids[i]);
		hfn_bind_u64(st, 4, (uint64_t)kind);
		hfn_bind_u64(st, 5, now_ms);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return HF_EDB;
		}
	}
	sqlite3_reset(st);
	return HF_OK;
}

hf_err hfn_store_reports(hfn_store *s, const hf_list_id *list, size_t limit, hfn_store_report_cb cb,
                         void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st = hfn_stmt(s, "SELECT platform,day,revision,total,counts,received_ms FROM match_reports"
	                 " WHERE list_id=?1 ORDER BY day DESC, platform LIMIT ?2");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, limit);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t pl[HFN_MEMBER_LEN];
		if (sqlite3_column_bytes(st, 0) != HFN_MEMBER_LEN)
			continue;
		memcpy(pl, sqlite3_column_blob(st, 0), HFN_MEMBER_LEN);
		rc = cb(ctx, pl, (uint32_t)hfn_col_u64(st, 1), hfn_col_u64(st, 2),
		        hfn_col_u64(st, 3), sqlite3_column_blob(st, 4),
		        (size_t)sqlite3_column_bytes(st, 4), hfn_col_u64(st, 5));
	}
	return hfn_rows_end(st, rc, r);
}

hf_err hfn_store_signals(hfn_store *s, const hf_list_id *list, hfn_store_signal_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	st =
	    hfn_stmt(s, "SELECT platform,entry_id,kind,since_ms FROM match_signals WHERE list_id=?1"
	                " ORDER BY platform,kind,entry_id");
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, list);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t pl[HFN_MEMBER_LEN];
		if (sqlite3_column_bytes(st, 0) != HFN_MEMBER_LEN)
			continue;
		memcpy(pl, sqlite3_column_blob(st, 0), HFN_MEMBER_LEN);
		rc = cb(ctx, pl, hfn_col_u64(st, 1), (hfn_match_flag)sqlite3_column_int(st, 2),
		        hfn_col_u64(st, 3));
	}
	return hfn_rows_end(st, rc, r);
}
