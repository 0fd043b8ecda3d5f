/*
 * `hashfed list ...` and `hashfed status`: clients of the node's local HTTP
 * API (docs/api.md). Plain HTTP/1.1 over a TCP socket to the API address
 * (loopback by default), bearer token from a file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "progress.h"

#define HFN_CLI_MAX_RESPONSE (64u * 1024u * 1024u)
#define HFN_CLI_ADD_CHUNK    100000u /* entries per request (API body limit 32 MiB) */

const char hfn_cli_list_usage[] =
    "usage: hashfed list create --name NAME --algs pdq,md5,sha256 [--category N]\n"
    "                           [--platform MEMBER_ID]...\n"
    "       hashfed list add LIST_ID --file hashes.csv\n"
    "       hashfed list add-video LIST_ID FILE [--case REF] [--category N]\n"
    "                              [--expires-ms MS] [--digests]\n"
    "       hashfed list remove LIST_ID ENTRY_ID...\n"
    "       hashfed list show [LIST_ID]\n"
    "       hashfed list import|export ... (ThreatExchange/HMA CSV files; run it for options)\n"
    "common options: --api HOST:PORT (default $HASHFED_API or 127.0.0.1:8470)\n"
    "                --token-file FILE (default $HASHFED_TOKEN_FILE)\n"
    "CSV columns: alg,value_hex[,quality[,category[,expires_ms[,case_ref]]]]; a first line\n"
    "starting with 'alg' is a header. The case reference is turned into a keyed pseudonym\n"
    "by the node and never sent to anyone.\n"
    "add-video: FILE is a video (hashed here with vPDQ, one frame per second) or a vPDQ\n"
    "hash in Meta's text format (frame,quality,hex,seconds); the node keeps its frames of\n"
    "quality >= min_quality, first of each distinct hash. --digests also adds the video\n"
    "file's MD5 and SHA-256 (HMA's video_md5) when the list holds those algorithms.\n"
    "Output: the API's JSON on stdout. Exit 0 ok, 1 the node refused, 2 usage.\n";

const char hfn_cli_status_usage[] =
    "usage: hashfed status [--api HOST:PORT] [--token-file FILE]\n"
    "Prints the node's lists and delivery state per platform (JSON).\n";

/* Pulls --api/--token-file out of argv (compacting it); fills *a. */
int hfn_cli_api_opts(int *argc, char **argv, hfn_cli_api *a)
{
	const char *api = getenv("HASHFED_API"), *tf = getenv("HASHFED_TOKEN_FILE");
	int k = 0;
	for (int i = 0; i < *argc; i++) {
		if (!strcmp(argv[i], "--api") && i + 1 < *argc)
			api = argv[++i];
		else if (!strcmp(argv[i], "--token-file") && i + 1 < *argc)
			tf = argv[++i];
		else
			argv[k++] = argv[i];
	}
	*argc = k;
	if (!api)
		api = "127.0.0.1:8470";
	const char *colon = strrchr(api, ':');
	if (!colon || colon == api || (size_t)(colon - api) >= sizeof(a->host) ||
	    strlen(colon + 1) >= sizeof(a->port)) {
		fprintf(stderr, "hashfed: --api must be HOST:PORT\n");
		return HFN_CLI_EXIT_USAGE;
	}
	snprintf(a->host, sizeof(a->host), "%.*s", (int)(colon - api), api);
	snprintf(a->port, sizeof(a->port), "%s", colon + 1);
	if (!tf) {
		fprintf(stderr, "hashfed: --token-file (or HASHFED_TOKEN_FILE) is required\n");
		return HFN_CLI_EXIT_USAGE;
	}
	FILE *f = fopen(tf, "r");
	if (!f || !fgets(a->token, sizeof(a->token), f)) {
		fprintf(stderr, "hashfed: cannot read token file %s\n", tf);
		if (f)
			fclose(f);
		return HFN_CLI_EXIT_USAGE;
	}
	fclose(f);
	a->token[strcspn(a->token, "\r\n")] = 0;
	return HFN_CLI_EXIT_OK;
}

/* One request; prints the JSON body on stdout. Returns the exit status. */
int hfn_cli_call(const hfn_cli_api *a, const char *method, const char *path, const char *body)
{
	char hdr[1024], *buf = NULL;
	const char *why;
	size_t len = 0;
	int fd = -1, ex = HFN_CLI_EXIT_FAIL, status = 0;
	if ((fd = hfn_cli_connect(a->host, a->port, &why)) < 0) {
		fprintf(stderr, "hashfed: cannot connect to %s:%s: %s\n", a->host, a->port, why);
		return HFN_CLI_EXIT_FAIL;
	}
	size_t blen = body ? strlen(body) : 0;
	int n = snprintf(hdr, sizeof(hdr),
	                 "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
	                 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n",
	                 method, path, a->host, a->token, blen);
	if (n < 0 || (size_t)n >= sizeof(hdr) || hfn_cli_write_all(fd, hdr, (size_t)n) != 0 ||
	    (blen && hfn_cli_write_all(fd, body, blen) != 0)) {
		fprintf(stderr, "hashfed: write failed\n");
		goto out;
	}
	if (hfn_cli_read_all(fd, HFN_CLI_MAX_RESPONSE, &buf, &len) != 0) {
		fprintf(stderr, "hashfed: no complete response (read failed or above %u bytes)\n",
		        HFN_CLI_MAX_RESPONSE);
		goto out;
	}
	char *sep = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || !sep) {
		fprintf(stderr, "hashfed: malformed HTTP response\n");
		goto out;
	}
	if (status == 401) {
		/* A user error, not a failure of the work: say which token and what to do. */
		fprintf(stderr,
		        "hashfed: the node at %s:%s refused the API token (HTTP 401): --token-file "
		        "(or $HASHFED_TOKEN_FILE) must hold the token in the node's [api] "
		        "token_file\n",
		        a->host, a->port);
		ex = HFN_CLI_EXIT_AUTH;
		goto out;
	}
	fputs(sep + 4, stdout);
	ex = status == 200 ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_FAIL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ex;
}

static int hfn_cli_call_json(const hfn_cli_api *a, const char *method, const char *path, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return HFN_CLI_EXIT_FAIL;
	int ex = hfn_cli_call(a, method, path, s);
	free(s);
	return ex;
}

static int hfn_cli_create(const hfn_cli_api *a, int argc, char **argv)
{
	json_t *plats = json_array(), *algs = json_array();
	const char *name = NULL;
	long long cat = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--category") && i + 1 < argc) {
			cat = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--platform") && i + 1 < argc) {
			json_array_append_new(plats, json_string(argv[++i]));
		} else if (!strcmp(argv[i], "--algs") && i + 1 < argc) {
			char tmp[64];
			snprintf(tmp, sizeof(tmp), "%s", argv[++i]);
			for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ","))
				json_array_append_new(algs, json_string(t));
		} else {
			json_decref(plats);
			json_decref(algs);
			fputs(hfn_cli_list_usage, stderr);
			return HFN_CLI_EXIT_USAGE;
		}
	}
	if (!name) {
		json_decref(plats);
		json_decref(algs);
		fputs(hfn_cli_list_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	return hfn_cli_call_json(a, "POST", "/v1/lists",
	                         json_pack("{s:s,s:I,s:o,s:o}", "name", name, "category",
	                                   (json_int_t)cat, "algs", algs, "platforms", plats));
}

/* Parses one CSV line into an entry object; NULL on a malformed line. */
static json_t *hfn_cli_csv_entry(char *line)
{
	char *f[6] = {0};
	int n = 0;
	for (char *p = line; n < 6;) {
		f[n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = 0;
		p = c + 1;
	}
	if (n < 2 || !f[0][0] || !f[1][0])
		return NULL;
	json_t *e = json_pack("{s:s,s:s}", "alg", f[0], "value", f[1]);
	const char *keys[] = {NULL, NULL, "quality", "category", "expires_ms"};
	for (int i = 2; i < n && i < 5; i++) {
		char *end;
		long long v = strtoll(f[i], &end, 10);
		if (*f[i] && (*end || v < 0)) {
			json_decref(e);
			return NULL;
		}
		if (*f[i])
			json_object_set_new(e, keys[i], json_integer(v));
	}
	if (n == 6 && f[5][0])
		json_object_set_new(e, "case", json_string(f[5]));
	return e;
}

static int hfn_cli_add(const hfn_cli_api *a, int argc, char **argv)
{
	const char *list = NULL, *file = NULL;
	char path[128], line[1024];
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (!list)
			list = argv[i];
		else
			list = NULL, i = argc;
	}
	if (!list || !file || strlen(list) != 32) {
		fputs(hfn_cli_list_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f) {
		fprintf(stderr, "hashfed: cannot open %s\n", file);
		return HFN_CLI_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/v1/lists/%s/entries", list);
	json_t *arr = json_array();
	int ex = HFN_CLI_EXIT_OK;
	unsigned long lineno = 0;
	struct stat st;
	hfn_cli_progress prog;
	/* Progress by bytes read when the size is known (a file), else by lines. */
	bool sized = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
	hfn_cli_progress_begin(&prog, "adding", sized ? (uint64_t)st.st_size : 0,
	                       sized ? "bytes" : "lines");
	while (ex == HFN_CLI_EXIT_OK && fgets(line, sizeof(line), f)) {
		if ((lineno & 1023) == 0) {
			long pos = ftell(f);
			hfn_cli_progress_update(&prog, sized && pos >= 0 ? (uint64_t)pos : lineno);
		}
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#' || (lineno == 1 && !strncmp(line, "alg", 3)))
			continue;
		json_t *e = hfn_cli_csv_entry(line);
		if (!e) {
			fprintf(stderr, "hashfed: %s:%lu: malformed line\n", file, lineno);
			ex = HFN_CLI_EXIT_FAIL;
			break;
		}
		json_array_append_new(arr, e);
		if (json_array_size(arr) == HFN_CLI_ADD_CHUNK) {
			hfn_cli_progress_clear(&prog); /* the node's answer is printed */
			ex = hfn_cli_call_json(a, "POST", path, json_pack("{s:o}", "entries", arr));
			arr = json_array();
		}
	}
	hfn_cli_progress_end(&prog);
	if (ex == HFN_CLI_EXIT_OK && json_array_size(arr) > 0)
		ex = hfn_cli_call_json(a, "POST", path, json_pack("{s:O}", "entries", arr));
	json_decref(arr);
	if (f != stdin)
		fclose(f);
	return ex;
}

/* add-video: one vpdq entry (and with --digests the file's md5/sha256 entries). */
static int hfn_cli_add_video(const hfn_cli_api *a, int argc, char **argv)
{
	const char *list = NULL, *file = NULL, *case_ref = NULL;
	long long cat = -1, exp = -1;
	bool digests = false;
	char path[128], msg[128];
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--case") && i + 1 < argc)
			case_ref = argv[++i];
		else if (!strcmp(argv[i], "--category") && i + 1 < argc)
			cat = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--expires-ms") && i + 1 < argc)
			exp = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--digests"))
			digests = true;
		else if (!list)
			list = argv[i];
		else if (!file)
			file = argv[i];
		else
			list = NULL, i = argc;
	}
	if (!list || !file || strlen(list) != 32 || cat < -1 || cat > 65535 || exp < -1) {
		fputs(hfn_cli_list_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	hf_vpdq v;
	hf_digests dg;
	hf_vpdq_options o = hf_vpdq_options_default();
	memset(&v, 0, sizeof(v));
	memset(&dg, 0, sizeof(dg));
	hf_vpdq_ffmpeg_log(false);
	hf_err rc = hfn_cli_vpdq_load(file, &o, &v, &dg, msg, sizeof(msg));
	if (rc != HF_OK) {
		fprintf(stderr, "hashfed: %s: %s\n", file, msg);
		return HFN_CLI_EXIT_FAIL;
	}
	json_t *frames = json_array();
	char hex[HF_PDQ_HEX_LEN + 1];
	for (size_t i = 0; i < v.count; i++) {
		hf_pdq_to_hex(&v.frames[i].hash, hex);
		json_array_append_new(frames, json_pack("{s:I,s:i,s:s,s:f}", "frame",
		                                        (json_int_t)v.frames[i].frame, "quality",
		                                        v.frames[i].quality, "pdq", hex, "seconds",
		                                        v.frames[i].seconds));
	}
	bool hashed = v.fps > 0; /* a video file (text has no decoding facts) */
	hf_vpdq_clear(&v);
	json_t *arr = json_array();
	json_array_append_new(arr, json_pack("{s:s,s:o}", "alg", "vpdq", "vpdq", frames));
	if (digests && hashed) {
		char md5[2 * HF_MD5_LEN + 1], sha[2 * HF_SHA256_LEN + 1];
		hf_hex_lower(dg.md5, HF_MD5_LEN, md5);
		hf_hex_lower(dg.sha256, HF_SHA256_LEN, sha);
		json_array_append_new(arr, json_pack("{s:s,s:s}", "alg", "md5", "value", md5));
		json_array_append_new(arr, json_pack("{s:s,s:s}", "alg", "sha256", "value", sha));
	} else if (digests) {
		fprintf(stderr, "hashfed: --digests needs a video file, not a hash file\n");
		json_decref(arr);
		return HFN_CLI_EXIT_USAGE;
	}
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (cat >= 0)
			json_object_set_new(e, "category", json_integer(cat));
		if (exp >= 0)
			json_object_set_new(e, "expires_ms", json_integer(exp));
		if (case_ref)
			json_object_set_new(e, "case", json_string(case_ref));
	}
	snprintf(path, sizeof(path), "/v1/lists/%s/entries", list);
	return hfn_cli_call_json(a, "POST", path, json_pack("{s:o}", "entries", arr));
}

static int hfn_cli_remove(const hfn_cli_api *a, int argc, char **argv)
{
	char path[128];
	if (argc < 2 || strlen(argv[0]) != 32) {
		fputs(hfn_cli_list_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	json_t *ids = json_array();
	for (int i = 1; i < argc; i++) {
		char *end;
		long long v = strtoll(argv[i], &end, 10);
		if (*end || v <= 0) {
			json_decref(ids);
			fputs(hfn_cli_list_usage, stderr);
			return HFN_CLI_EXIT_USAGE;
		}
		json_array_append_new(ids, json_integer(v));
	}
	snprintf(path, sizeof(path), "/v1/lists/%s/remove", argv[0]);
	return hfn_cli_call_json(a, "POST", path, json_pack("{s:o}", "ids", ids));
}

int hfn_cli_cmd_list(int argc, char **argv)
{
	hfn_cli_api a;
	char path[128];
	if (argc >= 2 && (!strcmp(argv[1], "import") || !strcmp(argv[1], "export"))) /* offline */
		return (argv[1][0] == 'i' ? hfn_cli_list_import : hfn_cli_list_export)(argc - 2,
		                                                                       argv + 2);
	int ex = hfn_cli_api_opts(&argc, argv, &a);
	if (ex != HFN_CLI_EXIT_OK)
		return ex;
	if (argc < 2) {
		fputs(hfn_cli_list_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "create"))
		return hfn_cli_create(&a, argc - 2, argv + 2);
	if (!strcmp(argv[1], "add"))
		return hfn_cli_add(&a, argc - 2, argv + 2);
	if (!strcmp(argv[1], "add-video"))
		return hfn_cli_add_video(&a, argc - 2, argv + 2);
	if (!strcmp(argv[1], "remove"))
		return hfn_cli_remove(&a, argc - 2, argv + 2);
	if (!strcmp(argv[1], "show") && argc == 2)
		return hfn_cli_call(&a, "GET", "/v1/lists", NULL);
	if (!strcmp(argv[1], "show") && argc == 3 && strlen(argv[2]) == 32) {
		snprintf(path, sizeof(path), "/v1/lists/%s", argv[2]);
		return hfn_cli_call(&a, "GET", path, NULL);
	}
	fputs(hfn_cli_list_usage, stderr);
	return HFN_CLI_EXIT_USAGE;
}

int hfn_cli_cmd_status(int argc, char **argv)
{
	hfn_cli_api a;
	int ex = hfn_cli_api_opts(&argc, argv, &a);
	if (ex != HFN_CLI_EXIT_OK)
		return ex;
	if (argc != 1) {
		fputs(hfn_cli_status_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	return hfn_cli_call(&a, "GET", "/v1/status", NULL);
}
