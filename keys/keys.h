#ifndef HASHFED_KEYS_H
#define HASHFED_KEYS_H

/* hashfed-keys: shared declarations of the subcommands (keys/cmd_*.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/keyfile.h"
#include "hashfed/manifest.h"
#include "keyio.h"

/* Exit codes (documented in --help and hashfed-keys(1)). */
enum {
	HFN_KEYS_EXIT_OK = 0,
	HFN_KEYS_EXIT_USAGE = 1,   /* bad command line */
	HFN_KEYS_EXIT_INPUT = 2,   /* malformed or inconsistent input (files, keys, member ids) */
	HFN_KEYS_EXIT_REFUSED = 3, /* a check refused: signatures, epoch, permissions, passphrase */
	HFN_KEYS_EXIT_IO = 4,      /* a file could not be read or written */
	HFN_KEYS_EXIT_INTERNAL = 5,
};

#define HFN_KEYS_EXIT_CODES_HELP                                                                   \
	"Exit codes: 0 success, 1 usage error, 2 invalid input, 3 refused (signatures,\n"          \
	"  epoch, permissions, passphrase), 4 I/O error, 5 internal error.\n"

typedef int (*hfn_keys_cmd_fn)(int argc, char **argv);

int hfn_keys_cmd_init_federation(int argc, char **argv);
int hfn_keys_cmd_new_node(int argc, char **argv);
int hfn_keys_cmd_sign_cert(int argc, char **argv);
int hfn_keys_cmd_revoke_cert(int argc, char **argv);
int hfn_keys_cmd_manifest(int argc, char **argv);
int hfn_keys_cmd_manifest_edit(const char *sub, int argc, char **argv);
int hfn_keys_cmd_manifest_sign(int argc, char **argv);
int hfn_keys_cmd_manifest_verify(int argc, char **argv);
int hfn_keys_cmd_manifest_show(int argc, char **argv);

/* Prints "hashfed-keys <cmd>: <message>: <hf error>" and returns its exit code. */
int hfn_keys_fail(const char *cmd, hf_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints "hashfed-keys <cmd>: <message>" plus a --help hint; returns HFN_KEYS_EXIT_USAGE. */
int hfn_keys_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hfn_keys_exit_code(hf_err e);
/* True if argv holds -h or --help (before any "--"). */
bool hfn_keys_wants_help(int argc, char **argv);

/* "now", "never", unix seconds, "+<n>d" (days from now) or
 * YYYY-MM-DDTHH:MM:SSZ, to unix ms. HF_EPARSE. */
hf_err hfn_keys_parse_time(const char *s, uint64_t *ms) HF_MUST_CHECK;
uint64_t hfn_keys_now_ms(void);
/* ISO 8601 UTC ("never" for HF_TIME_NEVER) into buf (>= 32 bytes). */
void hfn_keys_format_time(uint64_t ms, char *buf, size_t size);
hf_err hfn_keys_parse_hex(const char *s, uint8_t *out, size_t n) HF_MUST_CHECK;
/* Joins dir and name into a malloc'ed path. */
char *hfn_keys_path(const char *dir, const char *name);
/* mkdir mode (EEXIST is fine only if it is an empty directory). */
hf_err hfn_keys_mkdir(const char *dir, unsigned mode) HF_MUST_CHECK;

hf_err hfn_keys_manifest_load(const char *path, hf_manifest **m) HF_MUST_CHECK;
hf_err hfn_keys_manifest_save(const char *path, const hf_manifest *m) HF_MUST_CHECK;
hf_err hfn_keys_pub_load(const char *path, hf_pubfile *p) HF_MUST_CHECK;
/* Distinct roots of m's own set with a valid signature on m. */
unsigned hfn_keys_root_count(const hf_manifest *m);

/* ---- TLS (keys/tls.c, OpenSSL; ECDSA P-256 throughout, see tls.c) ---- */
hf_err hfn_keys_tls_make_ca(const char *cadir, const char *name, unsigned days,
                            unsigned crl_days) HF_MUST_CHECK;
hf_err hfn_keys_tls_new_key_csr(const char *keypath, const char *csrpath,
                                const char *cn) HF_MUST_CHECK;
/* not_before/not_after in unix seconds. */
hf_err hfn_keys_tls_sign_csr(const char *cadir, const char *csrpath, const char *const *dns,
                             size_t ndns, const char *const *ips, size_t nips, int64_t not_before,
                             int64_t not_after, const char *outpath, uint8_t fp[32]) HF_MUST_CHECK;
/* SHA-256 of the DER certificate in a PEM file. */
hf_err hfn_keys_tls_cert_fp(const char *certpath, uint8_t fp[32]) HF_MUST_CHECK;
/* Adds the certificate to ca/revoked.txt and rewrites ca/crl.pem. */
hf_err hfn_keys_tls_revoke(const char *cadir, const char *certpath,
                           unsigned crl_days) HF_MUST_CHECK;
hf_err hfn_keys_tls_write_crl(const char *cadir, unsigned crl_days) HF_MUST_CHECK;

#endif
