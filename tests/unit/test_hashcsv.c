/* Hash list files (hashcsv.h): every format, and each rejection with its line. */
#include <stdlib.h>
#include <string.h>

#include "hashfed/hashcsv.h"
#include "hashfed/list.h"
#include "hf_test.h"

#define PDQ "d27b9f37259bd51e73a311b252b162cc2b6d04f286f94316a98798965343ad69"
#define MD5 "ccc65dffaa325ba6b48d4c616b11521d"

/* Reads all rows of s; returns the first error (or HF_OK) and the rows read. */
static hf_err read_all(const char *s, hf_hashcsv_format f, unsigned alg, hf_hashcsv_row *rows,
                       size_t cap, size_t *n, uint64_t *line)
{
	hf_hashcsv r;
	bool done = false;
	hf_err rc = hf_hashcsv_init(&r, (const uint8_t *)s, strlen(s), f, alg);
	*n = 0;
	while (rc == HF_OK) {
		hf_hashcsv_row row;
		rc = hf_hashcsv_next(&r, &row, &done);
		if (rc != HF_OK || done)
			break;
		if (*n < cap)
			rows[*n] = row;
		(*n)++;
	}
	*line = r.line;
	return rc;
}

static void test_formats(void **state)
{
	(void)state;
	hf_hashcsv_row rows[4];
	size_t n;
	uint64_t line;
	uint8_t want[32];
	size_t wl;
	assert_true(hf_test_unhex(PDQ, want, sizeof(want), &wl));
	assert_int_equal(read_all("# c\n\n  " PDQ "  \r\n" PDQ, HF_HASHCSV_PLAIN, HF_ALG_PDQ, rows,
	                          4, &n, &line),
	                 HF_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(rows[1].value, want, 32);
	assert_int_equal(rows[0].alg, HF_ALG_PDQ);
	assert_int_equal(read_all("hash,indicator_id,timestamp,tags\n" PDQ
	                          ",1234,1600000000,\"a,\"\"b\"\"\"\n\"" PDQ "\",,x\n",
	                          HF_HASHCSV_TE, HF_ALG_PDQ, rows, 4, &n, &line),
	                 HF_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id_len, 4);
	assert_memory_equal(rows[0].id, "1234", 4);
	assert_null(rows[1].id);
	assert_memory_equal(rows[1].value, want, 32);
	assert_int_equal(read_all("signal_type,signal\npdq," PDQ "\nvideo_md5," MD5
	                          ",bank\nsha256," PDQ "\n",
	                          HF_HASHCSV_HMA, 0, rows, 4, &n, &line),
	                 HF_OK);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].alg, HF_ALG_PDQ);
	assert_int_equal(rows[1].alg, HF_ALG_MD5);
	assert_int_equal(rows[2].alg, HF_ALG_SHA256);
	hf_hashcsv_format f;
	assert_int_equal(hf_hashcsv_format_parse("te", &f), HF_OK);
	assert_int_equal(f, HF_HASHCSV_TE);
	assert_int_equal(hf_hashcsv_format_parse("csv", &f), HF_EINVAL);
}

static void test_rejects(void **state)
{
	(void)state;
	hf_hashcsv_row rows[1];
	size_t n;
	uint64_t line;
	hf_hashcsv r;
	assert_int_equal(
	    read_all(PDQ "\n" MD5 "\n", HF_HASHCSV_PLAIN, HF_ALG_PDQ, rows, 1, &n, &line),
	    HF_ELENGTH);
	assert_int_equal(line, 2);
	assert_int_equal(read_all("zz\n", HF_HASHCSV_PLAIN, HF_ALG_MD5, rows, 1, &n, &line),
	                 HF_EPARSE);
	assert_int_equal(read_all("tlsh,00\n", HF_HASHCSV_HMA, 0, rows, 1, &n, &line), HF_EINVAL);
	assert_int_equal(read_all("pdq\n", HF_HASHCSV_HMA, 0, rows, 1, &n, &line), HF_EPARSE);
	assert_int_equal(read_all("\"" PDQ ",1\n", HF_HASHCSV_TE, HF_ALG_PDQ, rows, 1, &n, &line),
	                 HF_EPARSE); /* unterminated quote */
	assert_int_equal(read_all(PDQ ",12a\n", HF_HASHCSV_TE, HF_ALG_PDQ, rows, 1, &n, &line),
	                 HF_EPARSE); /* id not digits */
	assert_int_equal(read_all("a\"b," PDQ "\n", HF_HASHCSV_HMA, 0, rows, 1, &n, &line),
	                 HF_EPARSE);
	/* NUL inside a line */
	static const uint8_t nul[] = {'a', 'b', 0, 'c', '\n'};
	assert_int_equal(hf_hashcsv_init(&r, nul, sizeof(nul), HF_HASHCSV_PLAIN, HF_ALG_MD5),
	                 HF_OK);
	bool done;
	hf_hashcsv_row row;
	assert_int_equal(hf_hashcsv_next(&r, &row, &done), HF_EPARSE);
	/* a line one byte over the limit, and exactly at it */
	char *big = malloc(HF_HASHCSV_MAX_LINE + 3);
	assert_non_null(big);
	memset(big, ' ', HF_HASHCSV_MAX_LINE + 1);
	memcpy(big, MD5, 32);
	big[HF_HASHCSV_MAX_LINE + 1] = '\n';
	big[HF_HASHCSV_MAX_LINE + 2] = 0;
	assert_int_equal(read_all(big, HF_HASHCSV_PLAIN, HF_ALG_MD5, rows, 1, &n, &line),
	                 HF_ETOOLONG);
	big[HF_HASHCSV_MAX_LINE] = '\n';
	big[HF_HASHCSV_MAX_LINE + 1] = 0;
	assert_int_equal(read_all(big, HF_HASHCSV_PLAIN, HF_ALG_MD5, rows, 1, &n, &line), HF_OK);
	assert_int_equal(n, 1);
	free(big);
	/* misuse */
	assert_int_equal(hf_hashcsv_init(&r, NULL, 0, HF_HASHCSV_TE, HF_ALG_SHA256), HF_EINVAL);
	assert_int_equal(hf_hashcsv_init(&r, NULL, 0, HF_HASHCSV_PLAIN, 9), HF_EINVAL);
	assert_int_equal(hf_hashcsv_init(&r, NULL, 0, (hf_hashcsv_format)7, HF_ALG_PDQ), HF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
