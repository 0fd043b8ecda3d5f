#ifndef HFN_API_ROUTES_H
#define HFN_API_ROUTES_H

/* Route groups of the local HTTP API (api.c dispatches to them; docs/api.md). Each answers
 * and returns true if path is one of its own, else returns false with nothing replied.
 * The bearer token was checked by the caller. */
#include <stdbool.h>

#include "core/node.h"

struct evhttp_request;

/* orders_api.c: /v1/orders*, /v1/referrals*, /v1/escalations. */
bool hfn_orders_route(hfn_node *n, struct evhttp_request *req, const char *path);
/* match_api.c: the matcher's routes. */
bool hfn_match_api_route(hfn_node *n, struct evhttp_request *req, const char *path);

/* intake_api.c: the public intake page and report endpoint (/intake...), answered before
 * the bearer token is checked; the only unauthenticated routes besides /healthz. */
bool hfn_intake_public_route(hfn_node *n, struct evhttp_request *req, const char *path);
/* intake_api.c: the counselors' case queue, /v1/intake/cases*. */
bool hfn_intake_route(hfn_node *n, struct evhttp_request *req, const char *path);
/* audit_api.c: the audit log, proofs, report and dashboard (docs/audit.md). The public
 * variant answers only when [audit] public = true, before the token check. */
bool hfn_audit_api_route(hfn_node *n, struct evhttp_request *req, const char *path);
bool hfn_audit_public_route(hfn_node *n, struct evhttp_request *req, const char *path);
/* dashboard.c: the dashboard page of a report (report.h) and the log's health. */
struct json_t;
hf_err hfn_dashboard_html(hfn_node *n, struct json_t *report, char **out) HF_MUST_CHECK;

#endif
