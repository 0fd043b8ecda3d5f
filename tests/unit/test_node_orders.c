/* node/store/store_orders.c (orders, items with pauses, history dedupe, timers, escalations,
 * referrals) and the in-memory part of node/orders/orders.c (apply through the shared state
 * machine, all-or-nothing, pause/resume/reopen bookkeeping, timer scheduling). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_test.h"
#include "core/log.h"
#include "orders/orders.h"
#include "store/store_orders.h"

static const uint8_t AU[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t PL[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
#define H 3600000ull

typedef struct fx {
	char path[256];
	hfn_node n;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/hf_test_orders_%d.db", (int)getpid());
	unlink(f->path);
	if (hfn_store_open(f->path, &f->n.store) != HF_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char p[300];
	hfn_store_close(f->n.store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* An issued order with n items, deadline 1 h after issue, issued `ago` ms before now. */
static void add_order(fx *f, uint8_t tag, uint32_t n, uint64_t ago, uint32_t side)
{
	hfn_store_order o;
	uint64_t now = hfn_now_ms();
	memset(&o, 0, sizeof(o));
	memset(o.id.b, tag, sizeof o.id.b);
	o.side = side;
	memcpy(o.authority, AU, 16);
	memcpy(o.platform, PL, 16);
	o.issued_ms = now - ago;
	o.deadline_ms = o.issued_ms + H;
	o.category = HF_CAT_DEEPFAKE_SEXUAL;
	o.n_items = n;
	o.body = (uint8_t *)"body";
	o.body_len = 4;
	assert_int_equal(hfn_store_order_add(f->n.store, &o), HF_OK);
	for (uint32_t i = 0; i < n; i++) {
		hfn_store_item it;
		memset(&it, 0, sizeof(it));
		it.idx = i;
		it.state = HF_OST_DELIVERED;
		it.deadline_ms = o.deadline_ms;
		assert_int_equal(hfn_store_item_put(f->n.store, &o.id, &it), HF_OK);
	}
}

static void test_store_rows(void **state)
{
	fx *f = *state;
	hfn_store_order o;
	hfn_store_item it[4];
	size_t n;
	hf_order_id id;
	memset(id.b, 7, sizeof id.b);
	add_order(f, 7, 2, 0, HFN_STORE_ORDER_ISSUER);
	/* Same id again: refused, not replaced. */
	memset(&o, 0, sizeof(o));
	o.id = id;
	assert_int_equal(hfn_store_order_add(f->n.store, &o), HF_EEXIST);
	assert_int_equal(hfn_store_order_get(f->n.store, &id, true, &o), HF_OK);
	assert_int_equal(o.n_items, 2);
	assert_int_equal(o.body_len, 4);
	assert_memory_equal(o.body, "body", 4);
	assert_memory_equal(o.platform, PL, 16);
	free(o.body);
	hf_order_id none = {{0}};
	assert_int_equal(hfn_store_order_get(f->n.store, &none, false, &o), HF_ENOTFOUND);
	/* Pauses round-trip, an open one (resumed 0) included. */
	assert_int_equal(hfn_store_items_get(f->n.store, &id, it, 4, &n), HF_OK);
	assert_int_equal(n, 2);
	it[1].n_pauses = 2;
	it[1].pauses[0] = (hf_clock_pause){100, 200};
	it[1].pauses[1] = (hf_clock_pause){300, 0};
	it[1].state = HF_OST_CLARIFICATION;
	assert_int_equal(hfn_store_item_put(f->n.store, &id, &it[1]), HF_OK);
	memset(it, 0, sizeof(it));
	assert_int_equal(hfn_store_items_get(f->n.store, &id, it, 4, &n), HF_OK);
	assert_int_equal(it[1].state, HF_OST_CLARIFICATION);
	assert_int_equal(it[1].n_pauses, 2);
	assert_int_equal(it[1].pauses[0].resumed_ms, 200);
	assert_int_equal(it[1].pauses[1].paused_ms, 300);
	assert_int_equal(it[1].pauses[1].resumed_ms, 0);
	assert_int_equal(it[0].n_pauses, 0);
	/* Too many pauses cannot be stored. */
	it[0].n_pauses = HFN_STORE_MAX_PAUSES + 1;
	assert_int_not_equal(hfn_store_item_put(f->n.store, &id, &it[0]), HF_OK);
}

static hf_err count_cb(void *ctx, const hfn_store_order *o)
{
	(void)o;
	(*(int *)ctx)++;
	return HF_OK;
}

static hf_err first_cb(void *ctx, const hfn_store_order *o)
{
	hf_order_id *dst = ctx;
	if (dst->b[0] == 0)
		*dst = o->id;
	return HF_OK;
}

static void test_history_timers_lists(void **state)
{
	fx *f = *state;
	hf_order_id a, b, first = {{0}};
	hf_msg_id msg;
	bool dup = true;
	int k = 0;
	memset(a.b, 1, sizeof a.b);
	memset(b.b, 2, sizeof b.b);
	memset(msg.b, 5, sizeof msg.b);
	add_order(f, 1, 1, 0, HFN_STORE_ORDER_ISSUER);
	add_order(f, 2, 1, 10 * 60000, HFN_STORE_ORDER_TARGET); /* earlier deadline */
	/* History: the same message id twice is one row. */
	assert_int_equal(hfn_store_order_msg_add(f->n.store, &a, &msg, HF_MSG_RECEIPT, 1, PL, 5,
	                                         (const uint8_t *)"env", 3, "{}", &dup),
	                 HF_OK);
	assert_false(dup);
	assert_int_equal(hfn_store_order_msg_add(f->n.store, &a, &msg, HF_MSG_RECEIPT, 1, PL, 6,
	                                         (const uint8_t *)"env", 3, "{}", &dup),
	                 HF_OK);
	assert_true(dup);
	/* The same (public) id from another member is that member's message, not a
	 * replay: it can neither shadow nor be shadowed (schema 5). */
	const uint8_t other[16] = {0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77,
	                           0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77};
	assert_int_equal(hfn_store_order_msg_add(f->n.store, &a, &msg, HF_MSG_RECEIPT, 1, other, 7,
	                                         (const uint8_t *)"env", 3, "{}", &dup),
	                 HF_OK);
	assert_false(dup);
	/* Timers: 0 = none; due when <= now. */
	hfn_store_order o;
	assert_int_equal(hfn_store_order_get(f->n.store, &a, false, &o), HF_OK);
	assert_int_equal(hfn_store_orders_due(f->n.store, hfn_now_ms(), 10, count_cb, &k), HF_OK);
	assert_int_equal(k, 0);
	o.next_check_ms = 1000;
	assert_int_equal(hfn_store_order_update(f->n.store, &o), HF_OK);
	assert_int_equal(hfn_store_orders_due(f->n.store, 999, 10, count_cb, &k), HF_OK);
	assert_int_equal(k, 0);
	assert_int_equal(hfn_store_orders_due(f->n.store, 1000, 10, count_cb, &k), HF_OK);
	assert_int_equal(k, 1);
	/* Inbox-style list: open orders by deadline; side filter. */
	assert_int_equal(hfn_store_orders_list(f->n.store, 0, true, 10, first_cb, &first), HF_OK);
	assert_true(hf_order_id_eq(&first, &b));
	k = 0;
	assert_int_equal(
	    hfn_store_orders_list(f->n.store, HFN_STORE_ORDER_TARGET, false, 10, count_cb, &k),
	    HF_OK);
	assert_int_equal(k, 1);
	/* An order whose items are all answered is not open. */
	hfn_store_item it = {.idx = 0, .state = HF_OST_ACTIONED, .deadline_ms = 1};
	assert_int_equal(hfn_store_item_put(f->n.store, &b, &it), HF_OK);
	k = 0;
	assert_int_equal(
	    hfn_store_orders_list(f->n.store, HFN_STORE_ORDER_TARGET, true, 10, count_cb, &k),
	    HF_OK);
	assert_int_equal(k, 0);
	/* Referrals. */
	hfn_store_referral r, r2;
	memset(&r, 0, sizeof(r));
	memset(r.id.b, 3, sizeof r.id.b);
	r.mine = true;
	r.status = HF_REFST_ACCEPTED;
	r.n_orders = 2;
	memset(r.orders[1].b, 4, sizeof r.orders[1].b);
	assert_int_equal(hfn_store_referral_put(f->n.store, &r), HF_OK);
	assert_int_equal(hfn_store_referral_get(f->n.store, &r.id, &r2), HF_OK);
	assert_true(r2.mine);
	assert_int_equal(r2.n_orders, 2);
	assert_int_equal(r2.status, HF_REFST_ACCEPTED);
	assert_true(hf_order_id_eq(&r2.orders[1], &r.orders[1]));
	assert_int_equal(hfn_store_referral_get(f->n.store, &a, &r2), HF_ENOTFOUND);
}

static void test_apply(void **state)
{
	fx *f = *state;
	hfn_ord w;
	hf_order_id id;
	uint32_t one = 1, two[2] = {0, 1};
	memset(id.b, 4, sizeof id.b);
	add_order(f, 4, 2, 0, HFN_STORE_ORDER_ISSUER);
	assert_int_equal(hfn_ord_load(&f->n, &id, false, &w), HF_OK);
	/* Invalid for a listed item: HF_ESTATE, nothing changed for that item. */
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_APPEAL, &one, 1, 0, NULL), HF_ESTATE);
	assert_int_equal(w.items[1].state, HF_OST_DELIVERED);
	/* Out-of-range item. */
	uint32_t bad = 5;
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_ACK, &bad, 1, 0, NULL), HF_ERANGE);
	/* Clarification pauses; the answer resumes. */
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_CLARIFY_ASK, &one, 1, 0, NULL), HF_OK);
	assert_int_equal(w.items[1].state, HF_OST_CLARIFICATION);
	assert_int_equal(w.items[1].n_pauses, 1);
	assert_int_equal(w.items[1].pauses[0].resumed_ms, 0);
	/* A paused item has no timer; the other one does (reminder before its deadline). */
	hfn_ord_schedule(&f->n, &w);
	assert_true(w.o.next_check_ms > 0 && w.o.next_check_ms < w.o.deadline_ms);
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_CLARIFY_ANSWER, &one, 1, 0, NULL), HF_OK);
	assert_int_equal(w.items[1].state, HF_OST_IN_REVIEW);
	assert_true(w.items[1].pauses[0].resumed_ms >= w.items[1].pauses[0].paused_ms);
	/* Whole-order events apply to every item that accepts them; none accepting: HF_ESTATE. */
	hf_item_outcome out = {.item = 0, .code = HF_OUT_REMOVED, .action_ms = 42};
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_OUT_REMOVED, &out.item, 1, 0, &out),
	                 HF_OK);
	assert_int_equal(w.items[0].outcome, HF_OUT_REMOVED);
	assert_int_equal(w.items[0].action_ms, 42);
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_VERIFY_CONFIRMED, NULL, 0, 0, NULL),
	                 HF_OK);
	assert_int_equal(w.items[0].state, HF_OST_VERIFIED);
	assert_int_equal(w.items[1].state, HF_OST_IN_REVIEW); /* did not accept it */
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_APPEAL, NULL, 0, 0, NULL), HF_ESTATE);
	/* Recurrence reopens with the new deadline and clears the answer. */
	w.o.reminded = 1;
	assert_int_equal(hfn_ord_apply(&f->n, &w, HF_OEV_RECURRENCE, two, 1, 123456789, NULL),
	                 HF_OK);
	assert_int_equal(w.items[0].state, HF_OST_RECURRED);
	assert_int_equal(w.items[0].deadline_ms, 123456789);
	assert_int_equal(w.items[0].outcome, 0);
	assert_int_equal(w.o.reminded, 0);
	/* Saved and read back. */
	assert_int_equal(hfn_ord_save(&f->n, &w), HF_OK);
	hfn_ord_free(&w);
	assert_int_equal(hfn_ord_load(&f->n, &id, false, &w), HF_OK);
	assert_int_equal(w.items[0].state, HF_OST_RECURRED);
	assert_int_equal(w.items[1].n_pauses, 1);
	hfn_ord_free(&w);
	/* The platform side keeps no timers. */
	memset(id.b, 6, sizeof id.b);
	add_order(f, 6, 1, 0, HFN_STORE_ORDER_TARGET);
	assert_int_equal(hfn_ord_load(&f->n, &id, false, &w), HF_OK);
	hfn_ord_schedule(&f->n, &w);
	assert_int_equal(w.o.next_check_ms, 0);
	hfn_ord_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_store_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_timers_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
