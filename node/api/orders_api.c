/* Orders HTTP API (docs/api.md "Takedown orders"): JSON in and out, main loop thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "api/http_json.h"
#include "api/routes.h"
#include "hashfed/list.h"
#include "core/log.h"
#include "hashfed/rules.h"
#include "orders/orders.h"

#define HFN_ORDERS_LIST_MAX 1000u

/* ---- replies ---------------------------------------------------------------- */

static const char *prio_name(uint32_t p)
{
	static const char *const names[] = {"low", "normal", "high", "urgent"};
	return p < 4 ? names[p] : NULL;
}

static bool prio(json_t *v, uint32_t *out)
{
	for (uint32_t i = HF_PRIO_LOW; i <= HF_PRIO_URGENT; i++)
		if ((json_is_integer(v) && json_integer_value(v) == i) ||
		    (json_is_string(v) && !strcasecmp(json_string_value(v), prio_name(i)))) {
			*out = i;
			return true;
		}
	return false;
}

static bool items_list(json_t *a, uint32_t **out, uint32_t *n)
{
	size_t i;
	json_t *v;
	*out = NULL;
	*n = 0;
	if (!a)
		return true;
	if (!json_is_array(a) || json_array_size(a) > HF_ORDER_MAX_ITEMS)
		return false;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return false;
	json_array_foreach(a, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= HF_ORDER_MAX_ITEMS)
			return false;
		(*out)[(*n)++] = (uint32_t)json_integer_value(v);
	}
	return true;
}

/* ---- views ------------------------------------------------------------------- */

static json_t *order_json(hfn_node *n, const hfn_store_order *o, bool locators)
{
	hfn_ord w;
	hf_order_msg m;
	uint64_t now = hfn_orders_now(n);
	int64_t left_min = INT64_MAX;
	uint32_t open = 0;
	bool decoded = false, have_msg = false;
	json_t *items = json_array();
	memset(&m, 0, sizeof(m));
	if (hfn_ord_load(n, &o->id, locators, &w) != HF_OK) {
		json_decref(items);
		return NULL;
	}
	/* Cleared whatever the decode returned: a failed decode owns nothing, and
	 * clearing it is safe (it leaked here while only successes were cleared). */
	if (locators) {
		decoded = hf_order_msg_decode(HF_MSG_ORDER, w.o.body, w.o.body_len, &m) == HF_OK;
		have_msg = true;
	}
	for (size_t i = 0; i < w.n; i++) {
		hfn_store_item *it = &w.items[i];
		hf_deadline_info d;
		memset(&d, 0, sizeof(d));
		bool timed =
		    (hf_order_state_open(it->state) || it->state == HF_OST_CLARIFICATION ||
		     it->state == HF_OST_OVERDUE || it->state == HF_OST_ESCALATED) &&
		    hf_order_deadline(it->deadline_ms, it->pauses, it->n_pauses, now, &d) == HF_OK;
		if (timed) {
			open++;
			if (!d.paused && d.left_ms < left_min)
				left_min = d.left_ms;
		}
		json_t *j = json_pack("{s:i,s:s,s:s?,s:I,s:I}", "item", it->idx, "state",
		                      hf_order_state_name(it->state), "outcome",
		                      hf_outcome_code_name(it->outcome), "action_ms",
		                      (json_int_t)it->action_ms, "deadline_ms",
		                      (json_int_t)(timed ? d.effective_ms : it->deadline_ms));
		if (timed) {
			json_object_set_new(j, "left_ms", json_integer(d.left_ms));
			json_object_set_new(j, "paused", json_boolean(d.paused));
			json_object_set_new(j, "paused_ms", json_integer((json_int_t)d.paused_ms));
		}
		if (decoded && i < m.u.order.n_items) {
			const hf_order_item *oi = &m.u.order.items[i];
			json_object_set_new(j,
			                    oi->locator_kind == HF_LOC_URL ? "url" : "content_id",
			                    json_stringn_nocheck(oi->locator, oi->locator_len));
		}
		json_array_append_new(items, j);
	}
	json_t *r =
	    json_pack("{s:o,s:s,s:o,s:o,s:s?,s:s?,s:I,s:I,s:I,s:I,s:i,s:o}", "id",
	              hfn_http_hex(o->id.b, sizeof o->id.b), "side",
	              o->side == HFN_STORE_ORDER_ISSUER ? "issued" : "received", "authority",
	              hfn_http_hex(o->authority, 16), "platform", hfn_http_hex(o->platform, 16),
	              "category", hf_order_category_name(o->category), "priority",
	              prio_name(o->priority), "issued_ms", (json_int_t)o->issued_ms, "deadline_ms",
	              (json_int_t)o->deadline_ms, "received_ms", (json_int_t)o->received_ms,
	              "receipt_ms", (json_int_t)o->receipt_ms, "open_items", open, "items", items);
	if (r && open && left_min != INT64_MAX)
		json_object_set_new(r, "left_ms", json_integer(left_min));
	if (r && decoded) {
		json_object_set_new(
		    r, "legal_basis",
		    json_stringn_nocheck(m.u.order.legal_basis, m.u.order.legal_basis_len));
		if (m.u.order.note_len)
			json_object_set_new(
			    r, "note", json_stringn_nocheck(m.u.order.note, m.u.order.note_len));
	}
	if (have_msg)
		hf_order_msg_clear(&m);
	hfn_ord_free(&w);
	return r;
}

typedef struct hfn_list_ctx {
	hfn_node *n;
	json_t *a;
	bool locators;
} hfn_list_ctx;

static hf_err list_cb(void *ctx, const hfn_store_order *o)
{
	hfn_list_ctx *c = ctx;
	json_t *j = order_json(c->n, o, c->locators);
	if (!j)
		return HF_ENOMEM;
	json_array_append_new(c->a, j);
	return HF_OK;
}

static void get_list(hfn_node *n, struct evhttp_request *req, uint32_t side, bool open)
{
	hfn_list_ctx c = {n, json_array(), open && side == HFN_STORE_ORDER_TARGET};
	hf_err rc = hfn_store_orders_list(n->store, side, open, HFN_ORDERS_LIST_MAX, list_cb, &c);
	if (rc != HF_OK) {
		json_decref(c.a);
		hfn_http_fail(req, rc, NULL);
		return;
	}
	hfn_http_reply(
	    req, 200,
	    json_pack("{s:I,s:o}", "now_ms", (json_int_t)hfn_orders_now(n), "orders", c.a));
}

static hf_err hfn_hist_cb(void *ctx, const hf_msg_id *msg_id, uint32_t type, int dir,
                          const uint8_t peer[16], uint64_t at_ms, const uint8_t *env, size_t len,
                          const char *summary)
{
	json_t *a = ctx;
	size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	if (!b64)
		return HF_ENOMEM;
	sodium_bin2base64(b64, b64len, env, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *sum = json_loads(summary, 0, NULL);
	json_array_append_new(a, json_pack("{s:o,s:i,s:s,s:o,s:I,s:s,s:o}", "msg_id",
	                                   hfn_http_hex(msg_id->b, sizeof msg_id->b), "type", type,
	                                   "dir", dir ? "in" : "out", "peer",
	                                   hfn_http_hex(peer, 16), "at_ms", (json_int_t)at_ms,
	                                   "envelope", b64, "summary", sum ? sum : json_null()));
	free(b64);
	return HF_OK;
}

/* ---- POST /v1/orders ------------------------------------------------------------ */

typedef struct hfn_hashbuf {
	uint8_t v[HF_ORDER_MAX_HASHES][32];
} hfn_hashbuf;

/* Unknown fields are refused by name (issue 12): *bad gets "field" or "refs[1].field". */
static const char *const ORDER_FIELDS[] = {
    "platform", "category", "priority", "deadline", "legal_basis", "case", "note", "items", NULL};
static const char *const ITEM_FIELDS[] = {"url", "content_id", "refs", "hashes", NULL};
static const char *const REF_FIELDS[] = {"list", "entry", NULL};
static const char *const HASH_FIELDS[] = {"alg", "value", NULL};

static hf_err unknown_at(const char *what, size_t i, const char *key, char *bad, size_t size)
{
	snprintf(bad, size, "%s[%zu].%.64s", what, i, key);
	return HF_EUNKNOWNKEY;
}

static hf_err parse_item(json_t *j, hf_order_item *it, hfn_hashbuf *hb, char *bad, size_t size)
{
	const char *url = hfn_str(j, "url"), *cid = hfn_str(j, "content_id"), *k;
	json_t *refs = json_object_get(j, "refs"), *hashes = json_object_get(j, "hashes"), *v;
	size_t i;
	if ((k = hfn_json_unknown(j, ITEM_FIELDS))) {
		snprintf(bad, size, "%.64s", k);
		return HF_EUNKNOWNKEY;
	}
	if (!json_is_object(j) || !!url == !!cid)
		return HF_EINVAL;
	it->locator_kind = url ? HF_LOC_URL : HF_LOC_CONTENT_ID;
	it->locator = url ? url : cid;
	it->locator_len = strlen(it->locator);
	if (refs && (!json_is_array(refs) || json_array_size(refs) > HF_ORDER_MAX_REFS))
		return HF_EINVAL;
	json_array_foreach(refs, i, v)
	{
		json_t *e = json_object_get(v, "entry");
		if ((k = hfn_json_unknown(v, REF_FIELDS)))
			return unknown_at("refs", i, k, bad, size);
		if (!hfn_hex_field(v, "list", it->refs[i].list_id.b,
		                   sizeof it->refs[i].list_id.b) ||
		    !json_is_integer(e) || json_integer_value(e) < 1)
			return HF_EINVAL;
		it->refs[i].entry_id = (uint64_t)json_integer_value(e);
		it->n_refs++;
	}
	if (hashes && (!json_is_array(hashes) || json_array_size(hashes) > HF_ORDER_MAX_HASHES))
		return HF_EINVAL;
	json_array_foreach(hashes, i, v)
	{
		unsigned alg;
		const char *a = hfn_str(v, "alg");
		if ((k = hfn_json_unknown(v, HASH_FIELDS)))
			return unknown_at("hashes", i, k, bad, size);
		if (!a || hf_hash_alg_parse(a, &alg) != HF_OK ||
		    !hfn_hex_field(v, "value", hb->v[i], hf_hash_alg_len(alg)))
			return HF_EINVAL;
		it->hashes[i].alg = alg;
		it->hashes[i].value = hb->v[i];
		it->hashes[i].len = hf_hash_alg_len(alg);
		it->n_hashes++;
	}
	return HF_OK;
}

/* Parses one order object into r; *its and *hb (malloc'ed, the caller frees them even on
 * error) back r->items. *why: the message for the client on HF_EINVAL (may point into
 * whybuf, of HFN_WHY_MAX bytes). */
#define HFN_WHY_MAX 160
static hf_err parse_order(json_t *j, hfn_orders_new *r, hf_order_item **its, hfn_hashbuf **hb,
                          const char **why, char whybuf[HFN_WHY_MAX])
{
	json_t *items = json_object_get(j, "items"), *v;
	size_t i;
	hf_err rc;
	const char *k;
	char bad[96];
	memset(r, 0, sizeof(*r));
	r->priority = HF_PRIO_NORMAL;
	*why = "bad request";
	if (!json_is_object(j))
		return HF_EINVAL;
	if ((k = hfn_json_unknown(j, ORDER_FIELDS))) {
		*why = hfn_unknown_msg(whybuf, HFN_WHY_MAX, "", k);
		return HF_EUNKNOWNKEY;
	}
	if (!hfn_hex_field(j, "platform", r->platform, 16)) {
		*why = "platform: member id (32 hex)";
		return HF_EINVAL;
	}
	if (!hfn_enum(json_object_get(j, "category"), hf_order_category_name, HF_CAT_MAX,
	              &r->category)) {
		*why = "category: a name (deepfake_sexual, ...) or 1..7";
		return HF_EINVAL;
	}
	if ((v = json_object_get(j, "priority")) && !prio(v, &r->priority)) {
		*why = "priority: low|normal|high|urgent";
		return HF_EINVAL;
	}
	if ((v = json_object_get(j, "deadline")) && !hfn_duration(v, &r->deadline_in_ms)) {
		*why = "deadline: e.g. \"24h\" or milliseconds";
		return HF_EINVAL;
	}
	if (v && hf_deadline_check(r->deadline_in_ms) != HF_OK) {
		*why = "deadline: 1h .. 90d";
		return HF_EDEADLINE;
	}
	r->legal_basis = hfn_str(j, "legal_basis");
	r->case_ref = hfn_str(j, "case");
	r->note = hfn_str(j, "note");
	if (!r->legal_basis || !r->case_ref) {
		*why = "legal_basis and case are required";
		return HF_EINVAL;
	}
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > HF_ORDER_MAX_ITEMS) {
		*why = "items: 1..1000 objects with url or content_id";
		return HF_EINVAL;
	}
	*its = calloc(json_array_size(items), sizeof(**its));
	*hb = calloc(json_array_size(items), sizeof(**hb));
	if (!*its || !*hb)
		return HF_ENOMEM;
	json_array_foreach(items, i, v)
	{
		if ((rc = parse_item(v, &(*its)[i], &(*hb)[i], bad, sizeof(bad))) != HF_OK) {
			char where[32];
			snprintf(where, sizeof(where), "items[%zu].", i);
			*why = rc == HF_EUNKNOWNKEY
			           ? hfn_unknown_msg(whybuf, HFN_WHY_MAX, where, bad)
			           : "item: {url | content_id, refs?, hashes?}";
			return rc;
		}
	}
	r->items = *its;
	r->n_items = (uint32_t)json_array_size(items);
	*why = NULL;
	return HF_OK;
}

/* Bulk ({"orders": [...]}): created in one transaction, all or nothing. */
static void post_orders(hfn_node *n, struct evhttp_request *req, json_t *arr)
{
	size_t count = json_array_size(arr), total = 0, i;
	hfn_orders_new *rs = NULL;
	hf_order_item **its = NULL;
	hfn_hashbuf **hbs = NULL;
	hf_order_id *ids = NULL;
	json_t *v, *out = NULL;
	char msg[HFN_WHY_MAX + 16], whybuf[HFN_WHY_MAX];
	const char *why = "orders: an array of 1..1000 orders";
	hf_err rc = HF_EINVAL;
	if (count == 0 || count > HFN_ORDERS_BULK_MAX)
		goto out;
	rs = calloc(count, sizeof(*rs));
	its = calloc(count, sizeof(*its));
	hbs = calloc(count, sizeof(*hbs));
	ids = calloc(count, sizeof(*ids));
	if (!rs || !its || !hbs || !ids) {
		rc = HF_ENOMEM;
		goto out;
	}
	json_array_foreach(arr, i, v)
	{
		/* Bounds the memory of one request before any item is parsed. */
		json_t *items = json_is_object(v) ? json_object_get(v, "items") : NULL;
		total += json_is_array(items) ? json_array_size(items) : 0;
		if (total > HFN_ORDERS_BULK_MAX_ITEMS) {
			why = "orders: at most 10000 items in one request";
			goto out;
		}
	}
	json_array_foreach(arr, i, v)
	{
		if ((rc = parse_order(v, &rs[i], &its[i], &hbs[i], &why, whybuf)) != HF_OK) {
			snprintf(msg, sizeof(msg), "orders[%zu]: %s", i, why ? why : "bad order");
			why = msg;
			goto out;
		}
	}
	why = NULL;
	rc = hfn_orders_create_many(n, rs, count, ids);
	if (rc != HF_OK)
		goto out;
	out = json_array();
	for (i = 0; out && i < count; i++)
		if (json_array_append_new(
		        out, json_pack("{s:o}", "id", hfn_http_hex(ids[i].b, sizeof ids[i].b))))
			rc = HF_ENOMEM;
	if (out && rc == HF_OK) {
		hfn_http_reply(req, 200, json_pack("{s:o}", "orders", out));
		out = NULL;
		goto done;
	}
	rc = HF_ENOMEM;
out:
	hfn_http_fail(req, rc, why);
done:
	json_decref(out);
	for (i = 0; i < count && its && hbs; i++) {
		free(its[i]);
		free(hbs[i]);
	}
	free(rs);
	free(its);
	free(hbs);
	free(ids);
}

static void post_order(hfn_node *n, struct evhttp_request *req)
{
	json_t *j = hfn_http_body(req);
	hfn_orders_new r;
	hf_order_item *its = NULL;
	hfn_hashbuf *hb = NULL;
	hf_order_id id;
	hf_err rc = HF_EINVAL;
	const char *why = "bad request";
	char whybuf[HFN_WHY_MAX];
	static const char *const bulk_fields[] = {"orders", NULL};
	if (j && json_is_array(json_object_get(j, "orders"))) {
		if (hfn_http_known(req, j, "", bulk_fields))
			post_orders(n, req, json_object_get(j, "orders"));
		json_decref(j);
		return;
	}
	if (!j)
		goto out;
	if ((rc = parse_order(j, &r, &its, &hb, &why, whybuf)) != HF_OK)
		goto out;
	rc = hfn_orders_create(n, &r, &id);
	if (rc == HF_OK) {
		hfn_store_order o;
		rc = hfn_store_order_get(n->store, &id, false, &o);
		if (rc == HF_OK) {
			hfn_http_reply(req, 200, order_json(n, &o, false));
			goto done;
		}
	}
out:
	hfn_http_fail(req, rc, why);
done:
	free(its);
	free(hb);
	json_decref(j);
}

/* ---- POST /v1/orders/{id}/<action> ----------------------------------------------- */

static void post_outcomes(hfn_node *n, struct evhttp_request *req, const hf_order_id *id)
{
	json_t *j = hfn_http_body(req), *res = j ? json_object_get(j, "results") : NULL, *v;
	hf_item_outcome *out = NULL;
	hf_err rc = HF_EINVAL;
	size_t i;
	uint64_t now = hfn_now_ms();
	char msg[HFN_WHY_MAX];
	const char *bad, *why = NULL;
	static const char *const fields[] = {"results", NULL};
	static const char *const result_fields[] = {"item",   "outcome", "action_ms",
	                                            "reason", "text",    NULL};
	if ((bad = hfn_json_unknown(j, fields))) {
		rc = HF_EUNKNOWNKEY;
		why = hfn_unknown_msg(msg, sizeof(msg), "", bad);
		goto out;
	}
	if (!json_is_array(res) || !json_array_size(res) ||
	    json_array_size(res) > HF_ORDER_MAX_ITEMS)
		goto out;
	out = calloc(json_array_size(res), sizeof(*out));
	if (!out) {
		rc = HF_ENOMEM;
		goto out;
	}
	json_array_foreach(res, i, v)
	{
		json_t *it = json_object_get(v, "item"), *at = json_object_get(v, "action_ms");
		if ((bad = hfn_json_unknown(v, result_fields))) {
			char where[32];
			snprintf(where, sizeof(where), "results[%zu].", i);
			rc = HF_EUNKNOWNKEY;
			why = hfn_unknown_msg(msg, sizeof(msg), where, bad);
			goto out;
		}
		/* Bounded before the cast: item 2^32 must not become item 0. */
		if (!json_is_integer(it) || json_integer_value(it) < 0 ||
		    json_integer_value(it) >= HF_ORDER_MAX_ITEMS ||
		    !hfn_enum(json_object_get(v, "outcome"), hf_outcome_code_name, HF_OUT_MAX,
		              &out[i].code))
			goto out;
		out[i].item = (uint32_t)json_integer_value(it);
		/* spec §13.4: an action time is not in the future (refused, never clamped); the
		 * order's issue time bounds it from below (hfn_orders_outcomes). */
		if (at && (!json_is_integer(at) || json_integer_value(at) <= 0)) {
			rc = HF_EINVAL;
			goto out;
		}
		out[i].action_ms = at ? (uint64_t)json_integer_value(at) : now;
		if (out[i].action_ms > now) {
			rc = HF_EACTIONTIME;
			goto out;
		}
		if (out[i].code == HF_OUT_CANNOT_COMPLY) {
			json_t *rs = json_object_get(v, "reason");
			/* Range-checked before the cast: 2^32 + 1 must not become reason 1. */
			if (rs && (!json_is_integer(rs) || json_integer_value(rs) < 1 ||
			           json_integer_value(rs) > HF_REASON_MAX))
				goto out;
			out[i].reason = rs ? (uint32_t)json_integer_value(rs) : HF_REASON_OTHER;
		}
		if ((out[i].text = hfn_str(v, "text")))
			out[i].text_len = strlen(out[i].text);
	}
	rc = hfn_orders_outcomes(n, id, out, (uint32_t)json_array_size(res));
out:
	if (rc == HF_OK)
		hfn_http_reply(req, 200, json_pack("{s:s}", "status", "sent"));
	else
		hfn_http_fail(req, rc,
		              why               ? why
		              : rc == HF_EINVAL ? "results: [{item, outcome, action_ms?, reason?, "
		                                  "text?}]"
		                                : NULL);
	free(out);
	json_decref(j);
}

static const struct {
	const char *path;
	uint32_t kind;
} EVENT_PATHS[] = {
    {"/ack", HF_OEV_ACK},
    {"/review", HF_OEV_REVIEW},
    {"/clarify", HF_OEV_CLARIFY_ASK},
    {"/answer", HF_OEV_CLARIFY_ANSWER},
    {"/dispute", HF_OEV_DISPUTE},
    {"/maintain", HF_OEV_MAINTAIN},
    {"/appeal", HF_OEV_APPEAL},
    {"/withdraw", HF_OEV_WITHDRAW},
    {"/verify", HF_OEV_VERIFY_CONFIRMED},
    {"/recurrence", HF_OEV_RECURRENCE},
    {"/remind", HF_OEV_REMIND},
    {"/close", HF_OEV_CLOSE},
    {"/events", 0},
};

static void post_event(hfn_node *n, struct evhttp_request *req, const hf_order_id *id,
                       uint32_t kind)
{
	json_t *j = hfn_http_body(req), *v;
	uint32_t *items = NULL, n_items = 0;
	hf_msg_id ref;
	uint64_t nd = 0;
	hf_err rc = HF_EINVAL;
	const char *text, *why = NULL;
	char msg[HFN_WHY_MAX];
	static const char *const fields[] = {"items",        "kind", "result", "text",
	                                     "new_deadline", "ref",  NULL};
	if ((text = hfn_json_unknown(j, fields))) {
		rc = HF_EUNKNOWNKEY;
		why = hfn_unknown_msg(msg, sizeof(msg), "", text);
		goto out;
	}
	if (!j || !items_list(json_object_get(j, "items"), &items, &n_items))
		goto out;
	if (kind == 0 && !hfn_enum(json_object_get(j, "kind"), hf_order_ev_name, HF_OEV_MAX, &kind))
		goto out;
	if (kind == HF_OEV_VERIFY_CONFIRMED && (text = hfn_str(j, "result")) &&
	    !strcmp(text, "still_reachable"))
		kind = HF_OEV_VERIFY_STILL_REACHABLE;
	text = hfn_str(j, "text");
	if (json_object_get(j, "ref") && !hfn_hex_field(j, "ref", ref.b, sizeof ref.b))
		goto out;
	/* spec §13.5: 1 h .. 90 d ahead; never a silent default for what cannot be read. */
	if ((v = json_object_get(j, "new_deadline"))) {
		if (!hfn_duration(v, &nd)) {
			rc = HF_EPARSE;
			goto out;
		}
		if ((rc = hf_deadline_check(nd)) != HF_OK)
			goto out;
		nd += hfn_now_ms();
	}
	rc = hfn_orders_event(n, id, kind, items, n_items, text,
	                      json_object_get(j, "ref") ? &ref : NULL, nd);
out:
	if (rc == HF_OK)
		hfn_http_reply(
		    req, 200,
		    json_pack("{s:s,s:s}", "status", "sent", "kind", hf_order_ev_name(kind)));
	else
		hfn_http_fail(req, rc, why);
	free(items);
	json_decref(j);
}

/* ---- referrals and escalations ------------------------------------------------------ */

static hf_err ref_cb(void *ctx, const hfn_store_referral *r)
{
	static const char *const st[] = {"?",        "received",    "accepted",
	                                 "declined", "in_progress", "closed"};
	json_t *orders = json_array();
	for (uint32_t i = 0; i < r->n_orders; i++)
		json_array_append_new(orders, hfn_http_hex(r->orders[i].b, sizeof r->orders[i].b));
	json_array_append_new(ctx, json_pack("{s:o,s:b,s:o,s:o,s:o,s:s,s:I,s:I,s:o}", "id",
	                                     hfn_http_hex(r->id.b, sizeof r->id.b), "mine", r->mine,
	                                     "from", hfn_http_hex(r->from, 16), "to",
	                                     hfn_http_hex(r->to, 16), "case_pseudonym",
	                                     hfn_http_hex(r->pseudonym, 16), "status",
	                                     r->status <= HF_REFST_MAX ? st[r->status] : "?",
	                                     "sent_ms", (json_int_t)r->sent_ms, "updated_ms",
	                                     (json_int_t)r->updated_ms, "orders", orders));
	return HF_OK;
}

static const char *refst_name(uint32_t s)
{
	static const char *const st[] = {NULL,       "received",    "accepted",
	                                 "declined", "in_progress", "closed"};
	return s <= HF_REFST_MAX ? st[s] : NULL;
}

static hf_err esc_cb(void *ctx, const hfn_store_escalation *e)
{
	json_array_append_new(ctx,
	                      json_pack("{s:o,s:o,s:o,s:s?,s:I,s:I,s:i,s:i,s:I}", "order",
	                                hfn_http_hex(e->order_id.b, sizeof e->order_id.b),
	                                "authority", hfn_http_hex(e->authority, 16), "platform",
	                                hfn_http_hex(e->platform, 16), "category",
	                                hf_order_category_name(e->category), "deadline_ms",
	                                (json_int_t)e->deadline_ms, "escalated_ms",
	                                (json_int_t)e->escalated_ms, "items", e->n_items, "overdue",
	                                e->n_overdue, "received_ms", (json_int_t)e->received_ms));
	return HF_OK;
}

static void post_refer(hfn_node *n, struct evhttp_request *req, const hf_order_id *order)
{
	json_t *j = hfn_http_body(req), *a, *v;
	uint8_t to[16];
	hf_order_id orders[HF_REFERRAL_MAX_ORDERS], id;
	uint32_t k = 0;
	size_t i;
	hf_err rc = HF_EINVAL;
	static const char *const fields[] = {"to", "orders", "note", NULL};
	if (j && !hfn_http_known(req, j, "", fields)) {
		json_decref(j);
		return;
	}
	if (!j || !hfn_hex_field(j, "to", to, 16))
		goto out;
	if (order)
		orders[k++] = *order;
	a = json_object_get(j, "orders");
	if (a && (!json_is_array(a) || json_array_size(a) + k > HF_REFERRAL_MAX_ORDERS))
		goto out;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) ||
		    hfn_unhex(json_string_value(v), orders[k].b, sizeof orders[k].b) != HF_OK)
			goto out;
		k++;
	}
	rc = hfn_orders_refer(n, to, orders, k, hfn_str(j, "note"), &id);
out:
	if (rc == HF_OK)
		hfn_http_reply(req, 200, json_pack("{s:o}", "id", hfn_http_hex(id.b, sizeof id.b)));
	else
		hfn_http_fail(req, rc, NULL);
	json_decref(j);
}

static void post_refstatus(hfn_node *n, struct evhttp_request *req, const hf_order_id *id)
{
	json_t *j = hfn_http_body(req);
	uint32_t st = 0;
	hf_err rc = HF_EINVAL;
	static const char *const fields[] = {"status", NULL};
	if (j && !hfn_http_known(req, j, "", fields)) {
		json_decref(j);
		return;
	}
	if (j && hfn_enum(json_object_get(j, "status"), refst_name, HF_REFST_MAX, &st))
		rc = hfn_orders_referral_status(n, id, st);
	if (rc == HF_OK)
		hfn_http_reply(req, 200, json_pack("{s:s}", "status", refst_name(st)));
	else
		hfn_http_fail(req, rc, NULL);
	json_decref(j);
}

/* ---- routing ------------------------------------------------------------------------ */

bool hfn_orders_route(hfn_node *n, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool get = cmd == EVHTTP_REQ_GET, post = cmd == EVHTTP_REQ_POST;
	char idhex[40], sub[32] = "";
	hf_order_id id;
	hf_err rc;
	if (!strcmp(path, "/v1/orders") && get)
		get_list(n, req, HFN_STORE_ORDER_ISSUER, false);
	else if (!strcmp(path, "/v1/orders") && post)
		post_order(n, req);
	else if (!strcmp(path, "/v1/orders/inbox") && get)
		get_list(n, req, HFN_STORE_ORDER_TARGET, true);
	else if (!strcmp(path, "/v1/orders/received") && get)
		get_list(n, req, HFN_STORE_ORDER_TARGET, false);
	else if (!strcmp(path, "/v1/escalations") && get) {
		json_t *a = json_array();
		hfn_http_reply_array(req, "escalations", hfn_store_escalations(n->store, esc_cb, a),
		                     a);
	} else if (!strcmp(path, "/v1/referrals") && get) {
		json_t *a = json_array();
		hfn_http_reply_array(req, "referrals", hfn_store_referrals(n->store, ref_cb, a), a);
	} else if (!strcmp(path, "/v1/referrals") && post)
		post_refer(n, req, NULL);
	else if (sscanf(path, "/v1/referrals/%32[0-9a-fA-F]%31s", idhex, sub) == 2 &&
	         hfn_unhex(idhex, id.b, sizeof id.b) == HF_OK && !strcmp(sub, "/status") && post)
		post_refstatus(n, req, &id);
	else if (sscanf(path, "/v1/orders/%32[0-9a-fA-F]%31s", idhex, sub) >= 1 &&
	         hfn_unhex(idhex, id.b, sizeof id.b) == HF_OK) {
		hfn_store_order o;
		if (!sub[0] && get) {
			if ((rc = hfn_store_order_get(n->store, &id, false, &o)) != HF_OK)
				hfn_http_fail(req, rc, "no such order");
			else
				hfn_http_reply(req, 200, order_json(n, &o, true));
		} else if (!strcmp(sub, "/history") && get) {
			json_t *a = json_array();
			rc = hfn_store_order_get(n->store, &id, false, &o);
			if (rc == HF_OK)
				rc = hfn_store_order_msgs(n->store, &id, hfn_hist_cb, a);
			if (rc != HF_OK) {
				json_decref(a);
				hfn_http_fail(req, rc, NULL);
			} else
				hfn_http_reply(req, 200,
				               json_pack("{s:o,s:o}", "order",
				                         hfn_http_hex(id.b, sizeof id.b),
				                         "messages", a));
		} else if (!strcmp(sub, "/outcomes") && post)
			post_outcomes(n, req, &id);
		else if (!strcmp(sub, "/refer") && post)
			post_refer(n, req, &id);
		else if (post) {
			for (size_t i = 0; i < sizeof(EVENT_PATHS) / sizeof(EVENT_PATHS[0]); i++)
				if (!strcmp(sub, EVENT_PATHS[i].path)) {
					post_event(n, req, &id, EVENT_PATHS[i].kind);
					return true;
				}
			hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
		} else
			hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
	} else
		return false;
	return true;
}
