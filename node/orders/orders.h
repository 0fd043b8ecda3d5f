#ifndef HFN_ORDERS_H
#define HFN_ORDERS_H

/*
 * The orders engine (issue 6, spec §13): takedown orders between an issuing
 * authority and a target platform, their receipts, outcomes and events,
 * deadline timers with reminders and escalation to the auditors, referrals
 * between authorities.
 *
 * Both sides keep every item's state and move it only through the shared
 * table of hashfed/order_sm.h; an invalid transition is logged
 * ("order_invalid_transition" with the code HF_ESTATE) and nothing of that
 * message or request is applied. Every change is one store transaction that
 * also queues the messages it causes (the receipt is queued in the very
 * transaction that commits the order). Main thread only (uses n->store).
 */
#include <stddef.h>
#include <stdint.h>

#include "hashfed/order.h"
#include "hashfed/order_sm.h"
#include "core/node.h"
#include "inbox/msg.h"
#include "store/store_orders.h"

/* Starts the deadline timer (persisted in the store: recomputed from it at start) and reads
 * the test clock offset. Errors: HF_ENOMEM, HF_ECONFIG (bad HF_TEST_CLOCK_OFFSET_MS). */
hf_err hfn_orders_start(hfn_node *n) HF_MUST_CHECK;
/* NULL-safe; cancels the timer. */
void hfn_orders_stop(hfn_node *n);
/* The orders clock: hfn_now_ms, which includes $HF_TEST_CLOCK_OFFSET_MS when [orders]
 * test_clock = true (the whole node moves, so every node of a test must share the offset). */
uint64_t hfn_orders_now(const hfn_node *n);

/* Inbox handlers (inbox/msg.h), inside the inbox transaction: an order arrives (platform;
 * the receipt goes out in the same transaction), a receipt, outcome or event about an
 * order we hold, an escalation (auditor), a referral. */
hfn_in_handler_fn hfn_orders_on_order HF_MUST_CHECK;
hfn_in_handler_fn hfn_orders_on_about HF_MUST_CHECK;
hfn_in_handler_fn hfn_orders_on_escalation HF_MUST_CHECK;
hfn_in_handler_fn hfn_orders_on_referral HF_MUST_CHECK;

/* A new order as asked by the API. Items are views (copied into the encoded body). */
typedef struct hfn_orders_new {
	uint8_t platform[HF_MEMBER_ID_LEN];
	uint32_t category, priority;
	uint64_t deadline_in_ms; /* 0: the category's default */
	const char *legal_basis;
	const char *case_ref; /* authority's case number: only its keyed pseudonym leaves */
	const char *note;     /* may be NULL */
	hf_order_item *items;
	uint32_t n_items;
} hfn_orders_new;

/* Authority: creates, stores and seals an order to its platform (and to no one else).
 * Errors: HF_EROLE (we are not an authority, or the target is not a platform),
 * HF_EUNKNOWNMEMBER, HF_EINVAL, the codec's errors for bad fields, HF_EDB. */
hf_err hfn_orders_create(hfn_node *n, const hfn_orders_new *req, hf_order_id *id_out) HF_MUST_CHECK;
/* Bulk: count (1..HFN_ORDERS_BULK_MAX, else HF_EINVAL) orders in one transaction, all or
 * nothing (the first error is returned and none is stored). ids[i] gets order i's id. */
#define HFN_ORDERS_BULK_MAX       1000
#define HFN_ORDERS_BULK_MAX_ITEMS 10000 /* items of all orders of one bulk request */
hf_err hfn_orders_create_many(hfn_node *n, const hfn_orders_new *reqs, size_t count,
                              hf_order_id *ids) HF_MUST_CHECK;

/* Platform: outcomes for items of an order sent to us (all or nothing). Errors: HF_ENOTFOUND,
 * HF_EROLE (not the target), HF_ERANGE (item index), HF_ESTATE (invalid transition). */
hf_err hfn_orders_outcomes(hfn_node *n, const hf_order_id *id, const hf_item_outcome *res,
                           uint32_t n_res) HF_MUST_CHECK;

/* Either side: an ORDER_EVENT of kind (hf_order_ev) for items (n_items 0 = every item that
 * accepts it). Errors: HF_EROLE (kind not ours to send), HF_ESTATE, HF_ENOTFOUND, codec's. */
hf_err hfn_orders_event(hfn_node *n, const hf_order_id *id, uint32_t kind, const uint32_t *items,
                        uint32_t n_items, const char *text, const hf_msg_id *ref,
                        uint64_t new_deadline_ms) HF_MUST_CHECK;

/* Authority: refers a case (the orders' pseudonym) to another authority. */
hf_err hfn_orders_refer(hfn_node *n, const uint8_t to[HF_MEMBER_ID_LEN], const hf_order_id *orders,
                        uint32_t n_orders, const char *note, hf_order_id *id_out) HF_MUST_CHECK;
/* Authority: refers a case by its pseudonym (e.g. an intake case, node/intake/), with 0..64
 * of its orders (each must carry the same pseudonym). category: hf_order_category 1..7. */
hf_err hfn_orders_refer_case(hfn_node *n, const uint8_t to[HF_MEMBER_ID_LEN],
                             const uint8_t pseudonym[HF_CASE_PSEUDONYM_LEN], uint32_t category,
                             const hf_order_id *orders, uint32_t n_orders, const char *note,
                             hf_order_id *id_out) HF_MUST_CHECK;
/* Receiving authority: sends the status of a referral back to the referring one. */
hf_err hfn_orders_referral_status(hfn_node *n, const hf_order_id *id,
                                  uint32_t status) HF_MUST_CHECK;

/* Runs the due deadline timers now (the periodic timer calls this). */
hf_err hfn_orders_check_deadlines(hfn_node *n) HF_MUST_CHECK;

/* ---- internal to orders*.c ------------------------------------------------ */

/* An order loaded for change: row + items (malloc'ed). */
typedef struct hfn_ord {
	hfn_store_order o;
	hfn_store_item *items;
	size_t n;
} hfn_ord;

hf_err hfn_ord_load(hfn_node *n, const hf_order_id *id, bool body, hfn_ord *w) HF_MUST_CHECK;
void hfn_ord_free(hfn_ord *w);
/* w for order o as it is first stored on either side: the row (its hash and body from the
 * encoded body, which w->o.body points at, not copied), every item issued with the order's
 * deadline (w->items calloc'ed: HF_ENOMEM). The message id is left to the caller. */
hf_err hfn_ord_new(hfn_ord *w, const hf_order *o, uint32_t side, const uint8_t *body,
                   size_t body_len, uint64_t received_ms) HF_MUST_CHECK;
/* Writes items and order row back (inside the caller's transaction). */
hf_err hfn_ord_save(hfn_node *n, hfn_ord *w) HF_MUST_CHECK;
/* Applies ev in memory to the listed items (n_sel 0 = every item that accepts it, HF_ESTATE
 * if none). Strict for listed items: the first invalid one is logged and HF_ESTATE returned
 * (the caller then discards w). */
hf_err hfn_ord_apply(hfn_node *n, hfn_ord *w, uint32_t ev, const uint32_t *sel, uint32_t n_sel,
                     uint64_t new_deadline_ms, const hf_item_outcome *out) HF_MUST_CHECK;
/* Issuer: recomputes the persisted timer of w from its items. */
void hfn_ord_schedule(hfn_node *n, hfn_ord *w);
/* Encodes, seals to `to`, queues and records m in the order's history (order_id may be NULL:
 * not recorded). Inside the caller's transaction. */
hf_err hfn_orders_send(hfn_node *n, const hf_order_msg *m, const hf_order_id *order_id,
                       const uint8_t (*to)[HF_MEMBER_ID_LEN], size_t n_to) HF_MUST_CHECK;
/* The one writer of an order's history: records message m (dir 0 sent to peer, 1 received
 * from peer) with its JSON summary. *dup: this peer's msg_id is there already. */
hf_err hfn_orders_history_add(hfn_node *n, const hf_order_id *order_id, const hf_msg_id *msg_id,
                              const hf_order_msg *m, int dir, const uint8_t peer[HF_MEMBER_ID_LEN],
                              const uint8_t *env, size_t len, bool *dup) HF_MUST_CHECK;
/* JSON summary of a decoded message (metadata; locators only for ORDER). malloc'ed. */
char *hfn_orders_summary(const hf_order_msg *m);
void hfn_orders_log_hex(const char *event, const hf_order_id *id, hf_err code);

#endif
