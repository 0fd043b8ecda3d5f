/* Local HTTP API: routes, auth, JSON (docs/api.md). Runs on the main loop thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "api/api.h"
#include "api/http_json.h"
#include "api/routes.h"
#include "lists/lists.h"
#include "core/log.h"
#include "match/match.h"
#include "match/vpdq_json.h"
#include "core/node.h"
#include "orders/orders.h"
#include "hf_check.h"

typedef struct hfn_api {
	hfn_node *n;
	struct evhttp *http;
	SSL_CTX *tls; /* [api] tls_cert/tls_key: every connection is HTTPS */
	uint8_t token_hash[32];
} hfn_api;

/* ---- responses ------------------------------------------------------------ */

/* ---- helpers -------------------------------------------------------------- */

static bool json_u64(json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static hf_err parse_algs(json_t *a, uint32_t *mask)
{
	size_t i;
	json_t *v;
	unsigned alg;
	*mask = 0;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return HF_EINVAL;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) || hf_hash_alg_parse(json_string_value(v), &alg) != HF_OK)
			return HF_EINVAL;
		*mask |= 1u << alg;
	}
	return HF_OK;
}

static json_t *algs_json(uint32_t mask)
{
	json_t *a = json_array();
	for (unsigned alg = HF_ALG_PDQ; alg <= HF_ALG_VPDQ; alg++)
		if ((mask & (1u << alg)) && hf_hash_alg_name(alg))
			json_array_append_new(a, json_string(hf_hash_alg_name(alg)));
	return a;
}

static json_t *list_json(hfn_node *n, const hfn_store_list *l)
{
	hfn_store_counts c = {0, 0, 0, 0};
	char issuer[33];
	if (hfn_store_entry_counts(n->store, &l->id, hfn_now_ms(), &c) != HF_OK)
		memset(&c, 0, sizeof(c));
	hfn_hex(l->issuer, 16, issuer);
	return json_pack("{s:o,s:s,s:I,s:o,s:s,s:b,s:I,s:o,s:I,s:{s:I,s:I,s:I}}", "id",
	                 hfn_http_hex(l->id.b, HF_LIST_ID_LEN), "name", l->name, "category",
	                 (json_int_t)l->category, "algs", algs_json(l->algs), "issuer", issuer,
	                 "mine", l->mine, "head", (json_int_t)l->head_n, "head_hash",
	                 hfn_http_hex(l->head_hash, 32), "next_id", (json_int_t)l->next_id,
	                 "entries", "active", (json_int_t)c.active, "removed",
	                 (json_int_t)c.removed, "expired", (json_int_t)c.expired);
}

/* ---- handlers ------------------------------------------------------------- */

static hf_err lists_cb(void *ctx, const hfn_store_list *l)
{
	void **c = ctx;
	json_array_append_new(c[1], list_json(c[0], l));
	return HF_OK;
}

static void get_lists(hfn_api *a, struct evhttp_request *req)
{
	json_t *arr = json_array();
	void *c[2] = {a->n, arr};
	hfn_http_reply_array(req, "lists", hfn_store_lists(a->n->store, lists_cb, c), arr);
}

static void post_lists(hfn_api *a, struct evhttp_request *req)
{
	json_t *j = hfn_http_body(req), *v;
	uint8_t(*pl)[HF_MEMBER_ID_LEN] = NULL;
	hf_list_id id;
	uint32_t algs;
	uint64_t cat = 0;
	size_t i, np = 0;
	hf_err rc = HF_EINVAL;
	const char *name;
	static const char *const fields[] = {"name", "algs", "category", "platforms", NULL};
	if (!j) {
		hfn_http_fail(req, HF_EPARSE, "body is not a JSON object");
		return;
	}
	if (!hfn_http_known(req, j, "", fields))
		goto out;
	name = json_string_value(json_object_get(j, "name"));
	json_t *plats = json_object_get(j, "platforms");
	if (!name || parse_algs(json_object_get(j, "algs"), &algs) != HF_OK ||
	    (json_object_get(j, "category") &&
	     !json_u64(json_object_get(j, "category"), UINT32_MAX, &cat)) ||
	    (plats &&
	     (!json_is_array(plats) || json_array_size(plats) > HFN_LISTS_MAX_PLATFORMS))) {
		hfn_http_fail(req, HF_EINVAL,
		              "need name, algs [pdq|md5|sha256|vpdq], platforms [hex ids]");
		goto out;
	}
	np = plats ? json_array_size(plats) : 0;
	pl = calloc(np ? np : 1, sizeof(*pl));
	if (!pl) {
		hfn_http_fail(req, HF_ENOMEM, NULL);
		goto out;
	}
	json_array_foreach(plats, i, v)
	{
		if (!json_is_string(v) || hfn_unhex(json_string_value(v), pl[i], 16) != HF_OK) {
			hfn_http_fail(req, HF_EINVAL, "platform ids are 32 hex characters");
			goto out;
		}
	}
	rc = hfn_lists_create(a->n, name, (uint32_t)cat, algs, (const uint8_t(*)[16])pl, np, &id);
	if (rc != HF_OK)
		hfn_http_fail(req, rc, NULL);
	else
		hfn_http_reply(req, 200,
		               json_pack("{s:o}", "id", hfn_http_hex(id.b, HF_LIST_ID_LEN)));
out:
	free(pl);
	json_decref(j);
}

static const char *const ENTRY_FIELDS[] = {
    "alg", "value", "vpdq", "quality", "category", "expires_ms", "case", "pseudonym", NULL};

/* A video entry's frames from {"vpdq": frames or Meta's text}: quality-filtered at
 * min_quality, first of each distinct hash (spec §12.2); *frames is malloc'd. */
static hf_err parse_video(hfn_node *n, json_t *o, hf_list_entry *e, uint8_t **frames,
                          const char **why)
{
	hf_vpdq v;
	uint8_t q;
	memset(&v, 0, sizeof(v));
	HF_TRY(hfn_vpdq_from_json(json_object_get(o, "vpdq"), HF_VID_MAX_HASH_FRAMES, &v, why));
	int minq = n->cfg.match.min_quality ? n->cfg.match.min_quality : 50;
	hf_err rc = hf_list_video_pack(&v, minq, frames, &e->n_frames, &q);
	hf_vpdq_clear(&v);
	if (rc == HF_EMISSING)
		*why = "no frame of the video reaches min_quality";
	else if (rc == HF_ETOOLONG)
		*why = "more distinct frames than a list entry holds (HF_LIST_MAX_VIDEO_FRAMES)";
	HF_TRY(rc);
	e->frames = *frames;
	e->quality = q;
	return HF_OK;
}

static hf_err parse_entry(hfn_node *n, json_t *o, hf_list_entry *e, uint8_t **frames,
                          const char **why)
{
	unsigned alg;
	uint64_t q = 100, cat = 0, exp = 0;
	const char *alg_s = json_string_value(json_object_get(o, "alg"));
	const char *val = json_string_value(json_object_get(o, "value"));
	const char *case_ref = json_string_value(json_object_get(o, "case"));
	const char *ps = json_string_value(json_object_get(o, "pseudonym"));
	memset(e, 0, sizeof(*e));
	*frames = NULL;
	if (!json_is_object(o) || !alg_s || hf_hash_alg_parse(alg_s, &alg) != HF_OK)
		return HF_EINVAL;
	e->alg = (uint8_t)alg;
	if (alg == HF_ALG_VPDQ)
		HF_TRY(parse_video(n, o, e, frames, why));
	else if (!val)
		return HF_EINVAL;
	else
		HF_TRY(hfn_unhex(val, e->value, hf_hash_alg_len(alg)));
	if ((json_object_get(o, "quality") &&
	     !json_u64(json_object_get(o, "quality"), HF_LIST_MAX_QUALITY, &q)) ||
	    (json_object_get(o, "category") &&
	     !json_u64(json_object_get(o, "category"), UINT16_MAX, &cat)) ||
	    (json_object_get(o, "expires_ms") &&
	     !json_u64(json_object_get(o, "expires_ms"), UINT64_MAX >> 1, &exp)))
		return HF_ERANGE;
	if (alg != HF_ALG_VPDQ) /* a video's quality is its lowest frame's */
		e->quality = (uint8_t)q;
	e->category = (uint16_t)cat;
	e->expires_ms = exp;
	/* The case reference never leaves the node: only its keyed pseudonym travels. */
	if (ps)
		HF_TRY(hfn_unhex(ps, e->pseudonym, HF_PSEUDONYM_LEN));
	else if (case_ref)
		hfn_lists_pseudonym(n, case_ref, strlen(case_ref), e->pseudonym);
	return HF_OK;
}

static void post_entries(hfn_api *a, struct evhttp_request *req, const hf_list_id *id)
{
	json_t *j = hfn_http_body(req), *arr, *v;
	hf_list_entry *e = NULL;
	uint8_t **frames = NULL;
	size_t i, count = 0;
	uint64_t first = 0, last = 0;
	hf_err rc;
	static const char *const fields[] = {"entries", NULL};
	if (!j || !json_is_array(arr = json_object_get(j, "entries"))) {
		hfn_http_fail(req, HF_EPARSE, "need {\"entries\": [...]}");
		goto out;
	}
	if (!hfn_http_known(req, j, "", fields))
		goto out;
	count = json_array_size(arr);
	e = calloc(count ? count : 1, sizeof(*e));
	frames = calloc(count ? count : 1, sizeof(*frames));
	if (!e || !frames) {
		hfn_http_fail(req, HF_ENOMEM, NULL);
		goto out;
	}
	json_array_foreach(arr, i, v)
	{
		const char *bad = hfn_json_unknown(v, ENTRY_FIELDS);
		if (bad) {
			char where[40], msg[160];
			snprintf(where, sizeof(where), "entries[%zu].", i);
			hfn_http_fail(req, HF_EUNKNOWNKEY,
			              hfn_unknown_msg(msg, sizeof(msg), where, bad));
			goto out;
		}
		const char *why = NULL;
		rc = parse_entry(a->n, v, &e[i], &frames[i], &why);
		if (rc != HF_OK) {
			char msg[160];
			snprintf(msg, sizeof(msg), "entry %zu is invalid%s%s", i, why ? ": " : "",
			         why ? why : "");
			hfn_http_fail(req, rc, msg);
			goto out;
		}
	}
	rc = hfn_lists_add(a->n, id, e, count, &first, &last);
	if (rc != HF_OK)
		hfn_http_fail(req, rc, NULL);
	else
		hfn_http_reply(req, 200,
		               json_pack("{s:I,s:I,s:I}", "first_id", (json_int_t)first, "count",
		                         (json_int_t)count, "batch", (json_int_t)last));
out:
	for (i = 0; frames && i < count; i++)
		free(frames[i]);
	free(frames);
	free(e);
	json_decref(j);
}

static void post_remove(hfn_api *a, struct evhttp_request *req, const hf_list_id *id)
{
	json_t *j = hfn_http_body(req), *arr, *v;
	uint64_t *ids = NULL, batch = 0;
	size_t i, count;
	hf_err rc;
	static const char *const fields[] = {"ids", NULL};
	if (!j || !json_is_array(arr = json_object_get(j, "ids")) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > HF_LIST_MAX_BATCH_REMOVED) {
		hfn_http_fail(req, HF_EPARSE, "need {\"ids\": [1, 2, ...]}");
		goto out;
	}
	if (!hfn_http_known(req, j, "", fields))
		goto out;
	count = json_array_size(arr);
	ids = calloc(count, sizeof(*ids));
	if (!ids) {
		hfn_http_fail(req, HF_ENOMEM, NULL);
		goto out;
	}
	json_array_foreach(arr, i, v)
	{
		if (!json_u64(v, UINT64_MAX >> 1, &ids[i]) || ids[i] == 0) {
			hfn_http_fail(req, HF_EINVAL, "ids are positive integers");
			goto out;
		}
	}
	rc = hfn_lists_remove(a->n, id, ids, count, &batch);
	if (rc != HF_OK)
		hfn_http_fail(req, rc, NULL);
	else
		hfn_http_reply(req, 200, json_pack("{s:I}", "batch", (json_int_t)batch));
out:
	free(ids);
	json_decref(j);
}

static void post_platform(hfn_api *a, struct evhttp_request *req, const hf_list_id *id)
{
	json_t *j = hfn_http_body(req);
	uint8_t member[16];
	const char *m = j ? json_string_value(json_object_get(j, "member")) : NULL;
	static const char *const fields[] = {"member", NULL};
	if (j && !hfn_http_known(req, j, "", fields)) {
		/* replied */
	} else if (!m || hfn_unhex(m, member, 16) != HF_OK) {
		hfn_http_fail(req, HF_EINVAL, "need {\"member\": \"<32 hex>\"}");
	} else {
		hf_err rc = hfn_lists_entitle(a->n, id, member);
		if (rc != HF_OK)
			hfn_http_fail(req, rc, NULL);
		else
			hfn_http_reply(req, 200, json_pack("{s:b}", "snapshot_queued", 1));
	}
	json_decref(j);
}

static hf_err entry_cb(void *ctx, const hf_list_entry *e)
{
	json_t *arr = ctx;
	json_t *o = json_pack(
	    "{s:I,s:s,s:o,s:i,s:i,s:I,s:o}", "id", (json_int_t)e->id, "alg",
	    hf_hash_alg_name(e->alg), "value",
	    e->alg == HF_ALG_VPDQ ? json_null() : hfn_http_hex(e->value, hf_hash_alg_len(e->alg)),
	    "quality", (int)e->quality, "category", (int)e->category, "expires_ms",
	    (json_int_t)e->expires_ms, "pseudonym", hfn_http_hex(e->pseudonym, HF_PSEUDONYM_LEN));
	if (e->alg == HF_ALG_VPDQ) { /* the frames as the entry holds them (spec §12.2) */
		hf_vpdq v;
		memset(&v, 0, sizeof(v));
		if (hf_list_video_unpack(e, &v) != HF_OK) {
			hf_vpdq_clear(&v);
			json_decref(o);
			return HF_ENOMEM;
		}
		json_object_set_new(o, "vpdq", hfn_vpdq_to_json(&v));
		hf_vpdq_clear(&v);
	}
	json_array_append_new(arr, o);
	return HF_OK;
}

static void get_entries(hfn_api *a, struct evhttp_request *req, const hf_list_id *id)
{
	struct evkeyvalq q;
	uint64_t after = 0, limit = 1000;
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) == 0) {
		const char *s = evhttp_find_header(&q, "after");
		if (s)
			after = strtoull(s, NULL, 10);
		s = evhttp_find_header(&q, "limit");
		if (s)
			limit = strtoull(s, NULL, 10);
	}
	evhttp_clear_headers(&q);
	if (limit == 0 || limit > 100000)
		limit = 100000;
	json_t *arr = json_array();
	hfn_http_reply_array(req, "entries",
	                     hfn_store_entries_active(a->n->store, id, hfn_now_ms(), after,
	                                              (size_t)limit, entry_cb, arr),
	                     arr);
}

typedef struct hfn_deliv_ctx {
	hfn_node *n;
	json_t *arr;
	struct evbuffer *prom;
} hfn_deliv_ctx;

static hf_err deliv_cb(void *ctx, const hf_list_id *list, const uint8_t *peer, uint64_t delivered,
                       uint64_t queued, uint64_t pending)
{
	hfn_deliv_ctx *c = ctx;
	hfn_store_list l;
	char lh[HF_ID_HEX_SIZE], ph[33];
	uint64_t head = hfn_store_list_get(c->n->store, list, &l) == HF_OK ? l.head_n : queued;
	uint64_t lag = head > delivered ? head - delivered : 0;
	hf_list_id_hex(list, lh);
	hfn_hex(peer, 16, ph);
	if (c->arr)
		json_array_append_new(
		    c->arr, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "list", lh, "peer", ph,
		                      "delivered", (json_int_t)delivered, "head", (json_int_t)head,
		                      "lag", (json_int_t)lag, "pending", (json_int_t)pending));
	if (c->prom)
		evbuffer_add_printf(c->prom, "hashfed_batch_lag{list=\"%s\",peer=\"%s\"} %llu\n",
		                    lh, ph, (unsigned long long)lag);
	return HF_OK;
}

static hf_err undeliv_cb(void *ctx, const uint8_t *peer, const hf_msg_id *msg_id,
                         const char *status, uint32_t attempts)
{
	json_array_append_new(ctx, json_pack("{s:o,s:o,s:s,s:i}", "peer", hfn_http_hex(peer, 16),
	                                     "msg", hfn_http_hex(msg_id->b, sizeof msg_id->b),
	                                     "code", status, "attempts", (int)attempts));
	return HF_OK;
}

static void hfn_get_status(hfn_api *a, struct evhttp_request *req)
{
	hfn_node *n = a->n;
	json_t *lists = json_array(), *deliv = json_array(), *undeliv = json_array();
	size_t n_undeliv = 0;
	void *c[2] = {n, lists};
	hfn_deliv_ctx dc = {n, deliv, NULL};
	char roles[64] = "none";
	uint64_t epoch;
	if (hf_roles_format(n->self_roles, roles, sizeof(roles)) != HF_OK)
		snprintf(roles, sizeof(roles), "?");
	pthread_rwlock_rdlock(&n->mlock);
	epoch = hf_manifest_epoch(n->manifest);
	pthread_rwlock_unlock(&n->mlock);
	if (hfn_store_lists(n->store, lists_cb, c) != HF_OK ||
	    hfn_store_delivery(n->store, deliv_cb, &dc) != HF_OK ||
	    hfn_store_outbox_undeliverable(n->store, 100, undeliv_cb, undeliv, &n_undeliv) !=
	        HF_OK) {
		json_decref(lists);
		json_decref(deliv);
		json_decref(undeliv);
		hfn_http_fail(req, HF_EDB, NULL);
		return;
	}
	hfn_http_reply(req, 200,
	               json_pack("{s:o,s:s,s:I,s:o,s:o,s:{s:I,s:o}}", "member",
	                         hfn_http_hex(n->self, 16), "roles", roles, "manifest_epoch",
	                         (json_int_t)epoch, "lists", lists, "delivery", deliv,
	                         "undeliverable", "count", (json_int_t)n_undeliv, "messages",
	                         undeliv));
}

static hf_err prom_counter(void *ctx, const char *name, const char *label, int64_t v)
{
	struct evbuffer *b = ctx;
	if (!strcmp(name, "rejects")) {
		const char *bar = strchr(label, '|');
		if (!bar)
			return HF_OK;
		evbuffer_add_printf(b, "hashfed_rejects_total{peer=\"%.*s\",code=\"%s\"} %lld\n",
		                    (int)(bar - label), label, bar + 1, (long long)v);
	} else if (!strcmp(name, "undeliverable")) {
		const char *bar = strchr(label, '|');
		if (!bar)
			return HF_OK;
		evbuffer_add_printf(b,
		                    "hashfed_undeliverable_total{type=\"%.*s\",code=\"%s\"} %lld\n",
		                    (int)(bar - label), label, bar + 1, (long long)v);
	} else if (!strcmp(name, "inbox_commits")) {
		evbuffer_add_printf(b, "hashfed_inbox_commits_total %lld\n", (long long)v);
	} else if (!strncmp(name, "messages_", 9)) {
		evbuffer_add_printf(b, "hashfed_%s_total{type=\"%s\"} %lld\n", name, label,
		                    (long long)v);
	} else {
		evbuffer_add_printf(b, "hashfed_%s_total{list=\"%s\"} %lld\n", name, label,
		                    (long long)v);
	}
	return HF_OK;
}

static void get_metrics(hfn_api *a, struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	hfn_deliv_ctx dc = {a->n, NULL, b};
	evbuffer_add_printf(b, "# TYPE hashfed_messages_in_total counter\n"
	                       "# TYPE hashfed_messages_out_total counter\n"
	                       "# TYPE hashfed_rejects_total counter\n"
	                       "# TYPE hashfed_inbox_commits_total counter\n"
	                       "# TYPE hashfed_undeliverable_total counter\n"
	                       "# TYPE hashfed_batch_lag gauge\n");
	if (hfn_store_counters(a->n->store, prom_counter, b) != HF_OK ||
	    hfn_store_delivery(a->n->store, deliv_cb, &dc) != HF_OK) {
		hfn_http_fail(req, HF_EDB, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* ---- routing ------------------------------------------------------------------ */

/* A POST of video (or octet-stream) bytes to /v1/match: the one request that may exceed
 * HFN_API_MAX_BODY (up to [match] max_video_bytes, checked by its handler). */
static bool video_upload(struct evhttp_request *req, const char *path)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	return evhttp_request_get_command(req) == EVHTTP_REQ_POST && !strcmp(path, "/v1/match") &&
	       ct && (!strncmp(ct, "video/", 6) || !strncmp(ct, "application/octet-stream", 24));
}

static bool authorized(hfn_api *a, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	uint8_t got[32];
	if (!h || strncmp(h, "Bearer ", 7) != 0)
		return false;
	/* Hash first, so the comparison is constant-time whatever the lengths. */
	crypto_generichash(got, sizeof(got), (const uint8_t *)h + 7, strlen(h + 7), NULL, 0);
	return sodium_memcmp(got, a->token_hash, sizeof(got)) == 0;
}

static void hfn_route(struct evhttp_request *req, void *arg)
{
	hfn_api *a = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool get = cmd == EVHTTP_REQ_GET, post = cmd == EVHTTP_REQ_POST;
	hf_list_id id;
	char sub[32] = "", idhex[40];
	if (!path)
		path = "/";
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > HFN_API_MAX_BODY &&
	    !video_upload(req, path)) {
		hfn_http_fail(req, HF_ETOOBIG,
		              "body larger than 32 MiB (only video bytes to /v1/match "
		              "may be larger: [match] max_video_bytes)");
		return;
	}
	if (!strcmp(path, "/healthz") && get) {
		hfn_http_reply(req, 200, json_pack("{s:s}", "status", "ok"));
		return;
	}
	if (hfn_intake_public_route(a->n, req, path) || hfn_audit_public_route(a->n, req, path))
		return;
	if (!authorized(a, req)) {
		hfn_http_fail(req, HF_EAUTH, "missing or wrong bearer token");
		return;
	}
	if (hfn_match_api_route(a->n, req, path) || hfn_intake_route(a->n, req, path) ||
	    hfn_audit_api_route(a->n, req, path))
		return;
	if (!strcmp(path, "/metrics") && get)
		get_metrics(a, req);
	else if (!strcmp(path, "/v1/status") && get)
		hfn_get_status(a, req);
	else if (!strcmp(path, "/v1/lists") && get)
		get_lists(a, req);
	else if (!strcmp(path, "/v1/lists") && post)
		post_lists(a, req);
	else if (sscanf(path, "/v1/lists/%32[0-9a-fA-F]%31s", idhex, sub) >= 1 &&
	         hfn_unhex(idhex, id.b, sizeof id.b) == HF_OK) {
		hfn_store_list l;
		if (!sub[0] && get) {
			hf_err rc = hfn_store_list_get(a->n->store, &id, &l);
			if (rc != HF_OK)
				hfn_http_fail(req, rc, "no such list");
			else
				hfn_http_reply(req, 200, list_json(a->n, &l));
		} else if (!strcmp(sub, "/entries") && post)
			post_entries(a, req, &id);
		else if (!strcmp(sub, "/entries") && get)
			get_entries(a, req, &id);
		else if (!strcmp(sub, "/remove") && post)
			post_remove(a, req, &id);
		else if (!strcmp(sub, "/platforms") && post)
			post_platform(a, req, &id);
		else
			hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
	} else if (!hfn_orders_route(a->n, req, path)) {
		hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
	}
}

/* ---- HTTPS ------------------------------------------------------------------- */

/* TLS 1.2+ server context from [api] tls_cert (PEM chain) and tls_key (0600). */
static hf_err api_tls(const hfn_config *c, SSL_CTX **out)
{
	SSL_CTX *ctx = NULL;
	hf_err rc;
	*out = NULL;
	if ((rc = hfn_config_check_secret_file(c->api_tls_key)) != HF_OK) {
		hfn_log(HFN_LOG_ERROR, "api_tls_key_refused", "code", hf_err_name(rc), NULL);
		return rc;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return HF_ENOMEM;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, c->api_tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->api_tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		char why[160];
		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		hfn_log(HFN_LOG_ERROR, "api_tls_config_failed", "cert", c->api_tls_cert, "detail",
		        why, NULL);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return HF_ECONFIG;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_CIPHER_SERVER_PREFERENCE);
	*out = ctx;
	return HF_OK;
}

/* evhttp's bufferevent factory: each accepted connection starts a TLS handshake. */
static struct bufferevent *api_bev(struct event_base *base, void *arg)
{
	hfn_api *a = arg;
	SSL *ssl = SSL_new(a->tls);
	struct bufferevent *bev;
	/* NULL makes evhttp fall back to a plain socket: the client's ClientHello is then
	 * answered 400 in the clear and its TLS fails, so no token is ever sent in the clear. */
	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	/* Clients (curl among them) often close without close_notify: not an error here. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

hf_err hfn_api_start(hfn_node *n, void **out)
{
	hfn_api *a = calloc(1, sizeof(*a));
	FILE *f = NULL;
	char tok[512];
	hf_err rc = HF_ECONFIG;
	*out = NULL;
	if (!a)
		return HF_ENOMEM;
	a->n = n;
	if ((rc = hfn_config_check_secret_file(n->cfg.api_token_file)) != HF_OK) {
		hfn_log(HFN_LOG_ERROR, "token_file_refused", "code", hf_err_name(rc), NULL);
		goto out;
	}
	rc = HF_ECONFIG;
	f = fopen(n->cfg.api_token_file, "r");
	if (!f || !fgets(tok, sizeof(tok), f))
		goto out;
	tok[strcspn(tok, "\r\n")] = 0;
	if (strlen(tok) < 16) /* a guessable token is a misconfiguration */
		goto out;
	crypto_generichash(a->token_hash, sizeof(a->token_hash), (const uint8_t *)tok, strlen(tok),
	                   NULL, 0);
	a->http = evhttp_new(n->base);
	if (!a->http) {
		rc = HF_ENOMEM;
		goto out;
	}
	/* libevent 2.1 has one body cap per server, applied before any route is known: the
	 * larger of HFN_API_MAX_BODY and [match] max_video_bytes; hfn_route refuses bodies over
	 * HFN_API_MAX_BODY on every route but video bytes to /v1/match (docs/api.md). */
	uint64_t cap = n->cfg.match.max_video_bytes > HFN_API_MAX_BODY
	                   ? n->cfg.match.max_video_bytes
	                   : HFN_API_MAX_BODY;
	evhttp_set_max_body_size(a->http, (ev_ssize_t)(cap > INT64_MAX ? INT64_MAX : cap));
	evhttp_set_max_headers_size(a->http, HFN_API_MAX_HEADERS);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_timeout(a->http, 60);
	evhttp_set_gencb(a->http, hfn_route, a);
	if (n->cfg.api_tls_cert[0]) {
		if ((rc = api_tls(&n->cfg, &a->tls)) != HF_OK)
			goto out;
		evhttp_set_bevcb(a->http, api_bev, a);
	}
	if (evhttp_bind_socket(a->http, n->cfg.api_host, n->cfg.api_port) != 0) {
		hfn_log(HFN_LOG_ERROR, "api_bind_failed", "host", n->cfg.api_host, NULL);
		rc = HF_ENET;
		goto out;
	}
	/* Plain HTTP with a bearer token: anyone on the path reads the token (issue 12). The
	 * config refuses this unless [api] allow_plaintext says so; it is still worth a line. */
	if (!a->tls && !hfn_config_host_loopback(n->cfg.api_host))
		hfn_log(HFN_LOG_WARN, "api_plaintext_not_loopback", "host", n->cfg.api_host,
		        "advice", "set [api] tls_cert and tls_key, or bind the API to loopback",
		        NULL);
	hfn_log(HFN_LOG_INFO, "api_listening", "host", n->cfg.api_host, "scheme",
	        a->tls ? "https" : "http", NULL);
	*out = a;
	a = NULL;
	rc = HF_OK;
out:
	sodium_memzero(tok, sizeof(tok));
	if (f)
		fclose(f);
	hfn_api_stop(a);
	return rc;
}

void hfn_api_stop(void *api)
{
	hfn_api *a = api;
	if (!a)
		return;
	if (a->http)
		evhttp_free(a->http);
	SSL_CTX_free(a->tls);
	free(a);
}
