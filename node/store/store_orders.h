#ifndef HFN_STORE_ORDERS_H
#define HFN_STORE_ORDERS_H

/*
 * The orders part of the store (issue 6): tables of orders, their items, the
 * signed history of every order message, escalations received (auditor) and
 * referrals. Like store.c this is the store module: the only other file that
 * speaks SQL. Same rules: one connection per thread, callers bracket changes
 * with hfn_store_begin / hfn_store_commit.
 *
 * Statements come from the store's one statement cache (store_internal.h: prepared on
 * first use, kept per connection, finalized by hfn_store_close).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/order.h"
#include "hashfed/order_sm.h"
#include "store/store.h"

#define HFN_STORE_ORDER_ISSUER 1  /* we issued it (authority side) */
#define HFN_STORE_ORDER_TARGET 2  /* it was sent to us (platform side) */
#define HFN_STORE_MAX_PAUSES   16 /* clarification pauses kept per item */

typedef struct hfn_store_order {
	hf_order_id id;
	uint32_t side;
	uint8_t authority[HFN_MEMBER_LEN], platform[HFN_MEMBER_LEN];
	hf_msg_id msg_id;
	uint8_t hash[32];
	uint64_t issued_ms, deadline_ms;
	uint32_t category, priority, n_items;
	uint64_t received_ms;   /* target: when committed; issuer: when sealed */
	uint64_t receipt_ms;    /* issuer: when the receipt arrived (0: not yet) */
	uint64_t next_check_ms; /* issuer's persisted timer; 0 = none */
	uint32_t reminded;      /* reminder sent for the current deadline */
	uint8_t pseudonym[16];
	uint8_t *body; /* encoded order body (malloc'ed by get; may be NULL for put-update) */
	size_t body_len;
} hfn_store_order;

typedef struct hfn_store_item {
	uint32_t idx, state;
	uint64_t deadline_ms; /* the item's current deadline (changes when reopened) */
	uint32_t outcome;     /* last outcome code, 0 none */
	uint64_t action_ms;
	uint32_t n_pauses;
	hf_clock_pause pauses[HFN_STORE_MAX_PAUSES];
} hfn_store_item;

/* Inserts an order (HF_EEXIST if the id is known). */
hf_err hfn_store_order_add(hfn_store *s, const hfn_store_order *o) HF_MUST_CHECK;
/* HF_ENOTFOUND if absent. with_body: also fetch body (free(o->body)). */
hf_err hfn_store_order_get(hfn_store *s, const hf_order_id *id, bool with_body,
                           hfn_store_order *o) HF_MUST_CHECK;
/* Updates receipt_ms, next_check_ms, reminded. */
hf_err hfn_store_order_update(hfn_store *s, const hfn_store_order *o) HF_MUST_CHECK;
typedef hf_err (*hfn_store_order_cb)(void *ctx, const hfn_store_order *o);
/* Orders of a side (0 = both), newest first; open_only: with an open, paused or overdue
 * item, sorted by deadline. At most limit. */
hf_err hfn_store_orders_list(hfn_store *s, uint32_t side, bool open_only, size_t limit,
                             hfn_store_order_cb cb, void *ctx) HF_MUST_CHECK;
/* Issuer orders whose timer is due (0 < next_check_ms <= now), at most limit. */
hf_err hfn_store_orders_due(hfn_store *s, uint64_t now_ms, size_t limit, hfn_store_order_cb cb,
                            void *ctx) HF_MUST_CHECK;

/* Items 0..max-1 of an order into items; *n = how many. */
hf_err hfn_store_items_get(hfn_store *s, const hf_order_id *id, hfn_store_item *items, size_t max,
                           size_t *n) HF_MUST_CHECK;
/* Insert or replace one item. */
hf_err hfn_store_item_put(hfn_store *s, const hf_order_id *id,
                          const hfn_store_item *it) HF_MUST_CHECK;

/* History: one signed envelope of an order (dir 0 sent, 1 received). *dup if msg_id was
 * recorded before (nothing written). */
hf_err hfn_store_order_msg_add(hfn_store *s, const hf_order_id *order_id, const hf_msg_id *msg_id,
                               uint32_t type, int dir, const uint8_t peer[HFN_MEMBER_LEN],
                               uint64_t at_ms, const uint8_t *env, size_t len, const char *summary,
                               bool *dup) HF_MUST_CHECK;
typedef hf_err (*hfn_store_order_msg_cb)(void *ctx, const hf_msg_id *msg_id, uint32_t type, int dir,
                                         const uint8_t peer[HFN_MEMBER_LEN], uint64_t at_ms,
                                         const uint8_t *env, size_t len, const char *summary);
hf_err hfn_store_order_msgs(hfn_store *s, const hf_order_id *order_id, hfn_store_order_msg_cb cb,
                            void *ctx) HF_MUST_CHECK;

/* Auditor: escalation notices (metadata only). Same order again replaces the row. */
typedef struct hfn_store_escalation {
	hf_order_id order_id;
	uint8_t authority[16], platform[16];
	uint32_t category, n_items, n_overdue;
	uint64_t deadline_ms, escalated_ms, received_ms;
} hfn_store_escalation;
hf_err hfn_store_escalation_put(hfn_store *s, const hfn_store_escalation *e) HF_MUST_CHECK;
typedef hf_err (*hfn_store_escalation_cb)(void *ctx, const hfn_store_escalation *e);
hf_err hfn_store_escalations(hfn_store *s, hfn_store_escalation_cb cb, void *ctx) HF_MUST_CHECK;

/* Referrals (mine: we referred it). orders: the first n_orders are set. */
typedef struct hfn_store_referral {
	hf_order_id id;
	uint8_t from[16], to[16], pseudonym[16];
	bool mine;
	uint32_t category, status, n_orders;
	uint64_t sent_ms, updated_ms;
	hf_order_id orders[HF_REFERRAL_MAX_ORDERS];
} hfn_store_referral;
hf_err hfn_store_referral_put(hfn_store *s, const hfn_store_referral *r) HF_MUST_CHECK;
hf_err hfn_store_referral_get(hfn_store *s, const hf_order_id *id,
                              hfn_store_referral *r) HF_MUST_CHECK;
typedef hf_err (*hfn_store_referral_cb)(void *ctx, const hfn_store_referral *r);
hf_err hfn_store_referrals(hfn_store *s, hfn_store_referral_cb cb, void *ctx) HF_MUST_CHECK;

#endif
