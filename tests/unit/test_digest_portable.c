/* protocol/src/digest_portable.c (the intake page's WebAssembly MD5/SHA-256): known answers,
 * and agreement with the native OpenSSL digests (hf_digest_buf) on pseudo-random inputs of
 * every length 0..300 (each padding case: 55/56/63/64 bytes and their multiples) and larger
 * ones, fed in random-sized pieces. */
#include <stdlib.h>
#include <string.h>

#include "digest_portable.h"
#include "hashfed/digest.h"
#include "hf_test.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Portable digests of p[0..n), fed in pieces of random size (max_piece 0: in one call). */
static void portable(const uint8_t *p, size_t n, size_t max_piece, uint8_t md5[16], uint8_t sha[32])
{
	hfp_md5 m;
	hfp_sha256 s;
	hfp_md5_init(&m);
	hfp_sha256_init(&s);
	for (size_t off = 0; off < n;) {
		size_t k = max_piece ? 1 + (size_t)(rnd() % max_piece) : n - off;
		if (k > n - off)
			k = n - off;
		hfp_md5_update(&m, p + off, k);
		hfp_sha256_update(&s, p + off, k);
		off += k;
	}
	hfp_md5_final(&m, md5);
	hfp_sha256_final(&s, sha);
}

static void known(const char *msg, const char *md5_hex, const char *sha_hex)
{
	uint8_t md5[16], sha[32];
	char hex[65];
	portable((const uint8_t *)msg, strlen(msg), 0, md5, sha);
	hf_hex_lower(md5, 16, hex);
	assert_string_equal(hex, md5_hex);
	hf_hex_lower(sha, 32, hex);
	assert_string_equal(hex, sha_hex);
}

static void test_known_answers(void **state)
{
	(void)state;
	known("", "d41d8cd98f00b204e9800998ecf8427e",
	      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	known("abc", "900150983cd24fb0d6963f7d28e17f72",
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	known("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "8215ef0796a20bcaaae116d3876c664a",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	known("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	      "57edf4a22be3c955ac49da2e2107b67a",
	      "f371bc4a311f2b009eef952dd83ca80e2b60026c8e935592d0f9c308453c813e");
}

static void agree(const uint8_t *p, size_t n, size_t max_piece)
{
	uint8_t md5[16], sha[32];
	hf_digests d;
	portable(p, n, max_piece, md5, sha);
	assert_int_equal(hf_digest_buf(p, n, &d), HF_OK);
	if (memcmp(md5, d.md5, 16) != 0 || memcmp(sha, d.sha256, 32) != 0)
		fail_msg("portable digest differs from OpenSSL at length %zu (pieces <= %zu)", n,
		         max_piece);
}

static void test_agrees_with_openssl(void **state)
{
	(void)state;
	size_t cap = 1u << 20;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	for (size_t i = 0; i < cap; i++)
		buf[i] = (uint8_t)rnd();
	for (size_t n = 0; n <= 300; n++) {
		agree(buf, n, 0);
		agree(buf + 1, n, 7); /* unaligned, many small updates across block edges */
	}
	static const size_t big[] = {1000, 4095, 4096, 65535, 65536, 65537, 1u << 20};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		agree(buf, big[i], 0);
		agree(buf, big[i], 1000);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answers),
	    cmocka_unit_test(test_agrees_with_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
