/*
 * hashfed list import | export: convert ThreatExchange/HMA CSV and plain hash
 * files to and from hashfed's entry forms (docs/match.md).
 *
 *  import: FILE (untrusted; read with the bounded hf_hashcsv reader) -> the
 *          `hashfed list add` CSV on stdout, so
 *          `hashfed list import --format te x.csv | hashfed list add LIST --file -`.
 *  export: the API's {"entries": [...]} JSON (GET /v1/lists/{id}/entries) -> CSV.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "hashfed/digest.h"
#include "hashfed/hashcsv.h"
#include "hashfed/list.h"

#define HFN_CLI_IMPORT_MAX_FILE (1024u * 1024u * 1024u) /* 1 GiB: ~15M TE rows */

const char hfn_cli_import_usage[] =
    "usage: hashfed list import --format plain|te|hma [--alg pdq|md5|sha256] [--quality N]\n"
    "                           [--category N] FILE|-\n"
    "       hashfed list export --format plain|te|hma [--alg pdq|md5|sha256] [FILE|-]\n"
    "import writes `hashfed list add` CSV (alg,value,quality,category[,,case]) on stdout;\n"
    "a ThreatExchange indicator id becomes the case reference te:ID (a pseudonym at the node).\n"
    "export reads the node's GET /v1/lists/ID/entries JSON. --alg: the algorithm of plain and\n"
    "te files (default pdq); hma rows name theirs. Exit 0 ok, 1 bad input, 2 usage.\n";

/* Reads a whole file (or stdin) of at most max bytes. */
static int hfn_cli_slurp(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = NULL;
	if (fd < 0) {
		fprintf(stderr, "hashfed: %s: %s\n", path, strerror(errno));
		return HFN_CLI_EXIT_FAIL;
	}
	for (;;) {
		if (n == cap || !b) {
			if (b)
				cap *= 2;
			uint8_t *nb = realloc(b, cap);
			if (!nb)
				break;
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				n = SIZE_MAX;
			break;
		}
		n += (size_t)r;
		if (n > max) {
			fprintf(stderr, "hashfed: %s: larger than %zu bytes (HF_EFILESIZE)\n", path,
			        max);
			n = SIZE_MAX;
			break;
		}
	}
	if (fd)
		close(fd);
	if (n == SIZE_MAX || !b) {
		free(b);
		if (!b)
			fprintf(stderr, "hashfed: %s: out of memory\n", path);
		return HFN_CLI_EXIT_FAIL;
	}
	*out = b;
	*len = n;
	return HFN_CLI_EXIT_OK;
}

typedef struct hfn_cli_fmt_opts {
	hf_hashcsv_format format;
	unsigned alg;
	long quality, category;
	const char *file;
} hfn_cli_fmt_opts;

static int hfn_cli_parse_opts(int argc, char **argv, hfn_cli_fmt_opts *o, bool need_file)
{
	bool have_format = false;
	o->alg = HF_ALG_PDQ;
	o->quality = 100;
	o->category = 0;
	o->file = NULL;
	for (int i = 0; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			if (hf_hashcsv_format_parse(argv[++i], &o->format) != HF_OK)
				return HFN_CLI_EXIT_USAGE;
			have_format = true;
		} else if (!strcmp(argv[i], "--alg") && i + 1 < argc) {
			if (hf_hash_alg_parse(argv[++i], &o->alg) != HF_OK)
				return HFN_CLI_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--quality") && i + 1 < argc) {
			o->quality = strtol(argv[++i], &end, 10);
			if (*end || o->quality < 0 || o->quality > 100)
				return HFN_CLI_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--category") && i + 1 < argc) {
			o->category = strtol(argv[++i], &end, 10);
			if (*end || o->category < 0 || o->category > 65535)
				return HFN_CLI_EXIT_USAGE;
		} else if (!o->file) {
			o->file = argv[i];
		} else {
			return HFN_CLI_EXIT_USAGE;
		}
	}
	if (!o->file && !need_file)
		o->file = "-";
	return have_format && o->file ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_USAGE;
}

int hfn_cli_list_import(int argc, char **argv)
{
	hfn_cli_fmt_opts o;
	uint8_t *buf = NULL;
	size_t len;
	hf_hashcsv r;
	hf_hashcsv_row row;
	bool done = false;
	char hex[65];
	hf_err rc;
	if (hfn_cli_parse_opts(argc, argv, &o, true) != HFN_CLI_EXIT_OK) {
		fputs(hfn_cli_import_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	if (hfn_cli_slurp(o.file, HFN_CLI_IMPORT_MAX_FILE, &buf, &len) != HFN_CLI_EXIT_OK)
		return HFN_CLI_EXIT_FAIL;
	rc = hf_hashcsv_init(&r, buf, len, o.format, o.alg);
	while (rc == HF_OK) {
		rc = hf_hashcsv_next(&r, &row, &done);
		if (rc != HF_OK || done)
			break;
		hf_hex_lower(row.value, hf_hash_alg_len(row.alg), hex);
		printf("%s,%s,%ld,%ld", hf_hash_alg_name(row.alg), hex,
		       row.alg == HF_ALG_PDQ ? o.quality : 100L, o.category);
		if (row.id)
			printf(",,te:%.*s", (int)row.id_len, row.id);
		putchar('\n');
	}
	free(buf);
	if (rc != HF_OK) {
		fprintf(stderr, "hashfed: %s:%llu: %s (%s)\n", o.file, (unsigned long long)r.line,
		        hf_strerror(rc), hf_err_name(rc));
		return HFN_CLI_EXIT_FAIL;
	}
	fprintf(stderr, "hashfed: %llu hashes\n", (unsigned long long)r.rows);
	return fflush(stdout) == 0 ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_FAIL;
}

int hfn_cli_list_export(int argc, char **argv)
{
	hfn_cli_fmt_opts o;
	uint8_t *buf = NULL;
	size_t len, i;
	json_error_t jerr;
	json_t *j, *arr, *e;
	unsigned long n = 0;
	if (hfn_cli_parse_opts(argc, argv, &o, false) != HFN_CLI_EXIT_OK) {
		fputs(hfn_cli_import_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	if (hfn_cli_slurp(o.file, HFN_CLI_IMPORT_MAX_FILE, &buf, &len) != HFN_CLI_EXIT_OK)
		return HFN_CLI_EXIT_FAIL;
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!j || !json_is_array(arr = json_object_get(j, "entries"))) {
		fprintf(stderr, "hashfed: %s: not {\"entries\": [...]} JSON (HF_EPARSE)\n", o.file);
		json_decref(j);
		return HFN_CLI_EXIT_FAIL;
	}
	if (o.format == HF_HASHCSV_TE)
		puts("hash,indicator_id,timestamp,tags");
	else if (o.format == HF_HASHCSV_HMA)
		puts("signal_type,signal");
	json_array_foreach(arr, i, e)
	{
		const char *alg = json_string_value(json_object_get(e, "alg"));
		const char *val = json_string_value(json_object_get(e, "value"));
		unsigned a;
		if (!alg || !val || hf_hash_alg_parse(alg, &a) != HF_OK) {
			fprintf(stderr, "hashfed: %s: entry %zu malformed (HF_EPARSE)\n", o.file,
			        i);
			json_decref(j);
			return HFN_CLI_EXIT_FAIL;
		}
		if (o.format == HF_HASHCSV_HMA) {
			printf("%s,%s\n", alg, val);
		} else if (a == o.alg) { /* plain and te files hold one algorithm */
			if (o.format == HF_HASHCSV_TE)
				printf("%s,%lld,,\n", val,
				       (long long)json_integer_value(json_object_get(e, "id")));
			else
				printf("%s\n", val);
		} else {
			continue;
		}
		n++;
	}
	json_decref(j);
	fprintf(stderr, "hashfed: %lu hashes\n", n);
	return fflush(stdout) == 0 ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_FAIL;
}
