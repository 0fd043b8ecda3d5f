/* Node core: identity and manifest loading, sealing/opening, verifying receive. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "hashfed/list.h"
#include "hashfed/match_report.h"
#include "keyio.h"
#include "log.h"
#include "node.h"
#include "open_cache.h"
#include "orders.h"
#include "rxq.h"

#define HF_MAX_FILE (HF_MAX_MANIFEST_SIZE + 1)

/* Reads a whole regular file of at most max bytes. */
static hf_err hf_read_file(const char *path, size_t max, uint8_t **out, size_t *len, mode_t *mode)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	hf_err rc = HF_EIO;
	uint8_t *buf = NULL;
	*out = NULL;
	if (fd < 0)
		return HF_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((uint64_t)st.st_size > max) {
		rc = HF_EFILESIZE;
		goto out;
	}
	if (mode)
		*mode = st.st_mode;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = HF_ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	buf[got] = 0;
	*out = buf;
	*len = got;
	buf = NULL;
	rc = HF_OK;
out:
	free(buf);
	close(fd);
	return rc;
}

hf_err hf_node_load_identity(const char *dir, hf_identity **out)
{
	char path[HF_PATH_MAX + 16];
	hf_keyfile_kind kind;
	*out = NULL;
	snprintf(path, sizeof(path), "%s/node.key", dir);
	/* Same file rules as hashfed-keys (keys/lib/keyio.c): 0600 or refused. */
	HF_TRY(hf_keyio_load_identity(path, NULL, &kind, out));
	if (kind != HF_KEYFILE_NODE) {
		hf_identity_free(*out);
		*out = NULL;
		return HF_EBADKEY;
	}
	return HF_OK;
}

hf_err hf_node_load_manifest(hf_node *n)
{
	uint8_t *buf = NULL;
	size_t len;
	hf_manifest *m = NULL;
	const hf_member *me;
	hf_err rc;
	HF_CHECK(hf_read_file(n->cfg.manifest, HF_MAX_MANIFEST_SIZE, &buf, &len, NULL));
	HF_CHECK(hf_manifest_decode(buf, len, &m));
	pthread_rwlock_rdlock(&n->mlock);
	rc = n->manifest ? hf_manifest_accept(n->manifest, m) : hf_manifest_verify(m);
	pthread_rwlock_unlock(&n->mlock);
	if (rc != HF_OK)
		goto out;
	HF_CHECK(hf_manifest_find_sign_key(m, hf_identity_sign_keyid(n->id), &me, NULL));
	pthread_rwlock_wrlock(&n->mlock);
	hf_manifest_free(n->manifest);
	n->manifest = m;
	n->manifest_gen++;
	memcpy(n->self, hf_member_id(me), HF_MEMBER_ID_LEN);
	n->self_roles = hf_member_roles(me);
	pthread_rwlock_unlock(&n->mlock);
	m = NULL;
	char ep[24];
	snprintf(ep, sizeof(ep), "#%llu", (unsigned long long)hf_manifest_epoch(n->manifest));
	hf_log(HF_LOG_INFO, "manifest_loaded", "epoch", ep, NULL);
out:
	hf_manifest_free(m);
	free(buf);
	return rc;
}

hf_err hf_node_seal(hf_node *n, uint32_t type, const uint8_t (*members)[HF_MEMBER_ID_LEN],
                    size_t n_members, const hf_audit_header *audit, uint64_t lifetime_ms,
                    const uint8_t *body, size_t len, uint8_t msg_id[HF_MSGID_LEN], uint8_t **env,
                    size_t *env_len)
{
	uint8_t(*pks)[HF_ENC_PK_LEN] = NULL;
	hf_err rc = HF_OK;
	uint64_t now = hf_now_ms();
	if (n_members == 0 || n_members > HF_MAX_RECIPIENTS)
		return HF_EINVAL;
	pks = calloc(n_members, sizeof(*pks));
	if (!pks)
		return HF_ENOMEM;
	hf_uuidv7(now, NULL, msg_id);
	pthread_rwlock_rdlock(&n->mlock);
	for (size_t i = 0; i < n_members && rc == HF_OK; i++) {
		const hf_member *mb;
		const hf_member_key *k;
		rc = hf_manifest_find_member(n->manifest, members[i], &mb);
		if (rc == HF_OK)
			rc = hf_member_current_key(mb, HF_KEY_ENC, now, &k);
		if (rc == HF_OK)
			memcpy(pks[i], k->pk, HF_ENC_PK_LEN);
	}
	hf_seal_params p = {
	    .type = type,
	    .msg_id = msg_id,
	    .created_ms = now,
	    .expires_ms = now + lifetime_ms,
	    .federation = hf_manifest_federation(n->manifest),
	    .epoch = hf_manifest_epoch(n->manifest),
	    .audit = audit,
	    .recipients = (const uint8_t(*)[HF_ENC_PK_LEN])pks,
	    .n_recipients = n_members,
	};
	if (rc == HF_OK)
		rc = hf_envelope_seal(n->id, &p, body, len, env, env_len);
	pthread_rwlock_unlock(&n->mlock);
	free(pks);
	return rc;
}

/* hf_node_open; *gen receives the manifest generation the envelope was verified under. */
static hf_err hf_node_open_gen(hf_node *n, const uint8_t *env, size_t len, hf_opened **out,
                               uint8_t sender[HF_MEMBER_ID_LEN], uint64_t *gen)
{
	hf_err rc;
	const hf_member *mb;
	pthread_rwlock_rdlock(&n->mlock);
	*gen = n->manifest_gen;
	hf_open_params p = {
	    .self = n->id,
	    .lookup = hf_manifest_sender_lookup,
	    .lookup_ctx = n->manifest,
	    .now_ms = hf_now_ms(),
	    .federation = hf_manifest_federation(n->manifest),
	};
	rc = hf_envelope_open(env, len, &p, out);
	if (rc == HF_OK) {
		rc = hf_manifest_find_sign_key(n->manifest, hf_opened_header(*out)->sender, &mb,
		                               NULL);
		if (rc == HF_OK)
			memcpy(sender, hf_member_id(mb), HF_MEMBER_ID_LEN);
		else {
			hf_opened_free(*out);
			*out = NULL;
		}
	}
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

hf_err hf_node_open(hf_node *n, const uint8_t *env, size_t len, hf_opened **out,
                    uint8_t sender[HF_MEMBER_ID_LEN])
{
	uint64_t gen;
	return hf_node_open_gen(n, env, len, out, sender, &gen);
}

hf_err hf_node_open_inbox(hf_node *n, const uint8_t *env, size_t len, hf_opened **out,
                          uint8_t sender[HF_MEMBER_ID_LEN])
{
	uint64_t gen;
	pthread_rwlock_rdlock(&n->mlock);
	gen = n->manifest_gen;
	pthread_rwlock_unlock(&n->mlock);
	if (n->ocache && hf_open_cache_take(n->ocache, gen, hf_now_ms(), env, len, out, sender))
		return HF_OK;
	return hf_node_open(n, env, len, out, sender);
}

bool hf_node_member_is_recipient(hf_node *n, const uint8_t member[HF_MEMBER_ID_LEN],
                                 const hf_envelope_header *hdr)
{
	bool yes = false;
	pthread_rwlock_rdlock(&n->mlock);
	for (uint32_t i = 0; i < hdr->n_recipients && !yes; i++) {
		const hf_member *mb;
		if (hf_manifest_find_enc_key(n->manifest, hdr->recipients[i], &mb, NULL) == HF_OK &&
		    memcmp(hf_member_id(mb), member, HF_MEMBER_ID_LEN) == 0)
			yes = true;
	}
	pthread_rwlock_unlock(&n->mlock);
	return yes;
}

size_t hf_node_members_with(hf_node *n, uint32_t roles, uint8_t (*out)[HF_MEMBER_ID_LEN],
                            size_t max)
{
	size_t k = 0;
	pthread_rwlock_rdlock(&n->mlock);
	for (size_t i = 0; i < hf_manifest_n_members(n->manifest) && k < max; i++) {
		const hf_member *mb = hf_manifest_member_at(n->manifest, i);
		if ((hf_member_roles(mb) & roles) && memcmp(hf_member_id(mb), n->self, 16) != 0)
			memcpy(out[k++], hf_member_id(mb), HF_MEMBER_ID_LEN);
	}
	pthread_rwlock_unlock(&n->mlock);
	return k;
}

void hf_node_reject(hf_node *n, hf_store *s, const uint8_t *peer, const char *what, hf_err code)
{
	char hex[2 * HF_MEMBER_ID_LEN + 1] = "unknown", label[96];
	(void)n;
	if (peer)
		hf_hex(peer, HF_MEMBER_ID_LEN, hex);
	snprintf(label, sizeof(label), "%s|%s", hex, hf_err_name(code));
	hf_log(HF_LOG_WARN, "reject", "what", what, "peer", hex, "code", hf_err_name(code), "class",
	       hf_err_class_name(hf_err_class_of(code)), NULL);
	if (hf_store_count(s, "rejects", label, 1) != HF_OK)
		hf_log(HF_LOG_ERROR, "counter_failed", NULL);
}

/* Role a sender needs for a message type (spec §12): lists come from authorities;
 * pulls from any authority or platform. */
static hf_err hf_role_check(hf_node *n, const hf_envelope_header *h)
{
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = hf_manifest_find_sign_key(n->manifest, h->sender, &mb, NULL);
	if (rc == HF_OK) {
		switch (h->type) {
		case HF_MSG_LIST_BATCH:
		case HF_MSG_LIST_SNAPSHOT:
			rc = hf_manifest_allows(n->manifest, mb, HF_ROLE_AUTHORITY, h->created_ms);
			break;
		case HF_MSG_LIST_PULL:
			rc = hf_manifest_allows(n->manifest, mb, HF_ROLE_PLATFORM, h->created_ms);
			if (rc == HF_EROLE)
				rc = hf_manifest_allows(n->manifest, mb, HF_ROLE_AUTHORITY,
				                        h->created_ms);
			break;
		case HF_MSG_MATCH_REPORT: /* spec §14: platform -> issuer */
			rc = hf_manifest_allows(n->manifest, mb, HF_ROLE_PLATFORM, h->created_ms);
			break;
		default:
			rc = hf_orders_role(n->manifest, mb, h); /* HF_EMSGTYPE if not an order */
		}
	}
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

static hf_err hf_body_check(uint32_t type, const uint8_t *body, size_t len)
{
	hf_list_batch b;
	hf_list_snapshot s;
	hf_list_pull q;
	hf_match_report mr;
	switch (type) {
	case HF_MSG_LIST_BATCH:
		return hf_list_batch_decode(body, len, &b);
	case HF_MSG_LIST_SNAPSHOT:
		return hf_list_snapshot_decode(body, len, &s);
	case HF_MSG_LIST_PULL:
		return hf_list_pull_decode(body, len, &q);
	case HF_MSG_MATCH_REPORT:
		return hf_match_report_decode(body, len, &mr);
	default:
		return hf_orders_body_check(type, body, len);
	}
}

hf_err hf_node_receive(void *ctx, hf_store *s, const uint8_t *env, size_t len)
{
	hf_node *n = ctx;
	hf_opened *o = NULL;
	hf_envelope_header peek;
	uint8_t sender[HF_MEMBER_ID_LEN], claimed[HF_MEMBER_ID_LEN];
	const uint8_t *peer = NULL, *body;
	size_t body_len;
	bool dup = false;
	char type[16];
	uint64_t gen = 0;
	hf_err rc;
	/* Who it claims to be from, for the per-peer reject counter. */
	if (hf_envelope_peek(env, len, &peek) == HF_OK) {
		const hf_member *mb;
		pthread_rwlock_rdlock(&n->mlock);
		if (hf_manifest_find_sign_key(n->manifest, peek.sender, &mb, NULL) == HF_OK) {
			memcpy(claimed, hf_member_id(mb), HF_MEMBER_ID_LEN);
			peer = claimed;
		}
		pthread_rwlock_unlock(&n->mlock);
	}
	/* Everything is verified before anything is stored (spec §5.6, §12). */
	HF_CHECK(hf_node_open_gen(n, env, len, &o, sender, &gen));
	/* Authentic traffic from a member proves it is up: stop backing off towards it. */
	if (n->tr)
		hf_transport_peer_alive(n->tr, sender);
	HF_CHECK(hf_role_check(n, hf_opened_header(o)));
	body = hf_opened_body(o, &body_len);
	HF_CHECK(hf_body_check(hf_opened_header(o)->type, body, body_len));
	hf_rx_item it = {.env = env, .len = len, .type = hf_opened_header(o)->type};
	memcpy(it.msg_id, hf_opened_header(o)->msg_id, sizeof(it.msg_id));
	memcpy(it.sender, sender, HF_MEMBER_ID_LEN);
	/* Verified: the inbox step uses this instead of opening the same bytes again. */
	if (n->ocache) {
		hf_open_cache_put(n->ocache, gen, env, len, o, sender);
		o = NULL;
	}
	if (n->rxq && n->wake && hf_rxq_submit(n->rxq, &it)) {
		/* The main loop commits it (with whatever else is waiting) and applies it in
		 * the same transaction; we reply only once that is on disk. */
		event_active(n->wake, 0, 0);
		hf_rxq_wait(n->rxq, &it);
		rc = it.result;
		goto out;
	}
	snprintf(type, sizeof(type), "%u", it.type);
	HF_CHECK(hf_store_begin(s));
	rc = hf_store_inbox_add(s, it.msg_id, sender, it.type, env, len, hf_now_ms(), &dup);
	if (rc == HF_OK)
		rc = hf_store_count(s, dup ? "messages_replayed" : "messages_in", type, 1);
	if (rc == HF_OK)
		rc = hf_store_commit(s);
	if (rc != HF_OK) {
		hf_store_rollback(s);
		goto out;
	}
	if (dup) {
		/* Not an error for the sender (a retry after a lost ack), never applied twice. */
		rc = HF_EREPLAY;
		goto out;
	}
	if (n->wake)
		event_active(n->wake, 0, 0);
out:
	if (rc != HF_OK && rc != HF_EREPLAY)
		hf_node_reject(n, s, peer, "envelope", rc);
	hf_opened_free(o);
	return rc;
}

hf_err hf_node_rx_insert(hf_node *n, hf_rx_item *it)
{
	bool dup = false;
	char type[16];
	hf_err rc;
	snprintf(type, sizeof(type), "%u", it->type);
	HF_TRY(hf_store_savepoint(n->store));
	rc = hf_store_inbox_add(n->store, it->msg_id, it->sender, it->type, it->env, it->len,
	                        hf_now_ms(), &dup);
	if (rc == HF_OK)
		rc = hf_store_count(n->store, dup ? "messages_replayed" : "messages_in", type, 1);
	if (rc == HF_OK)
		rc = hf_store_release(n->store);
	if (rc != HF_OK) {
		hf_store_rollback_to(n->store);
		return rc;
	}
	/* Not an error for the sender (a retry after a lost ack), never applied twice. */
	return dup ? HF_EREPLAY : HF_OK;
}
