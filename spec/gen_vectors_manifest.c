/*
 * hf-vectors: the membership manifest of spec §11.9 as a JSON vector, with
 * every decoded field, and rejects that break one rule each. A reject's
 * error is the first failure of hf_manifest_decode, then hf_manifest_verify
 * (signatures against its own roots, then member key points: §11.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_vectors.h"
#include "hf_test.h"
#include "hashfed/manifest.h"
#include "mp.h"

#define T0  NOW
#define DAY 86400000ULL

static hf_identity *rng_identity(uint32_t seed_n)
{
	hf_test_rng tr;
	hf_rng rng = {hf_test_rng_bytes, &tr};
	hf_identity *id = NULL;
	hf_test_rng_init(&tr, seed_n);
	if (hf_identity_generate(&id, &rng) != HF_OK)
		abort();
	return id;
}

#define CK(x)                                                                                      \
	do {                                                                                       \
		if ((x) != HF_OK)                                                                  \
			abort();                                                                   \
	} while (0)

static hf_identity *g_roots[3];

/* The manifest of spec §11.9 (same construction as tests/unit/test_manifest.c). */
static hf_manifest *spec_manifest(void)
{
	hf_identity *a = rng_identity(201), *p = rng_identity(202);
	uint8_t pks[3][32], id1[16], id2[16], fp1[1][32], fp2[1][32];
	hf_fed_id fed;
	const char *ep1[] = {"tls+tcp://authority-1.example:7400"};
	const char *ep2[] = {"tls+tcp://[2001:db8::2]:7400", "tls+tcp://192.0.2.2:7400"};
	hf_manifest *m = NULL;
	for (int i = 0; i < 3; i++)
		memcpy(pks[i], hf_identity_sign_pk(g_roots[i]), 32);
	for (int i = 0; i < (int)sizeof fed.b; i++) {
		fed.b[i] = (uint8_t)i;
		id1[i] = 0x11;
		id2[i] = 0x22;
	}
	memset(fp1, 0xaa, sizeof(fp1));
	memset(fp2, 0xbb, sizeof(fp2));
	CK(hf_manifest_new(&fed, "vector federation", 3, (const uint8_t(*)[32])pks, 3, 2, &m));
	CK(hf_manifest_add_member(m, id2, "platform-1", HF_ROLE_PLATFORM));
	CK(hf_manifest_add_member(m, id1, "authority-1", HF_ROLE_AUTHORITY | HF_ROLE_WITNESS));
	CK(hf_manifest_add_key(m, id1, HF_KEY_SIGN, hf_identity_sign_pk(a), T0, HF_TIME_NEVER));
	CK(hf_manifest_add_key(m, id1, HF_KEY_ENC, hf_identity_enc_pk(a), T0, HF_TIME_NEVER));
	CK(hf_manifest_add_key(m, id2, HF_KEY_SIGN, hf_identity_sign_pk(p), T0, T0 + 365 * DAY));
	CK(hf_manifest_add_key(m, id2, HF_KEY_ENC, hf_identity_enc_pk(p), T0, T0 + 365 * DAY));
	CK(hf_manifest_revoke_key(m, hf_identity_sign_keyid(p), T0 + DAY));
	CK(hf_manifest_set_endpoints(m, id1, ep1, 1));
	CK(hf_manifest_set_endpoints(m, id2, ep2, 2));
	CK(hf_manifest_set_tls_fps(m, id1, (const uint8_t(*)[32])fp1, 1));
	CK(hf_manifest_set_tls_fps(m, id2, (const uint8_t(*)[32])fp2, 1));
	CK(hf_manifest_sign(m, g_roots[0]));
	CK(hf_manifest_sign(m, g_roots[2]));
	hf_identity_free(a);
	hf_identity_free(p);
	return m;
}

static hf_err dec_manifest(const uint8_t *b, size_t n)
{
	hf_manifest *m = NULL;
	hf_err rc = hf_manifest_decode(b, n, &m);
	if (rc == HF_OK)
		rc = hf_manifest_verify(m);
	hf_manifest_free(m);
	return rc;
}

static void put_keys(sbuf *s, const hf_member *mb, hf_key_kind kind)
{
	sb_put(s, "\"%s\": [", kind == HF_KEY_SIGN ? "sign_keys" : "enc_keys");
	for (size_t i = 0; i < hf_member_n_keys(mb, kind); i++) {
		const hf_member_key *k = hf_member_key_at(mb, kind, i);
		sb_put(s, "%s{\"pk\": ", i ? ", " : "");
		sb_hex(s, k->pk, 32);
		sb_put(s, ", \"keyid\": ");
		sb_hex(s, k->keyid.b, HF_KEYID_LEN);
		sb_put(s, ", \"not_before\": %llu", (unsigned long long)k->not_before_ms);
		if (k->not_after_ms != HF_TIME_NEVER)
			sb_put(s, ", \"not_after\": %llu", (unsigned long long)k->not_after_ms);
		if (k->revoked_at_ms != HF_TIME_NEVER)
			sb_put(s, ", \"revoked_at\": %llu", (unsigned long long)k->revoked_at_ms);
		sb_put(s, "}");
	}
	sb_put(s, "]");
}

static void put_fields(sbuf *s, const hf_manifest *m)
{
	uint8_t d[32], sig[HF_SIG_LEN];
	hf_key_id kid;
	const char *name = hf_manifest_name(m);
	CK(hf_manifest_digest(m, d));
	sb_put(s, ",\n     \"digest\": ");
	sb_hex(s, d, 32);
	sb_put(s, ",\n     \"fields\": {\n      \"version\": 1, \"federation\": ");
	sb_hex(s, hf_manifest_federation(m)->b, HF_FEDID_LEN);
	sb_put(s, ", \"name\": ");
	sb_str(s, name, strlen(name));
	sb_put(s, ", \"epoch\": %llu, \"threshold\": %u,\n      \"roots\": [",
	       (unsigned long long)hf_manifest_epoch(m), hf_manifest_threshold(m));
	for (size_t i = 0; i < hf_manifest_n_roots(m); i++) {
		sb_put(s, "%s", i ? ", " : "");
		sb_hex(s, hf_manifest_root(m, i), 32);
	}
	sb_put(s, "],\n      \"members\": [\n");
	for (size_t i = 0; i < hf_manifest_n_members(m); i++) {
		const hf_member *mb = hf_manifest_member_at(m, i);
		const char *mn = hf_member_name(mb);
		sb_put(s, "        {\"id\": ");
		sb_hex(s, hf_member_id(mb), HF_MEMBER_ID_LEN);
		sb_put(s, ", \"name\": ");
		sb_str(s, mn, strlen(mn));
		sb_put(s, ", \"roles\": %u,\n         ", hf_member_roles(mb));
		put_keys(s, mb, HF_KEY_SIGN);
		sb_put(s, ",\n         ");
		put_keys(s, mb, HF_KEY_ENC);
		sb_put(s, ",\n         \"endpoints\": [");
		for (size_t k = 0; k < hf_member_n_endpoints(mb); k++) {
			const char *ep = hf_member_endpoint(mb, k);
			sb_put(s, "%s", k ? ", " : "");
			sb_str(s, ep, strlen(ep));
		}
		sb_put(s, "], \"tls_fps\": [");
		for (size_t k = 0; k < hf_member_n_tls_fps(mb); k++) {
			sb_put(s, "%s", k ? ", " : "");
			sb_hex(s, hf_member_tls_fp(mb, k), HF_TLS_FP_LEN);
		}
		sb_put(s, "]}%s\n", i + 1 < hf_manifest_n_members(m) ? "," : "");
	}
	sb_put(s, "      ],\n      \"signatures\": [");
	for (size_t i = 0; i < hf_manifest_n_signatures(m); i++) {
		CK(hf_manifest_signature(m, i, &kid, sig));
		sb_put(s, "%s\n        {\"keyid\": ", i ? "," : "");
		sb_hex(s, kid.b, sizeof kid.b);
		sb_put(s, ", \"sig\": ");
		sb_hex(s, sig, HF_SIG_LEN);
		sb_put(s, "}");
	}
	sb_put(s, "]}}");
}

/* Splits a msgpack array (fixarray) into element spans. */
static size_t split_array(const uint8_t *b, size_t n, size_t off[8], size_t len[8])
{
	size_t count = b[0] & 0x0fu, at = 1;
	if (b[0] < 0x90 || b[0] > 0x9f || count > 8)
		abort();
	for (size_t i = 0; i < count; i++) {
		off[i] = at;
		len[i] = mp_skip(b + at, n - at);
		at += len[i];
	}
	return count;
}

/* Re-encodes the body field of `outer` after `edit` on the body map `bm`. */
#define BODY(...)                                                                                  \
	do {                                                                                       \
		mm_map bm;                                                                         \
		uint8_t *bb;                                                                       \
		size_t bn;                                                                         \
		mm_split(&bm, m.f[0].val, m.f[0].val_len);                                         \
		__VA_ARGS__;                                                                       \
		mm_join(&bm, &bb, &bn);                                                            \
		mm_set_raw(&m, 1, bb, bn);                                                         \
		mm_free(&bm);                                                                      \
		free(bb);                                                                          \
	} while (0)

/* Edits member i (0-based, in id order) of the body map *bmp as `mm`. */
#define MEMBER(bmp, i, ...)                                                                        \
	do {                                                                                       \
		const mm_field *mf = &(bmp)->f[mm_find((bmp), 7)];                                 \
		size_t eo[8], el[8], cnt = split_array(mf->val, mf->val_len, eo, el);              \
		mm_map mm;                                                                         \
		uint8_t *mb, *arr;                                                                 \
		size_t mbn, an = 0;                                                                \
		mm_split(&mm, mf->val + eo[i], el[i]);                                             \
		__VA_ARGS__;                                                                       \
		mm_join(&mm, &mb, &mbn);                                                           \
		arr = malloc(mf->val_len + mbn);                                                   \
		arr[an++] = mf->val[0];                                                            \
		for (size_t k = 0; k < cnt; k++) {                                                 \
			const uint8_t *src = k == (i) ? mb : mf->val + eo[k];                      \
			size_t sl = k == (i) ? mbn : el[k];                                        \
			memcpy(arr + an, src, sl);                                                 \
			an += sl;                                                                  \
		}                                                                                  \
		mm_set_raw((bmp), 7, arr, an);                                                     \
		mm_free(&mm);                                                                      \
		free(mb);                                                                          \
		free(arr);                                                                         \
	} while (0)

/* Body edited, then re-signed by roots 1 and 3 so only the edit can fail. */
static void resigned(sbuf *s, int *first, const char *name, hf_err want, const uint8_t *outer,
                     size_t n, void (*edit)(mm_map *body))
{
	mm_map m, bm;
	uint8_t *bb, *ob, *enc;
	size_t bn, on, en;
	hf_manifest *x = NULL;
	mm_split(&m, outer, n);
	mm_split(&bm, m.f[0].val, m.f[0].val_len);
	edit(&bm);
	mm_join(&bm, &bb, &bn);
	mm_set_raw(&m, 1, bb, bn);
	mm_set_raw(&m, 2, "\x90", 1);
	mm_join(&m, &ob, &on);
	CK(hf_manifest_decode(ob, on, &x));
	CK(hf_manifest_sign(x, g_roots[0]));
	CK(hf_manifest_sign(x, g_roots[2]));
	CK(hf_manifest_encode(x, &enc, &en));
	reject(s, first, name, HF_MSG_MANIFEST, want, dec_manifest, enc, en);
	hf_manifest_free(x);
	mm_free(&bm);
	mm_free(&m);
	free(bb);
	free(ob);
	free(enc);
}

/* Replaces the first signing key of member 0 (authority-1) by the identity point. */
static void edit_bad_point(mm_map *bm)
{
	MEMBER(bm, 0, {
		const mm_field *kf = &mm.f[mm_find(&mm, 4)];
		uint8_t *k = malloc(kf->val_len);
		memcpy(k, kf->val, kf->val_len);
		/* [ {1: bin32 pk, ...} ]: 0x91 0x8N 0x01 0xc4 0x20 pk */
		memset(k + 5, 0, 32);
		k[5] = 1;
		mm_set_raw(&mm, 4, k, kf->val_len);
		free(k);
	});
}

void gen_manifest(sbuf *s)
{
	uint8_t *b, raw[8] = {0};
	size_t n;
	int first = 1;
	const unsigned T = HF_MSG_MANIFEST;
	for (int i = 0; i < 3; i++)
		g_roots[i] = rng_identity((uint32_t)(101 + i));
	hf_manifest *man = spec_manifest();
	CK(hf_manifest_encode(man, &b, &n));
	sb_put(s, "{\n  \"about\": \"membership manifest (spec 11, envelope type 2): the vector of "
	          "11.9 with every field (times in unix ms; not_after / revoked_at absent = never; "
	          "keyid derived, never sent) and its digest D (11.3). rejects: one broken rule "
	          "each; error is the first failure of decode, then verify against its own roots "
	          "(11.4 steps 4 and 5).\",\n  \"vectors\": [\n");
	sb_put(s, "    {\"name\": \"spec-11.9\", \"type\": %u, \"hex\": ", T);
	sb_hex(s, b, n);
	put_fields(s, man);
	seed("manifest", "vec-spec-11.9.bin", b, n);
	sb_put(s, "\n  ],\n  \"rejects\": [\n");

	REJ("manifest-version-2", T, HF_EVERSION, dec_manifest, b, n, BODY(mm_set_uint(&bm, 1, 2)));
	REJ("manifest-epoch-0", T, HF_ERANGE, dec_manifest, b, n, BODY(mm_set_uint(&bm, 4, 0)));
	REJ("manifest-epoch-as-uint8", T, HF_ENONCANON, dec_manifest, b, n,
	    BODY((raw[0] = 0xcc, raw[1] = 3, mm_set_raw(&bm, 4, raw, 2))));
	REJ("manifest-threshold-above-roots", T, HF_ERANGE, dec_manifest, b, n,
	    BODY(mm_set_uint(&bm, 5, 4)));
	REJ("manifest-body-keys-out-of-order", T, HF_EKEYORDER, dec_manifest, b, n,
	    BODY(mm_swap(&bm, 2, 3)));
	REJ("manifest-body-unknown-key-8", T, HF_EUNKNOWNKEY, dec_manifest, b, n,
	    BODY(mm_insert(&bm, MM_END, 8, "\x00", 1)));
	REJ("manifest-body-missing-threshold", T, HF_EMISSING, dec_manifest, b, n,
	    BODY(mm_drop(&bm, 5)));
	REJ("manifest-missing-signatures", T, HF_EMISSING, dec_manifest, b, n, mm_drop(&m, 2));
	REJ("manifest-federation-15-bytes", T, HF_ELENGTH, dec_manifest, b, n,
	    BODY(mm_set_bin(&bm, 2, hf_manifest_federation(man)->b, 15)));
	{
		/* 17 distinct valid roots (test-RNG seeds 101..117) as array16 */
		hf_writer w;
		hfi_mp_enc e;
		hf_writer_init(&w, 4096);
		hfi_mp_enc_init(&e, &w);
		hfi_mp_put_array(&e, HF_MAX_ROOTS + 1);
		for (uint32_t i = 0; i < HF_MAX_ROOTS + 1; i++) {
			hf_identity *r = rng_identity(101 + i);
			hfi_mp_put_bin(&e, hf_identity_sign_pk(r), 32);
			hf_identity_free(r);
		}
		CK(hfi_mp_enc_status(&e));
		REJ("manifest-17-roots", T, HF_ETOOLONG, dec_manifest, b, n,
		    BODY(mm_set_raw(&bm, 6, w.p, w.len)));
		hf_writer_free(&w);
	}
	{
		uint8_t roots[3][32];
		memcpy(roots[0], hf_manifest_root(man, 0), 32);
		memcpy(roots[1], hf_manifest_root(man, 0), 32);
		memcpy(roots[2], hf_manifest_root(man, 2), 32);
		hf_writer w;
		hfi_mp_enc e;
		hf_writer_init(&w, 4096);
		hfi_mp_enc_init(&e, &w);
		hfi_mp_put_array(&e, 3);
		for (int i = 0; i < 3; i++)
			hfi_mp_put_bin(&e, roots[i], 32);
		CK(hfi_mp_enc_status(&e));
		REJ("manifest-roots-duplicate", T, HF_EDUPLICATE, dec_manifest, b, n,
		    BODY(mm_set_raw(&bm, 6, w.p, w.len)));
		/* the identity point (01 00..00): small order, not a valid key (§4) */
		memset(w.p + 1 + 2 + 34, 0, 32);
		w.p[1 + 2 + 34] = 1;
		REJ("manifest-root-small-order", T, HF_EBADKEY, dec_manifest, b, n,
		    BODY(mm_set_raw(&bm, 6, w.p, w.len)));
		hf_writer_free(&w);
	}
	REJ("manifest-members-unsorted", T, HF_ENONCANON, dec_manifest, b, n, BODY({
		    const mm_field *mf = &bm.f[mm_find(&bm, 7)];
		    size_t eo[8], el[8];
		    split_array(mf->val, mf->val_len, eo, el);
		    uint8_t *arr = malloc(mf->val_len);
		    arr[0] = mf->val[0];
		    memcpy(arr + 1, mf->val + eo[1], el[1]);
		    memcpy(arr + 1 + el[1], mf->val + eo[0], el[0]);
		    mm_set_raw(&bm, 7, arr, mf->val_len);
		    free(arr);
	    }));
	REJ("manifest-member-role-bit-4", T, HF_ERANGE, dec_manifest, b, n,
	    BODY(MEMBER(&bm, 0, mm_set_uint(&mm, 3, 0x19))));
	REJ("manifest-member-endpoint-not-tls", T, HF_EPARSE, dec_manifest, b, n,
	    BODY(MEMBER(&bm, 0, {
		    const char ep[] = "tcp://authority-1.example:7400";
		    uint8_t a[64] = {0x91};
		    a[1] = (uint8_t)(0xa0 | (sizeof(ep) - 1));
		    memcpy(a + 2, ep, sizeof(ep) - 1);
		    mm_set_raw(&mm, 6, a, sizeof(ep) + 1);
	    })));
	REJ("manifest-member-name-as-bin", T, HF_ETYPE, dec_manifest, b, n,
	    BODY(MEMBER(&bm, 1, mm_set_bin(&mm, 2, "platform-1", 10))));
	{
		hf_key_id kid;
		uint8_t sig[HF_SIG_LEN];
		hf_writer w;
		hfi_mp_enc e;
		CK(hf_manifest_signature(man, 0, &kid, sig));
		hf_writer_init(&w, 4096);
		hfi_mp_enc_init(&e, &w);
		hfi_mp_put_array(&e, 1);
		hfi_mp_put_map(&e, 2);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_bin(&e, kid.b, sizeof kid.b);
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_bin(&e, sig, 63);
		CK(hfi_mp_enc_status(&e));
		REJ("manifest-signature-63-bytes", T, HF_ELENGTH, dec_manifest, b, n,
		    mm_set_raw(&m, 2, w.p, w.len));
		/* one valid signature of K = 2 */
		w.len = 0;
		hfi_mp_enc_init(&e, &w);
		hfi_mp_put_array(&e, 1);
		hfi_mp_put_map(&e, 2);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_bin(&e, kid.b, sizeof kid.b);
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_bin(&e, sig, sizeof(sig));
		CK(hfi_mp_enc_status(&e));
		REJ("verify-one-signature-of-2", T, HF_ETHRESHOLD, dec_manifest, b, n,
		    mm_set_raw(&m, 2, w.p, w.len));
		hf_writer_free(&w);
	}
	{
		/* the last byte of the input is the last byte of the second signature */
		uint8_t *c = malloc(n);
		memcpy(c, b, n);
		c[n - 1] ^= 1;
		reject(s, &first, "verify-signature-flipped", T, HF_ETHRESHOLD, dec_manifest, c, n);
		free(c);
	}
	resigned(s, &first, "verify-member-key-small-order", HF_EBADKEY, b, n, edit_bad_point);
	raw_rejects(s, &first, "manifest", T, dec_manifest, b, n);
	sb_put(s, "\n  ]\n}\n");
	hf_manifest_free(man);
	free(b);
	for (int i = 0; i < 3; i++)
		hf_identity_free(g_roots[i]);
}
