/*
 * Fuzz target: sealed envelope decode, verify and open.
 * Targets hf_envelope_peek, hf_envelope_verify and hf_envelope_open
 * (protocol/src/envelope.c) with fixed identities: the seeds (from
 * hf-vectors --seeds) are envelopes sealed by the vectors' sender to r1..r3,
 * so mutations reach the signature, unwrap and decrypt steps.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/envelope.h"
#include "hashfed/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hf_identity *g_ids[4];

/* The identities of spec/vectors/envelope.json: test RNG seeds 1..4 (spec §7). */
static void init_ids(void)
{
	for (uint32_t i = 0; i < 4; i++) {
		uint8_t sec[64];
		uint8_t key[32] = {0}, nonce[8] = {0};
		key[0] = (uint8_t)(i + 1);
		crypto_stream_chacha20(sec, 32, nonce, key);
		nonce[0] = 1;
		crypto_stream_chacha20(sec + 32, 32, nonce, key);
		if (hf_identity_from_secrets(sec, sec + 32, &g_ids[i]) != HF_OK)
			abort();
	}
}

static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)ctx;
	for (int i = 0; i < 4; i++) {
		if (hf_key_id_eq(hf_identity_sign_keyid(g_ids[i]), &h->sender)) {
			memcpy(pk, hf_identity_sign_pk(g_ids[i]), HF_SIGN_PK_LEN);
			return HF_OK;
		}
	}
	return HF_EUNKNOWNSENDER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hf_envelope_header h;
	if (g_ids[0] == NULL) {
		if (sodium_init() < 0)
			abort();
		init_ids();
	}
	/* Results are not checked: any code is fine, a crash is not. */
	hf_err rc = hf_envelope_peek(data, size, &h);
	rc = hf_envelope_verify(data, size, lookup, NULL, &h);
	(void)rc;
	for (int r = 1; r < 4; r++) {
		hf_open_params op = {g_ids[r], lookup, NULL, 1790000000000ULL, NULL};
		hf_opened *o = NULL;
		if (hf_envelope_open(data, size, &op, &o) == HF_OK) {
			size_t n;
			const uint8_t *b = hf_opened_body(o, &n);
			if (n && b == NULL)
				abort();
		}
		hf_opened_free(o);
	}
	return 0;
}
