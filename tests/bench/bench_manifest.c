/*
 * bench_manifest: the manifest operations a node runs per message and per
 * update, on a federation of HF_MAX_MEMBERS (1024) members, each with one
 * signing and one encryption key, one endpoint and one TLS fingerprint.
 *
 *   lookup: hf_manifest_check_sign_key (binary search over the key id index
 *           + validity window) vs a linear scan of an array of
 *           (key id, window) rows with memcmp: what a naive lookup costs.
 *   decode: hf_manifest_decode (strict canonical parse, key validation,
 *           index build) vs msgpack-c msgpack_unpack_next on the same bytes
 *           (object tree only, no validation).
 *   verify_roots: hf_manifest_verify_roots (K = 2 of 3: key id match +
 *           Ed25519) vs two raw crypto_sign_verify_detached calls over the
 *           same 55-byte input.
 *   verify: hf_manifest_verify (the signatures, then every member key's
 *           curve checks) vs raw libsodium doing the same: two verifications
 *           and crypto_core_ed25519_is_valid_point on the 1024 signing keys.
 * All figures are ops/s (higher is better); ratio = ours / baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "hf_test.h"
#include "hashfed/manifest.h"
#include "manifest_internal.h"

#define N  HF_MAX_MEMBERS
#define T0 1790000000000ULL

typedef struct row {
	hf_key_id keyid;
	uint64_t nb, na, rv;
} row;

static void line(const char *name, double ours, const char *base, double bv)
{
	printf("{\"bench\": \"%s\", \"unit\": \"ops/s\", \"ours\": %.0f, \"baseline\": \"%s\", "
	       "\"baseline_value\": %.0f, \"ratio\": %.3f}\n",
	       name, ours, base, bv, ours / bv);
}

int main(void)
{
	hf_test_rng tr;
	hf_rng rng = {hf_test_rng_bytes, &tr};
	hf_identity *roots[3], *id;
	uint8_t pks[3][32];
	hf_fed_id fed = {{7}};
	hf_key_id *keyids;
	hf_manifest *m, *d;
	row *rows;
	uint8_t *enc;
	size_t len;
	double t, ours, base;
	volatile size_t sink = 0;
	const char *ep[] = {"tls+tcp://node.example:7400"};
	if (sodium_init() < 0)
		return 1;
	hf_test_rng_init(&tr, 1);
	for (int i = 0; i < 3; i++) {
		if (hf_identity_generate(&roots[i], &rng) != HF_OK)
			return 1;
		memcpy(pks[i], hf_identity_sign_pk(roots[i]), 32);
	}
	if (hf_manifest_new(&fed, "bench", 1, (const uint8_t(*)[32])pks, 3, 2, &m) != HF_OK)
		return 1;
	keyids = calloc(N, sizeof(*keyids));
	rows = calloc(N, sizeof(*rows));
	for (uint32_t i = 0; i < N; i++) {
		uint8_t mid[16] = {0}, fp[1][32] = {{0}};
		memcpy(mid, &i, sizeof(i));
		memcpy(fp[0], &i, sizeof(i));
		fp[0][31] = 1;
		if (hf_identity_generate(&id, &rng) != HF_OK ||
		    hf_manifest_add_member(m, mid, "member", HF_ROLE_PLATFORM) != HF_OK ||
		    hf_manifest_add_key(m, mid, HF_KEY_SIGN, hf_identity_sign_pk(id), T0,
		                        HF_TIME_NEVER) != HF_OK ||
		    hf_manifest_add_key(m, mid, HF_KEY_ENC, hf_identity_enc_pk(id), T0,
		                        HF_TIME_NEVER) != HF_OK ||
		    hf_manifest_set_endpoints(m, mid, ep, 1) != HF_OK ||
		    hf_manifest_set_tls_fps(m, mid, (const uint8_t(*)[32])fp, 1) != HF_OK)
			return 1;
		keyids[i] = *hf_identity_sign_keyid(id);
		rows[i].keyid = keyids[i];
		rows[i].nb = T0;
		rows[i].na = rows[i].rv = HF_TIME_NEVER;
		hf_identity_free(id);
	}
	if (hf_manifest_sign(m, roots[0]) != HF_OK || hf_manifest_sign(m, roots[2]) != HF_OK ||
	    hf_manifest_encode(m, &enc, &len) != HF_OK)
		return 1;

	/* lookup */
	{
		const long iters = 2000000;
		uint8_t pk[32];
		t = hf_test_now();
		for (long i = 0; i < iters; i++)
			sink += hf_manifest_check_sign_key(m, &keyids[(i * 7919) % N], T0 + 5, NULL,
			                                   pk) == HF_OK;
		ours = (double)iters / (hf_test_now() - t);
		const long biters = 50000;
		t = hf_test_now();
		for (long i = 0; i < biters; i++) {
			const hf_key_id *k = &keyids[(i * 7919) % N];
			for (size_t j = 0; j < N; j++) {
				if (memcmp(rows[j].keyid.b, k->b, sizeof k->b) == 0) {
					sink += T0 + 5 >= rows[j].nb && T0 + 5 < rows[j].na &&
					        T0 + 5 < rows[j].rv;
					break;
				}
			}
		}
		base = (double)biters / (hf_test_now() - t);
		line("manifest_check_sign_key_1024_members", ours, "linear_scan_memcmp", base);
	}
	/* decode */
	{
		const int iters = 30;
		t = hf_test_now();
		for (int i = 0; i < iters; i++) {
			if (hf_manifest_decode(enc, len, &d) != HF_OK)
				return 1;
			sink += hf_manifest_n_members(d);
			hf_manifest_free(d);
		}
		ours = iters / (hf_test_now() - t);
		t = hf_test_now();
		for (int i = 0; i < iters * 10; i++) {
			msgpack_unpacked u;
			size_t off = 0;
			msgpack_unpacked_init(&u);
			if (msgpack_unpack_next(&u, (const char *)enc, len, &off) !=
			    MSGPACK_UNPACK_SUCCESS)
				return 1;
			sink += off;
			msgpack_unpacked_destroy(&u);
		}
		base = iters * 10 / (hf_test_now() - t);
		line("manifest_decode_1024_members", ours, "msgpack_c_unpack_no_validation", base);
	}
	/* verify */
	{
		const int iters = 2000;
		uint8_t in[HF_MANIFEST_SIG_INPUT_LEN], s1[64], s2[64];
		hf_key_id kid;
		memcpy(in, HF_MANIFEST_SIG_DOMAIN, sizeof(HF_MANIFEST_SIG_DOMAIN) - 1);
		if (hf_manifest_digest(m, in + sizeof(HF_MANIFEST_SIG_DOMAIN) - 1) != HF_OK ||
		    hf_manifest_signature(m, 0, &kid, s1) != HF_OK ||
		    hf_manifest_signature(m, 1, &kid, s2) != HF_OK)
			return 1;
		t = hf_test_now();
		for (int i = 0; i < iters; i++)
			sink += hf_manifest_verify_roots(m, (const uint8_t(*)[32])pks, 3, 2,
			                                 NULL) == HF_OK;
		ours = iters / (hf_test_now() - t);
		t = hf_test_now();
		for (int i = 0; i < iters; i++)
			sink += crypto_sign_verify_detached(s1, in, sizeof(in), pks[0]) == 0 &&
			        crypto_sign_verify_detached(s2, in, sizeof(in), pks[2]) == 0;
		base = iters / (hf_test_now() - t);
		line("manifest_verify_roots_2_of_3", ours, "libsodium_2x_verify_detached", base);
		const int fiters = 10;
		t = hf_test_now();
		for (int i = 0; i < fiters; i++)
			sink += hf_manifest_verify(m) == HF_OK;
		ours = fiters / (hf_test_now() - t);
		t = hf_test_now();
		for (int i = 0; i < fiters; i++) {
			sink += crypto_sign_verify_detached(s1, in, sizeof(in), pks[0]) == 0 &&
			        crypto_sign_verify_detached(s2, in, sizeof(in), pks[2]) == 0;
			for (size_t j = 0; j < hf_manifest_n_members(m); j++)
				sink += (size_t)crypto_core_ed25519_is_valid_point(
				    hf_member_key_at(hf_manifest_member_at(m, j), HF_KEY_SIGN, 0)
				        ->pk);
		}
		base = fiters / (hf_test_now() - t);
		line("manifest_verify_full_1024_members", ours,
		     "libsodium_2x_verify_1024x_valid_point", base);
	}
	if (sink == 0)
		return 1;
	free(enc);
	free(keyids);
	free(rows);
	hf_manifest_free(m);
	for (int i = 0; i < 3; i++)
		hf_identity_free(roots[i]);
	return 0;
}
