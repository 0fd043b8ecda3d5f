#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "hashfed/buf.h"

/* A failed read leaves the cursor where it was. */
static void test_reader_bounds(void **state)
{
	(void)state;
	const uint8_t b[5] = {1, 2, 3, 4, 5};
	hf_reader r = hf_reader_init(b, sizeof(b));
	uint32_t v32;
	uint64_t v64;
	const uint8_t *p;
	assert_int_equal(hf_reader_u32be(&r, &v32), HF_OK);
	assert_int_equal(v32, 0x01020304u);
	assert_int_equal(hf_reader_u64be(&r, &v64), HF_ETRUNC);
	assert_int_equal(r.off, 4);
	assert_int_equal(hf_reader_bytes(&r, SIZE_MAX, &p), HF_ETRUNC);
	assert_int_equal(r.off, 4);
	uint8_t v8;
	assert_int_equal(hf_reader_u8(&r, &v8), HF_OK);
	assert_int_equal(v8, 5);
	assert_int_equal(hf_reader_peek(&r, &v8), HF_ETRUNC);
	assert_int_equal(hf_reader_left(&r), 0);
}

static void test_writer_cap(void **state)
{
	(void)state;
	hf_writer w;
	hf_writer_init(&w, 1000);
	for (int i = 0; i < 125; i++)
		assert_int_equal(hf_writer_u64be(&w, (uint64_t)i), HF_OK);
	assert_int_equal(w.len, 1000);
	assert_int_equal(hf_writer_u8(&w, 1), HF_ETOOBIG);
	assert_int_equal(w.len, 1000);
	uint8_t *out;
	size_t n;
	assert_int_equal(hf_writer_take(&w, &out, &n), HF_OK);
	assert_int_equal(n, 1000);
	hf_reader r = hf_reader_init(out, n);
	uint64_t v;
	for (int i = 0; i < 125; i++) {
		assert_int_equal(hf_reader_u64be(&r, &v), HF_OK);
		assert_int_equal(v, (uint64_t)i);
	}
	free(out);
	hf_writer_free(&w);

	uint8_t fixed[3];
	hf_writer_fixed(&w, fixed, sizeof(fixed));
	assert_int_equal(hf_writer_u16be(&w, 0xabcd), HF_OK);
	assert_int_equal(hf_writer_u16be(&w, 0xabcd), HF_ENOSPC);
	assert_int_equal(fixed[0], 0xab);
	hf_writer_free(&w);
	hf_writer_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reader_bounds),
	    cmocka_unit_test(test_writer_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
