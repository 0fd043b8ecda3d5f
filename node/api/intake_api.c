/*
 * Victim intake routes (docs/intake.md, docs/api.md "Victim intake").
 * Public, unauthenticated: the page (GET /intake...) and POST /intake/v1/reports
 * (body cap, per-IP token bucket, strict schema). Everything else is the
 * counselors' case queue under /v1/intake/ behind the bearer token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/http_json.h"
#include "api/routes.h"
#include "core/log.h"
#include "hashfed/order.h"
#include "intake/assets.h"
#include "intake/intake.h"
#include "intake/report.h"

/* Every page response: nothing external may load, nothing may be framed, and
 * the page can talk to its own origin only. */
static void page_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Content-Security-Policy",
	                  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "
	                  "style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
	                  "media-src blob:; form-action 'none'; frame-ancestors 'none'; "
	                  "base-uri 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
}

static bool serve_asset(struct evhttp_request *req, const char *path)
{
	const hfn_intake_asset *a = hfn_intake_asset_find(path);
	if (!a)
		return false;
	page_headers(req, a->type);
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), a->data, a->len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
	return true;
}

static void fail_429(hfn_node *n, struct evhttp_request *req)
{
	char ra[16];
	/* Retry-After is whole seconds: the refill rounded up. */
	snprintf(ra, sizeof(ra), "%u", (n->cfg.intake.refill_ms + 999u) / 1000u);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", ra);
	hfn_http_reply(req, 429,
	               json_pack("{s:s,s:s}", "error", "HF_ETOOBIG", "message",
	                         "too many reports from this address; try again later"));
}

/* POST /intake/v1/reports: the only unauthenticated write. Order of checks: role, method,
 * content type, size, rate, schema; nothing is stored unless all pass. */
static void post_report(hfn_node *n, struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	char *addr = NULL, receipt[HFN_INTAKE_RECEIPT_LEN + 1];
	uint16_t port = 0;
	const char *why = NULL;
	json_t *rep = NULL;
	int64_t id = 0;
	/* A JSON content type is not a "simple" cross-site request: a foreign page cannot
	 * post one without a CORS preflight, which this endpoint never grants. */
	if (!ct || strncmp(ct, "application/json", 16) != 0) {
		hfn_http_reply(req, 415,
		               json_pack("{s:s,s:s}", "error", "HF_EINVAL", "message",
		                         "Content-Type must be application/json"));
		return;
	}
	if (len > HFN_INTAKE_MAX_BODY) {
		hfn_http_fail(req, HF_ETOOBIG, "report larger than 1 MiB");
		return;
	}
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr, &port);
	if (!hfn_intake_rate_ok(&n->cfg.intake, addr ? addr : "?", hfn_now_ms())) {
		hfn_log(HFN_LOG_WARN, "intake_rate_limited", NULL);
		fail_429(n, req);
		return;
	}
	unsigned char *p = evbuffer_pullup(b, (ev_ssize_t)len);
	hf_err rc = hfn_intake_parse((const char *)p, p ? len : 0, &rep, &why);
	if (rc != HF_OK) {
		char msg[96];
		snprintf(msg, sizeof(msg), "%s: %s", why ? why : "report", hf_strerror(rc));
		hfn_log(HFN_LOG_INFO, "intake_report_refused", "code", hf_err_name(rc), NULL);
		hfn_http_fail(req, rc, msg);
		return;
	}
	rc = hfn_intake_submit(n, rep, receipt, &id);
	json_decref(rep);
	if (rc == HF_ETOOBIG) {
		fail_429(n, req);
		return;
	}
	if (rc != HF_OK) {
		hfn_http_fail(req, rc, NULL);
		return;
	}
	hfn_http_reply(req, 200, json_pack("{s:s,s:s}", "receipt", receipt, "status", "received"));
}

bool hfn_intake_public_route(hfn_node *n, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if (strncmp(path, "/intake", 7) != 0 || (path[7] != 0 && path[7] != '/'))
		return false;
	/* Victim intake is an authority's service; other nodes do not offer it. */
	if (!(n->self_roles & HF_ROLE_AUTHORITY)) {
		hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
		return true;
	}
	if (!strcmp(path, "/intake/v1/reports")) {
		if (cmd == EVHTTP_REQ_POST)
			post_report(n, req);
		else
			hfn_http_fail(req, HF_EINVAL, "POST a report");
		return true;
	}
	if (cmd == EVHTTP_REQ_GET && serve_asset(req, path))
		return true;
	hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
	return true;
}

/* ---- counselors (authenticated) --------------------------------------------------- */

static void get_cases(hfn_node *n, struct evhttp_request *req)
{
	struct evkeyvalq q;
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	char status[16] = "";
	size_t limit = 200;
	hf_err rc;
	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) == 0) {
		const char *s = evhttp_find_header(&q, "status");
		if (s)
			snprintf(status, sizeof(status), "%s", s);
		s = evhttp_find_header(&q, "limit");
		if (s && strtoul(s, NULL, 10) > 0 && strtoul(s, NULL, 10) <= 1000)
			limit = strtoul(s, NULL, 10);
	}
	evhttp_clear_headers(&q);
	json_t *a = hfn_intake_cases_json(n, status[0] ? status : NULL, limit, &rc);
	hfn_http_reply_or_fail(req, a ? json_pack("{s:o}", "cases", a) : NULL, rc, NULL);
}

static void reply_case(hfn_node *n, struct evhttp_request *req, int64_t id)
{
	hf_err rc;
	json_t *o = hfn_intake_case_json(n, id, true, &rc);
	hfn_http_reply_or_fail(req, o, rc, rc == HF_ENOTFOUND ? "no such case" : NULL);
}

static void case_action(hfn_node *n, struct evhttp_request *req, int64_t id, const char *sub)
{
	json_t *j = hfn_http_body(req), *done = NULL;
	const char *why = NULL;
	hf_err rc = HF_EINVAL;
	uint32_t cat = 0;
	if (!j) {
		hfn_http_fail(req, HF_EPARSE, "body is not a JSON object");
		return;
	}
	/* Each action's own fields; anything else is refused by name (issue 12). */
	static const char *const f_case[] = {"status", "note", "category", NULL};
	static const char *const f_list[] = {"list", "category", NULL};
	static const char *const f_order[] = {"platform", "category", "legal_basis",
	                                      "deadline", "note",     NULL};
	static const char *const f_refer[] = {"to", "category", "note", NULL};
	const char *const *fields = !strcmp(sub, "")         ? f_case
	                            : !strcmp(sub, "/list")  ? f_list
	                            : !strcmp(sub, "/order") ? f_order
	                                                     : f_refer;
	if (!hfn_http_known(req, j, "", fields)) {
		json_decref(j);
		return;
	}
	json_t *catv = json_object_get(j, "category");
	if (catv && !hfn_enum(catv, hf_order_category_name, HF_CAT_MAX, &cat)) {
		why = "category: a name (deepfake_sexual, ...) or 1..7";
		goto fail;
	}
	if (!strcmp(sub, "")) {
		rc = hfn_intake_update(n, id, hfn_str(j, "status"), hfn_str(j, "note"));
		why = rc == HF_EINVAL
		          ? "status: new|in_review|listed|ordered|referred|closed|rejected"
		          : NULL;
		if (rc == HF_OK) {
			json_decref(j);
			reply_case(n, req, id);
			return;
		}
	} else if (!strcmp(sub, "/list")) {
		hf_list_id list;
		uint64_t first = 0, count = 0;
		why = "need {\"list\": \"<32 hex>\", \"category\"?}";
		if (hfn_hex_field(j, "list", list.b, sizeof list.b))
			rc = hfn_intake_to_list(n, id, &list, cat, &first, &count);
		if (rc == HF_OK)
			done = json_pack("{s:I,s:I}", "first_id", (json_int_t)first, "count",
			                 (json_int_t)count);
		if (rc == HF_ERANGE)
			why = "none of the case's hashes fits this list's algorithms";
	} else if (!strcmp(sub, "/order")) {
		hfn_intake_order o = {.category = cat,
		                      .legal_basis = hfn_str(j, "legal_basis"),
		                      .note = hfn_str(j, "note")};
		hf_order_id oid;
		json_t *dl = json_object_get(j, "deadline");
		why = "need {\"platform\", \"category\", \"legal_basis\", \"deadline\"?, "
		      "\"note\"?}; the "
		      "case needs URLs";
		if (hfn_hex_field(j, "platform", o.platform, 16) && cat && o.legal_basis &&
		    (!dl || hfn_duration(dl, &o.deadline_in_ms)))
			rc = hfn_intake_to_order(n, id, &o, &oid);
		if (rc == HF_OK)
			done = json_pack("{s:o}", "order", hfn_http_hex(oid.b, sizeof oid.b));
	} else if (!strcmp(sub, "/refer")) {
		uint8_t to[16];
		hf_order_id rid;
		why = "need {\"to\": \"<authority id>\", \"category\"?, \"note\"?}";
		if (hfn_hex_field(j, "to", to, 16))
			rc = hfn_intake_refer(n, id, to, cat, hfn_str(j, "note"), &rid);
		if (rc == HF_OK)
			done = json_pack("{s:o}", "referral", hfn_http_hex(rid.b, sizeof rid.b));
	} else {
		rc = HF_ENOTFOUND;
		why = "no such endpoint";
	}
	if (rc == HF_OK) { /* an action's answer */
		json_decref(j);
		hfn_http_reply(req, 200, done);
		return;
	}
fail:
	json_decref(j);
	hfn_http_fail(req, rc,
	              rc == HF_EINVAL || rc == HF_ENOTFOUND || rc == HF_ERANGE ? why : NULL);
}

bool hfn_intake_route(hfn_node *n, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	long long id;
	int used = 0;
	if (strncmp(path, "/v1/intake/", 11) != 0)
		return false;
	if (!strcmp(path, "/v1/intake/cases") && cmd == EVHTTP_REQ_GET) {
		get_cases(n, req);
		return true;
	}
	if (sscanf(path, "/v1/intake/cases/%lld%n", &id, &used) == 1 && id > 0) {
		const char *sub = path + used;
		if (cmd == EVHTTP_REQ_GET && !sub[0])
			reply_case(n, req, (int64_t)id);
		else if (cmd == EVHTTP_REQ_POST)
			case_action(n, req, (int64_t)id, sub);
		else
			hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
		return true;
	}
	hfn_http_fail(req, HF_ENOTFOUND, "no such endpoint");
	return true;
}
