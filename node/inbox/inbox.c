/*
 * The inbox: every message from a peer enters here, and is opened, checked and decoded
 * once. TYPES[] (one row per message type, as s2n-tls's state_machine[]) gives each type
 * the roles that may send it, its body decoder and its handler.
 *
 * Transport threads (hfn_inbox_receive): open the envelope (verify + decrypt), check the
 * sender's role, decode the body, hand the decoded message to the main loop and go on to
 * the next request; the main loop replies (in_rx_done) once the commit is on disk.
 * Main loop (hfn_inbox_process): one transaction holds every message handed over at that
 * moment (group commit) and their processing, each message in its own savepoint; the
 * threads reply after the commit, with the handler's refusal if there was one. Rows left
 * from earlier (a restart, a parked batch) are opened again from the stored envelope.
 *
 * A row never blocks the rows after it: a handler's error undoes that message only and
 * becomes its final, recorded refusal, except an I/O or internal error, which leaves the
 * row pending for HFN_INBOX_TRIES attempts and then refuses it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/log.h"
#include "audit/audit.h"
#include "hashfed/audit_msg.h"
#include "hashfed/rules.h"
#include "inbox/inbox.h"
#include "inbox/rxq.h"
#include "lists/lists.h"
#include "match/match.h"
#include "match/match_in.h"
#include "orders/orders.h"
#include "hf_check.h"

#define HFN_INBOX_SCAN  256u /* pending rows fetched per query */
#define HFN_INBOX_TRIES 5u   /* transient failures of one row before it is refused for good */
#define HFN_INBOX_TRACK 64u  /* rows whose transient failures are counted at once */

/* ---- the table ------------------------------------------------------------------ */

/* The decoder of a type whose body has one form: fn into m->u.field. */
#define DEC_ONE(name, fn, field)                                                                   \
	static hf_err name(uint32_t type, const uint8_t *p, size_t len, hfn_in_msg *m)             \
	{                                                                                          \
		(void)type;                                                                        \
		return fn(p, len, &m->u.field);                                                    \
	}
DEC_ONE(dec_batch, hf_list_batch_decode, batch)
DEC_ONE(dec_snapshot, hf_list_snapshot_decode, snapshot)
DEC_ONE(dec_pull, hf_list_pull_decode, pull)
DEC_ONE(dec_ack, hf_list_ack_decode, ack)
DEC_ONE(dec_report, hf_match_report_decode, report)

static hf_err dec_order(uint32_t type, const uint8_t *p, size_t len, hfn_in_msg *m)
{
	return hf_order_msg_decode(type, p, len, &m->u.order);
}

/* Audit bodies are decoded by their handler (audit.c); checked here so nothing malformed
 * is stored. */
static hf_err dec_audit(uint32_t type, const uint8_t *p, size_t len, hfn_in_msg *m)
{
	(void)m;
	return hfn_audit_body_check(type, p, len);
}

static void clear_order(hfn_in_msg *m)
{
	hf_order_msg_clear(&m->u.order);
}

typedef struct in_type {
	uint32_t roles; /* the sender needs one of these (spec §12, §13, §14) */
	hf_err (*decode)(uint32_t type, const uint8_t *p, size_t len, hfn_in_msg *m);
	void (*clear)(hfn_in_msg *m); /* NULL: the decoded body only points into the body */
	hfn_in_handler handle;
} in_type;

#define HFN_ANY_PARTY  (HF_ROLE_PLATFORM | HF_ROLE_AUTHORITY)
#define HFN_ANY_MEMBER (HFN_ANY_PARTY | HF_ROLE_AUDITOR | HF_ROLE_WITNESS)

static const in_type TYPES[] = {
    /* §12: lists come from authorities; pulls from any authority or platform. */
    [HF_MSG_LIST_BATCH] = {HF_ROLE_AUTHORITY, dec_batch, NULL, hfn_lists_on_batch},
    [HF_MSG_LIST_SNAPSHOT] = {HF_ROLE_AUTHORITY, dec_snapshot, NULL, hfn_lists_on_snapshot},
    [HF_MSG_LIST_PULL] = {HFN_ANY_PARTY, dec_pull, NULL, hfn_lists_on_pull},
    /* §14: platform -> issuer. */
    [HF_MSG_MATCH_REPORT] = {HF_ROLE_PLATFORM, dec_report, NULL, hfn_match_on_report},
    /* §12.7: platform -> issuer. */
    [HF_MSG_LIST_ACK] = {HF_ROLE_PLATFORM, dec_ack, NULL, hfn_lists_on_ack},
    /* §13.2 authority -> platform; §13.3, §13.4 only platforms answer orders; §13.5 either
     * side (the party per kind is checked by the handler); §13.6 issuing authority ->
     * auditor; §13.6a authority -> authority. */
    [HF_MSG_ORDER] = {HF_ROLE_AUTHORITY, dec_order, clear_order, hfn_orders_on_order},
    [HF_MSG_RECEIPT] = {HF_ROLE_PLATFORM, dec_order, clear_order, hfn_orders_on_about},
    [HF_MSG_OUTCOME] = {HF_ROLE_PLATFORM, dec_order, clear_order, hfn_orders_on_about},
    [HF_MSG_ORDER_EVENT] = {HFN_ANY_PARTY, dec_order, clear_order, hfn_orders_on_about},
    [HF_MSG_ESCALATION] = {HF_ROLE_AUTHORITY, dec_order, clear_order, hfn_orders_on_escalation},
    [HF_MSG_REFERRAL] = {HF_ROLE_AUTHORITY, dec_order, clear_order, hfn_orders_on_referral},
    /* §16: any member submits, asks, gossips and alarms; the handler checks who may send
     * a receipt (the log) or a cosignature (a witness). */
    [HF_MSG_AUDIT_SUBMIT] = {HFN_ANY_MEMBER, dec_audit, NULL, hfn_audit_on_message},
    [HF_MSG_AUDIT_RECEIPT] = {HF_ROLE_AUDITOR, dec_audit, NULL, hfn_audit_on_message},
    [HF_MSG_AUDIT_CHECKPOINT] = {HFN_ANY_MEMBER, dec_audit, NULL, hfn_audit_on_message},
    [HF_MSG_AUDIT_COSIGN] = {HF_ROLE_WITNESS, dec_audit, NULL, hfn_audit_on_message},
    [HF_MSG_AUDIT_QUERY] = {HFN_ANY_MEMBER, dec_audit, NULL, hfn_audit_on_message},
    [HF_MSG_AUDIT_ALARM] = {HFN_ANY_MEMBER, dec_audit, NULL, hfn_audit_on_message},
};

static const in_type *type_of(uint32_t type)
{
	if (type >= sizeof(TYPES) / sizeof(TYPES[0]) || !TYPES[type].handle)
		return NULL;
	return &TYPES[type];
}

/* The sender holds one of t's roles at the message's creation time. */
static hf_err role_check(hfn_node *n, const in_type *t, const hf_envelope_header *h)
{
	static const uint32_t order[] = {HF_ROLE_PLATFORM, HF_ROLE_AUTHORITY, HF_ROLE_AUDITOR,
	                                 HF_ROLE_WITNESS};
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = hf_manifest_find_sign_key(n->manifest, &h->sender, &mb, NULL);
	if (rc == HF_OK) {
		rc = HF_EROLE;
		for (size_t i = 0; rc == HF_EROLE && i < sizeof(order) / sizeof(order[0]); i++)
			if (t->roles & order[i])
				rc = hf_manifest_allows(n->manifest, mb, order[i], h->created_ms);
	}
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

/* Body against envelope (spec §5.3a, §13.4, §13.5): the public audit header, which the
 * auditor's figures rest on, must say what the body says; order times and deadlines. */
static hf_err in_rules(const hf_envelope_header *h, const hfn_in_msg *m)
{
	hf_audit_header want;
	uint32_t free_fields = 0;
	memset(&want, 0, sizeof(want)); /* a pull carries no optional audit field */
	if (hf_audit_msg_type(h->type))
		return HF_OK; /* commitment only; the body was checked by dec_audit */
	switch (h->type) {
	case HF_MSG_LIST_BATCH:
		hf_audit_of_batch(&m->u.batch, &want, &free_fields);
		break;
	case HF_MSG_LIST_SNAPSHOT:
		hf_audit_of_snapshot(&m->u.snapshot, &want);
		break;
	case HF_MSG_LIST_PULL:
		break;
	case HF_MSG_MATCH_REPORT:
		hf_audit_of_report(&m->u.report, &want);
		break;
	case HF_MSG_LIST_ACK:
		hf_audit_of_ack(&m->u.ack, &want);
		break;
	default:
		HF_TRY(hf_order_msg_check_rules(&m->u.order, h->created_ms));
		HF_TRY(hf_order_msg_audit(&m->u.order, &want));
	}
	return hf_audit_match(&h->audit, &want, free_fields);
}

/* Fills m from an opened envelope: role check and body decode. On HF_OK the caller clears
 * it with in_clear; on failure nothing is held. */
static hf_err in_check(hfn_node *n, const hf_opened *o, const uint8_t *sender, const uint8_t *env,
                       size_t len, hfn_in_msg *m)
{
	const hf_envelope_header *h = hf_opened_header(o);
	const in_type *t = type_of(h->type);
	hf_err rc;
	memset(m, 0, sizeof(*m));
	if (!t)
		return HF_EMSGTYPE;
	HF_TRY(role_check(n, t, h));
	m->h = h;
	m->sender = sender;
	m->env = env;
	m->env_len = len;
	m->body = hf_opened_body(o, &m->body_len);
	rc = t->decode(h->type, m->body, m->body_len, m);
	if (rc == HF_OK)
		rc = in_rules(h, m);
	if (rc != HF_OK && t->clear)
		t->clear(m);
	return rc;
}

static void in_clear(hfn_in_msg *m)
{
	const in_type *t = m->h ? type_of(m->h->type) : NULL;
	if (t && t->clear)
		t->clear(m);
}

/* The one writer of inbox rows: records a verified message (with its counter) inside the
 * caller's transaction. HF_EREPLAY if this sender sent it before (nothing written). */
/* With applied (the message is applied in this transaction, in_apply with its rx) the row
 * is recorded without its envelope, which in_apply stores only if the row stays unfinished:
 * a 100k-entry batch's 6 MB envelope was written to the WAL and nulled again in the same
 * commit (a quarter of a platform's bytes written in bench_sync). */
static hf_err in_record(hfn_store *s, const hfn_in_msg *m, int64_t *seq, bool applied)
{
	bool dup = false;
	char type[16];
	snprintf(type, sizeof(type), "%u", m->h->type);
	HF_TRY(hfn_store_inbox_add(s, &m->h->msg_id, m->sender, m->h->type, applied ? NULL : m->env,
	                           m->env_len, hfn_now_ms(), &dup, seq));
	HF_TRY(hfn_store_count(s, dup ? "messages_replayed" : "messages_in", type, 1));
	/* Not an error for the sender (a retry after a lost ack), never applied twice. */
	return dup ? HF_EREPLAY : HF_OK;
}

/* ---- receive (transport threads) ------------------------------------------------- */

/* Who an envelope that failed to open claims to be from, for the per-peer counter. */
static bool claimed_sender(hfn_node *n, const uint8_t *env, size_t len,
                           uint8_t out[HF_MEMBER_ID_LEN])
{
	hf_envelope_header peek;
	const hf_member *mb;
	bool found = false;
	if (hf_envelope_peek(env, len, &peek) != HF_OK)
		return false;
	pthread_rwlock_rdlock(&n->mlock);
	if (hf_manifest_find_sign_key(n->manifest, &peek.sender, &mb, NULL) == HF_OK) {
		memcpy(out, hf_member_id(mb), HF_MEMBER_ID_LEN);
		found = true;
	}
	pthread_rwlock_unlock(&n->mlock);
	return found;
}

/* A message handed to the main loop without its thread waiting: it owns what the decoded
 * message points into, and answers the peer once the main loop has finished it. */
typedef struct in_rx {
	hfn_rx_item it; /* first: the queue hands back &it */
	hfn_node *n;
	hfn_reply *later;
	hf_opened *o;
	hfn_in_msg m;
	uint8_t sender[HF_MEMBER_ID_LEN];
	uint8_t env[]; /* the envelope (the transport's buffer goes when receive returns) */
} in_rx;

static void in_rx_free(in_rx *x)
{
	if (!x)
		return;
	if (x->m.h)
		in_clear(&x->m);
	hf_opened_free(x->o);
	free(x);
}

/* Main loop (hfn_rxq_finish): the result is final, on disk if HF_OK: reply and let go. */
static void in_rx_done(hfn_rx_item *it)
{
	in_rx *x = (in_rx *)(void *)it;
	hf_err rc = it->result;
	if (rc != HF_OK && rc != HF_EREPLAY && !it->refused)
		hfn_node_reject(x->n, x->n->store, x->sender, "envelope", rc);
	hfn_transport_reply(x->later, rc);
	in_rx_free(x);
}

hf_err hfn_inbox_receive(void *ctx, hfn_store *s, const uint8_t *env, size_t len, hfn_reply *later,
                         bool *kept)
{
	hfn_node *n = ctx;
	hf_opened *o = NULL;
	hfn_in_msg local, *m = &local;
	hfn_rx_item it;
	uint8_t local_sender[HF_MEMBER_ID_LEN], *sender = local_sender;
	const uint8_t *peer = NULL;
	bool decoded = false;
	in_rx *x = NULL;
	hf_err rc;
	*kept = false;
	memset(&it, 0, sizeof(it));
	/* With a reply token the thread hands the message over and takes the next one: the
	 * message then lives on the heap with its own copy of the envelope. */
	if (later && n->rxq && n->wake && (x = malloc(sizeof(*x) + len)) != NULL) {
		memset(x, 0, sizeof(*x));
		memcpy(x->env, env, len);
		env = x->env;
		m = &x->m;
		sender = x->sender;
	}
	/* Everything is verified before anything is stored (spec §5.6, §12). */
	rc = hfn_node_open_at(n, s, env, len, &o, sender);
	if (rc != HF_OK) {
		if (claimed_sender(n, env, len, sender))
			peer = sender;
		goto out;
	}
	peer = sender;
	/* Authentic traffic from a member proves it is up: stop backing off towards it. */
	if (n->tr)
		hfn_transport_peer_alive(n->tr, sender);
	HF_CHECK(in_check(n, o, sender, env, len, m));
	decoded = true;
	if (x) {
		x->n = n;
		x->later = later;
		x->o = o;
		x->it.msg = m;
		x->it.on_done = in_rx_done;
		if (hfn_rxq_submit(n->rxq, &x->it)) {
			/* The main loop commits it with whatever else is waiting, applies it in
			 * the same transaction and replies once that is on disk (in_rx_done). */
			*kept = true;
			event_active(n->wake, 0, 0);
			return HF_OK;
		}
		x->o = NULL; /* still ours: freed below */
	} else {
		it.msg = m;
		if (n->rxq && n->wake && hfn_rxq_submit(n->rxq, &it)) {
			/* As above, but this thread waits for the commit and replies itself. */
			event_active(n->wake, 0, 0);
			hfn_rxq_wait(n->rxq, &it);
			rc = it.result;
			goto out;
		}
	}
	/* The loop no longer takes messages (shutting down): commit it for the next run. */
	HF_CHECK(hfn_store_begin(s));
	rc = in_record(s, m, NULL, false);
	if (rc == HF_OK || rc == HF_EREPLAY) {
		hf_err crc = hfn_store_commit(s);
		rc = crc != HF_OK ? crc : rc;
	}
	if (rc != HF_OK && rc != HF_EREPLAY)
		hfn_store_rollback(s);
	else if (rc == HF_OK && n->wake)
		event_active(n->wake, 0, 0);
out:
	if (rc != HF_OK && rc != HF_EREPLAY && !it.refused)
		hfn_node_reject(n, s, peer, "envelope", rc);
	if (decoded)
		in_clear(m);
	hf_opened_free(o);
	free(x);
	return rc;
}

/* ---- process (main loop) --------------------------------------------------------- */

/* Rows that failed with a transient error, and how often (bounded; the oldest entry is
 * reused when full, so a row may get a few more tries than HFN_INBOX_TRIES, never
 * unboundedly many while it stays tracked). */
typedef struct in_state {
	int64_t seq[HFN_INBOX_TRACK];
	unsigned fails[HFN_INBOX_TRACK];
	size_t next;
} in_state;

static unsigned in_failed(hfn_node *n, int64_t seq)
{
	in_state *st = n->inbox;
	if (!st && !(st = n->inbox = calloc(1, sizeof(*st))))
		return HFN_INBOX_TRIES; /* cannot count: refuse now rather than retry forever */
	for (size_t i = 0; i < HFN_INBOX_TRACK; i++)
		if (st->seq[i] == seq)
			return ++st->fails[i];
	size_t i = st->next++ % HFN_INBOX_TRACK;
	st->seq[i] = seq;
	st->fails[i] = 1;
	return 1;
}

void hfn_inbox_free(hfn_node *n)
{
	free(n->inbox);
	n->inbox = NULL;
}

static bool transient(hf_err rc)
{
	hf_err_class c = hf_err_class_of(rc);
	return c == HF_CLASS_IO || c == HF_CLASS_INTERNAL;
}

/* Applies one pending row inside the pass's transaction, in its own savepoint. rx is the
 * handed-over message of this row, or NULL (opened again from the stored envelope).
 * *finished: the row got a final status or was parked. Returns a store error only when the
 * transaction itself is unusable. */
static hf_err in_apply(hfn_node *n, int64_t seq, hfn_rx_item *rx, bool *finished)
{
	hf_opened *o = NULL;
	uint8_t *env = NULL, sender[HF_MEMBER_ID_LEN];
	size_t len = 0;
	hfn_in_msg local;
	const hfn_in_msg *m = NULL;
	hfn_disp disp = HFN_DONE;
	hf_err status = HF_OK, rc;
	size_t mark = hfn_node_after_mark(n);
	*finished = false;
	memset(&local, 0, sizeof(local));
	if (rx) {
		m = rx->msg;
	} else {
		rc = hfn_store_inbox_get(n->store, seq, &env, &len);
		if (rc == HF_ENOTFOUND) {
			*finished = true; /* done meanwhile */
			return HF_OK;
		}
		HF_TRY(rc);
		/* The inbox keeps the envelope, never the plaintext: open it again. */
		status = hfn_node_open_at(n, n->store, env, len, &o, sender);
		if (status == HF_OK)
			status = in_check(n, o, sender, env, len, &local);
		if (status == HF_OK)
			m = &local;
	}
	HF_CHECK(hfn_store_savepoint(n->store));
	if (m) {
		rc = type_of(m->h->type)->handle(n, m, &disp, &status);
		/* A logged message of a peer, applied: ask the logs to confirm it (spec §16.3). */
		if (rc == HF_OK && status == HF_OK)
			rc = hfn_audit_received(n, m->h, m->env, m->env_len);
		if (rc != HF_OK) {
			/* Undo what the handler did; only the row's fate is recorded. */
			hfn_store_rollback_to(n->store);
			hfn_node_after_drop(n, mark);
			if (transient(rc) && in_failed(n, seq) < HFN_INBOX_TRIES) {
				hfn_log(HFN_LOG_WARN, "inbox_retry", "code", hf_err_name(rc), NULL);
				/* pending: tried again on a later pass, from the stored envelope */
				rc = rx ? hfn_store_inbox_keep(n->store, seq, m->env, m->env_len)
				        : HF_OK;
				goto out;
			}
			status = rc; /* final: the handler's error is the message's refusal */
			disp = HFN_DONE;
			HF_CHECK(hfn_store_savepoint(n->store));
		}
	}
	if (disp == HFN_PARK) {
		rc = hfn_store_inbox_park(n->store, seq);
		if (rc == HF_OK && rx)
			rc = hfn_store_inbox_keep(n->store, seq, rx->msg->env, rx->msg->env_len);
	} else
		rc = hfn_store_inbox_done(n->store, seq, hf_err_name(status));
	if (rc == HF_OK)
		rc = hfn_store_release(n->store);
	if (rc != HF_OK) {
		hfn_store_rollback_to(n->store);
		hfn_node_after_drop(n, mark);
		goto out;
	}
	*finished = true;
	if (disp == HFN_DONE && status != HF_OK && status != HF_EREPLAY) {
		hfn_node_reject(n, n->store, m ? m->sender : NULL, "inbox", status);
		if (rx) {
			/* Reported back: the sender's reply carries the refusal (spec §12.6). */
			rx->result = status;
			rx->refused = true;
		}
	}
out:
	in_clear(&local);
	hf_opened_free(o);
	free(env);
	return rc;
}

/* The handed-over message of row seq, if any (rx rows were inserted in list order). */
static hfn_rx_item *rx_of(hfn_rx_item *rx, int64_t seq)
{
	for (; rx; rx = rx->next)
		if (rx->seq == seq)
			return rx;
	return NULL;
}

/* One scan over the pending rows; *progress: at least one row was finished. */
static hf_err in_scan(hfn_node *n, hfn_rx_item *rx, bool *progress)
{
	int64_t seqs[HFN_INBOX_SCAN], after = 0;
	size_t count;
	*progress = false;
	do {
		HF_TRY(hfn_store_inbox_pending(n->store, after, seqs, HFN_INBOX_SCAN, &count));
		for (size_t i = 0; i < count; i++) {
			bool finished;
			HF_TRY(in_apply(n, seqs[i], rx_of(rx, seqs[i]), &finished));
			*progress |= finished;
			after = seqs[i];
		}
	} while (count == HFN_INBOX_SCAN);
	return HF_OK;
}

/* Results of handed-over messages whose transaction did not commit: the peer retries. */
static void rx_fail(hfn_node *n, hfn_rx_item *rx, hf_err rc)
{
	for (hfn_rx_item *it = rx; it; it = it->next)
		it->result = rc;
	hfn_rxq_finish(n->rxq, rx);
}

hf_err hfn_inbox_process(hfn_node *n)
{
	/* Group commit: the first pass is one transaction holding the messages the transport
	 * threads handed over (rxq.h) and their processing, committed (synchronous=FULL) before
	 * they are acknowledged and before anything it queued is sent. Applying a batch unparks
	 * its successors, so passes repeat while one finishes a row (bounded: a pass finishes
	 * or parks every row it can, and a row fails transiently at most HFN_INBOX_TRIES
	 * times). */
	hf_err rc = HF_OK;
	hfn_rx_item *rx = n->rxq ? hfn_rxq_take(n->rxq) : NULL;
	bool progress = true;
	for (int pass = 0; pass < 1000 && (progress || rx); pass++) {
		HF_CHECK(hfn_store_begin(n->store));
		for (hfn_rx_item *it = rx; it; it = it->next) {
			it->seq = 0;
			HF_CHECK(hfn_store_savepoint(n->store));
			it->result = in_record(n->store, it->msg, &it->seq, true);
			if (it->result == HF_OK || it->result == HF_EREPLAY)
				it->result =
				    hfn_store_release(n->store) == HF_OK ? it->result : HF_EDB;
			if (it->result != HF_OK && it->result != HF_EREPLAY) {
				hfn_store_rollback_to(n->store);
				it->seq = 0;
			}
		}
		/* How many commits the handed-over messages took (metrics: messages per commit). */
		if (rx)
			HF_CHECK(hfn_store_count(n->store, "inbox_commits", "", 1));
		HF_CHECK(in_scan(n, rx, &progress));
		HF_CHECK(hfn_store_commit(n->store));
		hfn_node_after_run(n); /* committed: the webhooks may go */
		if (rx) {
			hfn_rxq_finish(n->rxq, rx); /* on disk: the threads may acknowledge */
			rx = NULL;
		}
	}
out:
	hfn_store_rollback(n->store);
	hfn_node_after_drop(n, 0);
	if (rx)
		rx_fail(n, rx, rc != HF_OK ? rc : HF_EDB);
	hfn_transport_kick(n->tr);
	return rc;
}
