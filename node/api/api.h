#ifndef HFN_API_H
#define HFN_API_H

/*
 * Local HTTP API (libevent evhttp + jansson), documented in docs/api.md.
 * Bearer token from cfg.api_token_file, compared in constant time; JSON in
 * and out; errors {"error": "<hf_err name>", "message": "..."}.
 */
#include "hashfed/err.h"

struct hfn_node;

#define HFN_API_MAX_BODY    (32u * 1024u * 1024u) /* bulk adds: ~200k entries per request */
#define HFN_API_MAX_HEADERS 8192u

hf_err hfn_api_start(struct hfn_node *n, void **out) HF_MUST_CHECK;
void hfn_api_stop(void *api);

#endif
