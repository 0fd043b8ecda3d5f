#ifndef HASHFED_ORDER_INTERNAL_H
#define HASHFED_ORDER_INTERNAL_H

/* Shared by the order message codecs (order_msg.c, order_events.c). */
#include "hashfed/order.h"
#include "mp.h"

/* Text rule shared by encode and decode: at most max bytes of strict UTF-8;
 * required text must be non-empty (HF_ERANGE), absent optional text has
 * len 0. */
hf_err hfi_order_text_check(const char *p, size_t n, size_t max, bool required) HF_MUST_CHECK;
/* Decodes an optional text field: present-but-empty is HF_ENONCANON
 * (optional fields are omitted, spec §2.2). */
hf_err hfi_order_get_opt_text(hf_mp_dec *d, size_t max, const char **p, size_t *n) HF_MUST_CHECK;
/* Item index lists (events) and result lists (outcomes) are strictly
 * ascending: equal neighbours HF_EDUPLICATE, descending HF_ENONCANON. */
hf_err hfi_order_ascending(uint32_t prev, uint32_t cur, bool first) HF_MUST_CHECK;
bool hfi_order_category_ok(uint64_t c);

/* Encoders without their checks: production code calls them only after the
 * check (hf_order_msg_encode); tests use them to build bodies that break one
 * rule, to prove that the decoder rejects them. */
void hfi_order_encode(hf_mp_enc *e, const hf_order *o);
void hfi_receipt_encode(hf_mp_enc *e, const hf_receipt *r);

/* Per-message bodies (order_events.c). Each check applies the rules the
 * decoder applies after reading; each encoder runs the check first. */
hf_err hfi_outcome_check(const hf_outcome *o) HF_MUST_CHECK;
void hfi_outcome_encode(hf_mp_enc *e, const hf_outcome *o);
hf_err hfi_outcome_decode(hf_mp_dec *d, hf_outcome *o, void **owned) HF_MUST_CHECK;
hf_err hfi_event_check(const hf_order_event *v) HF_MUST_CHECK;
void hfi_event_encode(hf_mp_enc *e, const hf_order_event *v);
hf_err hfi_event_decode(hf_mp_dec *d, hf_order_event *v, void **owned) HF_MUST_CHECK;
hf_err hfi_escalation_check(const hf_escalation *x) HF_MUST_CHECK;
void hfi_escalation_encode(hf_mp_enc *e, const hf_escalation *x);
hf_err hfi_escalation_decode(hf_mp_dec *d, hf_escalation *x) HF_MUST_CHECK;
hf_err hfi_referral_check(const hf_referral *r) HF_MUST_CHECK;
void hfi_referral_encode(hf_mp_enc *e, const hf_referral *r);
hf_err hfi_referral_decode(hf_mp_dec *d, hf_referral *r) HF_MUST_CHECK;

#endif
