/* Order item state machine and paused-clock deadline arithmetic (spec §13.6, §13.7). */
#include <stdint.h>

#include "hashfed/order.h"
#include "hashfed/order_sm.h"
#include "hf_check.h"

#define R(s, e, n, a)                                                                              \
	{                                                                                          \
		HF_OST_##s, HF_OEV_##e, HF_OST_##n, HF_OACT_##a                                    \
	}

/*
 * THE table. Rows sorted by (state, event); spec §13.7 is generated from it
 * and tests/unit/test_order_sm.c checks every (state, event) pair against an
 * independently written list. Reading guide:
 *  - open states (ISSUED, DELIVERED, ACKNOWLEDGED, IN_REVIEW, RECURRED) accept
 *    the platform's progress, any outcome, a question, a dispute, the
 *    authority's withdrawal and reminder, and the deadline / escalation;
 *  - a later platform message implies delivery, so ack, review and outcomes are
 *    accepted from ISSUED too (receipts and outcomes may arrive reordered);
 *  - OVERDUE / ESCALATED still accept the answer (late, and measured as such);
 *  - CLARIFICATION pauses the clock, so neither deadline nor reminder applies;
 *  - answered states wait for the authority: verify, maintain, close, withdraw;
 *  - WITHDRAWN is final; CLOSED reopens only on recurrence.
 */
static const hf_order_sm_row sm_rows[] = {
    R(ISSUED, RECEIPT, DELIVERED, RECORD),
    R(ISSUED, ACK, ACKNOWLEDGED, RECORD),
    R(ISSUED, REVIEW, IN_REVIEW, RECORD),
    R(ISSUED, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(ISSUED, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(ISSUED, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(ISSUED, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(ISSUED, DISPUTE, DISPUTED, STOP_CLOCK),
    R(ISSUED, WITHDRAW, WITHDRAWN, CLOSE),
    R(ISSUED, REMIND, ISSUED, REMIND),
    R(ISSUED, DEADLINE, OVERDUE, MARK_OVERDUE),
    R(ISSUED, ESCALATE, ESCALATED, ESCALATE),

    R(DELIVERED, ACK, ACKNOWLEDGED, RECORD),
    R(DELIVERED, REVIEW, IN_REVIEW, RECORD),
    R(DELIVERED, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(DELIVERED, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(DELIVERED, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(DELIVERED, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(DELIVERED, DISPUTE, DISPUTED, STOP_CLOCK),
    R(DELIVERED, WITHDRAW, WITHDRAWN, CLOSE),
    R(DELIVERED, REMIND, DELIVERED, REMIND),
    R(DELIVERED, DEADLINE, OVERDUE, MARK_OVERDUE),
    R(DELIVERED, ESCALATE, ESCALATED, ESCALATE),

    R(ACKNOWLEDGED, REVIEW, IN_REVIEW, RECORD),
    R(ACKNOWLEDGED, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(ACKNOWLEDGED, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(ACKNOWLEDGED, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(ACKNOWLEDGED, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(ACKNOWLEDGED, DISPUTE, DISPUTED, STOP_CLOCK),
    R(ACKNOWLEDGED, WITHDRAW, WITHDRAWN, CLOSE),
    R(ACKNOWLEDGED, REMIND, ACKNOWLEDGED, REMIND),
    R(ACKNOWLEDGED, DEADLINE, OVERDUE, MARK_OVERDUE),
    R(ACKNOWLEDGED, ESCALATE, ESCALATED, ESCALATE),

    R(IN_REVIEW, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(IN_REVIEW, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(IN_REVIEW, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(IN_REVIEW, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(IN_REVIEW, DISPUTE, DISPUTED, STOP_CLOCK),
    R(IN_REVIEW, WITHDRAW, WITHDRAWN, CLOSE),
    R(IN_REVIEW, REMIND, IN_REVIEW, REMIND),
    R(IN_REVIEW, DEADLINE, OVERDUE, MARK_OVERDUE),
    R(IN_REVIEW, ESCALATE, ESCALATED, ESCALATE),

    R(ACTIONED, WITHDRAW, WITHDRAWN, CLOSE),
    R(ACTIONED, VERIFY_CONFIRMED, VERIFIED, RECORD),
    R(ACTIONED, VERIFY_STILL_REACHABLE, IN_REVIEW, REOPEN),
    R(ACTIONED, RECURRENCE, RECURRED, REOPEN),
    R(ACTIONED, CLOSE, CLOSED, CLOSE),

    R(PARTIAL, MAINTAIN, IN_REVIEW, REOPEN),
    R(PARTIAL, WITHDRAW, WITHDRAWN, CLOSE),
    R(PARTIAL, VERIFY_CONFIRMED, VERIFIED, RECORD),
    R(PARTIAL, VERIFY_STILL_REACHABLE, IN_REVIEW, REOPEN),
    R(PARTIAL, RECURRENCE, RECURRED, REOPEN),
    R(PARTIAL, CLOSE, CLOSED, CLOSE),

    R(CANNOT_COMPLY, MAINTAIN, IN_REVIEW, REOPEN),
    R(CANNOT_COMPLY, APPEAL, APPEALED, RECORD),
    R(CANNOT_COMPLY, WITHDRAW, WITHDRAWN, CLOSE),
    R(CANNOT_COMPLY, VERIFY_CONFIRMED, VERIFIED, RECORD),
    R(CANNOT_COMPLY, CLOSE, CLOSED, CLOSE),

    R(DISPUTED, MAINTAIN, IN_REVIEW, REOPEN),
    R(DISPUTED, APPEAL, APPEALED, RECORD),
    R(DISPUTED, WITHDRAW, WITHDRAWN, CLOSE),
    R(DISPUTED, VERIFY_CONFIRMED, VERIFIED, RECORD),
    R(DISPUTED, CLOSE, CLOSED, CLOSE),

    R(VERIFIED, RECURRENCE, RECURRED, REOPEN),
    R(VERIFIED, CLOSE, CLOSED, CLOSE),

    R(CLOSED, RECURRENCE, RECURRED, REOPEN),

    R(OVERDUE, RECEIPT, OVERDUE, RECORD_LATE),
    R(OVERDUE, ACK, OVERDUE, RECORD_LATE),
    R(OVERDUE, REVIEW, OVERDUE, RECORD_LATE),
    R(OVERDUE, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(OVERDUE, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(OVERDUE, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(OVERDUE, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(OVERDUE, DISPUTE, DISPUTED, STOP_CLOCK),
    R(OVERDUE, WITHDRAW, WITHDRAWN, CLOSE),
    R(OVERDUE, REMIND, OVERDUE, REMIND),
    R(OVERDUE, ESCALATE, ESCALATED, ESCALATE),

    R(ESCALATED, RECEIPT, ESCALATED, RECORD_LATE),
    R(ESCALATED, ACK, ESCALATED, RECORD_LATE),
    R(ESCALATED, REVIEW, ESCALATED, RECORD_LATE),
    R(ESCALATED, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(ESCALATED, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(ESCALATED, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(ESCALATED, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(ESCALATED, DISPUTE, DISPUTED, STOP_CLOCK),
    R(ESCALATED, WITHDRAW, WITHDRAWN, CLOSE),
    R(ESCALATED, REMIND, ESCALATED, REMIND),

    R(CLARIFICATION, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(CLARIFICATION, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(CLARIFICATION, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(CLARIFICATION, CLARIFY_ASK, CLARIFICATION, RECORD),
    R(CLARIFICATION, CLARIFY_ANSWER, IN_REVIEW, RESUME_CLOCK),
    R(CLARIFICATION, DISPUTE, DISPUTED, STOP_CLOCK),
    R(CLARIFICATION, WITHDRAW, WITHDRAWN, CLOSE),

    R(APPEALED, MAINTAIN, IN_REVIEW, REOPEN),
    R(APPEALED, WITHDRAW, WITHDRAWN, CLOSE),

    R(RECURRED, ACK, ACKNOWLEDGED, RECORD),
    R(RECURRED, REVIEW, IN_REVIEW, RECORD),
    R(RECURRED, OUT_REMOVED, ACTIONED, STOP_CLOCK),
    R(RECURRED, OUT_BLOCKED, PARTIAL, STOP_CLOCK),
    R(RECURRED, OUT_CANNOT_COMPLY, CANNOT_COMPLY, STOP_CLOCK),
    R(RECURRED, CLARIFY_ASK, CLARIFICATION, PAUSE_CLOCK),
    R(RECURRED, DISPUTE, DISPUTED, STOP_CLOCK),
    R(RECURRED, WITHDRAW, WITHDRAWN, CLOSE),
    R(RECURRED, REMIND, RECURRED, REMIND),
    R(RECURRED, DEADLINE, OVERDUE, MARK_OVERDUE),
    R(RECURRED, ESCALATE, ESCALATED, ESCALATE),
};

#define HF_SM_NROWS (sizeof(sm_rows) / sizeof(sm_rows[0]))

const hf_order_sm_row *hf_order_sm_table(size_t *n)
{
	*n = HF_SM_NROWS;
	return sm_rows;
}

hf_err hf_order_sm_lookup(uint32_t state, uint32_t ev, uint32_t *next, uint32_t *action)
{
	/* ~110 rows, looked up once per message: a scan beats an index in clarity. */
	for (size_t i = 0; i < HF_SM_NROWS; i++) {
		if (sm_rows[i].state == state && sm_rows[i].event == ev) {
			if (next != NULL)
				*next = sm_rows[i].next;
			if (action != NULL)
				*action = sm_rows[i].action;
			return HF_OK;
		}
	}
	return HF_ESTATE;
}

hf_err hf_order_sm_apply(uint32_t *state, uint32_t ev, uint32_t *action)
{
	uint32_t next;
	HF_TRY(hf_order_sm_lookup(*state, ev, &next, action));
	*state = next;
	return HF_OK;
}

bool hf_order_state_open(uint32_t state)
{
	switch (state) {
	case HF_OST_ISSUED:
	case HF_OST_DELIVERED:
	case HF_OST_ACKNOWLEDGED:
	case HF_OST_IN_REVIEW:
	case HF_OST_RECURRED:
		return true;
	default:
		return false;
	}
}

uint32_t hf_order_ev_of_outcome(uint32_t code)
{
	switch (code) {
	case HF_OUT_REMOVED:
	case HF_OUT_NOT_FOUND:
	case HF_OUT_ALREADY_REMOVED:
		return HF_OEV_OUT_REMOVED;
	case HF_OUT_BLOCKED_GEO:
	case HF_OUT_BLOCKED_ACCESS:
		return HF_OEV_OUT_BLOCKED;
	case HF_OUT_CANNOT_COMPLY:
		return HF_OEV_OUT_CANNOT_COMPLY;
	case HF_OUT_NEEDS_CLARIFICATION:
		return HF_OEV_CLARIFY_ASK;
	default:
		return 0;
	}
}

/* Per event: name, originating party, and whether ORDER_EVENT may carry it. */
static const struct {
	const char *name;
	uint8_t party;
	bool message;
} hfi_ev_info[HF_OEV_MAX + 1] = {
    [HF_OEV_RECEIPT] = {"RECEIPT", HF_OPARTY_PLATFORM, false},
    [HF_OEV_ACK] = {"ACK", HF_OPARTY_PLATFORM, true},
    [HF_OEV_REVIEW] = {"REVIEW", HF_OPARTY_PLATFORM, true},
    [HF_OEV_OUT_REMOVED] = {"OUT_REMOVED", HF_OPARTY_PLATFORM, false},
    [HF_OEV_OUT_BLOCKED] = {"OUT_BLOCKED", HF_OPARTY_PLATFORM, false},
    [HF_OEV_OUT_CANNOT_COMPLY] = {"OUT_CANNOT_COMPLY", HF_OPARTY_PLATFORM, false},
    [HF_OEV_CLARIFY_ASK] = {"CLARIFY_ASK", HF_OPARTY_PLATFORM, true},
    [HF_OEV_CLARIFY_ANSWER] = {"CLARIFY_ANSWER", HF_OPARTY_AUTHORITY, true},
    [HF_OEV_DISPUTE] = {"DISPUTE", HF_OPARTY_PLATFORM, true},
    [HF_OEV_MAINTAIN] = {"MAINTAIN", HF_OPARTY_AUTHORITY, true},
    [HF_OEV_APPEAL] = {"APPEAL", HF_OPARTY_PLATFORM, true},
    [HF_OEV_WITHDRAW] = {"WITHDRAW", HF_OPARTY_AUTHORITY, true},
    [HF_OEV_VERIFY_CONFIRMED] = {"VERIFY_CONFIRMED", HF_OPARTY_AUTHORITY, true},
    [HF_OEV_VERIFY_STILL_REACHABLE] = {"VERIFY_STILL_REACHABLE", HF_OPARTY_AUTHORITY, true},
    [HF_OEV_RECURRENCE] = {"RECURRENCE", HF_OPARTY_EITHER, true},
    [HF_OEV_REMIND] = {"REMIND", HF_OPARTY_AUTHORITY, true},
    [HF_OEV_DEADLINE] = {"DEADLINE", HF_OPARTY_LOCAL, false},
    [HF_OEV_ESCALATE] = {"ESCALATE", HF_OPARTY_LOCAL, false},
    [HF_OEV_CLOSE] = {"CLOSE", HF_OPARTY_AUTHORITY, true},
};

bool hf_order_ev_is_message(uint32_t ev)
{
	return ev >= HF_OEV_MIN && ev <= HF_OEV_MAX && hfi_ev_info[ev].message;
}

uint32_t hf_order_ev_party(uint32_t ev)
{
	return (ev >= HF_OEV_MIN && ev <= HF_OEV_MAX) ? hfi_ev_info[ev].party : 0;
}

const char *hf_order_ev_name(uint32_t ev)
{
	return (ev >= HF_OEV_MIN && ev <= HF_OEV_MAX) ? hfi_ev_info[ev].name : NULL;
}

const char *hf_order_state_name(uint32_t state)
{
	static const char *const names[HF_OST_MAX + 1] = {
	    NULL,        "ISSUED",        "DELIVERED", "ACKNOWLEDGED", "IN_REVIEW", "ACTIONED",
	    "PARTIAL",   "CANNOT_COMPLY", "DISPUTED",  "VERIFIED",     "CLOSED",    "OVERDUE",
	    "ESCALATED", "CLARIFICATION", "WITHDRAWN", "APPEALED",     "RECURRED",
	};
	return state <= HF_OST_MAX ? names[state] : NULL;
}

const char *hf_order_action_name(uint32_t action)
{
	static const char *const names[] = {
	    NULL,     "RECORD", "RECORD_LATE",  "STOP_CLOCK", "PAUSE_CLOCK", "RESUME_CLOCK",
	    "REOPEN", "REMIND", "MARK_OVERDUE", "ESCALATE",   "CLOSE",
	};
	return action < sizeof(names) / sizeof(names[0]) ? names[action] : NULL;
}

hf_err hf_order_deadline(uint64_t deadline_ms, const hf_clock_pause *pauses, size_t n,
                         uint64_t now_ms, hf_deadline_info *out)
{
	uint64_t eff = deadline_ms, total = 0, prev_end = 0;
	bool paused = false;
	if (n > 0 && pauses == NULL)
		return HF_EINVAL;
	for (size_t i = 0; i < n; i++) {
		uint64_t start = pauses[i].paused_ms, end = pauses[i].resumed_ms;
		bool open = end == 0;
		/* spec §13.6: history is chronological, non-overlapping, not in the future. */
		if (start < prev_end || start > now_ms || (open && i + 1 != n) ||
		    (!open && end < start))
			return HF_EINVAL;
		if (open)
			end = now_ms;
		prev_end = end;
		/* A pause that begins once the (extended) deadline has passed does not count. */
		if (start >= eff)
			continue;
		if (end - start > UINT64_MAX - eff)
			return HF_EINVAL;
		eff += end - start;
		total += end - start;
		if (open)
			paused = true;
	}
	out->effective_ms = eff;
	out->paused_ms = total;
	out->paused = paused;
	if (eff >= now_ms)
		out->left_ms =
		    eff - now_ms > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(eff - now_ms);
	else
		out->left_ms =
		    now_ms - eff > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(now_ms - eff);
	out->overdue = out->left_ms < 0 && !paused;
	return HF_OK;
}
