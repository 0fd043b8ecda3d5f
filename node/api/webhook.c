/* The "order arrived" webhook (docs/orders.md): an HTTP POST of the order's metadata to
 * [orders] webhook_url. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/webhook.h"
#include "core/log.h"
#include "hashfed/order.h"

typedef struct hfn_hook {
	hfn_node *n;
	char *json;
	struct evhttp_connection *conn;
} hfn_hook;

static void hook_free(evutil_socket_t fd, short what, void *arg)
{
	hfn_hook *k = arg;
	(void)fd;
	(void)what;
	if (k->conn)
		evhttp_connection_free(k->conn);
	free(k->json);
	free(k);
}

static void hook_done(struct evhttp_request *req, void *arg)
{
	hfn_hook *k = arg;
	char code[16];
	snprintf(code, sizeof(code), "#%d", req ? evhttp_request_get_response_code(req) : 0);
	hfn_log(req && evhttp_request_get_response_code(req) / 100 == 2 ? HFN_LOG_INFO
	                                                                : HFN_LOG_WARN,
	        "webhook", "status", code, NULL);
	/* The connection cannot be freed from inside its own callback. */
	event_base_once(k->n->base, -1, EV_TIMEOUT, hook_free, k, NULL);
}

static void hook_send(evutil_socket_t fd, short what, void *arg)
{
	hfn_hook *k = arg;
	const char *url = k->n->cfg.orders.webhook_url;
	struct evhttp_uri *u = evhttp_uri_parse(url);
	struct evhttp_request *req = NULL;
	(void)fd;
	(void)what;
	if (!u || !evhttp_uri_get_host(u))
		goto fail;
	int port = evhttp_uri_get_port(u);
	const char *path = evhttp_uri_get_path(u);
	k->conn = evhttp_connection_base_new(k->n->base, NULL, evhttp_uri_get_host(u),
	                                     (uint16_t)(port > 0 ? port : 80));
	req = k->conn ? evhttp_request_new(hook_done, k) : NULL;
	if (!req)
		goto fail;
	evhttp_connection_set_timeout(k->conn, 10);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", evhttp_uri_get_host(u));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), k->json, strlen(k->json));
	if (evhttp_make_request(k->conn, req, EVHTTP_REQ_POST, path && *path ? path : "/") != 0) {
		req = NULL; /* freed by libevent on failure */
		goto fail;
	}
	evhttp_uri_free(u);
	return;
fail:
	hfn_log(HFN_LOG_WARN, "webhook_failed", "url", url, NULL);
	if (u)
		evhttp_uri_free(u);
	hook_free(-1, 0, k);
}

static void hook_go(hfn_node *n, void *arg)
{
	hfn_hook *k = arg;
	/* Committed: sent from the loop after the current callback. */
	if (event_base_once(n->base, -1, EV_TIMEOUT, hook_send, k, NULL) != 0)
		hook_free(-1, 0, k);
}

static void hook_drop(void *arg)
{
	hook_free(-1, 0, arg);
}

hf_err hfn_api_order_webhook(hfn_node *n, const hfn_store_order *o)
{
	char id[33], au[33];
	hfn_hook *k;
	if (!n->cfg.orders.webhook_url[0] || !n->base)
		return HF_OK;
	k = calloc(1, sizeof(*k));
	if (!k)
		return HF_ENOMEM;
	hf_order_id_hex(&o->id, id);
	hfn_hex(o->authority, 16, au);
	/* Metadata only: the moderation system fetches the locators through the API. */
	json_t *j =
	    json_pack("{s:s,s:s,s:s,s:s?,s:i,s:I,s:I,s:i}", "event", "order_received", "order", id,
	              "authority", au, "category", hf_order_category_name(o->category), "priority",
	              o->priority, "issued_ms", (json_int_t)o->issued_ms, "deadline_ms",
	              (json_int_t)o->deadline_ms, "items", o->n_items);
	k->n = n;
	k->json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!k->json) {
		free(k);
		return HF_ENOMEM;
	}
	/* Fired once the transaction that stores the order commits; dropped if it rolls back. */
	hf_err rc = hfn_node_after_commit(n, hook_go, hook_drop, k);
	if (rc != HF_OK)
		hook_drop(k);
	return rc;
}
