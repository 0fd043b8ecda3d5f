/* Outcome, order event, escalation and referral bodies (spec §13.4 - §13.6a). */
#include <stdlib.h>
#include <string.h>

#include "hashfed/order_sm.h"
#include "order_internal.h"

/* ---- outcome ------------------------------------------------------------ */

static hf_err hf_result_check(const hf_item_outcome *r)
{
	bool cannot = r->code == HF_OUT_CANNOT_COMPLY;
	bool question = r->code == HF_OUT_NEEDS_CLARIFICATION;
	if (r->code < 1 || r->code > HF_OUT_MAX || r->item >= HF_ORDER_MAX_ITEMS)
		return HF_ERANGE;
	/* spec §13.4: a reason code iff cannot comply; text iff it explains a
	 * refusal or asks a question. */
	if (cannot && r->reason == 0)
		return HF_EMISSING;
	if (r->reason > HF_REASON_MAX || (!cannot && r->reason != 0))
		return HF_ERANGE;
	if ((cannot || question) && r->text_len == 0)
		return HF_EMISSING;
	if (!(cannot || question) && r->text_len != 0)
		return HF_ERANGE;
	return hfi_order_text_check(r->text, r->text_len, HF_ORDER_MAX_TEXT_LEN, false);
}

hf_err hfi_outcome_check(const hf_outcome *o)
{
	if (o->n_results == 0)
		return HF_ERANGE;
	if (o->n_results > HF_ORDER_MAX_ITEMS)
		return HF_ETOOLONG;
	if (o->results == NULL)
		return HF_EINVAL;
	for (uint32_t i = 0; i < o->n_results; i++) {
		HF_TRY(hf_result_check(&o->results[i]));
		HF_TRY(hfi_order_ascending(i ? o->results[i - 1].item : 0, o->results[i].item,
		                           i == 0));
	}
	return HF_OK;
}

void hfi_outcome_encode(hf_mp_enc *e, const hf_outcome *o)
{
	hf_mp_put_map(e, 2);
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, o->order_id, HF_ORDER_ID_LEN);
	hf_mp_put_key(e, 2);
	hf_mp_put_array(e, o->n_results);
	for (uint32_t i = 0; i < o->n_results; i++) {
		const hf_item_outcome *r = &o->results[i];
		hf_mp_put_map(e, (uint32_t)(3 + (r->reason != 0) + (r->text_len != 0)));
		hf_mp_put_key(e, 1);
		hf_mp_put_uint(e, r->item);
		hf_mp_put_key(e, 2);
		hf_mp_put_uint(e, r->code);
		hf_mp_put_key(e, 3);
		hf_mp_put_uint(e, r->action_ms);
		if (r->reason != 0) {
			hf_mp_put_key(e, 4);
			hf_mp_put_uint(e, r->reason);
		}
		if (r->text_len != 0) {
			hf_mp_put_key(e, 5);
			hf_mp_put_str(e, r->text, r->text_len);
		}
	}
}

static hf_err hf_result_decode(hf_mp_dec *d, hf_item_outcome *r)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t v, seen = 0;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &r->item));
			break;
		case 2:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &r->code));
			break;
		case 3:
			HF_TRY(hf_mp_get_uint(d, &r->action_ms));
			break;
		case 4:
			/* 0 would read back as "absent". */
			HF_TRY(hf_mp_get_uint_max(d, HF_REASON_MAX, &v));
			if (v == 0)
				return HF_ERANGE;
			r->reason = (uint32_t)v;
			break;
		case 5:
			HF_TRY(hfi_order_get_opt_text(d, HF_ORDER_MAX_TEXT_LEN, &r->text,
			                              &r->text_len));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	return hf_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3));
}

hf_err hfi_outcome_decode(hf_mp_dec *d, hf_outcome *o, void **owned)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	uint32_t n;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, o->order_id, HF_ORDER_ID_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_array_open(d, HF_ORDER_MAX_ITEMS, &n));
			if (n == 0)
				return HF_ERANGE;
			o->results = calloc(n, sizeof(*o->results));
			if (o->results == NULL)
				return HF_ENOMEM;
			*owned = o->results;
			for (uint32_t i = 0; i < n; i++) {
				HF_TRY(hf_result_decode(d, &o->results[i]));
				o->n_results = i + 1;
			}
			hf_mp_array_close(d);
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2)));
	return hfi_outcome_check(o);
}

/* ---- order event -------------------------------------------------------- */

static bool hf_kind_needs_text(uint32_t k)
{
	return k == HF_OEV_CLARIFY_ASK || k == HF_OEV_CLARIFY_ANSWER || k == HF_OEV_DISPUTE ||
	       k == HF_OEV_APPEAL;
}

static bool hf_kind_reopens(uint32_t k)
{
	return k == HF_OEV_MAINTAIN || k == HF_OEV_VERIFY_STILL_REACHABLE || k == HF_OEV_RECURRENCE;
}

hf_err hfi_event_check(const hf_order_event *v)
{
	if (!hf_order_ev_is_message(v->kind))
		return HF_ERANGE;
	if (v->n_items > HF_ORDER_MAX_ITEMS)
		return HF_ETOOLONG;
	if (v->n_items > 0 && v->items == NULL)
		return HF_EINVAL;
	for (uint32_t i = 0; i < v->n_items; i++) {
		if (v->items[i] >= HF_ORDER_MAX_ITEMS)
			return HF_ERANGE;
		HF_TRY(hfi_order_ascending(i ? v->items[i - 1] : 0, v->items[i], i == 0));
	}
	/* spec §13.5: questions, answers, disputes and appeals say why. */
	if (hf_kind_needs_text(v->kind) && v->text_len == 0)
		return HF_EMISSING;
	HF_TRY(hfi_order_text_check(v->text, v->text_len, HF_ORDER_MAX_TEXT_LEN, false));
	/* An answer names the question it answers. */
	if (v->kind == HF_OEV_CLARIFY_ANSWER && !v->has_ref)
		return HF_EMISSING;
	/* Only an event that reopens an item may set a new deadline, and it lies ahead. */
	if (v->new_deadline_ms != 0 &&
	    (!hf_kind_reopens(v->kind) || v->new_deadline_ms <= v->event_ms))
		return HF_ERANGE;
	return HF_OK;
}

void hfi_event_encode(hf_mp_enc *e, const hf_order_event *v)
{
	hf_mp_put_map(e, (uint32_t)(3 + (v->n_items > 0) + (v->text_len > 0) + v->has_ref +
	                            (v->new_deadline_ms != 0)));
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, v->order_id, HF_ORDER_ID_LEN);
	hf_mp_put_key(e, 2);
	hf_mp_put_uint(e, v->kind);
	hf_mp_put_key(e, 3);
	hf_mp_put_uint(e, v->event_ms);
	if (v->n_items > 0) {
		hf_mp_put_key(e, 4);
		hf_mp_put_array(e, v->n_items);
		for (uint32_t i = 0; i < v->n_items; i++)
			hf_mp_put_uint(e, v->items[i]);
	}
	if (v->text_len > 0) {
		hf_mp_put_key(e, 5);
		hf_mp_put_str(e, v->text, v->text_len);
	}
	if (v->has_ref) {
		hf_mp_put_key(e, 6);
		hf_mp_put_bin(e, v->ref_msg_id, HF_MSGID_LEN);
	}
	if (v->new_deadline_ms != 0) {
		hf_mp_put_key(e, 7);
		hf_mp_put_uint(e, v->new_deadline_ms);
	}
}

hf_err hfi_event_decode(hf_mp_dec *d, hf_order_event *v, void **owned)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t x, seen = 0;
	uint32_t n;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, v->order_id, HF_ORDER_ID_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_uint_max(d, UINT32_MAX, &x));
			v->kind = (uint32_t)x;
			break;
		case 3:
			HF_TRY(hf_mp_get_uint(d, &v->event_ms));
			break;
		case 4:
			HF_TRY(hf_mp_array_open(d, HF_ORDER_MAX_ITEMS, &n));
			if (n == 0)
				return HF_ENONCANON; /* whole order: omit the field */
			v->items = calloc(n, sizeof(*v->items));
			if (v->items == NULL)
				return HF_ENOMEM;
			*owned = v->items;
			for (uint32_t i = 0; i < n; i++) {
				HF_TRY(hf_mp_get_uint_max(d, UINT32_MAX, &x));
				v->items[i] = (uint32_t)x;
				v->n_items = i + 1;
			}
			hf_mp_array_close(d);
			break;
		case 5:
			HF_TRY(hfi_order_get_opt_text(d, HF_ORDER_MAX_TEXT_LEN, &v->text,
			                              &v->text_len));
			break;
		case 6:
			HF_TRY(hf_mp_get_bin_fixed(d, v->ref_msg_id, HF_MSGID_LEN));
			v->has_ref = true;
			break;
		case 7:
			HF_TRY(hf_mp_get_uint(d, &v->new_deadline_ms));
			if (v->new_deadline_ms == 0)
				return HF_ERANGE;
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3)));
	return hfi_event_check(v);
}

/* ---- escalation --------------------------------------------------------- */

hf_err hfi_escalation_check(const hf_escalation *x)
{
	if (!hfi_order_category_ok(x->category) || x->n_items == 0 || x->n_overdue == 0 ||
	    x->n_overdue > x->n_items)
		return HF_ERANGE;
	if (x->n_items > HF_ORDER_MAX_ITEMS)
		return HF_ETOOLONG;
	/* spec §13.6: escalation follows the deadline, never precedes it. */
	return x->escalated_ms < x->deadline_ms ? HF_ERANGE : HF_OK;
}

void hfi_escalation_encode(hf_mp_enc *e, const hf_escalation *x)
{
	hf_mp_put_map(e, 8);
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, x->order_id, HF_ORDER_ID_LEN);
	hf_mp_put_key(e, 2);
	hf_mp_put_bin(e, x->authority, HF_ORDER_PARTY_LEN);
	hf_mp_put_key(e, 3);
	hf_mp_put_bin(e, x->platform, HF_ORDER_PARTY_LEN);
	hf_mp_put_key(e, 4);
	hf_mp_put_uint(e, x->category);
	hf_mp_put_key(e, 5);
	hf_mp_put_uint(e, x->deadline_ms);
	hf_mp_put_key(e, 6);
	hf_mp_put_uint(e, x->escalated_ms);
	hf_mp_put_key(e, 7);
	hf_mp_put_uint(e, x->n_items);
	hf_mp_put_key(e, 8);
	hf_mp_put_uint(e, x->n_overdue);
}

hf_err hfi_escalation_decode(hf_mp_dec *d, hf_escalation *x)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, x->order_id, HF_ORDER_ID_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_bin_fixed(d, x->authority, HF_ORDER_PARTY_LEN));
			break;
		case 3:
			HF_TRY(hf_mp_get_bin_fixed(d, x->platform, HF_ORDER_PARTY_LEN));
			break;
		case 4:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &x->category));
			break;
		case 5:
			HF_TRY(hf_mp_get_uint(d, &x->deadline_ms));
			break;
		case 6:
			HF_TRY(hf_mp_get_uint(d, &x->escalated_ms));
			break;
		case 7:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &x->n_items));
			break;
		case 8:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &x->n_overdue));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, 0x1fe)); /* keys 1..8 */
	return hfi_escalation_check(x);
}

/* ---- referral ----------------------------------------------------------- */

hf_err hfi_referral_check(const hf_referral *r)
{
	if (r->kind != HF_REFERRAL_REFER && r->kind != HF_REFERRAL_STATUS)
		return HF_ERANGE;
	if (memcmp(r->from, r->to, HF_ORDER_PARTY_LEN) == 0)
		return HF_ERANGE;
	/* spec §13.6a: a referral names a category; a status reply names a status. */
	if (r->kind == HF_REFERRAL_REFER) {
		if (r->category == 0)
			return HF_EMISSING;
		if (!hfi_order_category_ok(r->category) || r->status != 0)
			return HF_ERANGE;
	} else {
		if (r->status == 0)
			return HF_EMISSING;
		if (r->status > HF_REFST_MAX || r->category != 0)
			return HF_ERANGE;
	}
	if (r->n_orders > HF_REFERRAL_MAX_ORDERS)
		return HF_ETOOLONG;
	for (uint32_t i = 1; i < r->n_orders; i++)
		for (uint32_t j = 0; j < i; j++)
			if (memcmp(r->orders[i], r->orders[j], HF_ORDER_ID_LEN) == 0)
				return HF_EDUPLICATE;
	return hfi_order_text_check(r->note, r->note_len, HF_ORDER_MAX_NOTE_LEN, false);
}

void hfi_referral_encode(hf_mp_enc *e, const hf_referral *r)
{
	hf_mp_put_map(e, (uint32_t)(6 + (r->status != 0) + (r->category != 0) + (r->n_orders > 0) +
	                            (r->note_len > 0)));
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, r->referral_id, HF_ORDER_ID_LEN);
	hf_mp_put_key(e, 2);
	hf_mp_put_uint(e, r->kind);
	hf_mp_put_key(e, 3);
	hf_mp_put_bin(e, r->from, HF_ORDER_PARTY_LEN);
	hf_mp_put_key(e, 4);
	hf_mp_put_bin(e, r->to, HF_ORDER_PARTY_LEN);
	hf_mp_put_key(e, 5);
	hf_mp_put_bin(e, r->case_pseudonym, HF_CASE_PSEUDONYM_LEN);
	hf_mp_put_key(e, 6);
	hf_mp_put_uint(e, r->sent_ms);
	if (r->status != 0) {
		hf_mp_put_key(e, 7);
		hf_mp_put_uint(e, r->status);
	}
	if (r->category != 0) {
		hf_mp_put_key(e, 8);
		hf_mp_put_uint(e, r->category);
	}
	if (r->n_orders > 0) {
		hf_mp_put_key(e, 9);
		hf_mp_put_array(e, r->n_orders);
		for (uint32_t i = 0; i < r->n_orders; i++)
			hf_mp_put_bin(e, r->orders[i], HF_ORDER_ID_LEN);
	}
	if (r->note_len > 0) {
		hf_mp_put_key(e, 10);
		hf_mp_put_str(e, r->note, r->note_len);
	}
}

hf_err hfi_referral_decode(hf_mp_dec *d, hf_referral *r)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t v, seen = 0;
	uint32_t n;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, r->referral_id, HF_ORDER_ID_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &r->kind));
			break;
		case 3:
			HF_TRY(hf_mp_get_bin_fixed(d, r->from, HF_ORDER_PARTY_LEN));
			break;
		case 4:
			HF_TRY(hf_mp_get_bin_fixed(d, r->to, HF_ORDER_PARTY_LEN));
			break;
		case 5:
			HF_TRY(hf_mp_get_bin_fixed(d, r->case_pseudonym, HF_CASE_PSEUDONYM_LEN));
			break;
		case 6:
			HF_TRY(hf_mp_get_uint(d, &r->sent_ms));
			break;
		case 7:
		case 8:
			/* 0 would read back as "absent". */
			HF_TRY(hf_mp_get_uint_max(d, UINT32_MAX, &v));
			if (v == 0)
				return HF_ERANGE;
			if (key == 7)
				r->status = (uint32_t)v;
			else
				r->category = (uint32_t)v;
			break;
		case 9:
			HF_TRY(hf_mp_array_open(d, HF_REFERRAL_MAX_ORDERS, &n));
			if (n == 0)
				return HF_ENONCANON;
			for (uint32_t i = 0; i < n; i++)
				HF_TRY(hf_mp_get_bin_fixed(d, r->orders[i], HF_ORDER_ID_LEN));
			hf_mp_array_close(d);
			r->n_orders = n;
			break;
		case 10:
			HF_TRY(hfi_order_get_opt_text(d, HF_ORDER_MAX_NOTE_LEN, &r->note,
			                              &r->note_len));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, 0x7e)); /* keys 1..6 */
	return hfi_referral_check(r);
}
