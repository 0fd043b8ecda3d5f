#ifndef HFN_STORE_INTERNAL_H
#define HFN_STORE_INTERNAL_H

/*
 * Shared by the store's own files (store.c, store_orders.c, store_match.c) and
 * nothing else: the schema parts they own and the connection handle. The rest
 * of the node sees store.h, store_orders.h and store_match.h only, and never
 * SQLite (scripts/lint.sh checks that sqlite3 appears only under node/store/).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "hashfed/err.h"

typedef struct hfn_store hfn_store; /* store.h */

/* Migration 2 -> 3 (store.c's MIGRATIONS; the orders tables, store_orders.c). */
#define HFN_STORE_ORDERS_MIGRATION                                                                 \
	"CREATE TABLE orders(id BLOB PRIMARY KEY, side INTEGER NOT NULL, authority BLOB NOT NULL," \
	" platform BLOB NOT NULL, msg_id BLOB NOT NULL, hash BLOB NOT NULL,"                       \
	" issued_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL, category INTEGER NOT NULL,"    \
	" priority INTEGER NOT NULL, n_items INTEGER NOT NULL, received_ms INTEGER NOT NULL,"      \
	" receipt_ms INTEGER NOT NULL, next_check_ms INTEGER NOT NULL, reminded INTEGER NOT NULL," \
	" pseudonym BLOB NOT NULL, body BLOB NOT NULL);"                                           \
	"CREATE INDEX orders_due ON orders(next_check_ms) WHERE next_check_ms > 0;"                \
	"CREATE TABLE order_items(order_id BLOB NOT NULL, idx INTEGER NOT NULL,"                   \
	" state INTEGER NOT NULL, deadline_ms INTEGER NOT NULL, outcome INTEGER NOT NULL,"         \
	" action_ms INTEGER NOT NULL, pauses BLOB, PRIMARY KEY(order_id, idx)) WITHOUT ROWID;"     \
	"CREATE TABLE order_msgs(seq INTEGER PRIMARY KEY, order_id BLOB NOT NULL,"                 \
	" msg_id BLOB NOT NULL UNIQUE, type INTEGER NOT NULL, dir INTEGER NOT NULL,"               \
	" peer BLOB NOT NULL, at_ms INTEGER NOT NULL, envelope BLOB NOT NULL, summary TEXT);"      \
	"CREATE INDEX order_msgs_order ON order_msgs(order_id, seq);"                              \
	"CREATE TABLE escalations(order_id BLOB PRIMARY KEY, authority BLOB NOT NULL,"             \
	" platform BLOB NOT NULL, category INTEGER NOT NULL, deadline_ms INTEGER NOT NULL,"        \
	" escalated_ms INTEGER NOT NULL, n_items INTEGER NOT NULL, n_overdue INTEGER NOT NULL,"    \
	" received_ms INTEGER NOT NULL);"                                                          \
	"CREATE TABLE referrals(id BLOB PRIMARY KEY, mine INTEGER NOT NULL, from_m BLOB NOT NULL," \
	" to_m BLOB NOT NULL, pseudonym BLOB NOT NULL, category INTEGER NOT NULL,"                 \
	" status INTEGER NOT NULL, sent_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"         \
	" orders BLOB NOT NULL);"

/* Migration 5 -> 6 (store.c's MIGRATIONS; the intake case queue, store_intake.c). */
#define HFN_STORE_INTAKE_MIGRATION                                                                 \
	"CREATE TABLE intake_cases(id INTEGER PRIMARY KEY, receipt TEXT NOT NULL UNIQUE,"          \
	" case_ref TEXT NOT NULL, status TEXT NOT NULL, received_ms INTEGER NOT NULL,"             \
	" updated_ms INTEGER NOT NULL, report TEXT NOT NULL, actions TEXT NOT NULL);"              \
	"CREATE INDEX intake_cases_status ON intake_cases(status, id);"                            \
	"CREATE INDEX intake_cases_received ON intake_cases(received_ms);"

/* Migration 3 -> 4 (store.c's MIGRATIONS; the matching tables, store_match.c). */
#define HFN_STORE_MATCH_MIGRATION                                                                  \
	"CREATE TABLE match_allow(alg INTEGER NOT NULL, value BLOB NOT NULL, note TEXT NOT NULL,"  \
	" added_ms INTEGER NOT NULL, PRIMARY KEY(alg, value)) WITHOUT ROWID;"                      \
	"CREATE TABLE match_flags(list_id BLOB NOT NULL, entry_id INTEGER NOT NULL,"               \
	" state INTEGER NOT NULL, reason TEXT NOT NULL, since_ms INTEGER NOT NULL,"                \
	" PRIMARY KEY(list_id, entry_id)) WITHOUT ROWID;"                                          \
	"CREATE TABLE match_counts(list_id BLOB NOT NULL, day INTEGER NOT NULL,"                   \
	" entry_id INTEGER NOT NULL, n INTEGER NOT NULL,"                                          \
	" PRIMARY KEY(list_id, day, entry_id)) WITHOUT ROWID;"                                     \
	"CREATE TABLE match_dirty(list_id BLOB NOT NULL, day INTEGER NOT NULL,"                    \
	" PRIMARY KEY(list_id, day)) WITHOUT ROWID;"                                               \
	"CREATE TABLE match_provenance(list_id BLOB NOT NULL, first_id INTEGER NOT NULL,"          \
	" last_id INTEGER NOT NULL, batch INTEGER NOT NULL, issued_ms INTEGER NOT NULL,"           \
	" snapshot INTEGER NOT NULL, PRIMARY KEY(list_id, first_id)) WITHOUT ROWID;"               \
	"CREATE TABLE match_reports(list_id BLOB NOT NULL, platform BLOB NOT NULL,"                \
	" day INTEGER NOT NULL, revision INTEGER NOT NULL, total INTEGER NOT NULL,"                \
	" counts BLOB NOT NULL, received_ms INTEGER NOT NULL,"                                     \
	" PRIMARY KEY(list_id, platform, day)) WITHOUT ROWID;"                                     \
	"CREATE TABLE match_signals(list_id BLOB NOT NULL, platform BLOB NOT NULL,"                \
	" entry_id INTEGER NOT NULL, kind INTEGER NOT NULL, since_ms INTEGER NOT NULL,"            \
	" PRIMARY KEY(list_id, platform, kind, entry_id)) WITHOUT ROWID;"

/* Migration 7 -> 8 (store.c's MIGRATIONS): audit leaves without their (sender, msg_id)
 * columns and unique index, looked up through audit_leaf_ids instead (a WITHOUT ROWID table
 * keyed msg_id first): half the b-tree work per durable append (tests/bench/bench_log.c). */
#define HFN_STORE_AUDIT_LEAVES_MIGRATION                                                           \
	"CREATE TABLE audit_leaf_ids(msg_id BLOB NOT NULL, sender BLOB NOT NULL,"                  \
	" idx INTEGER NOT NULL, PRIMARY KEY(msg_id, sender)) WITHOUT ROWID;"                       \
	"INSERT INTO audit_leaf_ids SELECT msg_id, sender, idx FROM audit_leaves;"                 \
	"CREATE TABLE audit_leaves_v8(idx INTEGER PRIMARY KEY, submitter BLOB NOT NULL,"           \
	" integrated_ms INTEGER NOT NULL, leaf BLOB NOT NULL);"                                    \
	"INSERT INTO audit_leaves_v8 SELECT idx, submitter, integrated_ms, leaf FROM "             \
	"audit_leaves;"                                                                            \
	"DROP TABLE audit_leaves;"                                                                 \
	"ALTER TABLE audit_leaves_v8 RENAME TO audit_leaves;"

/* Migration 6 -> 7 (store.c's MIGRATIONS; the audit log tables, store_audit.c). */
#define HFN_STORE_AUDIT_MIGRATION                                                                  \
	"CREATE TABLE audit_queue(seq INTEGER PRIMARY KEY, sender BLOB NOT NULL,"                  \
	" msg_id BLOB NOT NULL, submitter BLOB NOT NULL, hdr BLOB NOT NULL,"                       \
	" UNIQUE(sender, msg_id));"                                                                \
	"CREATE TABLE audit_leaves(idx INTEGER PRIMARY KEY, sender BLOB NOT NULL,"                 \
	" msg_id BLOB NOT NULL, submitter BLOB NOT NULL, integrated_ms INTEGER NOT NULL,"          \
	" leaf BLOB NOT NULL, UNIQUE(sender, msg_id));"                                            \
	"CREATE TABLE audit_meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;"           \
	"CREATE TABLE audit_tiles(level INTEGER NOT NULL, idx INTEGER NOT NULL,"                   \
	" hashes BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;"                           \
	"CREATE TABLE audit_checkpoints(size INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"         \
	" note TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0);"                              \
	"CREATE TABLE audit_wstate(witness BLOB PRIMARY KEY, size INTEGER NOT NULL,"               \
	" at_ms INTEGER NOT NULL) WITHOUT ROWID;"                                                  \
	"CREATE TABLE audit_want(seq INTEGER PRIMARY KEY, log BLOB NOT NULL, sender BLOB NOT "     \
	"NULL,"                                                                                    \
	" msg_id BLOB NOT NULL, hdr BLOB NOT NULL, mine INTEGER NOT NULL,"                         \
	" state INTEGER NOT NULL DEFAULT 0, since_ms INTEGER NOT NULL, flagged INTEGER NOT NULL"   \
	" DEFAULT 0, UNIQUE(log, sender, msg_id));"                                                \
	"CREATE INDEX audit_want_todo ON audit_want(log, seq) WHERE state = 0;"                    \
	"CREATE TABLE audit_receipts(log BLOB NOT NULL, sender BLOB NOT NULL,"                     \
	" msg_id BLOB NOT NULL, idx INTEGER NOT NULL, integrated_ms INTEGER NOT NULL,"             \
	" size INTEGER NOT NULL, proof BLOB NOT NULL, PRIMARY KEY(log, sender, msg_id))"           \
	" WITHOUT ROWID;"                                                                          \
	"CREATE TABLE audit_seen(log BLOB NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,"    \
	" note TEXT NOT NULL, seen_ms INTEGER NOT NULL, PRIMARY KEY(log, size, root))"             \
	" WITHOUT ROWID;"                                                                          \
	"CREATE TABLE audit_alarms(seq INTEGER PRIMARY KEY, log BLOB NOT NULL, a TEXT NOT NULL,"   \
	" b TEXT NOT NULL, reason TEXT NOT NULL, at_ms INTEGER NOT NULL);"                         \
	"CREATE TABLE audit_witnessed(log BLOB PRIMARY KEY, size INTEGER NOT NULL,"                \
	" root BLOB NOT NULL, note TEXT NOT NULL) WITHOUT ROWID;"

/* ---- the one helper set (store.c), used by every file of the store ---- */

/* The connection's prepared statement for sql, reset and unbound: prepared on first use and
 * kept until hfn_store_close (one cache per connection, keyed by the SQL text's address, so
 * pass a string literal or a static table entry). NULL if it cannot be prepared. A row loop
 * must not run the same statement again from its callback. */
sqlite3_stmt *hfn_stmt(hfn_store *s, const char *sql);
/* The connection (sqlite3_changes and the like). */
sqlite3 *hfn_db(hfn_store *s);
/* Binds a blob (NULL binds SQL NULL), valid until the statement is reset. */
void hfn_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n);
/* Stored as the same 64 bits; values above INT64_MAX (HF_TIME_NEVER) round-trip. */
void hfn_bind_u64(sqlite3_stmt *st, int i, uint64_t v);
uint64_t hfn_col_u64(sqlite3_stmt *st, int i);
/* Copies a blob column into dst (zero-filled; at most n bytes). */
void hfn_col_copy(sqlite3_stmt *st, int i, void *dst, size_t n);
/* Any id type of hashfed/ids.h (a pointer to it), stored as its wire bytes. */
#define HFN_BIND_ID(st, i, id) hfn_bind_blob((st), (i), (id)->b, sizeof(id)->b)
#define HFN_COL_ID(st, i, id)  hfn_col_copy((st), (i), (id)->b, sizeof(id)->b)
/* Runs a statement that returns no rows (and resets it). */
hf_err hfn_step_done(sqlite3_stmt *st) HF_MUST_CHECK;
/* hfn_step_done, then HF_ENOTFOUND if it changed no row. */
hf_err hfn_step_changed(hfn_store *s, sqlite3_stmt *st) HF_MUST_CHECK;
/* Ends a loop over rows (r: the last sqlite3_step result): rc, or HF_EDB if stepping
 * failed; resets the statement. */
hf_err hfn_rows_end(sqlite3_stmt *st, hf_err rc, int r) HF_MUST_CHECK;
/* A text column as a malloc'ed string ("" for NULL); NULL if out of memory. */
char *hfn_col_strdup(sqlite3_stmt *st, int i);

/* ---- a statement and its arguments in one call ---- */

/* One value bound to a statement: HFN_U64(v), HFN_BLOB(p, n) (p NULL: SQL NULL), HFN_ID(id)
 * (a 16-byte id struct), HFN_TEXT(t) (NUL-terminated; NULL: SQL NULL), HFN_TEXTN(t, n) (its
 * first n bytes). Bound as views: valid until the statement is reset. */
typedef struct hfn_arg {
	int kind;
	const void *p;
	size_t n;
	uint64_t u;
} hfn_arg;
enum { HFN_ARG_U64, HFN_ARG_BLOB, HFN_ARG_TEXT };
#define HFN_U64(v)      ((hfn_arg){HFN_ARG_U64, NULL, 0, (uint64_t)(v)})
#define HFN_BLOB(p, n)  ((hfn_arg){HFN_ARG_BLOB, (p), (n), 0})
#define HFN_ID(id)      HFN_BLOB((id)->b, sizeof(id)->b)
#define HFN_TEXT(t)     ((hfn_arg){HFN_ARG_TEXT, (t), SIZE_MAX, 0})
#define HFN_TEXTN(t, n) ((hfn_arg){HFN_ARG_TEXT, (t), (n), 0})
/* The arguments as (array, count), bound to ?1, ?2, ... in order. */
#define HFN_ARGS(...)                                                                              \
	(const hfn_arg[]){__VA_ARGS__}, sizeof((const hfn_arg[]){__VA_ARGS__}) / sizeof(hfn_arg)

/* hfn_stmt(sql) with the n arguments a bound; NULL if it cannot be prepared. */
sqlite3_stmt *hfn_bound(hfn_store *s, const char *sql, const hfn_arg *a, size_t n);
/* Runs sql, which returns no rows. */
hf_err hfn_exec(hfn_store *s, const char *sql, const hfn_arg *a, size_t n) HF_MUST_CHECK;
/* hfn_exec, then HF_ENOTFOUND if it changed no row. */
hf_err hfn_exec_changed(hfn_store *s, const char *sql, const hfn_arg *a, size_t n) HF_MUST_CHECK;
/* Steps sql once: HF_OK with *st on its first row (read it, then sqlite3_reset(*st)), or
 * HF_ENOTFOUND (no row) / HF_EDB, the statement reset. */
hf_err hfn_row(hfn_store *s, sqlite3_stmt **st, const char *sql, const hfn_arg *a,
               size_t n) HF_MUST_CHECK;
/* Column 0 of sql's first row (0 if it has none). */
hf_err hfn_get_u64(hfn_store *s, const char *sql, uint64_t *v, const hfn_arg *a,
                   size_t n) HF_MUST_CHECK;
/* Whether sql returns a row. */
hf_err hfn_any_row(hfn_store *s, const char *sql, bool *any, const hfn_arg *a,
                   size_t n) HF_MUST_CHECK;
/* Calls fn(ctx, st) on every row of sql, stopping at its first error (returned). */
typedef hf_err (*hfn_row_fn)(void *ctx, sqlite3_stmt *st);
hf_err hfn_each_row(hfn_store *s, const char *sql, hfn_row_fn fn, void *ctx, const hfn_arg *a,
                    size_t n) HF_MUST_CHECK;

#endif
