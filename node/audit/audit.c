/* The audit engine: submissions, the log operator, receipts, witnesses, split views
 * (see audit.h; spec §15, §16). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "audit/audit.h"
#include "audit/audit_cfg.h"
#include "audit/tlog.h"
#include "core/log.h"
#include "hashfed/audit_log.h"
#include "hashfed/audit_msg.h"
#include "hashfed/merkle.h"
#include "hashfed/note.h"
#include "net/transport.h"
#include "store/store_audit.h"
#include "hf_check.h"

#define HFN_AUDIT_LIFETIME_MS (24ull * 3600 * 1000)
#define HFN_AUDIT_MAX_LOGS    16
#define HFN_AUDIT_BATCH_MAX   100000 /* leaves of one integration batch */
#define HFN_AUDIT_MAX_PEERS   HF_MAX_MEMBERS

typedef struct hfn_audit {
	hfn_tlog *log;           /* operator only */
	hf_note_signer *signer;  /* operator: the log key (our manifest signing key) */
	hf_note_signer *wsigner; /* witness: the cosignature key (the same key, alg COSIG) */
	char origin[96];         /* operator: our log's origin */
	uint64_t last_batch_ms;  /* operator */
	uint64_t last_gossip_ms; /* every node */
	uint64_t last_query_ms;  /* receiver side */
	uint64_t last_ask_ms;    /* operator: witnesses last asked again */
	uint64_t gossiped[HFN_AUDIT_MAX_LOGS];
	struct event *timer;
} hfn_audit;

static hfn_audit *A(hfn_node *n)
{
	return n->audit;
}

/* ---- config --------------------------------------------------------------------- */

/* ---- keys, origin, policy ------------------------------------------------------------ */

void hfn_audit_origin(const hf_fed_id *fed, const uint8_t log[16], char out[96])
{
	char f[HF_ID_HEX_SIZE], l[33];
	hf_fed_id_hex(fed, f);
	hfn_hex(log, 16, l);
	snprintf(out, 96, "hashfed.log/%s/%s", f, l);
}

static void witness_name(const uint8_t member[16], char out[64])
{
	char h[33];
	hfn_hex(member, 16, h);
	snprintf(out, 64, "hashfed.witness/%s", h);
}

/* The current signing key of member at now (manifest read-locked by the caller). */
static hf_err sign_pk(const hf_manifest *m, const uint8_t member[16], uint64_t now, uint8_t pk[32])
{
	const hf_member *mb;
	const hf_member_key *k;
	HF_TRY(hf_manifest_find_member(m, member, &mb));
	HF_TRY(hf_member_current_key(mb, HF_KEY_SIGN, now, &k));
	memcpy(pk, k->pk, 32);
	return HF_OK;
}

hf_err hfn_audit_policy(hfn_node *n, const uint8_t log[HF_MEMBER_ID_LEN], hf_log_policy *p)
{
	static char origins[HFN_AUDIT_MAX_LOGS][96]; /* policies point at these (main thread) */
	static uint8_t origin_of[HFN_AUDIT_MAX_LOGS][16];
	static size_t n_origins;
	uint8_t pk[32];
	uint64_t now = hfn_now_ms();
	hf_err rc;
	size_t slot;
	memset(p, 0, sizeof(*p));
	for (slot = 0; slot < n_origins && memcmp(origin_of[slot], log, 16) != 0; slot++)
		;
	if (slot == n_origins) {
		if (n_origins == HFN_AUDIT_MAX_LOGS)
			return HF_ENOSPC;
		memcpy(origin_of[slot], log, 16);
		n_origins++;
	}
	pthread_rwlock_rdlock(&n->mlock);
	hfn_audit_origin(hf_manifest_federation(n->manifest), log, origins[slot]);
	p->origin = origins[slot];
	rc = sign_pk(n->manifest, log, now, pk);
	if (rc == HF_OK)
		rc = hf_note_vkey_make(origins[slot], HF_NOTE_ALG_ED25519, pk, &p->log_key);
	for (size_t i = 0; rc == HF_OK && i < hf_manifest_n_members(n->manifest); i++) {
		const hf_member *mb = hf_manifest_member_at(n->manifest, i);
		char name[64];
		if (!(hf_member_roles(mb) & HF_ROLE_WITNESS) || p->n_witnesses == HF_MAX_WITNESSES)
			continue;
		if (sign_pk(n->manifest, hf_member_id(mb), now, pk) != HF_OK)
			continue; /* no valid key: cannot count */
		witness_name(hf_member_id(mb), name);
		rc =
		    hf_note_vkey_make(name, HF_NOTE_ALG_COSIG, pk, &p->witnesses[p->n_witnesses++]);
	}
	pthread_rwlock_unlock(&n->mlock);
	p->quorum = n->cfg.audit.quorum;
	return rc;
}

/* Which log a checkpoint note claims to be from: the member id at the end of its origin. */
static hf_err note_log(hfn_node *n, const char *note, size_t len, uint8_t log[16])
{
	char want[96];
	const char *nl = memchr(note, '\n', len);
	size_t ol = nl ? (size_t)(nl - note) : 0;
	if (ol < 32 + 1)
		return HF_ECHECKPOINT;
	for (size_t i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(note + ol - 32 + 2 * i, "%2x", &v) != 1)
			return HF_ECHECKPOINT;
		log[i] = (uint8_t)v;
	}
	pthread_rwlock_rdlock(&n->mlock);
	hfn_audit_origin(hf_manifest_federation(n->manifest), log, want);
	pthread_rwlock_unlock(&n->mlock);
	return strlen(want) == ol && memcmp(want, note, ol) == 0 ? HF_OK : HF_EORIGIN;
}

/* Opens a checkpoint of log `log` with our policy (quorum as configured unless
 * quorum_override >= 0). */
static hf_err open_ckpt(hfn_node *n, const uint8_t log[16], const char *note, size_t len,
                        int quorum_override, hf_checkpoint *c, hf_cosig_status *st)
{
	hf_log_policy p;
	HF_TRY(hfn_audit_policy(n, log, &p));
	if (quorum_override >= 0)
		p.quorum = (size_t)quorum_override;
	return hf_checkpoint_open((const uint8_t *)note, len, &p, c, st);
}

/* ---- sending ------------------------------------------------------------------------- */

/* Seals body (an audit type) to members and queues it, inside the caller's transaction. */
static hf_err audit_send(hfn_node *n, uint32_t type, const hf_audit_msg *m,
                         const uint8_t (*to)[HF_MEMBER_ID_LEN], size_t n_to)
{
	uint8_t *body = NULL, *env = NULL;
	hf_msg_id msg_id;
	size_t blen, elen;
	hf_audit_header ah;
	hf_err rc;
	char t[8];
	memset(&ah, 0, sizeof(ah));
	(void)type;
	HF_CHECK(hf_audit_msg_encode(m, &body, &blen));
	for (size_t i = 0; i < n_to; i++) {
		/* One envelope per recipient: each may be gone from the manifest alone. */
		rc = hfn_node_seal(n, m->type, to + i, 1, &ah, HFN_AUDIT_LIFETIME_MS, body, blen,
		                   &msg_id, &env, &elen);
		if (rc == HF_EUNKNOWNMEMBER || rc == HF_EKEYEXPIRED || rc == HF_EREVOKED)
			continue;
		HF_CHECK(rc);
		rc = hfn_store_outbox_add(n->store, &msg_id, to[i], NULL, 0, env, elen,
		                          hfn_now_ms());
		free(env);
		env = NULL;
		HF_CHECK(rc);
	}
	snprintf(t, sizeof(t), "%u", m->type);
	HF_CHECK(hfn_store_count(n->store, "messages_out", t, (int64_t)n_to));
out:
	free(body);
	free(env);
	return rc;
}

static size_t auditors(hfn_node *n, uint8_t (*out)[HF_MEMBER_ID_LEN])
{
	return hfn_node_members_with(n, HF_ROLE_AUDITOR, out, HFN_AUDIT_MAX_LOGS);
}

/* n->on_sealed: a logged message we sealed leaves its header for every auditor. */
static hf_err audit_sealed(hfn_node *n, const uint8_t *env, size_t len)
{
	return hfn_audit_note_sent(n, env, len);
}

hf_err hfn_audit_note_sent(hfn_node *n, const uint8_t *env, size_t len)
{
	uint8_t logs[HFN_AUDIT_MAX_LOGS][HF_MEMBER_ID_LEN];
	const uint8_t *hdr;
	size_t hl, nl;
	hf_envelope_header *h = malloc(sizeof(*h));
	hf_err rc;
	if (!h)
		return HF_ENOMEM;
	HF_CHECK(hf_audit_header_bytes(env, len, &hdr, &hl));
	HF_CHECK(hf_envelope_header_decode(hdr, hl, h));
	rc = HF_OK;
	if (!hf_audit_type_logged(h->type) || !n->cfg.audit.submit)
		goto out;
	nl = auditors(n, logs);
	for (size_t i = 0; i < nl; i++)
		HF_CHECK(hfn_store_want_add(n->store, logs[i], &h->sender, &h->msg_id, hdr, hl,
		                            true, hfn_now_ms()));
	if (n->self_roles & HF_ROLE_AUDITOR) {
		bool dup;
		HF_CHECK(
		    hfn_store_aq_add(n->store, &h->sender, &h->msg_id, n->self, hdr, hl, &dup));
	}
out:
	free(h);
	return rc;
}

/* Receiver: a logged message from a peer; we want the log's word that it is in the log. */
static hf_err audit_note_received(hfn_node *n, const hf_envelope_header *h, const uint8_t *env,
                                  size_t len)
{
	uint8_t logs[HFN_AUDIT_MAX_LOGS][HF_MEMBER_ID_LEN];
	const uint8_t *hdr;
	size_t hl, nl;
	if (h->type == HF_MSG_LIST_BATCH || (n->self_roles & HF_ROLE_AUDITOR))
		return HF_OK;
	HF_TRY(hf_audit_header_bytes(env, len, &hdr, &hl));
	nl = auditors(n, logs);
	for (size_t i = 0; i < nl; i++)
		HF_TRY(hfn_store_want_add(n->store, logs[i], &h->sender, &h->msg_id, hdr, hl, false,
		                          hfn_now_ms()));
	return HF_OK;
}

/* Collects unsent wants of one log: our headers into a submission, others into queries. */
typedef struct hfn_flush {
	hfn_node *n;
	const uint8_t *log;
	hf_audit_msg *sub;
	int64_t seqs[HF_AUDIT_MAX_SUBMIT];
	uint8_t *hdrs[HF_AUDIT_MAX_SUBMIT];
	uint32_t n_seq;
	hf_err err;
} hfn_flush;

static hf_err flush_cb(void *ctx, int64_t seq, const hf_key_id *sender, const hf_msg_id *msg_id,
                       const uint8_t *hdr, size_t len, bool mine, uint64_t since)
{
	hfn_flush *f = ctx;
	(void)since;
	if (mine) {
		uint32_t k = f->sub->u.submit.n;
		f->hdrs[k] = malloc(len ? len : 1);
		if (!f->hdrs[k])
			return HF_ENOMEM;
		memcpy(f->hdrs[k], hdr, len);
		f->sub->u.submit.hdr[k] = f->hdrs[k];
		f->sub->u.submit.hdr_len[k] = len;
		f->sub->u.submit.n++;
	} else {
		hf_audit_msg q;
		memset(&q, 0, offsetof(hf_audit_msg, u) + sizeof(q.u.query));
		q.type = HF_MSG_AUDIT_QUERY;
		q.u.query.kind = HF_AUDIT_Q_RECEIPT;
		q.u.query.sender = *sender;
		q.u.query.msg_id = *msg_id;
		HF_TRY(audit_send(f->n, q.type, &q, (const uint8_t(*)[HF_MEMBER_ID_LEN])f->log, 1));
	}
	f->seqs[f->n_seq++] = seq;
	return HF_OK;
}

static hf_err flush_log(hfn_node *n, const uint8_t log[16], hf_audit_msg *sub)
{
	hfn_flush *f = calloc(1, sizeof(*f));
	hf_err rc;
	if (!f)
		return HF_ENOMEM;
	f->n = n;
	f->log = log;
	f->sub = sub;
	memset(&sub->u.submit, 0, sizeof(sub->u.submit));
	sub->type = HF_MSG_AUDIT_SUBMIT;
	HF_CHECK(hfn_store_want_todo(n->store, log, HF_AUDIT_MAX_SUBMIT, flush_cb, f));
	if (sub->u.submit.n)
		HF_CHECK(audit_send(n, sub->type, sub, (const uint8_t(*)[HF_MEMBER_ID_LEN])log, 1));
	for (uint32_t i = 0; i < f->n_seq; i++)
		HF_CHECK(hfn_store_want_sent(n->store, f->seqs[i]));
out:
	for (uint32_t i = 0; i < sub->u.submit.n; i++)
		free(f->hdrs[i]);
	free(f);
	return rc;
}

static hf_err flush_wants(hfn_node *n)
{
	uint8_t logs[HFN_AUDIT_MAX_LOGS][16];
	size_t nl;
	hf_audit_msg *sub = malloc(sizeof(*sub));
	hf_err rc;
	if (!sub)
		return HF_ENOMEM;
	if (hfn_store_want_logs(n->store, logs, HFN_AUDIT_MAX_LOGS, &nl) != HF_OK || nl == 0) {
		free(sub);
		return HF_OK;
	}
	HF_CHECK(hfn_store_begin(n->store));
	HF_CHECK(hfn_store_want_logs(n->store, logs, HFN_AUDIT_MAX_LOGS, &nl));
	for (size_t i = 0; i < nl; i++)
		HF_CHECK(flush_log(n, logs[i], sub));
	HF_CHECK(hfn_store_commit(n->store));
	if (nl)
		hfn_transport_kick(n->tr);
	free(sub);
	return HF_OK;
out:
	hfn_store_rollback(n->store);
	free(sub);
	return rc;
}

/* Received messages the log still has not confirmed: flagged once (an order never logged). */
static hf_err overdue_cb(void *ctx, int64_t seq, const hf_key_id *sender, const hf_msg_id *msg_id,
                         const uint8_t *hdr, size_t len, bool mine, uint64_t since)
{
	hfn_node *n = ctx;
	char s[HF_ID_HEX_SIZE], m[HF_ID_HEX_SIZE];
	(void)hdr;
	(void)len;
	(void)since;
	hf_key_id_hex(sender, s);
	hf_msg_id_hex(msg_id, m);
	hfn_log(HFN_LOG_WARN, mine ? "audit_unreceipted" : "audit_not_logged", "sender", s, "msg",
	        m, NULL);
	HF_TRY(hfn_store_count(n->store, mine ? "audit_unreceipted" : "audit_not_logged", "", 1));
	return hfn_store_want_flag(n->store, seq);
}

static hf_err check_overdue(hfn_node *n)
{
	hf_err rc;
	uint64_t now = hfn_now_ms();
	if (now < n->cfg.audit.unlogged_ms)
		return HF_OK;
	HF_TRY(hfn_store_begin(n->store));
	/* Unanswered when the wait runs out: flagged (and no longer asked) ... */
	HF_CHECK(
	    hfn_store_want_overdue(n->store, now - n->cfg.audit.unlogged_ms, 256, overdue_cb, n));
	/* ... until then asked again (the log may not have published it yet). */
	HF_CHECK(hfn_store_want_rearm(n->store, now - n->cfg.audit.gossip_ms));
	HF_CHECK(hfn_store_commit(n->store));
	return HF_OK;
out:
	hfn_store_rollback(n->store);
	return rc;
}

/* ---- log operator: integration and publication ------------------------------------------ */

typedef struct hfn_integ {
	hfn_node *n;
	uint64_t now, appended;
	int64_t last_seq;
} hfn_integ;

static hf_err integ_cb(void *ctx, int64_t seq, const hf_key_id *sender, const hf_msg_id *msg_id,
                       const uint8_t *submitter, const uint8_t *hdr, size_t len)
{
	hfn_integ *x = ctx;
	uint64_t idx;
	x->last_seq = seq;
	HF_TRY(hfn_tlog_append(A(x->n)->log, sender, msg_id, submitter, x->now, hdr, len, &idx));
	x->appended++;
	return HF_OK;
}

/* Signs the checkpoint of the current tree (inside the transaction): *note malloc'ed. */
static hf_err sign_current(hfn_node *n, char **note, size_t *note_len)
{
	hfn_audit *a = A(n);
	hf_checkpoint c;
	uint8_t *buf = malloc(HF_NOTE_MAX_SIZE);
	size_t len;
	hf_err rc;
	*note = NULL;
	if (!buf)
		return HF_ENOMEM;
	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", a->origin);
	c.size = hfn_tlog_size(a->log);
	HF_CHECK(hfn_tlog_root(a->log, c.root));
	HF_CHECK(hf_checkpoint_sign(&c, a->signer, buf, HF_NOTE_MAX_SIZE - 1, &len));
	buf[len] = 0;
	*note = (char *)buf;
	*note_len = len;
	return HF_OK;
out:
	free(buf);
	return rc;
}

/* Receipts for leaves [from, to) grouped by submitter, proofs against `to` (whose
 * checkpoint is note), queued inside the caller's transaction. */
typedef struct hfn_rcpt {
	hfn_node *n;
	const char *note;
	size_t note_len;
	const hf_merkle_store *ms;
	uint64_t size;
	hf_audit_msg *m;
	uint8_t to[HF_MEMBER_ID_LEN];
	uint8_t (*proofs)[HF_MERKLE_MAX_PROOF][HF_MERKLE_HASH_LEN];
	uint64_t sent;
} hfn_rcpt;

static hf_err rcpt_flush(hfn_rcpt *r)
{
	if (r->m->u.receipt.n == 0)
		return HF_OK;
	if (memcmp(r->to, r->n->self, 16) != 0)
		HF_TRY(audit_send(r->n, HF_MSG_AUDIT_RECEIPT, r->m,
		                  (const uint8_t(*)[HF_MEMBER_ID_LEN])r->to, 1));
	r->sent += r->m->u.receipt.n;
	r->m->u.receipt.n = 0;
	return HF_OK;
}

static hf_err rcpt_cb(void *ctx, uint64_t idx, const uint8_t *submitter, const uint8_t *leaf,
                      size_t len)
{
	hfn_rcpt *r = ctx;
	hf_audit_leaf *l = malloc(sizeof(*l));
	size_t np;
	hf_err rc;
	if (!l)
		return HF_ENOMEM;
	HF_CHECK(hf_audit_leaf_decode(leaf, len, l));
	if (memcmp(r->to, submitter, 16) != 0 || r->m->u.receipt.n == HF_AUDIT_MAX_SUBMIT)
		HF_CHECK(rcpt_flush(r));
	memcpy(r->to, submitter, 16);
	uint32_t k = r->m->u.receipt.n;
	hf_audit_rentry *e = &r->m->u.receipt.e[k];
	HF_CHECK(
	    hf_merkle_inclusion_proof(r->ms, idx, r->size, r->proofs[k], HF_MERKLE_MAX_PROOF, &np));
	e->msg_id = l->hdr.msg_id;
	e->index = idx;
	e->integrated_ms = l->logged_ms;
	e->proof = &r->proofs[k][0][0];
	e->proof_len = np * HF_MERKLE_HASH_LEN;
	r->m->u.receipt.n++;
out:
	free(l);
	return rc;
}

static hf_err send_receipts(hfn_node *n, uint64_t from, uint64_t to, const char *note,
                            size_t note_len)
{
	hfn_rcpt r;
	hf_err rc;
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.note = note;
	r.size = to;
	r.m = malloc(sizeof(*r.m));
	r.proofs = malloc(sizeof(*r.proofs) * HF_AUDIT_MAX_SUBMIT);
	if (!r.m || !r.proofs) {
		rc = HF_ENOMEM;
		goto out;
	}
	memset(r.m, 0, sizeof(r.m->type) + sizeof(r.m->u.receipt));
	r.m->type = HF_MSG_AUDIT_RECEIPT;
	r.m->u.receipt.checkpoint = note;
	r.m->u.receipt.checkpoint_len = note_len;
	r.ms = hfn_tlog_store(A(n)->log, to);
	HF_CHECK(hfn_store_leaves(n->store, from, to, rcpt_cb, &r));
	HF_CHECK(rcpt_flush(&r));
out:
	free(r.m);
	free(r.proofs);
	return rc;
}

/* A checkpoint of our log reached its quorum: receipts for what it newly covers, and the
 * checkpoint to every member. Inside the caller's transaction. */
static hf_err hfn_publish(hfn_node *n, uint64_t size, const char *note, size_t note_len)
{
	uint8_t(*peers)[HF_MEMBER_ID_LEN] = malloc(HFN_AUDIT_MAX_PEERS * HF_MEMBER_ID_LEN);
	uint64_t published;
	hf_audit_msg m;
	hf_err rc;
	if (!peers)
		return HF_ENOMEM;
	HF_CHECK(hfn_store_ameta_get(n->store, "published", &published));
	if (size <= published) {
		rc = HF_OK;
		goto out;
	}
	HF_CHECK(send_receipts(n, published, size, note, note_len));
	HF_CHECK(hfn_store_ameta_put(n->store, "published", size));
	HF_CHECK(hfn_store_ckpt_publish(n->store, size));
	memset(&m, 0, offsetof(hf_audit_msg, u) + sizeof(m.u.checkpoint));
	m.type = HF_MSG_AUDIT_CHECKPOINT;
	m.u.checkpoint.checkpoint = note;
	m.u.checkpoint.checkpoint_len = note_len;
	size_t np = hfn_node_members_with(
	    n, HF_ROLE_AUTHORITY | HF_ROLE_PLATFORM | HF_ROLE_AUDITOR | HF_ROLE_WITNESS, peers,
	    HFN_AUDIT_MAX_PEERS);
	HF_CHECK(audit_send(n, m.type, &m, (const uint8_t(*)[HF_MEMBER_ID_LEN])peers, np));
	char sz[24];
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	hfn_log(HFN_LOG_INFO, "audit_published", "size", sz, NULL);
out:
	free(peers);
	return rc;
}

/* Asks every witness to cosign our newest checkpoint, each with a consistency proof from
 * what it cosigned last. */
static hf_err ask_witnesses(hfn_node *n, uint64_t size, const char *note, size_t note_len)
{
	uint8_t w[HF_MAX_WITNESSES][HF_MEMBER_ID_LEN];
	uint8_t(*proof)[HF_MERKLE_HASH_LEN] = malloc(HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN);
	size_t nw = hfn_node_members_with(n, HF_ROLE_WITNESS, w, HF_MAX_WITNESSES), np;
	hf_err rc = HF_OK;
	if (!proof)
		return HF_ENOMEM;
	for (size_t i = 0; i < nw; i++) {
		uint64_t last;
		hf_audit_msg m;
		HF_CHECK(hfn_store_wstate_get(n->store, w[i], &last));
		memset(&m, 0, offsetof(hf_audit_msg, u) + sizeof(m.u.checkpoint));
		m.type = HF_MSG_AUDIT_CHECKPOINT;
		m.u.checkpoint.checkpoint = note;
		m.u.checkpoint.checkpoint_len = note_len;
		if (last > 0 && last < size) {
			HF_CHECK(hf_merkle_consistency_proof(hfn_tlog_store(A(n)->log, size), last,
			                                     size, proof, HF_MERKLE_MAX_PROOF,
			                                     &np));
			m.u.checkpoint.has_from = true;
			m.u.checkpoint.from_size = last;
			m.u.checkpoint.proof = &proof[0][0];
			m.u.checkpoint.proof_len = np * HF_MERKLE_HASH_LEN;
		}
		HF_CHECK(audit_send(n, m.type, &m, (const uint8_t(*)[HF_MEMBER_ID_LEN])w[i], 1));
	}
out:
	free(proof);
	return rc;
}

hf_err hfn_audit_integrate(hfn_node *n, uint64_t *appended)
{
	hfn_audit *a = A(n);
	hfn_integ x = {.n = n, .now = hfn_now_ms()};
	char *note = NULL;
	size_t note_len;
	hf_err rc;
	*appended = 0;
	if (!a || !a->log)
		return HF_OK;
	HF_TRY(hfn_store_begin(n->store));
	/* The log's clock never goes back along the log (docs/audit.md). */
	uint64_t last;
	HF_CHECK(hfn_store_leaf_last_time(n->store, &last));
	if (x.now < last)
		x.now = last;
	HF_CHECK(hfn_store_aq_each(n->store, HFN_AUDIT_BATCH_MAX, integ_cb, &x));
	if (x.appended == 0) {
		hfn_store_rollback(n->store);
		return HF_OK;
	}
	HF_CHECK(hfn_tlog_flush(a->log));
	HF_CHECK(hfn_store_aq_drop(n->store, x.last_seq));
	HF_CHECK(sign_current(n, &note, &note_len));
	HF_CHECK(hfn_store_ckpt_put(n->store, hfn_tlog_size(a->log), x.now, note));
	if (n->cfg.audit.quorum == 0)
		HF_CHECK(hfn_publish(n, hfn_tlog_size(a->log), note, note_len));
	else
		HF_CHECK(ask_witnesses(n, hfn_tlog_size(a->log), note, note_len));
	HF_CHECK(hfn_store_count(n->store, "audit_leaves", "", (int64_t)x.appended));
	HF_CHECK(hfn_store_commit(n->store));
	free(note);
	hfn_transport_kick(n->tr);
	*appended = x.appended;
	return HF_OK;
out:
	hfn_store_rollback(n->store);
	free(note);
	if (hfn_tlog_reload(a->log) != HF_OK)
		hfn_log(HFN_LOG_ERROR, "audit_reload_failed", NULL);
	return rc;
}

/* ---- inbound ------------------------------------------------------------------------- */

hf_err hfn_audit_role(const hf_manifest *m, const hf_member *mb, const hf_envelope_header *h)
{
	switch (h->type) {
	case HF_MSG_AUDIT_SUBMIT: /* any member that sends logged messages */
	case HF_MSG_AUDIT_QUERY:
	case HF_MSG_AUDIT_ALARM:
		return HF_OK;
	case HF_MSG_AUDIT_RECEIPT: /* only a log answers */
		return hf_manifest_allows(m, mb, HF_ROLE_AUDITOR, h->created_ms);
	case HF_MSG_AUDIT_COSIGN:
		return hf_manifest_allows(m, mb, HF_ROLE_WITNESS, h->created_ms);
	case HF_MSG_AUDIT_CHECKPOINT: /* from the log, or gossip from any member */
		return HF_OK;
	default:
		return HF_EMSGTYPE;
	}
}

/* Log operator: a batch of headers from one member, each of a message that member signed. */
static hf_err on_submit(hfn_node *n, const hf_audit_msg *m, const uint8_t sender[16],
                        hf_err *status)
{
	hf_envelope_header *h = malloc(sizeof(*h));
	hf_err rc = HF_OK;
	uint32_t dups = 0;
	if (!h)
		return HF_ENOMEM;
	*status = HF_OK;
	if (!A(n)->log) {
		*status = HF_EROLE; /* we run no log */
		goto out;
	}
	/* All or nothing: every header must be the submitter's own, of our federation. */
	for (uint32_t i = 0; i < m->u.submit.n && *status == HF_OK; i++) {
		const hf_member *mb;
		*status = hf_envelope_header_decode(m->u.submit.hdr[i], m->u.submit.hdr_len[i], h);
		if (*status != HF_OK)
			break;
		if (!hf_audit_type_logged(h->type)) {
			*status = HF_EMSGTYPE;
			break;
		}
		pthread_rwlock_rdlock(&n->mlock);
		if (!hf_fed_id_eq(&h->federation, hf_manifest_federation(n->manifest)))
			*status = HF_EFEDERATION;
		else if (hf_manifest_find_sign_key(n->manifest, &h->sender, &mb, NULL) != HF_OK ||
		         memcmp(hf_member_id(mb), sender, 16) != 0)
			*status = HF_EROLE;
		pthread_rwlock_unlock(&n->mlock);
	}
	for (uint32_t i = 0; i < m->u.submit.n && *status == HF_OK; i++) {
		bool dup;
		HF_CHECK(hf_envelope_header_decode(m->u.submit.hdr[i], m->u.submit.hdr_len[i], h));
		HF_CHECK(hfn_store_aq_add(n->store, &h->sender, &h->msg_id, sender,
		                          m->u.submit.hdr[i], m->u.submit.hdr_len[i], &dup));
		dups += dup;
	}
	if (*status == HF_OK)
		HF_CHECK(hfn_store_count(n->store, "audit_submitted", "", (int64_t)m->u.submit.n));
	(void)dups;
out:
	free(h);
	return rc;
}

/* Keeps a verified checkpoint and checks it against the newest we hold: same size with
 * another root is a split view at once; other sizes need a consistency proof, which we ask
 * the log for (the answer comes back as AUDIT_CHECKPOINT with a proof). */
static hf_err hfn_alarm(hfn_node *n, const uint8_t log[16], const char *a, const char *b,
                        const char *reason);

static hf_err hfn_seen(hfn_node *n, const uint8_t log[16], const hf_checkpoint *c, const char *note,
                       bool *is_new)
{
	uint64_t have;
	uint8_t root[32];
	char *old = NULL;
	hf_err rc;
	*is_new = false;
	rc = hfn_store_seen_get(n->store, log, c->size, &have, root, &old);
	if (rc == HF_OK && memcmp(root, c->root, 32) != 0) {
		rc = hfn_alarm(n, log, old, note, "same size, different root");
		free(old);
		return rc;
	}
	free(old);
	if (rc == HF_OK)
		return hfn_store_seen_put(n->store, log, c->size, c->root, note, hfn_now_ms());
	if (rc != HF_ENOTFOUND)
		return rc;
	/* A size we have not seen: consistent with the newest we hold? */
	rc = hfn_store_seen_get(n->store, log, 0, &have, root, NULL);
	if (rc != HF_OK && rc != HF_ENOTFOUND)
		return rc;
	HF_TRY(hfn_store_seen_put(n->store, log, c->size, c->root, note, hfn_now_ms()));
	*is_new = true;
	if (rc == HF_OK && have != c->size &&
	    !(n->self_roles & HF_ROLE_AUDITOR && A(n)->log && memcmp(log, n->self, 16) == 0)) {
		hf_audit_msg q;
		memset(&q, 0, offsetof(hf_audit_msg, u) + sizeof(q.u.query));
		q.type = HF_MSG_AUDIT_QUERY;
		q.u.query.kind = HF_AUDIT_Q_CONSISTENCY;
		q.u.query.from_size = have < c->size ? have : c->size;
		q.u.query.to_size = have < c->size ? c->size : have;
		HF_TRY(audit_send(n, q.type, &q, (const uint8_t(*)[HF_MEMBER_ID_LEN])log, 1));
	}
	return HF_OK;
}

static hf_err hfn_alarm(hfn_node *n, const uint8_t log[16], const char *a, const char *b,
                        const char *reason)
{
	uint8_t aud[HFN_AUDIT_MAX_LOGS][HF_MEMBER_ID_LEN];
	bool known;
	char lh[33];
	HF_TRY(hfn_store_alarm_known(n->store, log, a, b, &known));
	if (known)
		return HF_OK;
	hfn_hex(log, 16, lh);
	hfn_log(HFN_LOG_ERROR, "audit_split_view", "log", lh, "reason", reason, NULL);
	HF_TRY(hfn_store_alarm_add(n->store, log, a, b, reason, hfn_now_ms()));
	HF_TRY(hfn_store_count(n->store, "audit_alarms", "", 1));
	hf_audit_msg m;
	memset(&m, 0, offsetof(hf_audit_msg, u) + sizeof(m.u.alarm));
	m.type = HF_MSG_AUDIT_ALARM;
	m.u.alarm.a = a;
	m.u.alarm.a_len = strlen(a);
	m.u.alarm.b = b;
	m.u.alarm.b_len = strlen(b);
	size_t na = auditors(n, aud);
	return audit_send(n, m.type, &m, (const uint8_t(*)[HF_MEMBER_ID_LEN])aud, na);
}

/* A checkpoint with a consistency proof from from_size: both must be ones we verified. */
static hf_err check_consistency(hfn_node *n, const uint8_t log[16], const hf_checkpoint *c,
                                const char *note, const hf_audit_msg *m)
{
	uint64_t have;
	uint8_t root1[32];
	char *old = NULL;
	hf_err rc =
	    hfn_store_seen_get(n->store, log, m->u.checkpoint.from_size, &have, root1, &old);
	if (rc == HF_ENOTFOUND)
		return HF_OK; /* nothing of that size to compare with */
	HF_TRY(rc);
	rc = hf_merkle_verify_consistency(m->u.checkpoint.from_size, root1, c->size, c->root,
	                                  m->u.checkpoint.proof, m->u.checkpoint.proof_len);
	if (rc != HF_OK)
		rc = hfn_alarm(n, log, old, note, hf_err_name(rc));
	free(old);
	return rc;
}

/* Witness: cosigns a checkpoint of log if it is consistent with what we cosigned last. */
static hf_err hfn_witness(hfn_node *n, const uint8_t log[16], const hf_checkpoint *c,
                          const char *note, size_t note_len, const hf_audit_msg *m, hf_err *status)
{
	uint64_t last = 0;
	uint8_t root[32];
	char *old = NULL, line[HF_NOTE_MAX_LINE];
	size_t ll;
	hf_err rc = hfn_store_witnessed_get(n->store, log, &last, root, &old);
	if (rc != HF_OK && rc != HF_ENOTFOUND)
		return rc;
	if (rc == HF_OK) {
		hf_err v = HF_OK;
		if (c->size < last)
			v = HF_EROLLBACK;
		else if (c->size == last && memcmp(root, c->root, 32) != 0)
			v = HF_ECONSISTENCY;
		else if (c->size > last)
			v = !m->u.checkpoint.has_from || m->u.checkpoint.from_size != last
			        ? HF_EPROOFLEN
			        : hf_merkle_verify_consistency(last, root, c->size, c->root,
			                                       m->u.checkpoint.proof,
			                                       m->u.checkpoint.proof_len);
		if (v != HF_OK) {
			*status = v;
			if (v == HF_ECONSISTENCY || v == HF_EINCLUSION)
				rc = hfn_alarm(n, log, old, note, hf_err_name(v));
			else
				rc = HF_OK;
			free(old);
			return rc;
		}
	}
	free(old);
	/* The text the log signed: the note up to the blank line. */
	const char *end = strstr(note, "\n\n");
	if (!end) {
		*status = HF_ENOTE;
		return HF_OK;
	}
	HF_TRY(hf_checkpoint_cosign(A(n)->wsigner, (const uint8_t *)note, note_len,
	                            hfn_now_ms() / 1000, line, sizeof(line), &ll));
	HF_TRY(hfn_store_witnessed_put(n->store, log, c->size, c->root, note));
	/* Back to the log: its note with our line appended. */
	char *out = malloc(note_len + ll + 1);
	if (!out)
		return HF_ENOMEM;
	memcpy(out, note, note_len);
	memcpy(out + note_len, line, ll);
	out[note_len + ll] = 0;
	hf_audit_msg r;
	memset(&r, 0, offsetof(hf_audit_msg, u) + sizeof(r.u.cosign));
	r.type = HF_MSG_AUDIT_COSIGN;
	r.u.cosign.checkpoint = out;
	r.u.cosign.checkpoint_len = note_len + ll;
	rc = audit_send(n, r.type, &r, (const uint8_t(*)[HF_MEMBER_ID_LEN])log, 1);
	free(out);
	*status = rc == HF_OK ? HF_OK : *status;
	return rc;
}

/* Log operator: a witness's cosignature on one of our checkpoints. */
static hf_err on_cosign(hfn_node *n, const hf_audit_msg *m, const uint8_t sender[16],
                        hf_err *status)
{
	hf_checkpoint c;
	hf_cosig_status st;
	uint64_t size, at;
	char *stored = NULL;
	hf_err rc = HF_OK;
	if (!A(n)->log) {
		*status = HF_EROLE;
		return HF_OK;
	}
	*status =
	    open_ckpt(n, n->self, m->u.cosign.checkpoint, m->u.cosign.checkpoint_len, 0, &c, &st);
	if (*status != HF_OK)
		return HF_OK;
	HF_TRY(hfn_store_ckpt_get(n->store, c.size, &size, &at, &stored));
	/* Merge: our stored note plus every cosignature line of this one we do not have. */
	const char *lines = strstr(m->u.cosign.checkpoint, "\n\n");
	size_t cap = strlen(stored) + m->u.cosign.checkpoint_len + 1;
	char *merged = malloc(cap);
	if (!merged || !lines) {
		free(stored);
		free(merged);
		*status = lines ? HF_OK : HF_ENOTE;
		return lines ? HF_ENOMEM : HF_OK;
	}
	snprintf(merged, cap, "%s", stored);
	for (const char *p = lines + 2; p < m->u.cosign.checkpoint + m->u.cosign.checkpoint_len;) {
		const char *e = memchr(
		    p, '\n', (size_t)(m->u.cosign.checkpoint + m->u.cosign.checkpoint_len - p));
		if (!e)
			break;
		size_t l = (size_t)(e - p) + 1;
		char tmp[HF_NOTE_MAX_LINE + 2];
		if (l < sizeof(tmp)) {
			memcpy(tmp, p, l);
			tmp[l] = 0;
			size_t ml = strlen(merged), kp = 0;
			/* One line per witness key: "— name " and the key hash's first 5 base64
			 * characters (a witness asked twice signs twice, other timestamps). */
			for (size_t sp = 0; sp < l && kp == 0; sp++)
				if (tmp[sp] == ' ' && sp > 4)
					kp = sp + 6 <= l ? sp + 6 : 0;
			char key[HF_NOTE_MAX_LINE + 2];
			memcpy(key, tmp, kp ? kp : l);
			key[kp ? kp : l] = 0;
			if (!strstr(merged, key) && ml + l < cap)
				memcpy(merged + ml, tmp, l + 1);
		}
		p = e + 1;
	}
	free(stored);
	hf_cosig_status st2;
	hf_checkpoint c2;
	*status = open_ckpt(n, n->self, merged, strlen(merged), 0, &c2, &st2);
	if (*status == HF_OK) {
		HF_CHECK(hfn_store_ckpt_put(n->store, c.size, at, merged));
		HF_CHECK(hfn_store_wstate_put(n->store, sender, c.size, hfn_now_ms()));
		if (st2.n_valid >= n->cfg.audit.quorum)
			HF_CHECK(hfn_publish(n, c.size, merged, strlen(merged)));
	}
out:
	free(merged);
	return rc;
}

/* A receipt from a log: verify each entry against our header and keep it. */
static hf_err on_receipt(hfn_node *n, const hf_audit_msg *m, const uint8_t log[16], hf_err *status)
{
	hf_checkpoint c;
	hf_cosig_status st;
	hf_audit_leaf *leaf = malloc(sizeof(*leaf));
	uint8_t *lb = malloc(HF_AUDIT_LEAF_MAX_SIZE), lh[32];
	hfn_store_receipt *r = malloc(sizeof(*r));
	char *z = NULL;
	hf_err rc = HF_OK;
	bool is_new;
	if (!leaf || !lb || !r) {
		rc = HF_ENOMEM;
		goto out;
	}
	*status =
	    open_ckpt(n, log, m->u.receipt.checkpoint, m->u.receipt.checkpoint_len, -1, &c, &st);
	if (*status != HF_OK)
		goto out;
	/* The note is a view into the body: NUL-terminated for the store. */
	HF_CHECK((z = strndup(m->u.receipt.checkpoint, m->u.receipt.checkpoint_len)) ? HF_OK
	                                                                             : HF_ENOMEM);
	HF_CHECK(hfn_seen(n, log, &c, z, &is_new));
	for (uint32_t i = 0; i < m->u.receipt.n; i++) {
		const hf_audit_rentry *e = &m->u.receipt.e[i];
		uint8_t *hdr = NULL;
		hf_key_id keyid;
		size_t hl, ll;
		bool mine;
		hf_err v;
		/* Which of our wants: our own messages, or others' we asked the log about. */
		v = hfn_store_want_get(n->store, log, &e->msg_id, &keyid, &hdr, &hl, &mine);
		if (v == HF_ENOTFOUND)
			continue; /* not asked for, or answered already */
		HF_CHECK(v);
		v = hf_audit_leaf_encode(e->integrated_ms, hdr, hl, lb, HF_AUDIT_LEAF_MAX_SIZE,
		                         &ll);
		if (v == HF_OK)
			v = hf_audit_leaf_hash(lb, ll, lh);
		if (v == HF_OK)
			v = hf_merkle_verify_inclusion(lh, e->index, c.size, c.root, e->proof,
			                               e->proof_len);
		if (v == HF_OK)
			v = hf_audit_leaf_decode(lb, ll, leaf);
		if (v == HF_OK) {
			memset(r, 0, sizeof(*r));
			memcpy(r->log, log, 16);
			r->sender = keyid;
			r->msg_id = e->msg_id;
			r->idx = e->index;
			r->integrated_ms = e->integrated_ms;
			r->size = c.size;
			r->n_proof = (uint32_t)(e->proof_len / 32);
			memcpy(r->proof, e->proof, e->proof_len);
			rc = hfn_store_receipt_put(n->store, r);
			if (rc == HF_OK)
				rc = hfn_store_want_del(n->store, log, &keyid, &e->msg_id);
			/* The log's clock is the trusted one: a message that claims to be much
			 * older than its log entry is backdated (spec §15). */
			if (rc == HF_OK && !mine &&
			    hf_audit_leaf_check_time(leaf, n->cfg.audit.max_backdate_ms) ==
			        HF_EBACKDATED) {
				char s1[HF_ID_HEX_SIZE], m1[HF_ID_HEX_SIZE];
				hf_key_id_hex(&keyid, s1);
				hf_msg_id_hex(&e->msg_id, m1);
				hfn_log(HFN_LOG_WARN, "audit_backdated", "sender", s1, "msg", m1,
				        NULL);
				rc = hfn_store_count(n->store, "audit_backdated", "", 1);
			}
		} else {
			*status = v; /* a receipt that does not prove what it claims */
		}
		free(hdr);
		HF_CHECK(rc);
	}
	HF_CHECK(hfn_store_count(n->store, "audit_receipts", "", m->u.receipt.n));
out:
	free(z);
	free(leaf);
	free(lb);
	free(r);
	return rc;
}

static hf_err on_checkpoint(hfn_node *n, const hf_audit_msg *m, const uint8_t sender[16],
                            hf_err *status)
{
	uint8_t log[16];
	/* open_ckpt may refuse before it fills them (HF_EQUORUM still fills c). */
	hf_checkpoint c = {0};
	hf_cosig_status st = {0};
	bool is_new;
	const char *note = m->u.checkpoint.checkpoint;
	size_t len = m->u.checkpoint.checkpoint_len;
	char *z = malloc(len + 1);
	hf_err rc = HF_OK;
	if (!z)
		return HF_ENOMEM;
	memcpy(z, note, len);
	z[len] = 0;
	*status = note_log(n, note, len, log);
	if (*status != HF_OK)
		goto out;
	bool from_log = memcmp(sender, log, 16) == 0;
	bool witness_req = from_log && (n->self_roles & HF_ROLE_WITNESS) && A(n)->wsigner;
	/* A witness checks the log's signature only: the cosignatures come after it. */
	*status = open_ckpt(n, log, note, len, witness_req ? 0 : -1, &c, &st);
	if (*status == HF_EQUORUM && witness_req)
		*status = HF_OK;
	if (*status != HF_OK)
		goto out;
	if (witness_req && st.n_valid == 0) {
		rc = hfn_witness(n, log, &c, z, len, m, status);
		goto out;
	}
	if (memcmp(log, n->self, 16) == 0)
		goto out; /* our own log: we know what we signed */
	HF_CHECK(hfn_seen(n, log, &c, z, &is_new));
	if (m->u.checkpoint.has_from)
		HF_CHECK(check_consistency(n, log, &c, z, m));
out:
	free(z);
	return rc;
}

static hf_err on_query(hfn_node *n, const hf_audit_msg *m, const uint8_t sender[16], hf_err *status)
{
	uint64_t published, size, at;
	char *note = NULL;
	hf_err rc = HF_OK;
	if (!A(n)->log) {
		*status = HF_EROLE;
		return HF_OK;
	}
	HF_TRY(hfn_store_ameta_get(n->store, "published", &published));
	if (published == 0) {
		*status = HF_ENOTFOUND;
		return HF_OK;
	}
	HF_TRY(hfn_store_ckpt_get(n->store, published, &size, &at, &note));
	if (m->u.query.kind == HF_AUDIT_Q_RECEIPT) {
		uint64_t idx, integ;
		uint8_t(*proof)[HF_MERKLE_HASH_LEN] =
		    malloc(HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN);
		size_t np;
		hf_audit_msg *r = malloc(sizeof(*r));
		if (!proof || !r) {
			free(proof);
			free(r);
			free(note);
			return HF_ENOMEM;
		}
		rc = hfn_store_leaf_find(n->store, &m->u.query.sender, &m->u.query.msg_id, &idx,
		                         &integ);
		if (rc == HF_OK && idx < published) {
			rc = hf_merkle_inclusion_proof(hfn_tlog_store(A(n)->log, published), idx,
			                               published, proof, HF_MERKLE_MAX_PROOF, &np);
			memset(r, 0, offsetof(hf_audit_msg, u) + sizeof(r->u.receipt));
			r->type = HF_MSG_AUDIT_RECEIPT;
			r->u.receipt.checkpoint = note;
			r->u.receipt.checkpoint_len = strlen(note);
			r->u.receipt.n = 1;
			r->u.receipt.e[0].msg_id = m->u.query.msg_id;
			r->u.receipt.e[0].index = idx;
			r->u.receipt.e[0].integrated_ms = integ;
			r->u.receipt.e[0].proof = &proof[0][0];
			r->u.receipt.e[0].proof_len = np * HF_MERKLE_HASH_LEN;
			if (rc == HF_OK)
				rc = audit_send(n, r->type, r,
				                (const uint8_t(*)[HF_MEMBER_ID_LEN])sender, 1);
			*status = rc;
		} else if (rc == HF_ENOTFOUND || rc == HF_OK) {
			*status = HF_ENOTLOGGED; /* the asker flags it when its wait runs out */
			rc = HF_OK;
		}
		free(proof);
		free(r);
	} else {
		uint8_t(*proof)[HF_MERKLE_HASH_LEN] =
		    malloc(HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN);
		size_t np;
		uint64_t to = m->u.query.to_size;
		char *tnote = NULL;
		if (!proof) {
			free(note);
			return HF_ENOMEM;
		}
		if (to > published || m->u.query.from_size >= to ||
		    hfn_store_ckpt_get(n->store, to, &size, &at, &tnote) != HF_OK) {
			*status = HF_ETREESIZE; /* not a size we published */
		} else {
			rc = hf_merkle_consistency_proof(hfn_tlog_store(A(n)->log, to),
			                                 m->u.query.from_size, to, proof,
			                                 HF_MERKLE_MAX_PROOF, &np);
			hf_audit_msg c;
			memset(&c, 0, offsetof(hf_audit_msg, u) + sizeof(c.u.checkpoint));
			c.type = HF_MSG_AUDIT_CHECKPOINT;
			c.u.checkpoint.checkpoint = tnote;
			c.u.checkpoint.checkpoint_len = strlen(tnote);
			c.u.checkpoint.has_from = true;
			c.u.checkpoint.from_size = m->u.query.from_size;
			c.u.checkpoint.proof = &proof[0][0];
			c.u.checkpoint.proof_len = np * HF_MERKLE_HASH_LEN;
			if (rc == HF_OK)
				rc = audit_send(n, c.type, &c,
				                (const uint8_t(*)[HF_MEMBER_ID_LEN])sender, 1);
			*status = rc;
		}
		free(tnote);
		free(proof);
	}
	free(note);
	return hf_err_class_of(rc) == HF_CLASS_IO || rc == HF_ENOMEM ? rc : HF_OK;
}

static hf_err on_alarm(hfn_node *n, const hf_audit_msg *m, const uint8_t sender[16], hf_err *status)
{
	uint8_t log[16];
	char *a = strndup(m->u.alarm.a, m->u.alarm.a_len),
	     *b = strndup(m->u.alarm.b, m->u.alarm.b_len);
	hf_err rc = HF_OK;
	char who[33];
	bool known;
	if (!a || !b) {
		rc = HF_ENOMEM;
		goto out;
	}
	*status = note_log(n, a, m->u.alarm.a_len, log);
	if (*status != HF_OK)
		goto out;
	HF_CHECK(hfn_store_alarm_known(n->store, log, a, b, &known));
	if (known)
		goto out;
	hfn_hex(sender, 16, who);
	hfn_log(HFN_LOG_ERROR, "audit_split_view_reported", "by", who, NULL);
	HF_CHECK(hfn_store_alarm_add(n->store, log, a, b, "reported", hfn_now_ms()));
	HF_CHECK(hfn_store_count(n->store, "audit_alarms", "", 1));
out:
	free(a);
	free(b);
	return rc;
}

hf_err hfn_audit_body_check(uint32_t type, const uint8_t *body, size_t len)
{
	hf_audit_msg *m = malloc(sizeof(*m));
	hf_err rc = m ? hf_audit_msg_decode(type, body, len, m) : HF_ENOMEM;
	free(m);
	return rc;
}

hf_err hfn_audit_on_message(struct hfn_node *n, const hfn_in_msg *in, hfn_disp *disp,
                            hf_err *status)
{
	const hf_envelope_header *h = in->h;
	const uint8_t *body = in->body, *sender = in->sender;
	size_t len = in->body_len;
	hf_audit_msg *m;
	hf_err rc = HF_OK;
	*disp = HFN_DONE;
	if (!hf_audit_msg_type(h->type)) {
		*status = HF_EMSGTYPE;
		return HF_OK;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return HF_ENOMEM;
	/* The handler of each audit type, 48..53 in order (hf_audit_msg_type checked above). */
	static hf_err (*const on[])(hfn_node *, const hf_audit_msg *, const uint8_t *, hf_err *) = {
	    on_submit, on_receipt, on_checkpoint, on_cosign, on_query, on_alarm};
	_Static_assert(sizeof(on) / sizeof(on[0]) == HF_MSG_AUDIT_ALARM - HF_MSG_AUDIT_SUBMIT + 1,
	               "one handler per audit type");
	*status = hf_audit_msg_decode(h->type, body, len, m);
	if (*status == HF_OK)
		rc = on[h->type - HF_MSG_AUDIT_SUBMIT](n, m, sender, status);
	free(m);
	if (rc != HF_OK) { /* a store error: the message stays pending and is retried */
		char t[8];
		snprintf(t, sizeof(t), "%u", h->type);
		hfn_log(HFN_LOG_ERROR, "audit_message_failed", "type", t, "code", hf_err_name(rc),
		        NULL);
	}
	return rc;
}

/* Every logged message we accepted from a peer: ask the logs to confirm it. */
hf_err hfn_audit_received(hfn_node *n, const hf_envelope_header *h, const uint8_t *env, size_t len)
{
	if (!hf_audit_type_logged(h->type))
		return HF_OK;
	return audit_note_received(n, h, env, len);
}

/* ---- gossip ------------------------------------------------------------------------- */

/* Our newest verified checkpoint of each log, to every other member, when it changed. */
static hf_err hfn_gossip(hfn_node *n)
{
	uint8_t logs[HFN_AUDIT_MAX_LOGS][HF_MEMBER_ID_LEN];
	uint8_t(*peers)[HF_MEMBER_ID_LEN] = NULL;
	size_t nl = auditors(n, logs), np = 0;
	hf_err rc = HF_OK;
	bool began = false;
	for (size_t i = 0; i < nl; i++) {
		uint64_t size;
		char *note = NULL;
		hf_err g = hfn_store_seen_get(n->store, logs[i], 0, &size, NULL, &note);
		if (g != HF_OK || size == A(n)->gossiped[i]) {
			free(note);
			continue;
		}
		if (!peers) {
			peers = malloc(HFN_AUDIT_MAX_PEERS * HF_MEMBER_ID_LEN);
			if (!peers) {
				free(note);
				return HF_ENOMEM;
			}
			np = hfn_node_members_with(
			    n, HF_ROLE_AUTHORITY | HF_ROLE_PLATFORM | HF_ROLE_WITNESS, peers,
			    HFN_AUDIT_MAX_PEERS);
		}
		if (!began) {
			HF_CHECK(hfn_store_begin(n->store));
			began = true;
		}
		hf_audit_msg m;
		memset(&m, 0, offsetof(hf_audit_msg, u) + sizeof(m.u.checkpoint));
		m.type = HF_MSG_AUDIT_CHECKPOINT;
		m.u.checkpoint.checkpoint = note;
		m.u.checkpoint.checkpoint_len = strlen(note);
		rc = audit_send(n, m.type, &m, (const uint8_t(*)[HF_MEMBER_ID_LEN])peers, np);
		free(note);
		HF_CHECK(rc);
		A(n)->gossiped[i] = size;
	}
	if (began) {
		HF_CHECK(hfn_store_commit(n->store));
		hfn_transport_kick(n->tr);
	}
	free(peers);
	return HF_OK;
out:
	if (began)
		hfn_store_rollback(n->store);
	free(peers);
	return rc;
}

/* Log operator: the newest checkpoint still lacks its quorum (a witness refused a request
 * whose proof started from a size it had not cosigned yet, its cosignature crossing our
 * next batch; or a witness was down): ask again, each from what it cosigned since. */
static hf_err reask_witnesses(hfn_node *n)
{
	uint64_t published, size, at;
	char *note = NULL;
	hf_err rc;
	uint64_t now = hfn_now_ms(), wait = 2ull * n->cfg.audit.gossip_ms;
	if (now - A(n)->last_ask_ms < wait)
		return HF_OK;
	HF_TRY(hfn_store_ameta_get(n->store, "published", &published));
	rc = hfn_store_ckpt_get(n->store, 0, &size, &at, &note);
	/* Only a checkpoint that waited: the first answers are usually on their way. */
	if (rc == HF_ENOTFOUND || (rc == HF_OK && (size <= published || now - at < wait))) {
		free(note);
		return HF_OK;
	}
	HF_TRY(rc);
	A(n)->last_ask_ms = now;
	bool began = false;
	HF_CHECK(hfn_store_begin(n->store));
	began = true;
	HF_CHECK(ask_witnesses(n, size, note, strlen(note)));
	HF_CHECK(hfn_store_commit(n->store));
	began = false;
	hfn_transport_kick(n->tr);
out:
	if (began)
		hfn_store_rollback(n->store);
	free(note);
	return rc;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

void hfn_audit_tick(hfn_node *n)
{
	hfn_audit *a = A(n);
	uint64_t now = hfn_now_ms(), added;
	hf_err rc;
	if (!a)
		return;
	if ((rc = flush_wants(n)) != HF_OK)
		hfn_log(HFN_LOG_ERROR, "audit_submit_failed", "code", hf_err_name(rc), NULL);
	if (a->log && now - a->last_batch_ms >= n->cfg.audit.batch_ms) {
		a->last_batch_ms = now;
		if ((rc = hfn_audit_integrate(n, &added)) != HF_OK)
			hfn_log(HFN_LOG_ERROR, "audit_integrate_failed", "code", hf_err_name(rc),
			        NULL);
	}
	if (now - a->last_gossip_ms >= n->cfg.audit.gossip_ms) {
		a->last_gossip_ms = now;
		if ((rc = hfn_gossip(n)) != HF_OK)
			hfn_log(HFN_LOG_ERROR, "audit_gossip_failed", "code", hf_err_name(rc),
			        NULL);
		if ((rc = check_overdue(n)) != HF_OK)
			hfn_log(HFN_LOG_ERROR, "audit_overdue_failed", "code", hf_err_name(rc),
			        NULL);
		if (a->log && n->cfg.audit.quorum > 0 && (rc = reask_witnesses(n)) != HF_OK)
			hfn_log(HFN_LOG_ERROR, "audit_reask_failed", "code", hf_err_name(rc), NULL);
	}
}

static void audit_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hfn_audit_tick(arg);
}

hf_err hfn_audit_start(hfn_node *n)
{
	hfn_audit *a = calloc(1, sizeof(*a));
	uint8_t seed[32], xsk[32];
	hf_err rc = HF_OK;
	if (!a)
		return HF_ENOMEM;
	n->audit = a;
	n->on_sealed = audit_sealed;
	hf_identity_secrets(n->id, seed, xsk);
	sodium_memzero(xsk, sizeof(xsk));
	if (n->self_roles & HF_ROLE_AUDITOR) {
		pthread_rwlock_rdlock(&n->mlock);
		hfn_audit_origin(hf_manifest_federation(n->manifest), n->self, a->origin);
		pthread_rwlock_unlock(&n->mlock);
		HF_CHECK(hf_note_signer_new(a->origin, HF_NOTE_ALG_ED25519, seed, &a->signer));
		HF_CHECK(hfn_tlog_open(n->store, &a->log));
	}
	if (n->self_roles & HF_ROLE_WITNESS) {
		char name[64];
		witness_name(n->self, name);
		HF_CHECK(hf_note_signer_new(name, HF_NOTE_ALG_COSIG, seed, &a->wsigner));
	}
	if (n->base) {
		struct timeval tv = {n->cfg.audit.batch_ms / 1000,
		                     (int)(n->cfg.audit.batch_ms % 1000) * 1000};
		a->timer = event_new(n->base, -1, EV_PERSIST, audit_on_timer, n);
		if (!a->timer || event_add(a->timer, &tv) != 0)
			rc = HF_EINTERNAL;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

void hfn_audit_stop(hfn_node *n)
{
	hfn_audit *a = A(n);
	if (!a)
		return;
	if (a->timer)
		event_free(a->timer);
	hfn_tlog_free(a->log);
	hf_note_signer_free(a->signer);
	hf_note_signer_free(a->wsigner);
	free(a);
	n->audit = NULL;
	n->on_sealed = NULL;
}

/* ---- reads for the API ------------------------------------------------------------- */

hf_err hfn_audit_get_status(hfn_node *n, hfn_audit_status *st)
{
	hfn_audit *a = A(n);
	memset(st, 0, sizeof(*st));
	if (a && a->log) {
		char *note = NULL;
		uint64_t size;
		st->operator= true;
		st->size = hfn_tlog_size(a->log);
		HF_TRY(hfn_store_aq_count(n->store, &st->queued));
		HF_TRY(hfn_store_ameta_get(n->store, "published", &st->published));
		if (hfn_store_ckpt_get(n->store, 0, &size, &st->last_ms, &note) == HF_OK) {
			hf_checkpoint c;
			hf_cosig_status cs;
			if (open_ckpt(n, n->self, note, strlen(note), 0, &c, &cs) == HF_OK)
				st->cosigners = (uint32_t)cs.n_valid;
		}
		free(note);
	}
	HF_TRY(hfn_store_receipt_count(n->store, &st->receipts));
	HF_TRY(hfn_store_want_count(n->store, &st->waiting));
	uint64_t alarms = 0;
	HF_TRY(hfn_store_alarm_count(n->store, &alarms));
	st->alarms = alarms;
	uint8_t logs[HFN_AUDIT_MAX_LOGS][HF_MEMBER_ID_LEN];
	size_t nl = auditors(n, logs);
	for (size_t i = 0; i < nl; i++) {
		uint64_t size = 0;
		hf_err g = hfn_store_seen_get(n->store, logs[i], 0, &size, NULL, NULL);
		if (g != HF_OK && g != HF_ENOTFOUND)
			return g;
		if (g == HF_OK && size > st->seen)
			st->seen = size;
	}
	return HF_OK;
}

hf_err hfn_audit_inclusion(hfn_node *n, uint64_t idx, uint64_t size,
                           uint8_t (*proof)[HF_MERKLE_HASH_LEN], size_t *n_proof)
{
	if (!A(n) || !A(n)->log)
		return HF_EROLE;
	if (size > hfn_tlog_size(A(n)->log))
		return HF_ETREESIZE;
	return hf_merkle_inclusion_proof(hfn_tlog_store(A(n)->log, size), idx, size, proof,
	                                 HF_MERKLE_MAX_PROOF, n_proof);
}

hf_err hfn_audit_consistency(hfn_node *n, uint64_t size1, uint64_t size2,
                             uint8_t (*proof)[HF_MERKLE_HASH_LEN], size_t *n_proof)
{
	if (!A(n) || !A(n)->log)
		return HF_EROLE;
	if (size2 > hfn_tlog_size(A(n)->log))
		return HF_ETREESIZE;
	return hf_merkle_consistency_proof(hfn_tlog_store(A(n)->log, size2), size1, size2, proof,
	                                   HF_MERKLE_MAX_PROOF, n_proof);
}

hf_err hfn_audit_tile(hfn_node *n, const hf_tile_ref *t, uint8_t *out, size_t *len)
{
	if (!A(n) || !A(n)->log)
		return HF_EROLE;
	uint64_t size = hfn_tlog_size(A(n)->log);
	uint64_t count = t->level * 8 < 64 ? size >> (8 * t->level) : 0;
	if ((uint64_t)t->index * 256 + t->width > count)
		return HF_ENOTFOUND;
	if (t->width != 256 && (uint64_t)t->index * 256 + 256 <= count)
		return HF_ENOTFOUND; /* a partial tile exists only at the right edge */
	return hfn_tlog_tile(A(n)->log, t, out, len);
}
