/* Store: orders, items, signed history, escalations, referrals (SQL; see store_orders.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_internal.h"
#include "store/store_orders.h"

enum {
	O_ADD,
	O_GET,
	O_UPDATE,
	O_LIST,
	O_LIST_OPEN,
	O_DUE,
	I_GET,
	I_PUT,
	M_ADD,
	M_LIST,
	E_PUT,
	E_LIST,
	R_PUT,
	R_GET,
	R_LIST,
	O__N
};

#define O_COLS                                                                                     \
	"id,side,authority,platform,msg_id,hash,issued_ms,deadline_ms,category,priority,n_items,"  \
	"received_ms,receipt_ms,next_check_ms,reminded,pseudonym"
/* Open, paused or overdue item states (hfn_order_sm.h numbers). */
#define OPEN_STATES "(1,2,3,4,11,12,13,16)"

static const char *const OSQL[O__N] = {
    [O_ADD] = "INSERT INTO orders(" O_COLS ",body) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
              "?13,?14,?15,?16,?17)",
    [O_GET] = "SELECT " O_COLS ",body FROM orders WHERE id=?1",
    [O_UPDATE] = "UPDATE orders SET receipt_ms=?2, next_check_ms=?3, reminded=?4 WHERE id=?1",
    [O_LIST] = "SELECT " O_COLS " FROM orders WHERE (?1=0 OR side=?1) ORDER BY issued_ms DESC,"
               " id DESC LIMIT ?2",
    [O_LIST_OPEN] = "SELECT " O_COLS " FROM orders o WHERE (?1=0 OR side=?1) AND EXISTS(SELECT 1"
                    " FROM order_items i WHERE i.order_id=o.id AND i.state IN " OPEN_STATES
                    ") ORDER BY deadline_ms, id LIMIT ?2",
    [O_DUE] = "SELECT " O_COLS " FROM orders WHERE next_check_ms>0 AND next_check_ms<=?1"
              " ORDER BY next_check_ms LIMIT ?2",
    [I_GET] = "SELECT idx,state,deadline_ms,outcome,action_ms,pauses FROM order_items WHERE"
              " order_id=?1 ORDER BY idx LIMIT ?2",
    [I_PUT] = "INSERT OR REPLACE INTO order_items VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [M_ADD] = "INSERT OR IGNORE INTO order_msgs(order_id,msg_id,type,dir,peer,at_ms,envelope,"
              "summary) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
    [M_LIST] = "SELECT msg_id,type,dir,peer,at_ms,envelope,summary FROM order_msgs WHERE"
               " order_id=?1 ORDER BY seq",
    [E_PUT] = "INSERT OR REPLACE INTO escalations VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [E_LIST] = "SELECT * FROM escalations ORDER BY escalated_ms, order_id",
    [R_PUT] = "INSERT OR REPLACE INTO referrals VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [R_GET] = "SELECT * FROM referrals WHERE id=?1",
    [R_LIST] = "SELECT * FROM referrals ORDER BY sent_ms DESC, id",
};

/* ---- orders ------------------------------------------------------------- */

hf_err hfn_store_order_add(hfn_store *s, const hfn_store_order *o)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[O_ADD]);
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, &o->id);
	sqlite3_bind_int64(st, 2, o->side);
	hfn_bind_blob(st, 3, o->authority, 16);
	hfn_bind_blob(st, 4, o->platform, 16);
	HFN_BIND_ID(st, 5, &o->msg_id);
	hfn_bind_blob(st, 6, o->hash, 32);
	hfn_bind_u64(st, 7, o->issued_ms);
	hfn_bind_u64(st, 8, o->deadline_ms);
	sqlite3_bind_int64(st, 9, o->category);
	sqlite3_bind_int64(st, 10, o->priority);
	sqlite3_bind_int64(st, 11, o->n_items);
	hfn_bind_u64(st, 12, o->received_ms);
	hfn_bind_u64(st, 13, o->receipt_ms);
	hfn_bind_u64(st, 14, o->next_check_ms);
	sqlite3_bind_int64(st, 15, o->reminded);
	hfn_bind_blob(st, 16, o->pseudonym, 16);
	hfn_bind_blob(st, 17, o->body ? (const void *)o->body : "", o->body_len);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r == SQLITE_CONSTRAINT)
		return HF_EEXIST;
	return r == SQLITE_DONE ? HF_OK : HF_EDB;
}

static void order_row(sqlite3_stmt *st, hfn_store_order *o)
{
	memset(o, 0, sizeof(*o));
	HFN_COL_ID(st, 0, &o->id);
	o->side = (uint32_t)hfn_col_u64(st, 1);
	hfn_col_copy(st, 2, o->authority, 16);
	hfn_col_copy(st, 3, o->platform, 16);
	HFN_COL_ID(st, 4, &o->msg_id);
	hfn_col_copy(st, 5, o->hash, 32);
	o->issued_ms = hfn_col_u64(st, 6);
	o->deadline_ms = hfn_col_u64(st, 7);
	o->category = (uint32_t)hfn_col_u64(st, 8);
	o->priority = (uint32_t)hfn_col_u64(st, 9);
	o->n_items = (uint32_t)hfn_col_u64(st, 10);
	o->received_ms = hfn_col_u64(st, 11);
	o->receipt_ms = hfn_col_u64(st, 12);
	o->next_check_ms = hfn_col_u64(st, 13);
	o->reminded = (uint32_t)hfn_col_u64(st, 14);
	hfn_col_copy(st, 15, o->pseudonym, 16);
}

hf_err hfn_store_order_get(hfn_store *s, const hf_order_id *id, bool with_body, hfn_store_order *o)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[O_GET]);
	hf_err rc = HF_OK;
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		order_row(st, o);
		if (with_body) {
			size_t len = (size_t)sqlite3_column_bytes(st, 16);
			const void *p = sqlite3_column_blob(st, 16);
			o->body = malloc(len ? len : 1);
			if (!o->body)
				rc = HF_ENOMEM;
			else if (p)
				memcpy(o->body, p, len);
			o->body_len = len;
		}
	} else {
		rc = r == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_order_update(hfn_store *s, const hfn_store_order *o)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[O_UPDATE]);
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, &o->id);
	hfn_bind_u64(st, 2, o->receipt_ms);
	hfn_bind_u64(st, 3, o->next_check_ms);
	sqlite3_bind_int64(st, 4, o->reminded);
	return hfn_step_done(st);
}

/* Runs an order query and calls cb per row. */
static hf_err order_rows(sqlite3_stmt *st, hfn_store_order_cb cb, void *ctx)
{
	hf_err rc = HF_OK;
	int r;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hfn_store_order o;
		order_row(st, &o);
		rc = cb(ctx, &o);
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_orders_list(hfn_store *s, uint32_t side, bool open_only, size_t limit,
                             hfn_store_order_cb cb, void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[open_only ? O_LIST_OPEN : O_LIST]);
	if (!st)
		return HF_EDB;
	sqlite3_bind_int64(st, 1, side);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	return order_rows(st, cb, ctx);
}

hf_err hfn_store_orders_due(hfn_store *s, uint64_t now_ms, size_t limit, hfn_store_order_cb cb,
                            void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[O_DUE]);
	if (!st)
		return HF_EDB;
	hfn_bind_u64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	return order_rows(st, cb, ctx);
}

/* ---- items -------------------------------------------------------------- */

/* Pauses are a blob of (paused, resumed) little-endian u64 pairs. */
static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

hf_err hfn_store_items_get(hfn_store *s, const hf_order_id *id, hfn_store_item *items, size_t max,
                           size_t *n)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[I_GET]);
	int r;
	*n = 0;
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		hfn_store_item *it = &items[(*n)++];
		memset(it, 0, sizeof(*it));
		it->idx = (uint32_t)hfn_col_u64(st, 0);
		it->state = (uint32_t)hfn_col_u64(st, 1);
		it->deadline_ms = hfn_col_u64(st, 2);
		it->outcome = (uint32_t)hfn_col_u64(st, 3);
		it->action_ms = hfn_col_u64(st, 4);
		const uint8_t *p = sqlite3_column_blob(st, 5);
		size_t len = (size_t)sqlite3_column_bytes(st, 5);
		for (size_t k = 0; p && k + 16 <= len && it->n_pauses < HFN_STORE_MAX_PAUSES;
		     k += 16) {
			it->pauses[it->n_pauses].paused_ms = get_le64(p + k);
			it->pauses[it->n_pauses].resumed_ms = get_le64(p + k + 8);
			it->n_pauses++;
		}
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? HF_OK : HF_EDB;
}

hf_err hfn_store_item_put(hfn_store *s, const hf_order_id *id, const hfn_store_item *it)
{
	uint8_t blob[16 * HFN_STORE_MAX_PAUSES];
	sqlite3_stmt *st = hfn_stmt(s, OSQL[I_PUT]);
	if (!st || it->n_pauses > HFN_STORE_MAX_PAUSES)
		return HF_EDB;
	for (uint32_t k = 0; k < it->n_pauses; k++) {
		put_le64(blob + 16 * k, it->pauses[k].paused_ms);
		put_le64(blob + 16 * k + 8, it->pauses[k].resumed_ms);
	}
	HFN_BIND_ID(st, 1, id);
	sqlite3_bind_int64(st, 2, it->idx);
	sqlite3_bind_int64(st, 3, it->state);
	hfn_bind_u64(st, 4, it->deadline_ms);
	sqlite3_bind_int64(st, 5, it->outcome);
	hfn_bind_u64(st, 6, it->action_ms);
	hfn_bind_blob(st, 7, it->n_pauses ? blob : NULL, 16 * (size_t)it->n_pauses);
	return hfn_step_done(st);
}

/* ---- history ------------------------------------------------------------ */

hf_err hfn_store_order_msg_add(hfn_store *s, const hf_order_id *order_id, const hf_msg_id *msg_id,
                               uint32_t type, int dir, const uint8_t peer[HFN_MEMBER_LEN],
                               uint64_t at_ms, const uint8_t *env, size_t len, const char *summary,
                               bool *dup)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[M_ADD]);
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, order_id);
	HFN_BIND_ID(st, 2, msg_id);
	sqlite3_bind_int64(st, 3, type);
	sqlite3_bind_int(st, 4, dir);
	hfn_bind_blob(st, 5, peer, HFN_MEMBER_LEN);
	hfn_bind_u64(st, 6, at_ms);
	hfn_bind_blob(st, 7, env, len);
	sqlite3_bind_text(st, 8, summary ? summary : "", -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return HF_EDB;
	*dup = sqlite3_changes(hfn_db(s)) == 0;
	return HF_OK;
}

hf_err hfn_store_order_msgs(hfn_store *s, const hf_order_id *order_id, hfn_store_order_msg_cb cb,
                            void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[M_LIST]);
	hf_err rc = HF_OK;
	int r;
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, order_id);
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hf_msg_id id;
		uint8_t peer[HFN_MEMBER_LEN];
		HFN_COL_ID(st, 0, &id);
		hfn_col_copy(st, 3, peer, HFN_MEMBER_LEN);
		const uint8_t *env = sqlite3_column_blob(st, 5);
		size_t len = (size_t)sqlite3_column_bytes(st, 5);
		const unsigned char *sum = sqlite3_column_text(st, 6);
		rc = cb(ctx, &id, (uint32_t)hfn_col_u64(st, 1), sqlite3_column_int(st, 2), peer,
		        hfn_col_u64(st, 4), env, len, sum ? (const char *)sum : "");
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

/* ---- escalations -------------------------------------------------------- */

hf_err hfn_store_escalation_put(hfn_store *s, const hfn_store_escalation *e)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[E_PUT]);
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, &e->order_id);
	hfn_bind_blob(st, 2, e->authority, 16);
	hfn_bind_blob(st, 3, e->platform, 16);
	sqlite3_bind_int64(st, 4, e->category);
	hfn_bind_u64(st, 5, e->deadline_ms);
	hfn_bind_u64(st, 6, e->escalated_ms);
	sqlite3_bind_int64(st, 7, e->n_items);
	sqlite3_bind_int64(st, 8, e->n_overdue);
	hfn_bind_u64(st, 9, e->received_ms);
	return hfn_step_done(st);
}

hf_err hfn_store_escalations(hfn_store *s, hfn_store_escalation_cb cb, void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[E_LIST]);
	hf_err rc = HF_OK;
	int r;
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		hfn_store_escalation e;
		HFN_COL_ID(st, 0, &e.order_id);
		hfn_col_copy(st, 1, e.authority, 16);
		hfn_col_copy(st, 2, e.platform, 16);
		e.category = (uint32_t)hfn_col_u64(st, 3);
		e.deadline_ms = hfn_col_u64(st, 4);
		e.escalated_ms = hfn_col_u64(st, 5);
		e.n_items = (uint32_t)hfn_col_u64(st, 6);
		e.n_overdue = (uint32_t)hfn_col_u64(st, 7);
		e.received_ms = hfn_col_u64(st, 8);
		rc = cb(ctx, &e);
	}
	if (rc == HF_OK && r != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}

/* ---- referrals ---------------------------------------------------------- */

hf_err hfn_store_referral_put(hfn_store *s, const hfn_store_referral *r)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[R_PUT]);
	if (!st || r->n_orders > 64)
		return HF_EDB;
	HFN_BIND_ID(st, 1, &r->id);
	sqlite3_bind_int(st, 2, r->mine);
	hfn_bind_blob(st, 3, r->from, 16);
	hfn_bind_blob(st, 4, r->to, 16);
	hfn_bind_blob(st, 5, r->pseudonym, 16);
	sqlite3_bind_int64(st, 6, r->category);
	sqlite3_bind_int64(st, 7, r->status);
	hfn_bind_u64(st, 8, r->sent_ms);
	hfn_bind_u64(st, 9, r->updated_ms);
	hfn_bind_blob(st, 10, r->orders, sizeof r->orders[0] * (size_t)r->n_orders);
	return hfn_step_done(st);
}

static void referral_row(sqlite3_stmt *st, hfn_store_referral *r)
{
	memset(r, 0, sizeof(*r));
	HFN_COL_ID(st, 0, &r->id);
	r->mine = sqlite3_column_int(st, 1) != 0;
	hfn_col_copy(st, 2, r->from, 16);
	hfn_col_copy(st, 3, r->to, 16);
	hfn_col_copy(st, 4, r->pseudonym, 16);
	r->category = (uint32_t)hfn_col_u64(st, 5);
	r->status = (uint32_t)hfn_col_u64(st, 6);
	r->sent_ms = hfn_col_u64(st, 7);
	r->updated_ms = hfn_col_u64(st, 8);
	size_t len = (size_t)sqlite3_column_bytes(st, 9);
	r->n_orders =
	    (uint32_t)((len > sizeof(r->orders) ? sizeof(r->orders) : len) / sizeof r->orders[0]);
	hfn_col_copy(st, 9, r->orders, sizeof(r->orders));
}

hf_err hfn_store_referral_get(hfn_store *s, const hf_order_id *id, hfn_store_referral *r)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[R_GET]);
	hf_err rc = HF_OK;
	if (!st)
		return HF_EDB;
	HFN_BIND_ID(st, 1, id);
	int x = sqlite3_step(st);
	if (x == SQLITE_ROW)
		referral_row(st, r);
	else
		rc = x == SQLITE_DONE ? HF_ENOTFOUND : HF_EDB;
	sqlite3_reset(st);
	return rc;
}

hf_err hfn_store_referrals(hfn_store *s, hfn_store_referral_cb cb, void *ctx)
{
	sqlite3_stmt *st = hfn_stmt(s, OSQL[R_LIST]);
	hf_err rc = HF_OK;
	int x;
	if (!st)
		return HF_EDB;
	while (rc == HF_OK && (x = sqlite3_step(st)) == SQLITE_ROW) {
		hfn_store_referral r;
		referral_row(st, &r);
		rc = cb(ctx, &r);
	}
	if (rc == HF_OK && x != SQLITE_DONE)
		rc = HF_EDB;
	sqlite3_reset(st);
	return rc;
}
