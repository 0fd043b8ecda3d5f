/* Orders engine, inbound: role rules, order -> automatic receipt, receipts, outcomes,
 * events, escalations (auditor), referrals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/webhook.h"
#include "core/log.h"
#include "hashfed/rules.h"
#include "orders/orders.h"
#include "hf_check.h"

/* Records a received envelope in the order's history; HF_EREPLAY if it is there already. */
static hf_err record_in(hfn_node *n, const hf_order_id *order_id, const hfn_in_msg *in)
{
	bool dup = false;
	hf_err rc = hfn_orders_history_add(n, order_id, &in->h->msg_id, &in->u.order, 1, in->sender,
	                                   in->env, in->env_len, &dup);
	return rc == HF_OK && dup ? HF_EREPLAY : rc;
}

/* ---- platform: an order arrives --------------------------------------------- */

hf_err hfn_orders_on_order(hfn_node *n, const hfn_in_msg *in, hfn_disp *disp, hf_err *status)
{
	const hf_order *o = &in->u.order.u.order;
	const uint8_t *sender = in->sender, *body = in->body;
	size_t body_len = in->body_len;
	hfn_ord w;
	hfn_store_order old;
	hf_err rc;
	*disp = HFN_DONE;
	if ((*status = hf_order_msg_check_times(&in->u.order, in->h->created_ms)) != HF_OK)
		return HF_OK;
	memset(&w, 0, sizeof(w));
	/* The issuer named in the body is the signer; the platform named is us (spec §13.9). */
	if (memcmp(o->authority, sender, 16) != 0) {
		*status = HF_EROLE;
		return HF_OK;
	}
	if (memcmp(o->platform, n->self, 16) != 0) {
		*status = HF_ENOTRECIPIENT;
		return HF_OK;
	}
	rc = hfn_store_order_get(n->store, &o->order_id, false, &old);
	if (rc != HF_ENOTFOUND) {
		*status = rc == HF_OK ? HF_EREPLAY : rc;
		return rc == HF_OK ? HF_OK : rc;
	}
	HF_TRY(hfn_ord_new(&w, o, HFN_STORE_ORDER_TARGET, body, body_len, hfn_now_ms()));
	hfn_store_order *so = &w.o;
	so->msg_id = in->h->msg_id;
	HF_CHECK(hfn_ord_apply(n, &w, HF_OEV_RECEIPT, NULL, 0, 0, NULL));
	HF_CHECK(hfn_store_order_add(n->store, so));
	HF_CHECK(hfn_ord_save(n, &w));
	HF_CHECK(record_in(n, &so->id, in));
	/* The receipt goes out in the transaction that commits the order (spec §13.3). */
	hf_order_msg r;
	memset(&r, 0, sizeof(r));
	r.type = HF_MSG_RECEIPT;
	r.u.receipt.order_id = so->id;
	r.u.receipt.order_msg_id = so->msg_id;
	memcpy(r.u.receipt.order_hash, so->hash, 32);
	r.u.receipt.received_ms = so->received_ms;
	r.u.receipt.n_items = so->n_items;
	HF_CHECK(hfn_orders_send(n, &r, &so->id, (const uint8_t(*)[HF_MEMBER_ID_LEN])sender, 1));
	hfn_orders_log_hex("order_received", &so->id, HF_OK);
	HF_CHECK(hfn_api_order_webhook(n, so)); /* POSTed once this transaction commits */
	*status = HF_OK;
out:
	so->body = NULL; /* a view into the opened envelope */
	hfn_ord_free(&w);
	return rc;
}

/* ---- messages about an order we hold ------------------------------------------- */

/* Checks sender/party rules, applies m to a copy of the order, saves it only if every item's
 * transition is valid. Returns store errors; the message's fate goes to *status. */
hf_err hfn_orders_on_about(hfn_node *n, const hfn_in_msg *in, hfn_disp *disp, hf_err *status)
{
	const hf_order_msg *m = &in->u.order;
	const uint8_t *sender = in->sender;
	const hf_order_id *oid = m->type == HF_MSG_RECEIPT   ? &m->u.receipt.order_id
	                         : m->type == HF_MSG_OUTCOME ? &m->u.outcome.order_id
	                                                     : &m->u.event.order_id;
	hfn_ord w;
	hf_order_msg om;
	hf_err st = HF_OK, rc = HF_OK;
	bool loaded = false, decoded = false;
	*disp = HFN_DONE;
	memset(&om, 0, sizeof(om));
	rc = hfn_ord_load(n, oid, true, &w);
	if (rc == HF_ENOTFOUND) {
		*status = HF_ENOTFOUND;
		return HF_OK;
	}
	HF_TRY(rc);
	loaded = true;
	const uint8_t *counterparty =
	    w.o.side == HFN_STORE_ORDER_ISSUER ? w.o.platform : w.o.authority;
	/* Only the other party of this very order may speak about it: a platform cannot answer
	 * an order addressed to another platform, an authority cannot forge the receipt. */
	if (memcmp(sender, counterparty, 16) != 0) {
		st = HF_EROLE;
		goto done;
	}
	if ((m->type == HF_MSG_RECEIPT || m->type == HF_MSG_OUTCOME) &&
	    w.o.side != HFN_STORE_ORDER_ISSUER) {
		st = HF_EROLE;
		goto done;
	}
	if ((st = hf_order_msg_check_times(m, in->h->created_ms)) != HF_OK)
		goto done;
	/* Cleared on every path, failure included (a failed decode owns nothing;
	 * clearing only successes leaked before the decoder freed its own). */
	decoded = true;
	if ((st = hf_order_msg_decode(HF_MSG_ORDER, w.o.body, w.o.body_len, &om)) != HF_OK) {
		rc = HF_EDB; /* our own stored body must decode */
		goto done;
	}
	if ((st = hf_order_msg_check_against(m, &om.u.order)) != HF_OK)
		goto done;
	switch (m->type) {
	case HF_MSG_RECEIPT:
		if (memcmp(m->u.receipt.order_hash, w.o.hash, 32) != 0 ||
		    !hf_msg_id_eq(&m->u.receipt.order_msg_id, &w.o.msg_id)) {
			st = HF_ECOMMIT; /* a receipt for other bytes than we sent */
			goto done;
		}
		if (w.o.receipt_ms) {
			st = HF_EREPLAY;
			goto done;
		}
		w.o.receipt_ms = hfn_now_ms();
		st = hfn_ord_apply(n, &w, HF_OEV_RECEIPT, NULL, 0, 0, NULL);
		if (st == HF_ESTATE)
			st = HF_OK; /* every item already answered: the receipt only proves delivery
			             */
		break;
	case HF_MSG_OUTCOME:
		/* spec §13.4: nothing was done to an item before its order existed. */
		st = hf_outcome_check_issued(&m->u.outcome, w.o.issued_ms);
		for (uint32_t i = 0; i < m->u.outcome.n_results && st == HF_OK; i++) {
			const hf_item_outcome *r = &m->u.outcome.results[i];
			st = hfn_ord_apply(n, &w, hf_order_ev_of_outcome(r->code), &r->item, 1, 0,
			                   r);
		}
		break;
	case HF_MSG_ORDER_EVENT: {
		const hf_order_event *e = &m->u.event;
		uint32_t party = hf_order_ev_party(e->kind);
		uint32_t theirs =
		    w.o.side == HFN_STORE_ORDER_ISSUER ? HF_OPARTY_PLATFORM : HF_OPARTY_AUTHORITY;
		if (party != HF_OPARTY_EITHER && party != theirs) {
			st = HF_EROLE;
			goto done;
		}
		/* A reminder may cross the platform's answer on the wire: it applies to the items
		 * still open here, and is refused only if none is. */
		bool lenient = e->kind == HF_OEV_REMIND;
		st = hfn_ord_apply(n, &w, e->kind, lenient ? NULL : e->items,
		                   lenient ? 0 : e->n_items, e->new_deadline_ms, NULL);
		break;
	}
	default:
		st = HF_EMSGTYPE;
	}
	if (st != HF_OK)
		goto done;
	st = record_in(n, &w.o.id, in);
	if (st == HF_OK) {
		hfn_ord_schedule(n, &w);
		rc = hfn_ord_save(n, &w);
	} else if (hf_err_class_of(st) == HF_CLASS_IO) {
		rc = st;
	}
done:
	if (decoded)
		hf_order_msg_clear(&om);
	if (loaded) {
		char t[16];
		snprintf(t, sizeof(t), "#%u", m->type);
		char hex[33];
		hf_order_id_hex(&w.o.id, hex);
		hfn_log(st == HF_OK ? HFN_LOG_INFO : HFN_LOG_WARN, "order_message", "order", hex,
		        "type", t, "code", hf_err_name(st), NULL);
		hfn_ord_free(&w);
	}
	*status = st;
	return rc;
}

/* ---- auditor: escalation --------------------------------------------------------- */

hf_err hfn_orders_on_escalation(hfn_node *n, const hfn_in_msg *in, hfn_disp *disp, hf_err *status)
{
	const hf_escalation *e = &in->u.order.u.escalation;
	const uint8_t *sender = in->sender;
	hfn_store_escalation s;
	*disp = HFN_DONE;
	if ((*status = hf_order_msg_check_times(&in->u.order, in->h->created_ms)) != HF_OK)
		return HF_OK;
	if (!(n->self_roles & HF_ROLE_AUDITOR) || memcmp(e->authority, sender, 16) != 0) {
		*status = HF_EROLE;
		return HF_OK;
	}
	s.order_id = e->order_id;
	memcpy(s.authority, e->authority, 16);
	memcpy(s.platform, e->platform, 16);
	s.category = e->category;
	s.deadline_ms = e->deadline_ms;
	s.escalated_ms = e->escalated_ms;
	s.n_items = e->n_items;
	s.n_overdue = e->n_overdue;
	s.received_ms = hfn_now_ms();
	HF_TRY(hfn_store_escalation_put(n->store, &s));
	hfn_orders_log_hex("escalation_received", &e->order_id, HF_OK);
	*status = HF_OK;
	return HF_OK;
}

/* ---- referrals ----------------------------------------------------------------- */

hf_err hfn_orders_on_referral(hfn_node *n, const hfn_in_msg *in, hfn_disp *disp, hf_err *status)
{
	const hf_referral *f = &in->u.order.u.referral;
	const uint8_t *sender = in->sender;
	hfn_store_referral r;
	hf_err rc;
	*disp = HFN_DONE;
	if ((*status = hf_order_msg_check_times(&in->u.order, in->h->created_ms)) != HF_OK)
		return HF_OK;
	if (f->kind == HF_REFERRAL_REFER) {
		if (memcmp(f->from, sender, 16) != 0 || memcmp(f->to, n->self, 16) != 0) {
			*status = HF_EROLE;
			return HF_OK;
		}
		rc = hfn_store_referral_get(n->store, &f->referral_id, &r);
		if (rc != HF_ENOTFOUND) {
			*status = rc == HF_OK ? HF_EREPLAY : rc;
			return rc == HF_OK ? HF_OK : rc;
		}
		memset(&r, 0, sizeof(r));
		r.id = f->referral_id;
		memcpy(r.from, f->from, 16);
		memcpy(r.to, f->to, 16);
		memcpy(r.pseudonym, f->case_pseudonym, 16);
		r.category = f->category;
		r.sent_ms = f->sent_ms;
		r.updated_ms = hfn_now_ms();
		r.n_orders = f->n_orders;
		memcpy(r.orders, f->orders, sizeof r.orders[0] * (size_t)f->n_orders);
		r.status = HF_REFST_RECEIVED;
		HF_TRY(hfn_store_referral_put(n->store, &r));
		/* Status travels back at once, like a receipt. */
		hf_order_msg s;
		memset(&s, 0, sizeof(s));
		s.type = HF_MSG_REFERRAL;
		s.u.referral = *f;
		s.u.referral.kind = HF_REFERRAL_STATUS;
		s.u.referral.status = HF_REFST_RECEIVED;
		s.u.referral.category = 0;
		s.u.referral.note = NULL;
		s.u.referral.note_len = 0;
		s.u.referral.sent_ms = hfn_now_ms();
		HF_TRY(hfn_orders_send(n, &s, NULL, (const uint8_t(*)[HF_MEMBER_ID_LEN])sender, 1));
		hfn_orders_log_hex("referral_received", &r.id, HF_OK);
		*status = HF_OK;
		return HF_OK;
	}
	rc = hfn_store_referral_get(n->store, &f->referral_id, &r);
	if (rc == HF_ENOTFOUND) {
		*status = rc;
		return HF_OK;
	}
	HF_TRY(rc);
	if (!r.mine || memcmp(r.to, sender, 16) != 0) {
		*status = HF_EROLE;
		return HF_OK;
	}
	r.status = f->status;
	r.updated_ms = hfn_now_ms();
	HF_TRY(hfn_store_referral_put(n->store, &r));
	hfn_orders_log_hex("referral_status", &r.id, HF_OK);
	*status = HF_OK;
	return HF_OK;
}
