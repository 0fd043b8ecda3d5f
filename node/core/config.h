#ifndef HFN_CONFIG_H
#define HFN_CONFIG_H

/*
 * node.ini (libinih), parsed by one table (config.c's KEYS[]). Sections and keys:
 *   [node]  identity (dir holding node.key), manifest (file), data_dir, listen
 *           (tls+tcp://host:port), log_level (debug|info|warn|error),
 *           insecure_loopback (true: plain tcp://, 127.0.0.1 only; tests),
 *           pull_interval_ms (anti-entropy pulls, default 5000)
 *   [tls]   ca, cert, key (PEM files; required unless insecure_loopback), crl (optional)
 *   [api]   listen (host:port, default 127.0.0.1:8470), token_file, tls_cert + tls_key
 *           (PEM: the API speaks HTTPS only), allow_plaintext (plain HTTP beyond
 *           loopback; without it such a config is refused)
 *   [match] match_config.h;  [orders] orders_cfg.h;  [audit] audit_cfg.h;
 *   [intake] intake_cfg.h
 * A refusal names the section and key it blames ("[node] pull_interval_ms: ...").
 * Relative paths are relative to the config file's directory.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "match/match_config.h"
#include "audit/audit_cfg.h"
#include "orders/orders_cfg.h"
#include "intake/intake_cfg.h"

#define HFN_PATH_MAX 1024

typedef struct hfn_config {
	char identity[HFN_PATH_MAX];
	char manifest[HFN_PATH_MAX];
	char data_dir[HFN_PATH_MAX];
	char listen[300];
	char log_level[16];
	bool insecure_loopback;
	uint32_t pull_interval_ms;
	char tls_ca[HFN_PATH_MAX];
	char tls_cert[HFN_PATH_MAX];
	char tls_key[HFN_PATH_MAX];
	char tls_crl[HFN_PATH_MAX]; /* [tls] crl: optional, the CA's CRL (ca/crl.pem) */
	char api_host[128];
	uint16_t api_port;
	char api_token_file[HFN_PATH_MAX];
	char api_tls_cert[HFN_PATH_MAX]; /* [api] tls_cert: HTTPS when set (with tls_key) */
	char api_tls_key[HFN_PATH_MAX];
	bool api_allow_plaintext;
	hfn_match_config match; /* [match] (match_config.h) */
	hfn_orders_cfg orders;  /* [orders] (orders_cfg.h) */
	hfn_audit_cfg audit;    /* [audit] (audit_cfg.h) */
	hfn_intake_cfg intake;  /* [intake] (intake_cfg.h) */
} hfn_config;

/*
 * Loads and validates path into *c. On error, err gets a one-line reason.
 * Errors: HF_EIO (unreadable), HF_ECONFIG (syntax, unknown key, missing or
 * invalid value).
 */
hf_err hfn_config_load(const char *path, hfn_config *c, char *err, size_t err_size) HF_MUST_CHECK;
/* Every default (what hfn_config_load starts from); the [match] part alone. */
void hfn_config_defaults(hfn_config *c);
void hfn_match_config_defaults(hfn_match_config *m);

/* A secret file (the API token): HF_EPERM if group or other may access it, HF_ECONFIG if
 * it cannot be read. */
hf_err hfn_config_check_secret_file(const char *path) HF_MUST_CHECK;
/* Whether host (as in [api] listen) is a loopback address: 127.0.0.0/8, ::1, localhost. */
bool hfn_config_host_loopback(const char *host);

#endif
