/* Store: the intake case queue (store_intake.h). */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_intake.h"
#include "store/store_internal.h"
#include "hf_check.h"

static hf_err prep(hfn_store *s, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(hfn_db(s), sql, -1, st, NULL) == SQLITE_OK ? HF_OK : HF_EDB;
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t n = t ? strlen(t) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = 0;
}

static hf_err row(sqlite3_stmt *st, hfn_store_intake *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, c->receipt, sizeof(c->receipt));
	copy_col(st, 2, c->case_ref, sizeof(c->case_ref));
	copy_col(st, 3, c->status, sizeof(c->status));
	c->received_ms = (uint64_t)sqlite3_column_int64(st, 4);
	c->updated_ms = (uint64_t)sqlite3_column_int64(st, 5);
	const char *r = (const char *)sqlite3_column_text(st, 6);
	const char *a = (const char *)sqlite3_column_text(st, 7);
	c->report = strdup(r ? r : "{}");
	c->actions = strdup(a ? a : "{}");
	if (!c->report || !c->actions) {
		hfn_store_intake_clear(c);
		return HF_ENOMEM;
	}
	return HF_OK;
}

#define COLS "id, receipt, case_ref, status, received_ms, updated_ms, report, actions"

hf_err hfn_store_intake_put(hfn_store *s, const char *receipt, const char *case_ref,
                            uint64_t now_ms, const char *report, int64_t *id)
{
	sqlite3_stmt *st;
	HF_TRY(prep(s,
	            "INSERT INTO intake_cases(receipt, case_ref, status, received_ms, updated_ms,"
	            " report, actions) VALUES(?1, ?2, 'new', ?3, ?3, ?4, '{}')",
	            &st));
	sqlite3_bind_text(st, 1, receipt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, case_ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now_ms);
	sqlite3_bind_text(st, 4, report, -1, SQLITE_TRANSIENT);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_CONSTRAINT)
		return HF_EEXIST;
	if (r != SQLITE_DONE)
		return HF_EDB;
	*id = sqlite3_last_insert_rowid(hfn_db(s));
	return HF_OK;
}

hf_err hfn_store_intake_get(hfn_store *s, int64_t id, hfn_store_intake *out)
{
	sqlite3_stmt *st;
	hf_err rc = HF_ENOTFOUND;
	memset(out, 0, sizeof(*out));
	HF_TRY(prep(s, "SELECT " COLS " FROM intake_cases WHERE id = ?1", &st));
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		rc = row(st, out);
	else if (r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

hf_err hfn_store_intake_update(hfn_store *s, int64_t id, const char *status, const char *actions,
                               uint64_t now_ms)
{
	sqlite3_stmt *st;
	HF_TRY(prep(s,
	            "UPDATE intake_cases SET status = ?2, actions = ?3, updated_ms = ?4"
	            " WHERE id = ?1",
	            &st));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, actions, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now_ms);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return HF_EDB;
	return sqlite3_changes(hfn_db(s)) > 0 ? HF_OK : HF_ENOTFOUND;
}

hf_err hfn_store_intake_list(hfn_store *s, const char *status, size_t limit, hfn_store_intake_cb cb,
                             void *ctx)
{
	sqlite3_stmt *st;
	hf_err rc = HF_OK;
	HF_TRY(prep(s,
	            "SELECT " COLS " FROM intake_cases WHERE ?1 IS NULL OR status = ?1"
	            " ORDER BY id DESC LIMIT ?2",
	            &st));
	if (status)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	int r;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hfn_store_intake c;
		rc = row(st, &c);
		if (rc == HF_OK)
			rc = cb(ctx, &c);
		hfn_store_intake_clear(&c);
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_finalize(st);
	return rc;
}

hf_err hfn_store_intake_count_since(hfn_store *s, uint64_t since_ms, uint64_t *n)
{
	sqlite3_stmt *st;
	HF_TRY(prep(s, "SELECT count(*) FROM intake_cases WHERE received_ms >= ?1", &st));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since_ms);
	int r = sqlite3_step(st);
	*n = r == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? HF_OK : HF_EDB;
}

void hfn_store_intake_clear(hfn_store_intake *c)
{
	if (!c)
		return;
	free(c->report);
	free(c->actions);
	c->report = c->actions = NULL;
}
