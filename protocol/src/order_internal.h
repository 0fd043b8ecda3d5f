#ifndef HASHFED_ORDER_INTERNAL_H
#define HASHFED_ORDER_INTERNAL_H

/* Shared by the order message codecs (order_msg.c, order_events.c). */
#include "hashfed/order.h"
#include "mp.h"
#include "schema.h"

/* Text rule shared by encode and decode: at most max bytes of strict UTF-8;
 * required text must be non-empty (HF_ERANGE), absent optional text has
 * len 0. */
hf_err hfi_order_text_check(const char *p, size_t n, size_t max, bool required) HF_MUST_CHECK;
/* Item index lists (events) and result lists (outcomes) are strictly
 * ascending: equal neighbours HF_EDUPLICATE, descending HF_ENONCANON. */
hf_err hfi_order_ascending(uint32_t prev, uint32_t cur, bool first) HF_MUST_CHECK;
bool hfi_order_category_ok(uint64_t c);

/* Encoder without its checks: production code calls it only after the
 * check (hf_order_msg_encode); tests use it to build bodies that break one
 * rule, to prove that the decoder rejects them. m->type must be valid. */
void hfi_order_msg_encode_unchecked(hfi_mp_enc *e, const hf_order_msg *m);

/* The rules each decoder applies after reading (order_events.c); the encoder
 * runs the same check first. */
hf_err hfi_outcome_check(const hf_outcome *o) HF_MUST_CHECK;
hf_err hfi_event_check(const hf_order_event *v) HF_MUST_CHECK;
hf_err hfi_escalation_check(const hf_escalation *x) HF_MUST_CHECK;
hf_err hfi_referral_check(const hf_referral *r) HF_MUST_CHECK;

#endif
