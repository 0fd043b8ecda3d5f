/* Victim intake engine (intake.h, docs/intake.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/util.h"
#include "hashfed/order.h"
#include "hashfed/pdq.h"
#include "intake/intake.h"
#include "intake/report.h"
#include "lists/lists.h"
#include "match/match.h"
#include "match/vpdq_json.h"
#include "orders/orders.h"
#include "store/store_intake.h"
#include "hf_check.h"

/* ---- abuse controls ------------------------------------------------------------------ */

/* Token buckets keyed by a hash of the client address, in a fixed table; a new client
 * takes the slot of the fullest bucket (a full bucket means the least recent client). */
typedef struct rl_slot {
	uint64_t key;
	uint64_t at_ms;  /* time `tokens` was computed */
	uint32_t tokens; /* whole reports of credit (each worth refill_ms) */
} rl_slot;

static rl_slot rl[HFN_INTAKE_RL_SLOTS]; /* main thread only */

static uint32_t rl_tokens(const hfn_intake_cfg *c, const rl_slot *s, uint64_t now)
{
	uint64_t add = now > s->at_ms ? (now - s->at_ms) / c->refill_ms : 0;
	uint64_t t = s->tokens + add;
	return t > c->burst ? c->burst : (uint32_t)t;
}

bool hfn_intake_rate_ok(const hfn_intake_cfg *c, const char *client, uint64_t now_ms)
{
	uint64_t key = 0;
	size_t best = 0;
	uint32_t best_tokens = 0;
	crypto_generichash((uint8_t *)&key, sizeof(key), (const uint8_t *)client, strlen(client),
	                   NULL, 0);
	key |= 1; /* 0 marks a free slot */
	for (size_t i = 0; i < HFN_INTAKE_RL_SLOTS; i++) {
		rl_slot *s = &rl[i];
		if (s->key == key) {
			uint32_t t = rl_tokens(c, s, now_ms);
			/* Keep the fractional refill: advance the clock by whole tokens only. */
			if (t < c->burst)
				s->at_ms +=
				    (uint64_t)(t - (s->tokens < t ? s->tokens : t)) * c->refill_ms;
			else
				s->at_ms = now_ms;
			s->tokens = t;
			if (t == 0)
				return false;
			s->tokens--;
			return true;
		}
		uint32_t t = s->key ? rl_tokens(c, s, now_ms) : c->burst + 1;
		if (t > best_tokens) {
			best_tokens = t;
			best = i;
		}
	}
	rl[best] = (rl_slot){key, now_ms, c->burst - 1};
	return true;
}

/* ---- cases --------------------------------------------------------------------------- */

static const char *const statuses[] = {"new",      "in_review", "listed",   "ordered",
                                       "referred", "closed",    "rejected", NULL};

static bool status_ok(const char *s)
{
	for (size_t i = 0; statuses[i]; i++)
		if (!strcmp(statuses[i], s))
			return true;
	return false;
}

static void receipt_make(char out[HFN_INTAKE_RECEIPT_LEN + 1])
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */
	uint8_t r[12];
	randombytes_buf(r, sizeof(r));
	for (size_t i = 0, o = 0; i < 12; i++) {
		if (i == 4 || i == 8)
			out[o++] = '-';
		out[o++] = b32[r[i] & 31];
	}
	out[HFN_INTAKE_RECEIPT_LEN] = 0;
}

hf_err hfn_intake_submit(hfn_node *n, json_t *report, char receipt[HFN_INTAKE_RECEIPT_LEN + 1],
                         int64_t *id)
{
	char case_ref[40], hex[17];
	uint8_t r[8];
	uint64_t now = hfn_now_ms(), recent = 0;
	hf_err rc = HF_EEXIST;
	if (!(n->self_roles & HF_ROLE_AUTHORITY))
		return HF_EROLE;
	HF_TRY(hfn_store_intake_count_since(n->store, now > 3600000 ? now - 3600000 : 0, &recent));
	if (recent >= n->cfg.intake.max_per_hour)
		return HF_ETOOBIG;
	char *text = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return HF_ENOMEM;
	/* The case reference never leaves this node; lists and orders carry its pseudonym. */
	randombytes_buf(r, sizeof(r));
	hfn_hex(r, sizeof(r), hex);
	snprintf(case_ref, sizeof(case_ref), "INTAKE-%s", hex);
	for (int tries = 0; tries < 4 && rc == HF_EEXIST; tries++) {
		receipt_make(receipt);
		rc = hfn_store_intake_put(n->store, receipt, case_ref, now, text, id);
	}
	free(text);
	if (rc == HF_OK)
		hfn_log(HFN_LOG_INFO, "intake_report", "receipt", receipt, NULL);
	return rc;
}

/* ---- cross-agency hints -------------------------------------------------------------- */

typedef struct hint_ctx {
	hfn_node *n;
	json_t *arr;
	size_t item;
	int64_t frame_ms; /* -1: not a frame */
	const char *hash;
} hint_ctx;

static void hint_cb(void *ctx, const hfn_match_hit *h)
{
	hint_ctx *c = ctx;
	char list[33], issuer[33];
	size_t i;
	json_t *v;
	if (json_array_size(c->arr) >= HFN_INTAKE_MAX_HINTS || !memcmp(h->issuer, c->n->self, 16))
		return;
	hf_list_id_hex(h->list_id, list);
	hfn_hex(h->issuer, 16, issuer);
	json_array_foreach(c->arr, i, v)
	{
		/* One hint per (list, entry): the first report hash that found it. */
		if (!strcmp(json_string_value(json_object_get(v, "list")), list) &&
		    json_integer_value(json_object_get(v, "entry")) == (json_int_t)h->entry_id)
			return;
	}
	const hf_member *mb = NULL;
	const char *name = "";
	pthread_rwlock_rdlock(&c->n->mlock);
	if (hf_manifest_find_member(c->n->manifest, h->issuer, &mb) == HF_OK)
		name = hf_member_name(mb);
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:i,s:I,s:I,s:I,s:s}", "issuer", issuer,
	              "issuer_name", name, "list", list, "list_name", h->list_name, "entry",
	              (json_int_t)h->entry_id, "alg", hf_hash_alg_name(h->alg), "distance",
	              (int)h->distance, "category", (json_int_t)h->category, "issued_ms",
	              (json_int_t)h->issued_ms, "item", (json_int_t)c->item, "hash", c->hash);
	pthread_rwlock_unlock(&c->n->mlock);
	if (o && c->frame_ms >= 0)
		json_object_set_new(o, "frame_ms", json_integer(c->frame_ms));
	if (o)
		json_array_append_new(c->arr, o);
}

static hf_err hint_one(hint_ctx *c, unsigned alg, const char *hex)
{
	uint8_t v[32];
	if (!hex || hfn_unhex(hex, v, hf_hash_alg_len(alg)) != HF_OK)
		return HF_OK;
	c->hash = hf_hash_alg_name(alg);
	return hfn_match_lookup(c->n->match, alg, v, hint_cb, c);
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Matches of the report's hashes in other authorities' lists held here (issuer, list,
 * entry, time; never their case or pseudonym). */
static json_t *hints(hfn_node *n, json_t *report)
{
	hint_ctx c = {n, json_array(), 0, -1, NULL};
	json_t *it, *f;
	size_t i, k;
	if (!c.arr || !n->match)
		return c.arr;
	json_array_foreach(json_object_get(report, "items"), i, it)
	{
		c.item = i;
		c.frame_ms = -1;
		if (hint_one(&c, HF_ALG_MD5, jstr(it, "md5")) != HF_OK ||
		    hint_one(&c, HF_ALG_SHA256, jstr(it, "sha256")) != HF_OK ||
		    hint_one(&c, HF_ALG_PDQ, jstr(it, "pdq")) != HF_OK)
			break;
		json_array_foreach(json_object_get(it, "frames"), k, f)
		{
			c.frame_ms = json_integer_value(json_object_get(f, "ms"));
			if (hint_one(&c, HF_ALG_PDQ, jstr(f, "pdq")) != HF_OK)
				break;
		}
	}
	return c.arr;
}

static json_t *case_json(hfn_node *n, const hfn_store_intake *c, bool full)
{
	json_t *rep = json_loads(c->report, 0, NULL), *act = json_loads(c->actions, 0, NULL);
	json_t *o = NULL;
	if (!rep || !act)
		goto out;
	json_t *items = json_object_get(rep, "items");
	o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:i,s:i,s:O}", "id", (json_int_t)c->id, "receipt",
	              c->receipt, "status", c->status, "received_ms", (json_int_t)c->received_ms,
	              "updated_ms", (json_int_t)c->updated_ms, "items", (int)json_array_size(items),
	              "urls", (int)json_array_size(json_object_get(rep, "urls")), "role",
	              json_object_get(rep, "role"));
	if (o && full) {
		/* The case reference is shown to the node's own counselors only. */
		json_object_set_new(o, "case", json_string(c->case_ref));
		json_object_set(o, "report", rep);
		json_object_set(o, "actions", act);
		json_t *h = hints(n, rep);
		json_object_set_new(o, "hints", h ? h : json_array());
	}
out:
	json_decref(rep);
	json_decref(act);
	return o;
}

json_t *hfn_intake_case_json(hfn_node *n, int64_t id, bool full, hf_err *rc)
{
	hfn_store_intake c;
	json_t *o;
	*rc = hfn_store_intake_get(n->store, id, &c);
	if (*rc != HF_OK)
		return NULL;
	o = case_json(n, &c, full);
	hfn_store_intake_clear(&c);
	if (!o)
		*rc = HF_ENOMEM;
	return o;
}

typedef struct list_ctx {
	hfn_node *n;
	json_t *arr;
} list_ctx;

static hf_err cases_cb(void *ctx, const hfn_store_intake *c)
{
	list_ctx *l = ctx;
	json_t *o = case_json(l->n, c, false);
	if (!o)
		return HF_ENOMEM;
	return json_array_append_new(l->arr, o) == 0 ? HF_OK : HF_ENOMEM;
}

json_t *hfn_intake_cases_json(hfn_node *n, const char *status, size_t limit, hf_err *rc)
{
	list_ctx l = {n, json_array()};
	if (!l.arr) {
		*rc = HF_ENOMEM;
		return NULL;
	}
	*rc = hfn_store_intake_list(n->store, status, limit, cases_cb, &l);
	if (*rc != HF_OK) {
		json_decref(l.arr);
		return NULL;
	}
	return l.arr;
}

/* ---- counselor actions --------------------------------------------------------------- */

/* Loads a case with its report and actions parsed. */
typedef struct loaded {
	hfn_store_intake c;
	json_t *rep, *act;
} loaded;

static void loaded_clear(loaded *l)
{
	hfn_store_intake_clear(&l->c);
	json_decref(l->rep);
	json_decref(l->act);
	memset(l, 0, sizeof(*l));
}

static hf_err load(hfn_node *n, int64_t id, loaded *l)
{
	memset(l, 0, sizeof(*l));
	HF_TRY(hfn_store_intake_get(n->store, id, &l->c));
	l->rep = json_loads(l->c.report, 0, NULL);
	l->act = json_loads(l->c.actions, 0, NULL);
	if (!l->rep || !json_is_object(l->act)) {
		loaded_clear(l);
		return HF_EDB;
	}
	return HF_OK;
}

/* Appends o to actions[key] (created if absent); takes o. */
static hf_err act_append(json_t *act, const char *key, json_t *o)
{
	json_t *a = json_object_get(act, key);
	if (!o)
		return HF_ENOMEM;
	if (!a) {
		a = json_array();
		if (!a || json_object_set_new(act, key, a) != 0) {
			json_decref(o);
			return HF_ENOMEM;
		}
	}
	return json_array_append_new(a, o) == 0 ? HF_OK : HF_ENOMEM;
}

static hf_err save(hfn_node *n, loaded *l, const char *status)
{
	char *text = json_dumps(l->act, JSON_COMPACT);
	hf_err rc;
	if (!text)
		return HF_ENOMEM;
	rc = hfn_store_intake_update(n->store, l->c.id, status ? status : l->c.status, text,
	                             hfn_now_ms());
	free(text);
	return rc;
}

/* An action moves a case forward, never back from closed/rejected. */
static const char *advance(const char *cur, const char *to)
{
	return !strcmp(cur, "closed") || !strcmp(cur, "rejected") ? cur : to;
}

hf_err hfn_intake_update(hfn_node *n, int64_t id, const char *status, const char *note)
{
	loaded l;
	hf_err rc;
	if (status && !status_ok(status))
		return HF_EINVAL;
	if (note && strlen(note) > HFN_INTAKE_MAX_NOTE_LEN)
		return HF_ETOOLONG;
	HF_TRY(load(n, id, &l));
	rc = HF_OK;
	if (note) {
		json_t *notes = json_object_get(l.act, "notes");
		if (json_array_size(notes) >= HFN_INTAKE_MAX_NOTES)
			rc = HF_ERANGE;
		else
			rc = act_append(l.act, "notes",
			                json_pack("{s:I,s:s}", "at_ms", (json_int_t)hfn_now_ms(),
			                          "text", note));
	}
	if (rc == HF_OK)
		rc = save(n, &l, status);
	loaded_clear(&l);
	return rc;
}

typedef struct entries {
	hf_list_entry *e;
	size_t n, cap;
	uint8_t **frames; /* video entries' frame records, owned; n_frames of them */
	size_t n_frames;
} entries;

static hf_err add_entry(entries *es, unsigned alg, const char *hex, int quality, uint32_t cat,
                        const uint8_t pseudonym[HF_PSEUDONYM_LEN])
{
	hf_list_entry e;
	if (!hex)
		return HF_OK;
	memset(&e, 0, sizeof(e));
	e.alg = (uint8_t)alg;
	e.quality = (uint8_t)quality;
	e.category = (uint16_t)cat;
	memcpy(e.pseudonym, pseudonym, HF_PSEUDONYM_LEN);
	HF_TRY(hfn_unhex(hex, e.value, hf_hash_alg_len(alg)));
	for (size_t i = 0; i < es->n; i++)
		if (es->e[i].alg == alg && !memcmp(es->e[i].value, e.value, hf_hash_alg_len(alg)))
			return HF_OK; /* the same file twice in one report */
	HF_TRY(hfn_grow((void **)&es->e, &es->cap, es->n + 1, sizeof(*es->e)));
	es->e[es->n++] = e;
	return HF_OK;
}

/* Distinct frames of one video: a frame within HFN_INTAKE_FRAME_DEDUP of a kept one adds
 * nothing to matching (vPDQ's own de-duplication does the same). */
static hf_err add_frames(entries *es, json_t *frames, uint32_t cat, const uint8_t *ps)
{
	hf_pdq_hash *kept = calloc(json_array_size(frames) + 1, sizeof(*kept));
	size_t nk = 0, i;
	json_t *f;
	hf_err rc = HF_OK;
	if (!kept)
		return HF_ENOMEM;
	json_array_foreach(frames, i, f)
	{
		const char *hex = jstr(f, "pdq");
		hf_pdq_hash h;
		int q = (int)json_integer_value(json_object_get(f, "quality"));
		if (!hex || q < HF_PDQ_MIN_QUALITY ||
		    hf_pdq_from_hex(hex, strlen(hex), &h) != HF_OK)
			continue;
		bool dup = false;
		for (size_t k = 0; k < nk && !dup; k++)
			dup = hf_pdq_distance(&kept[k], &h) <= HFN_INTAKE_FRAME_DEDUP;
		if (dup)
			continue;
		kept[nk++] = h;
		if ((rc = add_entry(es, HF_ALG_PDQ, hex, q, cat, ps)) != HF_OK)
			break;
	}
	free(kept);
	return rc;
}

/* A video item's page frames {ms, pdq, quality} as one vPDQ list entry (docs/video.md):
 * frames of quality >= 50, first of each distinct hash (spec §12.2). Platforms then match
 * uploads against the whole video by Meta's rule. A video with no usable frame adds none. */
static hf_err add_video(entries *es, json_t *frames, uint32_t cat, const uint8_t *ps)
{
	hf_vpdq v;
	const char *why = NULL;
	uint8_t *rec = NULL, q = 0;
	uint32_t nf = 0;
	memset(&v, 0, sizeof(v));
	if (!json_is_array(frames) || json_array_size(frames) == 0)
		return HF_OK;
	hf_err rc = hfn_vpdq_from_json(frames, HFN_INTAKE_MAX_FRAMES, &v, &why);
	if (rc == HF_OK)
		rc = hf_list_video_pack(&v, HF_PDQ_MIN_QUALITY, &rec, &nf, &q);
	hf_vpdq_clear(&v);
	if (rc == HF_EMISSING)
		return HF_OK; /* nothing good enough to be evidence */
	HF_TRY(rc);
	uint8_t **fp = realloc(es->frames, (es->n_frames + 1) * sizeof(*fp));
	if (!fp) {
		free(rec);
		return HF_ENOMEM;
	}
	es->frames = fp;
	es->frames[es->n_frames++] = rec;
	HF_TRY(hfn_grow((void **)&es->e, &es->cap, es->n + 1, sizeof(*es->e)));
	hf_list_entry *e = &es->e[es->n++];
	memset(e, 0, sizeof(*e));
	e->alg = HF_ALG_VPDQ;
	e->quality = q;
	e->category = (uint16_t)cat;
	memcpy(e->pseudonym, ps, HF_PSEUDONYM_LEN);
	e->frames = rec;
	e->n_frames = nf;
	return HF_OK;
}

hf_err hfn_intake_to_list(hfn_node *n, int64_t id, const hf_list_id *list, uint32_t category,
                          uint64_t *first, uint64_t *count)
{
	loaded l;
	hfn_store_list sl;
	entries es = {NULL, 0, 0, NULL, 0};
	uint8_t ps[HF_PSEUDONYM_LEN];
	uint64_t last_batch = 0;
	char lhex[33];
	json_t *it;
	size_t i;
	hf_err rc;
	HF_TRY(hfn_store_list_get(n->store, list, &sl));
	if (!sl.mine)
		return HF_EROLE;
	HF_TRY(load(n, id, &l));
	uint32_t cat = category ? category : sl.category;
	hfn_lists_pseudonym(n, l.c.case_ref, strlen(l.c.case_ref), ps);
	rc = HF_OK;
	json_array_foreach(json_object_get(l.rep, "items"), i, it)
	{
		int q = (int)json_integer_value(json_object_get(it, "quality"));
		if (rc == HF_OK && (sl.algs & (1u << HF_ALG_PDQ)) && q >= HF_PDQ_MIN_QUALITY)
			rc = add_entry(&es, HF_ALG_PDQ, jstr(it, "pdq"), q, cat, ps);
		if (rc == HF_OK && (sl.algs & (1u << HF_ALG_PDQ)))
			rc = add_frames(&es, json_object_get(it, "frames"), cat, ps);
		if (rc == HF_OK && (sl.algs & (1u << HF_ALG_VPDQ)))
			rc = add_video(&es, json_object_get(it, "frames"), cat, ps);
		if (rc == HF_OK && (sl.algs & (1u << HF_ALG_MD5)))
			rc = add_entry(&es, HF_ALG_MD5, jstr(it, "md5"), 100, cat, ps);
		if (rc == HF_OK && (sl.algs & (1u << HF_ALG_SHA256)))
			rc = add_entry(&es, HF_ALG_SHA256, jstr(it, "sha256"), 100, cat, ps);
	}
	if (rc == HF_OK && es.n == 0)
		rc = HF_ERANGE;
	if (rc == HF_OK)
		rc = hfn_lists_add(n, list, es.e, es.n, first, &last_batch);
	if (rc == HF_OK) {
		*count = es.n;
		hf_list_id_hex(list, lhex);
		rc = act_append(l.act, "lists",
		                json_pack("{s:s,s:I,s:I,s:I,s:I}", "list", lhex, "first",
		                          (json_int_t)*first, "count", (json_int_t)es.n, "batch",
		                          (json_int_t)last_batch, "at_ms",
		                          (json_int_t)hfn_now_ms()));
		if (rc == HF_OK)
			rc = save(n, &l, advance(l.c.status, "listed"));
	}
	free(es.e);
	for (size_t k = 0; k < es.n_frames; k++)
		free(es.frames[k]);
	free(es.frames);
	loaded_clear(&l);
	return rc;
}

hf_err hfn_intake_to_order(hfn_node *n, int64_t id, const hfn_intake_order *o,
                           hf_order_id *order_id)
{
	loaded l;
	hf_order_item *items = NULL;
	hf_order_ref refs[HF_ORDER_MAX_REFS];
	uint8_t hv[3][32];
	hf_content_hash hashes[3];
	uint32_t n_refs = 0, n_hashes = 0;
	json_t *v, *urls;
	size_t i, nu;
	hf_err rc;
	HF_TRY(load(n, id, &l));
	urls = json_object_get(l.rep, "urls");
	nu = json_array_size(urls);
	rc = HF_EINVAL;
	if (nu == 0 || nu > HF_ORDER_MAX_ITEMS)
		goto out;
	/* Each item refers to the entries this case added to our lists. */
	json_array_foreach(json_object_get(l.act, "lists"), i, v)
	{
		uint64_t first = (uint64_t)json_integer_value(json_object_get(v, "first"));
		uint64_t cnt = (uint64_t)json_integer_value(json_object_get(v, "count"));
		for (uint64_t k = 0; k < cnt && n_refs < HF_ORDER_MAX_REFS; k++) {
			if (hfn_unhex(jstr(v, "list"), refs[n_refs].list_id.b,
			              sizeof refs[n_refs].list_id.b) != HF_OK)
				break;
			refs[n_refs++].entry_id = first + k;
		}
	}
	/* With one reported file, its digests help the platform find every copy. */
	json_t *items_j = json_object_get(l.rep, "items");
	if (json_array_size(items_j) == 1) {
		json_t *it = json_array_get(items_j, 0);
		static const unsigned algs[3] = {HF_ALG_SHA256, HF_ALG_MD5, HF_ALG_PDQ};
		static const char *const keys[3] = {"sha256", "md5", "pdq"};
		for (unsigned k = 0; k < 3; k++) {
			const char *hex = jstr(it, keys[k]);
			size_t len = hf_hash_alg_len(algs[k]);
			if (!hex || hfn_unhex(hex, hv[n_hashes], len) != HF_OK)
				continue;
			hashes[n_hashes] =
			    (hf_content_hash){.alg = algs[k], .value = hv[n_hashes], .len = len};
			n_hashes++;
		}
	}
	items = calloc(nu, sizeof(*items));
	rc = HF_ENOMEM;
	if (!items)
		goto out;
	json_array_foreach(urls, i, v)
	{
		hf_order_item *it = &items[i];
		it->index = (uint32_t)i;
		it->locator_kind = HF_LOC_URL;
		it->locator = json_string_value(v);
		it->locator_len = json_string_length(v);
		it->n_refs = n_refs;
		memcpy(it->refs, refs, sizeof(refs[0]) * n_refs);
		it->n_hashes = n_hashes;
		memcpy(it->hashes, hashes, sizeof(hashes[0]) * n_hashes);
	}
	hfn_orders_new req = {
	    .category = o->category,
	    .priority = HF_PRIO_HIGH,
	    .deadline_in_ms = o->deadline_in_ms,
	    .legal_basis = o->legal_basis,
	    .case_ref = l.c.case_ref,
	    .note = o->note,
	    .items = items,
	    .n_items = (uint32_t)nu,
	};
	memcpy(req.platform, o->platform, HF_MEMBER_ID_LEN);
	rc = hfn_orders_create(n, &req, order_id);
	if (rc == HF_OK) {
		char oh[HF_ID_HEX_SIZE], ph[33];
		hf_order_id_hex(order_id, oh);
		hfn_hex(o->platform, 16, ph);
		rc = act_append(l.act, "orders",
		                json_pack("{s:s,s:s,s:I,s:i,s:I}", "id", oh, "platform", ph,
		                          "category", (json_int_t)o->category, "items", (int)nu,
		                          "at_ms", (json_int_t)hfn_now_ms()));
		if (rc == HF_OK)
			rc = save(n, &l, advance(l.c.status, "ordered"));
	}
out:
	free(items);
	loaded_clear(&l);
	return rc;
}

hf_err hfn_intake_refer(hfn_node *n, int64_t id, const uint8_t to[HF_MEMBER_ID_LEN],
                        uint32_t category, const char *note, hf_order_id *referral_id)
{
	loaded l;
	hf_order_id orders[HF_REFERRAL_MAX_ORDERS];
	uint8_t ps[HF_CASE_PSEUDONYM_LEN];
	uint32_t n_orders = 0;
	json_t *v;
	size_t i;
	hf_err rc;
	HF_TRY(load(n, id, &l));
	json_array_foreach(json_object_get(l.act, "orders"), i, v)
	{
		if (n_orders < HF_REFERRAL_MAX_ORDERS &&
		    hfn_unhex(jstr(v, "id"), orders[n_orders].b, sizeof orders[n_orders].b) ==
		        HF_OK) {
			if (!category)
				category =
				    (uint32_t)json_integer_value(json_object_get(v, "category"));
			n_orders++;
		}
	}
	if (!category)
		category = 1;
	rc = hf_case_pseudonym(n->pseudonym_key, (const uint8_t *)l.c.case_ref,
	                       strlen(l.c.case_ref), ps);
	if (rc == HF_OK)
		rc =
		    hfn_orders_refer_case(n, to, ps, category, orders, n_orders, note, referral_id);
	if (rc == HF_OK) {
		char rh[HF_ID_HEX_SIZE], th[33];
		hf_order_id_hex(referral_id, rh);
		hfn_hex(to, 16, th);
		rc = act_append(l.act, "referrals",
		                json_pack("{s:s,s:s,s:I}", "id", rh, "to", th, "at_ms",
		                          (json_int_t)hfn_now_ms()));
		if (rc == HF_OK)
			rc = save(n, &l, advance(l.c.status, "referred"));
	}
	loaded_clear(&l);
	return rc;
}
