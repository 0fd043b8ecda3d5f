/*
 * node.ini: the one parser of every section. KEYS[] has one row per key (section, name,
 * kind, field, bounds, default), as valkey's static_configs[]: parsing, defaults and the
 * refusal message (which names the key) all come from it. A new setting is a new row.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>

#include "core/config.h"
#include "hashfed/index.h"
#include "hashfed/limits.h"

typedef enum key_kind {
	K_PATH,     /* file name, relative to the config file's directory */
	K_STR,      /* text that fits the field */
	K_BOOL,     /* true|yes|1 / false|no|0 */
	K_UINT,     /* decimal digits only, lo..hi, stored in a field of `size` bytes */
	K_HOSTPORT, /* host:port, port 1..65535 (host at off, uint16_t port at off2) */
	K_URL,      /* http://... that fits the field */
} key_kind;

typedef struct cfg_key {
	const char *section, *name;
	key_kind kind;
	size_t off, size, off2;
	uint64_t lo, hi, def; /* K_UINT: bounds and default */
	const char *expect;   /* what a valid value looks like, for the refusal */
} cfg_key;

#define FIELD(f) offsetof(hfn_config, f), sizeof(((hfn_config *)0)->f)
#define PATH(s, k, f)                                                                              \
	{                                                                                          \
		s, k, K_PATH, FIELD(f), 0, 0, 0, 0, "a file name"                                  \
	}
#define STR(s, k, f, e)                                                                            \
	{                                                                                          \
		s, k, K_STR, FIELD(f), 0, 0, 0, 0, e                                               \
	}
#define BOOL(s, k, f)                                                                              \
	{                                                                                          \
		s, k, K_BOOL, FIELD(f), 0, 0, 0, 0, "true or false"                                \
	}
#define UINT(s, k, f, lo, hi, def)                                                                 \
	{                                                                                          \
		s, k, K_UINT, FIELD(f), 0, lo, hi, def, "an integer in range"                      \
	}

static const cfg_key KEYS[] = {
    PATH("node", "identity", identity),
    PATH("node", "manifest", manifest),
    PATH("node", "data_dir", data_dir),
    STR("node", "listen", listen, "tls+tcp://host:port"),
    STR("node", "log_level", log_level, "debug|info|warn|error"),
    BOOL("node", "insecure_loopback", insecure_loopback),
    UINT("node", "pull_interval_ms", pull_interval_ms, 100, 3600000, 5000),
    PATH("tls", "ca", tls_ca),
    PATH("tls", "cert", tls_cert),
    PATH("tls", "key", tls_key),
    PATH("tls", "crl", tls_crl),
    {"api", "listen", K_HOSTPORT, FIELD(api_host), offsetof(hfn_config, api_port), 0, 0, 0,
     "host:port"},
    PATH("api", "token_file", api_token_file),
    PATH("api", "tls_cert", api_tls_cert),
    PATH("api", "tls_key", api_tls_key),
    BOOL("api", "allow_plaintext", api_allow_plaintext),
    /* [match]: match_config.h */
    UINT("match", "max_distance", match.max_distance, 0, HF_PDQ_INDEX_MAX_DIST,
         HF_PDQ_INDEX_DEFAULT_DIST),
    UINT("match", "min_quality", match.min_quality, 0, 100, HF_PDQ_INDEX_MIN_QUALITY),
    UINT("match", "max_image_bytes", match.max_image_bytes, 1024, 64u * 1024u * 1024u,
         16u * 1024u * 1024u),
    UINT("match", "max_bulk", match.max_bulk, 1, 1000000, 10000),
    UINT("match", "flood_threshold", match.flood_threshold, 0, 1000000, 100),
    UINT("match", "flood_window_ms", match.flood_window_ms, 1000, 7u * 86400000u, 3600000),
    UINT("match", "flush_interval_ms", match.flush_interval_ms, 100, 3600000, 2000),
    UINT("match", "report_interval_ms", match.report_interval_ms, 100, 86400000, 3600000),
    UINT("match", "expiry_sweep_ms", match.expiry_sweep_ms, 100, 86400000, 60000),
    UINT("match", "video_distance", match.video_distance, 1, 64, 31),
    UINT("match", "video_compared_pct", match.video_compared_pct, 0, 100, 80),
    UINT("match", "video_query_pct", match.video_query_pct, 0, 100, 0),
    UINT("match", "max_video_bytes", match.max_video_bytes, 1024, HF_VID_MAX_FILE_SIZE,
         128u * 1024u * 1024u),
    UINT("match", "video_decode_ms", match.video_decode_ms, 100, HF_VID_MAX_DECODE_MS, 60000),
    /* [orders]: orders_cfg.h */
    {"orders", "webhook_url", K_URL, FIELD(orders.webhook_url), 0, 0, 0, 0,
     "http://host:port/path"},
    UINT("orders", "check_interval_ms", orders.check_interval_ms, 10, 3600000, 1000),
    UINT("orders", "remind_before_ms", orders.remind_before_ms, 0, HF_ORDER_MAX_DEADLINE_MS, 0),
    BOOL("orders", "test_clock", orders.test_clock),
    /* [audit]: audit_cfg.h */
    UINT("audit", "batch_ms", audit.batch_ms, 1, 60000, 200),
    UINT("audit", "quorum", audit.quorum, 0, HF_MAX_WITNESSES, 0),
    UINT("audit", "gossip_ms", audit.gossip_ms, 100, 3600000, 2000),
    UINT("audit", "max_backdate_ms", audit.max_backdate_ms, 0, 30ull * 86400000, 3600000),
    UINT("audit", "unlogged_ms", audit.unlogged_ms, 100, 86400000, 30000),
    BOOL("audit", "submit", audit.submit),
    BOOL("audit", "public", audit.public_log),
    /* [intake]: intake_cfg.h */
    UINT("intake", "burst", intake.burst, 1, 10000, 5),
    UINT("intake", "refill_ms", intake.refill_ms, 100, 86400000, 12000),
    UINT("intake", "max_per_hour", intake.max_per_hour, 1, 10000000, 1000),
};
#define N_KEYS (sizeof(KEYS) / sizeof(KEYS[0]))

typedef struct cfg_ctx {
	hfn_config *c;
	char dir[HFN_PATH_MAX];
	char err[400];
} cfg_ctx;

static bool set_text(char *dst, size_t size, const char *prefix, const char *v)
{
	int n = snprintf(dst, size, "%s%s%s", prefix, prefix[0] ? "/" : "", v);
	return n > 0 && (size_t)n < size;
}

static bool parse_uint(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t x = 0;
	if (!*v)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*out = x;
	return x >= lo && x <= hi;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
	if (size == sizeof(uint64_t)) {
		uint64_t x = v;
		memcpy(field, &x, sizeof(x));
	} else if (size == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)v; /* bounds checked: fits */
		memcpy(field, &x, sizeof(x));
	} else {
		uint16_t x = (uint16_t)v;
		memcpy(field, &x, sizeof(x));
	}
}

/* One value into its field; false if it is not a valid value for the key. */
static bool set_key(const cfg_ctx *x, const cfg_key *k, const char *v)
{
	char *base = (char *)x->c, *dst = base + k->off;
	uint64_t u;
	switch (k->kind) {
	case K_PATH:
		return set_text(dst, k->size, v[0] == '/' ? "" : x->dir, v);
	case K_STR:
		return set_text(dst, k->size, "", v);
	case K_URL:
		return strncmp(v, "http://", 7) == 0 && set_text(dst, k->size, "", v);
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			*(bool *)(void *)dst = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
			*(bool *)(void *)dst = false;
		else
			return false;
		return true;
	case K_UINT:
		if (!parse_uint(v, k->lo, k->hi, &u))
			return false;
		store_uint(dst, k->size, u);
		return true;
	case K_HOSTPORT: {
		const char *colon = strrchr(v, ':');
		if (!colon || colon == v || (size_t)(colon - v) >= k->size ||
		    !parse_uint(colon + 1, 1, 65535, &u))
			return false;
		memcpy(dst, v, (size_t)(colon - v));
		dst[colon - v] = 0;
		store_uint(base + k->off2, sizeof(uint16_t), u);
		return true;
	}
	}
	return false;
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	cfg_ctx *x = user;
	bool known_section = false;
	for (size_t i = 0; i < N_KEYS; i++) {
		const cfg_key *k = &KEYS[i];
		if (strcmp(k->section, section) != 0)
			continue;
		known_section = true;
		if (strcmp(k->name, name) != 0)
			continue;
		if (set_key(x, k, value))
			return 1;
		if (k->kind == K_UINT)
			snprintf(x->err, sizeof(x->err),
			         "[%s] %s: invalid value '%.40s' (expected an integer %llu..%llu)",
			         section, name, value, (unsigned long long)k->lo,
			         (unsigned long long)k->hi);
		else
			snprintf(x->err, sizeof(x->err),
			         "[%s] %s: invalid value '%.40s' (expected %s)", section, name,
			         value, k->expect);
		return 0;
	}
	/* Say what is accepted: the section's keys, or the sections. */
	size_t used = (size_t)snprintf(x->err, sizeof(x->err),
	                               known_section ? "[%s] %s: unknown key (keys of [%s]:"
	                                             : "[%s]: unknown section%.0s (%s",
	                               section, name, known_section ? section : "sections are");
	for (size_t i = 0; i < N_KEYS && used < sizeof(x->err); i++) {
		if (known_section ? strcmp(KEYS[i].section, section) != 0
		                  : i > 0 && !strcmp(KEYS[i].section, KEYS[i - 1].section))
			continue;
		used += (size_t)snprintf(
		    x->err + used, sizeof(x->err) - used, " %s%s%s", known_section ? "" : "[",
		    known_section ? KEYS[i].name : KEYS[i].section, known_section ? "" : "]");
	}
	if (used < sizeof(x->err))
		snprintf(x->err + used, sizeof(x->err) - used, ")");
	return 0;
}

void hfn_config_defaults(hfn_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_KEYS; i++)
		if (KEYS[i].kind == K_UINT)
			store_uint((char *)c + KEYS[i].off, KEYS[i].size, KEYS[i].def);
	snprintf(c->log_level, sizeof(c->log_level), "info");
	snprintf(c->api_host, sizeof(c->api_host), "127.0.0.1");
	c->api_port = 8470;
	c->audit.submit = true;
}

void hfn_match_config_defaults(hfn_match_config *m)
{
	hfn_config c;
	hfn_config_defaults(&c);
	*m = c.match;
}

hf_err hfn_config_load(const char *path, hfn_config *c, char *err, size_t err_size)
{
	cfg_ctx x;
	const char *slash = strrchr(path, '/');
	hfn_config_defaults(c);
	memset(&x, 0, sizeof(x));
	x.c = c;
	if (slash)
		snprintf(x.dir, sizeof(x.dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(x.dir, sizeof(x.dir), ".");
	int r = ini_parse(path, ini_cb, &x);
	if (r == -1) {
		snprintf(err, err_size, "%s: cannot open (%s): give --config the node's node.ini",
		         path, strerror(errno));
		return HF_EIO;
	}
	if (r != 0) {
		snprintf(err, err_size, "%s:%d: %s", path, r, x.err[0] ? x.err : "syntax error");
		return HF_ECONFIG;
	}
	/* Rules across keys. */
	const char *missing = !c->identity[0]         ? "[node] identity"
	                      : !c->manifest[0]       ? "[node] manifest"
	                      : !c->data_dir[0]       ? "[node] data_dir"
	                      : !c->listen[0]         ? "[node] listen"
	                      : !c->api_token_file[0] ? "[api] token_file"
	                                              : NULL;
	if (!missing && !c->insecure_loopback)
		missing = !c->tls_ca[0]     ? "[tls] ca"
		          : !c->tls_cert[0] ? "[tls] cert"
		          : !c->tls_key[0]  ? "[tls] key"
		                            : NULL;
	if (missing) {
		snprintf(err, err_size, "%s: %s is required", path, missing);
		return HF_ECONFIG;
	}
	if (strncmp(c->listen, "tls+tcp://", 10) != 0) {
		snprintf(err, err_size, "%s: [node] listen must be tls+tcp://host:port", path);
		return HF_ECONFIG;
	}
	/* Plain TCP is for tests on one machine only. */
	if (c->insecure_loopback && strncmp(c->listen + 10, "127.0.0.1:", 10) != 0) {
		snprintf(err, err_size,
		         "%s: [node] listen must be on 127.0.0.1 with [node] insecure_loopback",
		         path);
		return HF_ECONFIG;
	}
	/* The API's bearer token crosses the network in the clear over plain HTTP (issue 12). */
	if (!c->api_tls_cert[0] != !c->api_tls_key[0]) {
		snprintf(err, err_size, "%s: [api] tls_cert and tls_key go together", path);
		return HF_ECONFIG;
	}
	if (!c->api_tls_cert[0] && !c->api_allow_plaintext &&
	    !hfn_config_host_loopback(c->api_host)) {
		snprintf(err, err_size,
		         "%s: [api] listen beyond loopback needs tls_cert and tls_key (HTTPS), or "
		         "allow_plaintext = true",
		         path);
		return HF_ECONFIG;
	}
	if (!strcmp(c->log_level, "debug") || !strcmp(c->log_level, "info") ||
	    !strcmp(c->log_level, "warn") || !strcmp(c->log_level, "error"))
		return HF_OK;
	snprintf(err, err_size, "%s: [node] log_level must be debug|info|warn|error", path);
	return HF_ECONFIG;
}

bool hfn_config_host_loopback(const char *host)
{
	struct in_addr a4;
	/* Literal addresses only (a name such as "127.x.example" may resolve anywhere). */
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return !strcmp(host, "::1") || !strcmp(host, "[::1]") || !strcmp(host, "localhost");
}

hf_err hfn_config_check_secret_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return HF_ECONFIG;
	/* Same rule as key files (keys/lib/keyio.c): nobody but the owner may read it. */
	return (st.st_mode & 077) ? HF_EPERM : HF_OK;
}
