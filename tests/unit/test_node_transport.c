/* node/net/transport.c: URL mapping, retry backoff with jitter, and deferred replies (the
 * receive path of the group commit) against a real req socket on loopback. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "hf_test.h"
#include "net/transport.h"

static void test_url(void **state)
{
	(void)state;
	char out[64], tiny[8];
	assert_int_equal(hfn_transport_url("tls+tcp://127.0.0.1:7401", false, out, sizeof(out)),
	                 HF_OK);
	assert_string_equal(out, "tls+tcp://127.0.0.1:7401");
	assert_int_equal(hfn_transport_url("tls+tcp://127.0.0.1:7401", true, out, sizeof(out)),
	                 HF_OK);
	assert_string_equal(out, "tcp://127.0.0.1:7401");
	assert_int_equal(hfn_transport_url("tls+tcp://127.0.0.1:7401", true, tiny, sizeof(tiny)),
	                 HF_ENOSPC);
}

static void test_backoff(void **state)
{
	(void)state;
	/* attempt 0: base, jittered into [base/2, 1.5 base) */
	assert_int_equal(hfn_backoff_ms(0, 250, 30000, 0), 125);
	assert_int_equal(hfn_backoff_ms(0, 250, 30000, 999), 125 + 249);
	/* doubles per attempt */
	assert_int_equal(hfn_backoff_ms(3, 250, 30000, 0), 1000);
	/* capped, also for absurd attempt counts (no overflow) */
	assert_int_equal(hfn_backoff_ms(40, 250, 30000, 0), 15000);
	assert_int_equal(hfn_backoff_ms(UINT32_MAX, 250, 30000, 500), 30000);
	for (uint32_t r = 0; r < 5000; r += 7) {
		uint64_t d = hfn_backoff_ms(5, 250, 30000, r);
		assert_true(d >= 4000 && d < 12000);
	}
}

#define RX_N 24 /* requests in flight at once, far more than the transport's workers */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	hfn_reply *tok[RX_N];
	int n_kept, n_sync;
} g_rx = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};

/* Keeps the token of request "req-<i>" (i odd: to answer HF_EREPLAY later); "sync" is
 * answered at once with HF_EPARSE. */
static hf_err rx_hook(void *ctx, hfn_store *s, const uint8_t *env, size_t len, hfn_reply *later,
                      bool *kept)
{
	char buf[16];
	int i;
	(void)ctx;
	(void)s;
	if (len >= sizeof(buf))
		return HF_EPARSE;
	memcpy(buf, env, len);
	buf[len] = 0;
	if (strcmp(buf, "sync") == 0 || !later || sscanf(buf, "req-%d", &i) != 1 || i < 0 ||
	    i >= RX_N) {
		pthread_mutex_lock(&g_rx.mu);
		g_rx.n_sync++;
		pthread_mutex_unlock(&g_rx.mu);
		return HF_EPARSE;
	}
	pthread_mutex_lock(&g_rx.mu);
	g_rx.tok[i] = later;
	g_rx.n_kept++;
	pthread_cond_broadcast(&g_rx.cv);
	pthread_mutex_unlock(&g_rx.mu);
	*kept = true;
	return HF_EINTERNAL; /* ignored: the reply is the token's */
}

static hf_err rx_no_peer(void *ctx, const uint8_t member[HFN_MEMBER_LEN], char *url, size_t size)
{
	(void)ctx;
	(void)member;
	(void)url;
	(void)size;
	return HF_ENOTFOUND;
}

static void req_send(nng_ctx c, nng_aio *a, const char *text)
{
	nng_msg *m;
	assert_int_equal(nng_msg_alloc(&m, 0), 0);
	assert_int_equal(nng_msg_append(m, text, strlen(text)), 0);
	nng_aio_set_msg(a, m);
	nng_aio_set_timeout(a, 10000);
	nng_ctx_send(c, a);
}

static void req_reply(nng_ctx c, nng_aio *a, const char *want)
{
	nng_aio_wait(a); /* the send */
	assert_int_equal(nng_aio_result(a), 0);
	nng_ctx_recv(c, a);
	nng_aio_wait(a);
	assert_int_equal(nng_aio_result(a), 0);
	nng_msg *m = nng_aio_get_msg(a);
	assert_int_equal(nng_msg_len(m), strlen(want));
	assert_memory_equal(nng_msg_body(m), want, strlen(want));
	nng_msg_free(m);
}

/* More requests than workers are all taken and held at once (so all of them can share one
 * commit), each answered on its own context, in any order; a request the hook answers at
 * once still gets its reply. */
static void test_deferred_replies(void **state)
{
	(void)state;
	char dir[] = "/tmp/hf_test_transport_XXXXXX", db[64], listen[64], url[64];
	hfn_transport *t = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/node.db", dir);
	hfn_store *s0; /* created first, as the node does (its threads only open it) */
	assert_int_equal(hfn_store_open(db, &s0), HF_OK);
	hfn_store_close(s0);
	hfn_transport_ops ops = {.receive = rx_hook, .peer_url = rx_no_peer};
	srand((unsigned)getpid());
	for (int tries = 0; !t && tries < 50; tries++) {
		int port = 21000 + rand() % 8000;
		snprintf(listen, sizeof(listen), "tcp://127.0.0.1:%d", port);
		hfn_transport_cfg cfg = {.db_path = db,
		                         .listen = listen,
		                         .insecure = true,
		                         .workers = 2,
		                         .retry_base_ms = 250,
		                         .retry_max_ms = 1000};
		if (hfn_transport_start(&cfg, &ops, NULL, &t) != HF_OK)
			t = NULL;
	}
	assert_non_null(t);
	snprintf(url, sizeof(url), "%s", listen);
	nng_socket req;
	nng_ctx c[RX_N + 1];
	nng_aio *a[RX_N + 1];
	assert_int_equal(nng_req0_open(&req), 0);
	assert_int_equal(nng_dial(req, url, NULL, 0), 0);
	for (int i = 0; i <= RX_N; i++) {
		char text[16];
		assert_int_equal(nng_ctx_open(&c[i], req), 0);
		assert_int_equal(nng_aio_alloc(&a[i], NULL, NULL), 0);
		snprintf(text, sizeof(text), "req-%d", i);
		req_send(c[i], a[i], i == RX_N ? "sync" : text);
	}
	/* Two workers, RX_N requests: all must reach the hook before any is answered. */
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 20;
	pthread_mutex_lock(&g_rx.mu);
	while (g_rx.n_kept < RX_N && pthread_cond_timedwait(&g_rx.cv, &g_rx.mu, &dl) == 0)
		;
	int kept = g_rx.n_kept;
	pthread_mutex_unlock(&g_rx.mu);
	assert_int_equal(kept, RX_N);
	req_reply(c[RX_N], a[RX_N], "HF_EPARSE");
	for (int i = RX_N - 1; i >= 0; i--) /* answered last to first */
		hfn_transport_reply(g_rx.tok[i], i % 2 ? HF_EREPLAY : HF_OK);
	for (int i = 0; i < RX_N; i++)
		req_reply(c[i], a[i], i % 2 ? "HF_EREPLAY" : "HF_OK");
	assert_int_equal(g_rx.n_sync, 1);
	for (int i = 0; i <= RX_N; i++) {
		nng_ctx_close(c[i]);
		nng_aio_free(a[i]);
	}
	nng_close(req);
	hfn_transport_stop(t);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_deferred_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
