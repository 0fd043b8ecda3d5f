/* node/core/node.c's after-commit actions, node/inbox/rxq.c, the store's in-process writer
 * lock and savepoints, and hfn_store_outbox_due: the pieces of the group-commit receive path
 * and the send rounds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hashfed/envelope.h"
#include "hashfed/identity.h"
#include "hf_test.h"
#include "core/node.h"
#include "inbox/rxq.h"
#include "store/store.h"

static const uint8_t P1[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

/* ---- after-commit actions (the order-arrived webhook rides on them) ------------ */

typedef struct after_log {
	char ran[64], dropped[64];
	size_t n_ran, n_dropped;
} after_log;

static after_log g_after;

static void after_run(hfn_node *n, void *arg)
{
	(void)n;
	g_after.ran[g_after.n_ran++] = *(char *)arg;
	free(arg);
}

static void after_drop(void *arg)
{
	g_after.dropped[g_after.n_dropped++] = *(char *)arg;
	free(arg);
}

static void queue(hfn_node *n, char tag)
{
	char *p = malloc(1);
	assert_non_null(p);
	*p = tag;
	assert_int_equal(hfn_node_after_commit(n, after_run, after_drop, p), HF_OK);
}

static void test_after_commit(void **state)
{
	(void)state;
	hfn_node n;
	memset(&n, 0, sizeof(n));
	memset(&g_after, 0, sizeof(g_after));
	/* A transaction with two savepoints: the second is rolled back, its action dropped. */
	queue(&n, 'a');
	size_t mark = hfn_node_after_mark(&n);
	assert_int_equal(mark, 1);
	queue(&n, 'b');
	queue(&n, 'c');
	hfn_node_after_drop(&n, mark);
	assert_int_equal(g_after.n_dropped, 2);
	assert_memory_equal(g_after.dropped, "cb", 2);
	assert_int_equal(g_after.n_ran, 0); /* nothing runs before the commit */
	queue(&n, 'd');
	hfn_node_after_run(&n); /* committed: each kept action runs once, in order */
	assert_int_equal(g_after.n_ran, 2);
	assert_memory_equal(g_after.ran, "ad", 2);
	hfn_node_after_run(&n); /* and never again */
	assert_int_equal(g_after.n_ran, 2);
	/* A rolled-back transaction drops everything; a retry queues afresh. */
	for (int i = 0; i < 40; i++) /* past the initial capacity */
		queue(&n, 'e');
	hfn_node_after_drop(&n, 0);
	assert_int_equal(g_after.n_dropped, 2 + 40);
	assert_int_equal(hfn_node_after_mark(&n), 0);
	hfn_node_after_run(&n);
	assert_int_equal(g_after.n_ran, 2);
	free(n.after);
}

typedef struct rx_thread {
	hfn_rxq *q;
	hfn_rx_item it;
	bool queued;
} rx_thread;

static void *rx_submit(void *arg)
{
	rx_thread *r = arg;
	r->queued = hfn_rxq_submit(r->q, &r->it);
	if (r->queued)
		hfn_rxq_wait(r->q, &r->it);
	return NULL;
}

static void test_rxq(void **state)
{
	(void)state;
	hfn_rxq *q = hfn_rxq_new();
	rx_thread t[3];
	pthread_t th[3];
	assert_null(hfn_rxq_take(q));
	for (int i = 0; i < 3; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].q = q;
		t[i].it.seq = i;
		assert_int_equal(pthread_create(&th[i], NULL, rx_submit, &t[i]), 0);
	}
	/* Collect all three, give each a result, release them together. */
	size_t got = 0;
	hfn_rx_item *all = NULL, *tail = NULL;
	for (int spin = 0; got < 3 && spin < 5000; spin++) {
		hfn_rx_item *l = hfn_rxq_take(q);
		if (!l) {
			usleep(1000);
			continue;
		}
		if (tail)
			tail->next = l;
		else
			all = l;
		for (; l; l = l->next) {
			l->result = l->seq == 1 ? HF_EREPLAY : HF_OK;
			tail = l;
			got++;
		}
	}
	assert_int_equal(got, 3);
	hfn_rxq_finish(q, all);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_true(t[i].queued);
		assert_true(t[i].it.done);
		assert_int_equal(t[i].it.result, i == 1 ? HF_EREPLAY : HF_OK);
	}
	/* Closed: refused without queueing (the caller commits by itself). */
	assert_null(hfn_rxq_close(q));
	hfn_rx_item late = {0};
	assert_false(hfn_rxq_submit(q, &late));
	assert_null(hfn_rxq_take(q));
	hfn_rxq_free(q);
}

/* Items with on_done: the submitter does not wait; the main loop's finish hands each item
 * back once, mixed with waiting submitters in one list. */
static int g_done_calls;
static hf_err g_done_result[4];
static void rx_done(hfn_rx_item *it)
{
	g_done_result[it->seq] = it->result;
	g_done_calls++;
}

static void test_rxq_on_done(void **state)
{
	(void)state;
	hfn_rxq *q = hfn_rxq_new();
	hfn_rx_item async[3];
	rx_thread w;
	pthread_t th;
	memset(async, 0, sizeof(async));
	memset(&w, 0, sizeof(w));
	g_done_calls = 0;
	for (int i = 0; i < 3; i++) {
		async[i].seq = i;
		async[i].on_done = rx_done;
		assert_true(hfn_rxq_submit(q, &async[i]));
	}
	w.q = q;
	w.it.seq = 3;
	assert_int_equal(pthread_create(&th, NULL, rx_submit, &w), 0);
	size_t got = 0;
	hfn_rx_item *all = NULL, *tail = NULL;
	for (int spin = 0; got < 4 && spin < 5000; spin++) {
		hfn_rx_item *l = hfn_rxq_take(q);
		if (!l) {
			usleep(1000);
			continue;
		}
		if (tail)
			tail->next = l;
		else
			all = l;
		for (; l; l = l->next) {
			l->result = l->seq == 2 ? HF_EDB : HF_OK;
			tail = l;
			got++;
		}
	}
	assert_int_equal(got, 4);
	assert_int_equal(g_done_calls, 0); /* nothing is answered before the finish */
	hfn_rxq_finish(q, all);
	assert_int_equal(g_done_calls, 3);
	assert_int_equal(g_done_result[0], HF_OK);
	assert_int_equal(g_done_result[2], HF_EDB);
	pthread_join(th, NULL);
	assert_true(w.it.done);
	for (int i = 0; i < 3; i++)
		assert_false(async[i].done); /* handed back through on_done, not the flag */
	assert_null(hfn_rxq_close(q));
	hfn_rxq_free(q);
}

typedef struct lock_thread {
	hfn_store *s;         /* the second connection, opened before the first one begins */
	atomic_int phase;     /* 1 running, about to begin; 2 began */
	atomic_int committed; /* set by the main thread just before its commit */
	int saw_commit;       /* committed, as seen once this thread's begin returned */
	hf_err rc;
} lock_thread;

static void *second_writer(void *arg)
{
	lock_thread *l = arg;
	hfn_store *s = l->s;
	atomic_store(&l->phase, 1);
	l->rc = hfn_store_begin(s); /* queues on the process's writer lock */
	l->saw_commit = atomic_load(&l->committed);
	atomic_store(&l->phase, 2);
	if (l->rc == HF_OK)
		l->rc = hfn_store_outbox_add(s, &(const hf_msg_id){"bbbbbbbbbbbbbbbb"}, P1, NULL, 0,
		                             (const uint8_t *)"y", 1, 5);
	if (l->rc == HF_OK)
		l->rc = hfn_store_commit(s);
	return NULL;
}

static void test_writer_lock_and_due(void **state)
{
	(void)state;
	char path[256];
	hfn_store *s;
	hfn_store_out due[4];
	size_t n;
	snprintf(path, sizeof(path), "/tmp/hf_test_pipeline_%d.db", (int)getpid());
	unlink(path);
	assert_int_equal(hfn_store_open(path, &s), HF_OK);
	/* Opened first: opening runs the migrations, which would wait on SQLite's own lock
	 * (not the writer lock under test) if the first connection were in a transaction. */
	lock_thread l = {.rc = HF_EINTERNAL};
	assert_int_equal(hfn_store_open(path, &l.s), HF_OK);
	assert_int_equal(hfn_store_begin(s), HF_OK);
	/* A nested begin on the same connection fails (it never deadlocks on itself). */
	assert_int_not_equal(hfn_store_begin(s), HF_OK);
	atomic_init(&l.phase, 0);
	atomic_init(&l.committed, 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, second_writer, &l), 0);
	/* The second writer must really be running (opened, about to begin) before we look. */
	for (int i = 0; i < 10000 && atomic_load(&l.phase) == 0; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&l.phase), 1);
	usleep(100000);
	assert_int_equal(atomic_load(&l.phase), 1); /* still waiting for our commit */
	/* A savepoint undone alone, the rest of the transaction kept. */
	assert_int_equal(hfn_store_savepoint(s), HF_OK);
	assert_int_equal(hfn_store_outbox_add(s, &(const hf_msg_id){"cccccccccccccccc"}, P1, NULL,
	                                      0, (const uint8_t *)"z", 1, 1),
	                 HF_OK);
	hfn_store_rollback_to(s);
	assert_int_equal(hfn_store_outbox_add(s, &(const hf_msg_id){"aaaaaaaaaaaaaaaa"}, P1, NULL,
	                                      0, (const uint8_t *)"x", 1, 10),
	                 HF_OK);
	atomic_store(&l.committed, 1); /* the lock is released only inside the commit */
	assert_int_equal(hfn_store_commit(s), HF_OK);
	pthread_join(th, NULL);
	assert_int_equal(atomic_load(&l.phase), 2);
	assert_int_equal(l.saw_commit, 1); /* its begin returned only after our commit */
	assert_int_equal(l.rc, HF_OK);
	hfn_store_close(l.s);
	/* Due in order of next_ms: b (5) before a (10); c was undone; none due before 5. */
	assert_int_equal(hfn_store_outbox_due(s, 4, due, 4, &n), HF_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hfn_store_outbox_due(s, 100, due, 4, &n), HF_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(due[0].msg_id.b, "bbbbbbbbbbbbbbbb", 16);
	assert_memory_equal(due[1].msg_id.b, "aaaaaaaaaaaaaaaa", 16);
	assert_int_equal(due[1].len, 1);
	assert_int_equal(due[1].env[0], 'x');
	for (size_t i = 0; i < n; i++)
		free(due[i].env);
	/* max bounds the answer. */
	assert_int_equal(hfn_store_outbox_due(s, 100, due, 1, &n), HF_OK);
	assert_int_equal(n, 1);
	free(due[0].env);
	hfn_store_close(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_after_commit),
	    cmocka_unit_test(test_rxq),
	    cmocka_unit_test(test_rxq_on_done),
	    cmocka_unit_test(test_writer_lock_and_due),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
