/* HPKE (RFC 9180): every Appendix A.2 vector in all four modes, plus
 * tampering, wrong keys, small-order keys, misuse and sequence exhaustion. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hf_test.h"
#include "hashfed/hpke.h"
#include "hpke_internal.h"

#define VEC_REL "hpke/rfc9180-x25519-sha256-chacha20poly1305.json"

/* Canonical and non-canonical X25519 u-coordinates of small order (little-endian hex). */
static const char *const low_order[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    /* the same with bit 255 set, which X25519 ignores */
    "0000000000000000000000000000000000000000000000000000000000000080",
    "0100000000000000000000000000000000000000000000000000000000000080",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};
#define N_LOW_ORDER (sizeof low_order / sizeof low_order[0])

static const uint8_t INFO[] = "hashfed test info";
static const uint8_t AAD[] = "header";
static const uint8_t MSG[] = "content key 0123456789abcdef0123";

/* Hex field k of object o into out (exactly `want` bytes unless want == 0); returns length. */
static size_t jhex(const json_t *o, const char *k, uint8_t *out, size_t cap, size_t want)
{
	const char *s = json_string_value(json_object_get(o, k));
	size_t n = 0;
	assert_non_null(s);
	assert_true(hf_test_unhex(s, out, cap, &n));
	if (want)
		assert_int_equal(n, want);
	return n;
}

static void keypair(uint32_t seed, uint8_t sk[32], uint8_t pk[32])
{
	hf_test_rng tr;
	hf_rng rng = {hf_test_rng_bytes, &tr};
	hf_test_rng_init(&tr, seed);
	assert_int_equal(hf_hpke_generate_keypair(&rng, sk, pk), HF_OK);
}

/* One RFC 9180 A.2 vector: key derivation, KEM, key schedule, all encryptions and exports. */
static void run_vector(const json_t *v, int *modes_seen)
{
	uint8_t ikm[64], sk[32], pk[32], skE[32], pkE[32], skR[32], pkR[32], skS[32], pkS[32];
	uint8_t enc[32], enc2[32], ss[32], ss2[32], want_ss[32], info[128], psk[64], psk_id[64];
	uint8_t key[32], nonce[12], exp[32], want_key[32], want_nonce[12], want_exp[32];
	uint8_t pt[256], aad[64], ct[272], buf[272], out[256];
	size_t n, info_len, pt_len, aad_len, ct_len;
	hf_hpke_ctx *s = NULL, *r = NULL;
	hf_hpke_opts opts = {0};

	int mode = (int)json_integer_value(json_object_get(v, "mode"));
	assert_true(mode >= 0 && mode <= 3);
	modes_seen[mode]++;
	assert_int_equal(json_integer_value(json_object_get(v, "kem_id")), HF_HPKE_KEM_ID);
	assert_int_equal(json_integer_value(json_object_get(v, "kdf_id")), HF_HPKE_KDF_ID);
	assert_int_equal(json_integer_value(json_object_get(v, "aead_id")), HF_HPKE_AEAD_ID);
	bool auth = mode == HF_HPKE_MODE_AUTH || mode == HF_HPKE_MODE_AUTH_PSK;
	bool has_psk = mode == HF_HPKE_MODE_PSK || mode == HF_HPKE_MODE_AUTH_PSK;

	/* DeriveKeyPair from every ikm. */
	const char *names[3][3] = {
	    {"ikmE", "skEm", "pkEm"}, {"ikmR", "skRm", "pkRm"}, {"ikmS", "skSm", "pkSm"}};
	uint8_t *sks[3] = {skE, skR, skS}, *pks[3] = {pkE, pkR, pkS};
	for (int i = 0; i < (auth ? 3 : 2); i++) {
		n = jhex(v, names[i][0], ikm, sizeof ikm, 0);
		jhex(v, names[i][1], sks[i], 32, 32);
		jhex(v, names[i][2], pks[i], 32, 32);
		assert_int_equal(hf_hpke_derive_keypair(ikm, n, sk, pk), HF_OK);
		assert_memory_equal(sk, sks[i], 32);
		assert_memory_equal(pk, pks[i], 32);
	}
	assert_int_equal(json_object_get(v, "ikmS") != NULL, auth);

	info_len = jhex(v, "info", info, sizeof info, 0);
	opts.mode = (hf_hpke_mode)mode;
	if (has_psk) {
		opts.psk_len = jhex(v, "psk", psk, sizeof psk, 0);
		opts.psk_id_len = jhex(v, "psk_id", psk_id, sizeof psk_id, 0);
		opts.psk = psk;
		opts.psk_id = psk_id;
	}

	/* Encap / Decap: enc and shared_secret. */
	jhex(v, "enc", enc2, 32, 32);
	jhex(v, "shared_secret", want_ss, 32, 32);
	assert_int_equal(hfi_hpke_encap(pkR, skE, auth ? skS : NULL, enc, ss), HF_OK);
	assert_memory_equal(enc, enc2, 32);
	assert_memory_equal(ss, want_ss, 32);
	assert_int_equal(hfi_hpke_decap(enc, skR, auth ? pkS : NULL, ss2), HF_OK);
	assert_memory_equal(ss2, want_ss, 32);

	/* Key schedule on both sides. */
	hf_hpke_opts so = opts, ro = opts;
	so.auth_sk = auth ? skS : NULL;
	ro.auth_pk = auth ? pkS : NULL;
	const hf_hpke_opts *sop = mode == 0 ? NULL : &so, *rop = mode == 0 ? NULL : &ro;
	assert_int_equal(hf_hpke_setup_s_with_eph(pkR, info, info_len, sop, skE, enc, &s), HF_OK);
	assert_memory_equal(enc, enc2, 32);
	assert_int_equal(hf_hpke_setup_r(skR, enc, info, info_len, rop, &r), HF_OK);
	jhex(v, "key", want_key, 32, 32);
	jhex(v, "base_nonce", want_nonce, 12, 12);
	jhex(v, "exporter_secret", want_exp, 32, 32);
	hfi_hpke_ctx_secrets(s, key, nonce, exp);
	assert_memory_equal(key, want_key, 32);
	assert_memory_equal(nonce, want_nonce, 12);
	assert_memory_equal(exp, want_exp, 32);
	hfi_hpke_ctx_secrets(r, key, nonce, exp);
	assert_memory_equal(key, want_key, 32);
	assert_memory_equal(nonce, want_nonce, 12);
	assert_memory_equal(exp, want_exp, 32);

	/* Every encryption, sealed and opened at its sequence number. */
	const json_t *encs = json_object_get(v, "encryptions");
	assert_true(json_array_size(encs) == 6);
	for (size_t i = 0; i < json_array_size(encs); i++) {
		const json_t *e = json_array_get(encs, i);
		uint64_t seq = (uint64_t)json_integer_value(json_object_get(e, "seq"));
		pt_len = jhex(e, "pt", pt, sizeof pt, 0);
		aad_len = jhex(e, "aad", aad, sizeof aad, 0);
		ct_len = jhex(e, "ct", ct, sizeof ct, pt_len + HF_HPKE_TAG_LEN);
		hfi_hpke_ctx_set_seq(s, seq);
		assert_int_equal(hf_hpke_seal(s, aad, aad_len, pt, pt_len, buf), HF_OK);
		assert_memory_equal(buf, ct, ct_len);
		assert_int_equal(hf_hpke_ctx_seq(s), seq + 1);
		hfi_hpke_ctx_set_seq(r, seq);
		assert_int_equal(hf_hpke_open(r, aad, aad_len, ct, ct_len, out), HF_OK);
		assert_memory_equal(out, pt, pt_len);
		assert_int_equal(hf_hpke_ctx_seq(r), seq + 1);
		/* The same ciphertext at another sequence number does not open. */
		hfi_hpke_ctx_set_seq(r, seq + 1);
		assert_int_equal(hf_hpke_open(r, aad, aad_len, ct, ct_len, out), HF_EDECRYPT);
	}
	/* Every export, from both sides. */
	const json_t *exps = json_object_get(v, "exports");
	assert_true(json_array_size(exps) == 3);
	for (size_t i = 0; i < json_array_size(exps); i++) {
		const json_t *x = json_array_get(exps, i);
		uint8_t ctxb[64], want[64];
		size_t L = (size_t)json_integer_value(json_object_get(x, "L"));
		size_t cl = jhex(x, "exporter_context", ctxb, sizeof ctxb, 0);
		jhex(x, "exported_value", want, sizeof want, L);
		assert_int_equal(hf_hpke_export(s, cl ? ctxb : NULL, cl, out, L), HF_OK);
		assert_memory_equal(out, want, L);
		assert_int_equal(hf_hpke_export(r, cl ? ctxb : NULL, cl, out, L), HF_OK);
		assert_memory_equal(out, want, L);
	}
	hf_hpke_ctx_free(s);
	hf_hpke_ctx_free(r);

	/* Fresh contexts count 0, 1, 2 by themselves. */
	assert_int_equal(hf_hpke_setup_s_with_eph(pkR, info, info_len, sop, skE, enc, &s), HF_OK);
	for (size_t i = 0; i < 3; i++) {
		const json_t *e = json_array_get(encs, i);
		assert_int_equal(json_integer_value(json_object_get(e, "seq")), (json_int_t)i);
		pt_len = jhex(e, "pt", pt, sizeof pt, 0);
		aad_len = jhex(e, "aad", aad, sizeof aad, 0);
		ct_len = jhex(e, "ct", ct, sizeof ct, 0);
		assert_int_equal(hf_hpke_seal(s, aad, aad_len, pt, pt_len, buf), HF_OK);
		assert_memory_equal(buf, ct, ct_len);
	}
	hf_hpke_ctx_free(s);

	/* Negative: a wrong psk or a wrong sender key yields a context that cannot open. */
	if (has_psk || auth) {
		uint8_t wrong[32];
		hf_hpke_opts bad = ro;
		if (has_psk) {
			psk[0] ^= 1;
		} else {
			keypair(99, sk, wrong);
			bad.auth_pk = wrong;
		}
		assert_int_equal(hf_hpke_setup_r(skR, enc, info, info_len, &bad, &r), HF_OK);
		const json_t *e = json_array_get(encs, 0);
		pt_len = jhex(e, "pt", pt, sizeof pt, 0);
		aad_len = jhex(e, "aad", aad, sizeof aad, 0);
		ct_len = jhex(e, "ct", ct, sizeof ct, 0);
		assert_int_equal(hf_hpke_open(r, aad, aad_len, ct, ct_len, out), HF_EDECRYPT);
		hf_hpke_ctx_free(r);
		if (has_psk)
			psk[0] ^= 1;
	}
}

static void test_hpke_rfc9180_vectors(void **state)
{
	(void)state;
	char path[4096];
	if (!hf_test_shared_path(VEC_REL, path, sizeof path)) {
		hf_test_skip_missing(VEC_REL);
		skip();
	}
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	const json_t *vecs = json_object_get(root, "vectors");
	assert_int_equal(json_array_size(vecs), 4);
	int modes[4] = {0};
	for (size_t i = 0; i < json_array_size(vecs); i++)
		run_vector(json_array_get(vecs, i), modes);
	for (int m = 0; m < 4; m++)
		assert_int_equal(modes[m], 1);
	json_decref(root);
}

/* The single-shot helpers round-trip, and the rng alone decides enc and ct. */
static void test_hpke_single_shot(void **state)
{
	(void)state;
	uint8_t skR[32], pkR[32], enc[32], enc2[32], ct[sizeof MSG + 16], ct2[sizeof MSG + 16];
	uint8_t pt[sizeof MSG], ikm[32], skE[32], pkE[32];
	hf_test_rng tr;
	hf_rng rng = {hf_test_rng_bytes, &tr};
	hf_hpke_ctx *s = NULL;

	keypair(1, skR, pkR);
	hf_test_rng_init(&tr, 7);
	assert_int_equal(hf_hpke_seal_base(pkR, INFO, sizeof INFO, AAD, sizeof AAD, MSG, sizeof MSG,
	                                   &rng, enc, ct),
	                 HF_OK);
	assert_int_equal(
	    hf_hpke_open_base(skR, enc, INFO, sizeof INFO, AAD, sizeof AAD, ct, sizeof ct, pt),
	    HF_OK);
	assert_memory_equal(pt, MSG, sizeof MSG);

	/* Same rng seed, same output; the ephemeral key is DeriveKeyPair(first 32 rng bytes). */
	hf_test_rng_init(&tr, 7);
	assert_int_equal(hf_hpke_seal_base(pkR, INFO, sizeof INFO, AAD, sizeof AAD, MSG, sizeof MSG,
	                                   &rng, enc2, ct2),
	                 HF_OK);
	assert_memory_equal(enc, enc2, 32);
	assert_memory_equal(ct, ct2, sizeof ct);
	hf_test_rng_init(&tr, 7);
	hf_test_rng_bytes(&tr, ikm, sizeof ikm);
	assert_int_equal(hf_hpke_derive_keypair(ikm, sizeof ikm, skE, pkE), HF_OK);
	assert_memory_equal(pkE, enc, 32);
	assert_int_equal(hf_hpke_setup_base_s_with_eph(pkR, INFO, sizeof INFO, skE, enc2, &s),
	                 HF_OK);
	assert_int_equal(hf_hpke_seal(s, AAD, sizeof AAD, MSG, sizeof MSG, ct2), HF_OK);
	assert_memory_equal(ct, ct2, sizeof ct);
	hf_hpke_ctx_free(s);

	/* Another seed, another enc. */
	hf_test_rng_init(&tr, 8);
	assert_int_equal(hf_hpke_seal_base(pkR, INFO, sizeof INFO, AAD, sizeof AAD, MSG, sizeof MSG,
	                                   &rng, enc2, ct2),
	                 HF_OK);
	assert_memory_not_equal(enc, enc2, 32);

	/* NULL rng: the OS RNG; empty info, aad and plaintext. */
	uint8_t ct0[16];
	assert_int_equal(hf_hpke_seal_base(pkR, NULL, 0, NULL, 0, NULL, 0, NULL, enc2, ct0), HF_OK);
	assert_int_equal(hf_hpke_open_base(skR, enc2, NULL, 0, NULL, 0, ct0, sizeof ct0, NULL),
	                 HF_OK);
	ct0[3] ^= 0x10;
	assert_int_equal(hf_hpke_open_base(skR, enc2, NULL, 0, NULL, 0, ct0, sizeof ct0, NULL),
	                 HF_EUNWRAP);
}

/* Every single-byte change to enc, info, aad or ct, and a wrong key, fails to open. */
static void test_hpke_tamper(void **state)
{
	(void)state;
	uint8_t skR[32], pkR[32], sk2[32], pk2[32], enc[32], ct[sizeof MSG + 16];
	uint8_t info[sizeof INFO], aad[sizeof AAD], pt[sizeof MSG];
	hf_test_rng tr;
	hf_rng rng = {hf_test_rng_bytes, &tr};

	keypair(2, skR, pkR);
	keypair(3, sk2, pk2);
	hf_test_rng_init(&tr, 11);
	memcpy(info, INFO, sizeof info);
	memcpy(aad, AAD, sizeof aad);
	assert_int_equal(hf_hpke_seal_base(pkR, info, sizeof info, aad, sizeof aad, MSG, sizeof MSG,
	                                   &rng, enc, ct),
	                 HF_OK);
	struct {
		uint8_t *p;
		size_t n;
	} fields[] = {{enc, sizeof enc}, {info, sizeof info}, {aad, sizeof aad}, {ct, sizeof ct}};
	for (size_t f = 0; f < 4; f++) {
		for (size_t i = 0; i < fields[f].n; i++) {
			fields[f].p[i] ^= (uint8_t)(1u << (i % 8));
			memset(pt, 0xaa, sizeof pt);
			hf_err rc = hf_hpke_open_base(skR, enc, info, sizeof info, aad, sizeof aad,
			                              ct, sizeof ct, pt);
			/* Even bit 255 of enc, which X25519 ignores, counts: enc is
			 * bound into kem_context byte for byte. */
			assert_int_equal(rc, HF_EUNWRAP);
			for (size_t k = 0; k < sizeof pt; k++)
				assert_int_equal(pt[k], 0); /* wiped on failure */
			fields[f].p[i] ^= (uint8_t)(1u << (i % 8));
		}
	}
	/* Truncated info / aad / ct. */
	assert_int_equal(
	    hf_hpke_open_base(skR, enc, info, sizeof info - 1, aad, sizeof aad, ct, sizeof ct, pt),
	    HF_EUNWRAP);
	assert_int_equal(
	    hf_hpke_open_base(skR, enc, info, sizeof info, aad, sizeof aad - 1, ct, sizeof ct, pt),
	    HF_EUNWRAP);
	assert_int_equal(
	    hf_hpke_open_base(skR, enc, info, sizeof info, aad, sizeof aad, ct, sizeof ct - 1, pt),
	    HF_EUNWRAP);
	assert_int_equal(
	    hf_hpke_open_base(skR, enc, info, sizeof info, aad, sizeof aad, ct, 15, pt), HF_ETRUNC);
	/* Wrong recipient key. */
	assert_int_equal(
	    hf_hpke_open_base(sk2, enc, info, sizeof info, aad, sizeof aad, ct, sizeof ct, pt),
	    HF_EUNWRAP);
	/* Untouched, it still opens. */
	assert_int_equal(
	    hf_hpke_open_base(skR, enc, info, sizeof info, aad, sizeof aad, ct, sizeof ct, pt),
	    HF_OK);
	assert_memory_equal(pt, MSG, sizeof MSG);
}

/* Small-order keys are refused as pkR, as enc, and as the sender's static key. */
static void test_hpke_small_order(void **state)
{
	(void)state;
	uint8_t skR[32], pkR[32], skS[32], pkS[32], bad[32], enc[32], ct[sizeof MSG + 16];
	uint8_t pt[sizeof MSG], ss[32];
	hf_hpke_ctx *c = NULL;

	keypair(4, skR, pkR);
	keypair(5, skS, pkS);
	for (size_t i = 0; i < N_LOW_ORDER; i++) {
		assert_true(hf_test_unhex(low_order[i], bad, sizeof bad, NULL));
		memset(enc, 0x55, sizeof enc);
		memset(ct, 0x55, sizeof ct);
		assert_int_equal(hf_hpke_seal_base(bad, INFO, sizeof INFO, AAD, sizeof AAD, MSG,
		                                   sizeof MSG, NULL, enc, ct),
		                 HF_EBADKEY);
		for (size_t k = 0; k < sizeof ct; k++)
			assert_int_equal(ct[k], 0);
		for (size_t k = 0; k < sizeof enc; k++)
			assert_int_equal(enc[k], 0);
		assert_int_equal(hf_hpke_setup_base_s(bad, NULL, 0, NULL, enc, &c), HF_EBADKEY);
		assert_null(c);
		assert_int_equal(hf_hpke_setup_base_r(skR, bad, NULL, 0, &c), HF_EBADKEY);
		assert_null(c);
		assert_int_equal(hf_hpke_open_base(skR, bad, INFO, sizeof INFO, AAD, sizeof AAD, ct,
		                                   sizeof ct, pt),
		                 HF_EBADKEY);
		assert_int_equal(hfi_hpke_decap(bad, skR, NULL, ss), HF_EBADKEY);
		/* AuthDecap with a small-order sender key; enc itself is fine. */
		hf_hpke_opts ro = {.mode = HF_HPKE_MODE_AUTH, .auth_pk = bad};
		assert_int_equal(hf_hpke_setup_r(skR, pkS, NULL, 0, &ro, &c), HF_EBADKEY);
		assert_null(c);
	}
}

/* Misuse is HF_EINVAL, never a crash or a silently weaker mode. */
static void test_hpke_misuse(void **state)
{
	(void)state;
	uint8_t skR[32], pkR[32], skS[32], pkS[32], enc[32], ct[64], pt[64],
	    out[HF_HPKE_EXPORT_MAX + 1];
	uint8_t psk[32] = {1}, id[1] = {2};
	hf_hpke_ctx *s = NULL, *r = NULL;

	keypair(6, skR, pkR);
	keypair(7, skS, pkS);
	assert_int_equal(hf_hpke_derive_keypair(psk, 31, skS, pkS), HF_EINVAL);
	keypair(7, skS, pkS);

	const hf_hpke_opts bad_s[] = {
	    {.mode = (hf_hpke_mode)4},
	    {.mode = HF_HPKE_MODE_PSK}, /* no psk */
	    {.mode = HF_HPKE_MODE_PSK, .psk = psk, .psk_len = 31, .psk_id = id, .psk_id_len = 1},
	    {.mode = HF_HPKE_MODE_PSK, .psk = psk, .psk_len = 32}, /* no psk_id */
	    {.mode = HF_HPKE_MODE_BASE, .psk = psk, .psk_len = 32, .psk_id = id, .psk_id_len = 1},
	    {.mode = HF_HPKE_MODE_AUTH}, /* no auth_sk */
	    {.mode = HF_HPKE_MODE_BASE, .auth_sk = skS},
	    {.mode = HF_HPKE_MODE_AUTH, .auth_sk = skS, .auth_pk = pkS}, /* receiver field */
	    {.mode = HF_HPKE_MODE_AUTH_PSK, .auth_sk = skS},             /* no psk */
	};
	for (size_t i = 0; i < sizeof bad_s / sizeof bad_s[0]; i++) {
		assert_int_equal(hf_hpke_setup_s(pkR, NULL, 0, &bad_s[i], NULL, enc, &s),
		                 HF_EINVAL);
		assert_null(s);
	}
	const hf_hpke_opts bad_r[] = {
	    {.mode = HF_HPKE_MODE_AUTH},
	    {.mode = HF_HPKE_MODE_AUTH, .auth_sk = skS},
	    {.mode = HF_HPKE_MODE_PSK,
	     .psk = psk,
	     .psk_len = 32,
	     .psk_id = id,
	     .psk_id_len = 1,
	     .auth_pk = pkS},
	};
	for (size_t i = 0; i < sizeof bad_r / sizeof bad_r[0]; i++) {
		assert_int_equal(hf_hpke_setup_r(skR, pkS, NULL, 0, &bad_r[i], &r), HF_EINVAL);
		assert_null(r);
	}
	assert_int_equal(hf_hpke_setup_base_s(pkR, NULL, 3, NULL, enc, &s), HF_EINVAL);

	/* auth_psk round trip with all fields, then role misuse and export bounds. */
	hf_hpke_opts so = {.mode = HF_HPKE_MODE_AUTH_PSK,
	                   .psk = psk,
	                   .psk_len = 32,
	                   .psk_id = id,
	                   .psk_id_len = 1,
	                   .auth_sk = skS};
	hf_hpke_opts ro = so;
	ro.auth_sk = NULL;
	ro.auth_pk = pkS;
	assert_int_equal(hf_hpke_setup_s(pkR, INFO, sizeof INFO, &so, NULL, enc, &s), HF_OK);
	assert_int_equal(hf_hpke_setup_r(skR, enc, INFO, sizeof INFO, &ro, &r), HF_OK);
	assert_int_equal(hf_hpke_seal(s, NULL, 0, MSG, 20, ct), HF_OK);
	assert_int_equal(hf_hpke_open(r, NULL, 0, ct, 36, pt), HF_OK);
	assert_memory_equal(pt, MSG, 20);
	assert_int_equal(hf_hpke_seal(r, NULL, 0, MSG, 20, ct), HF_EINVAL);
	assert_int_equal(hf_hpke_open(s, NULL, 0, ct, 36, pt), HF_EINVAL);
	assert_int_equal(hf_hpke_open(r, NULL, 0, ct, 15, pt), HF_ETRUNC);
	assert_int_equal(hf_hpke_seal(s, NULL, 5, MSG, 20, ct), HF_EINVAL);
	assert_int_equal(hf_hpke_export(s, NULL, 0, out, 0), HF_EINVAL);
	assert_int_equal(hf_hpke_export(s, NULL, 0, out, HF_HPKE_EXPORT_MAX + 1), HF_EINVAL);
	assert_int_equal(hf_hpke_export(s, NULL, 1, out, 32), HF_EINVAL);
	assert_int_equal(hf_hpke_export(s, NULL, 0, out, HF_HPKE_EXPORT_MAX), HF_OK);
	uint8_t e1[32], e2[32];
	assert_int_equal(hf_hpke_export(s, id, 1, e1, 32), HF_OK);
	assert_int_equal(hf_hpke_export(r, id, 1, e2, 32), HF_OK);
	assert_memory_equal(e1, e2, 32);
	/* L is part of the expand info, so a long export is not an extension of a short one. */
	assert_int_equal(hf_hpke_export(r, NULL, 0, e2, 32), HF_OK);
	assert_memory_not_equal(e2, out, 32);
	assert_memory_not_equal(e1, e2, 32);

	/* In place: ct == pt. */
	memcpy(pt, MSG, 20);
	assert_int_equal(hf_hpke_seal(s, AAD, sizeof AAD, pt, 20, pt), HF_OK);
	assert_int_equal(hf_hpke_open(r, AAD, sizeof AAD, pt, 36, pt), HF_OK);
	assert_memory_equal(pt, MSG, 20);
	hf_hpke_ctx_free(s);
	hf_hpke_ctx_free(r);
	hf_hpke_ctx_free(NULL);
}

/* The last sequence number is never used (RFC 9180 §5.2 IncrementSeq). */
static void test_hpke_seq_exhaustion(void **state)
{
	(void)state;
	uint8_t skR[32], pkR[32], enc[32], ct[16 + 4], pt[4];
	hf_hpke_ctx *s = NULL, *r = NULL;

	keypair(8, skR, pkR);
	assert_int_equal(hf_hpke_setup_base_s(pkR, NULL, 0, NULL, enc, &s), HF_OK);
	assert_int_equal(hf_hpke_setup_base_r(skR, enc, NULL, 0, &r), HF_OK);
	hfi_hpke_ctx_set_seq(s, UINT64_MAX - 1);
	hfi_hpke_ctx_set_seq(r, UINT64_MAX - 1);
	assert_int_equal(hf_hpke_seal(s, NULL, 0, MSG, 4, ct), HF_OK);
	assert_int_equal(hf_hpke_ctx_seq(s), UINT64_MAX);
	assert_int_equal(hf_hpke_seal(s, NULL, 0, MSG, 4, ct + 0), HF_ERANGE);
	assert_int_equal(hf_hpke_open(r, NULL, 0, ct, sizeof ct, pt), HF_OK);
	assert_int_equal(hf_hpke_open(r, NULL, 0, ct, sizeof ct, pt), HF_ERANGE);
	assert_int_equal(hf_hpke_ctx_seq(r), UINT64_MAX);
	hf_hpke_ctx_free(s);
	hf_hpke_ctx_free(r);
}

/* hfi_x25519_base (the Ed25519 table and u = (1 + y) / (1 - y)) gives libsodium's
 * crypto_scalarmult_base bytes: random scalars, and edge scalars (zero, all ones, k ≡ 0 and
 * small multiples mod L once clamped, scalars whose u lands near 0 and p). */
static void test_x25519_base_matches(void **state)
{
	(void)state;
	/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
	static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	                              0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	                              0,    0,    0,    0,    0,    0,    0,    0,
	                              0,    0,    0,    0,    0,    0,    0,    0x10};
	uint8_t sk[32], a[32], b[32];
	for (int i = 0; i < 20000; i++) {
		if (i < 256) {
			memset(sk, 0, sizeof sk);
			if (i < 32) {
				memset(sk, i & 1 ? 0xff : 0, sizeof sk);
				sk[i] = (uint8_t)i;
			} else if (i < 64) {
				/* multiples of L (clamping keeps bit 254 and the low 3 bits off) */
				unsigned c = 0, m = (unsigned)(i - 32) * 8u;
				for (int j = 0; j < 32; j++) {
					c += L[j] * m;
					sk[j] = (uint8_t)c;
					c >>= 8;
				}
			} else {
				sk[0] = (uint8_t)(8 * i);
				sk[31] = 0x40;
			}
		} else {
			randombytes_buf(sk, sizeof sk);
		}
		int ra = hfi_x25519_base(a, sk);
		int rb = crypto_scalarmult_base(b, sk);
		assert_int_equal(ra, rb);
		if (rb == 0)
			assert_memory_equal(a, b, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hpke_rfc9180_vectors), cmocka_unit_test(test_hpke_single_shot),
	    cmocka_unit_test(test_hpke_tamper),          cmocka_unit_test(test_hpke_small_order),
	    cmocka_unit_test(test_hpke_misuse),          cmocka_unit_test(test_hpke_seq_exhaustion),
	    cmocka_unit_test(test_x25519_base_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
