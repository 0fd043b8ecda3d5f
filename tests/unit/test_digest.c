/* MD5 + SHA-256 known answers (RFC 1321, FIPS 180-2), streaming == one-shot, misuse. */
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "hashfed/digest.h"

static void check(const void *data, size_t len, const char *md5, const char *sha)
{
	hf_digests d;
	char hex[65];
	assert_int_equal(hf_digest_buf(data, len, &d), HF_OK);
	hf_hex_lower(d.md5, HF_MD5_LEN, hex);
	assert_string_equal(hex, md5);
	hf_hex_lower(d.sha256, HF_SHA256_LEN, hex);
	assert_string_equal(hex, sha);
}

static void test_digest_known_answers(void **state)
{
	(void)state;
	check(NULL, 0, "d41d8cd98f00b204e9800998ecf8427e",
	      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", 3, "900150983cd24fb0d6963f7d28e17f72",
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check(m, strlen(m), "8215ef0796a20bcaaae116d3876c664a",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a': crosses the internal 64 KiB chunking many times. */
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	check(a, 1000000, "7707d6ae4e027c70eea2a935c2296f21",
	      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void test_digest_streaming(void **state)
{
	(void)state;
	size_t n = 300000;
	uint8_t *buf = malloc(n);
	hf_test_rng rng;
	hf_test_rng_init(&rng, 7);
	hf_test_rng_bytes(&rng, buf, n);
	hf_digests one, inc;
	assert_int_equal(hf_digest_buf(buf, n, &one), HF_OK);
	hf_digest *d = NULL;
	assert_int_equal(hf_digest_new(&d), HF_OK);
	size_t off = 0, step = 1;
	while (off < n) {
		size_t k = step < n - off ? step : n - off;
		assert_int_equal(hf_digest_update(d, buf + off, k), HF_OK);
		off += k;
		step = step * 3 + 1;
	}
	assert_int_equal(hf_digest_update(d, NULL, 0), HF_OK);
	assert_int_equal(hf_digest_final(d, &inc), HF_OK);
	assert_memory_equal(&one, &inc, sizeof(one));
	/* Misuse after final. */
	assert_int_equal(hf_digest_final(d, &inc), HF_EINVAL);
	assert_int_equal(hf_digest_update(d, buf, 1), HF_EINVAL);
	hf_digest_free(d);
	hf_digest_free(NULL);
	assert_int_equal(hf_digest_buf(NULL, 1, &one), HF_EINVAL);
	assert_int_equal(hf_digest_new(&d), HF_OK);
	assert_int_equal(hf_digest_update(d, NULL, 5), HF_EINVAL);
	hf_digest_free(d);
	/* A one-byte change changes both digests. */
	buf[n / 2] ^= 1;
	assert_int_equal(hf_digest_buf(buf, n, &inc), HF_OK);
	assert_memory_not_equal(one.md5, inc.md5, HF_MD5_LEN);
	assert_memory_not_equal(one.sha256, inc.sha256, HF_SHA256_LEN);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digest_known_answers),
	    cmocka_unit_test(test_digest_streaming),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
