/* A platform's transparency report from the receipts it holds (transparency.h). */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/report.h"
#include "audit/transparency.h"
#include "audit/treport.h"
#include "core/log.h"
#include "hashfed/audit_log.h"
#include "hashfed/checkpoint.h"
#include "store/store_audit.h"
#include "store/store_orders.h"
#include "core/util.h"
#include "hf_check.h"

#define MAX_ORDERS ((size_t)1 << 20)

typedef struct hfn_ids {
	uint8_t (*id)[16];
	size_t n, cap;
} hfn_ids;

/* One logged message of ours or our peer's, as the log holds it. */
typedef struct hfn_logged {
	uint8_t leaf[HF_AUDIT_LEAF_MAX_SIZE];
	size_t len;
	hf_audit_leaf dec;
	hfn_store_receipt rc;
} hfn_logged;

typedef struct hfn_tr {
	hfn_node *n;
	uint8_t log[16];
	uint64_t from, to;
	json_t *cps, *outs;
	uint64_t *cp_size; /* sizes of the checkpoints in cps, same order */
	size_t n_cp;
	hfn_tr_tally tally;
	uint64_t unproven;
	/* the order being read */
	uint8_t *order_env;
	size_t order_len;
	hfn_ids outcome_ids;
	uint8_t **outcome_env;
	size_t *outcome_len;
	hfn_logged *a, *b;
} hfn_tr;

static hf_err ids_push(hfn_ids *v, const uint8_t id[16])
{
	HF_TRY(hfn_grow((void **)&v->id, &v->cap, v->n + 1, sizeof(*v->id)));
	memcpy(v->id[v->n++], id, 16);
	return HF_OK;
}

static hf_err order_cb(void *ctx, const hfn_store_order *o)
{
	return ids_push(ctx, o->id.b);
}

static hf_err msg_cb(void *ctx, const hf_msg_id *msg_id, uint32_t type, int dir,
                     const uint8_t peer[HFN_MEMBER_LEN], uint64_t at_ms, const uint8_t *env,
                     size_t len, const char *summary)
{
	hfn_tr *t = ctx;
	(void)peer;
	(void)at_ms;
	(void)summary;
	if (type == HF_MSG_ORDER && dir == 1 && !t->order_env) {
		t->order_env = malloc(len);
		if (!t->order_env)
			return HF_ENOMEM;
		memcpy(t->order_env, env, len);
		t->order_len = len;
	} else if (type == HF_MSG_OUTCOME && dir == 0) {
		size_t i = t->outcome_ids.n;
		HF_TRY(ids_push(&t->outcome_ids, msg_id->b));
		void *p = realloc(t->outcome_env, (i + 1) * sizeof(*t->outcome_env));
		if (!p)
			return HF_ENOMEM;
		t->outcome_env = p;
		p = realloc(t->outcome_len, (i + 1) * sizeof(*t->outcome_len));
		if (!p)
			return HF_ENOMEM;
		t->outcome_len = p;
		t->outcome_env[i] = malloc(len);
		if (!t->outcome_env[i])
			return HF_ENOMEM;
		memcpy(t->outcome_env[i], env, len);
		t->outcome_len[i] = len;
	}
	return HF_OK;
}

/* The leaf of a message from its envelope and the log's receipt for it: HF_ENOTFOUND when
 * we hold no receipt yet (not logged, or not yet covered by a published checkpoint). */
static hf_err logged_of(hfn_tr *t, const uint8_t *env, size_t len, hfn_logged *l)
{
	const uint8_t *hdr;
	size_t hl;
	HF_TRY(hf_audit_header_bytes(env, len, &hdr, &hl));
	HF_TRY(hf_envelope_peek(env, len, &l->dec.hdr));
	HF_TRY(hfn_store_receipt_get(t->n->store, t->log, &l->dec.hdr.sender, &l->dec.hdr.msg_id,
	                             &l->rc));
	/* Now with the log's integration time: the leaf the log holds. */
	HF_TRY(
	    hf_audit_leaf_encode(l->rc.integrated_ms, hdr, hl, l->leaf, sizeof(l->leaf), &l->len));
	return hf_audit_leaf_decode(l->leaf, l->len, &l->dec);
}

/* Index of the checkpoint of size in the document, adding the note we verified. */
static hf_err checkpoint_ref(hfn_tr *t, uint64_t size, size_t *k)
{
	uint64_t got;
	uint8_t root[32];
	char *note = NULL;
	for (*k = 0; *k < t->n_cp; (*k)++)
		if (t->cp_size[*k] == size)
			return HF_OK;
	HF_TRY(hfn_store_seen_get(t->n->store, t->log, size, &got, root, &note));
	if (!note)
		return HF_ENOTFOUND;
	uint64_t *p = realloc(t->cp_size, (t->n_cp + 1) * sizeof(*p));
	if (!p) {
		free(note);
		return HF_ENOMEM;
	}
	t->cp_size = p;
	t->cp_size[t->n_cp] = size;
	json_array_append_new(t->cps, json_string(note));
	free(note);
	*k = t->n_cp++;
	return HF_OK;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);
	json_t *j;
	if (!h)
		return NULL;
	hfn_hex(p, n, h);
	j = json_string(h);
	free(h);
	return j;
}

static hf_err proof_json(hfn_tr *t, const hfn_logged *l, json_t **out)
{
	size_t k;
	json_t *p = json_array();
	*out = NULL;
	if (!p)
		return HF_ENOMEM;
	hf_err rc = checkpoint_ref(t, l->rc.size, &k);
	if (rc != HF_OK) {
		json_decref(p);
		return rc;
	}
	for (uint32_t i = 0; i < l->rc.n_proof; i++)
		json_array_append_new(p, hex_json(l->rc.proof[i], 32));
	*out = json_pack("{s:o,s:I,s:I,s:o}", "leaf", hex_json(l->leaf, l->len), "index",
	                 (json_int_t)l->rc.idx, "checkpoint", (json_int_t)k, "proof", p);
	return *out ? HF_OK : HF_ENOMEM;
}

static void order_reset(hfn_tr *t)
{
	free(t->order_env);
	t->order_env = NULL;
	for (size_t i = 0; i < t->outcome_ids.n; i++)
		free(t->outcome_env[i]);
	t->outcome_ids.n = 0;
}

/* The outcomes we sent for one order, each counted only with both proofs. */
static hf_err one_order(hfn_tr *t, const uint8_t id[HF_ORDER_ID_LEN])
{
	hf_err rc;
	hf_order_id oid;
	memcpy(oid.b, id, sizeof oid.b);
	order_reset(t);
	HF_TRY(hfn_store_order_msgs(t->n->store, &oid, msg_cb, t));
	if (t->outcome_ids.n == 0)
		return HF_OK;
	rc = t->order_env ? logged_of(t, t->order_env, t->order_len, t->b) : HF_ENOTFOUND;
	for (size_t i = 0; i < t->outcome_ids.n; i++) {
		hf_err r = logged_of(t, t->outcome_env[i], t->outcome_len[i], t->a);
		json_t *e, *o;
		if (r == HF_OK && rc != HF_OK)
			r = rc; /* the order's leaf: its category needs proof too */
		if (r == HF_ENOTFOUND || r == HF_ENOTLOGGED) {
			t->unproven++;
			continue;
		}
		HF_TRY(r);
		if (t->a->dec.logged_ms < t->from || t->a->dec.logged_ms >= t->to)
			continue;
		HF_TRY(proof_json(t, t->a, &e));
		r = proof_json(t, t->b, &o);
		if (r != HF_OK) {
			json_decref(e);
			return r;
		}
		json_object_set_new(e, "order", o);
		json_array_append_new(t->outs, e);
		HF_TRY(hfn_tr_tally_add(&t->tally, &t->b->dec.hdr, &t->a->dec.hdr));
	}
	return HF_OK;
}

hf_err hfn_transparency_build(hfn_node *n, const char *period, const uint8_t *log, json_t **out)
{
	hfn_tr t;
	hfn_ids orders = {0};
	hf_err rc = HF_OK;
	*out = NULL;
	memset(&t, 0, sizeof(t));
	if (!hfn_report_period(period, &t.from, &t.to))
		return HF_EINVAL;
	if (!(n->self_roles & HF_ROLE_PLATFORM))
		return HF_EROLE;
	if (log)
		memcpy(t.log, log, 16);
	else if (hfn_node_members_with(n, HF_ROLE_AUDITOR, &t.log, 1) == 0)
		return HF_ENOTFOUND;
	t.n = n;
	t.cps = json_array();
	t.outs = json_array();
	t.a = malloc(sizeof(*t.a));
	t.b = malloc(sizeof(*t.b));
	if (!t.cps || !t.outs || !t.a || !t.b) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hfn_store_orders_list(n->store, HFN_STORE_ORDER_TARGET, false, MAX_ORDERS,
	                               order_cb, &orders));
	/* Oldest first, so the document reads in log order. */
	for (size_t i = orders.n; i-- > 0;)
		HF_CHECK(one_order(&t, orders.id[i]));
	/* The newest checkpoint we verified: the report claims to be complete as of it (the
	 * verifier recounts our outcomes the log holds below its size). */
	uint64_t newest;
	uint8_t root[32];
	size_t as_of = 0;
	rc = hfn_store_seen_get(n->store, t.log, 0, &newest, root, NULL);
	if (rc == HF_OK)
		rc = checkpoint_ref(&t, newest, &as_of);
	if (rc == HF_ENOTFOUND) /* no checkpoint yet: an empty report */
		rc = HF_OK;
	HF_CHECK(rc);
	char origin[96];
	const hf_member *mb;
	const char *name = "";
	pthread_rwlock_rdlock(&n->mlock);
	hfn_audit_origin(hf_manifest_federation(n->manifest), t.log, origin);
	if (hf_manifest_find_member(n->manifest, n->self, &mb) == HF_OK)
		name = hf_member_name(mb);
	*out = json_pack("{s:s,s:o,s:s,s:o,s:s,s:s,s:o,s:o,s:I,s:O,s:o,s:o,s:o,s:O,s:I}", "format",
	                 HFN_TR_FORMAT, "platform", hex_json(n->self, 16), "platform_name", name,
	                 "log", hex_json(t.log, 16), "origin", origin, "period", period, "from_ms",
	                 t.from ? json_integer((json_int_t)t.from) : json_null(), "to_ms",
	                 t.to != UINT64_MAX ? json_integer((json_int_t)t.to) : json_null(),
	                 "generated_ms", (json_int_t)hfn_now_ms(), "checkpoints", t.cps,
	                 "as_of_checkpoint", t.n_cp ? json_integer((json_int_t)as_of) : json_null(),
	                 "counts", hfn_tr_tally_counts(&t.tally), "totals",
	                 hfn_tr_tally_totals(&t.tally), "outcomes", t.outs, "unproven_outcomes",
	                 (json_int_t)t.unproven);
	pthread_rwlock_unlock(&n->mlock);
	rc = *out ? HF_OK : HF_ENOMEM;
out:
	order_reset(&t);
	free(t.outcome_ids.id);
	free(t.outcome_env);
	free(t.outcome_len);
	free(orders.id);
	free(t.cp_size);
	free(t.a);
	free(t.b);
	json_decref(t.cps);
	json_decref(t.outs);
	hfn_tr_tally_free(&t.tally);
	return rc;
}
