#ifndef HFN_HTTP_JSON_H
#define HFN_HTTP_JSON_H

/*
 * JSON over evhttp, shared by every route file of the local API (api.c,
 * orders_api.c, match_api.c): one status mapping, one reply and one error
 * shape {"error": "<hf_err name>", "message": "..."} (docs/api.md).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hashfed/err.h"

struct evhttp_request;

/* HTTP status for an hf_err: 401 auth, 403 role/entitlement, 404 unknown,
 * 409 exists/state, 413 too big, else 400 for caller-side classes and 500. */
int hfn_http_status(hf_err e);
/* Sends j (may be NULL: empty body) with code and takes ownership of j. */
void hfn_http_reply(struct evhttp_request *req, int code, json_t *j);
/* Sends the error object for e with msg (NULL: hf_strerror(e)). */
void hfn_http_fail(struct evhttp_request *req, hf_err e, const char *msg);
/* j with 200 if there is one (taking ownership), else the error object for rc with msg (NULL:
 * hf_strerror(rc)): for handlers whose result is NULL on failure. */
void hfn_http_reply_or_fail(struct evhttp_request *req, json_t *j, hf_err rc, const char *msg);
/* A collection's reply: {key: arr} if rc (how collecting it went) is HF_OK, else the
 * error object for rc. Takes ownership of arr. */
void hfn_http_reply_array(struct evhttp_request *req, const char *key, hf_err rc, json_t *arr);
/* Lower-case hex JSON string of p[0..n), n <= 64; NULL on allocation failure. */
json_t *hfn_http_hex(const uint8_t *p, size_t n);
/* The request body parsed as a JSON object (duplicate keys rejected); NULL if
 * it is not one. The size is already capped by evhttp (HFN_API_MAX_BODY). */
json_t *hfn_http_body(struct evhttp_request *req);

/* Unknown fields are refused, as the config refuses unknown keys (issue 12): a typo
 * ("deadlines") must not silently become a default. */
/* The first key of object o that is not one of names (NULL-terminated), else NULL. */
const char *hfn_json_unknown(json_t *o, const char *const names[]);
/* True if every key of o is one of names; otherwise replies 400 HF_EUNKNOWNKEY with
 * "unknown field \"<where><key>\"" and returns false. where may be "" or e.g. "items[2].". */
bool hfn_http_known(struct evhttp_request *req, json_t *o, const char *where,
                    const char *const names[]);
/* Writes "unknown field \"<where><key>\"" into buf (for handlers that build the reply). */
const char *hfn_unknown_msg(char *buf, size_t size, const char *where, const char *key);

/* Field helpers shared by the route files. */
/* o[key] is exactly 2n hex digits; decoded into out. */
bool hfn_hex_field(json_t *o, const char *key, uint8_t *out, size_t n);
/* o[key] if it is a string, else NULL. */
const char *hfn_str(json_t *o, const char *key);
/* An enumeration by name (as name() prints it, any case) or number 1..max. */
bool hfn_enum(json_t *v, const char *(*name)(uint32_t), uint32_t max, uint32_t *out);
/* "90m", "24h", "3d", "30s", "500ms" or milliseconds (> 0, <= HF_ORDER_MAX_DEADLINE_MS). */
bool hfn_duration(json_t *v, uint64_t *ms);

#endif
