/* node/store/store.c: migrations, lists, entries, batches, outbox, inbox, counters, and the
 * one statement cache every store file uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_test.h"
#include "hashfed/list.h"
#include "store/store.h"
#include "store/store_match.h"

static const hf_list_id L1 = {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
static const uint8_t P1[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint8_t P2[16] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};

typedef struct fx {
	char path[256];
	hfn_store *s;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/hf_test_store_%d.db", (int)getpid());
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

static void test_migrations(void **state)
{
	fx *f = *state;
	assert_int_equal(hfn_store_schema_version(f->s), HFN_STORE_SCHEMA_VERSION);
	/* Reopening an up-to-date database runs nothing and keeps the version. */
	hfn_store *again;
	assert_int_equal(hfn_store_open(f->path, &again), HF_OK);
	assert_int_equal(hfn_store_schema_version(again), HFN_STORE_SCHEMA_VERSION);
	hfn_store_close(again);
	/* Not a database. */
	FILE *fp = fopen("/tmp/hf_test_store_garbage.db", "wb");
	fputs("this is not sqlite, not at all, definitely not a database file......", fp);
	fclose(fp);
	assert_int_equal(hfn_store_open("/tmp/hf_test_store_garbage.db", &again), HF_EDB);
	assert_null(again);
	unlink("/tmp/hf_test_store_garbage.db");
}

static void test_lists(void **state)
{
	fx *f = *state;
	hfn_store_list l, got;
	memset(&l, 0, sizeof(l));
	l.id = L1;
	snprintf(l.name, sizeof(l.name), "core");
	l.algs = 6;
	l.mine = true;
	l.head_n = 3;
	memset(l.head_hash, 0x5a, 32);
	l.next_id = 10;
	l.snap_part = 2;
	assert_int_equal(hfn_store_list_get(f->s, &L1, &got), HF_ENOTFOUND);
	assert_int_equal(hfn_store_list_put(f->s, &l), HF_OK);
	assert_int_equal(hfn_store_list_get(f->s, &L1, &got), HF_OK);
	assert_memory_equal(&got, &l, sizeof(l));
	assert_int_equal(hfn_store_list_by_name(f->s, "core", &got), HF_OK);
	assert_int_equal(hfn_store_list_by_name(f->s, "nope", &got), HF_ENOTFOUND);
	uint8_t m[4][16];
	size_t n;
	assert_int_equal(hfn_store_entitle(f->s, &L1, P1), HF_OK);
	assert_int_equal(hfn_store_entitle(f->s, &L1, P1), HF_OK); /* idempotent */
	assert_int_equal(hfn_store_entitle(f->s, &L1, P2), HF_OK);
	assert_int_equal(hfn_store_entitled(f->s, &L1, m, 4, &n), HF_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(m[0], P2, 16); /* ordered by id */
}

static hf_err count_cb(void *ctx, const hf_list_entry *e)
{
	size_t *n = ctx;
	(void)e;
	(*n)++;
	return HF_OK;
}

static void test_entries(void **state)
{
	fx *f = *state;
	hf_list_entry e;
	hfn_store_counts c;
	memset(&e, 0, sizeof(e));
	e.alg = HF_ALG_MD5;
	for (uint64_t i = 1; i <= 10; i++) {
		e.id = i;
		e.value[0] = (uint8_t)i;
		e.expires_ms = i == 10 ? 1000 : 0; /* long expired */
		assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	}
	e.id = 3; /* re-put replaces, does not duplicate */
	e.expires_ms = 0;
	assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	assert_int_equal(hfn_store_entry_remove(f->s, &L1, 2, 5), HF_OK);
	assert_int_equal(hfn_store_entry_remove(f->s, &L1, 99, 5), HF_ENOTFOUND);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 2000, &c), HF_OK);
	assert_int_equal(c.total, 10);
	assert_int_equal(c.removed, 1);
	assert_int_equal(c.expired, 1);
	assert_int_equal(c.active, 8);
	bool live;
	assert_int_equal(hfn_store_entry_live(f->s, &L1, 2, &live), HF_OK);
	assert_false(live);
	assert_int_equal(hfn_store_entry_live(f->s, &L1, 4, &live), HF_OK);
	assert_true(live);
	size_t n = 0;
	assert_int_equal(hfn_store_entries_active(f->s, &L1, 2000, 0, 100, count_cb, &n), HF_OK);
	assert_int_equal(n, 8);
	n = 0;
	assert_int_equal(hfn_store_entries_active(f->s, &L1, 2000, 5, 2, count_cb, &n), HF_OK);
	assert_int_equal(n, 2);
	assert_int_equal(hfn_store_entries_clear(f->s, &L1), HF_OK);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 2000, &c), HF_OK);
	assert_int_equal(c.total, 0);
}

static void test_outbox(void **state)
{
	fx *f = *state;
	hf_msg_id id1 = {{1}}, id2 = {{2}};
	uint8_t env[3] = {7, 8, 9};
	hfn_store_out o;
	uint64_t next;
	assert_int_equal(hfn_store_outbox_next(f->s, 100, &o, &next), HF_ENOTFOUND);
	assert_int_equal(next, UINT64_MAX);
	assert_int_equal(hfn_store_outbox_add(f->s, &id1, P1, &L1, 4, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &id2, P1, NULL, 0, env, 3, 150), HF_OK);
	assert_int_equal(hfn_store_outbox_next(f->s, 120, &o, &next), HF_OK);
	assert_true(hf_msg_id_eq(&o.msg_id, &id1));
	assert_int_equal(o.len, 3);
	assert_memory_equal(o.env, env, 3);
	free(o.env);
	assert_int_equal(hfn_store_outbox_retry(f->s, o.seq, 500, "HF_ENET"), HF_OK);
	/* id2 goes to the same peer after id1: held back until id1's retry (never overtakes) */
	assert_int_equal(hfn_store_outbox_next(f->s, 120, &o, &next), HF_ENOTFOUND);
	assert_int_equal(next, 500);
	/* Queuing the same (msg, peer) again makes it due now: no duplicate row. */
	assert_int_equal(hfn_store_outbox_add(f->s, &id1, P1, &L1, 4, env, 3, 130), HF_OK);
	assert_int_equal(hfn_store_outbox_next(f->s, 130, &o, &next), HF_OK);
	assert_true(hf_msg_id_eq(&o.msg_id, &id1));
	assert_int_equal(o.attempts, 1);
	free(o.env);
	assert_int_equal(hfn_store_outbox_done(f->s, o.seq, 131), HF_OK);
	/* Delivered: queuing again is a no-op. */
	assert_int_equal(hfn_store_outbox_add(f->s, &id1, P1, &L1, 4, env, 3, 140), HF_OK);
	assert_int_equal(hfn_store_outbox_next(f->s, 499, &o, &next), HF_ENOTFOUND);
	assert_int_equal(hfn_store_outbox_next(f->s, 500, &o, &next), HF_OK);
	assert_true(hf_msg_id_eq(&o.msg_id, &id2));
	free(o.env);
	/* Given up for good: never due again. */
	assert_int_equal(hfn_store_outbox_retry(f->s, o.seq, 0, "HF_ESIG"), HF_OK);
	assert_int_equal(hfn_store_outbox_next(f->s, UINT64_MAX >> 2, &o, &next), HF_ENOTFOUND);
}

/* A retried message holds back the later ones to its peer only: the peer gets them in
 * outbox order (net.proxy_faults saw an outcome overtake its order's retried receipt). */
static void test_outbox_retry_holds_peer(void **state)
{
	fx *f = *state;
	hf_msg_id a = {{0xa}}, b = {{0xb}}, c = {{0xc}}, d = {{0xd}};
	uint8_t env[3] = {7, 8, 9};
	hfn_store_out out[4];
	size_t n = 0;
	assert_int_equal(hfn_store_outbox_add(f->s, &a, P1, NULL, 0, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &b, P1, NULL, 0, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &c, P2, NULL, 0, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &d, P1, NULL, 0, env, 3, 900), HF_OK);
	assert_int_equal(hfn_store_outbox_due(f->s, 100, out, 4, &n), HF_OK);
	assert_int_equal(n, 3);
	int64_t seq_a = out[0].seq;
	assert_true(hf_msg_id_eq(&out[0].msg_id, &a));
	for (size_t i = 0; i < n; i++)
		free(out[i].env);
	assert_int_equal(hfn_store_outbox_retry(f->s, seq_a, 600, "HF_ENET"), HF_OK);
	/* b (P1, after a) waits for a; c (P2) does not; d was due later anyway */
	assert_int_equal(hfn_store_outbox_due(f->s, 599, out, 4, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_true(hf_msg_id_eq(&out[0].msg_id, &c));
	free(out[0].env);
	assert_int_equal(hfn_store_outbox_done(f->s, out[0].seq, 599), HF_OK);
	/* due together again: a comes first (outbox order) */
	assert_int_equal(hfn_store_outbox_due(f->s, 600, out, 4, &n), HF_OK);
	assert_int_equal(n, 2);
	assert_true(hf_msg_id_eq(&out[0].msg_id, &a));
	assert_true(hf_msg_id_eq(&out[1].msg_id, &b));
	for (size_t i = 0; i < n; i++)
		free(out[i].env);
	/* a given up for good holds nothing back */
	assert_int_equal(hfn_store_outbox_retry(f->s, seq_a, 0, "HF_ESIG"), HF_OK);
	assert_int_equal(hfn_store_outbox_due(f->s, 600, out, 4, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_true(hf_msg_id_eq(&out[0].msg_id, &b));
	for (size_t i = 0; i < n; i++)
		free(out[i].env);
}

/* The counts are remembered between calls (store.c's memo): every change must still show,
 * from this connection, from another one, and by the clock alone. */
static void test_entry_counts_memo(void **state)
{
	fx *f = *state;
	hfn_store *other;
	hf_list_entry e;
	hfn_store_counts c;
	memset(&e, 0, sizeof(e));
	e.alg = HF_ALG_MD5;
	for (uint64_t i = 1; i <= 4; i++) {
		e.id = i;
		e.expires_ms = i == 4 ? 5000 : 0;
		assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	}
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 1000, &c), HF_OK);
	assert_int_equal(c.active, 4);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 1000, &c), HF_OK);
	assert_int_equal(c.active, 4);
	assert_int_equal(c.expired, 0);
	/* entry 4 expires at 5000: the remembered count must not outlive it */
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.expired, 1);
	assert_int_equal(c.active, 3);
	/* a write on this connection */
	assert_int_equal(hfn_store_entry_remove(f->s, &L1, 1, 2), HF_OK);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.removed, 1);
	assert_int_equal(c.active, 2);
	/* a commit by another connection */
	assert_int_equal(hfn_store_open(f->path, &other), HF_OK);
	e.id = 5;
	e.expires_ms = 0;
	assert_int_equal(hfn_store_entry_put(other, &L1, &e), HF_OK);
	hfn_store_close(other);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.total, 5);
	assert_int_equal(c.active, 3);
	/* a rolled-back transaction leaves the committed count */
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	e.id = 6;
	assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.total, 6);
	hfn_store_rollback(f->s);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.total, 5);
	/* appended on this connection (counted on their own): one live, one expired */
	e.id = 7;
	assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	e.id = 8;
	e.expires_ms = 4000;
	assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.total, 7);
	assert_int_equal(c.expired, 2);
	assert_int_equal(c.active, 4);
	/* rewriting a counted entry: entry 1 (removed) put again, live */
	e.id = 1;
	e.expires_ms = 0;
	assert_int_equal(hfn_store_entry_put(f->s, &L1, &e), HF_OK);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.total, 7);
	assert_int_equal(c.removed, 0);
	assert_int_equal(c.active, 5);
	/* and a clear */
	assert_int_equal(hfn_store_entries_clear(f->s, &L1), HF_OK);
	assert_int_equal(hfn_store_entry_counts(f->s, &L1, 5000, &c), HF_OK);
	assert_int_equal(c.total, 0);
}

/* The sender defers a list's later batches to a peer: their envelopes are not read. */
static void test_outbox_due_defers_batches(void **state)
{
	fx *f = *state;
	hf_msg_id a = {{1}}, b = {{2}}, c = {{3}}, d = {{4}};
	uint8_t env[3] = {7, 8, 9};
	hfn_store_out o[8];
	size_t n;
	assert_int_equal(hfn_store_outbox_add(f->s, &a, P1, &L1, 2, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &b, P1, &L1, 3, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &c, P2, &L1, 2, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &d, P1, NULL, 0, env, 2, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_due(f->s, 100, o, 8, &n), HF_OK);
	assert_int_equal(n, 4);
	assert_non_null(o[0].env); /* the first batch of L1 to P1 */
	assert_int_equal(o[0].len, 3);
	assert_true(o[0].has_list);
	assert_true(hf_list_id_eq(&o[0].list, &L1));
	assert_null(o[1].env);     /* the next one waits */
	assert_non_null(o[2].env); /* another peer */
	assert_non_null(o[3].env); /* not a batch */
	assert_false(o[3].has_list);
	assert_int_equal(o[3].len, 2);
	for (size_t i = 0; i < n; i++)
		free(o[i].env);
	/* delivered: the next batch comes with its envelope */
	assert_int_equal(hfn_store_outbox_done(f->s, o[0].seq, 101), HF_OK);
	assert_int_equal(hfn_store_outbox_due(f->s, 102, o, 8, &n), HF_OK);
	assert_int_equal(n, 3);
	assert_non_null(o[0].env);
	assert_true(hf_msg_id_eq(&o[0].msg_id, &b));
	for (size_t i = 0; i < n; i++)
		free(o[i].env);
}

typedef struct served {
	uint64_t n[8];
	size_t len[8], count;
} served;

static hf_err serve_cb(void *ctx, uint64_t n, const uint8_t *env, size_t len)
{
	served *v = ctx;
	(void)env;
	v->n[v->count] = n;
	v->len[v->count++] = len;
	return HF_OK;
}

/* Serving a pull: only batches never queued to the asker are read; queued ones are made due. */
static void test_batches_after_unqueued(void **state)
{
	fx *f = *state;
	uint8_t h[32] = {0}, env[4] = {1, 2, 3, 4};
	hf_msg_id id2 = {{2}}, id3 = {{3}};
	hfn_store_out o[4];
	uint64_t next;
	size_t k;
	served v;
	for (uint64_t n = 1; n <= 4; n++)
		assert_int_equal(hfn_store_batch_put(f->s, &L1, n, h, env, (size_t)n), HF_OK);
	/* batch 2 queued to P1 and delivered, batch 3 queued and backed off until 900 */
	assert_int_equal(hfn_store_outbox_add(f->s, &id2, P1, &L1, 2, env, 2, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_add(f->s, &id3, P1, &L1, 3, env, 3, 100), HF_OK);
	assert_int_equal(hfn_store_outbox_due(f->s, 100, o, 4, &k), HF_OK);
	assert_int_equal(k, 2);
	assert_int_equal(hfn_store_outbox_done(f->s, o[0].seq, 101), HF_OK);
	assert_int_equal(hfn_store_outbox_retry(f->s, o[1].seq, 900, "HF_ENET"), HF_OK);
	for (size_t i = 0; i < k; i++)
		free(o[i].env);
	memset(&v, 0, sizeof(v));
	assert_int_equal(hfn_store_batches_after(f->s, &L1, 1, P1, 8, serve_cb, &v), HF_OK);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.n[0], 4);
	assert_int_equal(v.len[0], 4);
	memset(&v, 0, sizeof(v));
	assert_int_equal(hfn_store_batches_after(f->s, &L1, 0, P2, 2, serve_cb, &v), HF_OK);
	assert_int_equal(v.count, 2); /* another peer: everything, up to the limit */
	assert_int_equal(v.n[0], 1);
	assert_int_equal(v.n[1], 2);
	assert_int_equal(hfn_store_outbox_next(f->s, 200, o, &next), HF_ENOTFOUND);
	assert_int_equal(next, 900);
	assert_int_equal(hfn_store_outbox_rearm_list(f->s, P1, &L1, 1, 200), HF_OK);
	assert_int_equal(hfn_store_outbox_next(f->s, 200, o, &next), HF_OK);
	assert_true(hf_msg_id_eq(&o[0].msg_id, &id3));
	free(o[0].env);
}

static void test_inbox(void **state)
{
	fx *f = *state;
	hf_msg_id id = {{3}};
	uint8_t env[2] = {1, 2}, *got = NULL;
	bool dup;
	int64_t seq = 0, seqs[4], seq2 = 0;
	size_t n, len;
	assert_int_equal(hfn_store_inbox_add(f->s, &id, P1, 16, env, 2, 1, &dup, &seq), HF_OK);
	assert_false(dup);
	assert_true(seq > 0);
	assert_int_equal(hfn_store_inbox_add(f->s, &id, P1, 16, env, 2, 2, &dup, &seq2), HF_OK);
	assert_true(dup); /* idempotent by message id */
	assert_int_equal(seq2, 0);
	assert_int_equal(hfn_store_inbox_count_pending(f->s, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(hfn_store_inbox_pending(f->s, 0, seqs, 4, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(seqs[0], seq);
	assert_int_equal(hfn_store_inbox_pending(f->s, seq, seqs, 4, &n), HF_OK);
	assert_int_equal(n, 0); /* only after the cursor */
	assert_int_equal(hfn_store_inbox_get(f->s, seq, &got, &len), HF_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(got, env, 2);
	free(got);
	assert_int_equal(hfn_store_inbox_park(f->s, seq), HF_OK);
	assert_int_equal(hfn_store_inbox_count_pending(f->s, &n), HF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hfn_store_inbox_pending(f->s, 0, seqs, 4, &n), HF_OK);
	assert_int_equal(n, 0); /* parked rows are skipped */
	assert_int_equal(hfn_store_inbox_unpark(f->s), HF_OK);
	assert_int_equal(hfn_store_inbox_count_pending(f->s, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(hfn_store_inbox_done(f->s, seq, "HF_OK"), HF_OK);
	assert_int_equal(hfn_store_inbox_count_pending(f->s, &n), HF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hfn_store_inbox_get(f->s, seq, &got, &len), HF_ENOTFOUND);
	/* Processed ids stay seen. */
	assert_int_equal(hfn_store_inbox_add(f->s, &id, P1, 16, env, 2, 3, &dup, NULL), HF_OK);
	assert_true(dup);
	/* Another member using the same (public) id is not a replay of P1's message:
	 * it must not be able to make P1's message be dropped, nor be dropped itself. */
	assert_int_equal(hfn_store_inbox_add(f->s, &id, P2, 16, env, 2, 4, &dup, NULL), HF_OK);
	assert_false(dup);
	assert_int_equal(hfn_store_inbox_add(f->s, &id, P2, 16, env, 2, 5, &dup, NULL), HF_OK);
	assert_true(dup);
}

static hf_err counter_cb(void *ctx, const char *name, const char *label, int64_t v)
{
	int64_t *sum = ctx;
	if (!strcmp(name, "rejects") && !strcmp(label, "x|HF_ESIG"))
		*sum += v;
	return HF_OK;
}

static void test_transactions_and_counters(void **state)
{
	fx *f = *state;
	int64_t sum = 0;
	hfn_store_list got;
	assert_int_equal(hfn_store_count(f->s, "rejects", "x|HF_ESIG", 2), HF_OK);
	assert_int_equal(hfn_store_count(f->s, "rejects", "x|HF_ESIG", 3), HF_OK);
	assert_int_equal(hfn_store_counters(f->s, counter_cb, &sum), HF_OK);
	assert_int_equal(sum, 5);
	/* A rolled-back transaction leaves nothing behind. */
	hfn_store_list l;
	memset(&l, 0, sizeof(l));
	l.id.b[0] = 0x77;
	snprintf(l.name, sizeof(l.name), "tmp");
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	assert_int_equal(hfn_store_list_put(f->s, &l), HF_OK);
	hfn_store_rollback(f->s);
	assert_int_equal(hfn_store_list_get(f->s, &l.id, &got), HF_ENOTFOUND);
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	assert_int_equal(hfn_store_list_put(f->s, &l), HF_OK);
	assert_int_equal(hfn_store_commit(f->s), HF_OK);
	/* Committed state survives close and reopen. */
	hfn_store_close(f->s);
	assert_int_equal(hfn_store_open(f->path, &f->s), HF_OK);
	assert_int_equal(hfn_store_list_get(f->s, &l.id, &got), HF_OK);
	assert_string_equal(got.name, "tmp");
	/* Nested BEGIN is an error, not silently merged. */
	assert_int_equal(hfn_store_begin(f->s), HF_OK);
	assert_int_equal(hfn_store_begin(f->s), HF_EDB);
	hfn_store_rollback(f->s);
}

typedef struct allow_seen {
	int n, stop_after;
} allow_seen;

static hf_err allow_cb(void *ctx, unsigned alg, const uint8_t *value, const char *note,
                       uint64_t added_ms)
{
	allow_seen *a = ctx;
	(void)alg;
	(void)value;
	(void)note;
	(void)added_ms;
	return ++a->n == a->stop_after ? HF_ECHAIN : HF_OK;
}

/* Statements of store_match.c come from the shared cache now: run again and again, and after
 * a row loop stopped half-way by its callback, each starts afresh (reset, not finalized). */
static void test_statement_cache(void **state)
{
	fx *f = *state;
	uint8_t v[3][32];
	allow_seen a = {0, 0};
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++) {
		v[i][0] = (uint8_t)(i + 1);
		assert_int_equal(hfn_store_allow_put(f->s, HF_ALG_PDQ, v[i], "n", 1), HF_OK);
	}
	assert_int_equal(hfn_store_allow_put(f->s, HF_ALG_PDQ, v[0], "again", 2), HF_OK);
	assert_int_equal(hfn_store_allow_all(f->s, allow_cb, &a), HF_OK);
	assert_int_equal(a.n, 3);
	a = (allow_seen){0, 2};
	assert_int_equal(hfn_store_allow_all(f->s, allow_cb, &a), HF_ECHAIN); /* stopped at 2 */
	a = (allow_seen){0, 0};
	assert_int_equal(hfn_store_allow_all(f->s, allow_cb, &a), HF_OK);
	assert_int_equal(a.n, 3); /* from the first row again */
	assert_int_equal(hfn_store_allow_del(f->s, HF_ALG_PDQ, v[1]), HF_OK);
	assert_int_equal(hfn_store_allow_del(f->s, HF_ALG_PDQ, v[1]), HF_ENOTFOUND);
	a = (allow_seen){0, 0};
	assert_int_equal(hfn_store_allow_all(f->s, allow_cb, &a), HF_OK);
	assert_int_equal(a.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_retry_holds_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entry_counts_memo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_due_defers_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batches_after_unqueued, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transactions_and_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
