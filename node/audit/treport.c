/* The transparency report's shared part: names, tally, strict verifier (treport.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/treport.h"
#include "hashfed/audit_log.h"
#include "hashfed/merkle.h"
#include "hashfed/order.h"
#include "hf_check.h"

#define HL HF_MERKLE_HASH_LEN

uint32_t hfn_tr_code(uint32_t status)
{
	for (uint32_t c = 1; c < 32; c++)
		if (status == (1u << c))
			return c;
	return 0;
}

void hfn_tr_names(uint32_t category, uint32_t code, char cat[HFN_TR_MAX_NAME],
                  char out[HFN_TR_MAX_NAME])
{
	const char *c = hf_order_category_name(category);
	const char *o = code ? hf_outcome_code_name(code) : "mixed";
	if (c)
		snprintf(cat, HFN_TR_MAX_NAME, "%s", c);
	else
		snprintf(cat, HFN_TR_MAX_NAME, "category-%" PRIu32, category);
	if (o)
		snprintf(out, HFN_TR_MAX_NAME, "%s", o);
	else
		snprintf(out, HFN_TR_MAX_NAME, "outcome-%" PRIu32, code);
}

hf_err hfn_tr_tally_add(hfn_tr_tally *t, const hf_envelope_header *order,
                        const hf_envelope_header *outcome)
{
	uint32_t cat = order->audit.category, code = hfn_tr_code(outcome->audit.status);
	size_t i;
	for (i = 0; i < t->n && (t->r[i].category != cat || t->r[i].code != code); i++)
		;
	if (i == t->n) {
		if (t->n == t->cap) {
			size_t c = t->cap ? 2 * t->cap : 16;
			hfn_tr_row *p = realloc(t->r, c * sizeof(*p));
			if (!p)
				return HF_ENOMEM;
			t->r = p;
			t->cap = c;
		}
		t->r[i] = (hfn_tr_row){.category = cat, .code = code};
		t->n++;
	}
	t->r[i].outcomes++;
	t->r[i].items += outcome->audit.items;
	t->outcomes++;
	t->items += outcome->audit.items;
	return HF_OK;
}

static int cmp_row(const void *a, const void *b)
{
	const hfn_tr_row *x = a, *y = b;
	if (x->category != y->category)
		return x->category < y->category ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

json_t *hfn_tr_tally_counts(const hfn_tr_tally *t)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	if (t->n > 1)
		qsort(t->r, t->n, sizeof(*t->r), cmp_row);
	for (size_t i = 0; i < t->n; i++) {
		char cat[HFN_TR_MAX_NAME], out[HFN_TR_MAX_NAME];
		hfn_tr_names(t->r[i].category, t->r[i].code, cat, out);
		json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:I}", "category", cat, "outcome",
		                                   out, "outcomes", (json_int_t)t->r[i].outcomes,
		                                   "items", (json_int_t)t->r[i].items));
	}
	return a;
}

json_t *hfn_tr_tally_totals(const hfn_tr_tally *t)
{
	return json_pack("{s:I,s:I}", "outcomes", (json_int_t)t->outcomes, "items",
	                 (json_int_t)t->items);
}

void hfn_tr_tally_free(hfn_tr_tally *t)
{
	free(t->r);
	memset(t, 0, sizeof(*t));
}

/* ---- the verifier ------------------------------------------------------------------ */

typedef struct vctx {
	const hfn_tr_env *env;
	hfn_tr_result *res;
	hf_checkpoint *cps;
	size_t n_cps;
	hf_audit_leaf *out_leaf, *ord_leaf;
	uint8_t *out_bytes, *ord_bytes;
	uint64_t *seen; /* leaf indexes counted, for duplicates */
	size_t n_seen;
	hfn_tr_tally tally;
} vctx;

/* Records the first break; returns its code so callers can `return brk(...)`. */
static hf_err brk(vctx *v, hf_err code, const char *name, const char *fmt, ...)
{
	if (v->res->brk[0] == 0) {
		va_list ap;
		snprintf(v->res->brk, sizeof(v->res->brk), "%s", name);
		va_start(ap, fmt);
		vsnprintf(v->res->detail, sizeof(v->res->detail), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* An unsigned integer member (JSON integer >= 0). */
static bool get_u64(const json_t *o, const char *k, uint64_t *v)
{
	json_t *j = json_object_get(o, k);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return false;
	*v = (uint64_t)json_integer_value(j);
	return true;
}

/* Exactly 2 * n hex digits into out (n bytes). */
static bool hex_exact(const json_t *j, uint8_t *out, size_t n)
{
	const char *s = json_string_value(j);
	size_t got;
	if (!s || json_string_length(j) != 2 * n)
		return false;
	return sodium_hex2bin(out, n, s, 2 * n, NULL, &got, NULL) == 0 && got == n;
}

/* A leaf: hex of at most HF_AUDIT_LEAF_MAX_SIZE bytes, decoded strictly. */
static hf_err get_leaf(vctx *v, const json_t *e, const char *what, size_t k, uint8_t *buf,
                       size_t *len, hf_audit_leaf *leaf)
{
	json_t *j = json_object_get(e, "leaf");
	const char *s = json_string_value(j);
	size_t sl = json_string_length(j);
	if (!s || sl == 0 || sl % 2 || sl > 2 * (size_t)HF_AUDIT_LEAF_MAX_SIZE ||
	    sodium_hex2bin(buf, HF_AUDIT_LEAF_MAX_SIZE, s, sl, NULL, len, NULL) != 0 ||
	    *len != sl / 2)
		return brk(v, HF_EPARSE, "report-format",
		           "outcomes[%zu]%s.leaf: not hex of at most %d bytes", k, what,
		           HF_AUDIT_LEAF_MAX_SIZE);
	hf_err rc = hf_audit_leaf_decode(buf, *len, leaf);
	if (rc != HF_OK)
		return brk(v, rc, "leaf-format", "outcomes[%zu]%s.leaf: %s", k, what,
		           hf_err_name(rc));
	return HF_OK;
}

/* The inclusion proof of one leaf against the checkpoint it names: (size, root) from that
 * verified checkpoint only, never from the document. */
static hf_err check_proof(vctx *v, const json_t *e, const char *what, size_t k, const uint8_t *leaf,
                          size_t len, uint64_t *size)
{
	uint64_t idx, ck;
	json_t *p = json_object_get(e, "proof");
	uint8_t proof[HF_MERKLE_MAX_PROOF * HL], lh[HL];
	size_t i, np;
	json_t *h;
	if (p == NULL || json_is_null(p))
		return brk(v, HF_EINCLUSION, "missing-proof", "outcomes[%zu]%s has no proof", k,
		           what);
	if (!get_u64(e, "index", &idx) || !get_u64(e, "checkpoint", &ck) || !json_is_array(p) ||
	    json_array_size(p) > HF_MERKLE_MAX_PROOF)
		return brk(
		    v, HF_EPARSE, "report-format",
		    "outcomes[%zu]%s: index, checkpoint or proof (at most %d hashes) malformed", k,
		    what, HF_MERKLE_MAX_PROOF);
	if (ck >= v->n_cps)
		return brk(v, HF_EINCLUSION, "missing-proof",
		           "outcomes[%zu]%s: checkpoint %" PRIu64 " is not in the report", k, what,
		           ck);
	np = json_array_size(p);
	json_array_foreach(p, i, h)
	{
		if (!hex_exact(h, proof + i * HL, HL))
			return brk(v, HF_EHASHLEN, "report-format",
			           "outcomes[%zu]%s.proof[%zu]: not a 32-byte hash in hex", k, what,
			           i);
	}
	HF_TRY(hf_audit_leaf_hash(leaf, len, lh));
	hf_err rc = hf_checkpoint_verify_inclusion(&v->cps[ck], lh, idx, proof, np * HL);
	if (rc != HF_OK)
		return brk(v, rc, "bad-proof",
		           "outcomes[%zu]%s: leaf %" PRIu64 " not proven in checkpoint %" PRIu64
		           " (size %" PRIu64 "): %s",
		           k, what, idx, ck, v->cps[ck].size, hf_err_name(rc));
	*size = v->cps[ck].size;
	return HF_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static hf_err check_outcome(vctx *v, const json_t *e, size_t k)
{
	size_t ol = 0, rl = 0;
	uint64_t size, idx;
	const hf_envelope_header *h = &v->out_leaf->hdr, *o = &v->ord_leaf->hdr;
	json_t *ord = json_object_get(e, "order");
	if (!json_is_object(e))
		return brk(v, HF_EPARSE, "report-format", "outcomes[%zu]: not an object", k);
	if (!json_is_object(ord))
		return brk(v, HF_EINCLUSION, "missing-proof",
		           "outcomes[%zu] has no order leaf (its category is unproven)", k);
	HF_TRY(get_leaf(v, e, "", k, v->out_bytes, &ol, v->out_leaf));
	HF_TRY(get_leaf(v, ord, ".order", k, v->ord_bytes, &rl, v->ord_leaf));
	HF_TRY(check_proof(v, e, "", k, v->out_bytes, ol, &size));
	HF_TRY(check_proof(v, ord, ".order", k, v->ord_bytes, rl, &size));
	if (h->type != HF_MSG_OUTCOME ||
	    !v->env->member_key(v->env->ctx, v->res->platform, &h->sender, false))
		return brk(v, HF_EROLE, "not-platform-outcome",
		           "outcomes[%zu]: leaf of type %" PRIu32
		           " is not an OUTCOME signed by the "
		           "platform",
		           k, h->type);
	if (!(h->audit.fields & HF_AUDIT_SUBJECT) || o->type != HF_MSG_ORDER ||
	    !(o->audit.fields & HF_AUDIT_SUBJECT) ||
	    memcmp(o->audit.subject, h->audit.subject, 16) != 0 || o->n_recipients < 1 ||
	    !v->env->member_key(v->env->ctx, v->res->platform, &o->recipients[0], true))
		return brk(v, HF_EROLE, "order-mismatch",
		           "outcomes[%zu]: the order leaf is not the ORDER sealed to the platform "
		           "that the outcome answers",
		           k);
	if (v->out_leaf->logged_ms < v->res->from_ms || v->out_leaf->logged_ms >= v->res->to_ms)
		return brk(v, HF_ERANGE, "out-of-period",
		           "outcomes[%zu]: logged at %" PRIu64 " ms, outside the period", k,
		           v->out_leaf->logged_ms);
	HF_TRY(get_u64(e, "index", &idx) ? HF_OK : HF_EPARSE);
	v->seen[v->n_seen++] = idx;
	return hfn_tr_tally_add(&v->tally, o, h);
}

/* The document's counts against the recount, row by row, then the totals. */
static hf_err check_counts(vctx *v, const json_t *doc)
{
	json_t *want = hfn_tr_tally_counts(&v->tally), *got = json_object_get(doc, "counts");
	json_t *row, *tot = json_object_get(doc, "totals");
	size_t i;
	hf_err rc = HF_OK;
	if (!want)
		return HF_ENOMEM;
	if (!json_is_array(got) || json_array_size(got) > 4096) {
		rc =
		    brk(v, HF_EPARSE, "report-format", "counts: not an array of at most 4096 rows");
		goto out;
	}
	json_array_foreach(got, i, row)
	{
		const char *c = json_string_value(json_object_get(row, "category"));
		const char *o = json_string_value(json_object_get(row, "outcome"));
		uint64_t n, it;
		if (!c || !o || !get_u64(row, "outcomes", &n) || !get_u64(row, "items", &it) ||
		    json_object_size(row) != 4) {
			rc = brk(v, HF_EPARSE, "report-format",
			         "counts[%zu]: needs category, outcome, outcomes, items", i);
			goto out;
		}
	}
	/* Every recounted row as the document says, and the document says nothing more. */
	json_array_foreach(want, i, row)
	{
		const char *c = json_string_value(json_object_get(row, "category"));
		const char *o = json_string_value(json_object_get(row, "outcome"));
		uint64_t n = 0, it = 0, wn = 0, wit = 0;
		size_t j;
		json_t *g;
		(void)get_u64(row, "outcomes", &wn);
		(void)get_u64(row, "items", &wit);
		json_array_foreach(got, j, g)
		{
			if (!strcmp(json_string_value(json_object_get(g, "category")), c) &&
			    !strcmp(json_string_value(json_object_get(g, "outcome")), o)) {
				(void)get_u64(g, "outcomes", &n);
				(void)get_u64(g, "items", &it);
				break;
			}
		}
		if (n != wn || it != wit) {
			rc = brk(v, HF_ERANGE, "count-mismatch",
			         "%s/%s: the report counts %" PRIu64 " outcomes, %" PRIu64
			         " items; its leaves give %" PRIu64 ", %" PRIu64,
			         c, o, n, it, wn, wit);
			goto out;
		}
	}
	json_array_foreach(got, i, row)
	{
		const char *c = json_string_value(json_object_get(row, "category"));
		const char *o = json_string_value(json_object_get(row, "outcome"));
		size_t j;
		json_t *w;
		bool found = false;
		json_array_foreach(want, j, w)
		{
			found |= !strcmp(json_string_value(json_object_get(w, "category")), c) &&
			         !strcmp(json_string_value(json_object_get(w, "outcome")), o);
		}
		uint64_t n = 0;
		(void)get_u64(row, "outcomes", &n);
		if (!found && n != 0) {
			rc =
			    brk(v, HF_ERANGE, "count-mismatch",
			        "%s/%s: the report counts %" PRIu64 " outcomes; no leaf backs them",
			        c, o, n);
			goto out;
		}
	}
	uint64_t to, ti;
	if (!json_is_object(tot) || !get_u64(tot, "outcomes", &to) || !get_u64(tot, "items", &ti)) {
		rc = brk(v, HF_EPARSE, "report-format", "totals: needs outcomes and items");
		goto out;
	}
	if (to != v->tally.outcomes || ti != v->tally.items)
		rc = brk(v, HF_ERANGE, "count-mismatch",
		         "totals: the report says %" PRIu64 " outcomes, %" PRIu64
		         " items; its leaves give %" PRIu64 ", %" PRIu64,
		         to, ti, v->tally.outcomes, v->tally.items);
out:
	json_decref(want);
	return rc;
}

static hf_err check_header(vctx *v, const json_t *doc)
{
	json_t *from = json_object_get(doc, "from_ms"), *to = json_object_get(doc, "to_ms");
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	if (!json_is_object(doc))
		return brk(v, HF_EPARSE, "report-format", "not a JSON object");
	if (!fmt || strcmp(fmt, HFN_TR_FORMAT) != 0)
		return brk(v, HF_EVERSION, "report-format", "format is not \"%s\"", HFN_TR_FORMAT);
	if (!hex_exact(json_object_get(doc, "platform"), v->res->platform, 16))
		return brk(v, HF_EPARSE, "report-format",
		           "platform: not a 16-byte member id in hex");
	v->res->from_ms = 0;
	v->res->to_ms = UINT64_MAX;
	if ((from && !json_is_null(from) && !get_u64(doc, "from_ms", &v->res->from_ms)) ||
	    (to && !json_is_null(to) && !get_u64(doc, "to_ms", &v->res->to_ms)) ||
	    v->res->from_ms > v->res->to_ms)
		return brk(v, HF_EPARSE, "report-format", "from_ms / to_ms: not a period");
	return HF_OK;
}

static hf_err open_checkpoints(vctx *v, const json_t *doc)
{
	json_t *a = json_object_get(doc, "checkpoints"), *c;
	size_t i;
	if (!json_is_array(a) || json_array_size(a) > HFN_TR_MAX_CHECKPOINTS)
		return brk(v, HF_EPARSE, "report-format", "checkpoints: not an array of at most %d",
		           HFN_TR_MAX_CHECKPOINTS);
	v->n_cps = json_array_size(a);
	v->cps = calloc(v->n_cps ? v->n_cps : 1, sizeof(*v->cps));
	if (!v->cps)
		return HF_ENOMEM;
	json_array_foreach(a, i, c)
	{
		const char *s = json_string_value(c);
		size_t sl = json_string_length(c);
		if (!s || sl > HF_NOTE_MAX_SIZE)
			return brk(v, HF_EPARSE, "report-format",
			           "checkpoints[%zu]: not a note of at most %d bytes", i,
			           HF_NOTE_MAX_SIZE);
		hf_cosig_status st;
		hf_err rc =
		    hf_checkpoint_open((const uint8_t *)s, sl, v->env->pol, &v->cps[i], &st);
		if (rc == HF_EQUORUM)
			return brk(v, rc, "checkpoint",
			           "checkpoints[%zu]: %zu of %zu required cosignatures", i,
			           st.n_valid, v->env->pol->quorum);
		if (rc != HF_OK)
			return brk(v, rc, "checkpoint", "checkpoints[%zu]: %s", i, hf_err_name(rc));
		if (v->env->published && !v->env->published(v->env->ctx, &v->cps[i]))
			return brk(v, HF_ESPLITVIEW, "checkpoint-unpublished",
			           "checkpoints[%zu] (size %" PRIu64
			           ") is not a checkpoint the log "
			           "published",
			           i, v->cps[i].size);
		if (v->cps[i].size > v->res->max_size)
			v->res->max_size = v->cps[i].size;
	}
	return HF_OK;
}

hf_err hfn_tr_verify(const uint8_t *doc, size_t len, const hfn_tr_env *env, hfn_tr_result *res)
{
	vctx v;
	json_error_t je;
	json_t *d = NULL, *outs, *e;
	size_t k;
	hf_err rc;
	memset(res, 0, sizeof(*res));
	memset(&v, 0, sizeof(v));
	v.env = env;
	v.res = res;
	if (len > HFN_TR_MAX_DOC)
		return brk(&v, HF_ETOOBIG, "report-format", "larger than %zu bytes",
		           HFN_TR_MAX_DOC);
	d = json_loadb((const char *)doc, len, JSON_REJECT_DUPLICATES, &je);
	if (!d)
		return brk(&v, HF_EPARSE, "report-format", "not JSON: %s (line %d)", je.text,
		           je.line);
	v.out_leaf = malloc(sizeof(*v.out_leaf));
	v.ord_leaf = malloc(sizeof(*v.ord_leaf));
	v.out_bytes = malloc(HF_AUDIT_LEAF_MAX_SIZE);
	v.ord_bytes = malloc(HF_AUDIT_LEAF_MAX_SIZE);
	if (!v.out_leaf || !v.ord_leaf || !v.out_bytes || !v.ord_bytes) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(check_header(&v, d));
	HF_CHECK(open_checkpoints(&v, d));
	res->n_checkpoints = v.n_cps;
	outs = json_object_get(d, "outcomes");
	if (!json_is_array(outs) || json_array_size(outs) > HFN_TR_MAX_OUTCOMES) {
		rc = brk(&v, HF_EPARSE, "report-format", "outcomes: not an array of at most %d",
		         HFN_TR_MAX_OUTCOMES);
		goto out;
	}
	v.seen = malloc((json_array_size(outs) + 1) * sizeof(*v.seen));
	if (!v.seen) {
		rc = HF_ENOMEM;
		goto out;
	}
	json_array_foreach(outs, k, e)
	{
		HF_CHECK(check_outcome(&v, e, k));
	}
	if (v.n_seen > 1)
		qsort(v.seen, v.n_seen, sizeof(*v.seen), cmp_u64);
	for (size_t i = 1; i < v.n_seen; i++)
		if (v.seen[i] == v.seen[i - 1]) {
			rc = brk(&v, HF_EDUPLICATE, "duplicate",
			         "leaf %" PRIu64 " is counted twice", v.seen[i]);
			goto out;
		}
	HF_CHECK(check_counts(&v, d));
	res->outcomes = v.tally.outcomes;
	res->items = v.tally.items;
out:
	if (rc == HF_ENOMEM)
		brk(&v, rc, "report-format", "out of memory");
	json_decref(d);
	free(v.cps);
	free(v.out_leaf);
	free(v.ord_leaf);
	free(v.out_bytes);
	free(v.ord_bytes);
	free(v.seen);
	hfn_tr_tally_free(&v.tally);
	return rc;
}
