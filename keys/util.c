/* hashfed-keys: shared helpers (errors, times, paths, manifest files). */
#define _XOPEN_SOURCE 700 /* strptime */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>

#include "keys.h"

int hfn_keys_exit_code(hf_err e)
{
	/* A member id that is not in the manifest is a typo, not a refusal. */
	if (e == HF_EUNKNOWNMEMBER)
		return HFN_KEYS_EXIT_INPUT;
	switch (hf_err_class_of(e)) {
	case HF_CLASS_OK:
		return HFN_KEYS_EXIT_OK;
	case HF_CLASS_USAGE:
		return HFN_KEYS_EXIT_USAGE;
	case HF_CLASS_MALFORMED:
	case HF_CLASS_STATE:
		return HFN_KEYS_EXIT_INPUT;
	case HF_CLASS_CRYPTO:
	case HF_CLASS_POLICY:
		return HFN_KEYS_EXIT_REFUSED;
	case HF_CLASS_IO:
		return HFN_KEYS_EXIT_IO;
	default:
		return HFN_KEYS_EXIT_INTERNAL;
	}
}

int hfn_keys_fail(const char *cmd, hf_err e, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hashfed-keys %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (%s)\n", hf_strerror(e), hf_err_name(e));
	return hfn_keys_exit_code(e);
}

int hfn_keys_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hashfed-keys %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hashfed-keys %s --help'.\n", cmd);
	return HFN_KEYS_EXIT_USAGE;
}

bool hfn_keys_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

uint64_t hfn_keys_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool hfn_keys_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

hf_err hfn_keys_parse_time(const char *s, uint64_t *ms)
{
	char *end;
	unsigned long long v;
	if (strcmp(s, "now") == 0) {
		*ms = hfn_keys_now_ms();
		return HF_OK;
	}
	if (strcmp(s, "never") == 0) {
		*ms = HF_TIME_NEVER;
		return HF_OK;
	}
	if (s[0] == '+' || s[0] == '-') {
		size_t n = strlen(s);
		if (n < 3 || s[n - 1] != 'd' || !hfn_keys_digits(s + 1, n - 2))
			return HF_EPARSE;
		errno = 0;
		v = strtoull(s + 1, NULL, 10);
		if (errno != 0 || v > 100000)
			return HF_EPARSE;
		*ms = s[0] == '+' ? hfn_keys_now_ms() + v * 86400000ull
		                  : hfn_keys_now_ms() - v * 86400000ull;
		return HF_OK;
	}
	if (hfn_keys_digits(s, strlen(s))) {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno != 0 || v > 253402300799ull) /* 9999-12-31 */
			return HF_EPARSE;
		*ms = v * 1000u;
		return HF_OK;
	}
	{
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (end == NULL || *end != '\0')
			return HF_EPARSE;
		time_t t = timegm(&tm);
		if (t < 0)
			return HF_EPARSE;
		*ms = (uint64_t)t * 1000u;
	}
	return HF_OK;
}

void hfn_keys_format_time(uint64_t ms, char *buf, size_t size)
{
	struct tm tm;
	time_t t;
	if (ms == HF_TIME_NEVER) {
		snprintf(buf, size, "never");
		return;
	}
	t = (time_t)(ms / 1000u);
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%llu ms", (unsigned long long)ms);
}

hf_err hfn_keys_parse_hex(const char *s, uint8_t *out, size_t n)
{
	return hf_hex_decode(s, strlen(s), out, n);
}

char *hfn_keys_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

hf_err hfn_keys_mkdir(const char *dir, unsigned mode)
{
	/* Parents first (mkdir -p), with the default 0755. */
	char *p = strdup(dir);
	if (p == NULL)
		return HF_ENOMEM;
	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return HF_EIO;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, (mode_t)mode) == 0)
		return HF_OK;
	if (errno == EEXIST) {
		/* An existing empty directory is fine (e.g. made by the caller). */
		DIR *d = opendir(dir);
		struct dirent *e;
		bool empty = true;
		if (d == NULL)
			return HF_EIO;
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				empty = false;
		closedir(d);
		return empty ? HF_OK : HF_EEXIST;
	}
	return HF_EIO;
}

hf_err hfn_keys_manifest_load(const char *path, hf_manifest **m)
{
	hf_err rc;
	uint8_t *b = NULL;
	size_t n = 0;
	rc = hf_keyio_read_file(path, HF_MAX_MANIFEST_SIZE, &b, &n);
	if (rc == HF_OK)
		rc = hf_manifest_decode(b, n, m);
	free(b);
	return rc;
}

hf_err hfn_keys_manifest_save(const char *path, const hf_manifest *m)
{
	hf_err rc;
	uint8_t *b = NULL;
	size_t n = 0;
	rc = hf_manifest_encode(m, &b, &n);
	if (rc == HF_OK)
		rc = hf_keyio_replace(path, b, n);
	free(b);
	return rc;
}

hf_err hfn_keys_pub_load(const char *path, hf_pubfile *p)
{
	hf_err rc;
	uint8_t *b = NULL;
	size_t n = 0;
	rc = hf_keyio_read_file(path, HF_MAX_KEYFILE_SIZE, &b, &n);
	if (rc == HF_OK)
		rc = hf_pubfile_parse((const char *)b, n, p);
	free(b);
	return rc;
}

unsigned hfn_keys_root_count(const hf_manifest *m)
{
	uint8_t all[HF_MAX_ROOTS][HF_SIGN_PK_LEN];
	unsigned count = 0;
	hf_err rc;
	for (size_t i = 0; i < hf_manifest_n_roots(m); i++)
		memcpy(all[i], hf_manifest_root(m, i), HF_SIGN_PK_LEN);
	rc = hf_manifest_verify_roots(m, (const uint8_t(*)[HF_SIGN_PK_LEN])all,
	                              hf_manifest_n_roots(m), hf_manifest_threshold(m), &count);
	(void)rc; /* the count is the answer; HF_ETHRESHOLD just says it is < K */
	return count;
}
