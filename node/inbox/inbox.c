/* The inbox: every message from a peer enters here. The receive hook (transport
 * threads) verifies an envelope and hands it to the main loop; the main loop commits
 * it to the inbox and applies it (one transaction per pass), dispatching by type to
 * the lists, match and orders engines. */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "core/log.h"
#include "core/open_cache.h"
#include "hashfed/list.h"
#include "hashfed/match_report.h"
#include "inbox/inbox.h"
#include "inbox/rxq.h"
#include "lists/lists.h"
#include "match/match.h"
#include "orders/orders.h"

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

hf_err hf_inbox_receive(void *ctx, hf_store *s, const uint8_t *env, size_t len)
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

static hf_err hf_rx_insert(hf_node *n, hf_rx_item *it)
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

/* One inbox message, inside the pass's transaction (its own savepoint: a store error
 * undoes this message only, which stays pending and is retried). */
static hf_err hf_inbox_one(void *ctx, int64_t seq, uint32_t type, const uint8_t *env, size_t len)
{
	hf_node *n = ctx;
	hf_opened *o = NULL;
	uint8_t sender[HF_MEMBER_ID_LEN];
	hf_disp disp = HF_DONE;
	hf_err status = HF_OK, rc;
	(void)type;
	HF_TRY(hf_store_savepoint(n->store));
	/* The inbox keeps the envelope, never the plaintext: what the receive step verified
	 * is reused for these exact bytes, else the envelope is opened again. */
	status = hf_node_open_inbox(n, env, len, &o, sender);
	if (status == HF_OK) {
		const uint8_t *body;
		size_t blen;
		body = hf_opened_body(o, &blen);
		switch (hf_opened_header(o)->type) {
		case HF_MSG_LIST_BATCH:
			rc = hf_lists_on_batch(n, sender, env, len, body, blen, &disp, &status);
			break;
		case HF_MSG_LIST_SNAPSHOT:
			rc = hf_lists_on_snapshot(n, sender, body, blen, &disp, &status);
			break;
		case HF_MSG_LIST_PULL:
			rc = hf_lists_on_pull(n, sender, body, blen, &status);
			break;
		case HF_MSG_MATCH_REPORT:
			rc = hf_match_on_report(n, sender, body, blen, &status);
			break;
		default:
			rc = hf_orders_on_message(n, o, sender, env, len, &status);
		}
		if (rc != HF_OK && hf_err_class_of(rc) == HF_CLASS_MALFORMED) {
			status = rc; /* the body itself is bad: final */
			rc = HF_OK;
		}
		if (rc != HF_OK)
			goto out;
	}
	if (disp == HF_PARK)
		HF_CHECK(hf_store_inbox_park(n->store, seq));
	else
		HF_CHECK(hf_store_inbox_done(n->store, seq, hf_err_name(status)));
	if (status != HF_OK && status != HF_EREPLAY && disp == HF_DONE)
		hf_node_reject(n, n->store, o ? sender : NULL, "inbox", status);
	HF_CHECK(hf_store_release(n->store));
	hf_opened_free(o);
	return HF_OK;
out:
	hf_store_rollback_to(n->store);
	hf_opened_free(o);
	return rc;
}

/* Results of handed-over messages whose transaction did not commit: the peer retries. */
static void hf_rx_fail(hf_node *n, hf_rx_item *rx, hf_err rc)
{
	for (hf_rx_item *it = rx; it; it = it->next)
		it->result = rc;
	hf_rxq_finish(n->rxq, rx);
}

hf_err hf_inbox_process(hf_node *n)
{
	/* Each pass handles what is pending; applying a batch unparks its successors, so loop
	 * until a pass finds nothing (bounded: every pass either finishes or parks each row).
	 * Group commit: a pass is one transaction holding the messages the transport threads
	 * handed over (rxq.h) and their processing, committed (synchronous=FULL) before they
	 * are acknowledged and before anything it queued is sent. */
	hf_err rc = HF_OK;
	hf_rx_item *rx = n->rxq ? hf_rxq_take(n->rxq) : NULL;
	for (int pass = 0; pass < 1000; pass++) {
		size_t left = 0;
		HF_CHECK(hf_store_begin(n->store));
		for (hf_rx_item *it = rx; it; it = it->next)
			it->result = hf_rx_insert(n, it);
		rc = hf_store_inbox_pending(n->store, 256, hf_inbox_one, n);
		/* What was applied before a store error is kept; the failed message stays
		 * pending (its savepoint was undone). */
		hf_err crc = hf_store_commit(n->store);
		if (crc != HF_OK) {
			rc = crc;
			goto out;
		}
		if (rx) {
			hf_rxq_finish(n->rxq, rx); /* on disk: the threads may acknowledge */
			rx = NULL;
		}
		if (rc != HF_OK)
			goto out;
		HF_CHECK(hf_store_inbox_count_pending(n->store, &left));
		if (left == 0)
			break;
	}
out:
	hf_store_rollback(n->store);
	if (rx)
		hf_rx_fail(n, rx, rc != HF_OK ? rc : HF_EDB);
	hf_transport_kick(n->tr);
	return rc;
}
