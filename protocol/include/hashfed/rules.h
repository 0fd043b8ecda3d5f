#ifndef HASHFED_RULES_H
#define HASHFED_RULES_H

/*
 * Receiver rules that relate a decoded body to its envelope (spec §5.3a, §13.4, §13.5):
 * checks a decoder cannot make alone because they need the header or the order.
 * Every receiver applies them before it stores a message; each refusal has its own code.
 */
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/envelope.h"
#include "hashfed/err.h"
#include "hashfed/list.h"
#include "hashfed/match_report.h"
#include "hashfed/order.h"

/*
 * The public audit header a conforming sender puts on a body (spec §5.3a): which optional
 * fields are present and their values, derived from the decoded body only. For a batch
 * after the first, the list's category is not in the body: *free_fields gets
 * HF_AUDIT_CATEGORY (present, value not checked here). The commitment is not filled.
 */
HF_API void hf_audit_of_batch(const hf_list_batch *b, hf_audit_header *a, uint32_t *free_fields)
    HF_NONNULL(1, 2, 3);
HF_API void hf_audit_of_snapshot(const hf_list_snapshot *s, hf_audit_header *a) HF_NONNULL(1, 2);
HF_API void hf_audit_of_report(const hf_match_report *r, hf_audit_header *a) HF_NONNULL(1, 2);
/* LIST_ACK: subject = list id, seq = number, nothing else (no item count: it names a head). */
HF_API void hf_audit_of_ack(const hf_list_ack *k, hf_audit_header *a) HF_NONNULL(1, 2);

/*
 * HF_OK iff got has exactly the optional fields of want and equal values, except the
 * values of the fields in free_fields (which must still be present). Else HF_EAUDITHDR.
 */
HF_API hf_err hf_audit_match(const hf_audit_header *got, const hf_audit_header *want,
                             uint32_t free_fields) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * Body-against-envelope rules of an order message (spec §13.4, §13.5), created_ms = the
 * envelope's `created`:
 *  - an event's new_deadline, when set, lies HF_ORDER_MIN_DEADLINE_MS ..
 *    HF_ORDER_MAX_DEADLINE_MS after the event's time [HF_EDEADLINE];
 *  - an outcome's action times are not after `created` [HF_EACTIONTIME].
 */
HF_API hf_err hf_order_msg_check_rules(const hf_order_msg *m, uint64_t created_ms) HF_MUST_CHECK
    HF_NONNULL(1);

/* An outcome's action times are not before the order was issued, less the clock skew
 * HF_MAX_CLOCK_SKEW_MS (spec §13.4) [HF_EACTIONTIME]. */
HF_API hf_err hf_outcome_check_issued(const hf_outcome *o, uint64_t issued_ms) HF_MUST_CHECK
    HF_NONNULL(1);

/* A relative deadline (now + d) is within the 1 h .. 90 d rule [HF_EDEADLINE]. */
HF_API hf_err hf_deadline_check(uint64_t d_ms) HF_MUST_CHECK;

#endif
