#ifndef HF_NODE_CONFIG_H
#define HF_NODE_CONFIG_H

/*
 * node.ini (libinih). Sections and keys:
 *   [node]  identity (dir holding node.key), manifest (file), data_dir, listen
 *           (tls+tcp://host:port), log_level (debug|info|warn|error),
 *           insecure_loopback (true: plain tcp://, 127.0.0.1 only; tests),
 *           pull_interval_ms (anti-entropy pulls, default 5000)
 *   [tls]   ca, cert, key (PEM files; required unless insecure_loopback)
 *   [api]   listen (host:port, default 127.0.0.1:8470), token_file
 * Relative paths are relative to the config file's directory.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "match/match_config.h"
#include "orders/orders_cfg.h"

#define HF_PATH_MAX 1024

typedef struct hf_config {
	char identity[HF_PATH_MAX];
	char manifest[HF_PATH_MAX];
	char data_dir[HF_PATH_MAX];
	char listen[300];
	char log_level[16];
	bool insecure_loopback;
	uint32_t pull_interval_ms;
	char tls_ca[HF_PATH_MAX];
	char tls_cert[HF_PATH_MAX];
	char tls_key[HF_PATH_MAX];
	char api_host[128];
	uint16_t api_port;
	char api_token_file[HF_PATH_MAX];
	hf_match_config match; /* [match] (match_config.h) */
	hf_orders_cfg orders;  /* [orders] (orders_cfg.h) */
} hf_config;

/*
 * Loads and validates path into *c. On error, err gets a one-line reason.
 * Errors: HF_EIO (unreadable), HF_ECONFIG (syntax, unknown key, missing or
 * invalid value).
 */
hf_err hf_config_load(const char *path, hf_config *c, char *err, size_t err_size) HF_MUST_CHECK;

/* A secret file (the API token): HF_EPERM if group or other may access it, HF_ECONFIG if
 * it cannot be read. */
hf_err hf_config_check_secret_file(const char *path) HF_MUST_CHECK;

#endif
