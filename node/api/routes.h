#ifndef HF_NODE_API_ROUTES_H
#define HF_NODE_API_ROUTES_H

/* Route groups of the local HTTP API (api.c dispatches to them; docs/api.md). Each answers
 * and returns true if path is one of its own, else returns false with nothing replied.
 * The bearer token was checked by the caller. */
#include <stdbool.h>

#include "core/node.h"

struct evhttp_request;

/* orders_api.c: /v1/orders*, /v1/referrals*, /v1/escalations. */
bool hf_orders_route(hf_node *n, struct evhttp_request *req, const char *path);
/* match_api.c: the matcher's routes. */
bool hf_match_api_route(hf_node *n, struct evhttp_request *req, const char *path);

/* intake_api.c: the public intake page and report endpoint (/intake...), answered before
 * the bearer token is checked; the only unauthenticated routes besides /healthz. */
bool hf_intake_public_route(hf_node *n, struct evhttp_request *req, const char *path);
/* intake_api.c: the counselors' case queue, /v1/intake/cases*. */
bool hf_intake_route(hf_node *n, struct evhttp_request *req, const char *path);

#endif
