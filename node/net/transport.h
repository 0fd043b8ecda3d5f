#ifndef HFN_TRANSPORT_H
#define HFN_TRANSPORT_H

/*
 * Node-to-node links (spec §12.6): nng req/rep over tls+tcp:// with mutual
 * TLS, or tcp:// when the config allows insecure loopback (tests).
 *
 * Receiving: worker threads, each with its own store connection, hand every
 * request to ops->receive, which verifies the envelope and has it committed
 * (inbox.c: by the main loop, group commit) before the reply (the code name)
 * goes back. The hook may keep the request's reply token and answer it later
 * (hfn_transport_reply, once the commit is on disk): the worker then takes the
 * next request at once, so every request that arrives while the main loop
 * commits shares its next commit, not only one per worker. At most
 * HFN_RX_PENDING requests wait for their reply at once; past that a worker
 * waits before it takes more.
 *
 * Sending: one thread drains the durable outbox (store), oldest due first, in
 * rounds of up to HFN_SEND_ROUND messages in flight at once (one nng context
 * each; never two to one peer about the same audit subject, so those keep
 * their order): mark delivered on HF_OK / HF_EREPLAY, give up on a
 * malformed/crypto/policy refusal, otherwise retry with exponential backoff
 * and jitter; one commit per round. A message is in the outbox (committed)
 * before it is sent.
 *
 * TLS peers are pinned (spec §11.8): the node's own nng TLS engine (tls_engine.h) hands
 * each verified peer certificate to ops->tls_peer; a refused handshake is logged as
 * tls_peer_refused, and a message to a refused peer is retried with backoff and its
 * outbox row records HF_ETLSPEER.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "store/store.h"

#define HFN_RX_PENDING 512 /* requests waiting for their deferred reply, per transport */

typedef struct hfn_transport hfn_transport;
/* One received request whose reply is still due (hfn_transport_reply). */
typedef struct hfn_reply hfn_reply;

typedef struct hfn_transport_ops {
	/* Receiver thread: verify, store, commit. The return value is the reply, unless the
	 * hook kept later (later non-NULL, *kept set): then it must call
	 * hfn_transport_reply(later, code) exactly once, from any thread, and the return value
	 * is ignored. env is only valid during the call. */
	hf_err (*receive)(void *ctx, hfn_store *s, const uint8_t *env, size_t len, hfn_reply *later,
	                  bool *kept);
	/* Sender thread: dial URL of a peer member ("tls+tcp://h:p"); HF_ENOTFOUND if none. */
	hf_err (*peer_url)(void *ctx, const uint8_t member[HFN_MEMBER_LEN], char *url, size_t size);
	/* Sender thread: a message was delivered or given up (for metrics/logs). */
	void (*sent)(void *ctx, const uint8_t member[HFN_MEMBER_LEN], hf_err result);
	/* nng thread, during a TLS handshake whose chain verified: may the peer whose leaf
	 * certificate has SHA-256 fp connect? member: the member dialed (its fingerprints
	 * must hold fp), or NULL on the listening side (any member's). HF_OK or HF_ETLSPEER.
	 * NULL: the CA chain alone decides. */
	hf_err (*tls_peer)(void *ctx, const uint8_t *member, const uint8_t fp[32]);
} hfn_transport_ops;

typedef struct hfn_transport_cfg {
	const char *db_path;
	const char *listen; /* tls+tcp://host:port */
	const char *tls_ca, *tls_cert, *tls_key;
	const char *tls_crl; /* NULL or "": none; else the CA's CRL (PEM), checked at handshake */
	bool insecure;       /* tcp:// instead of tls+tcp:// */
	unsigned workers;
	uint32_t retry_base_ms, retry_max_ms;
} hfn_transport_cfg;

/* Starts listener and threads. Errors: HF_ECONFIG (TLS files), HF_ENET (listen), HF_EDB. */
hf_err hfn_transport_start(const hfn_transport_cfg *cfg, const hfn_transport_ops *ops, void *ctx,
                           hfn_transport **out) HF_MUST_CHECK;
/* Sends the reply of a kept request (asynchronously) and frees r. Thread-safe; a reply
 * that cannot be sent is dropped (the peer times out and resends). */
void hfn_transport_reply(hfn_reply *r, hf_err code);
/* New outbox rows were committed: wake the sender. Thread-safe. */
void hfn_transport_kick(hfn_transport *t);
/* A message from member just arrived: it is up, so retry what waits for it now. Thread-safe. */
void hfn_transport_peer_alive(hfn_transport *t, const uint8_t member[HFN_MEMBER_LEN]);
/* Stops threads, closes sockets; NULL is a no-op. */
void hfn_transport_stop(hfn_transport *t);

/* "tls+tcp://h:p" -> "tcp://h:p" when insecure, else a copy. HF_ENOSPC if it does not fit. */
hf_err hfn_transport_url(const char *url, bool insecure, char *out, size_t size) HF_MUST_CHECK;
/* Backoff for the given attempt number: min(max, base * 2^attempt) * [0.5, 1.5). */
uint64_t hfn_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t max_ms, uint32_t rnd);

#endif
