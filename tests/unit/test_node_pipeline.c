/* node/core/open_cache.c, node/inbox/rxq.c, the store's in-process writer lock and savepoints, and
 * hf_store_outbox_due: the pieces of the group-commit receive path and the send rounds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hashfed/envelope.h"
#include "hashfed/identity.h"
#include "hf_test.h"
#include "core/open_cache.h"
#include "inbox/rxq.h"
#include "store/store.h"

static const uint8_t FED[HF_FEDID_LEN] = {7};
static const uint8_t P1[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
#define NOW 1800000000000ull

typedef struct world {
	hf_identity *sender, *rcpt;
} world;

static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	world *w = ctx;
	if (memcmp(hf_identity_sign_keyid(w->sender), h->sender, HF_KEYID_LEN) != 0)
		return HF_EUNKNOWNSENDER;
	memcpy(pk, hf_identity_sign_pk(w->sender), HF_SIGN_PK_LEN);
	return HF_OK;
}

/* Seals body (tagged by `tag`) to w->rcpt and opens it: the pair the receive step caches. */
static void make(world *w, uint8_t tag, uint64_t expires, uint8_t **env, size_t *len, hf_opened **o)
{
	uint8_t body[64];
	uint8_t pk[1][HF_ENC_PK_LEN];
	memset(body, tag, sizeof(body));
	memcpy(pk[0], hf_identity_enc_pk(w->rcpt), HF_ENC_PK_LEN);
	hf_seal_params p = {0};
	p.type = HF_MSG_DATA;
	p.created_ms = NOW;
	p.expires_ms = expires;
	p.federation = FED;
	p.recipients = (const uint8_t(*)[HF_ENC_PK_LEN])pk;
	p.n_recipients = 1;
	assert_int_equal(hf_envelope_seal(w->sender, &p, body, sizeof(body), env, len), HF_OK);
	hf_open_params op = {w->rcpt, lookup, w, NOW + 1, FED};
	assert_int_equal(hf_envelope_open(*env, *len, &op, o), HF_OK);
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	if (!w || hf_identity_generate(&w->sender, NULL) != HF_OK ||
	    hf_identity_generate(&w->rcpt, NULL) != HF_OK)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	hf_identity_free(w->sender);
	hf_identity_free(w->rcpt);
	free(w);
	return 0;
}

static void test_cache_hit_once(void **state)
{
	world *w = *state;
	uint8_t *env, sender[16], who[16];
	size_t len;
	hf_opened *o, *got;
	memset(sender, 0x5a, sizeof(sender));
	make(w, 1, NOW + 60000, &env, &len, &o);
	hf_open_cache *c = hf_open_cache_new();
	assert_non_null(c);
	hf_open_cache_put(c, 3, env, len, o, sender);
	assert_true(hf_open_cache_take(c, 3, NOW + 2, env, len, &got, who));
	assert_ptr_equal(got, o);
	assert_memory_equal(who, sender, 16);
	hf_opened_free(got);
	/* Taken: a second delivery of the same bytes is opened afresh. */
	assert_false(hf_open_cache_take(c, 3, NOW + 2, env, len, &got, who));
	assert_null(got);
	hf_open_cache_free(c);
	free(env);
}

static void test_cache_misses(void **state)
{
	world *w = *state;
	uint8_t *a, *b, sender[16] = {1}, who[16];
	size_t alen, blen;
	hf_opened *oa, *ob, *got;
	make(w, 1, NOW + 60000, &a, &alen, &oa);
	make(w, 2, NOW + 60000, &b, &blen, &ob);
	hf_open_cache *c = hf_open_cache_new();
	hf_open_cache_put(c, 3, a, alen, oa, sender);
	/* Other bytes: not what was verified. */
	assert_false(hf_open_cache_take(c, 3, NOW + 2, b, blen, &got, who));
	/* One flipped byte (a forged variant of a cached envelope) misses. */
	a[alen / 2] ^= 1;
	assert_false(hf_open_cache_take(c, 3, NOW + 2, a, alen, &got, who));
	a[alen / 2] ^= 1;
	/* A prefix of the cached envelope misses too. */
	assert_false(hf_open_cache_take(c, 3, NOW + 2, a, alen - 1, &got, who));
	/* Manifest reloaded since it was verified: dropped, the caller opens again. */
	assert_false(hf_open_cache_take(c, 4, NOW + 2, a, alen, &got, who));
	assert_null(got);
	assert_false(hf_open_cache_take(c, 3, NOW + 2, a, alen, &got, who)); /* gone */
	/* Expired since it was verified. */
	hf_open_cache_put(c, 3, b, blen, ob, sender);
	assert_false(hf_open_cache_take(c, 3, NOW + 60000, b, blen, &got, who));
	assert_null(got);
	hf_open_cache_free(c);
	free(a);
	free(b);
}

/* A fresh opened object for env (the cache owns what it is given). */
static hf_opened *reopen(world *w, const uint8_t *env, size_t len)
{
	hf_opened *o;
	hf_open_params op = {w->rcpt, lookup, w, NOW + 1, FED};
	assert_int_equal(hf_envelope_open(env, len, &op, &o), HF_OK);
	return o;
}

static void test_cache_bounded(void **state)
{
	world *w = *state;
	uint8_t *first, *env, sender[16] = {1}, who[16];
	size_t flen, len;
	hf_opened *o, *got;
	hf_open_cache *c = hf_open_cache_new();
	make(w, 0, NOW + 60000, &first, &flen, &o);
	hf_open_cache_put(c, 1, first, flen, o, sender);
	make(w, 1, NOW + 60000, &env, &len, &o);
	hf_opened_free(o);
	/* HF_OPEN_CACHE_MAX newer entries push the oldest out. */
	for (unsigned i = 0; i < HF_OPEN_CACHE_MAX; i++)
		hf_open_cache_put(c, 1, env, len, reopen(w, env, len), sender);
	assert_false(hf_open_cache_take(c, 1, NOW + 2, first, flen, &got, who));
	assert_true(hf_open_cache_take(c, 1, NOW + 2, env, len, &got, who));
	hf_opened_free(got);
	hf_open_cache_free(c);
	/* Byte bound: an envelope above a quarter of the budget is never kept, and five of a
	 * quarter each do not fit: the oldest goes. */
	c = hf_open_cache_new();
	size_t q = HF_OPEN_CACHE_MAX_BYTES / 4;
	uint8_t *big = calloc(1, q + 1), *parts[5];
	assert_non_null(big);
	hf_open_cache_put(c, 1, big, q + 1, reopen(w, env, len), sender);
	assert_false(hf_open_cache_take(c, 1, NOW + 2, big, q + 1, &got, who));
	for (int i = 0; i < 5; i++) {
		parts[i] = calloc(1, q);
		assert_non_null(parts[i]);
		parts[i][0] = (uint8_t)i;
		hf_open_cache_put(c, 1, parts[i], q, reopen(w, env, len), sender);
	}
	assert_false(hf_open_cache_take(c, 1, NOW + 2, parts[0], q, &got, who));
	assert_true(hf_open_cache_take(c, 1, NOW + 2, parts[4], q, &got, who));
	hf_opened_free(got);
	hf_open_cache_free(c);
	for (int i = 0; i < 5; i++)
		free(parts[i]);
	free(big);
	free(env);
	free(first);
}

typedef struct rx_thread {
	hf_rxq *q;
	hf_rx_item it;
	bool queued;
} rx_thread;

static void *rx_submit(void *arg)
{
	rx_thread *r = arg;
	r->queued = hf_rxq_submit(r->q, &r->it);
	if (r->queued)
		hf_rxq_wait(r->q, &r->it);
	return NULL;
}

static void test_rxq(void **state)
{
	(void)state;
	hf_rxq *q = hf_rxq_new();
	rx_thread t[3];
	pthread_t th[3];
	assert_null(hf_rxq_take(q));
	for (int i = 0; i < 3; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].q = q;
		t[i].it.type = (uint32_t)i;
		assert_int_equal(pthread_create(&th[i], NULL, rx_submit, &t[i]), 0);
	}
	/* Collect all three, give each a result, release them together. */
	size_t got = 0;
	hf_rx_item *all = NULL, *tail = NULL;
	for (int spin = 0; got < 3 && spin < 5000; spin++) {
		hf_rx_item *l = hf_rxq_take(q);
		if (!l) {
			usleep(1000);
			continue;
		}
		if (tail)
			tail->next = l;
		else
			all = l;
		for (; l; l = l->next) {
			l->result = l->type == 1 ? HF_EREPLAY : HF_OK;
			tail = l;
			got++;
		}
	}
	assert_int_equal(got, 3);
	hf_rxq_finish(q, all);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_true(t[i].queued);
		assert_true(t[i].it.done);
		assert_int_equal(t[i].it.result, i == 1 ? HF_EREPLAY : HF_OK);
	}
	/* Closed: refused without queueing (the caller commits by itself). */
	assert_null(hf_rxq_close(q));
	hf_rx_item late = {0};
	assert_false(hf_rxq_submit(q, &late));
	assert_null(hf_rxq_take(q));
	hf_rxq_free(q);
}

typedef struct lock_thread {
	const char *path;
	volatile int phase;
	hf_err rc;
} lock_thread;

static void *second_writer(void *arg)
{
	lock_thread *l = arg;
	hf_store *s = NULL;
	l->rc = hf_store_open(l->path, &s);
	if (l->rc == HF_OK)
		l->rc = hf_store_begin(s); /* queues on the process's writer lock */
	l->phase = 2;
	if (l->rc == HF_OK)
		l->rc = hf_store_outbox_add(s, (const uint8_t *)"bbbbbbbbbbbbbbbb", P1, NULL, 0,
		                            (const uint8_t *)"y", 1, 5);
	if (l->rc == HF_OK)
		l->rc = hf_store_commit(s);
	hf_store_close(s);
	return NULL;
}

static void test_writer_lock_and_due(void **state)
{
	(void)state;
	char path[256];
	hf_store *s;
	hf_store_out due[4];
	size_t n;
	snprintf(path, sizeof(path), "/tmp/hf_test_pipeline_%d.db", (int)getpid());
	unlink(path);
	assert_int_equal(hf_store_open(path, &s), HF_OK);
	assert_int_equal(hf_store_begin(s), HF_OK);
	/* A nested begin on the same connection fails (it never deadlocks on itself). */
	assert_int_not_equal(hf_store_begin(s), HF_OK);
	lock_thread l = {path, 1, HF_EINTERNAL};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, second_writer, &l), 0);
	usleep(100000);
	assert_int_equal(l.phase, 1); /* still waiting for our commit */
	/* A savepoint undone alone, the rest of the transaction kept. */
	assert_int_equal(hf_store_savepoint(s), HF_OK);
	assert_int_equal(hf_store_outbox_add(s, (const uint8_t *)"cccccccccccccccc", P1, NULL, 0,
	                                     (const uint8_t *)"z", 1, 1),
	                 HF_OK);
	hf_store_rollback_to(s);
	assert_int_equal(hf_store_outbox_add(s, (const uint8_t *)"aaaaaaaaaaaaaaaa", P1, NULL, 0,
	                                     (const uint8_t *)"x", 1, 10),
	                 HF_OK);
	assert_int_equal(hf_store_commit(s), HF_OK);
	pthread_join(th, NULL);
	assert_int_equal(l.phase, 2);
	assert_int_equal(l.rc, HF_OK);
	/* Due in order of next_ms: b (5) before a (10); c was undone; none due before 5. */
	assert_int_equal(hf_store_outbox_due(s, 4, due, 4, &n), HF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hf_store_outbox_due(s, 100, due, 4, &n), HF_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(due[0].msg_id, "bbbbbbbbbbbbbbbb", 16);
	assert_memory_equal(due[1].msg_id, "aaaaaaaaaaaaaaaa", 16);
	assert_int_equal(due[1].len, 1);
	assert_int_equal(due[1].env[0], 'x');
	for (size_t i = 0; i < n; i++)
		free(due[i].env);
	/* max bounds the answer. */
	assert_int_equal(hf_store_outbox_due(s, 100, due, 1, &n), HF_OK);
	assert_int_equal(n, 1);
	free(due[0].env);
	hf_store_close(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cache_hit_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_misses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_bounded, setup, teardown),
	    cmocka_unit_test(test_rxq),
	    cmocka_unit_test(test_writer_lock_and_due),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
