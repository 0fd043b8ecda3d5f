/* HTTP routes of the matcher: /v1/match..., /m/lookup, /v1/lists/{id}/reports (docs/api.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/http_json.h"
#include "api/routes.h"
#include "hashfed/content.h"
#include "hashfed/digest.h"
#include "hashfed/image.h"
#include "hashfed/match_report.h"
#include "hashfed/vpdq.h"
#include "core/log.h"
#include "match/match.h"
#include "match/vpdq_json.h"
#include "hf_check.h"

/* ---- replies (the same shapes as api.c) ------------------------------------------------ */

/* Parses {"alg", "value"} of o into alg/value. */
static hf_err parse_hash(json_t *o, unsigned *alg, uint8_t value[HF_LIST_MAX_VALUE_LEN])
{
	const char *a = json_string_value(json_object_get(o, "alg"));
	const char *v = json_string_value(json_object_get(o, "value"));
	if (!a || !v || hf_hash_alg_parse(a, alg) != HF_OK)
		return HF_EINVAL;
	memset(value, 0, HF_LIST_MAX_VALUE_LEN);
	return hfn_unhex(v, value, hf_hash_alg_len(*alg));
}

static bool parse_ref(json_t *j, hf_list_id *list, uint64_t *entry)
{
	const char *l = json_string_value(json_object_get(j, "list"));
	json_t *e = json_object_get(j, "entry");
	if (!l || hfn_unhex(l, list->b, sizeof list->b) != HF_OK || !json_is_integer(e) ||
	    json_integer_value(e) <= 0)
		return false;
	*entry = (uint64_t)json_integer_value(e);
	return true;
}

/* ---- /v1/match --------------------------------------------------------------------------- */

typedef struct hfn_hits {
	json_t *arr;
	const char *qalg;
} hfn_hits;

static json_t *ranges_json(const hf_vpdq_range *r, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("[f,f]", r[i].start, r[i].end));
	return a;
}

static void hit_json(void *ctx, const hfn_match_hit *h)
{
	hfn_hits *c = ctx;
	json_t *prov = json_pack("{s:I,s:s}", "batch", (json_int_t)h->batch, "via",
	                         h->via_snapshot ? "snapshot" : "batch");
	json_object_set_new(prov, "issued_ms",
	                    h->issued_ms ? json_integer((json_int_t)h->issued_ms) : json_null());
	/* A video entry has no fixed-length value: its frames stay on the node. */
	json_t *val =
	    h->alg == HF_ALG_VPDQ ? json_null() : hfn_http_hex(h->value, hf_hash_alg_len(h->alg));
	json_t *o = json_pack("{s:o,s:s,s:I,s:o,s:i,s:s,s:o,s:i,s:o}", "list",
	                      hfn_http_hex(h->list_id->b, HF_LIST_ID_LEN), "list_name",
	                      h->list_name, "entry", (json_int_t)h->entry_id, "issuer",
	                      hfn_http_hex(h->issuer, HF_MEMBER_ID_LEN), "category",
	                      (int)h->category, "alg", hf_hash_alg_name(h->alg), "value", val,
	                      "distance", (int)h->distance, "provenance", prov);
	if (h->frame_seconds >= 0) /* a photo that is a frame of this video */
		json_object_set_new(o, "frame_seconds", json_real(h->frame_seconds));
	if (h->video) {
		const hf_vpdq_match_result *r = h->video;
		json_object_del(o, "distance");
		json_object_set_new(o, "query_match_percent", json_real(r->query_pct));
		json_object_set_new(o, "compared_match_percent", json_real(r->compared_pct));
		json_object_set_new(o, "query_ranges",
		                    ranges_json(r->query_ranges, r->n_query_ranges));
		json_object_set_new(o, "compared_ranges",
		                    ranges_json(r->compared_ranges, r->n_compared_ranges));
	}
	json_array_append_new(c->arr, o);
}

/* Runs one query and returns its JSON result, or NULL with *err set. */
static json_t *hfn_run(hfn_match *m, const hfn_match_query *q, hf_err *err)
{
	hfn_hits c = {json_array(), hf_hash_alg_name(q->alg)};
	hfn_match_result r;
	*err = hfn_match_query_run(m, q, hit_json, &c, &r);
	if (*err != HF_OK) {
		json_decref(c.arr);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:b,s:i,s:i}", "alg", c.qalg, "matches", c.arr, "allowlisted",
	                 r.allowlisted, "suppressed", (int)r.suppressed, "quarantined",
	                 (int)r.quarantined);
}

/* Rule parameters: the configured ones, with a caller's compared_pct / query_pct (0..100). */
static hf_err video_params(hfn_match *m, json_t *cp, json_t *qp, hf_vpdq_match_params *p)
{
	*p = hfn_match_video_params(m);
	json_t *v[2] = {cp, qp};
	double *d[2] = {&p->compared_pct, &p->query_pct};
	for (int i = 0; i < 2; i++) {
		if (!v[i])
			continue;
		if (!json_is_number(v[i]) || json_number_value(v[i]) < 0 ||
		    json_number_value(v[i]) > 100)
			return HF_ERANGE;
		*d[i] = json_number_value(v[i]);
	}
	return HF_OK;
}

/* Runs a video query; the result object, or NULL with *err set. */
static json_t *run_video(hfn_match *m, const hf_vpdq *v, const hf_vpdq_match_params *p,
                         const uint8_t *upload, size_t upload_len, hf_err *err)
{
	hfn_hits c = {json_array(), "vpdq"};
	hfn_match_result r;
	*err = hfn_match_video_run(m, v, p, upload, upload_len, hit_json, &c, &r);
	if (*err != HF_OK) {
		json_decref(c.arr);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:b,s:i,s:i,s:f,s:f}", "alg", "vpdq", "matches", c.arr,
	                 "allowlisted", 0, "suppressed", (int)r.suppressed, "quarantined",
	                 (int)r.quarantined, "compared_pct", p->compared_pct, "query_pct",
	                 p->query_pct);
}

/* {"vpdq": frames or Meta's text, "compared_pct"?, "query_pct"?, "upload_id"?} */
static void post_match_vpdq(hfn_node *n, struct evhttp_request *req, json_t *j)
{
	hf_vpdq v;
	hf_vpdq_match_params p;
	const char *why = NULL;
	const char *upload = json_string_value(json_object_get(j, "upload_id"));
	memset(&v, 0, sizeof(v));
	hf_err rc = video_params(n->match, json_object_get(j, "compared_pct"),
	                         json_object_get(j, "query_pct"), &p);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, "compared_pct and query_pct are numbers 0..100");
		return;
	}
	rc = hfn_vpdq_from_json(json_object_get(j, "vpdq"), HF_VID_MAX_HASH_FRAMES, &v, &why);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, why);
		return;
	}
	json_t *r =
	    run_video(n->match, &v, &p, (const uint8_t *)upload, upload ? strlen(upload) : 0, &rc);
	hfn_http_reply_or_fail(
	    req, r, rc, rc == HF_ELOWQUALITY ? "no frame of the hash reaches min_quality" : NULL);
	hf_vpdq_clear(&v);
}

/* The request body read in place by the decoder (no contiguous copy of it). */
typedef struct hfn_evreader {
	struct evbuffer *b;
	size_t pos, len;
	struct evbuffer_ptr at; /* where the last read ended, when have_at */
	bool have_at;
} hfn_evreader;

static long ev_read(void *o, uint8_t *buf, size_t len)
{
	hfn_evreader *r = o;
	if (r->pos >= r->len)
		return 0;
	/* Moving forward from the last read is cheap; setting from the start walks every
	 * chain of the buffer (a large body has thousands). */
	size_t from = r->have_at ? (size_t)r->at.pos : 0;
	int ok = r->have_at && r->pos >= from
	             ? evbuffer_ptr_set(r->b, &r->at, r->pos - from, EVBUFFER_PTR_ADD)
	             : evbuffer_ptr_set(r->b, &r->at, r->pos, EVBUFFER_PTR_SET);
	r->have_at = ok == 0;
	if (ok != 0)
		return -1;
	struct evbuffer_ptr p = r->at;
	ev_ssize_t k = evbuffer_copyout_from(r->b, &p, buf, len);
	if (k <= 0)
		return k == 0 ? 0 : -1;
	r->pos += (size_t)k;
	return (long)k;
}

static int64_t ev_seek(void *o, int64_t off)
{
	hfn_evreader *r = o;
	if (off < 0 || (uint64_t)off > r->len)
		return -1;
	r->pos = (size_t)off;
	return off;
}

static hf_err ev_digests(struct evbuffer *b, hf_digests *out)
{
	hf_digest *d = NULL;
	hf_err rc;
	struct evbuffer_iovec v[16];
	struct evbuffer_ptr p;
	size_t len = evbuffer_get_length(b), done = 0, p_step = 0;
	HF_TRY(hf_digest_new(&d));
	/* 16 extents at a time (evbuffer_peek fills at most n_vec of them). */
	HF_CHECK(evbuffer_ptr_set(b, &p, 0, EVBUFFER_PTR_SET) == 0 ? HF_OK : HF_EINTERNAL);
	while (done < len) {
		/* From the last position, not the start: setting walks the chain list. */
		if (done)
			HF_CHECK(evbuffer_ptr_set(b, &p, p_step, EVBUFFER_PTR_ADD) == 0
			             ? HF_OK
			             : HF_EINTERNAL);
		int k = evbuffer_peek(b, (ev_ssize_t)(len - done), &p, v, 16);
		size_t got = 0;
		for (int i = 0; i < k && i < 16; i++) {
			size_t take =
			    v[i].iov_len < len - done - got ? v[i].iov_len : len - done - got;
			HF_CHECK(hf_digest_update(d, v[i].iov_base, take));
			got += take;
		}
		HF_CHECK(got > 0 ? HF_OK : HF_EINTERNAL);
		done += got;
		p_step = got;
	}
	HF_CHECK(hf_digest_final(d, out));
out:
	hf_digest_free(d);
	return rc;
}

static bool is_video_body(struct evhttp_request *req, const char *ct)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	uint8_t head[256];
	if (ct && !strncmp(ct, "video/", 6))
		return true;
	ev_ssize_t k = evbuffer_copyout(b, head, sizeof(head));
	return k > 0 && hf_image_sniff(head, (size_t)k) == HF_IMAGE_UNKNOWN &&
	       hf_vpdq_sniff(head, (size_t)k);
}

/* Video bytes: vPDQ (one frame per second, as HMA) plus MD5/SHA-256 of the bytes. */
/* The queries of the file's digests (MD5, SHA-256; q holds the upload id) appended to
 * results, then the reply: the hashes, one flat list of every result's matches (for callers
 * that only want a verdict) and the results. */
static void reply_with_digests(hfn_match *m, struct evhttp_request *req, hfn_match_query *q,
                               const hf_digests *dg, json_t *hashes, json_t *results)
{
	hf_err rc;
	for (unsigned alg = HF_ALG_MD5; alg <= HF_ALG_SHA256; alg++) {
		q->alg = alg;
		q->quality = 100;
		memset(q->value, 0, sizeof(q->value));
		memcpy(q->value, alg == HF_ALG_MD5 ? dg->md5 : dg->sha256, hf_hash_alg_len(alg));
		json_t *r = hfn_run(m, q, &rc);
		if (!r)
			r = json_pack("{s:s,s:s}", "alg", hf_hash_alg_name(alg), "error",
			              hf_err_name(rc));
		json_array_append_new(results, r);
	}
	json_t *all = json_array(), *r;
	size_t i;
	json_array_foreach(results, i, r)
	{
		json_t *ms = json_object_get(r, "matches");
		if (ms)
			json_array_extend(all, ms);
	}
	hfn_http_reply(
	    req, 200,
	    json_pack("{s:o,s:o,s:o}", "hashes", hashes, "matches", all, "results", results));
}

static void post_match_video(hfn_node *n, struct evhttp_request *req)
{
	hfn_match *m = n->match;
	const hfn_match_config *cfg = &n->cfg.match;
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	const char *upload =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "X-Upload-Id");
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq qs;
	hf_vpdq v;
	hf_digests dg;
	hf_vpdq_match_params p;
	hfn_match_query q;
	hf_err rc;
	char msg[96];
	memset(&v, 0, sizeof(v));
	TAILQ_INIT(&qs);
	if (len > cfg->max_video_bytes) {
		snprintf(msg, sizeof(msg), "video larger than max_video_bytes (%llu)",
		         (unsigned long long)cfg->max_video_bytes);
		hfn_http_fail(req, HF_EFILESIZE, msg);
		return;
	}
	json_t *cp = NULL, *qp = NULL;
	if (query && evhttp_parse_query_str(query, &qs) == 0) {
		const char *a = evhttp_find_header(&qs, "compared_pct");
		const char *c = evhttp_find_header(&qs, "query_pct");
		cp = a ? json_loads(a, JSON_DECODE_ANY, NULL) : NULL;
		qp = c ? json_loads(c, JSON_DECODE_ANY, NULL) : NULL;
		if ((a && !cp) || (c && !qp))
			rc = HF_ERANGE;
		else
			rc = video_params(m, cp, qp, &p);
	} else {
		rc = video_params(m, NULL, NULL, &p);
	}
	json_decref(cp);
	json_decref(qp);
	evhttp_clear_headers(&qs);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, "compared_pct and query_pct are numbers 0..100");
		return;
	}
	hf_vpdq_options o = hf_vpdq_options_default();
	o.limits.max_file_size = cfg->max_video_bytes;
	o.limits.max_decode_ms = cfg->video_decode_ms;
	hfn_evreader er = {b, 0, len, {0}, false};
	hf_vpdq_reader rd = {&er, ev_read, ev_seek, (int64_t)len};
	rc = hf_vpdq_hash_reader(&rd, &o, &v);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, NULL);
		return;
	}
	rc = ev_digests(b, &dg);
	if (rc != HF_OK) {
		hf_vpdq_clear(&v);
		hfn_http_fail(req, rc, NULL);
		return;
	}
	json_t *hashes = json_pack(
	    "{s:o,s:o,s:I,s:f,s:i,s:i,s:I,s:i,s:b,s:s}", "md5", hfn_http_hex(dg.md5, HF_MD5_LEN),
	    "sha256", hfn_http_hex(dg.sha256, HF_SHA256_LEN), "frames", (json_int_t)v.count, "fps",
	    v.fps, "width", (int)v.width, "height", (int)v.height, "frames_decoded",
	    (json_int_t)v.decoded, "decode_errors", (int)v.decode_errors, "truncated", v.truncated,
	    "codec", v.codec);
	json_t *results = json_array();
	const uint8_t *up = upload ? (const uint8_t *)upload : dg.sha256;
	size_t up_len = upload ? strlen(upload) : HF_SHA256_LEN;
	json_t *r = run_video(m, &v, &p, up, up_len, &rc);
	if (!r) /* no frame good enough to be evidence: say so, the digests still count */
		r = json_pack("{s:s,s:s}", "alg", "vpdq", "error", hf_err_name(rc));
	json_array_append_new(results, r);
	hf_vpdq_clear(&v);
	memset(&q, 0, sizeof(q));
	q.upload = up;
	q.upload_len = up_len;
	reply_with_digests(m, req, &q, &dg, hashes, results);
}

static void query_from_json(json_t *o, const char *upload, hfn_match_query *q, hf_err *err)
{
	json_t *qv = json_object_get(o, "quality");
	memset(q, 0, sizeof(*q));
	q->quality = 100; /* a bare hash: the caller vouches for it */
	*err = parse_hash(o, &q->alg, q->value);
	if (*err == HF_OK && qv) {
		if (!json_is_integer(qv) || json_integer_value(qv) < 0 ||
		    json_integer_value(qv) > 100)
			*err = HF_ERANGE;
		else
			q->quality = (int)json_integer_value(qv);
	}
	if (upload) {
		q->upload = (const uint8_t *)upload;
		q->upload_len = strlen(upload);
	}
}

static void post_match_json(hfn_node *n, struct evhttp_request *req)
{
	hfn_match *m = n->match;
	json_t *j = hfn_http_body(req), *arr, *v, *res = NULL;
	const char *upload;
	hfn_match_query q;
	hf_err rc;
	size_t i;
	static const char *const one[] = {"alg", "value", "quality", "upload_id", NULL};
	static const char *const many[] = {"hashes", "upload_id", NULL};
	if (!j) {
		hfn_http_fail(req, HF_EPARSE, "body is not a JSON object");
		return;
	}
	if (json_object_get(j, "vpdq")) { /* a video's hash */
		post_match_vpdq(n, req, j);
		json_decref(j);
		return;
	}
	upload = json_string_value(json_object_get(j, "upload_id"));
	arr = json_object_get(j, "hashes");
	if (!hfn_http_known(req, j, "", arr ? many : one)) {
		json_decref(j);
		return;
	}
	if (!arr) { /* one hash */
		query_from_json(j, upload, &q, &rc);
		if (rc == HF_OK)
			res = hfn_run(m, &q, &rc);
		hfn_http_reply_or_fail(req, res, rc,
		                       rc == HF_EINVAL ? "need alg (pdq|md5|sha256) and hex value"
		                                       : NULL);
		json_decref(j);
		return;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > n->cfg.match.max_bulk) {
		hfn_http_fail(req, HF_ETOOBIG, "hashes: 1..max_bulk objects");
		json_decref(j);
		return;
	}
	json_t *out = json_array();
	json_array_foreach(arr, i, v)
	{
		/* One bad hash does not spoil the others: it gets its own error. */
		const char *up = json_string_value(json_object_get(v, "upload_id"));
		const char *bad = hfn_json_unknown(v, one);
		char msg[160];
		query_from_json(v, up ? up : upload, &q, &rc);
		if (bad)
			rc = HF_EUNKNOWNKEY;
		json_t *r = rc == HF_OK ? hfn_run(m, &q, &rc) : NULL;
		if (!r)
			r = json_pack("{s:s,s:s}", "error", hf_err_name(rc), "message",
			              bad ? hfn_unknown_msg(msg, sizeof(msg), "", bad)
			                  : hf_strerror(rc));
		json_object_set_new(r, "index", json_integer((json_int_t)i));
		json_array_append_new(out, r);
	}
	hfn_http_reply(req, 200, json_pack("{s:o}", "results", out));
	json_decref(j);
}

static void post_match_image(hfn_node *n, struct evhttp_request *req)
{
	hfn_match *m = n->match;
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	const char *upload =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "X-Upload-Id");
	hf_content_hashes h;
	hfn_match_query q;
	hf_err rc, prc;
	char msg[96];
	if (len > n->cfg.match.max_image_bytes) {
		snprintf(msg, sizeof(msg), "image larger than max_image_bytes (%llu)",
		         (unsigned long long)n->cfg.match.max_image_bytes);
		hfn_http_fail(req, HF_EFILESIZE, msg);
		return;
	}
	unsigned char *p = evbuffer_pullup(b, (ev_ssize_t)len);
	if (!p || len == 0) {
		hfn_http_fail(req, HF_EINVAL, "empty body");
		return;
	}
	hf_image_limits lim = hf_image_limits_default();
	lim.max_file_size = (size_t)n->cfg.match.max_image_bytes;
	prc = hf_content_hash(p, len, &lim, false, &h);
	if (!h.has_digests) {
		hfn_http_fail(req, prc, NULL);
		return;
	}
	json_t *hashes = json_pack("{s:o,s:o}", "md5", hfn_http_hex(h.digests.md5, HF_MD5_LEN),
	                           "sha256", hfn_http_hex(h.digests.sha256, HF_SHA256_LEN));
	json_t *results = json_array();
	/* Distinct uploads are told apart by the caller's id, else by the exact bytes. */
	memset(&q, 0, sizeof(q));
	q.upload = upload ? (const uint8_t *)upload : h.digests.sha256;
	q.upload_len = upload ? strlen(upload) : HF_SHA256_LEN;
	if (prc == HF_OK) {
		json_object_set_new(hashes, "pdq", hfn_http_hex(h.pdq.b, sizeof(h.pdq.b)));
		json_object_set_new(hashes, "quality", json_integer(h.quality));
		q.alg = HF_ALG_PDQ;
		memcpy(q.value, h.pdq.b, 32);
		q.quality = h.quality;
		json_t *r = hfn_run(m, &q, &rc);
		if (!r) /* a low-quality photo hash is not evidence: say so, digests still count */
			r = json_pack("{s:s,s:s}", "alg", "pdq", "error", hf_err_name(rc));
		json_array_append_new(results, r);
	} else {
		json_object_set_new(hashes, "pdq_error", json_string(hf_err_name(prc)));
	}
	reply_with_digests(m, req, &q, &h.digests, hashes, results);
}

static void post_match(hfn_node *n, struct evhttp_request *req)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	/* Image and video bytes say so; anything else (curl's form default included) is
	 * JSON. Bytes that sniff as a video container (and not as an image) are a video. */
	bool bytes = ct && (!strncmp(ct, "application/octet-stream", 24) ||
	                    !strncmp(ct, "image/", 6) || !strncmp(ct, "video/", 6));
	if (bytes && is_video_body(req, ct))
		post_match_video(n, req);
	else if (bytes)
		post_match_image(n, req);
	else
		post_match_json(n, req);
}

/* ---- HMA-compatible lookup ------------------------------------------------------------------ */

typedef struct hfn_banks {
	json_t *names;
} hfn_banks;

static void bank_hit(void *ctx, const hfn_match_hit *h)
{
	hfn_banks *c = ctx;
	size_t i;
	json_t *v;
	json_array_foreach(c->names, i, v) if (!strcmp(json_string_value(v), h->list_name)) return;
	json_array_append_new(c->names, json_string(h->list_name));
}

/* GET /m/lookup?signal_type=pdq&signal=HEX: like HMA's, a JSON array of the names of the
 * banks (here: lists) with an enabled entry matching the signal. */
static void get_lookup(hfn_node *n, struct evhttp_request *req)
{
	struct evkeyvalq qs;
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	hfn_match_query q;
	hfn_match_result r;
	hfn_banks c = {NULL};
	hf_err rc = HF_EINVAL;
	TAILQ_INIT(&qs);
	if (!query || evhttp_parse_query_str(query, &qs) != 0) {
		hfn_http_fail(req, HF_EINVAL, "need signal_type and signal");
		goto out;
	}
	const char *st = evhttp_find_header(&qs, "signal_type");
	const char *sig = evhttp_find_header(&qs, "signal");
	memset(&q, 0, sizeof(q));
	q.quality = 100;
	if (st && (!strcmp(st, "video_md5") || !strcmp(st, "vmd5")))
		st = "md5"; /* HMA's names for an MD5 of a video file's bytes */
	if (!st || !sig || !strcmp(st, "vpdq") || hf_hash_alg_parse(st, &q.alg) != HF_OK) {
		hfn_http_fail(req, HF_EINVAL,
		              "signal_type: pdq, md5, video_md5 (vmd5) or sha256 (a vPDQ hash: "
		              "POST /v1/match {\"vpdq\": ...})");
		goto out;
	}
	if (hfn_unhex(sig, q.value, hf_hash_alg_len(q.alg)) != HF_OK) {
		hfn_http_fail(req, HF_EPARSE, "signal is not a hex hash of that type");
		goto out;
	}
	c.names = json_array();
	rc = hfn_match_query_run(n->match, &q, bank_hit, &c, &r);
	if (rc != HF_OK) {
		json_decref(c.names);
		hfn_http_fail(req, rc, NULL);
	} else {
		hfn_http_reply(req, 200, c.names);
	}
out:
	evhttp_clear_headers(&qs);
}

/* ---- defences ------------------------------------------------------------------------------ */

static hf_err allow_json(void *ctx, unsigned alg, const uint8_t *value, const char *note,
                         uint64_t added)
{
	json_array_append_new(ctx,
	                      json_pack("{s:s,s:o,s:s,s:I}", "alg", hf_hash_alg_name(alg), "value",
	                                hfn_http_hex(value, hf_hash_alg_len(alg)), "note",
	                                note ? note : "", "added_ms", (json_int_t)added));
	return HF_OK;
}

static hf_err flag_json(void *ctx, const hf_list_id *list, uint64_t entry, hfn_match_flag state,
                        const char *reason, uint64_t since)
{
	json_array_append_new(
	    ctx, json_pack("{s:o,s:I,s:s,s:s,s:I}", "list", hfn_http_hex(list->b, HF_LIST_ID_LEN),
	                   "entry", (json_int_t)entry, "state",
	                   state == HFN_MATCH_DISABLED ? "disabled" : "quarantined", "reason",
	                   reason ? reason : "", "since_ms", (json_int_t)since));
	return HF_OK;
}

static void post_allow(hfn_node *n, struct evhttp_request *req, bool add)
{
	json_t *j = hfn_http_body(req);
	unsigned alg;
	uint8_t v[HF_LIST_MAX_VALUE_LEN];
	hf_err rc = j ? parse_hash(j, &alg, v) : HF_EPARSE;
	const char *note = j ? json_string_value(json_object_get(j, "note")) : NULL;
	static const char *const fields[] = {"alg", "value", "note", NULL};
	if (j && !hfn_http_known(req, j, "", fields)) {
		json_decref(j);
		return;
	}
	if (rc == HF_OK)
		rc = add ? hfn_match_allow_add(n->match, alg, v, note ? note : "")
		         : hfn_match_allow_del(n->match, alg, v);
	if (rc != HF_OK)
		hfn_http_fail(req, rc, rc == HF_EINVAL ? "need alg and hex value" : NULL);
	else
		hfn_http_reply(req, 200, json_pack("{s:b}", add ? "added" : "removed", 1));
	json_decref(j);
}

static void post_flag(hfn_node *n, struct evhttp_request *req, const char *what)
{
	json_t *j = hfn_http_body(req);
	hf_list_id list;
	uint64_t entry;
	hf_err rc = HF_EINVAL;
	static const char *const fields[] = {"list", "entry", "reason", NULL};
	if (j && !hfn_http_known(req, j, "", fields)) {
		json_decref(j);
		return;
	}
	if (j && parse_ref(j, &list, &entry)) {
		const char *reason = json_string_value(json_object_get(j, "reason"));
		if (!strcmp(what, "disable"))
			rc =
			    hfn_match_disable(n->match, &list, entry, reason ? reason : "operator");
		else if (!strcmp(what, "enable"))
			rc = hfn_match_enable(n->match, &list, entry);
		else
			rc = hfn_match_release(n->match, &list, entry);
	}
	if (rc != HF_OK)
		hfn_http_fail(req, rc,
		              rc == HF_EINVAL ? "need {\"list\": hex, \"entry\": id}" : NULL);
	else
		hfn_http_reply(req, 200, json_pack("{s:s}", "done", what));
	json_decref(j);
}

static void hfn_get_status(hfn_node *n, struct evhttp_request *req)
{
	hfn_match_stats st;
	hfn_match_get_stats(n->match, &st);
	hfn_http_reply(
	    req, 200,
	    json_pack("{s:I,s:{s:I,s:I,s:I,s:I,s:I},s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:i}", "lists",
	              (json_int_t)st.lists, "entries", "pdq", (json_int_t)st.pdq, "md5",
	              (json_int_t)st.md5, "sha256", (json_int_t)st.sha256, "vpdq",
	              (json_int_t)st.videos, "vpdq_frames", (json_int_t)st.video_frames,
	              "allowlist", (json_int_t)st.allow, "flagged", (json_int_t)st.flagged,
	              "pdq_index_bytes", (json_int_t)st.pdq_bytes, "kernel", st.kernel, "queries",
	              (json_int_t)st.queries, "hits", (json_int_t)st.hits, "suppressed",
	              (json_int_t)st.suppressed, "max_distance", (int)n->cfg.match.max_distance));
}

static void post_flush(hfn_node *n, struct evhttp_request *req)
{
	hf_err rc = hfn_match_flush(n->match, true);
	if (rc != HF_OK)
		hfn_http_fail(req, rc, NULL);
	else
		hfn_http_reply(req, 200, json_pack("{s:b}", "flushed", 1));
}

/* ---- reports received (issuer) ------------------------------------------------------------- */

static hf_err report_json(void *ctx, const uint8_t *platform, uint32_t day, uint64_t revision,
                          uint64_t total, const uint8_t *counts, size_t counts_len,
                          uint64_t received)
{
	json_t *cs = json_array();
	hf_match_report r;
	memset(&r, 0, sizeof(r));
	r.counts_raw = counts;
	for (uint32_t i = 0; i < counts_len / HF_MATCH_REPORT_COUNT_LEN; i++) {
		hf_match_count c = hf_match_report_count(&r, i);
		json_array_append_new(cs, json_pack("{s:I,s:I}", "entry", (json_int_t)c.entry_id,
		                                    "matches", (json_int_t)c.matches));
	}
	json_array_append_new(ctx, json_pack("{s:o,s:I,s:I,s:I,s:I,s:o}", "platform",
	                                     hfn_http_hex(platform, HF_MEMBER_ID_LEN), "day",
	                                     (json_int_t)day, "revision", (json_int_t)revision,
	                                     "total", (json_int_t)total, "received_ms",
	                                     (json_int_t)received, "counts", cs));
	return HF_OK;
}

static hf_err signal_json(void *ctx, const uint8_t *platform, uint64_t entry, hfn_match_flag kind,
                          uint64_t since)
{
	json_array_append_new(
	    ctx, json_pack("{s:o,s:I,s:s,s:I}", "platform",
	                   hfn_http_hex(platform, HF_MEMBER_ID_LEN), "entry", (json_int_t)entry,
	                   "kind", kind == HFN_MATCH_DISABLED ? "disabled" : "quarantined",
	                   "since_ms", (json_int_t)since));
	return HF_OK;
}

static void get_reports(hfn_node *n, struct evhttp_request *req, const hf_list_id *list)
{
	hfn_store_list l;
	json_t *reps = json_array(), *sigs = json_array();
	hf_err rc = hfn_store_list_get(n->store, list, &l);
	if (rc == HF_OK && !l.mine)
		rc = HF_ENOTFOUND;
	if (rc == HF_OK)
		rc = hfn_store_reports(n->store, list, 1000, report_json, reps);
	if (rc == HF_OK)
		rc = hfn_store_signals(n->store, list, signal_json, sigs);
	if (rc != HF_OK) {
		json_decref(reps);
		json_decref(sigs);
		hfn_http_fail(req, rc, rc == HF_ENOTFOUND ? "not a list this node issues" : NULL);
		return;
	}
	hfn_http_reply(req, 200, json_pack("{s:o,s:o}", "reports", reps, "signals", sigs));
}

/* ---- routing ------------------------------------------------------------------------------- */

bool hfn_match_api_route(hfn_node *n, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool get = cmd == EVHTTP_REQ_GET, post = cmd == EVHTTP_REQ_POST;
	char idhex[40], tail[16];
	hf_list_id id;
	if (sscanf(path, "/v1/lists/%32[0-9a-fA-F]%15s", idhex, tail) == 2 &&
	    !strcmp(tail, "/reports") && get && hfn_unhex(idhex, id.b, sizeof id.b) == HF_OK) {
		get_reports(n, req, &id);
		return true;
	}
	if (strncmp(path, "/v1/match", 9) != 0 && strcmp(path, "/m/lookup") != 0)
		return false;
	if (!n->match) {
		hfn_http_fail(req, HF_ESTATE, "matcher not running");
		return true;
	}
	if (!strcmp(path, "/v1/match") && post)
		post_match(n, req);
	else if (!strcmp(path, "/m/lookup") && get)
		get_lookup(n, req);
	else if (!strcmp(path, "/v1/match/status") && get)
		hfn_get_status(n, req);
	else if (!strcmp(path, "/v1/match/allow") && get) {
		json_t *a = json_array();
		hfn_http_reply_array(req, "allow", hfn_store_allow_all(n->store, allow_json, a), a);
	} else if (!strcmp(path, "/v1/match/allow") && post)
		post_allow(n, req, true);
	else if (!strcmp(path, "/v1/match/allow/remove") && post)
		post_allow(n, req, false);
	else if (!strcmp(path, "/v1/match/flags") && get) {
		json_t *a = json_array();
		hfn_http_reply_array(req, "flags", hfn_store_flags(n->store, NULL, flag_json, a),
		                     a);
	} else if (!strcmp(path, "/v1/match/disable") && post)
		post_flag(n, req, "disable");
	else if (!strcmp(path, "/v1/match/enable") && post)
		post_flag(n, req, "enable");
	else if (!strcmp(path, "/v1/match/release") && post)
		post_flag(n, req, "release");
	else if (!strcmp(path, "/v1/match/flush") && post)
		post_flush(n, req);
	else
		return false;
	return true;
}
