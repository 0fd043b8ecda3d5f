/* Audit log HTTP API (docs/audit.md): the log in the C2SP tlog-tiles layout (checkpoint,
 * hash tiles, entry bundles), proofs, status, alarms, the compliance report and the
 * dashboard. Main loop thread. */
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
#include "audit/audit.h"
#include "audit/report.h"
#include "audit/transparency.h"
#include "audit/treport.h"
#include "core/log.h"
#include "hashfed/audit_log.h"
#include "hashfed/note.h"
#include "hashfed/tlog_tiles.h"
#include "store/store_audit.h"

static const char *hfn_q(struct evkeyvalq *q, const char *k)
{
	return evhttp_find_header(q, k);
}

static bool q_u64(struct evkeyvalq *q, const char *k, uint64_t *v)
{
	const char *s = hfn_q(q, k);
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	*v = strtoull(s, &end, 10);
	return *end == 0;
}

static void reply_bytes(struct evhttp_request *req, const char *type, const void *p, size_t n)
{
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	evbuffer_add(b, p, n);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* The newest published checkpoint (text/plain, the note as signed and cosigned). */
static void get_checkpoint(hfn_node *n, struct evhttp_request *req)
{
	uint64_t published, size, at;
	char *note = NULL;
	hf_err rc = hfn_store_ameta_get(n->store, "published", &published);
	if (rc == HF_OK && published == 0)
		rc = HF_ENOTFOUND;
	if (rc == HF_OK)
		rc = hfn_store_ckpt_get(n->store, published, &size, &at, &note);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, "no published checkpoint");
		return;
	}
	reply_bytes(req, "text/plain; charset=utf-8", note, strlen(note));
	free(note);
}

/* checkpoints: every published note, oldest first, as "<length>\n<note>" records. */
static hf_err hfn_hist_cb(void *ctx, uint64_t size, const char *note)
{
	(void)size;
	return evbuffer_add_printf(ctx, "%zu\n%s", strlen(note), note) < 0 ? HF_ENOMEM : HF_OK;
}

static void get_checkpoints(hfn_node *n, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	hf_err rc = b ? hfn_store_ckpts_published(n->store, hfn_hist_cb, b) : HF_ENOMEM;
	if (rc != HF_OK) {
		if (b)
			evbuffer_free(b);
		hfn_http_fail(req, rc, NULL);
		return;
	}
	evbuffer_add_buffer(evhttp_request_get_output_buffer(req), b);
	evbuffer_free(b);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "text/plain; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* The verification policy of a log as this node derives it from its manifest: what
 * `hashfed audit verify --policy` reads (a trust anchor from one's own node, never from
 * the log). */
static void get_policy(hfn_node *n, struct evhttp_request *req, struct evkeyvalq *q)
{
	const char *lh = hfn_q(q, "log"), *format = hfn_q(q, "format");
	uint8_t log[16];
	hf_log_policy p;
	char vk[HF_NOTE_MAX_VKEY];
	hf_err rc = lh && strlen(lh) == 32 ? hfn_unhex(lh, log, 16) : HF_EINVAL;
	if (rc == HF_OK)
		rc = hfn_audit_policy(n, log, &p);
	if (rc == HF_OK)
		rc = hf_note_vkey_encode(&p.log_key, vk, sizeof(vk));
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, "log=<auditor member id hex>");
		return;
	}
	json_t *w = json_array();
	struct evbuffer *t = evbuffer_new();
	if (!w || !t) {
		json_decref(w);
		if (t)
			evbuffer_free(t);
		hfn_http_fail(req, HF_ENOMEM, NULL);
		return;
	}
	evbuffer_add_printf(t, "origin %s\nlog %s\n", p.origin, vk);
	for (size_t i = 0; i < p.n_witnesses; i++) {
		char wk[HF_NOTE_MAX_VKEY];
		if (hf_note_vkey_encode(&p.witnesses[i], wk, sizeof(wk)) != HF_OK)
			continue;
		json_array_append_new(w, json_string(wk));
		evbuffer_add_printf(t, "witness %s\n", wk);
	}
	evbuffer_add_printf(t, "quorum %zu\n", p.quorum);
	if (format && !strcmp(format, "text")) {
		json_decref(w);
		evbuffer_add_buffer(evhttp_request_get_output_buffer(req), t);
		evbuffer_free(t);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
		                  "text/plain; charset=utf-8");
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	evbuffer_free(t);
	hfn_http_reply(req, 200,
	               json_pack("{s:s,s:s,s:o,s:I}", "origin", p.origin, "log_key", vk,
	                         "witnesses", w, "quorum", (json_int_t)p.quorum));
}

typedef struct hfn_bundle {
	uint8_t *out;
	size_t cap, off;
	hf_err err;
} hfn_bundle;

static hf_err bundle_cb(void *ctx, uint64_t idx, const uint8_t *submitter, const uint8_t *leaf,
                        size_t len)
{
	hfn_bundle *b = ctx;
	(void)idx;
	(void)submitter;
	return hf_bundle_put(b->out, b->cap, &b->off, leaf, len);
}

/* tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>] of the published tree. */
static void get_tile(hfn_node *n, struct evhttp_request *req, const char *path)
{
	hf_tile_ref t;
	uint64_t published;
	hf_err rc = hf_tile_path_parse(path, strlen(path), &t);
	if (rc == HF_OK)
		rc = hfn_store_ameta_get(n->store, "published", &published);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc == HF_ETILE ? HF_ENOTFOUND : rc, "no such tile");
		return;
	}
	/* Only what the published checkpoint covers, and a partial tile only at the right
	 * edge of its level (tlog-tiles). */
	uint64_t first = t.index * 256;
	uint64_t count =
	    t.entries ? published : (t.level * 8 < 64 ? published >> (8 * t.level) : 0);
	if (first + t.width > count || (t.width < 256 && first + 256 <= count)) {
		hfn_http_fail(req, HF_ENOTFOUND, "no such tile");
		return;
	}
	if (t.entries) {
		hfn_bundle b = {.cap = (size_t)t.width * (2 + HF_AUDIT_LEAF_MAX_SIZE)};
		b.out = malloc(b.cap);
		if (!b.out) {
			hfn_http_fail(req, HF_ENOMEM, NULL);
			return;
		}
		rc = hfn_store_leaves(n->store, first, first + t.width, bundle_cb, &b);
		if (rc == HF_OK)
			reply_bytes(req, "application/octet-stream", b.out, b.off);
		else
			hfn_http_fail(req, rc, NULL);
		free(b.out);
		return;
	}
	uint8_t *buf = malloc(256 * 32);
	size_t len;
	rc = buf ? hfn_audit_tile(n, &t, buf, &len) : HF_ENOMEM;
	if (rc == HF_OK)
		reply_bytes(req, "application/octet-stream", buf, len);
	else
		hfn_http_fail(req, rc, "no such tile");
	free(buf);
}

static json_t *proof_json(uint8_t (*p)[HF_MERKLE_HASH_LEN], size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, hfn_http_hex(p[i], HF_MERKLE_HASH_LEN));
	return a;
}

static void hfn_get_proof(hfn_node *n, struct evhttp_request *req, struct evkeyvalq *q, bool cons)
{
	uint8_t(*proof)[HF_MERKLE_HASH_LEN] = malloc(HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN);
	uint64_t a, b;
	size_t np;
	hf_err rc;
	if (!proof) {
		hfn_http_fail(req, HF_ENOMEM, NULL);
		return;
	}
	if (!q_u64(q, cons ? "from" : "index", &a) || !q_u64(q, cons ? "to" : "size", &b))
		rc = HF_EINVAL;
	else
		rc = cons ? hfn_audit_consistency(n, a, b, proof, &np)
		          : hfn_audit_inclusion(n, a, b, proof, &np);
	if (rc != HF_OK)
		hfn_http_fail(req, rc, NULL);
	else
		hfn_http_reply(req, 200,
		               json_pack("{s:I,s:I,s:o}", cons ? "from" : "index", (json_int_t)a,
		                         cons ? "to" : "size", (json_int_t)b, "proof",
		                         proof_json(proof, np)));
	free(proof);
}

static void hfn_get_status(hfn_node *n, struct evhttp_request *req)
{
	hfn_audit_status st;
	hf_err rc = hfn_audit_get_status(n, &st);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, NULL);
		return;
	}
	hfn_http_reply(req, 200,
	               json_pack("{s:b,s:I,s:I,s:I,s:I,s:i,s:I,s:I,s:I,s:I}", "operator",
	                         st.operator, "size", (json_int_t)st.size, "queued",
	                         (json_int_t)st.queued, "published", (json_int_t)st.published,
	                         "last_ms", (json_int_t)st.last_ms, "cosigners", (int)st.cosigners,
	                         "receipts", (json_int_t)st.receipts, "waiting",
	                         (json_int_t)st.waiting, "alarms", (json_int_t)st.alarms, "seen",
	                         (json_int_t)st.seen));
}

static hf_err alarm_cb(void *ctx, int64_t seq, const uint8_t *log, const char *a, const char *b,
                       const char *reason, uint64_t at_ms)
{
	json_array_append_new(ctx, json_pack("{s:I,s:o,s:s,s:s,s:s,s:I}", "seq", (json_int_t)seq,
	                                     "log", hfn_http_hex(log, 16), "a", a, "b", b, "reason",
	                                     reason, "at_ms", (json_int_t)at_ms));
	return HF_OK;
}

static void get_report(hfn_node *n, struct evhttp_request *req, struct evkeyvalq *q)
{
	const char *period = hfn_q(q, "period"), *format = hfn_q(q, "format");
	json_t *r = NULL;
	hf_err rc = hfn_report_build(n, period ? period : "all", &r);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc,
		              rc == HF_EINVAL ? "bad period (YYYY, YYYY-Qn, YYYY-MM, all)" : NULL);
		return;
	}
	if (format && !strcmp(format, "csv")) {
		char *csv = hfn_report_csv(r);
		json_decref(r);
		if (!csv) {
			hfn_http_fail(req, HF_ENOMEM, NULL);
			return;
		}
		reply_bytes(req, "text/csv; charset=utf-8", csv, strlen(csv));
		free(csv);
		return;
	}
	if (format && strcmp(format, "json") != 0) {
		json_decref(r);
		hfn_http_fail(req, HF_EINVAL, "format is json or csv");
		return;
	}
	hfn_http_reply(req, 200, r);
}

/* A platform's own transparency report (docs/audit.md "Transparency report"). */
static void get_transparency(hfn_node *n, struct evhttp_request *req, struct evkeyvalq *q)
{
	const char *period = hfn_q(q, "period"), *lh = hfn_q(q, "log");
	uint8_t log[16];
	json_t *r = NULL;
	hf_err rc = HF_OK;
	if (lh)
		rc = strlen(lh) == 32 ? hfn_unhex(lh, log, 16) : HF_EINVAL;
	if (rc == HF_OK)
		rc = hfn_transparency_build(n, period ? period : "all", lh ? log : NULL, &r);
	/* Never a document its verifier refuses for size (HFN_TR_MAX_DOC). */
	if (rc == HF_OK && json_dumpb(r, NULL, 0, JSON_COMPACT) > HFN_TR_MAX_DOC) {
		json_decref(r);
		hfn_http_fail(req, HF_ETOOBIG,
		              "more than the verifier reads: ask for a shorter period");
		return;
	}
	if (rc != HF_OK) {
		hfn_http_fail(req, rc,
		              rc == HF_EINVAL
		                  ? "period=all|YYYY|YYYY-Qn|YYYY-MM, log=<auditor id hex>"
		              : rc == HF_EROLE ? "only a platform exports a transparency report"
		                               : NULL);
		return;
	}
	hfn_http_reply(req, 200, r);
}

static void get_dashboard(hfn_node *n, struct evhttp_request *req)
{
	json_t *r = NULL;
	char *html = NULL;
	hf_err rc = hfn_report_build(n, "all", &r);
	if (rc == HF_OK)
		rc = hfn_dashboard_html(n, r, &html);
	json_decref(r);
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, NULL);
		return;
	}
	reply_bytes(req, "text/html; charset=utf-8", html, strlen(html));
	free(html);
}

bool hfn_audit_public_route(hfn_node *n, struct evhttp_request *req, const char *path)
{
	if (!n->cfg.audit.public_log)
		return false;
	return hfn_audit_api_route(n, req, path);
}

bool hfn_audit_api_route(hfn_node *n, struct evhttp_request *req, const char *path)
{
	bool get = evhttp_request_get_command(req) == EVHTTP_REQ_GET;
	struct evkeyvalq q;
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	bool mine = !strcmp(path, "/checkpoint") || !strcmp(path, "/checkpoints") ||
	            !strncmp(path, "/tile/", 6) || !strncmp(path, "/v1/audit/", 10) ||
	            !strcmp(path, "/v1/report") || !strcmp(path, "/dashboard");
	if (!mine)
		return false;
	if (!get) {
		hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
		return true;
	}
	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) != 0) {
		hfn_http_fail(req, HF_EINVAL, "bad query string");
		return true;
	}
	if (!strcmp(path, "/v1/audit/status"))
		hfn_get_status(n, req);
	else if (!strcmp(path, "/v1/audit/policy"))
		get_policy(n, req, &q);
	else if (!strcmp(path, "/v1/audit/transparency"))
		get_transparency(n, req, &q);
	else if (!strcmp(path, "/v1/audit/alarms")) {
		json_t *a = json_array();
		hf_err rc = hfn_store_alarms(n->store, alarm_cb, a);
		if (rc != HF_OK) {
			json_decref(a);
			hfn_http_fail(req, rc, NULL);
		} else {
			hfn_http_reply(req, 200, json_pack("{s:o}", "alarms", a));
		}
	} else if (!(n->self_roles & HF_ROLE_AUDITOR) || !n->audit) {
		hfn_http_fail(req, HF_EROLE, "this node runs no audit log");
	} else if (!strcmp(path, "/checkpoint")) {
		get_checkpoint(n, req);
	} else if (!strcmp(path, "/checkpoints")) {
		get_checkpoints(n, req);
	} else if (!strncmp(path, "/tile/", 6)) {
		get_tile(n, req, path + 1);
	} else if (!strcmp(path, "/v1/audit/proof")) {
		hfn_get_proof(n, req, &q, false);
	} else if (!strcmp(path, "/v1/audit/consistency")) {
		hfn_get_proof(n, req, &q, true);
	} else if (!strcmp(path, "/v1/report")) {
		get_report(n, req, &q);
	} else if (!strcmp(path, "/dashboard")) {
		get_dashboard(n, req);
	} else {
		hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
	}
	evhttp_clear_headers(&q);
	return true;
}
