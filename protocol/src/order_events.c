/* Outcome, order event, escalation and referral bodies (spec §13.4 - §13.6a). */
#include <stdlib.h>
#include <string.h>

#include "hashfed/order_sm.h"
#include "order_internal.h"
#include "hf_check.h"

/* ---- outcome ------------------------------------------------------------ */

static hf_err result_check(const hf_item_outcome *r)
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
		HF_TRY(result_check(&o->results[i]));
		HF_TRY(hfi_order_ascending(i ? o->results[i - 1].item : 0, o->results[i].item,
		                           i == 0));
	}
	return HF_OK;
}

static const hfi_field result_rows[] = {
    {HFI_U32(1, HFI_REQ, hf_item_outcome, item)},
    {HFI_U32(2, HFI_REQ, hf_item_outcome, code)},
    {HFI_U64(3, HFI_REQ, hf_item_outcome, action_ms)},
    /* 0 would read back as "absent". */
    {HFI_U(4, 0, hf_item_outcome, reason, 1, HF_REASON_MAX, HF_ERANGE)},
    {HFI_OPT_TEXT(5, hf_item_outcome, text, text_len, HF_ORDER_MAX_TEXT_LEN)},
};
static const hfi_schema result_schema =
    HFI_SCHEMA("item outcome", result_rows, hf_item_outcome, 0, NULL);
static const hfi_field result_elem = {HFI_ELEM_MAP(hf_item_outcome, result_schema)};

HFI_CHECK_FN(outcome_check, hf_outcome, hfi_outcome_check)

static const hfi_field outcome_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_outcome, order_id)},
    {HFI_ARR(2, HFI_REQ | HFI_ALLOC, hf_outcome, results, n_results, 1, HF_ORDER_MAX_ITEMS,
             HF_ERANGE, result_elem)},
};
const hfi_schema hfi_outcome_schema =
    HFI_SCHEMA("outcome", outcome_rows, hf_outcome, 0, outcome_check);

/* ---- order event -------------------------------------------------------- */

static bool kind_needs_text(uint32_t k)
{
	return k == HF_OEV_CLARIFY_ASK || k == HF_OEV_CLARIFY_ANSWER || k == HF_OEV_DISPUTE ||
	       k == HF_OEV_APPEAL;
}

static bool kind_reopens(uint32_t k)
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
	if (kind_needs_text(v->kind) && v->text_len == 0)
		return HF_EMISSING;
	HF_TRY(hfi_order_text_check(v->text, v->text_len, HF_ORDER_MAX_TEXT_LEN, false));
	/* An answer names the question it answers. */
	if (v->kind == HF_OEV_CLARIFY_ANSWER && !v->has_ref)
		return HF_EMISSING;
	/* Only an event that reopens an item may set a new deadline, and it lies ahead. */
	if (v->new_deadline_ms != 0 &&
	    (!kind_reopens(v->kind) || v->new_deadline_ms <= v->event_ms))
		return HF_ERANGE;
	return HF_OK;
}

HFI_CHECK_FN(event_check, hf_order_event, hfi_event_check)

static const hfi_field event_item_elem = {HFI_ELEM_U32(UINT32_MAX)};

static const hfi_field event_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_order_event, order_id)},
    {HFI_U32(2, HFI_REQ, hf_order_event, kind)},
    {HFI_U64(3, HFI_REQ, hf_order_event, event_ms)},
    /* The whole order: omit the field (an empty list is HF_ENONCANON). */
    {HFI_ARR(4, HFI_ALLOC, hf_order_event, items, n_items, 1, HF_ORDER_MAX_ITEMS, HF_ENONCANON,
             event_item_elem)},
    {HFI_OPT_TEXT(5, hf_order_event, text, text_len, HF_ORDER_MAX_TEXT_LEN)},
    {HFI_FIXED(6, HFI_HAS, hf_order_event, ref_msg_id), HFI_HAS_BOOL(hf_order_event, has_ref)},
    {HFI_U(7, 0, hf_order_event, new_deadline_ms, 1, UINT64_MAX, HF_ERANGE)},
};
const hfi_schema hfi_event_schema =
    HFI_SCHEMA("order event", event_rows, hf_order_event, 0, event_check);

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

HFI_CHECK_FN(escalation_check, hf_escalation, hfi_escalation_check)

static const hfi_field escalation_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_escalation, order_id)},
    {HFI_FIXED(2, HFI_REQ, hf_escalation, authority)},
    {HFI_FIXED(3, HFI_REQ, hf_escalation, platform)},
    {HFI_U32(4, HFI_REQ, hf_escalation, category)},
    {HFI_U64(5, HFI_REQ, hf_escalation, deadline_ms)},
    {HFI_U64(6, HFI_REQ, hf_escalation, escalated_ms)},
    {HFI_U32(7, HFI_REQ, hf_escalation, n_items)},
    {HFI_U32(8, HFI_REQ, hf_escalation, n_overdue)},
};
const hfi_schema hfi_escalation_schema =
    HFI_SCHEMA("escalation", escalation_rows, hf_escalation, 0, escalation_check);

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
			if (hf_order_id_eq(&r->orders[i], &r->orders[j]))
				return HF_EDUPLICATE;
	return hfi_order_text_check(r->note, r->note_len, HF_ORDER_MAX_NOTE_LEN, false);
}

HFI_CHECK_FN(referral_check, hf_referral, hfi_referral_check)

static const hfi_field referral_order_elem = {HFI_ELEM_FIXED(HF_ORDER_ID_LEN)};

static const hfi_field referral_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_referral, referral_id)},
    {HFI_U32(2, HFI_REQ, hf_referral, kind)},
    {HFI_FIXED(3, HFI_REQ, hf_referral, from)},
    {HFI_FIXED(4, HFI_REQ, hf_referral, to)},
    {HFI_FIXED(5, HFI_REQ, hf_referral, case_pseudonym)},
    {HFI_U64(6, HFI_REQ, hf_referral, sent_ms)},
    /* 0 would read back as "absent". */
    {HFI_U(7, 0, hf_referral, status, 1, UINT32_MAX, HF_ERANGE)},
    {HFI_U(8, 0, hf_referral, category, 1, UINT32_MAX, HF_ERANGE)},
    {HFI_ARR(9, 0, hf_referral, orders, n_orders, 1, HF_REFERRAL_MAX_ORDERS, HF_ENONCANON,
             referral_order_elem)},
    {HFI_OPT_TEXT(10, hf_referral, note, note_len, HF_ORDER_MAX_NOTE_LEN)},
};
const hfi_schema hfi_referral_schema =
    HFI_SCHEMA("referral", referral_rows, hf_referral, 0, referral_check);
