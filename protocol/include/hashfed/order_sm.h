#ifndef HASHFED_ORDER_SM_H
#define HASHFED_ORDER_SM_H

/*
 * The order item state machine (spec §13.7): one transition table,
 * (state, event) -> (next state, action), shared by the authority's node and
 * the platform's node so both derive the same state from the same messages.
 * Every pair not in the table is invalid: hf_order_sm_apply returns HF_ESTATE
 * and leaves the state unchanged; the node logs it and applies nothing.
 *
 * Also here: the deadline arithmetic with a paused clock (clarification), as
 * a pure function of the pause history, so both sides and the auditor compute
 * the same time left from the same log.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"

/* States; numbers are stable (they appear in the audit status field). */
typedef enum hf_order_state {
	HF_OST_ISSUED = 1,
	HF_OST_DELIVERED = 2,
	HF_OST_ACKNOWLEDGED = 3,
	HF_OST_IN_REVIEW = 4,
	HF_OST_ACTIONED = 5,      /* removed, already removed, not found */
	HF_OST_PARTIAL = 6,       /* blocked (geo / access), not removed */
	HF_OST_CANNOT_COMPLY = 7, /* refused with reason */
	HF_OST_DISPUTED = 8,      /* platform contests the order */
	HF_OST_VERIFIED = 9,      /* authority confirmed it is gone */
	HF_OST_CLOSED = 10,
	HF_OST_OVERDUE = 11,
	HF_OST_ESCALATED = 12,
	HF_OST_CLARIFICATION = 13, /* clock paused */
	HF_OST_WITHDRAWN = 14,
	HF_OST_APPEALED = 15,
	HF_OST_RECURRED = 16, /* seen again after removal: reopened */
} hf_order_state;
#define HF_OST_MIN 1
#define HF_OST_MAX 16

/* Events; numbers are stable: an ORDER_EVENT message's `kind` is one of them. */
typedef enum hf_order_ev {
	HF_OEV_RECEIPT = 1,                 /* RECEIPT message arrived */
	HF_OEV_ACK = 2,                     /* platform: item seen by moderation */
	HF_OEV_REVIEW = 3,                  /* platform: review started */
	HF_OEV_OUT_REMOVED = 4,             /* OUTCOME removed / already removed / not found */
	HF_OEV_OUT_BLOCKED = 5,             /* OUTCOME blocked geo / access */
	HF_OEV_OUT_CANNOT_COMPLY = 6,       /* OUTCOME cannot comply */
	HF_OEV_CLARIFY_ASK = 7,             /* platform asks (event or OUTCOME needs clarif.) */
	HF_OEV_CLARIFY_ANSWER = 8,          /* authority answers */
	HF_OEV_DISPUTE = 9,                 /* platform contests, with grounds */
	HF_OEV_MAINTAIN = 10,               /* authority upholds the order: act again */
	HF_OEV_APPEAL = 11,                 /* platform appeals a refusal upheld / disputed */
	HF_OEV_WITHDRAW = 12,               /* authority withdraws */
	HF_OEV_VERIFY_CONFIRMED = 13,       /* authority checked: gone */
	HF_OEV_VERIFY_STILL_REACHABLE = 14, /* authority checked: still there (reopens) */
	HF_OEV_RECURRENCE = 15,             /* same content seen again (reopens) */
	HF_OEV_REMIND = 16,                 /* authority reminds before / after the deadline */
	HF_OEV_DEADLINE = 17,               /* local timer: deadline passed */
	HF_OEV_ESCALATE = 18,               /* local: escalation notice sent to the auditor */
	HF_OEV_CLOSE = 19,                  /* authority closes the item */
} hf_order_ev;
#define HF_OEV_MIN 1
#define HF_OEV_MAX 19

/* What the node does when a transition fires. */
typedef enum hf_order_action {
	HF_OACT_RECORD = 1,       /* record the step; the clock keeps running */
	HF_OACT_RECORD_LATE = 2,  /* record a step that came after the deadline */
	HF_OACT_STOP_CLOCK = 3,   /* item answered: time to answer is measured here */
	HF_OACT_PAUSE_CLOCK = 4,  /* clarification asked */
	HF_OACT_RESUME_CLOCK = 5, /* clarification answered */
	HF_OACT_REOPEN = 6,       /* platform must act again (new deadline if given) */
	HF_OACT_REMIND = 7,       /* send a reminder to the platform */
	HF_OACT_MARK_OVERDUE = 8, /* count as overdue */
	HF_OACT_ESCALATE = 9,     /* send the escalation notice to the auditor(s) */
	HF_OACT_CLOSE = 10,       /* final; cancel the item's timers */
} hf_order_action;

/* Which party may originate an event (the node checks the envelope sender). */
typedef enum hf_order_party {
	HF_OPARTY_AUTHORITY = 1,
	HF_OPARTY_PLATFORM = 2,
	HF_OPARTY_EITHER = 3,
	HF_OPARTY_LOCAL = 4, /* the issuing node's own timer */
} hf_order_party;

typedef struct hf_order_sm_row {
	uint8_t state;
	uint8_t event;
	uint8_t next;
	uint8_t action;
} hf_order_sm_row;

/* The table itself, rows sorted by (state, event); *n = number of rows. */
HF_API const hf_order_sm_row *hf_order_sm_table(size_t *n) HF_NONNULL(1);

/*
 * Looks up (state, ev). HF_OK with *next and *action (either may be NULL),
 * or HF_ESTATE if the pair is not in the table (including unknown numbers).
 */
HF_API hf_err hf_order_sm_lookup(uint32_t state, uint32_t ev, uint32_t *next,
                                 uint32_t *action) HF_MUST_CHECK;

/* Applies ev to *state: on HF_OK *state is the next state; on HF_ESTATE
 * *state is untouched. action may be NULL. */
HF_API hf_err hf_order_sm_apply(uint32_t *state, uint32_t ev, uint32_t *action) HF_MUST_CHECK
    HF_NONNULL(1);

/* Open: the deadline runs and an unanswered item can become overdue. */
HF_API bool hf_order_state_open(uint32_t state);
/* Event an item outcome code (hf_outcome_code) produces; 0 if unknown. */
HF_API uint32_t hf_order_ev_of_outcome(uint32_t outcome_code);
/* True for the events an ORDER_EVENT message may carry as its kind. */
HF_API bool hf_order_ev_is_message(uint32_t ev);
/* Who may originate ev (hf_order_party), 0 if unknown. */
HF_API uint32_t hf_order_ev_party(uint32_t ev);

/* Upper-case names as in the spec ("IN_REVIEW", "VERIFY_CONFIRMED"); NULL if unknown. */
HF_API const char *hf_order_state_name(uint32_t state);
HF_API const char *hf_order_ev_name(uint32_t ev);
HF_API const char *hf_order_action_name(uint32_t action);

/* One clarification pause: resumed_ms == 0 while still paused. */
typedef struct hf_clock_pause {
	uint64_t paused_ms;
	uint64_t resumed_ms;
} hf_clock_pause;

typedef struct hf_deadline_info {
	uint64_t effective_ms; /* deadline + counted pauses (open pause counted up to now) */
	uint64_t paused_ms;    /* total time counted as paused */
	int64_t left_ms;       /* effective - now; negative when overdue */
	bool paused;           /* a pause is open at now */
	bool overdue;          /* left_ms < 0 and not paused */
} hf_deadline_info;

/*
 * Effective deadline of an item (spec §13.6) given its deadline, its pauses in
 * chronological order and the current time. A pause counts only if it began
 * before the deadline as extended by the earlier pauses: asking a question
 * after the deadline does not revive an overdue item. Pure; no clock reads.
 * Errors: HF_EINVAL (pauses out of order or overlapping, resumed before
 * paused, an open pause that is not the last, a pause starting after now).
 */
HF_API hf_err hf_order_deadline(uint64_t deadline_ms, const hf_clock_pause *pauses, size_t n,
                                uint64_t now_ms, hf_deadline_info *out) HF_MUST_CHECK HF_NONNULL(5);

#endif
