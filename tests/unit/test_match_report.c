/* Match report body (spec §14): round trip, canonical bytes, every rejection. */
#include <stdlib.h>
#include <string.h>

#include "hashfed/match_report.h"
#include "hf_test.h"
#include "mp.h"

static const uint8_t LID[HF_LIST_ID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static hf_match_report mk(void)
{
	hf_match_report r;
	memset(&r, 0, sizeof(r));
	memcpy(r.list_id.b, LID, sizeof r.list_id.b);
	r.day = 20415;
	r.revision = 1763935200000ULL;
	return r;
}

static void test_roundtrip(void **state)
{
	(void)state;
	hf_match_report r = mk(), d;
	hf_match_count c[3] = {{1, 5}, {7, 1}, {UINT64_MAX, UINT32_MAX}};
	uint64_t dis[2] = {3, 9}, q[1] = {7};
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_match_report_encode(&r, c, 3, dis, 2, q, 1, &buf, &len), HF_OK);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_OK);
	assert_memory_equal(d.list_id.b, LID, sizeof d.list_id.b);
	assert_int_equal(d.day, 20415);
	assert_int_equal(d.revision, 1763935200000ULL);
	assert_int_equal(d.n_counts, 3);
	assert_int_equal(d.n_disabled, 2);
	assert_int_equal(d.n_quarantined, 1);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(hf_match_report_count(&d, i).entry_id, c[i].entry_id);
		assert_int_equal(hf_match_report_count(&d, i).matches, c[i].matches);
	}
	assert_int_equal(hf_match_report_disabled(&d, 1), 9);
	assert_int_equal(hf_match_report_quarantined(&d, 0), 7);
	/* Every strict prefix is truncated, never accepted. */
	for (size_t k = 0; k < len; k++)
		assert_int_not_equal(hf_match_report_decode(buf, k, &d), HF_OK);
	free(buf);
}

/* The canonical form, byte for byte, of a tiny report (spec §14.1). */
static void test_bytes(void **state)
{
	(void)state;
	hf_match_report r = mk();
	r.day = 2;
	r.revision = 1;
	hf_match_count c[1] = {{1, 2}};
	uint8_t *buf;
	size_t len;
	static const uint8_t want[] = {
	    0x86, 0x01, 0xc4, 0x10, 1,  2,    3,    4,    5,    6,    7,    8,    9,    10,   11,
	    12,   13,   14,   15,   16, 0x02, 0x02, 0x03, 0x01, 0x04, 0xc4, 0x0c, 0,    0,    0,
	    0,    0,    0,    0,    1,  0,    0,    0,    2,    0x05, 0xc4, 0x00, 0x06, 0xc4, 0x00};
	assert_int_equal(hf_match_report_encode(&r, c, 1, NULL, 0, NULL, 0, &buf, &len), HF_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	free(buf);
}

static void test_encode_rejects(void **state)
{
	(void)state;
	hf_match_report r = mk();
	hf_match_count c[2] = {{5, 1}, {5, 1}};
	uint64_t ids[2] = {4, 2}, zero[1] = {0};
	uint8_t *buf = NULL;
	size_t len;
	assert_int_equal(hf_match_report_encode(&r, c, 2, NULL, 0, NULL, 0, &buf, &len),
	                 HF_EDUPLICATE);
	c[1].entry_id = 4;
	assert_int_equal(hf_match_report_encode(&r, c, 2, NULL, 0, NULL, 0, &buf, &len),
	                 HF_ENONCANON);
	c[1].entry_id = 6;
	c[1].matches = 0;
	assert_int_equal(hf_match_report_encode(&r, c, 2, NULL, 0, NULL, 0, &buf, &len), HF_ERANGE);
	assert_int_equal(hf_match_report_encode(&r, NULL, 0, ids, 2, NULL, 0, &buf, &len),
	                 HF_ENONCANON);
	assert_int_equal(hf_match_report_encode(&r, NULL, 0, NULL, 0, zero, 1, &buf, &len),
	                 HF_ERANGE);
	assert_int_equal(hf_match_report_encode(&r, NULL, 1, NULL, 0, NULL, 0, &buf, &len),
	                 HF_EINVAL);
	assert_int_equal(hf_match_report_encode(&r, NULL, 0, NULL, 1, NULL, 0, &buf, &len),
	                 HF_EINVAL);
	assert_int_equal(hf_match_report_encode(&r, c, HF_MATCH_REPORT_MAX_COUNTS + 1, NULL, 0,
	                                        NULL, 0, &buf, &len),
	                 HF_ETOOLONG);
	r.revision = 0;
	assert_int_equal(hf_match_report_encode(&r, NULL, 0, NULL, 0, NULL, 0, &buf, &len),
	                 HF_ERANGE);
	r = mk();
	r.day = HF_MATCH_REPORT_MAX_DAY + 1;
	assert_int_equal(hf_match_report_encode(&r, NULL, 0, NULL, 0, NULL, 0, &buf, &len),
	                 HF_ERANGE);
	assert_null(buf);
}

/* Hand-built bodies: keys 1..6 with the given bins for 4..6; extra/omitted keys by flag. */
static size_t build(uint8_t *out, size_t cap, uint64_t day, uint64_t rev, const uint8_t *b4,
                    size_t n4, const uint8_t *b5, size_t n5, unsigned skip_key, bool extra)
{
	hf_writer w;
	hfi_mp_enc e;
	uint8_t *p;
	size_t len;
	hf_writer_init(&w, 64);
	hfi_mp_enc_init(&e, &w);
	hfi_mp_put_map(&e, (skip_key ? 5u : 6u) + (extra ? 1u : 0u));
	if (skip_key != 1) {
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_bin(&e, LID, 16);
	}
	if (skip_key != 2) {
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_uint(&e, day);
	}
	if (skip_key != 3) {
		hfi_mp_put_key(&e, 3);
		hfi_mp_put_uint(&e, rev);
	}
	if (skip_key != 4) {
		hfi_mp_put_key(&e, 4);
		hfi_mp_put_bin(&e, b4, n4);
	}
	if (skip_key != 5) {
		hfi_mp_put_key(&e, 5);
		hfi_mp_put_bin(&e, b5, n5);
	}
	if (skip_key != 6) {
		hfi_mp_put_key(&e, 6);
		hfi_mp_put_bin(&e, NULL, 0);
	}
	if (extra) {
		hfi_mp_put_key(&e, 7);
		hfi_mp_put_uint(&e, 0);
	}
	assert_int_equal(hfi_mp_enc_status(&e), HF_OK);
	assert_int_equal(hf_writer_take(&w, &p, &len), HF_OK);
	hf_writer_free(&w);
	assert_true(len <= cap);
	memcpy(out, p, len);
	free(p);
	return len;
}

static void test_decode_rejects(void **state)
{
	(void)state;
	uint8_t buf[256];
	hf_match_report d;
	uint8_t rec[24] = {0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};
	uint8_t ids[16] = {0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3};
	size_t len = build(buf, sizeof(buf), 1, 1, rec, 12, NULL, 0, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_OK);
	len = build(buf, sizeof(buf), 1, 1, rec, 24, NULL, 0, 0, false); /* 2 then 1 */
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ENONCANON);
	len = build(buf, sizeof(buf), 1, 1, rec, 11, NULL, 0, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ELENGTH);
	len = build(buf, sizeof(buf), 1, 1, rec + 12, 12, ids, 16, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_EDUPLICATE);
	len = build(buf, sizeof(buf), 1, 1, rec + 12, 12, ids, 12, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ELENGTH);
	rec[23] = 0; /* matches 0 */
	len = build(buf, sizeof(buf), 1, 1, rec + 12, 12, NULL, 0, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ERANGE);
	memset(rec, 0, 12); /* entry id 0 */
	rec[11] = 1;
	len = build(buf, sizeof(buf), 1, 1, rec, 12, NULL, 0, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ERANGE);
	len = build(buf, sizeof(buf), HF_MATCH_REPORT_MAX_DAY + 1, 1, NULL, 0, NULL, 0, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ERANGE);
	len = build(buf, sizeof(buf), 1, 0, NULL, 0, NULL, 0, 0, false);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ERANGE);
	for (unsigned k = 1; k <= 6; k++) {
		len = build(buf, sizeof(buf), 1, 1, NULL, 0, NULL, 0, k, false);
		assert_int_equal(hf_match_report_decode(buf, len, &d), HF_EMISSING);
	}
	len = build(buf, sizeof(buf), 1, 1, NULL, 0, NULL, 0, 0, true);
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_EUNKNOWNKEY);
	len = build(buf, sizeof(buf), 1, 1, NULL, 0, NULL, 0, 0, false);
	buf[len++] = 0xc0;
	assert_int_equal(hf_match_report_decode(buf, len, &d), HF_ETRAILING);
	uint8_t *big = calloc(1, HF_MATCH_REPORT_MAX_SIZE + 1);
	assert_non_null(big);
	big[0] = 0x86;
	assert_int_equal(hf_match_report_decode(big, HF_MATCH_REPORT_MAX_SIZE + 1, &d), HF_ETOOBIG);
	free(big);
}

/* Writes the fuzz seeds when HF_WRITE_SEEDS names a directory (fuzz/corpus/match_report). */
static void test_seeds(void **state)
{
	(void)state;
	const char *dir = getenv("HF_WRITE_SEEDS");
	hf_match_report r = mk();
	hf_match_count c[2] = {{1, 5}, {9, 300}};
	uint64_t dis[1] = {4}, q[2] = {9, 12};
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_match_report_encode(&r, c, 2, dis, 1, q, 2, &buf, &len), HF_OK);
	if (dir) {
		char path[512];
		snprintf(path, sizeof(path), "%s/full.bin", dir);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, len, f), len);
		fclose(f);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_encode_rejects), cmocka_unit_test(test_decode_rejects),
	    cmocka_unit_test(test_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
