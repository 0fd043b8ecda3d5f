/* Canonical msgpack: every rule of spec §2 has a rejection test here. */
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "mp.h"
#include "hf_check.h"

/* Decode a single uint from hex-free byte array. */
static hf_err dec_uint(const uint8_t *b, size_t n, uint64_t *v)
{
	hfi_mp_dec d;
	HF_TRY(hfi_mp_dec_init(&d, b, n, HF_MAX_MESSAGE_SIZE));
	HF_TRY(hfi_mp_get_uint(&d, v));
	return hfi_mp_dec_finish(&d);
}

static hf_err dec_int(const uint8_t *b, size_t n, int64_t *v)
{
	hfi_mp_dec d;
	HF_TRY(hfi_mp_dec_init(&d, b, n, HF_MAX_MESSAGE_SIZE));
	HF_TRY(hfi_mp_get_int(&d, v));
	return hfi_mp_dec_finish(&d);
}

static void encode_uint(uint64_t v, hf_writer *w)
{
	hfi_mp_enc e;
	hf_writer_init(w, 64);
	hfi_mp_enc_init(&e, w);
	hfi_mp_put_uint(&e, v);
	assert_int_equal(hfi_mp_enc_status(&e), HF_OK);
}

static void test_uint_roundtrip_and_shortest(void **state)
{
	(void)state;
	const uint64_t vals[] = {
	    0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffff, 0x100000000ULL, UINT64_MAX};
	const size_t lens[] = {1, 1, 1, 2, 2, 3, 3, 5, 5, 9, 9};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		hf_writer w;
		encode_uint(vals[i], &w);
		assert_int_equal(w.len, lens[i]);
		uint64_t back;
		assert_int_equal(dec_uint(w.p, w.len, &back), HF_OK);
		assert_true(back == vals[i]);
		hf_writer_free(&w);
	}
	/* non-shortest forms */
	const uint8_t u8_5[] = {0xcc, 5};
	const uint8_t u16_200[] = {0xcd, 0, 200};
	const uint8_t u32_300[] = {0xce, 0, 0, 1, 44};
	const uint8_t u64_1[] = {0xcf, 0, 0, 0, 0, 0, 0, 0, 1};
	uint64_t v;
	assert_int_equal(dec_uint(u8_5, sizeof(u8_5), &v), HF_ENONCANON);
	assert_int_equal(dec_uint(u16_200, sizeof(u16_200), &v), HF_ENONCANON);
	assert_int_equal(dec_uint(u32_300, sizeof(u32_300), &v), HF_ENONCANON);
	assert_int_equal(dec_uint(u64_1, sizeof(u64_1), &v), HF_ENONCANON);
	const uint8_t neg[] = {0xff};
	assert_int_equal(dec_uint(neg, 1, &v), HF_ERANGE);
	const uint8_t i8[] = {0xd0, 0x80};
	assert_int_equal(dec_uint(i8, 2, &v), HF_ERANGE);
	const uint8_t flt[] = {0xca, 0, 0, 0, 0};
	assert_int_equal(dec_uint(flt, 5, &v), HF_EFLOAT);
	const uint8_t dbl[] = {0xcb, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(dec_uint(dbl, 9, &v), HF_EFLOAT);
	const uint8_t str[] = {0xa1, 'x'};
	assert_int_equal(dec_uint(str, 2, &v), HF_ETYPE);
	const uint8_t trunc[] = {0xcd, 1};
	assert_int_equal(dec_uint(trunc, 2, &v), HF_ETRUNC);
	const uint8_t trailing[] = {1, 2};
	assert_int_equal(dec_uint(trailing, 2, &v), HF_ETRAILING);
	assert_int_equal(dec_uint(NULL, 0, &v), HF_ETRUNC);
	hfi_mp_dec d;
	assert_int_equal(hfi_mp_dec_init(&d, trailing, 2, 1), HF_ETOOBIG);
	/* range-limited getter */
	const uint8_t seven[] = {7};
	assert_int_equal(hfi_mp_dec_init(&d, seven, 1, 16), HF_OK);
	assert_int_equal(hfi_mp_get_uint_max(&d, 6, &v), HF_ERANGE);
	assert_int_equal(d.r.off, 0);
	assert_int_equal(hfi_mp_get_uint_max(&d, 7, &v), HF_OK);
}

static void test_int(void **state)
{
	(void)state;
	const int64_t vals[] = {0,         -1,        -32,    -33,           -128,
	                        -129,      -32768,    -32769, -2147483648LL, -2147483649LL,
	                        INT64_MIN, INT64_MAX, 5};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		hf_writer w;
		hfi_mp_enc e;
		hf_writer_init(&w, 64);
		hfi_mp_enc_init(&e, &w);
		hfi_mp_put_int(&e, vals[i]);
		assert_int_equal(hfi_mp_enc_status(&e), HF_OK);
		int64_t back;
		assert_int_equal(dec_int(w.p, w.len, &back), HF_OK);
		assert_true(back == vals[i]);
		hf_writer_free(&w);
	}
	int64_t v;
	const uint8_t i8_m1[] = {0xd0, 0xff}; /* -1 fits negative fixint */
	const uint8_t i8_p1[] = {0xd0, 0x01}; /* positive in signed form */
	const uint8_t i16_m5[] = {0xd1, 0xff, 0xfb};
	const uint8_t u64_big[] = {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(dec_int(i8_m1, 2, &v), HF_ENONCANON);
	assert_int_equal(dec_int(i8_p1, 2, &v), HF_ENONCANON);
	assert_int_equal(dec_int(i16_m5, 3, &v), HF_ENONCANON);
	assert_int_equal(dec_int(u64_big, 9, &v), HF_ERANGE);
	const uint8_t nil[] = {0xc0};
	assert_int_equal(dec_int(nil, 1, &v), HF_ETYPE);
}

/* {1: 1, 2: "ab"} and variations */
static hf_err dec_map(const uint8_t *b, size_t n)
{
	hfi_mp_dec d;
	hfi_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	HF_TRY(hfi_mp_dec_init(&d, b, n, HF_MAX_MESSAGE_SIZE));
	HF_TRY(hfi_mp_map_open(&d, &m));
	for (;;) {
		HF_TRY(hfi_mp_map_next(&d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		if (key == 1) {
			uint64_t v;
			HF_TRY(hfi_mp_get_uint(&d, &v));
		} else if (key == 2) {
			const char *s;
			size_t sl;
			HF_TRY(hfi_mp_get_str(&d, 4, &s, &sl));
		} else {
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hfi_mp_require(seen, HF_BIT(1) | HF_BIT(2)));
	return hfi_mp_dec_finish(&d);
}

static void test_map_rules(void **state)
{
	(void)state;
	const uint8_t ok[] = {0x82, 1, 1, 2, 0xa2, 'a', 'b'};
	assert_int_equal(dec_map(ok, sizeof(ok)), HF_OK);
	const uint8_t order[] = {0x82, 2, 0xa2, 'a', 'b', 1, 1};
	assert_int_equal(dec_map(order, sizeof(order)), HF_EKEYORDER);
	const uint8_t dup[] = {0x82, 1, 1, 1, 1};
	assert_int_equal(dec_map(dup, sizeof(dup)), HF_EDUPKEY);
	const uint8_t zero[] = {0x81, 0, 1};
	assert_int_equal(dec_map(zero, sizeof(zero)), HF_ERANGE);
	const uint8_t big[] = {0x81, 64, 1};
	assert_int_equal(dec_map(big, sizeof(big)), HF_ERANGE);
	const uint8_t u8key[] = {0x81, 0xcc, 1, 1};
	assert_int_equal(dec_map(u8key, sizeof(u8key)), HF_ENONCANON);
	const uint8_t strkey[] = {0x81, 0xa1, 'a', 1};
	assert_int_equal(dec_map(strkey, sizeof(strkey)), HF_ETYPE);
	const uint8_t unknown[] = {0x83, 1, 1, 2, 0xa1, 'a', 3, 1};
	assert_int_equal(dec_map(unknown, sizeof(unknown)), HF_EUNKNOWNKEY);
	const uint8_t missing[] = {0x81, 1, 1};
	assert_int_equal(dec_map(missing, sizeof(missing)), HF_EMISSING);
	const uint8_t map16[] = {0xde, 0, 2, 1, 1, 2, 0xa1, 'a'};
	assert_int_equal(dec_map(map16, sizeof(map16)), HF_ENONCANON);
	const uint8_t toomany[] = {0xde, 0, 33};
	assert_int_equal(dec_map(toomany, sizeof(toomany)), HF_ETOOLONG);
	const uint8_t trunc[] = {0x85, 1, 1};
	assert_int_equal(dec_map(trunc, sizeof(trunc)), HF_ETRUNC);
	const uint8_t longstr[] = {0x82, 1, 1, 2, 0xa5, 'a', 'b', 'c', 'd', 'e'};
	assert_int_equal(dec_map(longstr, sizeof(longstr)), HF_ETOOLONG);
	const uint8_t badutf[] = {0x82, 1, 1, 2, 0xa2, 0xc0, 0x80};
	assert_int_equal(dec_map(badutf, sizeof(badutf)), HF_EUTF8);
	const uint8_t str8[] = {0x82, 1, 1, 2, 0xd9, 2, 'a', 'b'};
	assert_int_equal(dec_map(str8, sizeof(str8)), HF_ENONCANON);
	const uint8_t notmap[] = {0x91, 1};
	assert_int_equal(dec_map(notmap, sizeof(notmap)), HF_ETYPE);
}

static void test_bin_and_depth(void **state)
{
	(void)state;
	hfi_mp_dec d;
	const uint8_t *p;
	size_t n;
	const uint8_t bin16_short[] = {0xc5, 0, 3, 1, 2, 3};
	assert_int_equal(hfi_mp_dec_init(&d, bin16_short, sizeof(bin16_short), 100), HF_OK);
	assert_int_equal(hfi_mp_get_bin(&d, 100, &p, &n), HF_ENONCANON);
	const uint8_t bin_over[] = {0xc6, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(hfi_mp_dec_init(&d, bin_over, sizeof(bin_over), 100), HF_OK);
	assert_int_equal(hfi_mp_get_bin(&d, SIZE_MAX, &p, &n), HF_ETRUNC);
	assert_int_equal(d.r.off, 0);
	const uint8_t bin3[] = {0xc4, 3, 1, 2, 3};
	uint8_t out4[4];
	assert_int_equal(hfi_mp_dec_init(&d, bin3, sizeof(bin3), 100), HF_OK);
	assert_int_equal(hfi_mp_get_bin_fixed(&d, out4, 4), HF_ELENGTH);
	assert_int_equal(hfi_mp_get_bin_fixed(&d, out4, 3), HF_OK);
	assert_memory_equal(out4, bin3 + 2, 3);

	/* nesting: arrays 9 deep exceed HF_MAX_DEPTH */
	uint8_t deep[HF_MAX_DEPTH + 2];
	memset(deep, 0x91, sizeof(deep));
	deep[sizeof(deep) - 1] = 0x01;
	assert_int_equal(hfi_mp_dec_init(&d, deep, sizeof(deep), 100), HF_OK);
	uint32_t an;
	hf_err rc = HF_OK;
	unsigned opened = 0;
	while ((rc = hfi_mp_array_open(&d, 4, &an)) == HF_OK)
		opened++;
	assert_int_equal(rc, HF_ETOODEEP);
	assert_int_equal(opened, HF_MAX_DEPTH);
	/* array length larger than the bytes left */
	const uint8_t arr[] = {0xdd, 0, 1, 0, 0};
	assert_int_equal(hfi_mp_dec_init(&d, arr, sizeof(arr), 100), HF_OK);
	assert_int_equal(hfi_mp_array_open(&d, 100000, &an), HF_ETRUNC);
	assert_int_equal(hfi_mp_array_open(&d, 10, &an), HF_ETOOLONG);
	bool b;
	const uint8_t t[] = {0xc3};
	assert_int_equal(hfi_mp_dec_init(&d, t, 1, 1), HF_OK);
	assert_int_equal(hfi_mp_get_bool(&d, &b), HF_OK);
	assert_true(b);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(hfi_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xed\x95\x9c", 10));
	assert_false(hfi_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
	assert_false(hfi_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(hfi_utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));     /* overlong */
	assert_false(hfi_utf8_valid((const uint8_t *)"\xc3", 1));             /* truncated */
	assert_false(hfi_utf8_valid((const uint8_t *)"a\0b", 3));             /* NUL */
	assert_false(hfi_utf8_valid((const uint8_t *)"\xff", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uint_roundtrip_and_shortest),
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_map_rules),
	    cmocka_unit_test(test_bin_and_depth),
	    cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
