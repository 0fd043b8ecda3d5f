/*
 * constcheck: every `#define HF_<NAME> <integer>` in hashfed/limits.h appears
 * in spec/PROTOCOL.md's limits table (between the limits-table markers) with
 * the same value, and every row of that table is in the header.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"

typedef struct limit {
	char name[64];
	unsigned long long value;
	int seen;
} limit;

static size_t parse_header(const char *text, limit *out, size_t max)
{
	size_t n = 0;
	const char *p = text;
	while ((p = strstr(p, "#define HF_")) != NULL) {
		p += 8;
		char name[64];
		size_t k = 0;
		while ((isalnum((unsigned char)*p) || *p == '_') && k < sizeof(name) - 1)
			name[k++] = *p++;
		name[k] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			continue; /* not an integer limit (include guard etc.) */
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (n < max) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			out[n].value = v;
			out[n].seen = 0;
			n++;
		}
		p = end;
	}
	return n;
}

static void test_limits_match_spec(void **state)
{
	(void)state;
	char path[4096];
	size_t hl, sl;
	snprintf(path, sizeof(path), "%s/protocol/include/hashfed/limits.h", HF_SOURCE_DIR);
	char *h = (char *)hf_test_read_file(path, &hl);
	snprintf(path, sizeof(path), "%s/spec/PROTOCOL.md", HF_SOURCE_DIR);
	char *s = (char *)hf_test_read_file(path, &sl);
	assert_non_null(h);
	assert_non_null(s);
	static limit lim[512];
	size_t n = parse_header(h, lim, 512);
	assert_true(n >= 20);

	char *begin = strstr(s, "<!-- limits-table:begin -->");
	char *end = strstr(s, "<!-- limits-table:end -->");
	assert_non_null(begin);
	assert_non_null(end);
	*end = 0;
	size_t rows = 0;
	for (char *line = strtok(begin, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char name[64];
		unsigned long long v;
		if (sscanf(line, "| %63[A-Z0-9_] | %llu |", name, &v) != 2)
			continue;
		rows++;
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(lim[i].name, name) == 0)
				break;
		if (i == n)
			fail_msg("spec limit %s is not in limits.h", name);
		if (lim[i].value != v)
			fail_msg("%s: limits.h says %llu, spec says %llu", name, lim[i].value, v);
		lim[i].seen = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!lim[i].seen)
			fail_msg("limits.h %s is missing from spec/PROTOCOL.md §8", lim[i].name);
	assert_int_equal(rows, n);
	free(h);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_match_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
