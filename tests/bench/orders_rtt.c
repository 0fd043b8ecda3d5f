/*
 * Baseline of tests/bench/bench_orders.sh: a raw nng req/rep round trip over the
 * same mutual TLS (same certificates, loopback) with a request the size of an
 * order envelope and a reply the size of a receipt envelope. No crypto beyond
 * TLS, no storage. Prints "p50_us p99_us" of N sequential round trips.
 *
 * usage: hf_orders_rtt CA CERT KEY PORT REQ_BYTES REP_BYTES N
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

static size_t g_rep_bytes;

static int die(const char *what)
{
	fprintf(stderr, "hf_orders_rtt: %s\n", what);
	return 2;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = f ? calloc(1, 1 << 20) : NULL;
	if (p && fread(p, 1, (1 << 20) - 1, f) == 0) {
		free(p);
		p = NULL;
	}
	if (f)
		fclose(f);
	return p;
}

static nng_tls_config *tls_cfg(nng_tls_mode mode, const char *ca, const char *cert, const char *key)
{
	nng_tls_config *t;
	char *c = slurp(cert), *k = slurp(key);
	if (!c || !k || nng_tls_config_alloc(&t, mode) != 0 ||
	    nng_tls_config_auth_mode(t, NNG_TLS_AUTH_MODE_REQUIRED) != 0 ||
	    nng_tls_config_ca_file(t, ca) != 0 || nng_tls_config_own_cert(t, c, k, NULL) != 0)
		t = NULL;
	free(c);
	free(k);
	return t;
}

static void *serve(void *arg)
{
	nng_socket *s = arg;
	for (;;) {
		nng_msg *m;
		if (nng_recvmsg(*s, &m, 0) != 0)
			return NULL;
		nng_msg_clear(m);
		if (nng_msg_realloc(m, g_rep_bytes) != 0 || nng_sendmsg(*s, m, 0) != 0)
			return NULL;
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 8)
		return die("usage: CA CERT KEY PORT REQ_BYTES REP_BYTES N");
	char url[64];
	size_t req_bytes = strtoul(argv[5], NULL, 10);
	int n = atoi(argv[7]);
	g_rep_bytes = strtoul(argv[6], NULL, 10);
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%s", argv[4]);
	nng_tls_config *ts = tls_cfg(NNG_TLS_MODE_SERVER, argv[1], argv[2], argv[3]);
	nng_tls_config *tc = tls_cfg(NNG_TLS_MODE_CLIENT, argv[1], argv[2], argv[3]);
	nng_socket rep, req;
	nng_listener l;
	nng_dialer d;
	pthread_t th;
	if (!ts || !tc || n < 10)
		return die("tls config / args");
	if (nng_rep0_open(&rep) != 0 || nng_listener_create(&l, rep, url) != 0 ||
	    nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, ts) != 0 || nng_listener_start(l, 0) != 0)
		return die("listen");
	if (nng_req0_open(&req) != 0 || nng_dialer_create(&d, req, url) != 0 ||
	    nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tc) != 0 || nng_dialer_start(d, 0) != 0)
		return die("dial");
	pthread_create(&th, NULL, serve, &rep);
	double *us = calloc((size_t)n, sizeof(*us));
	for (int i = -50; i < n; i++) { /* 50 warm-up round trips (handshake) */
		struct timespec a, b;
		nng_msg *m;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (nng_msg_alloc(&m, req_bytes) != 0 || nng_sendmsg(req, m, 0) != 0 ||
		    nng_recvmsg(req, &m, 0) != 0)
			return die("round trip");
		nng_msg_free(m);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (i >= 0)
			us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
			        (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp);
	printf("%.1f %.1f\n", us[n / 2], us[(n * 99) / 100]);
	nng_close(req);
	nng_close(rep);
	free(us);
	return 0;
}
