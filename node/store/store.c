/* SQLite store: schema, migrations, prepared statements (the only SQL in the node). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_internal.h"
#include "hf_check.h"

/* Numbered migrations: migration i takes the schema from version i to i + 1. */
static const char *const MIGRATIONS[] = {
    /* 0 -> 1 */
    "CREATE TABLE lists(id BLOB PRIMARY KEY, name TEXT NOT NULL, category INTEGER NOT NULL,"
    " algs INTEGER NOT NULL, issuer BLOB NOT NULL, mine INTEGER NOT NULL, head_n INTEGER NOT NULL,"
    " head_hash BLOB NOT NULL, next_id INTEGER NOT NULL);"
    "CREATE TABLE list_platforms(list_id BLOB NOT NULL, member BLOB NOT NULL,"
    " PRIMARY KEY(list_id, member)) WITHOUT ROWID;"
    "CREATE TABLE entries(list_id BLOB NOT NULL, id INTEGER NOT NULL, alg INTEGER NOT NULL,"
    " value BLOB NOT NULL, quality INTEGER NOT NULL, category INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, pseudonym BLOB NOT NULL, removed_in INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(list_id, id)) WITHOUT ROWID;"
    "CREATE TABLE batches(list_id BLOB NOT NULL, n INTEGER NOT NULL, hash BLOB NOT NULL,"
    " envelope BLOB NOT NULL, PRIMARY KEY(list_id, n)) WITHOUT ROWID;"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, msg_id BLOB NOT NULL, peer BLOB NOT NULL,"
    " list_id BLOB, n INTEGER, envelope BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_ms INTEGER NOT NULL, done_ms INTEGER, status TEXT, UNIQUE(msg_id, peer));"
    "CREATE INDEX outbox_due ON outbox(next_ms) WHERE done_ms IS NULL;"
    "CREATE TABLE inbox(seq INTEGER PRIMARY KEY, msg_id BLOB NOT NULL UNIQUE, peer BLOB,"
    " type INTEGER NOT NULL, envelope BLOB, received_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0, status TEXT);"
    "CREATE INDEX inbox_pending ON inbox(seq) WHERE state = 0;"
    "CREATE TABLE counters(name TEXT NOT NULL, label TEXT NOT NULL, v INTEGER NOT NULL,"
    " PRIMARY KEY(name, label)) WITHOUT ROWID;",
    /* 1 -> 2: snapshot parts are applied in order; the next expected part is durable. */
    "ALTER TABLE lists ADD COLUMN snap_part INTEGER NOT NULL DEFAULT 0;",
    /* 2 -> 3: takedown orders (store_orders.h). */
    HFN_STORE_ORDERS_MIGRATION,
    /* 3 -> 4: matching (store_match.h). */
    HFN_STORE_MATCH_MIGRATION,
    /* 4 -> 5: replay detection is per sender. A message id is chosen by its sender
     * and is public (envelope header), so keyed on the id alone one member could
     * send its own message under another member's pending id first and have the
     * real one dropped as a "replay". Inbox and order history are unique per
     * (peer, msg_id). */
    "CREATE TABLE inbox_v5(seq INTEGER PRIMARY KEY, msg_id BLOB NOT NULL, peer BLOB,"
    " type INTEGER NOT NULL, envelope BLOB, received_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0, status TEXT, UNIQUE(peer, msg_id));"
    "INSERT INTO inbox_v5 SELECT seq, msg_id, peer, type, envelope, received_ms, state, status"
    " FROM inbox;"
    "DROP TABLE inbox;"
    "ALTER TABLE inbox_v5 RENAME TO inbox;"
    "CREATE INDEX inbox_pending ON inbox(seq) WHERE state = 0;"
    "CREATE TABLE order_msgs_v5(seq INTEGER PRIMARY KEY, order_id BLOB NOT NULL,"
    " msg_id BLOB NOT NULL, type INTEGER NOT NULL, dir INTEGER NOT NULL,"
    " peer BLOB NOT NULL, at_ms INTEGER NOT NULL, envelope BLOB NOT NULL, summary TEXT,"
    " UNIQUE(peer, msg_id));"
    "INSERT INTO order_msgs_v5 SELECT seq, order_id, msg_id, type, dir, peer, at_ms, envelope,"
    " summary FROM order_msgs;"
    "DROP TABLE order_msgs;"
    "ALTER TABLE order_msgs_v5 RENAME TO order_msgs;"
    "CREATE INDEX order_msgs_order ON order_msgs(order_id, seq);",
    /* 5 -> 6: the victim intake case queue (store_intake.h). */
    HFN_STORE_INTAKE_MIGRATION,
    /* 6 -> 7: the audit log, receipts, checkpoints seen, split-view evidence
     * (store_audit.h). */
    HFN_STORE_AUDIT_MIGRATION,
    /* 7 -> 8: audit leaves looked up through audit_leaf_ids (store_internal.h). */
    HFN_STORE_AUDIT_LEAVES_MIGRATION,
    /* 8 -> 9: a list's batches queued to a peer, found without reading their envelopes
     * (serving a pull: hfn_store_batches_after, hfn_store_outbox_rearm_list). */
    "CREATE INDEX IF NOT EXISTS outbox_list ON outbox(list_id, peer, n, done_ms, next_ms)"
    " WHERE list_id IS NOT NULL;",
};
#define N_MIGRATIONS (sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]))
_Static_assert(N_MIGRATIONS == HFN_STORE_SCHEMA_VERSION, "store.h names the schema version");

enum {
	Q_LIST_GET,
	Q_LIST_BY_NAME,
	Q_LIST_PUT,
	Q_LISTS,
	Q_ENTITLE,
	Q_ENTITLED,
	Q_ENTRY_PUT,
	Q_ENTRY_REMOVE,
	Q_ENTRIES_CLEAR,
	Q_ENTRIES_ACTIVE,
	Q_ENTRY_COUNTS,
	Q_ENTRY_LIVE,
	Q_ENTRY_COUNTS_AFTER,
	Q_BATCH_PUT,
	Q_BATCHES_AFTER,
	Q_BATCH_ENV,
	Q_OUT_REARM_LIST,
	Q_OUT_ADD,
	Q_OUT_REARM,
	Q_OUT_REARM_PEER,
	Q_OUT_NEXT,
	Q_OUT_NEXT_DUE,
	Q_OUT_DUE,
	Q_OUT_ENV,
	Q_OUT_DONE,
	Q_OUT_RETRY,
	Q_OUT_HOLD,
	Q_OUT_EXPIRE,
	Q_OUT_UNDELIVERABLE,
	Q_DELIVERY,
	Q_IN_ADD,
	Q_IN_PENDING,
	Q_IN_ONE,
	Q_IN_DONE,
	Q_IN_COUNT,
	Q_IN_PARK,
	Q_IN_KEEP,
	Q_IN_UNPARK,
	Q_COUNT,
	Q_COUNTERS,
	Q__N
};

static const char *const SQL[Q__N] = {
    [Q_LIST_GET] =
        "SELECT id,name,category,algs,issuer,mine,head_n,head_hash,next_id,snap_part FROM lists"
        " WHERE id=?1",
    [Q_LIST_BY_NAME] =
        "SELECT id,name,category,algs,issuer,mine,head_n,head_hash,next_id,snap_part FROM"
        " lists WHERE name=?1 AND mine=1",
    [Q_LIST_PUT] = "INSERT OR REPLACE INTO lists VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [Q_LISTS] =
        "SELECT id,name,category,algs,issuer,mine,head_n,head_hash,next_id,snap_part FROM lists"
        " ORDER BY name",
    [Q_ENTITLE] = "INSERT OR IGNORE INTO list_platforms VALUES(?1,?2)",
    [Q_ENTITLED] = "SELECT member FROM list_platforms WHERE list_id=?1 ORDER BY member",
    [Q_ENTRY_PUT] = "INSERT OR REPLACE INTO entries VALUES(?1,?2,?3,?4,?5,?6,?7,?8,0)",
    [Q_ENTRY_REMOVE] = "UPDATE entries SET removed_in=?3 WHERE list_id=?1 AND id=?2",
    [Q_ENTRIES_CLEAR] = "DELETE FROM entries WHERE list_id=?1",
    [Q_ENTRIES_ACTIVE] = "SELECT id,alg,value,quality,category,expires_ms,pseudonym FROM entries"
                         " WHERE list_id=?1 AND id>?3 AND removed_in=0 AND (expires_ms=0 OR"
                         " expires_ms>?2) ORDER BY id LIMIT ?4",
    [Q_ENTRY_COUNTS] = "SELECT count(*), sum(removed_in<>0), sum(removed_in=0 AND expires_ms<>0"
                       " AND expires_ms<=?2), min(CASE WHEN removed_in=0 AND expires_ms>?2"
                       " THEN expires_ms END), max(id) FROM entries WHERE list_id=?1",
    [Q_ENTRY_COUNTS_AFTER] =
        "SELECT count(*), sum(removed_in<>0), sum(removed_in=0 AND expires_ms<>0"
        " AND expires_ms<=?2), min(CASE WHEN removed_in=0 AND expires_ms>?2"
        " THEN expires_ms END), max(id) FROM entries WHERE list_id=?1 AND id>?3",
    [Q_ENTRY_LIVE] = "SELECT removed_in FROM entries WHERE list_id=?1 AND id=?2",
    [Q_BATCH_PUT] = "INSERT OR IGNORE INTO batches VALUES(?1,?2,?3,?4)",
    [Q_BATCHES_AFTER] = "SELECT n FROM batches b WHERE list_id=?1 AND n>?2 AND NOT EXISTS"
                        " (SELECT 1 FROM outbox o WHERE o.list_id=?1 AND o.peer=?4 AND o.n=b.n)"
                        " ORDER BY n LIMIT ?3",
    [Q_BATCH_ENV] = "SELECT envelope FROM batches WHERE list_id=?1 AND n=?2",
    [Q_OUT_REARM_LIST] = "UPDATE outbox SET next_ms=?4 WHERE list_id=?2 AND peer=?1 AND n>?3"
                         " AND done_ms IS NULL AND next_ms>?4",
    [Q_OUT_ADD] = "INSERT OR IGNORE INTO outbox(msg_id,peer,list_id,n,envelope,next_ms)"
                  " VALUES(?1,?2,?3,?4,?5,?6)",
    [Q_OUT_REARM] = "UPDATE outbox SET next_ms=?3 WHERE msg_id=?1 AND peer=?2 AND done_ms IS NULL",
    [Q_OUT_REARM_PEER] = "UPDATE outbox SET next_ms=?2 WHERE peer=?1 AND done_ms IS NULL AND"
                         " next_ms>?2",
    [Q_OUT_NEXT] = "SELECT seq,msg_id,peer,attempts,envelope FROM outbox WHERE done_ms IS NULL"
                   " AND next_ms<=?1 ORDER BY next_ms, seq LIMIT 1",
    [Q_OUT_NEXT_DUE] = "SELECT min(next_ms) FROM outbox WHERE done_ms IS NULL",
    /* Columns stored before the envelope only (and the due index): reading a column after
     * it walks the envelope's overflow pages. */
    [Q_OUT_DUE] = "SELECT seq,msg_id,peer,list_id FROM outbox WHERE done_ms IS NULL"
                  " AND next_ms<=?1 ORDER BY next_ms, seq LIMIT ?2",
    [Q_OUT_ENV] = "SELECT attempts,envelope FROM outbox WHERE seq=?1",
    /* A delivered envelope is never read again (the batch stays in batches, an order's in
     * order_msgs); kept, the update rewrote it whole (megabytes for a list batch). */
    [Q_OUT_DONE] = "UPDATE outbox SET done_ms=?2, attempts=attempts+1, status='HF_OK',"
                   " envelope=X'' WHERE seq=?1",
    [Q_OUT_RETRY] = "UPDATE outbox SET next_ms=?2, attempts=attempts+1, status=?3,"
                    " done_ms=CASE WHEN ?2=0 THEN -1 ELSE NULL END WHERE seq=?1",
    /* Later messages to the same peer wait for a retried one (hfn_store_outbox_retry): the
     * partial due index bounds the scan to the undelivered rows due before ?2. */
    [Q_OUT_HOLD] = "UPDATE outbox SET next_ms=?2 WHERE done_ms IS NULL AND next_ms>0 AND"
                   " next_ms<?2 AND seq>?1 AND peer=(SELECT peer FROM outbox WHERE seq=?1)",
    /* done_ms -2: dropped by design (a pull that expired unsent: the next pull replaces
     * it), told apart from -1, a message given up for good (undeliverable). */
    [Q_OUT_EXPIRE] = "UPDATE outbox SET done_ms=-2, attempts=attempts+1, status=?2, envelope=X''"
                     " WHERE seq=?1",
    [Q_OUT_UNDELIVERABLE] = "SELECT peer, msg_id, status, attempts FROM outbox WHERE done_ms=-1"
                            " ORDER BY seq DESC",
    [Q_DELIVERY] = "SELECT list_id, peer, max(CASE WHEN done_ms>0 THEN n ELSE 0 END), max(n),"
                   " sum(done_ms IS NULL) FROM outbox WHERE list_id IS NOT NULL GROUP BY"
                   " list_id, peer ORDER BY list_id, peer",
    [Q_IN_ADD] = "INSERT OR IGNORE INTO inbox(msg_id,peer,type,envelope,received_ms)"
                 " VALUES(?1,?2,?3,?4,?5)",
    [Q_IN_PENDING] = "SELECT seq FROM inbox WHERE state=0 AND seq>?2 ORDER BY seq LIMIT ?1",
    [Q_IN_ONE] = "SELECT envelope FROM inbox WHERE seq=?1 AND state=0",
    [Q_IN_DONE] = "UPDATE inbox SET state=2, status=?2, envelope=NULL WHERE seq=?1",
    [Q_IN_COUNT] = "SELECT count(*) FROM inbox WHERE state=0",
    [Q_IN_PARK] = "UPDATE inbox SET state=1 WHERE seq=?1",
    [Q_IN_KEEP] = "UPDATE inbox SET envelope=?2 WHERE seq=?1 AND envelope IS NULL",
    [Q_IN_UNPARK] = "UPDATE inbox SET state=0 WHERE state=1",
    [Q_COUNT] = "INSERT INTO counters VALUES(?1,?2,?3) ON CONFLICT(name,label) DO UPDATE SET"
                " v=v+excluded.v",
    [Q_COUNTERS] = "SELECT name,label,v FROM counters ORDER BY name,label",
};

/*
 * In-process writer lock, one per database path. SQLite's own busy handling sleeps in
 * steps of 1 to 100 ms while another connection holds the write lock, which made every
 * collision between a transport thread and the main loop cost milliseconds. Connections
 * of this process to the same file first queue on this mutex (woken as soon as the
 * holder commits); SQLite's lock still guards against other processes.
 */
typedef struct wlock {
	struct wlock *next;
	pthread_mutex_t mu;
	unsigned refs;
	char path[];
} wlock;

static pthread_mutex_t g_wlocks_mu = PTHREAD_MUTEX_INITIALIZER;
static wlock *g_wlocks;

/* The statement cache: open addressing on the SQL text's address. */
#define HFN_STMT_SLOTS 512u

/*
 * Entry counts of the lists asked about lately (hfn_store_entry_counts). A count is a scan of
 * the list's rows (about 100 ms for 1M entries) and GET /v1/lists/{id} asks on every call,
 * on the main loop: a monitor polling a large list stalled the inbox (bench_sync profile:
 * 22 % of the platform's CPU). A memo of committed counts holds until a live entry expires
 * (until_ms), another connection of this process ends a transaction that wrote entries
 * (g_entries_settled; the node's entries are written by this process only), or this
 * connection rewrites, removes or clears an entry (full). Entries this connection added
 * above the highest id counted (appended: a batch, a publish) are counted on their own
 * (id > max_id, a range of the primary key) and added.
 */
#define HFN_COUNT_MEMOS 8u
typedef struct count_memo {
	hf_list_id list;
	bool valid, full, appended;
	uint64_t settled, own; /* g_entries_settled and the store's own share of it, then */
	uint64_t max_id;       /* highest entry id counted (0: none) */
	uint64_t until_ms;     /* the earliest expiry of a live entry after the count, or 0 */
	hfn_store_counts c;
} count_memo;

static _Atomic uint64_t g_entries_settled; /* transactions that wrote entries, ended */

struct hfn_store {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} stmts[HFN_STMT_SLOTS];
	bool entries_dirty;   /* entries written in the open transaction */
	uint64_t entries_own; /* this connection's share of g_entries_settled */
	count_memo memo[HFN_COUNT_MEMOS];
	unsigned memo_next;
	wlock *wl;    /* shared by this process's connections to the same path */
	bool wl_held; /* between hfn_store_begin and the end of that transaction */
};

static void entries_settle(hfn_store *s);

static wlock *wlock_get(const char *path)
{
	wlock *w;
	pthread_mutex_lock(&g_wlocks_mu);
	for (w = g_wlocks; w && strcmp(w->path, path) != 0; w = w->next)
		;
	if (!w) {
		size_t len = strlen(path) + 1;
		w = malloc(sizeof(*w) + len);
		if (w) {
			memcpy(w->path, path, len);
			pthread_mutex_init(&w->mu, NULL);
			w->refs = 0;
			w->next = g_wlocks;
			g_wlocks = w;
		}
	}
	if (w)
		w->refs++;
	pthread_mutex_unlock(&g_wlocks_mu);
	return w;
}

static void wlock_put(wlock *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&g_wlocks_mu);
	if (--w->refs == 0) {
		wlock **pp = &g_wlocks;
		while (*pp != w)
			pp = &(*pp)->next;
		*pp = w->next;
		pthread_mutex_destroy(&w->mu);
		free(w);
	}
	pthread_mutex_unlock(&g_wlocks_mu);
}

/* Busy handler for contention with other processes (and for statements run outside
 * hfn_store_begin): short sleeps growing from 50 us to 2 ms, giving up after 10 s. */
static int hfn_busy(void *arg, int count)
{
	(void)arg;
	long us = count < 6 ? 50L << count : 2000L;
	if (us > 2000)
		us = 2000;
	/* Sum of the steps reaches 10 s after about 5000 calls. */
	if (count > 5006)
		return 0;
	struct timespec ts = {0, us * 1000L};
	nanosleep(&ts, NULL);
	return 1;
}

static hf_err exec(hfn_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? HF_OK : HF_EDB;
}

int hfn_store_schema_version(hfn_store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Applies every migration above the stored version, each in its own transaction. */
static hf_err migrate(hfn_store *s)
{
	for (;;) {
		hf_err rc;
		char pragma[64];
		HF_TRY(exec(s, "BEGIN IMMEDIATE"));
		int v = hfn_store_schema_version(s);
		if (v < 0 || (size_t)v > N_MIGRATIONS) {
			hfn_store_rollback(s);
			return HF_EDB;
		}
		if ((size_t)v == N_MIGRATIONS)
			return exec(s, "COMMIT");
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
		HF_CHECK(exec(s, MIGRATIONS[v]));
		HF_CHECK(exec(s, pragma));
		HF_CHECK(exec(s, "COMMIT"));
		continue;
	out:
		hfn_store_rollback(s);
		return rc;
	}
}

/* Before SQLite's first use: no global allocation statistics. With them every SQLite
 * allocation of every connection (the main loop, each transport thread) takes one global
 * mutex, which the receive path's threads then queue on. */
static void sqlite_config(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

hf_err hfn_store_open(const char *path, hfn_store **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	hf_err rc = HF_EDB;
	hfn_store *s;
	*out = NULL;
	pthread_once(&once, sqlite_config);
	s = calloc(1, sizeof(*s));
	if (!s)
		return HF_ENOMEM;
	/* NOMUTEX: a connection (and its statement cache) belongs to one thread; the
	 * connection mutex was taken twice per statement (3 % of a platform's sync CPU). */
	if (sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		goto out;
	/* The store holds hash lists, orders and locators: owner only (issue 12). SQLite
	 * creates the -wal and -shm files with the database file's mode. */
	if (chmod(path, 0600) != 0) {
		rc = HF_EIO;
		goto out;
	}
	s->wl = wlock_get(path);
	if (!s->wl) {
		rc = HF_ENOMEM;
		goto out;
	}
	sqlite3_busy_handler(s->db, hfn_busy, NULL);
	/* WAL: readers never block the writer. FULL: a commit is on disk before we ack. */
	HF_CHECK(exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                 " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
	                 " PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=16384;"));
	HF_CHECK(migrate(s));
	/* The core statements are prepared now: a schema mismatch fails the open. */
	for (int i = 0; i < Q__N; i++) {
		if (!hfn_stmt(s, SQL[i])) {
			rc = HF_EDB;
			goto out;
		}
	}
	*out = s;
	return HF_OK;
out:
	hfn_store_close(s);
	return rc;
}

hf_err hfn_store_set_lazy(hfn_store *s)
{
	return exec(s, "PRAGMA synchronous=NORMAL");
}

sqlite3 *hfn_db(hfn_store *s)
{
	return s->db;
}

void hfn_store_close(hfn_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < HFN_STMT_SLOTS; i++)
		sqlite3_finalize(s->stmts[i].st);
	if (s->wl_held)
		pthread_mutex_unlock(&s->wl->mu);
	sqlite3_close(s->db);
	wlock_put(s->wl);
	free(s);
}

/* Releases the writer lock once the connection is back in autocommit mode. */
static void wl_release(hfn_store *s)
{
	if (s->wl_held && sqlite3_get_autocommit(s->db)) {
		s->wl_held = false;
		pthread_mutex_unlock(&s->wl->mu);
	}
}

hf_err hfn_store_begin(hfn_store *s)
{
	if (!s->wl_held) {
		/* Bounded like the busy timeout it replaces: a stuck holder is an error. */
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 10;
		if (pthread_mutex_timedlock(&s->wl->mu, &dl) != 0)
			return HF_EDB;
		s->wl_held = true;
	}
	hf_err rc = exec(s, "BEGIN IMMEDIATE");
	wl_release(s);
	return rc;
}

hf_err hfn_store_commit(hfn_store *s)
{
	hf_err rc = exec(s, "COMMIT");
	entries_settle(s);
	wl_release(s);
	return rc;
}

void hfn_store_rollback(hfn_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	entries_settle(s);
	wl_release(s);
}

hf_err hfn_store_savepoint(hfn_store *s)
{
	return exec(s, "SAVEPOINT hfn_sp");
}

hf_err hfn_store_release(hfn_store *s)
{
	return exec(s, "RELEASE hfn_sp");
}

void hfn_store_rollback_to(hfn_store *s)
{
	(void)sqlite3_exec(s->db, "ROLLBACK TO hfn_sp; RELEASE hfn_sp", NULL, NULL, NULL);
}

/* ---- statement helpers ------------------------------------------------ */

sqlite3_stmt *hfn_stmt(hfn_store *s, const char *sql)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15ull;
	for (size_t k = 0; k < HFN_STMT_SLOTS; k++) {
		size_t i = (size_t)((h >> 40) + k) % HFN_STMT_SLOTS;
		if (s->stmts[i].sql == sql) {
			sqlite3_reset(s->stmts[i].st);
			sqlite3_clear_bindings(s->stmts[i].st);
			return s->stmts[i].st;
		}
		if (!s->stmts[i].sql) {
			if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			                       &s->stmts[i].st, NULL) != SQLITE_OK) {
				sqlite3_finalize(s->stmts[i].st);
				s->stmts[i].st = NULL;
				return NULL;
			}
			s->stmts[i].sql = sql;
			return s->stmts[i].st;
		}
	}
	return NULL; /* full: more distinct statements than HFN_STMT_SLOTS */
}

void hfn_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	if (p)
		sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void hfn_bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

uint64_t hfn_col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

void hfn_col_copy(sqlite3_stmt *st, int i, void *dst, size_t n)
{
	const void *p = sqlite3_column_blob(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);
	memset(dst, 0, n);
	if (p)
		memcpy(dst, p, len < n ? len : n);
}

hf_err hfn_step_done(sqlite3_stmt *st)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_DONE ? HF_OK : HF_EDB;
}

hf_err hfn_step_changed(hfn_store *s, sqlite3_stmt *st)
{
	HF_TRY(hfn_step_done(st));
	return sqlite3_changes(s->db) > 0 ? HF_OK : HF_ENOTFOUND;
}

hf_err hfn_rows_end(sqlite3_stmt *st, hf_err rc, int r)
{
	sqlite3_reset(st);
	return rc == HF_OK && r != SQLITE_DONE && r != SQLITE_ROW ? HF_EDB : rc;
}

char *hfn_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

sqlite3_stmt *hfn_bound(hfn_store *s, const char *sql, const hfn_arg *a, size_t n)
{
	sqlite3_stmt *st = hfn_stmt(s, sql);
	for (size_t i = 0; st && i < n; i++) {
		int k = (int)i + 1;
		if (a[i].kind == HFN_ARG_U64)
			hfn_bind_u64(st, k, a[i].u);
		else if (a[i].kind == HFN_ARG_BLOB)
			hfn_bind_blob(st, k, a[i].p, a[i].n);
		else
			sqlite3_bind_text(st, k, a[i].p, a[i].n == SIZE_MAX ? -1 : (int)a[i].n,
			                  SQLITE_STATIC);
	}
	return st;
}

hf_err hfn_exec(hfn_store *s, const char *sql, const hfn_arg *a, size_t n)
{
	sqlite3_stmt *st = hfn_bound(s, sql, a, n);
	return st ? hfn_step_done(st) : HF_EDB;
}

hf_err hfn_exec_changed(hfn_store *s, const char *sql, const hfn_arg *a, size_t n)
{
	HF_TRY(hfn_exec(s, sql, a, n));
	return sqlite3_changes(s->db) > 0 ? HF_OK : HF_ENOTFOUND;
}

hf_err hfn_row(hfn_store *s, sqlite3_stmt **st, const char *sql, const hfn_arg *a, size_t n)
{
	if (!(*st = hfn_bound(s, sql, a, n)))
		return HF_EDB;
	int r = sqlite3_step(*st);
	if (r == SQLITE_ROW)
		return HF_OK;
	sqlite3_reset(*st);
	return r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
}

/* Column 0 of sql's first row into *v (0 if none), whether it has one into *any; either
 * may be NULL. */
static hf_err first_row(hfn_store *s, const char *sql, uint64_t *v, bool *any, const hfn_arg *a,
                        size_t n)
{
	sqlite3_stmt *st;
	hf_err rc = hfn_row(s, &st, sql, a, n);
	if (v)
		*v = rc == HF_OK ? hfn_col_u64(st, 0) : 0;
	if (any)
		*any = rc == HF_OK;
	if (rc == HF_OK)
		sqlite3_reset(st);
	return rc == HF_ENOTFOUND ? HF_OK : rc;
}

hf_err hfn_get_u64(hfn_store *s, const char *sql, uint64_t *v, const hfn_arg *a, size_t n)
{
	return first_row(s, sql, v, NULL, a, n);
}

hf_err hfn_any_row(hfn_store *s, const char *sql, bool *any, const hfn_arg *a, size_t n)
{
	return first_row(s, sql, NULL, any, a, n);
}

hf_err hfn_each_row(hfn_store *s, const char *sql, hfn_row_fn fn, void *ctx, const hfn_arg *a,
                    size_t n)
{
	sqlite3_stmt *st = hfn_bound(s, sql, a, n);
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(ctx, st);
	return hfn_rows_end(st, rc, r);
}

/* ---- lists ------------------------------------------------------------- */

static void list_row(sqlite3_stmt *st, hfn_store_list *l)
{
	memset(l, 0, sizeof(*l));
	HFN_COL_ID(st, 0, &l->id);
	const unsigned char *name = sqlite3_column_text(st, 1);
	if (name)
		snprintf(l->name, sizeof(l->name), "%s", (const char *)name);
	l->category = (uint32_t)sqlite3_column_int64(st, 2);
	l->algs = (uint32_t)sqlite3_column_int64(st, 3);
	hfn_col_copy(st, 4, l->issuer, sizeof(l->issuer));
	l->mine = sqlite3_column_int(st, 5) != 0;
	l->head_n = hfn_col_u64(st, 6);
	hfn_col_copy(st, 7, l->head_hash, sizeof(l->head_hash));
	l->next_id = hfn_col_u64(st, 8);
	l->snap_part = (uint32_t)sqlite3_column_int64(st, 9);
}

static hf_err list_one(sqlite3_stmt *st, hfn_store_list *out)
{
	int r = sqlite3_step(st);
	hf_err rc = HF_OK;
	if (r == SQLITE_ROW)
		list_row(st, out);
	else
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_list_get(hfn_store *s, const hf_list_id *id, hfn_store_list *out)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_LIST_GET]);
	HFN_BIND_ID(st, 1, id);
	return list_one(st, out);
}

hf_err hfn_store_list_by_name(hfn_store *s, const char *name, hfn_store_list *out)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_LIST_BY_NAME]);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return list_one(st, out);
}

hf_err hfn_store_list_put(hfn_store *s, const hfn_store_list *l)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_LIST_PUT]);
	HFN_BIND_ID(st, 1, &l->id);
	sqlite3_bind_text(st, 2, l->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, l->category);
	sqlite3_bind_int64(st, 4, l->algs);
	hfn_bind_blob(st, 5, l->issuer, sizeof(l->issuer));
	sqlite3_bind_int(st, 6, l->mine);
	hfn_bind_u64(st, 7, l->head_n);
	hfn_bind_blob(st, 8, l->head_hash, sizeof(l->head_hash));
	hfn_bind_u64(st, 9, l->next_id);
	sqlite3_bind_int64(st, 10, l->snap_part);
	return hfn_step_done(st);
}

hf_err hfn_store_lists(hfn_store *s, hfn_store_list_cb cb, void *ctx)
{
	/* Collected first: the callback may use the store (statements are shared). */
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_LISTS]);
	hfn_store_list *v = NULL;
	size_t n = 0, cap = 0;
	hf_err rc = HF_OK;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			hfn_store_list *nv = realloc(v, nc * sizeof(*v));
			if (!nv) {
				rc = HF_ENOMEM;
				goto out;
			}
			v = nv;
			cap = nc;
		}
		list_row(st, &v[n++]);
	}
	if (r != SQLITE_DONE) {
		rc = HF_EDB;
		goto out;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++)
		HF_CHECK(cb(ctx, &v[i]));
out:
	sqlite3_reset(st);
	free(v);
	return rc;
}

hf_err hfn_store_entitle(hfn_store *s, const hf_list_id *list, const uint8_t member[HFN_MEMBER_LEN])
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTITLE]);
	HFN_BIND_ID(st, 1, list);
	hfn_bind_blob(st, 2, member, HFN_MEMBER_LEN);
	return hfn_step_done(st);
}

hf_err hfn_store_entitled(hfn_store *s, const hf_list_id *list, uint8_t (*members)[HFN_MEMBER_LEN],
                          size_t max, size_t *n)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTITLED]);
	int r;
	*n = 0;
	HFN_BIND_ID(st, 1, list);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		hfn_col_copy(st, 0, members[(*n)++], HFN_MEMBER_LEN);
	sqlite3_reset(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? HF_OK : HF_EDB;
}

hf_err hfn_store_list_check_entitled(hfn_store *s, const hf_list_id *list,
                                     const uint8_t member[HFN_MEMBER_LEN], hfn_store_list *l,
                                     hf_err *status)
{
	bool entitled = false;
	hf_err rc = hfn_store_list_get(s, list, l);
	if (rc == HF_ENOTFOUND || (rc == HF_OK && !l->mine)) {
		*status = HF_ENOTFOUND; /* only the issuer hears about its list */
		return HF_OK;
	}
	HF_TRY(rc);
	HF_TRY(hfn_any_row(s, "SELECT 1 FROM list_platforms WHERE list_id=?1 AND member=?2",
	                   &entitled, HFN_ARGS(HFN_ID(list), HFN_BLOB(member, HFN_MEMBER_LEN))));
	*status = entitled ? HF_OK : HF_ENOTENTITLED;
	return HF_OK;
}

/* ---- entries ------------------------------------------------------------ */

/* ---- entry count memos (struct count_memo) ---- */

static count_memo *memo_of(hfn_store *s, const hf_list_id *list)
{
	for (unsigned i = 0; i < HFN_COUNT_MEMOS; i++)
		if (s->memo[i].valid && hf_list_id_eq(&s->memo[i].list, list))
			return &s->memo[i];
	return NULL;
}

/* Before this connection writes an entry of list: id, or 0 for a removal or a clear. */
static void memo_write(hfn_store *s, const hf_list_id *list, uint64_t id)
{
	count_memo *m = memo_of(s, list);
	s->entries_dirty = true;
	if (m && id > m->max_id)
		m->appended = true;
	else if (m)
		m->full = true;
}

/* After a write or the end of a transaction: once the connection is out of its transaction,
 * the other connections' memos learn that entries changed. */
static void entries_settle(hfn_store *s)
{
	if (s->entries_dirty && sqlite3_get_autocommit(s->db)) {
		s->entries_dirty = false;
		s->entries_own++;
		atomic_fetch_add(&g_entries_settled, 1);
	}
}

/* Binds e as the row whose first parameter is p (8 parameters per row). */
static void entry_bind(sqlite3_stmt *st, int p, const hf_list_id *list, const hf_list_entry *e)
{
	HFN_BIND_ID(st, p, list);
	hfn_bind_u64(st, p + 1, e->id);
	sqlite3_bind_int(st, p + 2, e->alg);
	/* A video entry's value column holds its frame records (spec §12.2), n * 41 bytes. */
	if (e->alg == HF_ALG_VPDQ)
		hfn_bind_blob(st, p + 3, e->frames, (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN);
	else
		hfn_bind_blob(st, p + 3, e->value, hf_hash_alg_len(e->alg));
	sqlite3_bind_int(st, p + 4, e->quality);
	sqlite3_bind_int(st, p + 5, e->category);
	hfn_bind_u64(st, p + 6, e->expires_ms);
	hfn_bind_blob(st, p + 7, e->pseudonym, HF_PSEUDONYM_LEN);
}

hf_err hfn_store_entry_put(hfn_store *s, const hf_list_id *list, const hf_list_entry *e)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTRY_PUT]);
	hf_err rc;
	memo_write(s, list, e->id);
	entry_bind(st, 1, list, e);
	rc = hfn_step_done(st);
	entries_settle(s);
	return rc;
}

#define ENTRY_ROW "(?,?,?,?,?,?,?,?,0)"
#define ENTRY_R4  ENTRY_ROW "," ENTRY_ROW "," ENTRY_ROW "," ENTRY_ROW
#define ENTRY_R16 ENTRY_R4 "," ENTRY_R4 "," ENTRY_R4 "," ENTRY_R4
/* Rows in the order given: a later duplicate id replaces an earlier one, as one by one. */
static const char ENTRIES_PUT[] = "INSERT OR REPLACE INTO entries VALUES" ENTRY_R16 "," ENTRY_R16;
_Static_assert(HFN_STORE_ENTRY_ROWS == 32, "ENTRIES_PUT has 32 rows");

hf_err hfn_store_entries_put(hfn_store *s, const hf_list_id *list, const hf_list_entry *e, size_t n)
{
	/* One statement per 32 rows: a 100k-entry batch spent a third of its SQLite time
	 * stepping, resetting and re-binding the one-row statement (bench_sync profile). */
	size_t i = 0;
	for (; i + HFN_STORE_ENTRY_ROWS <= n; i += HFN_STORE_ENTRY_ROWS) {
		sqlite3_stmt *st = hfn_stmt(s, ENTRIES_PUT);
		if (!st)
			return HF_EDB;
		uint64_t lo = UINT64_MAX, hi = 0;
		for (size_t j = 0; j < HFN_STORE_ENTRY_ROWS; j++) {
			entry_bind(st, (int)(j * 8 + 1), list, &e[i + j]);
			lo = e[i + j].id < lo ? e[i + j].id : lo;
			hi = e[i + j].id > hi ? e[i + j].id : hi;
		}
		/* As memo_write per row: rewritten if any id is counted, appended if any is not. */
		memo_write(s, list, lo);
		memo_write(s, list, hi);
		hf_err rc = hfn_step_done(st);
		entries_settle(s);
		HF_TRY(rc);
	}
	for (; i < n; i++)
		HF_TRY(hfn_store_entry_put(s, list, &e[i]));
	return HF_OK;
}

hf_err hfn_store_entry_remove(hfn_store *s, const hf_list_id *list, uint64_t id, uint64_t batch)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTRY_REMOVE]);
	memo_write(s, list, 0);
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, id);
	hfn_bind_u64(st, 3, batch ? batch : 1);
	hf_err rc = hfn_step_done(st);
	entries_settle(s);
	HF_TRY(rc);
	return sqlite3_changes(s->db) ? HF_OK : HF_ENOTFOUND;
}

hf_err hfn_store_entries_clear(hfn_store *s, const hf_list_id *list)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTRIES_CLEAR]);
	memo_write(s, list, 0);
	HFN_BIND_ID(st, 1, list);
	hf_err rc = hfn_step_done(st);
	entries_settle(s);
	return rc;
}

hf_err hfn_store_entries_active(hfn_store *s, const hf_list_id *list, uint64_t now_ms,
                                uint64_t after, size_t limit, hfn_store_entry_cb cb, void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTRIES_ACTIVE]);
	hf_list_entry e;
	hf_err rc = HF_OK;
	int r;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, now_ms);
	hfn_bind_u64(st, 3, after);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.id = hfn_col_u64(st, 0);
		e.alg = (uint8_t)sqlite3_column_int(st, 1);
		if (e.alg == HF_ALG_VPDQ) {
			/* Frames point into the row: valid during the callback only. */
			e.frames = sqlite3_column_blob(st, 2);
			e.n_frames = (uint32_t)((size_t)sqlite3_column_bytes(st, 2) /
			                        HF_LIST_VIDEO_FRAME_LEN);
			if (!e.frames || e.n_frames == 0 || e.n_frames > HF_LIST_MAX_VIDEO_FRAMES) {
				rc = HF_EDB; /* only the node writes this column */
				goto out;
			}
		} else {
			hfn_col_copy(st, 2, e.value, sizeof(e.value));
		}
		e.quality = (uint8_t)sqlite3_column_int(st, 3);
		e.category = (uint16_t)sqlite3_column_int(st, 4);
		e.expires_ms = hfn_col_u64(st, 5);
		hfn_col_copy(st, 6, e.pseudonym, sizeof(e.pseudonym));
		/* The callback must not use this store handle (the statement is live). */
		HF_CHECK(cb(ctx, &e));
	}
	if (r != SQLITE_DONE)
		rc = HF_EDB;
out:
	sqlite3_reset(st);
	return rc;
}

/* One count query (Q_ENTRY_COUNTS, or Q_ENTRY_COUNTS_AFTER with after): *c, the highest id
 * and the earliest future expiry of a live entry (0 if none) among the rows counted. */
static hf_err count_rows(hfn_store *s, const hf_list_id *list, uint64_t now_ms,
                         const uint64_t *after, hfn_store_counts *c, uint64_t *max_id,
                         uint64_t *until_ms)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[after ? Q_ENTRY_COUNTS_AFTER : Q_ENTRY_COUNTS]);
	hf_err rc = HF_EDB;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, now_ms);
	if (after)
		hfn_bind_u64(st, 3, *after);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->total = hfn_col_u64(st, 0);
		c->removed = hfn_col_u64(st, 1);
		c->expired = hfn_col_u64(st, 2);
		*until_ms = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : hfn_col_u64(st, 3);
		*max_id = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : hfn_col_u64(st, 4);
		rc = HF_OK;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_entry_counts(hfn_store *s, const hf_list_id *list, uint64_t now_ms,
                              hfn_store_counts *c)
{
	count_memo *m = memo_of(s, list), fresh;
	uint64_t settled = atomic_load(&g_entries_settled);
	/* Usable: no other connection's entry writes ended since, no live entry expired. */
	bool usable = m && !m->full && settled - m->settled == s->entries_own - m->own &&
	              (m->until_ms == 0 || now_ms < m->until_ms);
	if (usable && !m->appended) {
		*c = m->c;
		return HF_OK;
	}
	memset(&fresh, 0, sizeof(fresh));
	if (usable) {
		hfn_store_counts d;
		uint64_t max_id, until;
		fresh = *m;
		HF_TRY(count_rows(s, list, now_ms, &m->max_id, &d, &max_id, &until));
		fresh.c.total += d.total;
		fresh.c.removed += d.removed;
		fresh.c.expired += d.expired;
		if (max_id > fresh.max_id)
			fresh.max_id = max_id;
		if (until && (fresh.until_ms == 0 || until < fresh.until_ms))
			fresh.until_ms = until;
	} else {
		/* settled is read before the count: an end racing with it makes the memo stale. */
		HF_TRY(count_rows(s, list, now_ms, NULL, &fresh.c, &fresh.max_id, &fresh.until_ms));
	}
	fresh.c.active = fresh.c.total - fresh.c.removed - fresh.c.expired;
	*c = fresh.c;
	/* Only committed state is remembered: a transaction may still roll back. */
	if (sqlite3_get_autocommit(s->db)) {
		if (!m)
			m = &s->memo[s->memo_next++ % HFN_COUNT_MEMOS];
		fresh.list = *list;
		fresh.valid = true;
		fresh.full = fresh.appended = false;
		fresh.settled = settled;
		fresh.own = s->entries_own;
		*m = fresh;
	}
	return HF_OK;
}

hf_err hfn_store_entry_live(hfn_store *s, const hf_list_id *list, uint64_t id, bool *live)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_ENTRY_LIVE]);
	int r;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, id);
	r = sqlite3_step(st);
	*live = r == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0;
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? HF_OK : HF_EDB;
}

/* ---- batches ------------------------------------------------------------ */

hf_err hfn_store_batch_put(hfn_store *s, const hf_list_id *list, uint64_t n,
                           const uint8_t hash[HF_LIST_HASH_LEN], const uint8_t *env, size_t len)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_BATCH_PUT]);
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, n);
	hfn_bind_blob(st, 3, hash, HF_LIST_HASH_LEN);
	hfn_bind_blob(st, 4, env, len);
	return hfn_step_done(st);
}

hf_err hfn_store_batches_after(hfn_store *s, const hf_list_id *list, uint64_t after,
                               const uint8_t peer[HFN_MEMBER_LEN], size_t limit,
                               hfn_store_blob_cb cb, void *ctx)
{
	/* The numbers first: the callback queues into the outbox on this handle. Then one
	 * envelope at a time (up to limit of them, megabytes each). */
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_BATCHES_AFTER]);
	uint64_t *v = NULL;
	size_t n = 0;
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	v = calloc(limit ? limit : 1, sizeof(*v));
	if (!v)
		return HF_ENOMEM;
	HFN_BIND_ID(st, 1, list);
	hfn_bind_u64(st, 2, after);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	hfn_bind_blob(st, 4, peer, HFN_MEMBER_LEN);
	while (n < limit && (r = sqlite3_step(st)) == SQLITE_ROW)
		v[n++] = hfn_col_u64(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = HF_EDB;
	for (size_t i = 0; rc == HF_OK && i < n; i++) {
		uint8_t *env = NULL;
		size_t len = 0;
		st = hfn_stmt(s, SQL[Q_BATCH_ENV]);
		HFN_BIND_ID(st, 1, list);
		hfn_bind_u64(st, 2, v[i]);
		rc = HF_EDB;
		if (sqlite3_step(st) == SQLITE_ROW) {
			len = (size_t)sqlite3_column_bytes(st, 0);
			env = malloc(len ? len : 1);
			rc = env ? HF_OK : HF_ENOMEM;
			if (env && len)
				memcpy(env, sqlite3_column_blob(st, 0), len);
		}
		sqlite3_reset(st);
		if (rc == HF_OK)
			rc = cb(ctx, v[i], env, len);
		free(env);
	}
	free(v);
	return rc;
}

hf_err hfn_store_outbox_rearm_list(hfn_store *s, const uint8_t peer[HFN_MEMBER_LEN],
                                   const hf_list_id *list, uint64_t after, uint64_t now_ms)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_REARM_LIST]);
	hfn_bind_blob(st, 1, peer, HFN_MEMBER_LEN);
	HFN_BIND_ID(st, 2, list);
	hfn_bind_u64(st, 3, after);
	hfn_bind_u64(st, 4, now_ms);
	return hfn_step_done(st);
}

/* ---- outbox ------------------------------------------------------------- */

hf_err hfn_store_outbox_add(hfn_store *s, const hf_msg_id *msg_id,
                            const uint8_t peer[HFN_MEMBER_LEN], const hf_list_id *list, uint64_t n,
                            const uint8_t *env, size_t len, uint64_t now_ms)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_ADD]);
	HFN_BIND_ID(st, 1, msg_id);
	hfn_bind_blob(st, 2, peer, HFN_MEMBER_LEN);
	hfn_bind_blob(st, 3, list ? list->b : NULL, list ? sizeof list->b : 0);
	if (list)
		hfn_bind_u64(st, 4, n);
	hfn_bind_blob(st, 5, env, len);
	hfn_bind_u64(st, 6, now_ms);
	HF_TRY(hfn_step_done(st));
	if (sqlite3_changes(s->db))
		return HF_OK;
	st = hfn_stmt(s, SQL[Q_OUT_REARM]);
	HFN_BIND_ID(st, 1, msg_id);
	hfn_bind_blob(st, 2, peer, HFN_MEMBER_LEN);
	hfn_bind_u64(st, 3, now_ms);
	return hfn_step_done(st);
}

hf_err hfn_store_outbox_rearm_peer(hfn_store *s, const uint8_t peer[HFN_MEMBER_LEN],
                                   uint64_t now_ms)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_REARM_PEER]);
	hfn_bind_blob(st, 1, peer, HFN_MEMBER_LEN);
	hfn_bind_u64(st, 2, now_ms);
	return hfn_step_done(st);
}

hf_err hfn_store_outbox_next(hfn_store *s, uint64_t now_ms, hfn_store_out *o, uint64_t *next_ms)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_NEXT]);
	hf_err rc = HF_ENOTFOUND;
	int r;
	memset(o, 0, sizeof(*o));
	hfn_bind_u64(st, 1, now_ms);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		o->seq = sqlite3_column_int64(st, 0);
		HFN_COL_ID(st, 1, &o->msg_id);
		hfn_col_copy(st, 2, o->peer, HFN_MEMBER_LEN);
		o->attempts = (uint32_t)sqlite3_column_int(st, 3);
		o->len = (size_t)sqlite3_column_bytes(st, 4);
		o->env = malloc(o->len ? o->len : 1);
		rc = o->env ? HF_OK : HF_ENOMEM;
		if (o->env)
			memcpy(o->env, sqlite3_column_blob(st, 4), o->len);
	} else if (r != SQLITE_DONE) {
		rc = HF_EDB;
	}
	sqlite3_reset(st);
	if (rc == HF_ENOTFOUND && next_ms) {
		st = hfn_stmt(s, SQL[Q_OUT_NEXT_DUE]);
		*next_ms = UINT64_MAX;
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			*next_ms = hfn_col_u64(st, 0);
		sqlite3_reset(st);
	}
	return rc;
}

/* Reads the attempts and the envelope of row o->seq into o. */
static hf_err out_load(hfn_store *s, hfn_store_out *o)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_ENV]);
	hf_err rc = HF_EDB;
	sqlite3_bind_int64(st, 1, o->seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		o->attempts = (uint32_t)sqlite3_column_int(st, 0);
		o->len = (size_t)sqlite3_column_bytes(st, 1);
		o->env = malloc(o->len ? o->len : 1);
		rc = o->env ? HF_OK : HF_ENOMEM;
		if (o->env && o->len)
			memcpy(o->env, sqlite3_column_blob(st, 1), o->len);
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_outbox_due(hfn_store *s, uint64_t now_ms, hfn_store_out *out, size_t max,
                            size_t *n)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_DUE]);
	hf_err rc = HF_OK;
	int r = SQLITE_DONE;
	*n = 0;
	hfn_bind_u64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hfn_store_out *o = &out[*n];
		memset(o, 0, sizeof(*o));
		o->seq = sqlite3_column_int64(st, 0);
		HFN_COL_ID(st, 1, &o->msg_id);
		hfn_col_copy(st, 2, o->peer, HFN_MEMBER_LEN);
		o->has_list = sqlite3_column_bytes(st, 3) == HF_LIST_ID_LEN;
		if (o->has_list)
			HFN_COL_ID(st, 3, &o->list);
		(*n)++;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	/* A later batch of a list to the same peer waits for the earlier one (the sender keeps
	 * them in order): its envelope, megabytes for a large batch, is not read now. */
	for (size_t i = 0; rc == HF_OK && i < *n; i++) {
		bool later = false;
		for (size_t j = 0; j < i && !later; j++)
			later = out[i].has_list && out[j].has_list &&
			        memcmp(out[j].peer, out[i].peer, HFN_MEMBER_LEN) == 0 &&
			        hf_list_id_eq(&out[j].list, &out[i].list);
		if (!later)
			rc = out_load(s, &out[i]);
	}
	if (rc != HF_OK) {
		for (size_t i = 0; i < *n; i++)
			free(out[i].env);
		*n = 0;
	}
	return rc;
}

hf_err hfn_store_outbox_done(hfn_store *s, int64_t seq, uint64_t now_ms)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_DONE]);
	sqlite3_bind_int64(st, 1, seq);
	hfn_bind_u64(st, 2, now_ms ? now_ms : 1);
	return hfn_step_done(st);
}

hf_err hfn_store_outbox_retry(hfn_store *s, int64_t seq, uint64_t next_ms, const char *status)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_RETRY]);
	sqlite3_bind_int64(st, 1, seq);
	hfn_bind_u64(st, 2, next_ms);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	hf_err rc = hfn_step_done(st);
	if (rc != HF_OK || next_ms == 0)
		return rc; /* given up for good: it holds nothing back */
	st = hfn_stmt(s, SQL[Q_OUT_HOLD]);
	sqlite3_bind_int64(st, 1, seq);
	hfn_bind_u64(st, 2, next_ms);
	return hfn_step_done(st);
}

hf_err hfn_store_outbox_expire(hfn_store *s, int64_t seq, const char *status)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_EXPIRE]);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	return hfn_step_done(st);
}

hf_err hfn_store_outbox_undeliverable(hfn_store *s, size_t max, hfn_store_undeliverable_cb cb,
                                      void *ctx, size_t *total)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_OUT_UNDELIVERABLE]);
	uint8_t peer[HFN_MEMBER_LEN];
	hf_msg_id msg_id;
	hf_err rc = HF_OK;
	int r;
	*total = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*total < max) {
			const unsigned char *code = sqlite3_column_text(st, 2);
			hfn_col_copy(st, 0, peer, sizeof(peer));
			HFN_COL_ID(st, 1, &msg_id);
			HF_CHECK(cb(ctx, peer, &msg_id, code ? (const char *)code : "",
			            (uint32_t)sqlite3_column_int(st, 3)));
		}
		(*total)++;
	}
	if (r != SQLITE_DONE)
		rc = HF_EDB;
out:
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_delivery(hfn_store *s, hfn_store_delivery_cb cb, void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_DELIVERY]);
	hf_list_id list;
	uint8_t peer[HFN_MEMBER_LEN];
	hf_err rc = HF_OK;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		HFN_COL_ID(st, 0, &list);
		hfn_col_copy(st, 1, peer, sizeof(peer));
		HF_CHECK(cb(ctx, &list, peer, hfn_col_u64(st, 2), hfn_col_u64(st, 3),
		            hfn_col_u64(st, 4)));
	}
	if (r != SQLITE_DONE)
		rc = HF_EDB;
out:
	sqlite3_reset(st);
	return rc;
}

/* ---- inbox -------------------------------------------------------------- */

hf_err hfn_store_inbox_add(hfn_store *s, const hf_msg_id *msg_id,
                           const uint8_t peer[HFN_MEMBER_LEN], uint32_t type, const uint8_t *env,
                           size_t len, uint64_t now_ms, bool *dup, int64_t *seq)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_ADD]);
	HFN_BIND_ID(st, 1, msg_id);
	hfn_bind_blob(st, 2, peer, peer ? HFN_MEMBER_LEN : 0);
	sqlite3_bind_int64(st, 3, type);
	hfn_bind_blob(st, 4, env, len);
	hfn_bind_u64(st, 5, now_ms);
	HF_TRY(hfn_step_done(st));
	*dup = sqlite3_changes(s->db) == 0;
	if (seq)
		*seq = *dup ? 0 : (int64_t)sqlite3_last_insert_rowid(s->db);
	return HF_OK;
}

hf_err hfn_store_inbox_pending(hfn_store *s, int64_t after, int64_t *seqs, size_t max, size_t *n)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_PENDING]);
	int r = SQLITE_DONE;
	*n = 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 2, after);
	while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW)
		seqs[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? HF_OK : HF_EDB;
}

hf_err hfn_store_inbox_get(hfn_store *s, int64_t seq, uint8_t **env, size_t *len)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_ONE]);
	hf_err rc = HF_ENOTFOUND;
	*env = NULL;
	*len = 0;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*env = malloc(*len ? *len : 1);
		rc = *env ? HF_OK : HF_ENOMEM;
		if (*env)
			memcpy(*env, sqlite3_column_blob(st, 0), *len);
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_inbox_done(hfn_store *s, int64_t seq, const char *status)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_DONE]);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	return hfn_step_done(st);
}

hf_err hfn_store_inbox_count_pending(hfn_store *s, size_t *n)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_COUNT]);
	hf_err rc = HF_EDB;
	*n = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = (size_t)sqlite3_column_int64(st, 0);
		rc = HF_OK;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_inbox_park(hfn_store *s, int64_t seq)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_PARK]);
	sqlite3_bind_int64(st, 1, seq);
	return hfn_step_done(st);
}

hf_err hfn_store_inbox_keep(hfn_store *s, int64_t seq, const uint8_t *env, size_t len)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_IN_KEEP]);
	sqlite3_bind_int64(st, 1, seq);
	hfn_bind_blob(st, 2, env, len);
	return hfn_step_done(st);
}

hf_err hfn_store_inbox_unpark(hfn_store *s)
{
	return hfn_step_done(hfn_stmt(s, SQL[Q_IN_UNPARK]));
}

/* ---- counters ----------------------------------------------------------- */

hf_err hfn_store_count(hfn_store *s, const char *name, const char *label, int64_t delta)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_COUNT]);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, delta);
	return hfn_step_done(st);
}

hf_err hfn_store_counters(hfn_store *s, hfn_store_counter_cb cb, void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, SQL[Q_COUNTERS]);
	hf_err rc = HF_OK;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		HF_CHECK(cb(ctx, (const char *)sqlite3_column_text(st, 0),
		            (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2)));
	}
	if (r != SQLITE_DONE)
		rc = HF_EDB;
out:
	sqlite3_reset(st);
	return rc;
}
