/* Node lifecycle: open everything, run the libevent loop, shut down cleanly. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "api/api.h"
#include "lists/lists.h"
#include "core/datadir.h"
#include "core/log.h"
#include "match/match.h"
#include "core/node.h"
#include "inbox/inbox.h"
#include "orders/orders.h"
#include "audit/audit.h"
#include "inbox/rxq.h"
#include "hf_check.h"

static hf_err hfn_peer_url(void *ctx, const uint8_t member[HFN_MEMBER_LEN], char *url, size_t size)
{
	hfn_node *n = ctx;
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = hf_manifest_find_member(n->manifest, member, &mb);
	if (rc == HF_OK && hf_member_n_endpoints(mb) == 0)
		rc = HF_ENOTFOUND;
	if (rc == HF_OK && (size_t)snprintf(url, size, "%s", hf_member_endpoint(mb, 0)) >= size)
		rc = HF_ENOSPC;
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

/* TLS pinning (spec §11.8): the peer's certificate fingerprint must be in the manifest
 * held now, as one of the dialed member's (member) or any member's (listener). */
static hf_err hfn_tls_peer(void *ctx, const uint8_t *member, const uint8_t fp[32])
{
	hfn_node *n = ctx;
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = hf_manifest_find_tls_fp(n->manifest, fp, &mb);
	if (rc == HF_OK && member && memcmp(hf_member_id(mb), member, HF_MEMBER_ID_LEN) != 0)
		rc = HF_ETLSPEER;
	pthread_rwlock_unlock(&n->mlock);
	return rc == HF_OK ? HF_OK : HF_ETLSPEER;
}

/* data_dir/pseudonym.key: 32 random bytes made at first start, mode 0600. */
static hf_err hfn_pseudonym_key(hfn_node *n)
{
	char path[HFN_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/pseudonym.key", n->cfg.data_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		uint8_t k[32];
		randombytes_buf(k, sizeof(k));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return HF_EIO;
		bool ok = write(fd, k, sizeof(k)) == (ssize_t)sizeof(k) && fsync(fd) == 0;
		close(fd);
		sodium_memzero(k, sizeof(k));
		if (!ok)
			return HF_EIO;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return HF_EIO;
	ssize_t r = read(fd, n->pseudonym_key, sizeof(n->pseudonym_key));
	close(fd);
	return r == (ssize_t)sizeof(n->pseudonym_key) ? HF_OK : HF_EIO;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	hfn_node *n = arg;
	(void)fd;
	(void)what;
	hf_err rc = hfn_inbox_process(n);
	if (rc != HF_OK)
		hfn_log(HFN_LOG_ERROR, "inbox_failed", "code", hf_err_name(rc), NULL);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	hfn_node *n = arg;
	uint64_t now = hfn_now_ms();
	on_wake(fd, what, arg);
	if (now - n->last_pull_ms >= n->cfg.pull_interval_ms) {
		if (n->last_pull_ms == 0) {
			hf_err hrc = hfn_lists_hello(n);
			if (hrc != HF_OK)
				hfn_log(HFN_LOG_ERROR, "hello_failed", "code", hf_err_name(hrc),
				        NULL);
		}
		n->last_pull_ms = now;
		hf_err rc = hfn_lists_pull_all(n);
		if (rc != HF_OK)
			hfn_log(HFN_LOG_ERROR, "pull_failed", "code", hf_err_name(rc), NULL);
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	hfn_node *n = arg;
	(void)what;
	if (sig == SIGHUP) {
		hf_err rc = hfn_node_load_manifest(n);
		if (rc != HF_OK)
			hfn_log(HFN_LOG_WARN, "manifest_reload_refused", "code", hf_err_name(rc),
			        NULL);
		return;
	}
	hfn_log(HFN_LOG_INFO, "shutdown", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
	event_base_loopbreak(n->base);
}

hf_err hfn_node_init(hfn_node *n, const hfn_config *cfg)
{
	hf_err rc;
	memset(n, 0, sizeof(*n));
	n->lock_fd = -1;
	n->cfg = *cfg;
	pthread_rwlock_init(&n->mlock, NULL);
	HF_TRY(hfn_log_set_level(cfg->log_level));
	if (sodium_init() < 0)
		return HF_ECRYPTO;
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return HF_EIO;
	/* One node per data_dir: a second one would share the database and the outbox. */
	long holder;
	rc = hfn_datadir_lock(cfg->data_dir, &n->lock_fd, &holder);
	if (rc == HF_EEXIST) {
		char pid[24];
		snprintf(pid, sizeof(pid), "#%ld", holder);
		hfn_log(HFN_LOG_ERROR, "data_dir_in_use", "data_dir", cfg->data_dir, "pid", pid,
		        NULL);
	}
	HF_TRY(rc);
	HF_TRY(hfn_node_load_identity(cfg->identity, &n->id));
	HF_TRY(hfn_node_load_manifest(n));
	HF_TRY(hfn_pseudonym_key(n));
	snprintf(n->db_path, sizeof(n->db_path), "%s/node.db", cfg->data_dir);
	HF_TRY(hfn_store_open(n->db_path, &n->store));
	n->rxq = hfn_rxq_new();
	if (!n->rxq)
		return HF_ENOMEM;
	/* Transport threads activate n->wake, so libevent must be thread-aware. */
	if (evthread_use_pthreads() != 0)
		return HF_EINTERNAL;
	n->base = event_base_new();
	if (!n->base)
		return HF_ENOMEM;
	n->wake = event_new(n->base, -1, 0, on_wake, n);
	n->tick = event_new(n->base, -1, EV_PERSIST, on_tick, n);
	n->sig_term = evsignal_new(n->base, SIGTERM, on_signal, n);
	n->sig_int = evsignal_new(n->base, SIGINT, on_signal, n);
	n->sig_hup = evsignal_new(n->base, SIGHUP, on_signal, n);
	if (!n->wake || !n->tick || !n->sig_term || !n->sig_int || !n->sig_hup)
		return HF_ENOMEM;
	struct timeval tv = {0, 500000};
	if (event_add(n->tick, &tv) != 0 || event_add(n->sig_term, NULL) != 0 ||
	    event_add(n->sig_int, NULL) != 0 || event_add(n->sig_hup, NULL) != 0)
		return HF_EINTERNAL;
	HF_TRY(hfn_match_start(n));
	HF_TRY(hfn_api_start(n, &n->api));
	HF_TRY(hfn_orders_start(n));
	HF_TRY(hfn_audit_start(n));
	hfn_transport_cfg tc = {
	    .db_path = n->db_path,
	    .listen = cfg->listen,
	    .tls_ca = cfg->tls_ca,
	    .tls_cert = cfg->tls_cert,
	    .tls_key = cfg->tls_key,
	    .tls_crl = cfg->tls_crl,
	    .insecure = cfg->insecure_loopback,
	    .workers = 8,
	    .retry_base_ms = 250,
	    .retry_max_ms = 30000,
	};
	hfn_transport_ops ops = {
	    .receive = hfn_inbox_receive, .peer_url = hfn_peer_url, .tls_peer = hfn_tls_peer};
	rc = hfn_transport_start(&tc, &ops, n, &n->tr);
	if (rc == HF_OK) {
		char self[33];
		hfn_hex(n->self, 16, self);
		hfn_log(HFN_LOG_INFO, "started", "member", self, "listen", cfg->listen, NULL);
	}
	return rc;
}

hf_err hfn_node_run(hfn_node *n)
{
	/* Whatever the last run left in the inbox is processed first. */
	event_active(n->wake, 0, 0);
	return event_base_dispatch(n->base) < 0 ? HF_EINTERNAL : HF_OK;
}

void hfn_node_fini(hfn_node *n)
{
	/* The loop has stopped: receivers now commit to the inbox themselves; whatever still
	 * waits for the loop is refused as a transient error (its sender retries). */
	if (n->rxq) {
		hfn_rx_item *l = hfn_rxq_close(n->rxq);
		for (hfn_rx_item *it = l; it; it = it->next)
			it->result = HF_ENET;
		hfn_rxq_finish(n->rxq, l);
	}
	hfn_transport_stop(n->tr);
	hfn_api_stop(n->api);
	hfn_match_stop(n);
	hfn_orders_stop(n);
	hfn_audit_stop(n);
	struct event *evs[] = {n->wake, n->tick, n->sig_term, n->sig_int, n->sig_hup};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (n->base)
		event_base_free(n->base);
	hfn_store_close(n->store);
	hfn_inbox_free(n);
	hfn_node_after_drop(n, 0);
	free(n->after);
	hfn_rxq_free(n->rxq);
	hf_manifest_free(n->manifest);
	hf_identity_free(n->id);
	sodium_memzero(n->pseudonym_key, sizeof(n->pseudonym_key));
	pthread_rwlock_destroy(&n->mlock);
	if (n->lock_fd >= 0)
		close(n->lock_fd); /* last: the database is closed */
	n->lock_fd = -1;
}
