/* Orders engine core: config, clock, load/apply/save over the shared state machine,
 * sending, deadline timers (reminder, overdue, escalation). Inbound: orders_in.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "core/log.h"
#include "hashfed/rules.h"
#include "orders/orders.h"
#include "hf_check.h"

#define HFN_ORDER_LIFETIME_MS    HF_MAX_BACKDATE_MS /* receivers refuse older (spec §5.6) */
#define HFN_ORDERS_DEFAULT_CHECK 1000u
#define HFN_ORDERS_DEFAULT_LEAD  (6ull * 3600 * 1000)
#define HFN_ORDERS_DUE_BATCH     256u
#define HFN_ORDERS_MAX_AUDITORS  16u

typedef struct hfn_orders {
	struct event *timer;
} hfn_orders;

uint64_t hfn_orders_now(const hfn_node *n)
{
	(void)n;
	return hfn_now_ms();
}

void hfn_orders_log_hex(const char *event, const hf_order_id *id, hf_err code)
{
	char hex[HF_ID_HEX_SIZE];
	hf_order_id_hex(id, hex);
	hfn_log(code == HF_OK ? HFN_LOG_INFO : HFN_LOG_WARN, event, "order", hex, "code",
	        hf_err_name(code), NULL);
}

/* ---- load / apply / save ------------------------------------------------ */

hf_err hfn_ord_load(hfn_node *n, const hf_order_id *id, bool body, hfn_ord *w)
{
	memset(w, 0, sizeof(*w));
	HF_TRY(hfn_store_order_get(n->store, id, body, &w->o));
	w->items = calloc(w->o.n_items ? w->o.n_items : 1, sizeof(*w->items));
	if (!w->items) {
		hfn_ord_free(w);
		return HF_ENOMEM;
	}
	hf_err rc = hfn_store_items_get(n->store, id, w->items, w->o.n_items, &w->n);
	if (rc == HF_OK && w->n != w->o.n_items)
		rc = HF_EDB;
	if (rc != HF_OK)
		hfn_ord_free(w);
	return rc;
}

void hfn_ord_free(hfn_ord *w)
{
	free(w->items);
	free(w->o.body);
	memset(w, 0, sizeof(*w));
}

hf_err hfn_ord_save(hfn_node *n, hfn_ord *w)
{
	for (size_t i = 0; i < w->n; i++)
		HF_TRY(hfn_store_item_put(n->store, &w->o.id, &w->items[i]));
	return hfn_store_order_update(n->store, &w->o);
}

static void log_invalid(const hfn_ord *w, uint32_t item, uint32_t state, uint32_t ev)
{
	char hex[33], it[16];
	const char *sn = hf_order_state_name(state), *en = hf_order_ev_name(ev);
	hf_order_id_hex(&w->o.id, hex);
	snprintf(it, sizeof(it), "#%u", item);
	hfn_log(HFN_LOG_WARN, "order_invalid_transition", "order", hex, "item", it, "state",
	        sn ? sn : "?", "event", en ? en : "?", "code", hf_err_name(HF_ESTATE), NULL);
}

/* One item: (state, ev) through the table, then the action's bookkeeping. */
static hf_err item_step(hfn_node *n, hfn_ord *w, hfn_store_item *it, uint32_t ev, uint64_t now,
                        uint64_t new_deadline_ms, const hf_item_outcome *out)
{
	uint32_t next, action;
	HF_TRY(hf_order_sm_lookup(it->state, ev, &next, &action));
	switch (action) {
	case HF_OACT_PAUSE_CLOCK:
		/* A pause that cannot be recorded would make the deadline wrong: refuse. */
		if (it->n_pauses >= HFN_STORE_MAX_PAUSES)
			return HF_ERANGE;
		it->pauses[it->n_pauses].paused_ms = now;
		it->pauses[it->n_pauses++].resumed_ms = 0;
		break;
	case HF_OACT_RESUME_CLOCK:
		if (it->n_pauses && !it->pauses[it->n_pauses - 1].resumed_ms)
			it->pauses[it->n_pauses - 1].resumed_ms =
			    now > it->pauses[it->n_pauses - 1].paused_ms
			        ? now
			        : it->pauses[it->n_pauses - 1].paused_ms;
		break;
	case HF_OACT_REOPEN:
		/* spec §13.7: the platform must act again, by the new deadline if one is given. */
		it->deadline_ms = new_deadline_ms ? new_deadline_ms
		                                  : now + hf_order_default_deadline(w->o.category);
		it->n_pauses = 0;
		it->outcome = 0;
		it->action_ms = 0;
		w->o.reminded = 0;
		break;
	default:
		break;
	}
	if (out) {
		it->outcome = out->code;
		it->action_ms = out->action_ms;
	}
	/* A pause left open by an answer that never came ends with any final answer. */
	if (action == HF_OACT_STOP_CLOCK && it->n_pauses &&
	    !it->pauses[it->n_pauses - 1].resumed_ms)
		it->pauses[it->n_pauses - 1].resumed_ms = now;
	(void)n;
	it->state = next;
	return HF_OK;
}

hf_err hfn_ord_apply(hfn_node *n, hfn_ord *w, uint32_t ev, const uint32_t *sel, uint32_t n_sel,
                     uint64_t new_deadline_ms, const hf_item_outcome *out)
{
	uint64_t now = hfn_orders_now(n);
	if (n_sel == 0) {
		size_t done = 0;
		for (size_t i = 0; i < w->n; i++)
			if (hf_order_sm_lookup(w->items[i].state, ev, NULL, NULL) == HF_OK) {
				HF_TRY(
				    item_step(n, w, &w->items[i], ev, now, new_deadline_ms, out));
				done++;
			}
		if (done == 0) {
			log_invalid(w, 0, w->n ? w->items[0].state : 0, ev);
			return HF_ESTATE;
		}
		return HF_OK;
	}
	for (uint32_t k = 0; k < n_sel; k++) {
		if (sel[k] >= w->n)
			return HF_ERANGE;
		hfn_store_item *it = &w->items[sel[k]];
		hf_err rc = item_step(n, w, it, ev, now, new_deadline_ms, out);
		if (rc == HF_ESTATE)
			log_invalid(w, sel[k], it->state, ev);
		if (rc != HF_OK)
			return rc;
	}
	return HF_OK;
}

static uint64_t lead_ms(const hfn_node *n, const hfn_store_order *o)
{
	uint64_t lead = n->cfg.orders.remind_before_ms ? n->cfg.orders.remind_before_ms
	                                               : HFN_ORDERS_DEFAULT_LEAD;
	uint64_t quarter = (o->deadline_ms - o->issued_ms) / 4;
	return lead < quarter ? lead : quarter;
}

void hfn_ord_schedule(hfn_node *n, hfn_ord *w)
{
	uint64_t now = hfn_orders_now(n), next = 0, lead = lead_ms(n, &w->o);
	if (w->o.side != HFN_STORE_ORDER_ISSUER) {
		w->o.next_check_ms = 0;
		return;
	}
	for (size_t i = 0; i < w->n; i++) {
		hfn_store_item *it = &w->items[i];
		hf_deadline_info d;
		uint64_t at;
		if (it->state == HF_OST_OVERDUE) {
			at = now; /* escalation still to send */
		} else if (!hf_order_state_open(it->state) ||
		           hf_order_deadline(it->deadline_ms, it->pauses, it->n_pauses, now, &d) !=
		               HF_OK ||
		           d.paused) {
			continue; /* answered, final, or paused: the clock is not running */
		} else {
			at = d.effective_ms;
			if (!w->o.reminded && at > lead)
				at -= lead;
		}
		if (at == 0)
			at = 1;
		if (next == 0 || at < next)
			next = at;
	}
	w->o.next_check_ms = next;
}

/* ---- sending ------------------------------------------------------------ */

static json_t *jhex(const uint8_t *p, size_t len)
{
	char buf[2 * 64 + 1];
	hfn_hex(p, len, buf);
	return json_string(buf);
}

static json_t *jtext(const char *p, size_t len)
{
	return len ? json_stringn_nocheck(p, len) : json_null();
}

static json_t *jitems(const uint32_t *items, uint32_t n)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(items[i]));
	return a;
}

char *hfn_orders_summary(const hf_order_msg *m)
{
	json_t *j = NULL, *a;
	char *s;
	switch (m->type) {
	case HF_MSG_ORDER: {
		const hf_order *o = &m->u.order;
		a = json_array();
		for (uint32_t i = 0; a && i < o->n_items; i++)
			json_array_append_new(
			    a, json_pack("{s:i,s:o}", "item", o->items[i].index, "locator",
			                 jtext(o->items[i].locator, o->items[i].locator_len)));
		j = json_pack("{s:s,s:o,s:o,s:I,s:I,s:s?,s:i,s:o,s:o,s:o}", "type", "order",
		              "authority", jhex(o->authority, 16), "platform",
		              jhex(o->platform, 16), "issued_ms", (json_int_t)o->issued_ms,
		              "deadline_ms", (json_int_t)o->deadline_ms, "category",
		              hf_order_category_name(o->category), "priority", o->priority,
		              "legal_basis", jtext(o->legal_basis, o->legal_basis_len), "note",
		              jtext(o->note, o->note_len), "items", a);
		break;
	}
	case HF_MSG_RECEIPT:
		j = json_pack("{s:s,s:o,s:I,s:i}", "type", "receipt", "order_hash",
		              jhex(m->u.receipt.order_hash, 32), "received_ms",
		              (json_int_t)m->u.receipt.received_ms, "items", m->u.receipt.n_items);
		break;
	case HF_MSG_OUTCOME:
		a = json_array();
		for (uint32_t i = 0; a && i < m->u.outcome.n_results; i++) {
			const hf_item_outcome *r = &m->u.outcome.results[i];
			json_array_append_new(
			    a, json_pack("{s:i,s:s?,s:I,s:i,s:o}", "item", r->item, "outcome",
			                 hf_outcome_code_name(r->code), "action_ms",
			                 (json_int_t)r->action_ms, "reason", r->reason, "text",
			                 jtext(r->text, r->text_len)));
		}
		j = json_pack("{s:s,s:o}", "type", "outcome", "results", a);
		break;
	case HF_MSG_ORDER_EVENT: {
		const hf_order_event *e = &m->u.event;
		j = json_pack(
		    "{s:s,s:s?,s:I,s:o,s:o,s:o,s:I}", "type", "event", "kind",
		    hf_order_ev_name(e->kind), "event_ms", (json_int_t)e->event_ms, "items",
		    jitems(e->items, e->n_items), "text", jtext(e->text, e->text_len), "ref",
		    e->has_ref ? jhex(e->ref_msg_id.b, sizeof e->ref_msg_id.b) : json_null(),
		    "new_deadline_ms", (json_int_t)e->new_deadline_ms);
		break;
	}
	case HF_MSG_ESCALATION:
		j = json_pack("{s:s,s:I,s:I,s:i,s:i}", "type", "escalation", "deadline_ms",
		              (json_int_t)m->u.escalation.deadline_ms, "escalated_ms",
		              (json_int_t)m->u.escalation.escalated_ms, "items",
		              m->u.escalation.n_items, "overdue", m->u.escalation.n_overdue);
		break;
	case HF_MSG_REFERRAL:
		j = json_pack("{s:s,s:i,s:i,s:o}", "type", "referral", "kind", m->u.referral.kind,
		              "status", m->u.referral.status, "to", jhex(m->u.referral.to, 16));
		break;
	default:
		return NULL;
	}
	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

hf_err hfn_orders_history_add(hfn_node *n, const hf_order_id *order_id, const hf_msg_id *msg_id,
                              const hf_order_msg *m, int dir, const uint8_t peer[HF_MEMBER_ID_LEN],
                              const uint8_t *env, size_t len, bool *dup)
{
	char *sum = hfn_orders_summary(m); /* metadata: stored as NULL if it cannot be made */
	hf_err rc = hfn_store_order_msg_add(n->store, order_id, msg_id, m->type, dir, peer,
	                                    hfn_now_ms(), env, len, sum, dup);
	free(sum);
	return rc;
}

hf_err hfn_orders_send(hfn_node *n, const hf_order_msg *m, const hf_order_id *order_id,
                       const uint8_t (*to)[HF_MEMBER_ID_LEN], size_t n_to)
{
	uint8_t *body = NULL, *env = NULL;
	hf_msg_id msg_id;
	size_t body_len, env_len;
	hf_audit_header audit;
	bool dup;
	hf_err rc;
	uint64_t now = hfn_now_ms();
	HF_CHECK(hf_order_msg_encode(m, &body, &body_len));
	HF_CHECK(hf_order_msg_audit(m, &audit));
	HF_CHECK(hfn_node_seal(n, m->type, to, n_to, &audit, HFN_ORDER_LIFETIME_MS, body, body_len,
	                       &msg_id, &env, &env_len));
	for (size_t i = 0; i < n_to; i++)
		HF_CHECK(
		    hfn_store_outbox_add(n->store, &msg_id, to[i], NULL, 0, env, env_len, now));
	n->msgs_out += n_to;
	if (order_id)
		HF_CHECK(
		    hfn_orders_history_add(n, order_id, &msg_id, m, 0, to[0], env, env_len, &dup));
out:
	free(body);
	free(env);
	return rc;
}

/* ---- authority: create ---------------------------------------------------- */

static hf_err member_has(hfn_node *n, const uint8_t id[HF_MEMBER_ID_LEN], uint32_t role)
{
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = hf_manifest_find_member(n->manifest, id, &mb);
	if (rc == HF_OK)
		rc = hf_manifest_allows(n->manifest, mb, role, hfn_now_ms());
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

hf_err hfn_ord_new(hfn_ord *w, const hf_order *o, uint32_t side, const uint8_t *body,
                   size_t body_len, uint64_t received_ms)
{
	w->items = calloc(o->n_items, sizeof(*w->items));
	if (!w->items)
		return HF_ENOMEM;
	hfn_store_order *so = &w->o;
	so->id = o->order_id;
	so->side = side;
	memcpy(so->authority, o->authority, 16);
	memcpy(so->platform, o->platform, 16);
	hf_order_hash(body, body_len, so->hash);
	so->issued_ms = o->issued_ms;
	so->deadline_ms = o->deadline_ms;
	so->category = o->category;
	so->priority = o->priority;
	so->n_items = o->n_items;
	so->received_ms = received_ms;
	memcpy(so->pseudonym, o->case_pseudonym, 16);
	so->body = (uint8_t *)(uintptr_t)body;
	so->body_len = body_len;
	w->n = o->n_items;
	for (uint32_t i = 0; i < o->n_items; i++) {
		w->items[i].idx = i;
		w->items[i].state = HF_OST_ISSUED;
		w->items[i].deadline_ms = o->deadline_ms;
	}
	return HF_OK;
}

/* One new order: stored, sealed and queued inside the caller's transaction. */
static hf_err order_issue(hfn_node *n, const hfn_orders_new *req, hf_order_id *id_out)
{
	hf_order_msg m;
	hfn_ord w;
	uint8_t *body = NULL;
	size_t body_len;
	hf_err rc;
	uint64_t now = hfn_now_ms();
	memset(&m, 0, sizeof(m));
	memset(&w, 0, sizeof(w));
	if (!(n->self_roles & HF_ROLE_AUTHORITY))
		return HF_EROLE;
	if (!req->legal_basis || !req->case_ref || req->n_items == 0)
		return HF_EINVAL;
	HF_TRY(member_has(n, req->platform, HF_ROLE_PLATFORM));
	hf_order *o = &m.u.order;
	m.type = HF_MSG_ORDER;
	hf_uuidv7(now, NULL, o->order_id.b);
	memcpy(o->authority, n->self, 16);
	memcpy(o->platform, req->platform, 16);
	o->issued_ms = now;
	o->deadline_ms = now + (req->deadline_in_ms ? req->deadline_in_ms
	                                            : hf_order_default_deadline(req->category));
	o->category = req->category;
	o->priority = req->priority;
	o->legal_basis = req->legal_basis;
	o->legal_basis_len = strlen(req->legal_basis);
	HF_TRY(hf_case_pseudonym(n->pseudonym_key, (const uint8_t *)req->case_ref,
	                         strlen(req->case_ref), o->case_pseudonym));
	o->note = req->note;
	o->note_len = req->note ? strlen(req->note) : 0;
	o->n_items = req->n_items;
	o->items = req->items;
	for (uint32_t i = 0; i < req->n_items; i++)
		req->items[i].index = i;
	/* Encoded once here: the body hash is what the receipt must carry. */
	HF_TRY(hf_order_msg_encode(&m, &body, &body_len));
	if ((rc = hfn_ord_new(&w, o, HFN_STORE_ORDER_ISSUER, body, body_len, now)) != HF_OK) {
		free(body);
		return rc;
	}
	hfn_store_order *so = &w.o;
	{
		uint8_t *env = NULL;
		hf_msg_id msg_id;
		size_t env_len;
		hf_audit_header audit;
		bool dup;
		rc = hf_order_msg_audit(&m, &audit);
		if (rc == HF_OK)
			rc = hfn_node_seal(
			    n, HF_MSG_ORDER, (const uint8_t(*)[HF_MEMBER_ID_LEN])so->platform, 1,
			    &audit, HFN_ORDER_LIFETIME_MS, body, body_len, &msg_id, &env, &env_len);
		if (rc == HF_OK) {
			so->msg_id = msg_id;
			hfn_ord_schedule(n, &w);
			rc = hfn_store_order_add(n->store, so);
		}
		if (rc == HF_OK)
			rc = hfn_ord_save(n, &w);
		if (rc == HF_OK)
			rc = hfn_store_outbox_add(n->store, &msg_id, so->platform, NULL, 0, env,
			                          env_len, now);
		if (rc == HF_OK)
			rc = hfn_orders_history_add(n, &so->id, &msg_id, &m, 0, so->platform, env,
			                            env_len, &dup);
		free(env);
		if (rc != HF_OK)
			goto out;
	}
	n->msgs_out++;
	*id_out = so->id;
	rc = HF_OK;
out:
	hfn_ord_free(&w);
	return rc;
}

hf_err hfn_orders_create(hfn_node *n, const hfn_orders_new *req, hf_order_id *id_out)
{
	return hfn_orders_create_many(n, req, 1, id_out);
}

hf_err hfn_orders_create_many(hfn_node *n, const hfn_orders_new *reqs, size_t count,
                              hf_order_id *ids)
{
	hf_err rc;
	uint64_t msgs_out = n->msgs_out;
	if (count == 0 || count > HFN_ORDERS_BULK_MAX)
		return HF_EINVAL;
	HF_TRY(hfn_store_begin(n->store));
	for (size_t i = 0; i < count; i++)
		HF_CHECK(order_issue(n, &reqs[i], &ids[i]));
	/* One commit (synchronous=FULL) for all of them, before any is sent. */
	HF_CHECK(hfn_store_commit(n->store));
	for (size_t i = 0; i < count; i++)
		hfn_orders_log_hex("order_sent", &ids[i], HF_OK);
	hfn_transport_kick(n->tr);
	return HF_OK;
out:
	hfn_store_rollback(n->store);
	n->msgs_out = msgs_out;
	return rc;
}

/* ---- outcomes and events (sent by us) ------------------------------------ */

/* Party we act as for order w. */
static uint32_t our_party(const hfn_ord *w)
{
	return w->o.side == HFN_STORE_ORDER_ISSUER ? HF_OPARTY_AUTHORITY : HF_OPARTY_PLATFORM;
}

static const uint8_t *counterparty(const hfn_ord *w)
{
	return w->o.side == HFN_STORE_ORDER_ISSUER ? w->o.platform : w->o.authority;
}

/* Applies in memory, sends m, saves; one transaction. */
static hf_err commit_send(hfn_node *n, hfn_ord *w, const hf_order_msg *m)
{
	hf_err rc;
	hfn_ord_schedule(n, w);
	HF_TRY(hfn_store_begin(n->store));
	HF_CHECK(hfn_ord_save(n, w));
	HF_CHECK(hfn_orders_send(n, m, &w->o.id,
	                         (const uint8_t(*)[HF_MEMBER_ID_LEN])counterparty(w), 1));
out:
	return hfn_node_end_send(n, rc);
}

hf_err hfn_orders_outcomes(hfn_node *n, const hf_order_id *id, const hf_item_outcome *res,
                           uint32_t n_res)
{
	hfn_ord w;
	hf_order_msg m;
	hf_err rc;
	if (n_res == 0 || n_res > HF_ORDER_MAX_ITEMS)
		return HF_EINVAL;
	HF_TRY(hfn_ord_load(n, id, false, &w));
	if (w.o.side != HFN_STORE_ORDER_TARGET) {
		rc = HF_EROLE; /* only the order's platform answers it */
		goto out;
	}
	hf_outcome chk = {.n_results = n_res, .results = (hf_item_outcome *)(uintptr_t)res};
	if ((rc = hf_outcome_check_issued(&chk, w.o.issued_ms)) != HF_OK)
		goto out;
	for (uint32_t i = 0; i < n_res; i++) {
		uint32_t ev = hf_order_ev_of_outcome(res[i].code);
		if (!ev) {
			rc = HF_ERANGE;
			goto out;
		}
		HF_CHECK(hfn_ord_apply(n, &w, ev, &res[i].item, 1, 0, &res[i]));
	}
	memset(&m, 0, sizeof(m));
	m.type = HF_MSG_OUTCOME;
	m.u.outcome.order_id = *id;
	m.u.outcome.n_results = n_res;
	m.u.outcome.results = (hf_item_outcome *)(uintptr_t)res;
	rc = commit_send(n, &w, &m);
out:
	hfn_orders_log_hex("order_outcomes", id, rc);
	hfn_ord_free(&w);
	return rc;
}

hf_err hfn_orders_event(hfn_node *n, const hf_order_id *id, uint32_t kind, const uint32_t *items,
                        uint32_t n_items, const char *text, const hf_msg_id *ref,
                        uint64_t new_deadline_ms)
{
	hfn_ord w;
	hf_order_msg m;
	hf_err rc;
	if (!hf_order_ev_is_message(kind))
		return HF_EINVAL;
	HF_TRY(hfn_ord_load(n, id, false, &w));
	uint32_t party = hf_order_ev_party(kind);
	if (party != HF_OPARTY_EITHER && party != our_party(&w)) {
		rc = HF_EROLE;
		goto out;
	}
	HF_CHECK(hfn_ord_apply(n, &w, kind, items, n_items, new_deadline_ms, NULL));
	memset(&m, 0, sizeof(m));
	m.type = HF_MSG_ORDER_EVENT;
	hf_order_event *e = &m.u.event;
	e->order_id = *id;
	e->kind = kind;
	e->event_ms = hfn_now_ms();
	e->n_items = n_items;
	e->items = (uint32_t *)(uintptr_t)items;
	e->text = text;
	e->text_len = text ? strlen(text) : 0;
	if (ref) {
		e->has_ref = true;
		e->ref_msg_id = *ref;
	}
	e->new_deadline_ms = new_deadline_ms;
	rc = commit_send(n, &w, &m);
out:
	hfn_orders_log_hex("order_event_sent", id, rc);
	hfn_ord_free(&w);
	return rc;
}

/* ---- referrals ------------------------------------------------------------- */

/* Sends a REFER for the case r->pseudonym (r->category, r->orders[0..n_orders)). */
static hf_err refer_send(hfn_node *n, const uint8_t to[HF_MEMBER_ID_LEN], hfn_store_referral *r,
                         uint32_t n_orders, const char *note, hf_order_id *id_out);

/* Copies orders[0..n_orders) into r: orders we issued, all of the case r->pseudonym; with
 * adopt, of the first order's case (r's pseudonym and category taken from the orders). */
static hf_err refer_orders(hfn_node *n, hfn_store_referral *r, const hf_order_id *orders,
                           uint32_t n_orders, bool adopt)
{
	hfn_store_order o;
	for (uint32_t i = 0; i < n_orders; i++) {
		HF_TRY(hfn_store_order_get(n->store, &orders[i], false, &o));
		if (o.side != HFN_STORE_ORDER_ISSUER)
			return HF_EROLE;
		if ((i || !adopt) && memcmp(o.pseudonym, r->pseudonym, 16) != 0)
			return HF_EINVAL; /* one referral is one case */
		if (adopt) {
			memcpy(r->pseudonym, o.pseudonym, 16);
			r->category = o.category;
		}
		r->orders[i] = orders[i];
	}
	return HF_OK;
}

hf_err hfn_orders_refer(hfn_node *n, const uint8_t to[HF_MEMBER_ID_LEN], const hf_order_id *orders,
                        uint32_t n_orders, const char *note, hf_order_id *id_out)
{
	hfn_store_referral r;
	if (!(n->self_roles & HF_ROLE_AUTHORITY))
		return HF_EROLE;
	if (n_orders == 0 || n_orders > HF_REFERRAL_MAX_ORDERS || !memcmp(to, n->self, 16))
		return HF_EINVAL;
	HF_TRY(member_has(n, to, HF_ROLE_AUTHORITY));
	memset(&r, 0, sizeof(r));
	HF_TRY(refer_orders(n, &r, orders, n_orders, true));
	return refer_send(n, to, &r, n_orders, note, id_out);
}

hf_err hfn_orders_refer_case(hfn_node *n, const uint8_t to[HF_MEMBER_ID_LEN],
                             const uint8_t pseudonym[HF_CASE_PSEUDONYM_LEN], uint32_t category,
                             const hf_order_id *orders, uint32_t n_orders, const char *note,
                             hf_order_id *id_out)
{
	hfn_store_referral r;
	if (!(n->self_roles & HF_ROLE_AUTHORITY))
		return HF_EROLE;
	if (n_orders > HF_REFERRAL_MAX_ORDERS || !memcmp(to, n->self, 16) || category == 0 ||
	    category > HF_CAT_MAX)
		return HF_EINVAL;
	HF_TRY(member_has(n, to, HF_ROLE_AUTHORITY));
	memset(&r, 0, sizeof(r));
	memcpy(r.pseudonym, pseudonym, 16);
	r.category = category;
	HF_TRY(refer_orders(n, &r, orders, n_orders, false));
	return refer_send(n, to, &r, n_orders, note, id_out);
}

/* Stores r and sends m to `to`, one transaction. */
static hf_err referral_save_send(hfn_node *n, const hfn_store_referral *r, const hf_order_msg *m,
                                 const uint8_t to[HF_MEMBER_ID_LEN])
{
	hf_err rc;
	HF_TRY(hfn_store_begin(n->store));
	HF_CHECK(hfn_store_referral_put(n->store, r));
	HF_CHECK(hfn_orders_send(n, m, NULL, (const uint8_t(*)[HF_MEMBER_ID_LEN])to, 1));
out:
	return hfn_node_end_send(n, rc);
}

static hf_err refer_send(hfn_node *n, const uint8_t to[HF_MEMBER_ID_LEN], hfn_store_referral *rp,
                         uint32_t n_orders, const char *note, hf_order_id *id_out)
{
	hf_order_msg m;
	hfn_store_referral r = *rp;
	const hf_order_id *orders = r.orders;
	memset(&m, 0, sizeof(m));
	hf_referral *f = &m.u.referral;
	m.type = HF_MSG_REFERRAL;
	r.sent_ms = r.updated_ms = hfn_now_ms();
	hf_uuidv7(r.sent_ms, NULL, r.id.b);
	f->referral_id = r.id;
	f->kind = HF_REFERRAL_REFER;
	memcpy(f->from, n->self, 16);
	memcpy(f->to, to, 16);
	memcpy(f->case_pseudonym, r.pseudonym, 16);
	f->sent_ms = r.sent_ms;
	f->category = r.category;
	f->n_orders = n_orders;
	memcpy(f->orders, orders, sizeof f->orders[0] * (size_t)n_orders);
	f->note = note;
	f->note_len = note ? strlen(note) : 0;
	r.mine = true;
	memcpy(r.from, n->self, 16);
	memcpy(r.to, to, 16);
	r.n_orders = n_orders;
	HF_TRY(referral_save_send(n, &r, &m, to));
	*id_out = r.id;
	return HF_OK;
}

hf_err hfn_orders_referral_status(hfn_node *n, const hf_order_id *id, uint32_t status)
{
	hfn_store_referral r;
	hf_order_msg m;
	if (status < 1 || status > HF_REFST_MAX)
		return HF_EINVAL;
	HF_TRY(hfn_store_referral_get(n->store, id, &r));
	if (r.mine)
		return HF_EROLE; /* status travels back from the receiving authority */
	memset(&m, 0, sizeof(m));
	m.type = HF_MSG_REFERRAL;
	hf_referral *f = &m.u.referral;
	f->referral_id = *id;
	f->kind = HF_REFERRAL_STATUS;
	memcpy(f->from, r.from, 16);
	memcpy(f->to, r.to, 16);
	memcpy(f->case_pseudonym, r.pseudonym, 16);
	f->sent_ms = hfn_now_ms();
	f->status = status;
	f->n_orders = r.n_orders;
	memcpy(f->orders, r.orders, sizeof f->orders[0] * (size_t)r.n_orders);
	r.status = status;
	r.updated_ms = f->sent_ms;
	return referral_save_send(n, &r, &m, r.from);
}

/* ---- deadline timers (issuer) ---------------------------------------------- */

/* Sends the escalation notice (metadata only) to every auditor of the manifest. */
static hf_err escalate(hfn_node *n, hfn_ord *w, uint32_t n_overdue)
{
	uint8_t aud[HFN_ORDERS_MAX_AUDITORS][HF_MEMBER_ID_LEN];
	size_t na = hfn_node_members_with(n, HF_ROLE_AUDITOR, aud, HFN_ORDERS_MAX_AUDITORS);
	hf_order_msg m;
	char hex[33];
	hf_order_id_hex(&w->o.id, hex);
	if (na == 0) {
		hfn_log(HFN_LOG_WARN, "order_escalation_no_auditor", "order", hex, NULL);
		return HF_OK;
	}
	memset(&m, 0, sizeof(m));
	m.type = HF_MSG_ESCALATION;
	hf_escalation *e = &m.u.escalation;
	e->order_id = w->o.id;
	memcpy(e->authority, w->o.authority, 16);
	memcpy(e->platform, w->o.platform, 16);
	e->category = w->o.category;
	e->deadline_ms = w->o.deadline_ms;
	e->escalated_ms = hfn_now_ms();
	e->n_items = w->o.n_items;
	e->n_overdue = n_overdue;
	HF_TRY(hfn_orders_send(n, &m, &w->o.id, (const uint8_t(*)[HF_MEMBER_ID_LEN])aud, na));
	hfn_log(HFN_LOG_WARN, "order_escalated", "order", hex, NULL);
	return HF_OK;
}

static hf_err hfn_remind(hfn_node *n, hfn_ord *w)
{
	uint32_t *sel = calloc(w->n ? w->n : 1, sizeof(*sel)), k = 0;
	hf_order_msg m;
	hf_err rc = HF_OK;
	if (!sel)
		return HF_ENOMEM;
	for (size_t i = 0; i < w->n; i++)
		if (hf_order_state_open(w->items[i].state) &&
		    hf_order_sm_lookup(w->items[i].state, HF_OEV_REMIND, NULL, NULL) == HF_OK)
			sel[k++] = (uint32_t)i;
	if (k) {
		HF_CHECK(hfn_ord_apply(n, w, HF_OEV_REMIND, sel, k, 0, NULL));
		memset(&m, 0, sizeof(m));
		m.type = HF_MSG_ORDER_EVENT;
		m.u.event.order_id = w->o.id;
		m.u.event.kind = HF_OEV_REMIND;
		m.u.event.event_ms = hfn_now_ms();
		m.u.event.n_items = k;
		m.u.event.items = sel;
		HF_CHECK(hfn_orders_send(n, &m, &w->o.id,
		                         (const uint8_t(*)[HF_MEMBER_ID_LEN])w->o.platform, 1));
		hfn_orders_log_hex("order_reminded", &w->o.id, HF_OK);
	}
	w->o.reminded = 1;
out:
	free(sel);
	return rc;
}

/* One due order: overdue + escalation, or the reminder; then the next timer. */
static hf_err check_one(hfn_node *n, const hf_order_id *id)
{
	hfn_ord w;
	uint64_t now = hfn_orders_now(n), lead;
	uint32_t over = 0;
	bool remind = false;
	hf_err rc;
	HF_TRY(hfn_ord_load(n, id, false, &w));
	lead = lead_ms(n, &w.o);
	for (size_t i = 0; i < w.n; i++) {
		hfn_store_item *it = &w.items[i];
		hf_deadline_info d;
		if (!hf_order_state_open(it->state) ||
		    hf_order_deadline(it->deadline_ms, it->pauses, it->n_pauses, now, &d) !=
		        HF_OK ||
		    d.paused)
			continue;
		if (d.overdue || d.left_ms == 0) {
			uint32_t idx = (uint32_t)i;
			HF_CHECK(hfn_ord_apply(n, &w, HF_OEV_DEADLINE, &idx, 1, 0, NULL));
		} else if ((uint64_t)d.left_ms <= lead) {
			remind = true;
		}
	}
	for (size_t i = 0; i < w.n; i++)
		if (w.items[i].state == HF_OST_OVERDUE) {
			uint32_t idx = (uint32_t)i;
			HF_CHECK(hfn_ord_apply(n, &w, HF_OEV_ESCALATE, &idx, 1, 0, NULL));
			over++;
		}
	if (over)
		HF_CHECK(escalate(n, &w, over));
	else if (remind && !w.o.reminded)
		HF_CHECK(hfn_remind(n, &w));
	hfn_ord_schedule(n, &w);
	/* Never spin on an order whose timer did not move (e.g. clock skew). */
	if (w.o.next_check_ms && w.o.next_check_ms <= now)
		w.o.next_check_ms = now + 1000;
	HF_CHECK(hfn_ord_save(n, &w));
out:
	hfn_ord_free(&w);
	return rc;
}

typedef struct hfn_due {
	hf_order_id ids[HFN_ORDERS_DUE_BATCH];
	size_t n;
} hfn_due;

static hf_err due_cb(void *ctx, const hfn_store_order *o)
{
	hfn_due *d = ctx;
	if (d->n < HFN_ORDERS_DUE_BATCH)
		d->ids[d->n++] = o->id;
	return HF_OK;
}

hf_err hfn_orders_check_deadlines(hfn_node *n)
{
	hfn_due *d = calloc(1, sizeof(*d));
	hf_err rc = HF_OK;
	if (!d)
		return HF_ENOMEM;
	HF_CHECK(
	    hfn_store_orders_due(n->store, hfn_orders_now(n), HFN_ORDERS_DUE_BATCH, due_cb, d));
	for (size_t i = 0; i < d->n; i++) {
		HF_CHECK(hfn_store_begin(n->store));
		rc = check_one(n, &d->ids[i]);
		if (rc == HF_OK)
			rc = hfn_store_commit(n->store);
		if (rc != HF_OK) {
			hfn_store_rollback(n->store);
			hfn_orders_log_hex("order_timer_failed", &d->ids[i], rc);
			rc = HF_OK; /* one bad order must not stop the others */
		}
	}
	if (d->n)
		hfn_transport_kick(n->tr);
out:
	free(d);
	return rc;
}

static void hfn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hf_err rc = hfn_orders_check_deadlines(arg);
	if (rc != HF_OK)
		hfn_log(HFN_LOG_ERROR, "order_timers_failed", "code", hf_err_name(rc), NULL);
}

hf_err hfn_orders_start(hfn_node *n)
{
	hfn_orders *g = calloc(1, sizeof(*g));
	uint32_t ms = n->cfg.orders.check_interval_ms ? n->cfg.orders.check_interval_ms
	                                              : HFN_ORDERS_DEFAULT_CHECK;
	if (!g)
		return HF_ENOMEM;
	n->orders = g;
	const char *off = getenv("HF_TEST_CLOCK_OFFSET_MS");
	/* spec: the offset exists for tests only and is ignored unless the config opts in. */
	if (n->cfg.orders.test_clock && off && *off) {
		char *end;
		errno = 0;
		long long v = strtoll(off, &end, 10);
		if (errno || *end)
			return HF_ECONFIG;
		hfn_clock_set_test_offset(v);
		hfn_log(HFN_LOG_WARN, "test_clock", "offset_ms", off, NULL);
	}
	g->timer = event_new(n->base, -1, EV_PERSIST, hfn_on_timer, n);
	if (!g->timer)
		return HF_ENOMEM;
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
	if (event_add(g->timer, &tv) != 0)
		return HF_EINTERNAL;
	/* Timers are rows of the store: whatever fell due while we were down runs now. */
	event_active(g->timer, 0, 0);
	return HF_OK;
}

void hfn_orders_stop(hfn_node *n)
{
	hfn_orders *g = n ? n->orders : NULL;
	if (!g)
		return;
	if (g->timer)
		event_free(g->timer);
	free(g);
	n->orders = NULL;
}
