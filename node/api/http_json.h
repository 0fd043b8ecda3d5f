#ifndef HF_NODE_HTTP_JSON_H
#define HF_NODE_HTTP_JSON_H

/*
 * JSON over evhttp, shared by every route file of the local API (api.c,
 * orders_api.c, match_api.c): one status mapping, one reply and one error
 * shape {"error": "<hf_err name>", "message": "..."} (docs/api.md).
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hashfed/err.h"

struct evhttp_request;

/* HTTP status for an hf_err: 401 auth, 403 role/entitlement, 404 unknown,
 * 409 exists/state, 413 too big, else 400 for caller-side classes and 500. */
int hf_http_status(hf_err e);
/* Sends j (may be NULL: empty body) with code and takes ownership of j. */
void hf_http_reply(struct evhttp_request *req, int code, json_t *j);
/* Sends the error object for e with msg (NULL: hf_strerror(e)). */
void hf_http_fail(struct evhttp_request *req, hf_err e, const char *msg);
/* Lower-case hex JSON string of p[0..n), n <= 64; NULL on allocation failure. */
json_t *hf_http_hex(const uint8_t *p, size_t n);
/* The request body parsed as a JSON object (duplicate keys rejected); NULL if
 * it is not one. The size is already capped by evhttp (HF_API_MAX_BODY). */
json_t *hf_http_body(struct evhttp_request *req);

#endif
