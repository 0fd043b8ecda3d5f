/* Node identities: Ed25519 signing + X25519 encryption key pairs, key ids,
 * and public-key validation (spec §4). */
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/identity.h"

#include "crypto_internal.h"
#include "identity_internal.h"
#include "hf_check.h"

/* The whole identity lives in one sodium_malloc block (guard pages, wiped by
 * sodium_free); identities are few and long-lived, so the cost is fine. */
struct hf_identity {
	uint8_t sign_seed[HF_SIGN_SEED_LEN];
	uint8_t sign_sk[HF_SIGN_SK_LEN];
	uint8_t enc_sk[HF_ENC_SK_LEN];
	uint8_t sign_pk[HF_SIGN_PK_LEN];
	uint8_t enc_pk[HF_ENC_PK_LEN];
	hf_key_id sign_keyid;
	hf_key_id enc_keyid;
};

/* spec §4.2: the 16 ASCII bytes of the key-id domain, no terminator. */
static const uint8_t keyid_domain[] = {'h', 'a', 's', 'h', 'f', 'e', 'd', '/',
                                       'v', '1', '/', 'k', 'e', 'y', 'i', 'd'};

static void keyid(uint8_t alg, const uint8_t pk[32], hf_key_id *id)
{
	crypto_generichash_state st;
	uint8_t h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, keyid_domain, sizeof keyid_domain);
	crypto_generichash_update(&st, &alg, 1);
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(id->b, h, sizeof id->b);
}

void hf_keyid_sign(const uint8_t pk[static HF_SIGN_PK_LEN], hf_key_id *id)
{
	keyid(HF_KEYID_ALG_SIGN, pk, id);
}

void hf_keyid_enc(const uint8_t pk[static HF_ENC_PK_LEN], hf_key_id *id)
{
	keyid(HF_KEYID_ALG_ENC, pk, id);
}

hf_err hf_identity_from_secrets(const uint8_t sign_seed[static HF_SIGN_SEED_LEN],
                                const uint8_t enc_sk[static HF_ENC_SK_LEN], hf_identity **out)
{
	hf_err rc = HF_EINTERNAL;
	hf_identity *id = NULL;

	*out = NULL;
	HF_CHECK(hfi_crypto_init());
	id = sodium_malloc(sizeof *id);
	if (id == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	memcpy(id->sign_seed, sign_seed, HF_SIGN_SEED_LEN);
	memcpy(id->enc_sk, enc_sk, HF_ENC_SK_LEN);
	if (crypto_sign_seed_keypair(id->sign_pk, id->sign_sk, id->sign_seed) != 0 ||
	    crypto_scalarmult_base(id->enc_pk, id->enc_sk) != 0) {
		rc = HF_ECRYPTO;
		goto out;
	}
	HF_CHECK(hf_enc_pk_validate(id->enc_pk));
	hf_keyid_sign(id->sign_pk, &id->sign_keyid);
	hf_keyid_enc(id->enc_pk, &id->enc_keyid);
	*out = id;
	id = NULL;
	rc = HF_OK;
out:
	hf_identity_free(id);
	return rc;
}

hf_err hf_identity_generate(hf_identity **out, const hf_rng *rng)
{
	hf_err rc = HF_EINTERNAL;
	uint8_t sec[HF_SIGN_SEED_LEN + HF_ENC_SK_LEN];

	*out = NULL;
	HF_CHECK(hfi_crypto_init());
	/* Documented draw order: 32 bytes seed, then 32 bytes X25519 key. */
	hf_rng_bytes(rng, sec, HF_SIGN_SEED_LEN);
	hf_rng_bytes(rng, sec + HF_SIGN_SEED_LEN, HF_ENC_SK_LEN);
	HF_CHECK(hf_identity_from_secrets(sec, sec + HF_SIGN_SEED_LEN, out));
	rc = HF_OK;
out:
	sodium_memzero(sec, sizeof sec);
	return rc;
}

void hf_identity_secrets(const hf_identity *id, uint8_t sign_seed[static HF_SIGN_SEED_LEN],
                         uint8_t enc_sk[static HF_ENC_SK_LEN])
{
	memcpy(sign_seed, id->sign_seed, HF_SIGN_SEED_LEN);
	memcpy(enc_sk, id->enc_sk, HF_ENC_SK_LEN);
}

void hf_identity_free(hf_identity *id)
{
	if (id != NULL)
		sodium_free(id); /* wipes before unmapping */
}

const uint8_t *hf_identity_sign_pk(const hf_identity *id)
{
	return id->sign_pk;
}

const uint8_t *hf_identity_enc_pk(const hf_identity *id)
{
	return id->enc_pk;
}

const hf_key_id *hf_identity_sign_keyid(const hf_identity *id)
{
	return &id->sign_keyid;
}

const hf_key_id *hf_identity_enc_keyid(const hf_identity *id)
{
	return &id->enc_keyid;
}

const uint8_t *hfi_identity_enc_sk(const hf_identity *id)
{
	return id->enc_sk;
}

hf_err hf_identity_sign(const hf_identity *id, const uint8_t *msg, size_t len,
                        uint8_t sig[static HF_SIG_LEN])
{
	static const uint8_t empty[1];

	if (msg == NULL && len != 0)
		return HF_EINVAL;
	if (crypto_sign_detached(sig, NULL, msg ? msg : empty, len, id->sign_sk) != 0)
		return HF_ECRYPTO;
	return HF_OK;
}

hf_err hf_sign_pk_validate(const uint8_t pk[static HF_SIGN_PK_LEN])
{
	return crypto_core_ed25519_is_valid_point(pk) == 1 ? HF_OK : HF_EBADKEY;
}

/* True if the 255-bit little-endian value s (bit 255 ignored) is >= p = 2^255 - 19. */
static bool ge_p(const uint8_t s[32])
{
	if ((s[31] & 0x7f) != 0x7f || s[0] < 0xed)
		return false;
	for (int i = 1; i < 31; i++) {
		if (s[i] != 0xff)
			return false;
	}
	return true;
}

/*
 * Ed25519 y coordinates (little-endian) of the points of small order: 0, 1,
 * the two of order 8, p - 1, and the non-canonical p and p + 1. This is
 * libsodium's own list (ge25519_has_small_order), which it compares with
 * the sign bit masked off.
 */
static const uint8_t ed_small[7][32] = {
    {0},
    {1},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};
/* Canonical X25519 u values of small order: 0, 1, the two of order 8, p - 1. */
static const uint8_t x_small[5][32] = {
    {0},
    {1},
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
     0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
     0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
     0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
     0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

/* Compare the first 31 bytes exactly and byte 31 without its top bit (the
 * Ed25519 sign of x, which does not change the order). */
static bool eq_masked(const uint8_t a[32], const uint8_t b[32])
{
	return memcmp(a, b, 31) == 0 && (a[31] & 0x7f) == b[31];
}

hf_err hf_enc_pk_validate(const uint8_t pk[static HF_ENC_PK_LEN])
{
	/* One key, one encoding: bit 255 clear and u < p. */
	if ((pk[31] & 0x80) != 0 || ge_p(pk))
		return HF_EBADKEY;
	/* With the encoding canonical, these five u-coordinates are all the
	 * points of order dividing 8 on the curve and its twist (libsodium's own
	 * list minus its non-canonical entries), so the list is exhaustive: no
	 * probe scalar multiplication is needed here, and every DH that uses
	 * the key still refuses an all-zero result as the second line. */
	for (size_t i = 0; i < 5; i++) {
		if (memcmp(pk, x_small[i], 32) == 0)
			return HF_EBADKEY;
	}
	return HF_OK;
}

hf_err hf_sign_verify(const uint8_t pk[static HF_SIGN_PK_LEN], const uint8_t *msg, size_t len,
                      const uint8_t sig[static HF_SIG_LEN])
{
	static const uint8_t empty[1];

	if (msg == NULL && len != 0)
		return HF_EINVAL;
	/* The same key checks libsodium 1.0.18 makes before verifying (non-
	 * canonical y, small order), reported as a key error rather than a
	 * signature error. They never reject a key libsodium would accept, so
	 * the verdict stays exactly libsodium's. */
	if (ge_p(pk))
		return HF_EBADKEY;
	for (size_t i = 0; i < 7; i++) {
		if (eq_masked(pk, ed_small[i]))
			return HF_EBADKEY;
	}
	if (crypto_sign_verify_detached(sig, msg ? msg : empty, len, pk) != 0)
		return HF_ESIG;
	return HF_OK;
}
