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
#include "core/log.h"
#include "core/node.h"
#include "core/util.h"
#include "hashfed/audit_log.h"
#include "store/store_audit.h"
#include "hf_check.h"

#define HFN_MAX_FILE (HF_MAX_MANIFEST_SIZE + 1)

/* Reads a whole regular file of at most max bytes. */
static hf_err read_file(const char *path, size_t max, uint8_t **out, size_t *len, mode_t *mode)
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

hf_err hfn_node_load_identity(const char *dir, hf_identity **out)
{
	char path[HFN_PATH_MAX + 16];
	hf_keyfile_kind kind;
	*out = NULL;
	snprintf(path, sizeof(path), "%s/node.key", dir);
	/* Same file rules as hashfed-keys (keys/lib/keyio.c): 0600 or refused. */
	HF_TRY(hfn_keyio_load_identity(path, NULL, &kind, out));
	if (kind != HF_KEYFILE_NODE) {
		hf_identity_free(*out);
		*out = NULL;
		return HF_EBADKEY;
	}
	return HF_OK;
}

hf_err hfn_node_load_manifest(hfn_node *n)
{
	uint8_t *buf = NULL;
	size_t len;
	hf_manifest *m = NULL;
	const hf_member *me;
	hf_err rc;
	HF_CHECK(read_file(n->cfg.manifest, HF_MAX_MANIFEST_SIZE, &buf, &len, NULL));
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
	hfn_log(HFN_LOG_INFO, "manifest_loaded", "epoch", ep, NULL);
out:
	hf_manifest_free(m);
	free(buf);
	return rc;
}

hf_err hfn_node_seal(hfn_node *n, uint32_t type, const uint8_t (*members)[HF_MEMBER_ID_LEN],
                     size_t n_members, const hf_audit_header *audit, uint64_t lifetime_ms,
                     const uint8_t *body, size_t len, hf_msg_id *msg_id, uint8_t **env,
                     size_t *env_len)
{
	uint8_t(*pks)[HF_ENC_PK_LEN] = NULL;
	hf_err rc = HF_OK;
	uint64_t now = hfn_now_ms();
	if (n_members == 0 || n_members > HF_MAX_RECIPIENTS)
		return HF_EINVAL;
	pks = calloc(n_members, sizeof(*pks));
	if (!pks)
		return HF_ENOMEM;
	hf_uuidv7(now, NULL, msg_id->b);
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
	if (rc == HF_OK && n->on_sealed && (rc = n->on_sealed(n, *env, *env_len)) != HF_OK) {
		free(*env);
		*env = NULL;
	}
	return rc;
}

/* The lookup's context: the manifest held, and whether the audit log proved that this
 * envelope existed before its key's revocation (node_proven_before). */
typedef struct hfn_lookup_ctx {
	const hf_manifest *m;
	bool proven;
} hfn_lookup_ctx;

/* The node's sender lookup (spec §5.6 step 3): the manifest's (key valid at `created`), plus
 * the receiver's own rules. Revocation counts from when this node learned of it, not from
 * the sender-chosen `created`: any message first seen while the manifest held names the
 * key revoked is refused, whatever `created` says, unless the audit log proves it existed
 * before the revocation (c->proven). The header epoch may not be ahead of the manifest. */
static hf_err node_lookup(void *ctx, const hf_envelope_header *hdr, uint8_t pk[HF_SIGN_PK_LEN])
{
	const hfn_lookup_ctx *c = ctx;
	const hf_member *mb;
	const hf_member_key *k;
	HF_TRY(hf_manifest_sender_lookup((void *)c->m, hdr, pk));
	if (hdr->epoch == 0)
		return HF_ERANGE;
	if (hdr->epoch > hf_manifest_epoch(c->m))
		return HF_EEPOCHAHEAD;
	HF_TRY(hf_manifest_find_sign_key(c->m, &hdr->sender, &mb, &k));
	if (k->revoked_at_ms <= hfn_now_ms() && !c->proven)
		return HF_EREVOKED;
	return HF_OK;
}

/*
 * Spec §5.6 step 3, §15.6: a message of a key revoked at R counts only if it was logged
 * before R. HF_OK if a receipt we hold (verified against a checkpoint with its quorum when
 * it came, node/audit) puts its leaf before R; otherwise, while a log may still answer, its
 * header is queued for a receipt query and the refusal is HF_EPROOFPENDING (io class: the
 * sender retries); once the wait ran out ([audit] unlogged_ms), or with no log, no logged
 * type, or created >= R, HF_EREVOKED. The envelope is verified by the caller afterwards.
 */
static hf_err node_proven_before(hfn_node *n, hfn_store *s, const uint8_t *env, size_t len)
{
	uint8_t logs[16][HF_MEMBER_ID_LEN];
	hf_envelope_header *h = malloc(sizeof(*h));
	const hf_member *mb;
	const hf_member_key *k;
	const uint8_t *hb;
	size_t hl, nl;
	uint64_t revoked = 0;
	hf_err rc = HF_EREVOKED;
	bool pending = false;
	if (!h)
		return HF_ENOMEM;
	if (hf_envelope_peek(env, len, h) != HF_OK || !hf_audit_type_logged(h->type) ||
	    hf_audit_header_bytes(env, len, &hb, &hl) != HF_OK)
		goto out;
	pthread_rwlock_rdlock(&n->mlock);
	if (hf_manifest_find_sign_key(n->manifest, &h->sender, &mb, &k) == HF_OK)
		revoked = k->revoked_at_ms;
	pthread_rwlock_unlock(&n->mlock);
	if (revoked == 0 || h->created_ms >= revoked)
		goto out;
	nl = hfn_node_members_with(n, HF_ROLE_AUDITOR, logs, 16);
	for (size_t i = 0; i < nl && rc == HF_EREVOKED; i++) {
		hfn_store_receipt *r = malloc(sizeof(*r));
		bool exists, flagged;
		hf_err g;
		if (!r) {
			rc = HF_ENOMEM;
			break;
		}
		g = hfn_store_receipt_get(s, logs[i], &h->sender, &h->msg_id, r);
		if (g == HF_OK && r->integrated_ms < revoked)
			rc = HF_OK;
		free(r);
		if (rc == HF_OK || g == HF_OK) /* a receipt after R: proven too late */
			continue;
		if (g != HF_ENOTFOUND) {
			rc = g;
			break;
		}
		/* Ask this log (once; the audit engine sends the query), unless it said no. */
		if ((g = hfn_store_want_add(s, logs[i], &h->sender, &h->msg_id, hb, hl, false,
		                            hfn_now_ms())) != HF_OK ||
		    (g = hfn_store_want_state(s, logs[i], &h->sender, &h->msg_id, &exists,
		                              &flagged)) != HF_OK) {
			rc = g;
			break;
		}
		if (!flagged)
			pending = true;
	}
	if (rc == HF_EREVOKED && pending)
		rc = HF_EPROOFPENDING;
out:
	free(h);
	return rc;
}

static hf_err node_open_with(hfn_node *n, const uint8_t *env, size_t len, bool proven,
                             hf_opened **out, uint8_t sender[HF_MEMBER_ID_LEN])
{
	hf_err rc;
	const hf_member *mb;
	pthread_rwlock_rdlock(&n->mlock);
	hfn_lookup_ctx c = {n->manifest, proven};
	hf_open_params p = {
	    .self = n->id,
	    .lookup = node_lookup,
	    .lookup_ctx = &c,
	    .now_ms = hfn_now_ms(),
	    .federation = hf_manifest_federation(n->manifest),
	};
	rc = hf_envelope_open(env, len, &p, out);
	if (rc == HF_OK) {
		rc = hf_manifest_find_sign_key(n->manifest, &hf_opened_header(*out)->sender, &mb,
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

hf_err hfn_node_open_at(hfn_node *n, hfn_store *s, const uint8_t *env, size_t len, hf_opened **out,
                        uint8_t sender[HF_MEMBER_ID_LEN])
{
	hf_err rc = node_open_with(n, env, len, false, out, sender);
	if (rc != HF_EREVOKED || !s)
		return rc;
	/* Everything else checked out up to the revocation rule: is there a log proof? */
	rc = node_proven_before(n, s, env, len);
	if (rc != HF_OK)
		return rc;
	return node_open_with(n, env, len, true, out, sender);
}

hf_err hfn_node_open(hfn_node *n, const uint8_t *env, size_t len, hf_opened **out,
                     uint8_t sender[HF_MEMBER_ID_LEN])
{
	return hfn_node_open_at(n, NULL, env, len, out, sender);
}

bool hfn_node_member_is_recipient(hfn_node *n, const uint8_t member[HF_MEMBER_ID_LEN],
                                  const hf_envelope_header *hdr)
{
	bool yes = false;
	pthread_rwlock_rdlock(&n->mlock);
	for (uint32_t i = 0; i < hdr->n_recipients && !yes; i++) {
		const hf_member *mb;
		if (hf_manifest_find_enc_key(n->manifest, &hdr->recipients[i], &mb, NULL) ==
		        HF_OK &&
		    memcmp(hf_member_id(mb), member, HF_MEMBER_ID_LEN) == 0)
			yes = true;
	}
	pthread_rwlock_unlock(&n->mlock);
	return yes;
}

size_t hfn_node_members_with(hfn_node *n, uint32_t roles, uint8_t (*out)[HF_MEMBER_ID_LEN],
                             size_t max)
{
	size_t k = 0;
	uint64_t now = hfn_now_ms();
	pthread_rwlock_rdlock(&n->mlock);
	for (size_t i = 0; i < hf_manifest_n_members(n->manifest) && k < max; i++) {
		const hf_member *mb = hf_manifest_member_at(n->manifest, i);
		const hf_member_key *key;
		/* A member nothing can be sealed to now (every encryption key revoked or expired)
		 * is left out, so one such member never fails a message to all the others. */
		if ((hf_member_roles(mb) & roles) && memcmp(hf_member_id(mb), n->self, 16) != 0 &&
		    hf_member_current_key(mb, HF_KEY_ENC, now, &key) == HF_OK)
			memcpy(out[k++], hf_member_id(mb), HF_MEMBER_ID_LEN);
	}
	pthread_rwlock_unlock(&n->mlock);
	return k;
}

void hfn_node_reject(hfn_node *n, hfn_store *s, const uint8_t *peer, const char *what, hf_err code)
{
	char hex[2 * HF_MEMBER_ID_LEN + 1] = "unknown", label[96];
	(void)n;
	if (peer)
		hfn_hex(peer, HF_MEMBER_ID_LEN, hex);
	snprintf(label, sizeof(label), "%s|%s", hex, hf_err_name(code));
	hfn_log(HFN_LOG_WARN, "reject", "what", what, "peer", hex, "code", hf_err_name(code),
	        "class", hf_err_class_name(hf_err_class_of(code)), NULL);
	if (hfn_store_count(s, "rejects", label, 1) != HF_OK)
		hfn_log(HFN_LOG_ERROR, "counter_failed", NULL);
}

/* ---- after commit ---------------------------------------------------------------- */

struct hfn_after {
	hfn_after_fn run;
	void (*drop)(void *arg);
	void *arg;
};

hf_err hfn_node_end_send(hfn_node *n, hf_err rc)
{
	if (rc == HF_OK)
		rc = hfn_store_commit(n->store);
	if (rc != HF_OK) {
		hfn_store_rollback(n->store);
		return rc;
	}
	hfn_transport_kick(n->tr);
	return HF_OK;
}

hf_err hfn_node_after_commit(hfn_node *n, hfn_after_fn run, void (*drop)(void *arg), void *arg)
{
	HF_TRY(hfn_grow((void **)&n->after, &n->cap_after, n->n_after + 1, sizeof(*n->after)));
	n->after[n->n_after++] = (struct hfn_after){run, drop, arg};
	return HF_OK;
}

size_t hfn_node_after_mark(const hfn_node *n)
{
	return n->n_after;
}

void hfn_node_after_drop(hfn_node *n, size_t mark)
{
	while (n->n_after > mark) {
		struct hfn_after *a = &n->after[--n->n_after];
		if (a->drop)
			a->drop(a->arg);
	}
}

void hfn_node_after_run(hfn_node *n)
{
	/* An action may queue another (for the next commit): run only what is here now. */
	size_t count = n->n_after;
	struct hfn_after *list = n->after;
	n->after = NULL;
	n->n_after = n->cap_after = 0;
	for (size_t i = 0; i < count; i++)
		list[i].run(n, list[i].arg);
	free(list);
}
