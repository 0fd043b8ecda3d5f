/* nng req/rep links with mutual TLS; durable outbox sender; verifying receivers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <sodium.h>

#include "hashfed/envelope.h"
#include "hashfed/limits.h"
#include "core/log.h"
#include "net/tls_engine.h"
#include "net/transport.h"
#include "hf_check.h"

#define HFN_MAX_PEERS   64
#define HFN_MAX_WORKERS 8
#define HFN_PEM_MAX     65536
#define HFN_SEND_ROUND  256 /* messages in flight at once (all peers) */

typedef struct hfn_peer {
	uint8_t member[HFN_MEMBER_LEN];
	char url[300];
	nng_socket sock;
	bool open;
	struct hfn_transport *t;
	nng_tls_config *tls; /* per peer: its handshakes are checked against its fingerprints */
	bool tls_refused;    /* under t->mu: a handshake was refused since the last round */
	bool tls_bad;        /* sender thread: the last failure was a refused certificate */
	uint64_t down_until; /* after a failure: skip this peer until then (no head-of-line wait) */
	uint32_t failures;
	struct hfn_pipes *pipes; /* live pipes of sock (nng pipe events) */
	uint32_t stuck;          /* rounds in a row whose sends found no pipe although one is up */
	bool abandon;            /* replace sock after this round (see stuck_check) */
} hfn_peer;

/* Live pipes of one req socket, counted from nng's pipe events. An abandoned socket keeps
 * its counter (its callbacks may still fire), so it is never freed with it. */
typedef struct hfn_pipes {
	atomic_int n;
} hfn_pipes;

/* Sends that time out with a pipe up for this many rounds: the connection is stuck. */
#define HFN_STUCK_ROUNDS 3

struct hfn_transport {
	hfn_transport_cfg cfg;
	char db_path[4096];
	hfn_transport_ops ops;
	void *ctx;
	nng_tls_config *tls_server;
	nng_socket rep;
	bool rep_open;
	pthread_t workers[HFN_MAX_WORKERS];
	unsigned n_workers;
	pthread_t sender;
	bool sender_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	bool kicked;
	hfn_peer peers[HFN_MAX_PEERS];
	size_t n_peers;
	uint8_t alive[HFN_MAX_PEERS][HFN_MEMBER_LEN]; /* under mu: peers heard from */
	size_t n_alive;
	pthread_cond_t rx_cv;           /* under mu: a reply token came back */
	unsigned rx_pending;            /* under mu: tokens out (receiving, or held for a reply) */
	unsigned rx_total;              /* under mu: tokens made */
	struct hfn_reply *rx_free;      /* under mu: tokens to reuse */
	struct hfn_reply *rx_all;       /* under mu: every token (freed by hfn_transport_stop) */
	nng_aio *waio[HFN_MAX_WORKERS]; /* under mu: each running worker's aio */
	unsigned n_live;                /* under mu: workers still running */
	uint64_t tls_log_ms;            /* under mu: last tls_peer_refused line of the listener */
};

/* A receive context and the aio its deferred reply goes out with. */
struct hfn_reply {
	hfn_transport *t;
	nng_ctx ctx;
	nng_aio *aio;
	struct hfn_reply *next; /* free list */
	struct hfn_reply *all;
};

hf_err hfn_transport_url(const char *url, bool insecure, char *out, size_t size)
{
	const char *pfx = "tls+tcp://";
	int n;
	if (insecure && strncmp(url, pfx, strlen(pfx)) == 0)
		n = snprintf(out, size, "tcp://%s", url + strlen(pfx));
	else
		n = snprintf(out, size, "%s", url);
	return n < 0 || (size_t)n >= size ? HF_ENOSPC : HF_OK;
}

uint64_t hfn_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t max_ms, uint32_t rnd)
{
	uint64_t d = base_ms;
	for (uint32_t i = 0; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* Jitter in [0.5, 1.5) so peers that failed together do not retry together. */
	return d / 2 + (d * (rnd % 1000)) / 1000;
}

/* Reads a small PEM file into a NUL-terminated buffer. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	if (!f)
		return NULL;
	buf = malloc(HFN_PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, HFN_PEM_MAX, f);
	fclose(f);
	if (n == 0 || n == HFN_PEM_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* ---- TLS peer pinning ----------------------------------------------------- */

static void log_tls_refused(const char *side, const uint8_t *member, const uint8_t fp[32])
{
	char fph[65], mh[2 * HFN_MEMBER_LEN + 1] = "any";
	hfn_hex(fp, 32, fph);
	if (member)
		hfn_hex(member, HFN_MEMBER_LEN, mh);
	hfn_log(HFN_LOG_WARN, "tls_peer_refused", "side", side, "member", mh, "fingerprint", fph,
	        "code", hf_err_name(HF_ETLSPEER), NULL);
}

/* Listener: the connecting peer's certificate must be some member's. One log line a second
 * at most, so a hostile peer cannot flood the log with handshakes. */
static hf_err tls_check_listener(void *ctx, const uint8_t fp[HFN_TLS_FP_BYTES])
{
	hfn_transport *t = ctx;
	if (!t->ops.tls_peer || t->ops.tls_peer(t->ctx, NULL, fp) == HF_OK)
		return HF_OK;
	uint64_t now = hfn_now_ms();
	pthread_mutex_lock(&t->mu);
	bool log = now - t->tls_log_ms >= 1000;
	if (log)
		t->tls_log_ms = now;
	pthread_mutex_unlock(&t->mu);
	if (log)
		log_tls_refused("listener", NULL, fp);
	return HF_ETLSPEER;
}

/* Dialer: the server we reached must present one of the dialed member's certificates. */
static hf_err tls_check_dialer(void *ctx, const uint8_t fp[HFN_TLS_FP_BYTES])
{
	hfn_peer *p = ctx;
	hfn_transport *t = p->t;
	if (!t->ops.tls_peer || t->ops.tls_peer(t->ctx, p->member, fp) == HF_OK)
		return HF_OK;
	pthread_mutex_lock(&t->mu);
	bool first = !p->tls_refused;
	p->tls_refused = true;
	pthread_mutex_unlock(&t->mu);
	if (first)
		log_tls_refused("dialer", p->member, fp);
	return HF_ETLSPEER;
}

/* Whether a handshake with p was refused since the last call (sender thread). */
static bool tls_take_refused(hfn_peer *p)
{
	pthread_mutex_lock(&p->t->mu);
	bool r = p->tls_refused;
	p->tls_refused = false;
	pthread_mutex_unlock(&p->t->mu);
	return r;
}

static hf_err tls_config(const hfn_transport_cfg *c, nng_tls_mode mode, hfn_tls_check_fn check,
                         void *ctx, nng_tls_config **out)
{
	hf_err rc = HF_ECONFIG;
	char *cert = NULL, *key = NULL, *ca = NULL, *crl = NULL;
	nng_tls_config *t = NULL;
	*out = NULL;
	if ((rc = hfn_tls_config_alloc(mode, check, ctx, &t)) != HF_OK)
		return rc;
	rc = HF_ECONFIG;
	cert = read_pem(c->tls_cert);
	key = read_pem(c->tls_key);
	ca = read_pem(c->tls_ca);
	if (c->tls_crl && c->tls_crl[0] && !(crl = read_pem(c->tls_crl)))
		goto out;
	if (!cert || !key || !ca)
		goto out;
	/* Mutual TLS: both ends present a certificate chained to the federation CA. */
	if (nng_tls_config_auth_mode(t, NNG_TLS_AUTH_MODE_REQUIRED) != 0 ||
	    nng_tls_config_ca_chain(t, ca, crl) != 0 ||
	    nng_tls_config_own_cert(t, cert, key, NULL) != 0)
		goto out;
	*out = t;
	t = NULL;
	rc = HF_OK;
out:
	if (key)
		sodium_memzero(key, strlen(key));
	free(cert);
	free(key);
	free(ca);
	free(crl);
	if (t)
		nng_tls_config_free(t);
	return rc;
}

/* ---- receiving ---------------------------------------------------------- */

static void sender_wait(hfn_transport *t, uint64_t ms);
static bool hfn_stopping(hfn_transport *t);

/* Reply tokens are recycled, never closed while the transport runs: an nng context closed
 * from the completion callback of its own send races with that send's release. */
static void reply_put(hfn_reply *r)
{
	hfn_transport *t = r->t;
	pthread_mutex_lock(&t->mu);
	r->next = t->rx_free;
	t->rx_free = r;
	t->rx_pending--;
	pthread_cond_broadcast(&t->rx_cv);
	pthread_mutex_unlock(&t->mu);
}

/* A deferred reply went out (or could not: the peer resends): the token is free again. */
static void reply_sent(void *arg)
{
	hfn_reply *r = arg;
	nng_msg *m = nng_aio_get_msg(r->aio);
	if (m && nng_aio_result(r->aio) != 0)
		nng_msg_free(m);
	nng_aio_set_msg(r->aio, NULL);
	reply_put(r);
}

/* A token (its context receives the next request): a free one, or a new one while fewer
 * than HFN_RX_PENDING are out; otherwise waits. NULL once stopping (or out of memory). */
static hfn_reply *reply_get(hfn_transport *t)
{
	hfn_reply *r = NULL;
	pthread_mutex_lock(&t->mu);
	while (!t->stopping && !t->rx_free && t->rx_total >= HFN_RX_PENDING)
		pthread_cond_wait(&t->rx_cv, &t->mu);
	if (!t->stopping && t->rx_free) {
		r = t->rx_free;
		t->rx_free = r->next;
		t->rx_pending++;
	}
	bool grow = !t->stopping && !r;
	if (grow) {
		t->rx_total++; /* reserved before unlocking */
		t->rx_pending++;
	}
	pthread_mutex_unlock(&t->mu);
	if (!grow)
		return r;
	r = calloc(1, sizeof(*r));
	if (r && nng_aio_alloc(&r->aio, reply_sent, r) != 0) {
		free(r);
		r = NULL;
	}
	if (r && nng_ctx_open(&r->ctx, t->rep) != 0) {
		nng_aio_free(r->aio);
		free(r);
		r = NULL;
	}
	if (!r) {
		pthread_mutex_lock(&t->mu);
		t->rx_total--;
		t->rx_pending--;
		pthread_cond_broadcast(&t->rx_cv);
		pthread_mutex_unlock(&t->mu);
		return NULL;
	}
	r->t = t;
	pthread_mutex_lock(&t->mu);
	r->all = t->rx_all; /* freed by hfn_transport_stop */
	t->rx_all = r;
	pthread_mutex_unlock(&t->mu);
	return r;
}

static nng_msg *reply_msg(hf_err rc)
{
	const char *name = hf_err_name(rc);
	nng_msg *m;
	if (nng_msg_alloc(&m, 0) != 0)
		return NULL;
	if (nng_msg_append(m, name, strlen(name)) != 0) {
		nng_msg_free(m);
		return NULL;
	}
	return m;
}

void hfn_transport_reply(hfn_reply *r, hf_err code)
{
	nng_msg *m = reply_msg(code);
	if (!m) {
		reply_put(r); /* nothing to send: the peer's request times out, it resends */
		return;
	}
	nng_aio_set_msg(r->aio, m);
	nng_ctx_send(r->ctx, r->aio);
}

static void *worker_main(void *arg)
{
	hfn_transport *t = arg;
	hfn_store *store = NULL;
	nng_aio *aio = NULL; /* this thread's: receives, and sends the replies it does not defer */
	hfn_reply *r = NULL;
	unsigned slot = HFN_MAX_WORKERS;
	if (hfn_store_open(t->db_path, &store) != HF_OK || nng_aio_alloc(&aio, NULL, NULL) != 0) {
		hfn_log(HFN_LOG_ERROR, "worker_start_failed", NULL);
		hfn_store_close(store);
		goto gone;
	}
	pthread_mutex_lock(&t->mu);
	for (slot = 0; slot < HFN_MAX_WORKERS && t->waio[slot]; slot++)
		;
	if (slot < HFN_MAX_WORKERS)
		t->waio[slot] = aio; /* hfn_transport_stop aborts what it waits for */
	pthread_mutex_unlock(&t->mu);
	for (;;) {
		if (hfn_stopping(t))
			break;
		if (!r && !(r = reply_get(t))) {
			if (hfn_stopping(t))
				break;
			hfn_log(HFN_LOG_ERROR, "worker_ctx_failed", NULL);
			sender_wait(t, 100);
			continue;
		}
		nng_ctx_recv(r->ctx, aio);
		nng_aio_wait(aio);
		int rv = nng_aio_result(aio);
		if (rv == NNG_ECLOSED)
			break;
		if (rv != 0)
			continue;
		nng_msg *m = nng_aio_get_msg(aio);
		bool kept = false;
		hf_err rc =
		    t->ops.receive(t->ctx, store, nng_msg_body(m), nng_msg_len(m), r, &kept);
		nng_msg_free(m);
		if (kept) {
			r = NULL; /* the reply goes out on its context when the holder answers */
			continue;
		}
		if (!(m = reply_msg(rc)))
			continue;
		nng_aio_set_msg(aio, m);
		nng_ctx_send(r->ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0)
			nng_msg_free(nng_aio_get_msg(aio));
	}
	if (r)
		reply_put(r);
	pthread_mutex_lock(&t->mu);
	if (slot < HFN_MAX_WORKERS)
		t->waio[slot] = NULL;
	pthread_mutex_unlock(&t->mu);
	nng_aio_free(aio);
	hfn_store_close(store);
gone:
	pthread_mutex_lock(&t->mu);
	t->n_live--;
	pthread_cond_broadcast(&t->rx_cv);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* ---- sending ------------------------------------------------------------ */

static void pipe_event(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	hfn_pipes *c = arg;
	(void)pipe;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&c->n, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&c->n, 1);
}

static hfn_peer *peer_get(hfn_transport *t, const uint8_t member[HFN_MEMBER_LEN], hf_err *err)
{
	char url[300], dial[310];
	hfn_peer *p = NULL;
	nng_dialer d;
	*err = t->ops.peer_url(t->ctx, member, url, sizeof(url));
	if (*err != HF_OK)
		return NULL;
	for (size_t i = 0; i < t->n_peers; i++) {
		if (memcmp(t->peers[i].member, member, HFN_MEMBER_LEN) == 0) {
			p = &t->peers[i];
			break;
		}
	}
	/* Endpoint changed with a new manifest: redial. */
	if (p && p->open && strcmp(p->url, url) != 0) {
		nng_close(p->sock);
		free(p->pipes);
		p->pipes = NULL;
		p->open = false;
	}
	if (p && p->open)
		return p;
	if (!p) {
		if (t->n_peers == HFN_MAX_PEERS) {
			*err = HF_ENOSPC;
			return NULL;
		}
		p = &t->peers[t->n_peers++];
		memcpy(p->member, member, HFN_MEMBER_LEN);
		p->t = t;
	}
	if (!t->cfg.insecure && !p->tls &&
	    (*err = tls_config(&t->cfg, NNG_TLS_MODE_CLIENT, tls_check_dialer, p, &p->tls)) !=
	        HF_OK)
		return NULL;
	snprintf(p->url, sizeof(p->url), "%s", url);
	*err = hfn_transport_url(url, t->cfg.insecure, dial, sizeof(dial));
	if (*err != HF_OK)
		return NULL;
	*err = HF_ENOMEM;
	if (!p->pipes && !(p->pipes = calloc(1, sizeof(*p->pipes))))
		return NULL;
	atomic_store(&p->pipes->n, 0);
	*err = HF_ENET;
	if (nng_req0_open(&p->sock) != 0)
		return NULL;
	p->stuck = 0;
	/* The outbox does the retrying, not nng (requests run on contexts: op_start). */
	if (nng_socket_set_ms(p->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE) != 0 ||
	    nng_socket_set_ms(p->sock, NNG_OPT_SENDTIMEO, 1000) != 0 ||
	    nng_socket_set_ms(p->sock, NNG_OPT_RECVTIMEO, 15000) != 0 ||
	    nng_socket_set_size(p->sock, NNG_OPT_RECVMAXSZ, 4096) != 0 ||
	    nng_socket_set_ms(p->sock, NNG_OPT_RECONNMINT, 100) != 0 ||
	    nng_socket_set_ms(p->sock, NNG_OPT_RECONNMAXT, 2000) != 0 ||
	    nng_pipe_notify(p->sock, NNG_PIPE_EV_ADD_POST, pipe_event, p->pipes) != 0 ||
	    nng_pipe_notify(p->sock, NNG_PIPE_EV_REM_POST, pipe_event, p->pipes) != 0 ||
	    nng_dialer_create(&d, p->sock, dial) != 0 ||
	    (!t->cfg.insecure && nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, p->tls) != 0) ||
	    nng_dialer_start(d, NNG_FLAG_NONBLOCK) != 0) {
		nng_close(p->sock);
		return NULL;
	}
	p->open = true;
	*err = HF_OK;
	return p;
}

/* Reply of the peer: the name of an hf_err. */
static hf_err reply_code(nng_msg *m)
{
	char name[64];
	hf_err res = HF_EPARSE;
	size_t n = nng_msg_len(m);
	if (n > 0 && n < sizeof(name)) {
		memcpy(name, nng_msg_body(m), n);
		name[n] = 0;
		if (hf_err_from_name(name, &res) != HF_OK)
			res = HF_EPARSE;
	}
	return res;
}

static hf_err hfn_nng_err(int r)
{
	return r == NNG_ETIMEDOUT ? HF_ETIMEOUT : HF_ENET;
}

static void sender_wait(hfn_transport *t, uint64_t ms)
{
	struct timespec ts;
	pthread_mutex_lock(&t->mu);
	if (!t->kicked && !t->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(ms / 1000);
		ts.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	t->kicked = false;
	pthread_mutex_unlock(&t->mu);
}

static bool hfn_stopping(hfn_transport *t)
{
	pthread_mutex_lock(&t->mu);
	bool s = t->stopping;
	pthread_mutex_unlock(&t->mu);
	return s;
}

void hfn_transport_peer_alive(hfn_transport *t, const uint8_t member[HFN_MEMBER_LEN])
{
	pthread_mutex_lock(&t->mu);
	size_t i = 0;
	while (i < t->n_alive && memcmp(t->alive[i], member, HFN_MEMBER_LEN) != 0)
		i++;
	if (i == t->n_alive && t->n_alive < HFN_MAX_PEERS)
		memcpy(t->alive[t->n_alive++], member, HFN_MEMBER_LEN);
	pthread_mutex_unlock(&t->mu);
}

/* Sender thread: forget the down marks of peers we have heard from since. */
static void revive(hfn_transport *t, hfn_store *store)
{
	uint8_t alive[HFN_MAX_PEERS][HFN_MEMBER_LEN];
	size_t n;
	pthread_mutex_lock(&t->mu);
	n = t->n_alive;
	memcpy(alive, t->alive, n * HFN_MEMBER_LEN);
	t->n_alive = 0;
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < t->n_peers; j++) {
			if (t->peers[j].down_until &&
			    memcmp(t->peers[j].member, alive[i], HFN_MEMBER_LEN) == 0) {
				t->peers[j].down_until = 0;
				t->peers[j].failures = 0;
				if (hfn_store_outbox_rearm_peer(store, alive[i], hfn_now_ms()) !=
				    HF_OK)
					hfn_log(HFN_LOG_ERROR, "outbox_rearm_failed", NULL);
			}
		}
	}
}

/* One message of a send round. */
typedef struct hfn_sendop {
	hfn_store_out o;
	hfn_peer *p;
	nng_ctx ctx;
	nng_aio *aio;
	int stage; /* 0 not sent, 1 request sent, 2 waiting for the reply, -1 deferred */
	hf_err res;
	uint8_t subject[16];
	uint32_t type; /* the envelope's message type (0 if it could not be read) */
	bool expired;  /* its envelope expired before it could be sent: never sent */
	bool peeked;   /* its header could be read: subject, type and expires_ms are set */
	uint64_t expires_ms;
} hfn_sendop;

/* Starts the request of op on its own context of the peer's req socket (several requests
 * in flight per peer; the outbox does the retrying, not nng). */
static hf_err op_start(hfn_sendop *op)
{
	nng_msg *m = NULL;
	if (nng_aio_alloc(&op->aio, NULL, NULL) != 0)
		return HF_ENOMEM;
	if (nng_ctx_open(&op->ctx, op->p->sock) != 0)
		return HF_ENET;
	op->stage = 1;
	if (nng_ctx_set_ms(op->ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE) != 0)
		return HF_ENET;
	if (nng_msg_alloc(&m, 0) != 0)
		return HF_ENOMEM;
	if (nng_msg_append(m, op->o.env, op->o.len) != 0) {
		nng_msg_free(m);
		return HF_ENOMEM;
	}
	nng_aio_set_msg(op->aio, m);
	nng_aio_set_timeout(op->aio, 1000);
	nng_ctx_send(op->ctx, op->aio);
	return HF_OK;
}

/* Records the fate of one message (inside the round's transaction). */
static hf_err op_record(hfn_transport *t, hfn_store *store, hfn_sendop *op)
{
	char peer_hex[2 * HFN_MEMBER_LEN + 1], id_hex[HF_ID_HEX_SIZE], att[16], type[12], label[48];
	hfn_store_out *o = &op->o;
	hf_err res = op->res, st;
	hfn_hex(o->peer, HFN_MEMBER_LEN, peer_hex);
	hf_msg_id_hex(&o->msg_id, id_hex);
	snprintf(att, sizeof(att), "#%u", o->attempts + 1);
	snprintf(type, sizeof(type), "%u", op->type);
	hf_err_class cls = hf_err_class_of(res);
	if (res == HF_ETLSPEER) {
		/* Our refusal of the peer's certificate, not the peer's of the message: a new
		 * manifest (or the right certificate) fixes it, so retry with backoff. */
		uint64_t next =
		    hfn_now_ms() + hfn_backoff_ms(o->attempts, t->cfg.retry_base_ms,
		                                  t->cfg.retry_max_ms, randombytes_random());
		st = hfn_store_outbox_retry(store, o->seq, next, hf_err_name(res));
	} else if (res == HF_OK || res == HF_EREPLAY) {
		st = hfn_store_outbox_done(store, o->seq, hfn_now_ms());
		hfn_log(HFN_LOG_DEBUG, "delivered", "peer", peer_hex, "msg", id_hex, "attempts",
		        att, NULL);
	} else if (op->expired && op->type == HF_MSG_LIST_PULL) {
		/* A pull asks for what is new now and the next one replaces it (spec §12.6): one
		 * that expired unsent is dropped by design, counted, not reported undeliverable. */
		st = hfn_store_outbox_expire(store, o->seq, hf_err_name(res));
		if (st == HF_OK)
			st = hfn_store_count(store, "messages_expired", type, 1);
	} else if (cls == HF_CLASS_MALFORMED || cls == HF_CLASS_CRYPTO || cls == HF_CLASS_POLICY ||
	           cls == HF_CLASS_STATE) {
		/* The peer will never accept these bytes (or took them and refused them for good,
		 * spec §12.6), or they expired unsent (the peer would refuse them): retrying cannot
		 * help, and a sealed header is never re-sealed (spec §12.6). Undeliverable: the
		 * code stays in the outbox row (/v1/status), counted, logged. */
		st = hfn_store_outbox_retry(store, o->seq, 0, hf_err_name(res));
		snprintf(label, sizeof(label), "%s|%s", type, hf_err_name(res));
		if (st == HF_OK)
			st = hfn_store_count(store, "undeliverable", label, 1);
		hfn_log(HFN_LOG_WARN, op->expired ? "undeliverable" : "send_refused", "peer",
		        peer_hex, "msg", id_hex, "type", type, "code", hf_err_name(res), NULL);
	} else {
		uint64_t next =
		    hfn_now_ms() + hfn_backoff_ms(o->attempts, t->cfg.retry_base_ms,
		                                  t->cfg.retry_max_ms, randombytes_random());
		st = hfn_store_outbox_retry(store, o->seq, next, hf_err_name(res));
		hfn_log(HFN_LOG_DEBUG, "send_retry", "peer", peer_hex, "msg", id_hex, "code",
		        hf_err_name(res), "attempts", att, NULL);
	}
	return st;
}

/* Whether an earlier message (outbox seq, not position: the round comes ordered by due
 * time) of this round goes to the same peer about the same subject. */
static bool op_defer(const hfn_sendop *ops, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && ops[j].o.seq < ops[i].o.seq && ops[j].o.env &&
		    memcmp(ops[j].o.peer, ops[i].o.peer, HFN_MEMBER_LEN) == 0 &&
		    memcmp(ops[j].subject, ops[i].subject, 16) == 0)
			return true;
	return false;
}

/*
 * nng 1.5's single reaper thread can block for good tearing down a dead TLS pipe (waiting on
 * a send that never completes): the pipe is never removed, so the socket's dialer never
 * redials and every request to that peer times out waiting for a pipe, for ever, although
 * the peer is up (net.proxy_faults, orders_bulk). Seen from here: sends time out before any
 * pipe took them while the socket still counts a live pipe. After HFN_STUCK_ROUNDS such
 * rounds the socket is abandoned (never closed: closing waits for that reaper) and the next
 * round dials a new one. ops: this round's messages from the peer's first one on.
 */
static void stuck_check(hfn_peer *p, const hfn_sendop *ops, size_t n)
{
	bool timed_out = false, answered = false;
	for (size_t j = 0; j < n; j++) {
		if (ops[j].p != p || ops[j].stage < 1)
			continue;
		if (ops[j].stage == 1 && ops[j].res == HF_ETIMEOUT)
			timed_out = true;
		else if (ops[j].stage == 2)
			answered = true; /* a pipe took a request: not stuck */
	}
	if (timed_out && !answered && atomic_load(&p->pipes->n) > 0) {
		if (++p->stuck >= HFN_STUCK_ROUNDS)
			p->abandon = true;
	} else {
		p->stuck = 0;
	}
}

/* After a round: replace the sockets stuck_check gave up on. */
static void abandon_stuck(hfn_transport *t)
{
	for (size_t i = 0; i < t->n_peers; i++) {
		hfn_peer *p = &t->peers[i];
		char hex[2 * HFN_MEMBER_LEN + 1];
		if (!p->abandon)
			continue;
		hfn_hex(p->member, HFN_MEMBER_LEN, hex);
		hfn_log(HFN_LOG_WARN, "peer_connection_stuck", "peer", hex, NULL);
		p->abandon = false;
		p->open = false; /* sock and its pipe counter are left to nng */
		p->pipes = NULL;
		p->stuck = 0;
		p->down_until = 0;
	}
}

/*
 * Sends a round of due messages: all requests in flight at once (nng contexts), then the
 * replies, then every outcome in one transaction. Two messages to the same peer about the
 * same audit subject (an order, a list) are never in flight together: the later one waits
 * for the next round, so the peer gets them in outbox order as before.
 */
static void send_round(hfn_transport *t, hfn_store *store, hfn_sendop *ops, size_t n)
{
	uint64_t now = hfn_now_ms();
	/* Every subject first: op_defer compares each message with all others of the round. */
	for (size_t i = 0; i < n; i++) {
		hfn_sendop *op = &ops[i];
		hf_envelope_header h;
		op->res = HF_ENET;
		op->peeked = op->o.env && hf_envelope_peek(op->o.env, op->o.len, &h) == HF_OK;
		if (op->peeked) {
			memcpy(op->subject, h.audit.subject, 16);
			op->type = h.type;
			op->expires_ms = h.expires_ms;
		}
	}
	for (size_t i = 0; i < n; i++) {
		hfn_sendop *op = &ops[i];
		if (!op->o.env) { /* a later batch of a list already in this round (store.h) */
			op->stage = -1;
			continue;
		}
		if (op->peeked && op->expires_ms <= now) {
			op->res = HF_EEXPIRED; /* the peer would refuse it (op_record) */
			op->expired = true;
			continue;
		}
		if (op_defer(ops, n, i)) {
			op->stage = -1;
			continue;
		}
		op->p = peer_get(t, op->o.peer, &op->res);
		if (!op->p)
			continue;
		if (op->p->down_until > now) {
			/* peer known down: reschedule without waiting on it, keeping the reason */
			op->res = op->p->tls_bad ? HF_ETLSPEER : HF_ENET;
			continue;
		}
		op->res = op_start(op);
	}
	for (size_t i = 0; i < n; i++) {
		hfn_sendop *op = &ops[i];
		if (op->stage != 1 || op->res != HF_OK)
			continue;
		nng_aio_wait(op->aio);
		int r = nng_aio_result(op->aio);
		if (r != 0) {
			nng_msg_free(nng_aio_get_msg(op->aio));
			op->res = hfn_nng_err(r);
			continue;
		}
		op->stage = 2;
		nng_aio_set_timeout(op->aio, 15000);
		nng_ctx_recv(op->ctx, op->aio);
	}
	for (size_t i = 0; i < n; i++) {
		hfn_sendop *op = &ops[i];
		if (op->stage != 2)
			continue;
		nng_aio_wait(op->aio);
		int r = nng_aio_result(op->aio);
		if (r != 0) {
			op->res = hfn_nng_err(r);
			continue;
		}
		nng_msg *m = nng_aio_get_msg(op->aio);
		op->res = reply_code(m);
		nng_msg_free(m);
	}
	/* A transport failure to a peer whose certificate was refused: name it (HF_ETLSPEER). */
	for (size_t i = 0; i < n; i++) {
		hfn_peer *p = ops[i].p;
		if (!p || t->cfg.insecure || ops[i].stage < 1 ||
		    (ops[i].res != HF_ENET && ops[i].res != HF_ETIMEOUT))
			continue;
		bool refused = tls_take_refused(p);
		for (size_t j = i; j < n; j++)
			if (ops[j].p == p && (ops[j].res == HF_ENET || ops[j].res == HF_ETIMEOUT) &&
			    (refused || ops[j].res == HF_ETLSPEER))
				ops[j].res = HF_ETLSPEER;
	}
	/* Peer health, once per peer and round: any transport failure backs off. */
	for (size_t i = 0; i < n; i++) {
		hfn_peer *p = ops[i].p;
		bool seen = false, failed = false;
		if (!p || ops[i].stage < 1)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = ops[j].p == p && ops[j].stage >= 1;
		if (seen)
			continue;
		for (size_t j = i; j < n; j++)
			if (ops[j].p == p && ops[j].stage >= 1 &&
			    (ops[j].res == HF_ENET || ops[j].res == HF_ETIMEOUT ||
			     ops[j].res == HF_ETLSPEER))
				failed = true;
		stuck_check(p, ops + i, n - i);
		if (failed) {
			p->tls_bad = false;
			for (size_t j = i; j < n; j++)
				if (ops[j].p == p && ops[j].res == HF_ETLSPEER)
					p->tls_bad = true;
			p->failures++;
			p->down_until =
			    now + hfn_backoff_ms(p->failures, t->cfg.retry_base_ms,
			                         t->cfg.retry_max_ms, randombytes_random());
		} else {
			p->failures = 0;
			p->down_until = 0;
			p->tls_bad = false;
		}
	}
	/* One commit for the whole round. Marking delivered needs no other order: a mark lost
	 * in a crash only resends, and the peer answers HF_EREPLAY. */
	bool txn = hfn_store_begin(store) == HF_OK;
	hf_err st = HF_OK;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].stage == -1)
			continue;
		hf_err r = op_record(t, store, &ops[i]);
		if (r != HF_OK)
			st = r;
	}
	if (txn && hfn_store_commit(store) != HF_OK) {
		hfn_store_rollback(store);
		st = HF_EDB;
	}
	if (st != HF_OK)
		hfn_log(HFN_LOG_ERROR, "outbox_update_failed", "code", hf_err_name(st), NULL);
	for (size_t i = 0; i < n; i++) {
		hfn_sendop *op = &ops[i];
		if (op->stage >= 1)
			nng_ctx_close(op->ctx);
		if (op->aio)
			nng_aio_free(op->aio);
		if (op->stage != -1 && t->ops.sent)
			t->ops.sent(t->ctx, op->o.peer, op->res);
		free(op->o.env);
	}
	abandon_stuck(t);
}

static void *sender_main(void *arg)
{
	hfn_transport *t = arg;
	hfn_store *store = NULL;
	/* Delivery marks need no fsync: one lost in a power cut only resends (HF_EREPLAY).
	 * So a round's commit never waits on the disk, nor holds the writer lock that long. */
	if (hfn_store_open(t->db_path, &store) != HF_OK || hfn_store_set_lazy(store) != HF_OK) {
		hfn_log(HFN_LOG_ERROR, "sender_start_failed", NULL);
		hfn_store_close(store);
		return NULL;
	}
	while (!hfn_stopping(t)) {
		hfn_store_out o, due[HFN_SEND_ROUND];
		hfn_sendop ops[HFN_SEND_ROUND];
		size_t n = 0;
		revive(t, store);
		uint64_t next = UINT64_MAX, now = hfn_now_ms();
		hf_err rc = hfn_store_outbox_due(store, now, due, HFN_SEND_ROUND, &n);
		if (rc == HF_OK && n == 0) {
			rc = hfn_store_outbox_next(store, now, &o, &next);
			if (rc == HF_OK) { /* became due meanwhile */
				free(o.env);
				continue;
			}
			if (rc == HF_ENOTFOUND) {
				uint64_t wait =
				    next == UINT64_MAX || next <= now ? 1000 : next - now;
				sender_wait(t, wait > 1000 ? 1000 : wait);
				continue;
			}
		}
		if (rc != HF_OK) {
			hfn_log(HFN_LOG_ERROR, "outbox_read_failed", "code", hf_err_name(rc), NULL);
			sender_wait(t, 1000);
			continue;
		}
		memset(ops, 0, n * sizeof(ops[0]));
		for (size_t i = 0; i < n; i++)
			ops[i].o = due[i];
		send_round(t, store, ops, n);
	}
	for (size_t i = 0; i < t->n_peers; i++) {
		if (t->peers[i].open) {
			nng_close(t->peers[i].sock);
			free(t->peers[i].pipes);
		}
		if (t->peers[i].tls)
			nng_tls_config_free(t->peers[i].tls);
	}
	hfn_store_close(store);
	return NULL;
}

/* ---- lifecycle ---------------------------------------------------------- */

hf_err hfn_transport_start(const hfn_transport_cfg *cfg, const hfn_transport_ops *ops, void *ctx,
                           hfn_transport **out)
{
	hf_err rc = HF_OK;
	char url[310];
	nng_listener l;
	hfn_transport *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t)
		return HF_ENOMEM;
	t->cfg = *cfg;
	snprintf(t->db_path, sizeof(t->db_path), "%s", cfg->db_path);
	t->cfg.db_path = t->db_path;
	t->ops = *ops;
	t->ctx = ctx;
	t->n_workers =
	    cfg->workers ? (cfg->workers > HFN_MAX_WORKERS ? HFN_MAX_WORKERS : cfg->workers) : 2;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	pthread_cond_init(&t->rx_cv, NULL);
	if (!cfg->insecure) {
		HF_CHECK(hfn_tls_engine_install());
		HF_CHECK(
		    tls_config(cfg, NNG_TLS_MODE_SERVER, tls_check_listener, t, &t->tls_server));
	}
	HF_CHECK(hfn_transport_url(cfg->listen, cfg->insecure, url, sizeof(url)));
	rc = HF_ENET;
	if (nng_rep0_open(&t->rep) != 0)
		goto out;
	t->rep_open = true;
	/* Cap what a peer can make us buffer: one envelope plus slack. */
	if (nng_socket_set_size(t->rep, NNG_OPT_RECVMAXSZ, HF_MAX_MESSAGE_SIZE + 1024) != 0 ||
	    nng_listener_create(&l, t->rep, url) != 0 ||
	    (!cfg->insecure && nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, t->tls_server) != 0) ||
	    nng_listener_start(l, 0) != 0) {
		hfn_log(HFN_LOG_ERROR, "listen_failed", "url", url, NULL);
		goto out;
	}
	unsigned want = t->n_workers;
	t->n_workers = 0;
	for (unsigned i = 0; i < want; i++) {
		pthread_mutex_lock(&t->mu);
		t->n_live++;
		pthread_mutex_unlock(&t->mu);
		if (pthread_create(&t->workers[i], NULL, worker_main, t) != 0) {
			pthread_mutex_lock(&t->mu);
			t->n_live--;
			pthread_mutex_unlock(&t->mu);
			goto out;
		}
		t->n_workers++;
	}
	if (pthread_create(&t->sender, NULL, sender_main, t) != 0)
		goto out;
	t->sender_started = true;
	*out = t;
	return HF_OK;
out:
	hfn_transport_stop(t);
	return rc;
}

void hfn_transport_kick(hfn_transport *t)
{
	pthread_mutex_lock(&t->mu);
	t->kicked = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void hfn_transport_stop(hfn_transport *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = true;
	pthread_cond_signal(&t->cv);
	pthread_cond_broadcast(&t->rx_cv);
	pthread_mutex_unlock(&t->mu);
	if (t->sender_started)
		pthread_join(t->sender, NULL);
	/* The workers go before the socket does: closing it while a thread is inside an nng
	 * call on one of its contexts frees what that call still uses (nng 1.5). So their
	 * receives are aborted (again, until each has seen stopping and left). */
	pthread_mutex_lock(&t->mu);
	while (t->n_live > 0) {
		for (unsigned i = 0; i < HFN_MAX_WORKERS; i++)
			if (t->waio[i])
				nng_aio_abort(t->waio[i], NNG_ECLOSED);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 5000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->rx_cv, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	for (unsigned i = 0; i < t->n_workers; i++)
		pthread_join(t->workers[i], NULL);
	/* Closing the socket fails what kept replies are still in flight. */
	if (t->rep_open)
		nng_close(t->rep);
	/* Kept requests are answered by their holder (the inbox answers all of them before
	 * the node stops the transport); their replies fail fast on the closed socket. Then
	 * no callback can run any more and the tokens go. */
	pthread_mutex_lock(&t->mu);
	while (t->rx_pending > 0)
		pthread_cond_wait(&t->rx_cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	while (t->rx_all) {
		hfn_reply *r = t->rx_all;
		t->rx_all = r->all;
		nng_aio_free(r->aio); /* waits for a callback still returning */
		free(r);
	}
	if (t->tls_server)
		nng_tls_config_free(t->tls_server);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	pthread_cond_destroy(&t->rx_cv);
	free(t);
}
