/* node.ini parsing and validation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "core/config.h"

typedef struct hf_cfg_ctx {
	hf_config *c;
	char dir[HF_PATH_MAX];
	char err[256];
} hf_cfg_ctx;

static bool hf_set_path(const hf_cfg_ctx *x, char *dst, const char *v)
{
	int n = v[0] == '/' ? snprintf(dst, HF_PATH_MAX, "%s", v)
	                    : snprintf(dst, HF_PATH_MAX, "%s/%s", x->dir, v);
	return n > 0 && n < HF_PATH_MAX;
}

static bool hf_set_str(char *dst, size_t size, const char *v)
{
	int n = snprintf(dst, size, "%s", v);
	return n >= 0 && (size_t)n < size;
}

static bool hf_parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

/* "host:port" with port 1..65535. */
static bool hf_parse_hostport(const char *v, char *host, size_t hsize, uint16_t *port)
{
	const char *colon = strrchr(v, ':');
	char *end;
	if (!colon || colon == v || (size_t)(colon - v) >= hsize)
		return false;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p == 0 || p > 65535)
		return false;
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = 0;
	*port = (uint16_t)p;
	return true;
}

static int hf_ini_cb(void *user, const char *section, const char *name, const char *value)
{
	hf_cfg_ctx *x = user;
	hf_config *c = x->c;
	bool ok = true;
	if (!strcmp(section, "node")) {
		if (!strcmp(name, "identity"))
			ok = hf_set_path(x, c->identity, value);
		else if (!strcmp(name, "manifest"))
			ok = hf_set_path(x, c->manifest, value);
		else if (!strcmp(name, "data_dir"))
			ok = hf_set_path(x, c->data_dir, value);
		else if (!strcmp(name, "listen"))
			ok = hf_set_str(c->listen, sizeof(c->listen), value);
		else if (!strcmp(name, "log_level"))
			ok = hf_set_str(c->log_level, sizeof(c->log_level), value);
		else if (!strcmp(name, "insecure_loopback"))
			ok = hf_parse_bool(value, &c->insecure_loopback);
		else if (!strcmp(name, "pull_interval_ms")) {
			char *end;
			unsigned long v = strtoul(value, &end, 10);
			ok = !*end && v >= 100 && v <= 3600000;
			c->pull_interval_ms = (uint32_t)v;
		} else
			ok = false;
	} else if (!strcmp(section, "tls")) {
		if (!strcmp(name, "ca"))
			ok = hf_set_path(x, c->tls_ca, value);
		else if (!strcmp(name, "cert"))
			ok = hf_set_path(x, c->tls_cert, value);
		else if (!strcmp(name, "key"))
			ok = hf_set_path(x, c->tls_key, value);
		else
			ok = false;
	} else if (!strcmp(section, "api")) {
		if (!strcmp(name, "listen"))
			ok = hf_parse_hostport(value, c->api_host, sizeof(c->api_host),
			                       &c->api_port);
		else if (!strcmp(name, "token_file"))
			ok = hf_set_path(x, c->api_token_file, value);
		else
			ok = false;
	} else if (!strcmp(section, "match")) {
		ok = hf_match_config_set(&c->match, name, value);
	} else if (!strcmp(section, "orders")) {
		ok = hf_orders_cfg_set(&c->orders, name, value);
	} else {
		ok = false;
	}
	if (!ok && !x->err[0])
		snprintf(x->err, sizeof(x->err), "[%s] %s: unknown key or invalid value", section,
		         name);
	return ok ? 1 : 0;
}

hf_err hf_config_load(const char *path, hf_config *c, char *err, size_t err_size)
{
	hf_cfg_ctx x;
	const char *slash = strrchr(path, '/');
	memset(c, 0, sizeof(*c));
	memset(&x, 0, sizeof(x));
	x.c = c;
	if (slash)
		snprintf(x.dir, sizeof(x.dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(x.dir, sizeof(x.dir), ".");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	snprintf(c->api_host, sizeof(c->api_host), "127.0.0.1");
	c->api_port = 8470;
	c->pull_interval_ms = 5000;
	hf_match_config_defaults(&c->match);
	int r = ini_parse(path, hf_ini_cb, &x);
	if (r == -1) {
		snprintf(err, err_size, "%s: cannot open", path);
		return HF_EIO;
	}
	if (r != 0) {
		snprintf(err, err_size, "%s:%d: %s", path, r, x.err[0] ? x.err : "syntax error");
		return HF_ECONFIG;
	}
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
		snprintf(err, err_size, "%s: insecure_loopback requires listen on 127.0.0.1", path);
		return HF_ECONFIG;
	}
	if (!strcmp(c->log_level, "debug") || !strcmp(c->log_level, "info") ||
	    !strcmp(c->log_level, "warn") || !strcmp(c->log_level, "error"))
		return HF_OK;
	snprintf(err, err_size, "%s: [node] log_level must be debug|info|warn|error", path);
	return HF_ECONFIG;
}

hf_err hf_config_check_secret_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return HF_ECONFIG;
	/* Same rule as key files (keys/lib/keyio.c): nobody but the owner may read it. */
	return (st.st_mode & 077) ? HF_EPERM : HF_OK;
}
