/* Receiver rules relating a body to its envelope (hashfed/rules.h, spec §5.3a, §13.4-5). */
#include <string.h>

#include "hashfed/rules.h"

/* The audit values every list message has: its list, a sequence number and an item count
 * (capped at HF_MAX_AUDIT_ITEMS). */
static void list_values(hf_audit_header *a, const hf_list_id *list_id, uint64_t seq, uint64_t items)
{
	memset(a, 0, sizeof(*a));
	a->fields = HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_ITEMS;
	memcpy(a->subject, list_id->b, sizeof a->subject);
	a->seq = seq;
	a->items = (uint32_t)(items > HF_MAX_AUDIT_ITEMS ? HF_MAX_AUDIT_ITEMS : items);
}

void hf_audit_of_batch(const hf_list_batch *b, hf_audit_header *a, uint32_t *free_fields)
{
	list_values(a, &b->list_id, b->number, (uint64_t)b->n_added + b->n_removed);
	a->fields |= HF_AUDIT_CATEGORY;
	a->category = b->has_meta ? b->meta.category : 0;
	*free_fields = b->has_meta ? 0 : HF_AUDIT_CATEGORY;
}

void hf_audit_of_snapshot(const hf_list_snapshot *s, hf_audit_header *a)
{
	list_values(a, &s->list_id, s->at_batch, s->n_entries);
}

void hf_audit_of_report(const hf_match_report *r, hf_audit_header *a)
{
	list_values(a, &r->list_id, r->day, r->n_counts);
}

void hf_audit_of_ack(const hf_list_ack *k, hf_audit_header *a)
{
	list_values(a, &k->list_id, k->number, 0);
	a->fields &= ~(uint32_t)HF_AUDIT_ITEMS;
	a->items = 0;
}

hf_err hf_audit_match(const hf_audit_header *got, const hf_audit_header *want, uint32_t free_fields)
{
	uint32_t f = want->fields & ~free_fields;
	if (got->fields != want->fields)
		return HF_EAUDITHDR;
	if (((f & HF_AUDIT_SUBJECT) && memcmp(got->subject, want->subject, 16) != 0) ||
	    ((f & HF_AUDIT_SEQ) && got->seq != want->seq) ||
	    ((f & HF_AUDIT_DEADLINE) && got->deadline_ms != want->deadline_ms) ||
	    ((f & HF_AUDIT_STATUS) && got->status != want->status) ||
	    ((f & HF_AUDIT_ITEMS) && got->items != want->items) ||
	    ((f & HF_AUDIT_CATEGORY) && got->category != want->category))
		return HF_EAUDITHDR;
	return HF_OK;
}

hf_err hf_deadline_check(uint64_t d_ms)
{
	return d_ms >= HF_ORDER_MIN_DEADLINE_MS && d_ms <= HF_ORDER_MAX_DEADLINE_MS ? HF_OK
	                                                                            : HF_EDEADLINE;
}

hf_err hf_order_msg_check_rules(const hf_order_msg *m, uint64_t created_ms)
{
	if (m->type == HF_MSG_ORDER_EVENT && m->u.event.new_deadline_ms != 0) {
		const hf_order_event *e = &m->u.event;
		if (e->new_deadline_ms <= e->event_ms)
			return HF_EDEADLINE;
		return hf_deadline_check(e->new_deadline_ms - e->event_ms);
	}
	if (m->type == HF_MSG_OUTCOME)
		for (uint32_t i = 0; i < m->u.outcome.n_results; i++)
			if (m->u.outcome.results[i].action_ms > created_ms)
				return HF_EACTIONTIME;
	return HF_OK;
}

hf_err hf_outcome_check_issued(const hf_outcome *o, uint64_t issued_ms)
{
	for (uint32_t i = 0; i < o->n_results; i++)
		if (o->results[i].action_ms + HF_MAX_CLOCK_SKEW_MS < issued_ms)
			return HF_EACTIONTIME;
	return HF_OK;
}
