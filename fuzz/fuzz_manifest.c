/*
 * Fuzz target: membership manifest decode + verify (spec §11).
 * Targets hf_manifest_decode (protocol/src/manifest_codec.c),
 * hf_manifest_encode (asserting the canonical round trip: whatever decodes
 * re-encodes to the same bytes), hf_manifest_verify, hf_manifest_accept
 * against a held manifest, and the lookups (protocol/src/manifest.c).
 * The held manifest's roots are the deterministic identities below, so
 * seeds signed by them (fuzz/corpus/manifest/signed-*) reach the signature
 * counting; the others are manifests made by hashfed-keys.
 *
 * Seeds: build with -DHF_FUZZ_MAKE_SEEDS and run `fuzz_manifest DIR` to
 * write the signed-* seeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hf_identity *g_ids[5]; /* 0..2 roots, 3..4 members */
static hf_manifest *g_held;
static const hf_fed_id g_fed = {{0xfe, 0xd0}};

static void init(void)
{
	uint8_t pks[3][HF_SIGN_PK_LEN];
	if (g_held != NULL)
		return;
	if (sodium_init() < 0)
		abort();
	for (uint32_t i = 0; i < 5; i++) {
		uint8_t sec[64];
		uint8_t key[32] = {0}, nonce[8] = {0};
		key[0] = (uint8_t)(i + 1);
		crypto_stream_chacha20(sec, sizeof(sec), nonce, key);
		if (hf_identity_from_secrets(sec, sec + 32, &g_ids[i]) != HF_OK)
			abort();
	}
	for (int i = 0; i < 3; i++)
		memcpy(pks[i], hf_identity_sign_pk(g_ids[i]), HF_SIGN_PK_LEN);
	if (hf_manifest_new(&g_fed, "held", 1, (const uint8_t(*)[HF_SIGN_PK_LEN])pks, 3, 2,
	                    &g_held) != HF_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_manifest *m = NULL;
	uint8_t *enc = NULL;
	size_t n = 0;
	init();
	if (hf_manifest_decode(data, size, &m) != HF_OK)
		return 0;
	if (hf_manifest_encode(m, &enc, &n) != HF_OK || n != size || memcmp(enc, data, n) != 0)
		abort(); /* canonical form: one encoding per manifest */
	free(enc);
	(void)!hf_manifest_verify(m);
	(void)!hf_manifest_accept(g_held, m);
	for (size_t i = 0; i < hf_manifest_n_members(m); i++) {
		const hf_member *mb = hf_manifest_member_at(m, i), *f;
		const hf_member_key *k;
		for (size_t j = 0; j < hf_member_n_keys(mb, HF_KEY_SIGN); j++) {
			k = hf_member_key_at(mb, HF_KEY_SIGN, j);
			if (hf_manifest_find_sign_key(m, &k->keyid, &f, NULL) != HF_OK || f != mb)
				abort();
			(void)!hf_manifest_check_sign_key(m, &k->keyid, k->not_before_ms, NULL,
			                                  NULL);
		}
		for (size_t j = 0; j < hf_member_n_keys(mb, HF_KEY_ENC); j++) {
			k = hf_member_key_at(mb, HF_KEY_ENC, j);
			if (hf_manifest_find_enc_key(m, &k->keyid, &f, NULL) != HF_OK || f != mb)
				abort();
		}
		if (hf_manifest_find_member(m, hf_member_id(mb), &f) != HF_OK || f != mb)
			abort();
		(void)!hf_manifest_allows(m, mb, HF_ROLE_PLATFORM, 1);
	}
	hf_manifest_free(m);
	return 0;
}

#ifdef HF_FUZZ_MAKE_SEEDS
static void put(const char *dir, const char *name, const hf_manifest *m)
{
	char p[512];
	uint8_t *b;
	size_t n;
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (hf_manifest_encode(m, &b, &n) != HF_OK || (f = fopen(p, "wb")) == NULL)
		abort();
	fwrite(b, 1, n, f);
	fclose(f);
	free(b);
}

int main(int argc, char **argv)
{
	hf_manifest *m;
	uint8_t id[16] = {1};
	const char *eps[] = {"tls+tcp://node.example:7000"};
	uint8_t fp[1][32] = {{9}};
	if (argc != 2)
		return 2;
	init();
	if (hf_manifest_clone(g_held, &m) != HF_OK || hf_manifest_set_epoch(m, 2) != HF_OK)
		abort();
	for (int i = 3; i < 5; i++) {
		id[1] = (uint8_t)i;
		if (hf_manifest_add_member(m, id, i == 3 ? "authority" : "platform",
		                           i == 3 ? HF_ROLE_AUTHORITY : HF_ROLE_PLATFORM) !=
		        HF_OK ||
		    hf_manifest_add_key(m, id, HF_KEY_SIGN, hf_identity_sign_pk(g_ids[i]), 1000,
		                        HF_TIME_NEVER) != HF_OK ||
		    hf_manifest_add_key(m, id, HF_KEY_ENC, hf_identity_enc_pk(g_ids[i]), 1000,
		                        5000000) != HF_OK ||
		    hf_manifest_set_endpoints(m, id, eps, 1) != HF_OK)
			abort();
	}
	fp[0][1] = 1;
	if (hf_manifest_set_tls_fps(m, id, (const uint8_t(*)[32])fp, 1) != HF_OK ||
	    hf_manifest_revoke_key(m, hf_identity_sign_keyid(g_ids[4]), 2000) != HF_OK)
		abort();
	put(argv[1], "signed-0", m);
	if (hf_manifest_sign(m, g_ids[0]) != HF_OK)
		abort();
	put(argv[1], "signed-1", m);
	if (hf_manifest_sign(m, g_ids[2]) != HF_OK || hf_manifest_sign(m, g_ids[3]) != HF_OK)
		abort();
	put(argv[1], "signed-2-plus-unknown", m);
	hf_manifest_free(m);
	return 0;
}
#endif
