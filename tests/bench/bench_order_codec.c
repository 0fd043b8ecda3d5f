/*
 * bench_order_codec: the protocol-library half of the takedown path.
 *
 *  - decode + full validation of an ORDER body (10 and 1000 items with URL
 *    locators, refs and hashes) and of a RECEIPT, against msgpack-c's own
 *    unpacker (msgpack_unpack_next into a zone: parse only, no validation,
 *    no canonical-form checks) on the same bytes in the same run;
 *  - encode of the same ORDER against msgpack-c's packer writing the same
 *    map shape into an sbuffer (no validation);
 *  - state machine transitions (hf_order_sm_apply over the table) against a
 *    direct 2-D array lookup.
 *
 * One JSON line per figure; unit ops/s (higher is better).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "hf_test.h"
#include "hashfed/order.h"
#include "hashfed/order_sm.h"

static volatile uint64_t g_sink;

static void emit(const char *name, double ours, const char *base, double bv)
{
	printf("{\"bench\": \"%s\", \"unit\": \"ops/s\", \"ours\": %.0f, \"baseline\": \"%s\", "
	       "\"baseline_value\": %.0f, \"ratio\": %.3f}\n",
	       name, ours, base, bv, ours / bv);
	fflush(stdout);
}

static hf_order_item *make_items(uint32_t n, char (*locs)[96], uint8_t sha[32])
{
	hf_order_item *it = calloc(n, sizeof(*it));
	if (it == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		int l = snprintf(locs[i], 96, "https://video.example.kr/watch?v=%08u&list=%u",
		                 i * 7919u, i);
		it[i].index = i;
		it[i].locator_kind = HF_LOC_URL;
		it[i].locator = locs[i];
		it[i].locator_len = (size_t)l;
		it[i].n_refs = 1;
		it[i].refs[0].entry_id = i + 1;
		it[i].n_hashes = 1;
		it[i].hashes[0] = (hf_content_hash){HF_ORDER_ALG_SHA256, sha, 32};
	}
	return it;
}

static void fill_order(hf_order_msg *m, hf_order_item *items, uint32_t n)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_ORDER;
	m->u.order.issued_ms = 1790000000000ULL;
	m->u.order.deadline_ms = m->u.order.issued_ms + hf_order_default_deadline(HF_CAT_CSAM);
	m->u.order.category = HF_CAT_CSAM;
	m->u.order.priority = HF_PRIO_URGENT;
	m->u.order.legal_basis = "Act on Promotion of Information and Communications Network "
	                         "Utilization, Art. 44-7";
	m->u.order.legal_basis_len = strlen(m->u.order.legal_basis);
	m->u.order.n_items = n;
	m->u.order.items = items;
}

/* Runs fn until ~0.5 s have passed; returns calls per second. */
#define TIMED(result, body)                                                                        \
	do {                                                                                       \
		double t0_ = hf_test_now(), el_;                                                   \
		uint64_t n_ = 0;                                                                   \
		do {                                                                               \
			for (int k_ = 0; k_ < 64; k_++) {                                          \
				body;                                                              \
			}                                                                          \
			n_ += 64;                                                                  \
			el_ = hf_test_now() - t0_;                                                 \
		} while (el_ < 0.5);                                                               \
		(result) = (double)n_ / el_;                                                       \
	} while (0)

static void bench_decode(const char *name, uint32_t type, const uint8_t *b, size_t n)
{
	double ours, base;
	msgpack_zone zone;
	msgpack_zone_init(&zone, 65536);
	TIMED(ours, {
		hf_order_msg m;
		if (hf_order_msg_decode(type, b, n, &m) != HF_OK)
			abort();
		g_sink += m.type;
		hf_order_msg_clear(&m);
	});
	TIMED(base, {
		msgpack_object obj;
		size_t off = 0;
		if (msgpack_unpack((const char *)b, n, &off, &zone, &obj) != MSGPACK_UNPACK_SUCCESS)
			abort();
		g_sink += obj.via.map.size;
		msgpack_zone_clear(&zone);
	});
	msgpack_zone_destroy(&zone);
	emit(name, ours, "msgpack-c msgpack_unpack (no validation)", base);
}

/* msgpack-c packing the same order shape, with no checks. */
static void raw_pack_order(msgpack_packer *pk, const hf_order *o)
{
	msgpack_pack_map(pk, 10);
	msgpack_pack_fix_uint8(pk, 1);
	msgpack_pack_bin_with_body(pk, o->order_id.b, sizeof o->order_id.b);
	msgpack_pack_fix_uint8(pk, 2);
	msgpack_pack_bin_with_body(pk, o->authority, 16);
	msgpack_pack_fix_uint8(pk, 3);
	msgpack_pack_bin_with_body(pk, o->platform, 16);
	msgpack_pack_fix_uint8(pk, 4);
	msgpack_pack_uint64(pk, o->issued_ms);
	msgpack_pack_fix_uint8(pk, 5);
	msgpack_pack_uint64(pk, o->deadline_ms);
	msgpack_pack_fix_uint8(pk, 6);
	msgpack_pack_uint32(pk, o->category);
	msgpack_pack_fix_uint8(pk, 7);
	msgpack_pack_uint32(pk, o->priority);
	msgpack_pack_fix_uint8(pk, 8);
	msgpack_pack_str_with_body(pk, o->legal_basis, o->legal_basis_len);
	msgpack_pack_fix_uint8(pk, 9);
	msgpack_pack_bin_with_body(pk, o->case_pseudonym, 16);
	msgpack_pack_fix_uint8(pk, 10);
	msgpack_pack_array(pk, o->n_items);
	for (uint32_t i = 0; i < o->n_items; i++) {
		const hf_order_item *it = &o->items[i];
		msgpack_pack_map(pk, 5);
		msgpack_pack_fix_uint8(pk, 1);
		msgpack_pack_uint32(pk, it->index);
		msgpack_pack_fix_uint8(pk, 2);
		msgpack_pack_uint32(pk, it->locator_kind);
		msgpack_pack_fix_uint8(pk, 3);
		msgpack_pack_str_with_body(pk, it->locator, it->locator_len);
		msgpack_pack_fix_uint8(pk, 4);
		msgpack_pack_array(pk, 1);
		msgpack_pack_map(pk, 2);
		msgpack_pack_fix_uint8(pk, 1);
		msgpack_pack_bin_with_body(pk, it->refs[0].list_id.b, sizeof it->refs[0].list_id.b);
		msgpack_pack_fix_uint8(pk, 2);
		msgpack_pack_uint64(pk, it->refs[0].entry_id);
		msgpack_pack_fix_uint8(pk, 5);
		msgpack_pack_array(pk, 1);
		msgpack_pack_map(pk, 2);
		msgpack_pack_fix_uint8(pk, 1);
		msgpack_pack_uint32(pk, it->hashes[0].alg);
		msgpack_pack_fix_uint8(pk, 2);
		msgpack_pack_bin_with_body(pk, it->hashes[0].value, it->hashes[0].len);
	}
}

static void bench_order(uint32_t n_items)
{
	static char locs[1000][96];
	uint8_t sha[32];
	memset(sha, 0x5a, sizeof(sha));
	hf_order_item *items = make_items(n_items, locs, sha);
	hf_order_msg m;
	uint8_t *b;
	size_t n;
	char name[64];
	double ours, base;
	fill_order(&m, items, n_items);
	if (hf_order_msg_encode(&m, &b, &n) != HF_OK)
		abort();
	snprintf(name, sizeof(name), "order_decode_%u_items", n_items);
	bench_decode(name, HF_MSG_ORDER, b, n);

	TIMED(ours, {
		uint8_t *x;
		size_t xl;
		if (hf_order_msg_encode(&m, &x, &xl) != HF_OK)
			abort();
		g_sink += xl;
		free(x);
	});
	TIMED(base, {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		raw_pack_order(&pk, &m.u.order);
		g_sink += sb.size;
		msgpack_sbuffer_destroy(&sb);
	});
	snprintf(name, sizeof(name), "order_encode_%u_items", n_items);
	emit(name, ours, "msgpack-c packer, same shape (no validation)", base);
	free(b);
	free(items);
}

static void bench_receipt(void)
{
	hf_order_msg m;
	uint8_t *b;
	size_t n;
	memset(&m, 0, sizeof(m));
	m.type = HF_MSG_RECEIPT;
	memset(m.u.receipt.order_msg_id.b, 1, sizeof m.u.receipt.order_msg_id.b);
	m.u.receipt.received_ms = 1790000000000ULL;
	m.u.receipt.n_items = 3;
	if (hf_order_msg_encode(&m, &b, &n) != HF_OK)
		abort();
	bench_decode("receipt_decode", HF_MSG_RECEIPT, b, n);
	free(b);
}

static void bench_sm(void)
{
	/* A 16-step life of an item, repeated. */
	static const uint32_t evs[] = {
	    HF_OEV_RECEIPT,          HF_OEV_ACK,         HF_OEV_REVIEW,     HF_OEV_CLARIFY_ASK,
	    HF_OEV_CLARIFY_ANSWER,   HF_OEV_OUT_BLOCKED, HF_OEV_MAINTAIN,   HF_OEV_OUT_REMOVED,
	    HF_OEV_VERIFY_CONFIRMED, HF_OEV_CLOSE,       HF_OEV_RECURRENCE, HF_OEV_DEADLINE,
	    HF_OEV_ESCALATE,         HF_OEV_OUT_REMOVED, HF_OEV_CLOSE,      HF_OEV_RECURRENCE};
	const size_t ne = sizeof(evs) / sizeof(evs[0]);
	uint8_t next[HF_OST_MAX + 1][HF_OEV_MAX + 1];
	size_t nrows;
	const hf_order_sm_row *t = hf_order_sm_table(&nrows);
	memset(next, 0, sizeof(next));
	for (size_t i = 0; i < nrows; i++)
		next[t[i].state][t[i].event] = t[i].next;
	double ours, base;
	uint32_t st = HF_OST_ISSUED;
	size_t i = 0;
	TIMED(ours, {
		if (hf_order_sm_apply(&st, evs[i], NULL) != HF_OK)
			abort();
		if (++i == ne) {
			i = 0;
			st = HF_OST_ISSUED;
		}
	});
	g_sink += st;
	st = HF_OST_ISSUED;
	i = 0;
	TIMED(base, {
		uint32_t nx = next[st][evs[i]];
		if (nx == 0)
			abort();
		st = nx;
		if (++i == ne) {
			i = 0;
			st = HF_OST_ISSUED;
		}
	});
	g_sink += st;
	emit("order_sm_transition", ours, "direct 2-D array lookup", base);
}

int main(void)
{
	bench_receipt();
	bench_order(10);
	bench_order(1000);
	bench_sm();
	return g_sink == 42 ? 1 : 0;
}
