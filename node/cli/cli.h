#ifndef HASHFED_CLI_H
#define HASHFED_CLI_H

/*
 * The `hashfed` operator CLI: main.c dispatches `hashfed <command> ...` through
 * a table of commands. To add one: write node/cli/cmd_<name>.c defining
 * `int hfn_cli_cmd_<name>(int argc, char **argv)`, declare it below, and add one
 * row to the table in main.c.
 *
 * A command receives argv[0] = its own name and returns the process exit
 * status: HFN_CLI_EXIT_OK, HFN_CLI_EXIT_FAIL (some work failed) or HFN_CLI_EXIT_USAGE.
 * `hashfed <command> --help` is answered by main.c from the table, so
 * commands need not parse --help themselves.
 */

/* HFN_CLI_EXIT_AUTH: the node refused the API token (HTTP 401). */
enum { HFN_CLI_EXIT_OK = 0, HFN_CLI_EXIT_FAIL = 1, HFN_CLI_EXIT_USAGE = 2, HFN_CLI_EXIT_AUTH = 4 };

typedef int (*hfn_cli_cmd_fn)(int argc, char **argv);

typedef struct hfn_cli_cmd {
	const char *name;
	hfn_cli_cmd_fn fn;
	const char *summary; /* one line for `hashfed help` */
	const char *usage;   /* full text for `hashfed <command> --help` */
} hfn_cli_cmd;

/* Print `text` JSON-escaped (without quotes) to f; invalid UTF-8 bytes become
 * U+FFFD, so the output is always valid JSON. */
#include <stdio.h>
void hfn_cli_json_escape(FILE *f, const char *text);

/* Client of the node's local API (cmd_list.c): --api HOST:PORT and --token-file FILE
 * (or $HASHFED_API, $HASHFED_TOKEN_FILE) pulled out of argv; one request whose body is
 * printed on stdout, exit status HFN_CLI_EXIT_OK for HTTP 200. */
typedef struct hfn_cli_api {
	char host[128];
	char port[8];
	char token[256];
} hfn_cli_api;
int hfn_cli_api_opts(int *argc, char **argv, hfn_cli_api *a);
int hfn_cli_call(const hfn_cli_api *a, const char *method, const char *path, const char *body);

/* http://host[:port][/prefix] (http_get.c). */
#include <stddef.h>
#include <stdint.h>
typedef struct hfn_cli_url {
	char host[256];
	char port[16];
	char prefix[1024]; /* no trailing "/" */
} hfn_cli_url;
/* 0 on success, -1 if url is not http://host[:port][/prefix]. */
int hfn_cli_url_parse(const char *url, hfn_cli_url *out);
/* GET <prefix>/<path>: 0 with *status and the malloc'ed body (at most max bytes),
 * -1 on a network error, a malformed reply or a body above max. */
int hfn_cli_http_get(const hfn_cli_url *u, const char *path, size_t max, uint8_t **body,
                     size_t *len, int *status);
/* The socket I/O of the three HTTP clients (http_get.c). A TCP connection to host:port,
 * or -1 with *why saying what failed (a static string). */
int hfn_cli_connect(const char *host, const char *port, const char **why);
/* 0, or -1 if the peer stopped taking bytes. */
int hfn_cli_write_all(int fd, const void *p, size_t n);
/* Reads fd to its end into a malloc'ed buffer, NUL-terminated (not counted in *len): 0, or
 * -1 on a read error, no memory or more than max bytes (then *buf is NULL). */
int hfn_cli_read_all(int fd, size_t max, char **buf, size_t *len);

/* Commands (one per cmd_<name>.c). */
int hfn_cli_cmd_hash(int argc, char **argv);
extern const char hfn_cli_hash_usage[];
int hfn_cli_cmd_order(int argc, char **argv);
extern const char hfn_cli_order_usage[];
int hfn_cli_cmd_list(int argc, char **argv); /* cmd_list.c: client of the node API */
extern const char hfn_cli_list_usage[];
int hfn_cli_list_import(int argc, char **argv); /* cmd_import.c: hash list files */
int hfn_cli_list_export(int argc, char **argv);
extern const char hfn_cli_import_usage[];
int hfn_cli_cmd_vpdq(int argc, char **argv); /* cmd_video.c */
extern const char hfn_cli_vpdq_usage[];
int hfn_cli_cmd_status(int argc, char **argv);
extern const char hfn_cli_status_usage[];
int hfn_cli_cmd_report(int argc, char **argv); /* cmd_report.c: compliance from the audit log */
extern const char hfn_cli_report_usage[];

int hfn_cli_cmd_audit(int argc, char **argv); /* cmd_audit.c: the audit log, offline */
extern const char hfn_cli_audit_usage[];

/* Video files (cmd_video.c), used by `hashfed hash`. */
#include <stdbool.h>

#include "hashfed/digest.h"
#include "hashfed/vpdq.h"
bool hfn_cli_is_video_fd(int fd);
/* vPDQ of the regular file fd (pread; never read whole) and, if dg is not
 * NULL, MD5/SHA-256 of its bytes on a second thread. */
hf_err hfn_cli_video_hash_fd(int fd, const hf_vpdq_options *opt, hf_vpdq *out, hf_digests *dg);
/* --every-frame, --seconds-per-hash S: 1 consumed, 0 not ours, -1 bad value. */
int hfn_cli_video_option(int argc, char **argv, int *i, hf_vpdq_options *o);
/* A video file hashed here (dg, if not NULL, gets its MD5/SHA-256), or Meta's text format
 * if the file parses as one (dg is then untouched). msg gets the reason of a failure. */
hf_err hfn_cli_vpdq_load(const char *path, const hf_vpdq_options *o, hf_vpdq *out, hf_digests *dg,
                         char *msg, size_t msglen);
/* The video fields of a `hashfed hash` line (JSON members without braces, or text). */
void hfn_cli_video_print_json(FILE *f, const hf_vpdq *v, const hf_digests *dg);
void hfn_cli_video_print_text(FILE *f, const hf_vpdq *v, const hf_digests *dg);

#endif
