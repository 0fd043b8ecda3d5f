/*
 * The Ed25519 acceptance rules of spec §4.1, implemented here from the text alone (point
 * arithmetic from libsodium's crypto_core_ed25519_add/sub, which check nothing but that a
 * point is on the curve), and checked against hf_sign_verify over every CCTV edge-case
 * vector in ../shared/data/ed25519 (914, read in place; skipped with the reason if
 * absent) plus vectors made here for the rules CCTV does not exercise (S >= L). A library
 * upgrade or a change of hf_sign_verify that accepts a different set fails this test, and
 * so does a spec text that no longer says what the code does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "hf_test.h"
#include "hashfed/identity.h"

#define CCTV_REL "ed25519/ed25519vectors.json"

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t ORDER_L[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

/* spec §4.1: the seven 255-bit values y (sign bit cleared) that encode a point of small
 * order: 0 and p (order 4), 1 and p + 1 (the identity), p - 1 (order 2) and the two
 * order-8 values. Little-endian hex. */
static const char *const SMALL_ORDER[7] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static const uint8_t IDENTITY[32] = {1};

enum verdict { V_ACCEPT, V_S_RANGE, V_R_SMALL, V_A_NONCANON, V_A_SMALL, V_A_OFFCURVE, V_EQUATION };
static const char *const VERDICT_NAMES[] = {
    "accept",  "S >= L", "R small order", "A non-canonical", "A small order", "A not on the curve",
    "equation"};

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t got;
	assert_true(hf_test_unhex(hex, out, n, &got));
	assert_int_equal(got, n);
}

/* a < b as 256-bit little-endian integers */
static bool lt_le(const uint8_t a[32], const uint8_t b[32])
{
	for (int i = 31; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] < b[i];
	return false;
}

static bool small_order_encoding(const uint8_t e[32])
{
	uint8_t y[32], t[32];
	memcpy(y, e, 32);
	y[31] &= 0x7f;
	for (size_t i = 0; i < 7; i++) {
		unhex(SMALL_ORDER[i], t, 32);
		if (memcmp(y, t, 32) == 0)
			return true;
	}
	return false;
}

/* y (sign bit cleared) < p = 2^255 - 19 */
static bool canonical_y(const uint8_t e[32])
{
	if ((e[31] & 0x7f) != 0x7f)
		return true;
	for (int i = 30; i > 0; i--)
		if (e[i] != 0xff)
			return true;
	return e[0] < 0xed;
}

static void add(uint8_t r[32], const uint8_t p[32], const uint8_t q[32])
{
	assert_int_equal(crypto_core_ed25519_add(r, p, q), 0);
}

/* [k]P for any curve point P (small or mixed order included), k a 256-bit little-endian
 * scalar: 4-bit windows over crypto_core_ed25519_add. */
static void mul(uint8_t out[32], const uint8_t k[32], const uint8_t p[32])
{
	uint8_t tab[16][32], r[32];
	memcpy(tab[0], IDENTITY, 32);
	memcpy(tab[1], p, 32);
	for (int i = 2; i < 16; i++)
		add(tab[i], tab[i - 1], p);
	memcpy(r, IDENTITY, 32);
	for (int i = 63; i >= 0; i--) {
		for (int d = 0; d < 4; d++)
			add(r, r, r);
		unsigned w = (k[i / 2] >> (4 * (i % 2))) & 0x0f;
		if (w)
			add(r, r, tab[w]);
	}
	memcpy(out, r, 32);
}

/* spec §4.1, in its order. *cofactored_only: the cofactorless equation fails where the
 * cofactored one ([8]Q = [8]R) holds. */
static enum verdict rules(const uint8_t a[32], const uint8_t sig[64], const uint8_t *m, size_t mlen,
                          bool *cofactored_only)
{
	const uint8_t *r = sig, *s = sig + 32;
	*cofactored_only = false;
	if (!lt_le(s, ORDER_L))
		return V_S_RANGE;
	if (small_order_encoding(r))
		return V_R_SMALL;
	if (!canonical_y(a))
		return V_A_NONCANON;
	if (small_order_encoding(a))
		return V_A_SMALL;
	uint8_t t[32];
	if (crypto_core_ed25519_add(t, a, IDENTITY) != 0)
		return V_A_OFFCURVE;
	/* k = SHA-512(R || A || M) mod L */
	uint8_t h[64], k[32], base[32], sb[32], ka[32], q[32];
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, r, 32);
	crypto_hash_sha512_update(&st, a, 32);
	crypto_hash_sha512_update(&st, m, mlen);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	/* B: y = 4/5 */
	unhex("5866666666666666666666666666666666666666666666666666666666666666", base, 32);
	mul(sb, s, base);
	mul(ka, k, a);
	assert_int_equal(crypto_core_ed25519_sub(q, sb, ka), 0);
	if (memcmp(q, r, 32) == 0)
		return V_ACCEPT;
	/* [8]Q == [8]R ? (R decodes: it is not small order and canonical enough to add) */
	uint8_t q8[32], r8[32];
	if (crypto_core_ed25519_add(r8, r, IDENTITY) == 0) {
		memcpy(q8, q, 32);
		for (int i = 0; i < 3; i++) {
			add(q8, q8, q8);
			add(r8, r8, r8);
		}
		*cofactored_only = memcmp(q8, r8, 32) == 0;
	}
	return V_EQUATION;
}

/* The table of spec §4.1 is right: each canonical entry is a point whose [8] multiple is
 * the identity, and the non-canonical ones are p and p + 1. */
static void test_small_order_table(void **state)
{
	(void)state;
	uint8_t e[32], t[32];
	int canonical = 0;
	for (size_t i = 0; i < 7; i++) {
		unhex(SMALL_ORDER[i], e, 32);
		if (!canonical_y(e))
			continue;
		canonical++;
		memcpy(t, e, 32);
		for (int d = 0; d < 3; d++)
			add(t, t, t);
		assert_memory_equal(t, IDENTITY, 32);
	}
	assert_int_equal(canonical, 5);
}

static void test_rules_over_cctv(void **state)
{
	(void)state;
	char path[4096];
	if (!hf_test_shared_path(CCTV_REL, path, sizeof path)) {
		hf_test_skip_missing(CCTV_REL);
		skip();
	}
	json_error_t jerr;
	json_t *vecs = json_load_file(path, 0, &jerr);
	assert_non_null(vecs);
	size_t n = json_array_size(vecs), counts[7] = {0}, cof_only = 0, residue_flagged = 0;
	assert_int_equal(n, 914);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(vecs, i);
		uint8_t pk[32], sig[64];
		unhex(json_string_value(json_object_get(v, "key")), pk, 32);
		unhex(json_string_value(json_object_get(v, "sig")), sig, 64);
		const char *msg = json_string_value(json_object_get(v, "msg"));
		assert_non_null(msg);
		bool cof = false;
		enum verdict want = rules(pk, sig, (const uint8_t *)msg, strlen(msg), &cof);
		hf_err got = hf_sign_verify(pk, (const uint8_t *)msg, strlen(msg), sig);
		if ((got == HF_OK) != (want == V_ACCEPT))
			fail_msg("vector %zu: hf_sign_verify %s, spec §4.1 rules: %s", i,
			         hf_err_name(got), VERDICT_NAMES[want]);
		counts[want]++;
		cof_only += cof;
		const json_t *flags = json_object_get(v, "flags");
		for (size_t f = 0; f < json_array_size(flags); f++)
			if (strcmp(json_string_value(json_array_get(flags, f)),
			           "low_order_residue") == 0 &&
			    want == V_EQUATION)
				residue_flagged++;
	}
	/* 43 accepted (as libsodium 1.0.18 and the pinned list); every equation failure of
	 * CCTV is a low-order residue, which the cofactored equation would accept. */
	assert_int_equal(counts[V_ACCEPT], 43);
	assert_int_equal(counts[V_EQUATION], cof_only);
	assert_int_equal(counts[V_EQUATION], residue_flagged);
	print_message("ed25519 rules over CCTV:");
	for (int k = 0; k < 7; k++)
		print_message(" %s %zu%s", VERDICT_NAMES[k], counts[k], k < 6 ? "," : "\n");
	json_decref(vecs);
}

/* Rules CCTV leaves out: S >= L (S + L of a valid signature is refused, though the
 * equation would hold mod L), and the sign bit of R's encoding. */
static void test_rules_made_here(void **state)
{
	(void)state;
	uint8_t seed[32], pk[32], sk[64], sig[64], bad[64];
	const uint8_t msg[] = "hashfed spec 4.1";
	bool cof;
	memset(seed, 0x41, sizeof seed);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(crypto_sign_detached(sig, NULL, msg, sizeof msg, sk), 0);
	assert_int_equal(rules(pk, sig, msg, sizeof msg, &cof), V_ACCEPT);
	assert_int_equal(hf_sign_verify(pk, msg, sizeof msg, sig), HF_OK);
	/* S + L: same residue, not canonical */
	memcpy(bad, sig, 64);
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned x = bad[32 + i] + ORDER_L[i] + carry;
		bad[32 + i] = (uint8_t)x;
		carry = x >> 8;
	}
	assert_int_equal(carry, 0);
	assert_int_equal(rules(pk, bad, msg, sizeof msg, &cof), V_S_RANGE);
	assert_int_not_equal(hf_sign_verify(pk, msg, sizeof msg, bad), HF_OK);
	/* R with its sign bit flipped: another point, the equation fails */
	memcpy(bad, sig, 64);
	bad[31] ^= 0x80;
	assert_int_equal(rules(pk, bad, msg, sizeof msg, &cof), V_EQUATION);
	assert_int_not_equal(hf_sign_verify(pk, msg, sizeof msg, bad), HF_OK);
	/* A small-order key and R = identity, S = 0: [0]B = identity + [k]A holds in the
	 * cofactored sense only when A is small order; refused by the A rule first. */
	memset(bad, 0, 64);
	bad[0] = 1;
	uint8_t small_a[32];
	unhex(SMALL_ORDER[4], small_a, 32);
	assert_int_equal(rules(small_a, bad, msg, sizeof msg, &cof), V_R_SMALL);
	assert_int_not_equal(hf_sign_verify(small_a, msg, sizeof msg, bad), HF_OK);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_order_table),
	    cmocka_unit_test(test_rules_over_cctv),
	    cmocka_unit_test(test_rules_made_here),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
