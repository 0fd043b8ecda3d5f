/* Compliance from log leaves only (see report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit/audit.h"
#include "audit/report.h"
#include "core/log.h"
#include "core/util.h"
#include "hashfed/audit_log.h"
#include "hashfed/checkpoint.h"
#include "hashfed/order.h"
#include "hashfed/order_sm.h"
#include "store/store_audit.h"
#include "core/util.h"
#include "hf_check.h"

#define DAY_MS    86400000ull
#define WEEK_MS   (7 * DAY_MS)
#define MAX_PAUSE 16
#define MAX_ROWS  HF_MAX_MEMBERS

/* One answer (or event) of an order, in log order. */
typedef struct hfn_rev {
	uint64_t at; /* log time */
	uint32_t type, status, items, category;
} hfn_rev;

typedef struct rord {
	uint8_t id[16];
	bool used, has_order;
	int plat, auth; /* row indexes, -1 unknown */
	uint64_t logged, deadline, receipt_at;
	uint32_t items, category;
	hfn_rev *ev;
	size_t n_ev, cap_ev;
	bool escalated;
} rord;

typedef struct hfn_u64v {
	uint64_t *v;
	size_t n, cap;
} hfn_u64v;

typedef struct hfn_row {
	uint8_t member[16];
	char name[HF_MAX_NAME_LEN + 1];
	uint64_t orders, items, receipts, actioned, removed, within, overdue, escalated, open7,
	    open42, cannot, cc_reason[7], disputed, clarifications, paused_ms, recurrences,
	    backdated, unlogged, withdrawn, referrals, batches;
	hfn_u64v t_receipt, t_action, t_referral, t_publish, t_sync;
	struct hfn_pend *pend; /* batches sealed to this platform, not yet acknowledged */
	size_t n_pend, cap_pend;
	/* per list, the highest number acknowledged so far: the platform's ack leaf can reach
	 * the log before the issuer's batch leaf (each party submits its own) */
	struct hfn_pend *acked;
	size_t n_acked, cap_acked;
} hfn_row;

/* A LIST_BATCH leaf a platform has not acknowledged (LIST_ACK leaf) yet. */
typedef struct hfn_pend {
	uint8_t list[16];
	uint64_t number, logged;
} hfn_pend;

typedef struct hfn_ref {
	uint8_t id[16];
	uint64_t sent, first_status;
	int auth;
} hfn_ref;

typedef struct hfn_rep {
	hfn_node *n;
	uint64_t from, to, as_of, size;
	rord *ord;
	size_t cap, used;
	hfn_row *plat, *auth;
	size_t n_plat, n_auth;
	hfn_ref *refs;
	size_t n_refs, cap_refs;
	hf_audit_leaf *h; /* scratch leaf */
	uint64_t backdate_ms;
	/* weekly series */
	struct {
		uint64_t week, items, within, answered;
		hfn_u64v t;
	} * wk;
	size_t n_wk;
	json_t *overdue;
} hfn_rep;

static hf_err push(hfn_u64v *a, uint64_t v)
{
	HF_TRY(hfn_grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v)));
	a->v[a->n++] = v;
	return HF_OK;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v. */
static uint64_t pct(const hfn_u64v *a, unsigned p)
{
	if (a->n == 0)
		return 0;
	size_t k = (a->n * p + 99) / 100;
	return a->v[k ? k - 1 : 0];
}

static json_t *dist(hfn_u64v *a)
{
	if (a->n == 0) /* a->v is NULL then */
		return json_pack("{s:I,s:n,s:n,s:n}", "n", (json_int_t)0, "p50", "p90", "max");
	qsort(a->v, a->n, sizeof(*a->v), cmp64);
	return json_pack("{s:I,s:I,s:I,s:I}", "n", (json_int_t)a->n, "p50", (json_int_t)pct(a, 50),
	                 "p90", (json_int_t)pct(a, 90), "max", (json_int_t)a->v[a->n - 1]);
}

static json_t *ratio(uint64_t num, uint64_t den)
{
	return den ? json_real((double)num / (double)den) : json_null();
}

/* Member row by member id (created on first use); -1 if the table is full. */
static int row_of(hfn_row **rows, size_t *n, const uint8_t member[16], hfn_node *node)
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp((*rows)[i].member, member, 16) == 0)
			return (int)i;
	if (*n == MAX_ROWS)
		return -1;
	hfn_row *r = &(*rows)[*n];
	memset(r, 0, sizeof(*r));
	memcpy(r->member, member, 16);
	const hf_member *mb;
	pthread_rwlock_rdlock(&node->mlock);
	if (hf_manifest_find_member(node->manifest, member, &mb) == HF_OK)
		snprintf(r->name, sizeof(r->name), "%s", hf_member_name(mb));
	pthread_rwlock_unlock(&node->mlock);
	return (int)(*n)++;
}

/* Member id of a signing (enc = false) or encryption key id; false if unknown. */
static bool member_of_key(hfn_node *n, const hf_key_id *kid, bool enc, uint8_t out[16])
{
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = enc ? hf_manifest_find_enc_key(n->manifest, kid, &mb, NULL)
	         : hf_manifest_find_sign_key(n->manifest, kid, &mb, NULL);
	if (rc == HF_OK)
		memcpy(out, hf_member_id(mb), 16);
	pthread_rwlock_unlock(&n->mlock);
	return rc == HF_OK;
}

/* Whether an encryption key id is a platform's (a list batch's recipients are its issuer
 * and the platforms entitled to the list, spec §12). */
static bool platform_of_enc(hfn_node *n, const hf_key_id *kid, uint8_t out[16])
{
	const hf_member *mb;
	bool yes = false;
	pthread_rwlock_rdlock(&n->mlock);
	if (hf_manifest_find_enc_key(n->manifest, kid, &mb, NULL) == HF_OK &&
	    (hf_member_roles(mb) & HF_ROLE_PLATFORM)) {
		memcpy(out, hf_member_id(mb), 16);
		yes = true;
	}
	pthread_rwlock_unlock(&n->mlock);
	return yes;
}

static hf_err pend_add(hfn_row *p, const hf_audit_header *a, uint64_t logged)
{
	HF_TRY(hfn_grow((void **)&p->pend, &p->cap_pend, p->n_pend + 1, sizeof(*p->pend)));
	hfn_pend *e = &p->pend[p->n_pend++];
	memcpy(e->list, a->subject, 16);
	e->number = a->seq;
	e->logged = logged;
	return HF_OK;
}

/* A LIST_ACK leaf (spec §12.7): its platform applied the list up to seq, so every batch of
 * that list up to seq sealed to it is in sync from this leaf's log time. A platform that
 * keeps up holds few pending batches, so the scan stays short. */
static hf_err ack_leaf(hfn_rep *r, const hf_audit_leaf *l)
{
	const hf_envelope_header *h = &l->hdr;
	uint8_t plat[16];
	int p;
	if (!(h->audit.fields & HF_AUDIT_SUBJECT) ||
	    !member_of_key(r->n, &h->sender, false, plat) ||
	    (p = row_of(&r->plat, &r->n_plat, plat, r->n)) < 0)
		return HF_OK;
	hfn_row *w = &r->plat[p];
	size_t k = 0;
	while (k < w->n_acked && memcmp(w->acked[k].list, h->audit.subject, 16) != 0)
		k++;
	if (k == w->n_acked) {
		HF_TRY(hfn_grow((void **)&w->acked, &w->cap_acked, k + 1, sizeof(*w->acked)));
		memcpy(w->acked[k].list, h->audit.subject, 16);
		w->acked[k].number = 0;
		w->n_acked++;
	}
	if (h->audit.seq > w->acked[k].number)
		w->acked[k].number = h->audit.seq;
	for (size_t i = 0; i < w->n_pend;) {
		hfn_pend *e = &w->pend[i];
		if (e->number > h->audit.seq || memcmp(e->list, h->audit.subject, 16) != 0) {
			i++;
			continue;
		}
		HF_TRY(push(&w->t_sync, l->logged_ms > e->logged ? l->logged_ms - e->logged : 0));
		*e = w->pend[--w->n_pend];
	}
	return HF_OK;
}

/* A LIST_BATCH leaf: the platforms it was sealed to, and how long the batch took from its
 * issuer sealing it to the log; each platform's acknowledgement (ack_leaf) ends its sync
 * lag. */
static hf_err batch_leaf(hfn_rep *r, const hf_audit_leaf *l)
{
	const hf_envelope_header *h = &l->hdr;
	uint64_t lag = l->logged_ms > h->created_ms ? l->logged_ms - h->created_ms : 0;
	if (l->logged_ms < r->from || l->logged_ms >= r->to)
		return HF_OK;
	for (uint32_t i = 0; i < h->n_recipients; i++) {
		uint8_t plat[16];
		int p;
		if (!platform_of_enc(r->n, &h->recipients[i], plat) ||
		    (p = row_of(&r->plat, &r->n_plat, plat, r->n)) < 0)
			continue;
		hfn_row *w = &r->plat[p];
		w->batches++;
		HF_TRY(push(&w->t_publish, lag));
		if (!(h->audit.fields & HF_AUDIT_SUBJECT))
			continue;
		bool acked = false;
		for (size_t k = 0; k < w->n_acked && !acked; k++)
			acked = memcmp(w->acked[k].list, h->audit.subject, 16) == 0 &&
			        w->acked[k].number >= h->audit.seq;
		if (acked) /* its ack was logged first: in sync when the log saw the batch */
			HF_TRY(push(&w->t_sync, 0));
		else
			HF_TRY(pend_add(w, &h->audit, l->logged_ms));
	}
	return HF_OK;
}

static rord *ord_find(hfn_rep *r, const uint8_t id[16], bool create)
{
	if (create && 2 * (r->used + 1) > r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 1024;
		rord *t = calloc(nc, sizeof(*t));
		if (!t)
			return NULL;
		for (size_t i = 0; i < r->cap; i++) {
			if (!r->ord[i].used)
				continue;
			size_t j = (r->ord[i].id[0] | (size_t)r->ord[i].id[9] << 8 |
			            (size_t)r->ord[i].id[15] << 16) %
			           nc;
			while (t[j].used)
				j = (j + 1) % nc;
			t[j] = r->ord[i];
		}
		free(r->ord);
		r->ord = t;
		r->cap = nc;
	}
	if (!r->cap)
		return NULL;
	size_t j = (id[0] | (size_t)id[9] << 8 | (size_t)id[15] << 16) % r->cap;
	while (r->ord[j].used) {
		if (memcmp(r->ord[j].id, id, 16) == 0)
			return &r->ord[j];
		j = (j + 1) % r->cap;
	}
	if (!create)
		return NULL;
	rord *o = &r->ord[j];
	memset(o, 0, sizeof(*o));
	o->used = true;
	o->plat = o->auth = -1;
	memcpy(o->id, id, 16);
	r->used++;
	return o;
}

static hf_err ev_add(rord *o, const hfn_rev *e)
{
	HF_TRY(hfn_grow((void **)&o->ev, &o->cap_ev, o->n_ev + 1, sizeof(*o->ev)));
	o->ev[o->n_ev++] = *e;
	return HF_OK;
}

/* Pass 1: every leaf of the tree at the checkpoint, into per-order event lists. */
static hf_err leaf_cb(void *ctx, uint64_t idx, const uint8_t *submitter, const uint8_t *leaf,
                      size_t len)
{
	hfn_rep *r = ctx;
	hf_audit_leaf *l = r->h;
	const hf_envelope_header *h = &l->hdr;
	uint8_t sender[16];
	(void)idx;
	(void)submitter;
	HF_TRY(hf_audit_leaf_decode(leaf, len, l));
	bool known = member_of_key(r->n, &h->sender, false, sender);
	/* The log clock bounds the sender's: counted against the sender's row below. */
	bool backdated = h->created_ms + r->backdate_ms < l->logged_ms;
	if (h->type == HF_MSG_REFERRAL) {
		uint32_t kind = h->audit.status >> 8;
		hfn_ref *f = NULL;
		for (size_t i = 0; i < r->n_refs; i++)
			if (memcmp(r->refs[i].id, h->audit.subject, 16) == 0)
				f = &r->refs[i];
		if (!f) {
			HF_TRY(hfn_grow((void **)&r->refs, &r->cap_refs, r->n_refs + 1,
			                sizeof(*r->refs)));
			f = &r->refs[r->n_refs++];
			memset(f, 0, sizeof(*f));
			f->auth = -1;
			memcpy(f->id, h->audit.subject, 16);
		}
		if (kind == HF_REFERRAL_REFER && !f->sent) {
			f->sent = l->logged_ms;
			if (known)
				f->auth = row_of(&r->auth, &r->n_auth, sender, r->n);
		} else if (kind == HF_REFERRAL_STATUS && !f->first_status) {
			f->first_status = l->logged_ms;
		}
		return HF_OK;
	}
	if (h->type == HF_MSG_LIST_BATCH)
		return batch_leaf(r, l);
	if (h->type == HF_MSG_LIST_ACK)
		return ack_leaf(r, l);
	if (!(h->audit.fields & HF_AUDIT_SUBJECT))
		return HF_OK;
	rord *o = ord_find(r, h->audit.subject, true);
	if (!o)
		return HF_ENOMEM;
	if (h->type == HF_MSG_ORDER && !o->has_order) {
		uint8_t plat[16];
		o->has_order = true;
		o->logged = l->logged_ms;
		o->deadline = h->audit.deadline_ms;
		o->items = h->audit.items;
		o->category = h->audit.category;
		if (known)
			o->auth = row_of(&r->auth, &r->n_auth, sender, r->n);
		/* An order is sealed to its platform only (spec §13.2). */
		if (h->n_recipients >= 1 && member_of_key(r->n, &h->recipients[0], true, plat))
			o->plat = row_of(&r->plat, &r->n_plat, plat, r->n);
		if (backdated && o->auth >= 0)
			r->auth[o->auth].backdated++;
		return HF_OK;
	}
	if (h->type == HF_MSG_RECEIPT || h->type == HF_MSG_OUTCOME) {
		/* The platform answering: if the ORDER leaf is absent, we know it from here. */
		if (o->plat < 0 && known)
			o->plat = row_of(&r->plat, &r->n_plat, sender, r->n);
		if (backdated && known) {
			int p = row_of(&r->plat, &r->n_plat, sender, r->n);
			if (p >= 0)
				r->plat[p].backdated++;
		}
	}
	if (h->type == HF_MSG_RECEIPT) {
		if (!o->receipt_at)
			o->receipt_at = l->logged_ms;
		return HF_OK;
	}
	if (h->type == HF_MSG_ESCALATION) {
		o->escalated = true;
		return HF_OK;
	}
	if (h->type == HF_MSG_OUTCOME || h->type == HF_MSG_ORDER_EVENT) {
		hfn_rev e = {l->logged_ms, h->type, h->audit.status, h->audit.items,
		             (h->audit.fields & HF_AUDIT_CATEGORY) ? h->audit.category : 0};
		return ev_add(o, &e);
	}
	return HF_OK;
}

static bool is_removal(uint32_t code)
{
	return code == HF_OUT_REMOVED || code == HF_OUT_NOT_FOUND || code == HF_OUT_ALREADY_REMOVED;
}

/* The single outcome code of a status bitmask, 0 if several. */
static uint32_t one_code(uint32_t status)
{
	for (uint32_t c = 1; c <= HF_OUT_NEEDS_CLARIFICATION; c++)
		if (status == (1u << c))
			return c;
	return 0;
}

static hf_err week_add(hfn_rep *r, uint64_t week, uint64_t items, uint64_t within,
                       uint64_t answered, const uint64_t *t, size_t nt)
{
	size_t i;
	for (i = 0; i < r->n_wk && r->wk[i].week != week; i++)
		;
	if (i == r->n_wk) {
		void *p = realloc(r->wk, (r->n_wk + 1) * sizeof(*r->wk));
		if (!p)
			return HF_ENOMEM;
		r->wk = p;
		memset(&r->wk[i], 0, sizeof(r->wk[i]));
		r->wk[i].week = week;
		r->n_wk++;
	}
	r->wk[i].items += items;
	r->wk[i].within += within;
	r->wk[i].answered += answered;
	for (size_t k = 0; k < nt; k++)
		HF_TRY(push(&r->wk[i].t, t[k]));
	return HF_OK;
}

static json_t *hex16(const uint8_t *p)
{
	char h[33];
	hfn_hex(p, 16, h);
	return json_string(h);
}

/* Pass 2: one order's figures. */
static hf_err order_figures(hfn_rep *r, rord *o)
{
	hf_clock_pause pauses[MAX_PAUSE];
	size_t np = 0;
	uint64_t answered = 0, within = 0, removed = 0, wt[64];
	size_t nwt = 0;
	bool withdrawn = false, disputed = false;
	if (!o->has_order || o->logged < r->from || o->logged >= r->to) {
		/* An answer to an order the log never saw: the order was hidden from it. */
		if (!o->has_order && o->plat >= 0 && o->n_ev + (o->receipt_at != 0) > 0)
			r->plat[o->plat].unlogged++;
		return HF_OK;
	}
	hfn_row *p = o->plat >= 0 ? &r->plat[o->plat] : NULL;
	hfn_row *a = o->auth >= 0 ? &r->auth[o->auth] : NULL;
	if (a) {
		a->orders++;
		a->items += o->items;
	}
	if (!p)
		return HF_OK;
	p->orders++;
	p->items += o->items;
	if (o->receipt_at) {
		p->receipts++;
		HF_TRY(
		    push(&p->t_receipt, o->receipt_at > o->logged ? o->receipt_at - o->logged : 0));
	}
	for (size_t i = 0; i < o->n_ev; i++) {
		const hfn_rev *e = &o->ev[i];
		if (e->at > r->as_of)
			break;
		bool ask = (e->type == HF_MSG_ORDER_EVENT && e->status == HF_OEV_CLARIFY_ASK) ||
		           (e->type == HF_MSG_OUTCOME &&
		            one_code(e->status) == HF_OUT_NEEDS_CLARIFICATION);
		if (ask) {
			p->clarifications++;
			if ((np == 0 || pauses[np - 1].resumed_ms) && np < MAX_PAUSE)
				pauses[np++] = (hf_clock_pause){e->at, 0};
			continue;
		}
		if (e->type == HF_MSG_ORDER_EVENT) {
			if (e->status == HF_OEV_CLARIFY_ANSWER && np && !pauses[np - 1].resumed_ms)
				pauses[np - 1].resumed_ms = e->at > pauses[np - 1].paused_ms
				                                ? e->at
				                                : pauses[np - 1].paused_ms;
			else if (e->status == HF_OEV_DISPUTE)
				disputed = true;
			else if (e->status == HF_OEV_WITHDRAW)
				withdrawn = true;
			else if (e->status == HF_OEV_RECURRENCE)
				p->recurrences++;
			continue;
		}
		/* OUTCOME: its items answered now, within the deadline as paused so far? */
		uint64_t k = e->items;
		if (answered + k > o->items)
			k = o->items - answered;
		if (k == 0)
			continue;
		uint32_t code = one_code(e->status);
		hf_deadline_info di;
		if (hf_order_deadline(o->deadline, pauses, np, e->at, &di) != HF_OK)
			di.effective_ms = o->deadline;
		if (e->at <= di.effective_ms)
			within += k;
		answered += k;
		if (code == HF_OUT_CANNOT_COMPLY) {
			p->cannot += k;
			for (uint32_t rs = 1; rs <= HF_REASON_OTHER; rs++)
				if (e->category & (1u << rs))
					p->cc_reason[rs]++;
		} else {
			p->actioned += k;
			if (code == 0 || is_removal(code))
				removed += code ? k : 0;
		}
		for (uint64_t j = 0; j < k; j++) {
			HF_TRY(push(&p->t_action, e->at - o->logged));
			if (nwt < 64)
				wt[nwt++] = e->at - o->logged;
		}
	}
	if (np) {
		hf_deadline_info di;
		if (hf_order_deadline(o->deadline, pauses, np, r->as_of, &di) == HF_OK)
			p->paused_ms += di.paused_ms;
	}
	p->within += within;
	p->removed += removed;
	p->disputed += disputed;
	p->escalated += o->escalated;
	uint64_t open = o->items - answered;
	if (withdrawn) {
		p->withdrawn += open;
		open = 0;
	}
	if (open) {
		hf_deadline_info di;
		uint64_t age = r->as_of - o->logged;
		if (hf_order_deadline(o->deadline, pauses, np, r->as_of, &di) == HF_OK &&
		    di.overdue) {
			p->overdue += open;
			json_array_append_new(r->overdue,
			                      json_pack("{s:o,s:o,s:s,s:I,s:I,s:I,s:b}", "order",
			                                hex16(o->id), "platform", hex16(p->member),
			                                "platform_name", p->name, "deadline_ms",
			                                (json_int_t)di.effective_ms, "open_items",
			                                (json_int_t)open, "age_ms", (json_int_t)age,
			                                "escalated", o->escalated));
		}
		if (age > 7 * DAY_MS)
			p->open7 += open;
		if (age > 42 * DAY_MS)
			p->open42 += open;
	}
	return week_add(r, o->logged / WEEK_MS * WEEK_MS, o->items, within, answered, wt, nwt);
}

static const char *const REASONS[] = {"",          "not_our_service",          "legal_conflict",
                                      "technical", "insufficient_information", "jurisdiction",
                                      "other"};

static json_t *plat_json(hfn_row *p, uint64_t size)
{
	json_t *cc = json_object();
	for (int rs = 1; rs <= 6; rs++)
		json_object_set_new(cc, REASONS[rs], json_integer((json_int_t)p->cc_reason[rs]));
	json_t *j = json_pack(
	    "{s:o,s:s,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:o,s:I,s:I,s:I,s:I}", "member",
	    hex16(p->member), "name", p->name, "checkpoint_size", (json_int_t)size, "orders",
	    (json_int_t)p->orders, "items", (json_int_t)p->items, "receipts",
	    (json_int_t)p->receipts, "time_to_receipt_ms", dist(&p->t_receipt), "time_to_action_ms",
	    dist(&p->t_action), "actioned_items", (json_int_t)p->actioned, "within_deadline_items",
	    (json_int_t)p->within, "within_deadline_share", ratio(p->within, p->items),
	    "overdue_items", (json_int_t)p->overdue, "escalated_orders", (json_int_t)p->escalated,
	    "open_over_7d", (json_int_t)p->open7, "open_over_42d", (json_int_t)p->open42);
	json_object_set_new(j, "cannot_comply_items", json_integer((json_int_t)p->cannot));
	json_object_set_new(j, "cannot_comply_rate", ratio(p->cannot, p->items));
	json_object_set_new(j, "cannot_comply_by_reason", cc);
	json_object_set_new(j, "disputed_orders", json_integer((json_int_t)p->disputed));
	json_object_set_new(j, "dispute_rate", ratio(p->disputed, p->orders));
	/* Disputes carry grounds as text only, which the log never sees. */
	json_object_set_new(j, "dispute_by_reason",
	                    json_pack("{s:I}", "unspecified", (json_int_t)p->disputed));
	json_object_set_new(j, "clarifications", json_integer((json_int_t)p->clarifications));
	json_object_set_new(j, "clock_paused_ms", json_integer((json_int_t)p->paused_ms));
	json_object_set_new(j, "recurrences", json_integer((json_int_t)p->recurrences));
	json_object_set_new(j, "recurrence_rate", ratio(p->recurrences, p->orders));
	json_object_set_new(j, "withdrawn_items", json_integer((json_int_t)p->withdrawn));
	json_object_set_new(j, "removed_items", json_integer((json_int_t)p->removed));
	/* Batch leaf to the platform's acknowledgement leaf, both on the log's clock; batches
	 * still unacknowledged at the checkpoint are counted, not timed. */
	json_object_set_new(j, "list_sync_lag_ms", dist(&p->t_sync));
	json_object_set_new(j, "list_batches_unacknowledged", json_integer((json_int_t)p->n_pend));
	json_object_set_new(j, "list_batches", json_integer((json_int_t)p->batches));
	json_object_set_new(j, "list_publish_lag_ms", dist(&p->t_publish));
	json_object_set_new(j, "backdated_messages", json_integer((json_int_t)p->backdated));
	json_object_set_new(j, "answers_to_unlogged_orders", json_integer((json_int_t)p->unlogged));
	return j;
}

/* "all", "YYYY", "YYYY-Qn", "YYYY-MM" -> [from, to) in unix ms (UTC). */
bool hfn_report_period(const char *s, uint64_t *from, uint64_t *to)
{
	int y, q, m;
	char extra;
	struct tm a, b;
	if (!strcmp(s, "all")) {
		*from = 0;
		*to = UINT64_MAX;
		return true;
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (sscanf(s, "%4d-Q%1d%c", &y, &q, &extra) == 2 && q >= 1 && q <= 4) {
		a.tm_mon = 3 * (q - 1);
		b.tm_mon = 3 * q;
	} else if (sscanf(s, "%4d-%2d%c", &y, &m, &extra) == 2 && m >= 1 && m <= 12 &&
	           strlen(s) == 7) {
		a.tm_mon = m - 1;
		b.tm_mon = m;
	} else if (sscanf(s, "%4d%c", &y, &extra) == 1 && strlen(s) == 4) {
		a.tm_mon = 0;
		b.tm_mon = 12;
	} else {
		return false;
	}
	if (y < 1970 || y > 9999)
		return false;
	a.tm_year = b.tm_year = y - 1900;
	a.tm_mday = b.tm_mday = 1;
	*from = (uint64_t)timegm(&a) * 1000;
	*to = (uint64_t)timegm(&b) * 1000;
	return true;
}

static void rep_free(hfn_rep *r)
{
	for (size_t i = 0; i < r->cap; i++)
		free(r->ord[i].ev);
	free(r->ord);
	for (size_t i = 0; r->plat && i < r->n_plat; i++) {
		free(r->plat[i].t_receipt.v);
		free(r->plat[i].t_action.v);
		free(r->plat[i].t_publish.v);
		free(r->plat[i].t_sync.v);
		free(r->plat[i].pend);
		free(r->plat[i].acked);
	}
	for (size_t i = 0; r->auth && i < r->n_auth; i++)
		free(r->auth[i].t_referral.v);
	for (size_t i = 0; i < r->n_wk; i++)
		free(r->wk[i].t.v);
	free(r->wk);
	free(r->plat);
	free(r->auth);
	free(r->refs);
	free(r->h);
	json_decref(r->overdue);
}

static int cmp_week(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

hf_err hfn_report_build(hfn_node *n, const char *period, json_t **out)
{
	hfn_rep r;
	uint64_t published, size, at;
	char *note = NULL;
	hf_err rc;
	*out = NULL;
	memset(&r, 0, sizeof(r));
	if (!hfn_report_period(period, &r.from, &r.to))
		return HF_EINVAL;
	if (!(n->self_roles & HF_ROLE_AUDITOR))
		return HF_EROLE;
	HF_TRY(hfn_store_ameta_get(n->store, "published", &published));
	if (published == 0)
		return HF_ENOTFOUND;
	HF_TRY(hfn_store_ckpt_get(n->store, published, &size, &at, &note));
	hf_checkpoint c;
	hf_log_policy pol;
	rc = hfn_audit_policy(n, n->self, &pol);
	if (rc == HF_OK) {
		pol.quorum = 0;
		rc = hf_checkpoint_open((const uint8_t *)note, strlen(note), &pol, &c, NULL);
	}
	if (rc != HF_OK) {
		free(note);
		return rc;
	}
	r.n = n;
	r.size = size;
	r.backdate_ms = n->cfg.audit.max_backdate_ms;
	r.as_of = at < r.to ? at : r.to;
	r.plat = calloc(MAX_ROWS, sizeof(*r.plat));
	r.auth = calloc(MAX_ROWS, sizeof(*r.auth));
	r.h = malloc(sizeof(*r.h));
	r.overdue = json_array();
	if (!r.plat || !r.auth || !r.h || !r.overdue) {
		rc = HF_ENOMEM;
		goto out;
	}
	/* Every figure from the leaves under this one checkpoint, in log order. */
	HF_CHECK(hfn_store_leaves(n->store, 0, size, leaf_cb, &r));
	for (size_t i = 0; i < r.cap; i++)
		if (r.ord[i].used)
			HF_CHECK(order_figures(&r, &r.ord[i]));
	for (size_t i = 0; i < r.n_refs; i++) {
		hfn_ref *f = &r.refs[i];
		if (f->auth < 0 || f->sent < r.from || f->sent >= r.to)
			continue;
		r.auth[f->auth].referrals++;
		if (f->first_status)
			HF_CHECK(push(&r.auth[f->auth].t_referral, f->first_status - f->sent));
	}
	json_t *plats = json_array(), *auths = json_array(), *series = json_array();
	uint64_t items = 0, removed = 0, withdrawn = 0;
	for (size_t i = 0; i < r.n_plat; i++) {
		items += r.plat[i].items;
		removed += r.plat[i].removed;
		withdrawn += r.plat[i].withdrawn;
		json_array_append_new(plats, plat_json(&r.plat[i], size));
	}
	for (size_t i = 0; i < r.n_auth; i++)
		json_array_append_new(
		    auths,
		    json_pack("{s:o,s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "member",
		              hex16(r.auth[i].member), "name", r.auth[i].name, "checkpoint_size",
		              (json_int_t)size, "orders_sent", (json_int_t)r.auth[i].orders,
		              "items", (json_int_t)r.auth[i].items, "backdated_messages",
		              (json_int_t)r.auth[i].backdated, "referrals",
		              (json_int_t)r.auth[i].referrals, "referral_turnaround_ms",
		              dist(&r.auth[i].t_referral)));
	if (r.n_wk > 1) /* r.wk may be NULL when empty */
		qsort(r.wk, r.n_wk, sizeof(*r.wk), cmp_week);
	for (size_t i = 0; i < r.n_wk; i++) {
		if (r.wk[i].t.n > 1)
			qsort(r.wk[i].t.v, r.wk[i].t.n, sizeof(uint64_t), cmp64);
		json_array_append_new(
		    series,
		    json_pack("{s:I,s:I,s:I,s:o,s:o}", "week_start_ms", (json_int_t)r.wk[i].week,
		              "items", (json_int_t)r.wk[i].items, "answered_items",
		              (json_int_t)r.wk[i].answered, "within_deadline_share",
		              ratio(r.wk[i].within, r.wk[i].items), "time_to_action_p50_ms",
		              r.wk[i].t.n ? json_integer((json_int_t)pct(&r.wk[i].t, 50))
		                          : json_null()));
	}
	char root[45];
	size_t rl = 0;
	sodium_bin2base64(root, sizeof(root), c.root, 32, sodium_base64_VARIANT_ORIGINAL);
	rl = strlen(root);
	(void)rl;
	json_t *fed =
	    json_pack("{s:I,s:I,s:I,s:I,s:o}", "checkpoint_size", (json_int_t)size,
	              "items_requested", (json_int_t)items, "items_removed", (json_int_t)removed,
	              "items_withdrawn", (json_int_t)withdrawn, "share_not_removed",
	              ratio(items - withdrawn - removed, items - withdrawn));
	*out = json_pack("{s:s,s:o,s:o,s:I,s:{s:s,s:I,s:s,s:s},s:o,s:o,s:o,s:o,s:O}", "period",
	                 period, "from_ms", r.from ? json_integer((json_int_t)r.from) : json_null(),
	                 "to_ms", r.to != UINT64_MAX ? json_integer((json_int_t)r.to) : json_null(),
	                 "as_of_ms", (json_int_t)r.as_of, "checkpoint", "origin", c.origin, "size",
	                 (json_int_t)size, "root", root, "note", note, "platforms", plats,
	                 "authorities", auths, "federation", fed, "series", series, "overdue",
	                 r.overdue);
	rc = *out ? HF_OK : HF_ENOMEM;
out:
	free(note);
	rep_free(&r);
	return rc;
}

/* ---- CSV ------------------------------------------------------------------------- */

typedef struct hfn_csv {
	char *p;
	size_t len, cap;
	const char *size, *root;
} hfn_csv;

static void csv_add(hfn_csv *c, const char *scope, const char *name, const char *value)
{
	int need = snprintf(NULL, 0, "%s,%s,%s,%s,%s\n", scope, name, value, c->size, c->root);
	if (need < 0 || !c->p)
		return;
	if (c->len + (size_t)need + 1 > c->cap) {
		size_t nc = 2 * (c->len + (size_t)need + 1);
		char *q = realloc(c->p, nc);
		if (!q) {
			free(c->p);
			c->p = NULL;
			return;
		}
		c->p = q;
		c->cap = nc;
	}
	snprintf(c->p + c->len, c->cap - c->len, "%s,%s,%s,%s,%s\n", scope, name, value, c->size,
	         c->root);
	c->len += (size_t)need;
}

/* Flattens one object's scalar members (nested objects as a.b) into rows of scope. */
static void csv_obj(hfn_csv *c, const char *scope, const char *prefix, const json_t *o)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		char name[160], val[64];
		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "", k);
		if (json_is_object(v)) {
			csv_obj(c, scope, name, v);
			continue;
		}
		if (!strcmp(k, "member") || !strcmp(k, "name") || !strcmp(k, "checkpoint_size"))
			continue;
		if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(val, sizeof(val), "%.6f", json_real_value(v));
		else if (json_is_null(v))
			snprintf(val, sizeof(val), "%s", "");
		else
			continue;
		csv_add(c, scope, name, val);
	}
}

char *hfn_report_csv(const json_t *report)
{
	json_t *ck = json_object_get(report, "checkpoint");
	char size[24];
	hfn_csv c = {.cap = 4096};
	c.p = malloc(c.cap);
	if (!c.p)
		return NULL;
	c.p[0] = 0;
	snprintf(size, sizeof(size), "%lld",
	         (long long)json_integer_value(json_object_get(ck, "size")));
	c.size = size;
	c.root = json_string_value(json_object_get(ck, "root"));
	if (!c.root)
		c.root = "";
	c.size = "checkpoint_size";
	c.root = "checkpoint_root";
	csv_add(&c, "scope", "figure", "value");
	c.size = size;
	c.root = json_string_value(json_object_get(ck, "root"));
	const char *lists[] = {"platforms", "authorities"};
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *row;
		json_array_foreach(json_object_get(report, lists[l]), i, row)
		{
			char scope[64];
			snprintf(scope, sizeof(scope), "%s:%s", l ? "authority" : "platform",
			         json_string_value(json_object_get(row, "member")));
			csv_obj(&c, scope, "", row);
		}
	}
	csv_obj(&c, "federation", "", json_object_get(report, "federation"));
	return c.p;
}
