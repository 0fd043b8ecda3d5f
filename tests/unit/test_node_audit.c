/* node/audit/tlog.c over a real SQLite store: appends in batches (tiles written once per
 * batch), roots equal to an independent in-memory tree at every size, inclusion and
 * consistency proofs from the stored tiles that verify, reload after a rollback and
 * after reopening the file; store_audit.c's queue, wants and alarms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/tlog.h"
#include "envelope_internal.h"
#include "hashfed/audit_log.h"
#include "hf_merkle_mem.h"
#include "hf_test.h"
#include "mp.h"
#include "store/store_audit.h"
#include <sqlite3.h>

typedef struct fx {
	char path[256];
	hfn_store *s;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/hf_test_audit_%d.db", (int)getpid());
	unlink(f->path);
	if (hfn_store_open(f->path, &f->s) != HF_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char p[300];
	hfn_store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* A canonical ORDER header whose message id encodes i. */
static size_t header(uint64_t i, uint8_t *out, size_t cap)
{
	hf_envelope_header *h = calloc(1, sizeof(*h));
	hf_writer w;
	hfi_mp_enc e;
	uint8_t *p;
	size_t n;
	h->version = 1;
	h->type = HF_MSG_ORDER;
	for (int k = 0; k < 8; k++)
		h->msg_id.b[k] = (uint8_t)(i >> (8 * k));
	memset(h->sender.b, 0x11, sizeof h->sender.b);
	h->n_recipients = 1;
	memset(h->recipients[0].b, 0x22, sizeof h->recipients[0].b);
	h->created_ms = 1790000000000ull + i;
	h->expires_ms = h->created_ms + 3600000;
	memset(h->federation.b, 0xfe, sizeof h->federation.b);
	h->epoch = 1;
	h->audit.fields = HF_AUDIT_SUBJECT | HF_AUDIT_ITEMS;
	memcpy(h->audit.subject, h->msg_id.b, sizeof h->audit.subject);
	h->audit.items = 1;
	hf_writer_init(&w, 8192);
	hfi_mp_enc_init(&e, &w);
	assert_int_equal(hfi_env_header_encode(&e, h), HF_OK);
	assert_int_equal(hf_writer_take(&w, &p, &n), HF_OK);
	assert_true(n <= cap);
	memcpy(out, p, n);
	free(p);
	free(h);
	return n;
}

/* Appends [from, to) in one transaction, mirroring each leaf into the memory tree. */
static void append(fx *f, hfn_tlog *t, hf_mem_tree *m, uint64_t from, uint64_t to)
{
	static const uint8_t sub[16] = {7};
	static const hf_key_id snd = {{0x11}};
	uint8_t hdr[512], leaf[HF_AUDIT_LEAF_MAX_SIZE];
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	for (uint64_t i = from; i < to; i++) {
		size_t hl = header(i, hdr, sizeof(hdr)), ll;
		uint64_t idx;
		hf_msg_id mid = {{0}};
		for (int k = 0; k < 8; k++)
			mid.b[k] = (uint8_t)(i >> (8 * k));
		assert_int_equal(
		    hfn_tlog_append(t, &snd, &mid, sub, 1790000000000ull, hdr, hl, &idx), HF_OK);
		assert_int_equal(idx, i);
		assert_int_equal(
		    hf_audit_leaf_encode(1790000000000ull, hdr, hl, leaf, sizeof(leaf), &ll),
		    HF_OK);
		assert_int_equal(hf_mem_tree_append_leaf(m, leaf, ll), HF_OK);
	}
	assert_int_equal(hfn_tlog_flush(t), HF_OK);
	assert_int_equal(hfn_store_commit(f->s), HF_OK);
}

static void check_root(hfn_tlog *t, hf_mem_tree *m)
{
	uint8_t a[32], b[32];
	assert_int_equal(hfn_tlog_root(t, a), HF_OK);
	assert_int_equal(hf_merkle_compact_root(&m->c, b), HF_OK);
	assert_memory_equal(a, b, 32);
}

/* Counts leaf rows, checking they come in index order. */
static hf_err rows_cb(void *ctx, uint64_t idx, const uint8_t *submitter, const uint8_t *leaf,
                      size_t len)
{
	uint64_t *n = ctx;
	(void)submitter;
	(void)leaf;
	(void)len;
	if (idx != *n)
		return HF_EINVAL;
	(*n)++;
	return HF_OK;
}

static void tree_over_store(void **state)
{
	fx *f = *state;
	hfn_tlog *t;
	hf_mem_tree m;
	uint8_t proof[HF_MERKLE_MAX_PROOF][32], root[32], lh[32], hdr[512], leaf[8192];
	size_t np, ll;
	hf_mem_tree_init(&m);
	assert_int_equal(hfn_tlog_open(f->s, &t), HF_OK);
	assert_int_equal(hfn_tlog_size(t), 0);
	/* batches of uneven sizes across tile boundaries (256, 65536 at level 1) */
	static const uint64_t cuts[] = {1, 2, 3, 255, 256, 257, 600, 1000, 70000};
	uint64_t at = 0;
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		append(f, t, &m, at, cuts[c]);
		at = cuts[c];
		assert_int_equal(hfn_tlog_size(t), at);
		check_root(t, &m);
	}
	/* every leaf row written (64 to a statement, the rest at the flush), in order, and
	 * found by its (sender, msg_id) */
	uint64_t rows = 0, found, at_ms;
	assert_int_equal(hfn_store_leaf_count(f->s, &rows), HF_OK);
	assert_int_equal(rows, at);
	rows = 0;
	assert_int_equal(hfn_store_leaves(f->s, 0, at, rows_cb, &rows), HF_OK);
	assert_int_equal(rows, at);
	static const uint64_t probe[] = {0, 63, 64, 71, 72, 254, 255, 599, 69999};
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		hf_msg_id mid = {{0}};
		for (int k = 0; k < 8; k++)
			mid.b[k] = (uint8_t)(probe[i] >> (8 * k));
		assert_int_equal(
		    hfn_store_leaf_find(f->s, &(const hf_key_id){{0x11}}, &mid, &found, &at_ms),
		    HF_OK);
		assert_int_equal(found, probe[i]);
		assert_int_equal(at_ms, 1790000000000ull);
	}
	/* inclusion proofs at an older size and the current one */
	uint64_t sizes[] = {257, 1000, at};
	for (size_t s = 0; s < 3; s++) {
		const hf_merkle_store *ms = hfn_tlog_store(t, sizes[s]);
		assert_int_equal(hf_merkle_root(ms, sizes[s], root), HF_OK);
		for (uint64_t i = 0; i < sizes[s]; i += sizes[s] / 7 + 1) {
			assert_int_equal(hf_merkle_inclusion_proof(ms, i, sizes[s], proof,
			                                           HF_MERKLE_MAX_PROOF, &np),
			                 HF_OK);
			size_t hl = header(i, hdr, sizeof(hdr));
			assert_int_equal(hf_audit_leaf_encode(1790000000000ull, hdr, hl, leaf,
			                                      sizeof(leaf), &ll),
			                 HF_OK);
			assert_int_equal(hf_audit_leaf_hash(leaf, ll, lh), HF_OK);
			assert_int_equal(hf_merkle_verify_inclusion(lh, i, sizes[s], root,
			                                            &proof[0][0], np * 32),
			                 HF_OK);
		}
	}
	/* consistency between sizes */
	uint8_t r1[32], r2[32];
	const hf_merkle_store *ms = hfn_tlog_store(t, at);
	assert_int_equal(hf_merkle_root(ms, 600, r1), HF_OK);
	assert_int_equal(hf_merkle_root(ms, at, r2), HF_OK);
	assert_int_equal(hf_merkle_consistency_proof(ms, 600, at, proof, HF_MERKLE_MAX_PROOF, &np),
	                 HF_OK);
	assert_int_equal(hf_merkle_verify_consistency(600, r1, at, r2, &proof[0][0], np * 32),
	                 HF_OK);
	/* a rolled-back batch leaves nothing: reload forgets it */
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	size_t hl = header(at, hdr, sizeof(hdr));
	uint64_t idx;
	hf_msg_id mid = {{0xee}};
	assert_int_equal(
	    hfn_tlog_append(t, &(const hf_key_id){{0xee}}, &mid, mid.b, 1, hdr, hl, &idx), HF_OK);
	hfn_store_rollback(f->s);
	assert_int_equal(hfn_tlog_reload(t), HF_OK);
	assert_int_equal(hfn_tlog_size(t), at);
	check_root(t, &m);
	/* a (sender, msg_id) already logged fails the flush (its row is written there) */
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	mid = (hf_msg_id){{0}};
	assert_int_equal(
	    hfn_tlog_append(t, &(const hf_key_id){{0x11}}, &mid, mid.b, 1, hdr, hl, &idx), HF_OK);
	assert_int_equal(hfn_tlog_flush(t), HF_EDB);
	hfn_store_rollback(f->s);
	assert_int_equal(hfn_tlog_reload(t), HF_OK);
	assert_int_equal(hfn_tlog_size(t), at);
	check_root(t, &m);
	/* a reopened file has the same tree */
	hfn_tlog_free(t);
	hfn_store_close(f->s);
	assert_int_equal(hfn_store_open(f->path, &f->s), HF_OK);
	assert_int_equal(hfn_tlog_open(f->s, &t), HF_OK);
	assert_int_equal(hfn_tlog_size(t), at);
	check_root(t, &m);
	append(f, t, &m, at, at + 10);
	check_root(t, &m);
	/* tiles as served: level 0 tile 0 is the first 256 leaf hashes */
	hf_tile_ref ref = {.level = 0, .index = 0, .width = 256};
	uint8_t tile[256 * 32];
	size_t tl;
	assert_int_equal(hfn_tlog_tile(t, &ref, tile, &tl), HF_OK);
	assert_int_equal(tl, 256 * 32);
	hfn_tlog_free(t);
	hf_mem_tree_free(&m);
}

static hf_err count_cb(void *ctx, int64_t seq, const hf_key_id *sender, const hf_msg_id *msg_id,
                       const uint8_t *hdr, size_t len, bool mine, uint64_t since)
{
	(void)seq;
	(void)sender;
	(void)msg_id;
	(void)hdr;
	(void)len;
	(void)mine;
	(void)since;
	(*(int *)ctx)++;
	return HF_OK;
}

static void queue_and_wants(void **state)
{
	fx *f = *state;
	static const uint8_t L[16] = {1};
	static const hf_msg_id M = {{3}}, M2 = {{4}};
	static const hf_key_id S = {{2}};
	bool dup;
	uint64_t n;
	int k = 0;
	assert_int_equal(hfn_store_aq_add(f->s, &S, &M, L, (const uint8_t *)"h", 1, &dup), HF_OK);
	assert_false(dup);
	assert_int_equal(hfn_store_aq_add(f->s, &S, &M, L, (const uint8_t *)"h", 1, &dup), HF_OK);
	assert_true(dup);
	assert_int_equal(hfn_store_aq_count(f->s, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(hfn_store_want_add(f->s, L, &S, &M, (const uint8_t *)"h", 1, true, 100),
	                 HF_OK);
	assert_int_equal(hfn_store_want_add(f->s, L, &S, &M2, (const uint8_t *)"g", 1, false, 100),
	                 HF_OK);
	assert_int_equal(hfn_store_want_add(f->s, L, &S, &M, (const uint8_t *)"h", 1, true, 200),
	                 HF_OK);
	assert_int_equal(hfn_store_want_todo(f->s, L, 10, count_cb, &k), HF_OK);
	assert_int_equal(k, 2);
	hf_key_id snd;
	uint8_t *hdr;
	size_t hl;
	bool mine;
	assert_int_equal(hfn_store_want_get(f->s, L, &M2, &snd, &hdr, &hl, &mine), HF_OK);
	assert_false(mine);
	assert_true(hf_key_id_eq(&snd, &S));
	assert_memory_equal(hdr, "g", 1);
	free(hdr);
	assert_int_equal(hfn_store_want_del(f->s, L, &S, &M2), HF_OK);
	assert_int_equal(hfn_store_want_get(f->s, L, &M2, &snd, &hdr, &hl, &mine), HF_ENOTFOUND);
	bool known;
	assert_int_equal(hfn_store_alarm_add(f->s, L, "a\n", "b\n", "test", 1), HF_OK);
	assert_int_equal(hfn_store_alarm_known(f->s, L, "b\n", "a\n", &known), HF_OK);
	assert_true(known);
	assert_int_equal(hfn_store_alarm_count(f->s, &n), HF_OK);
	assert_int_equal(n, 1);
}

/* Migration 7 -> 8: a v7 database's leaves (with their sender and msg_id columns) are found
 * through audit_leaf_ids afterwards, and new appends after them still work. */
static void leaves_migration(void **state)
{
	fx *f = *state;
	sqlite3 *db;
	hfn_store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
	                 "DROP TABLE audit_leaf_ids; DROP TABLE audit_leaves;"
	                 "CREATE TABLE audit_leaves(idx INTEGER PRIMARY KEY, sender BLOB NOT NULL,"
	                 " msg_id BLOB NOT NULL, submitter BLOB NOT NULL, integrated_ms INTEGER"
	                 " NOT NULL, leaf BLOB NOT NULL, UNIQUE(sender, msg_id));"
	                 "INSERT INTO audit_leaves VALUES(0, x'11', x'a0', x'07', 5, x'00'),"
	                 " (1, x'11', x'a1', x'07', 6, x'01'), (2, x'12', x'a0', x'08', 7, x'02');"
	                 "PRAGMA user_version=7;",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(hfn_store_open(f->path, &f->s), HF_OK);
	assert_int_equal(hfn_store_schema_version(f->s), HFN_STORE_SCHEMA_VERSION);
	uint64_t idx, at, n;
	assert_int_equal(hfn_store_leaf_count(f->s, &n), HF_OK);
	assert_int_equal(n, 3);
	/* the v7 ids (short blobs here) moved into audit_leaf_ids */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT idx FROM audit_leaf_ids WHERE msg_id=x'a0'"
	                                    " AND sender=x'12'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(hfn_store_leaf_last_time(f->s, &at), HF_OK);
	assert_int_equal(at, 7);
	/* a new leaf after the migrated ones, found by its (sender, msg_id) */
	hf_key_id snd = {{0x33}};
	hf_msg_id mid = {{0x44}};
	uint8_t sub[16] = {0x55}, lf[4] = {1, 2, 3, 4};
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	assert_int_equal(hfn_store_leaf_add(f->s, 3, &snd, &mid, sub, 9, lf, 4), HF_OK);
	assert_int_equal(hfn_store_commit(f->s), HF_OK);
	assert_int_equal(hfn_store_leaf_find(f->s, &snd, &mid, &idx, &at), HF_OK);
	assert_int_equal(idx, 3);
	assert_int_equal(at, 9);
	mid.b[0] = 0x45;
	assert_int_equal(hfn_store_leaf_find(f->s, &snd, &mid, &idx, &at), HF_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tree_over_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(queue_and_wants, setup, teardown),
	    cmocka_unit_test_setup_teardown(leaves_migration, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
