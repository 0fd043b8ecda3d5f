/* JSON over evhttp for the local API routes (http_json.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api/http_json.h"
#include "hashfed/limits.h"
#include "core/log.h"

int hfn_http_status(hf_err e)
{
	switch (e) {
	case HF_OK:
		return 200;
	case HF_EAUTH:
		return 401;
	case HF_EROLE:
	case HF_ENOTENTITLED:
		return 403;
	case HF_ENOTFOUND:
	case HF_EUNKNOWNMEMBER:
		return 404;
	case HF_EEXIST:
	case HF_ESTATE:
		return 409;
	case HF_ETOOBIG:
	case HF_EFILESIZE:
		return 413;
	default:
		break;
	}
	hf_err_class c = hf_err_class_of(e);
	return c == HF_CLASS_USAGE || c == HF_CLASS_MALFORMED || c == HF_CLASS_POLICY ? 400 : 500;
}

void hfn_http_reply(struct evhttp_request *req, int code, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "application/json");
	if (s) {
		evbuffer_add(b, s, strlen(s));
		evbuffer_add(b, "\n", 1);
	}
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", NULL);
	free(s);
	json_decref(j);
}

void hfn_http_fail(struct evhttp_request *req, hf_err e, const char *msg)
{
	hfn_http_reply(
	    req, hfn_http_status(e),
	    json_pack("{s:s,s:s}", "error", hf_err_name(e), "message", msg ? msg : hf_strerror(e)));
}

void hfn_http_reply_or_fail(struct evhttp_request *req, json_t *j, hf_err rc, const char *msg)
{
	if (j)
		hfn_http_reply(req, 200, j);
	else
		hfn_http_fail(req, rc, msg);
}

void hfn_http_reply_array(struct evhttp_request *req, const char *key, hf_err rc, json_t *arr)
{
	if (rc != HF_OK) {
		json_decref(arr);
		hfn_http_fail(req, rc, NULL);
	} else {
		hfn_http_reply(req, 200, json_pack("{s:o}", key, arr));
	}
}

json_t *hfn_http_hex(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	if (n > 64)
		return NULL;
	hfn_hex(p, n, buf);
	return json_string(buf);
}

json_t *hfn_http_body(struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	unsigned char *p = evbuffer_pullup(b, (ev_ssize_t)len);
	json_t *j;
	if (!p && len)
		return NULL;
	j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- unknown fields (http_json.h) ---- */

const char *hfn_json_unknown(json_t *o, const char *const names[])
{
	const char *key;
	json_t *v;
	if (!json_is_object(o))
		return NULL;
	json_object_foreach(o, key, v)
	{
		size_t i = 0;
		while (names[i] && strcmp(names[i], key) != 0)
			i++;
		if (!names[i])
			return key;
	}
	return NULL;
}

const char *hfn_unknown_msg(char *buf, size_t size, const char *where, const char *key)
{
	/* The key is the client's own text: cut, so the message stays one short line. */
	snprintf(buf, size, "unknown field \"%s%.64s\"", where, key);
	return buf;
}

bool hfn_http_known(struct evhttp_request *req, json_t *o, const char *where,
                    const char *const names[])
{
	char msg[160];
	const char *bad = hfn_json_unknown(o, names);
	if (!bad)
		return true;
	hfn_http_fail(req, HF_EUNKNOWNKEY, hfn_unknown_msg(msg, sizeof(msg), where, bad));
	return false;
}

/* ---- field helpers (http_json.h) ---- */

bool hfn_hex_field(json_t *o, const char *key, uint8_t *out, size_t n)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) && strlen(json_string_value(v)) == 2 * n &&
	       hfn_unhex(json_string_value(v), out, n) == HF_OK;
}

const char *hfn_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Enumerations by name (as hf_*_name prints them) or number. */
bool hfn_enum(json_t *v, const char *(*name)(uint32_t), uint32_t max, uint32_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= max) {
		*out = (uint32_t)json_integer_value(v);
		return true;
	}
	for (uint32_t i = 1; json_is_string(v) && i <= max; i++)
		if (name(i) && !strcasecmp(name(i), json_string_value(v))) {
			*out = i;
			return true;
		}
	return false;
}

/* "90m", "24h", "3d" or milliseconds. */
bool hfn_duration(json_t *v, uint64_t *ms)
{
	char *end;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*ms = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	/* Digits first: strtoull would skip " 24h"'s space and wrap "-24h" around. */
	if (json_string_value(v)[0] < '0' || json_string_value(v)[0] > '9')
		return false;
	unsigned long long x = strtoull(json_string_value(v), &end, 10);
	uint64_t unit = !strcmp(end, "s")    ? 1000
	                : !strcmp(end, "m")  ? 60000
	                : !strcmp(end, "h")  ? 3600000
	                : !strcmp(end, "d")  ? 86400000
	                : !strcmp(end, "ms") ? 1
	                                     : 0;
	if (!unit || end == json_string_value(v) || x > HF_ORDER_MAX_DEADLINE_MS)
		return false;
	*ms = x * unit;
	return true;
}
