/* Store: matching state (allow-list, flags, counts, provenance, reports); see store_match.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_internal.h"
#include "store/store_match.h"
#include "hf_check.h"

/* Notes and reasons are kept to their first 256 bytes. */
#define NOTE_MAX 256u

static size_t note_len(const char *t)
{
	size_t n = strlen(t);
	return n > NOTE_MAX ? NOTE_MAX : n;
}

/* The caller's row callback and context, for the row readers below (hfn_each_row). */
typedef struct rows {
	union {
		hfn_store_allow_cb allow;
		hfn_store_flag_cb flag;
		hfn_store_dirty_cb dirty;
		hfn_store_daycount_cb daycount;
		hfn_store_prov_cb prov;
		hfn_store_report_cb report;
		hfn_store_signal_cb signal;
	} cb;
	void *ctx;
} rows;

/* Copies blob column i into out if it has exactly n bytes (a row that does not cannot come
 * through this API: skipped, never trusted blindly). */
static bool id_col(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
{
	if ((size_t)sqlite3_column_bytes(st, i) != n)
		return false;
	memcpy(out, sqlite3_column_blob(st, i), n);
	return true;
}

/* ---- allow-list ------------------------------------------------------------ */

hf_err hfn_store_allow_put(hfn_store *s, unsigned alg, const uint8_t *value, const char *note,
                           uint64_t now_ms)
{
	size_t len = hf_hash_alg_len(alg);
	if (len == 0)
		return HF_EINVAL;
	return hfn_exec(s, "INSERT OR REPLACE INTO match_allow VALUES(?1,?2,?3,?4)",
	                HFN_ARGS(HFN_U64(alg), HFN_BLOB(value, len),
	                         HFN_TEXTN(note, note_len(note)), HFN_U64(now_ms)));
}

hf_err hfn_store_allow_del(hfn_store *s, unsigned alg, const uint8_t *value)
{
	size_t len = hf_hash_alg_len(alg);
	if (len == 0)
		return HF_EINVAL;
	return hfn_exec_changed(s, "DELETE FROM match_allow WHERE alg=?1 AND value=?2",
	                        HFN_ARGS(HFN_U64(alg), HFN_BLOB(value, len)));
}

static hf_err allow_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	unsigned alg = (unsigned)sqlite3_column_int(st, 0);
	uint8_t v[HF_LIST_MAX_VALUE_LEN] = {0};
	size_t len = hf_hash_alg_len(alg);
	if (len == 0 || !id_col(st, 1, v, len))
		return HF_OK;
	return c->cb.allow(c->ctx, alg, v, (const char *)sqlite3_column_text(st, 2),
	                   hfn_col_u64(st, 3));
}

hf_err hfn_store_allow_all(hfn_store *s, hfn_store_allow_cb cb, void *ctx)
{
	rows c = {.cb.allow = cb, .ctx = ctx};
	return hfn_each_row(s, "SELECT alg,value,note,added_ms FROM match_allow ORDER BY alg,value",
	                    allow_row, &c, NULL, 0);
}

/* ---- flags ----------------------------------------------------------------- */

hf_err hfn_store_flag_put(hfn_store *s, const hf_list_id *list, uint64_t entry,
                          hfn_match_flag state, const char *reason, uint64_t now_ms)
{
	return hfn_exec(s, "INSERT OR REPLACE INTO match_flags VALUES(?1,?2,?3,?4,?5)",
	                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(entry), HFN_U64(state),
	                         HFN_TEXTN(reason, note_len(reason)), HFN_U64(now_ms)));
}

hf_err hfn_store_flag_del(hfn_store *s, const hf_list_id *list, uint64_t entry,
                          hfn_match_flag state)
{
	return hfn_exec_changed(
	    s, "DELETE FROM match_flags WHERE list_id=?1 AND entry_id=?2 AND state=?3",
	    HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(entry), HFN_U64(state)));
}

static hf_err flag_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	hf_list_id id;
	if (!id_col(st, 0, id.b, sizeof id.b))
		return HF_OK;
	return c->cb.flag(c->ctx, &id, hfn_col_u64(st, 1),
	                  (hfn_match_flag)sqlite3_column_int(st, 2),
	                  (const char *)sqlite3_column_text(st, 3), hfn_col_u64(st, 4));
}

hf_err hfn_store_flags(hfn_store *s, const hf_list_id *list, hfn_store_flag_cb cb, void *ctx)
{
	rows c = {.cb.flag = cb, .ctx = ctx};
	/* list NULL binds SQL NULL: every list. */
	return hfn_each_row(s,
	                    "SELECT list_id,entry_id,state,reason,since_ms FROM match_flags WHERE"
	                    " ?1 IS NULL OR list_id=?1 ORDER BY list_id,entry_id",
	                    flag_row, &c,
	                    HFN_ARGS(HFN_BLOB(list ? list->b : NULL, HF_LIST_ID_LEN)));
}

/* ---- counts ---------------------------------------------------------------- */

hf_err hfn_store_match_dirty(hfn_store *s, const hf_list_id *list, uint32_t day)
{
	return hfn_exec(s, "INSERT OR IGNORE INTO match_dirty VALUES(?1,?2)",
	                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(day)));
}

hf_err hfn_store_match_count_add(hfn_store *s, const hf_list_id *list, uint64_t entry, uint32_t day,
                                 uint64_t n)
{
	HF_TRY(hfn_exec(
	    s,
	    "INSERT INTO match_counts VALUES(?1,?2,?3,?4) ON CONFLICT(list_id,day,"
	    "entry_id) DO UPDATE SET n=n+excluded.n",
	    HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(day), HFN_U64(entry), HFN_U64(n))));
	return hfn_store_match_dirty(s, list, day);
}

static hf_err dirty_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	hf_list_id id;
	if (!id_col(st, 0, id.b, sizeof id.b))
		return HF_OK;
	return c->cb.dirty(c->ctx, &id, (uint32_t)hfn_col_u64(st, 1));
}

hf_err hfn_store_match_dirty_all(hfn_store *s, size_t limit, hfn_store_dirty_cb cb, void *ctx)
{
	rows c = {.cb.dirty = cb, .ctx = ctx};
	return hfn_each_row(s, "SELECT list_id,day FROM match_dirty ORDER BY day,list_id LIMIT ?1",
	                    dirty_row, &c, HFN_ARGS(HFN_U64(limit)));
}

hf_err hfn_store_match_clean(hfn_store *s, const hf_list_id *list, uint32_t day)
{
	return hfn_exec(s, "DELETE FROM match_dirty WHERE list_id=?1 AND day=?2",
	                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(day)));
}

static hf_err daycount_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	return c->cb.daycount(c->ctx, hfn_col_u64(st, 0), hfn_col_u64(st, 1));
}

hf_err hfn_store_match_counts(hfn_store *s, const hf_list_id *list, uint32_t day,
                              hfn_store_daycount_cb cb, void *ctx)
{
	rows c = {.cb.daycount = cb, .ctx = ctx};
	return hfn_each_row(s,
	                    "SELECT entry_id,n FROM match_counts WHERE list_id=?1 AND day=?2 ORDER"
	                    " BY entry_id",
	                    daycount_row, &c,
	                    HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(day)));
}

/* ---- provenance ------------------------------------------------------------ */

hf_err hfn_store_prov_put(hfn_store *s, const hf_list_id *list, uint64_t first, uint64_t last,
                          uint64_t batch, uint64_t issued_ms, bool snapshot)
{
	return hfn_exec(s, "INSERT OR REPLACE INTO match_provenance VALUES(?1,?2,?3,?4,?5,?6)",
	                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(first), HFN_U64(last),
	                         HFN_U64(batch), HFN_U64(issued_ms), HFN_U64(snapshot)));
}

hf_err hfn_store_prov_clear(hfn_store *s, const hf_list_id *list)
{
	return hfn_exec(s, "DELETE FROM match_provenance WHERE list_id=?1",
	                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b)));
}

static hf_err prov_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	hf_list_id id;
	if (!id_col(st, 0, id.b, sizeof id.b))
		return HF_OK;
	return c->cb.prov(c->ctx, &id, hfn_col_u64(st, 1), hfn_col_u64(st, 2), hfn_col_u64(st, 3),
	                  hfn_col_u64(st, 4), sqlite3_column_int(st, 5) != 0);
}

hf_err hfn_store_prov_all(hfn_store *s, hfn_store_prov_cb cb, void *ctx)
{
	rows c = {.cb.prov = cb, .ctx = ctx};
	return hfn_each_row(s,
	                    "SELECT list_id,first_id,last_id,batch,issued_ms,snapshot FROM"
	                    " match_provenance ORDER BY list_id,first_id",
	                    prov_row, &c, NULL, 0);
}

/* ---- reports received ---------------------------------------------------- */

hf_err hfn_store_report_put(hfn_store *s, const hf_list_id *list,
                            const uint8_t platform[HFN_MEMBER_LEN], uint32_t day, uint64_t revision,
                            uint64_t total, const uint8_t *counts, size_t counts_len,
                            uint64_t now_ms, bool *applied)
{
	/* The upsert's WHERE keeps the newer revision: replays and reordering change nothing. */
	HF_TRY(
	    hfn_exec(s,
	             "INSERT INTO match_reports VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(list_id,"
	             "platform,day) DO UPDATE SET revision=excluded.revision,total=excluded.total,"
	             "counts=excluded.counts,received_ms=excluded.received_ms WHERE"
	             " excluded.revision>match_reports.revision",
	             HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_BLOB(platform, HFN_MEMBER_LEN),
	                      HFN_U64(day), HFN_U64(revision), HFN_U64(total),
	                      HFN_BLOB(counts ? counts : (const uint8_t *)"", counts_len),
	                      HFN_U64(now_ms))));
	*applied = sqlite3_changes(hfn_db(s)) > 0;
	return HF_OK;
}

hf_err hfn_store_signals_replace(hfn_store *s, const hf_list_id *list,
                                 const uint8_t platform[HFN_MEMBER_LEN], hfn_match_flag kind,
                                 const uint64_t *ids, size_t n, uint64_t now_ms)
{
	HF_TRY(hfn_exec(s, "DELETE FROM match_signals WHERE list_id=?1 AND platform=?2 AND kind=?3",
	                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b),
	                         HFN_BLOB(platform, HFN_MEMBER_LEN), HFN_U64(kind))));
	for (size_t i = 0; i < n; i++)
		HF_TRY(hfn_exec(s, "INSERT OR IGNORE INTO match_signals VALUES(?1,?2,?3,?4,?5)",
		                HFN_ARGS(HFN_BLOB(list->b, sizeof list->b),
		                         HFN_BLOB(platform, HFN_MEMBER_LEN), HFN_U64(ids[i]),
		                         HFN_U64(kind), HFN_U64(now_ms))));
	return HF_OK;
}

static hf_err report_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	uint8_t pl[HFN_MEMBER_LEN];
	if (!id_col(st, 0, pl, sizeof(pl)))
		return HF_OK;
	return c->cb.report(c->ctx, pl, (uint32_t)hfn_col_u64(st, 1), hfn_col_u64(st, 2),
	                    hfn_col_u64(st, 3), sqlite3_column_blob(st, 4),
	                    (size_t)sqlite3_column_bytes(st, 4), hfn_col_u64(st, 5));
}

hf_err hfn_store_reports(hfn_store *s, const hf_list_id *list, size_t limit, hfn_store_report_cb cb,
                         void *ctx)
{
	rows c = {.cb.report = cb, .ctx = ctx};
	return hfn_each_row(s,
	                    "SELECT platform,day,revision,total,counts,received_ms FROM"
	                    " match_reports WHERE list_id=?1 ORDER BY day DESC, platform LIMIT ?2",
	                    report_row, &c,
	                    HFN_ARGS(HFN_BLOB(list->b, sizeof list->b), HFN_U64(limit)));
}

static hf_err signal_row(void *ctx, sqlite3_stmt *st)
{
	const rows *c = ctx;
	uint8_t pl[HFN_MEMBER_LEN];
	if (!id_col(st, 0, pl, sizeof(pl)))
		return HF_OK;
	return c->cb.signal(c->ctx, pl, hfn_col_u64(st, 1),
	                    (hfn_match_flag)sqlite3_column_int(st, 2), hfn_col_u64(st, 3));
}

hf_err hfn_store_signals(hfn_store *s, const hf_list_id *list, hfn_store_signal_cb cb, void *ctx)
{
	rows c = {.cb.signal = cb, .ctx = ctx};
	return hfn_each_row(s,
	                    "SELECT platform,entry_id,kind,since_ms FROM match_signals WHERE"
	                    " list_id=?1 ORDER BY platform,kind,entry_id",
	                    signal_row, &c, HFN_ARGS(HFN_BLOB(list->b, sizeof list->b)));
}
