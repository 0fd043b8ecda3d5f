/*
 * HPKE (RFC 9180), suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
 * ChaCha20-Poly1305, from libsodium 1.0.18 primitives (it has no HPKE API).
 * Section numbers in comments refer to RFC 9180.
 */
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/hpke.h"

#include "crypto_internal.h"
#include "hpke_internal.h"
#include "hf_check.h"

#define NH 32 /* HKDF-SHA256 output size */

/* suite_id of the KEM (§4.1) and of the whole suite (§5.1). */
static const uint8_t kem_suite[5] = {'K', 'E', 'M', 0x00, 0x20};
static const uint8_t hpke_suite[10] = {'H', 'P', 'K', 'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x03};
static const uint8_t version_label[7] = {'H', 'P', 'K', 'E', '-', 'v', '1'};

enum role { ROLE_SENDER = 1, ROLE_RECEIVER = 2 };

struct hf_hpke_ctx {
	uint8_t key[HF_HPKE_KEY_LEN];
	uint8_t base_nonce[HF_HPKE_NONCE_LEN];
	uint8_t exporter_secret[NH];
	uint64_t seq;
	enum role role;
};

/* A byte string given as a list of segments, so labels are never copied
 * into (and secrets never spread over) temporary concatenation buffers. */
typedef struct seg {
	const uint8_t *p;
	size_t n;
} seg;

#define SEG(p, n) ((seg){(const uint8_t *)(p), (n)})
#define LABEL(s)  SEG((s), sizeof(s) - 1)

static void hmac_segs(crypto_auth_hmacsha256_state *st, const seg *s, size_t ns)
{
	for (size_t i = 0; i < ns; i++) {
		if (s[i].n > 0)
			crypto_auth_hmacsha256_update(st, s[i].p, s[i].n);
	}
}

/* HMAC-SHA256 keyed with the empty key, as every LabeledExtract without a salt begins: the
 * pads are the same every time, so each thread computes them once (an empty key: public). */
static void hmac_empty_key(crypto_auth_hmacsha256_state *st)
{
	static const uint8_t empty[1] = {0};
	static _Thread_local crypto_auth_hmacsha256_state keyed;
	static _Thread_local bool ready;
	if (!ready) {
		crypto_auth_hmacsha256_init(&keyed, empty, 0);
		ready = true;
	}
	memcpy(st, &keyed, sizeof keyed);
}

/* LabeledExtract(salt, label, ikm) (§4): HMAC(salt, "HPKE-v1" || suite || label || ikm). */
static void labeled_extract(const seg *suite, const uint8_t *salt, size_t salt_len, seg label,
                            seg ikm, uint8_t prk[NH])
{
	crypto_auth_hmacsha256_state st;
	const seg parts[4] = {SEG(version_label, sizeof version_label), *suite, label, ikm};

	/* An empty salt is HashLen zero bytes (RFC 5869), which HMAC's key padding
	 * makes equal to a zero-length key. */
	if (salt_len == 0)
		hmac_empty_key(&st);
	else
		crypto_auth_hmacsha256_init(&st, salt, salt_len);
	hmac_segs(&st, parts, 4);
	crypto_auth_hmacsha256_final(&st, prk);
	sodium_memzero(&st, sizeof st); /* holds key-derived pads */
}

/*
 * LabeledExpand(prk, label, info, L) (§4): HKDF-Expand(prk, I2OSP(L, 2) ||
 * "HPKE-v1" || suite || label || info, L). L is at most 255 * NH. keyed is HMAC already
 * keyed with prk, so several expansions of one prk share its pads.
 */
static void labeled_expand_keyed(const seg *suite, const crypto_auth_hmacsha256_state *keyed,
                                 seg label, seg info, uint8_t *out, size_t L)
{
	crypto_auth_hmacsha256_state st;
	uint8_t t[NH];
	const uint8_t len2[2] = {(uint8_t)(L >> 8), (uint8_t)L};
	const seg parts[5] = {SEG(len2, 2), SEG(version_label, sizeof version_label), *suite, label,
	                      info};
	size_t done = 0;

	for (uint8_t i = 1; done < L; i++) {
		memcpy(&st, keyed, sizeof st);
		if (i > 1)
			crypto_auth_hmacsha256_update(&st, t, NH);
		hmac_segs(&st, parts, 5);
		crypto_auth_hmacsha256_update(&st, &i, 1);
		crypto_auth_hmacsha256_final(&st, t);
		size_t take = L - done < NH ? L - done : NH;
		memcpy(out + done, t, take);
		done += take;
	}
	sodium_memzero(&st, sizeof st);
	sodium_memzero(t, sizeof t);
}

static void labeled_expand(const seg *suite, const uint8_t prk[NH], seg label, seg info,
                           uint8_t *out, size_t L)
{
	crypto_auth_hmacsha256_state keyed;
	crypto_auth_hmacsha256_init(&keyed, prk, NH);
	labeled_expand_keyed(suite, &keyed, label, info, out, L);
	sodium_memzero(&keyed, sizeof keyed);
}

static const seg kem_seg = {kem_suite, sizeof kem_suite};
static const seg hpke_seg = {hpke_suite, sizeof hpke_suite};

hf_err hf_hpke_derive_keypair(const uint8_t *ikm, size_t ikm_len, uint8_t sk[static HF_HPKE_SK_LEN],
                              uint8_t pk[static HF_HPKE_PK_LEN])
{
	hf_err rc = HF_EINTERNAL;
	uint8_t prk[NH];

	if (ikm_len < HF_HPKE_SK_LEN) {
		rc = HF_EINVAL;
		goto out;
	}
	/* §7.1.3: for X25519 the secret key is the expanded bytes as they are;
	 * clamping happens inside every X25519 operation. */
	labeled_extract(&kem_seg, NULL, 0, LABEL("dkp_prk"), SEG(ikm, ikm_len), prk);
	labeled_expand(&kem_seg, prk, LABEL("sk"), SEG(NULL, 0), sk, HF_HPKE_SK_LEN);
	if (hfi_x25519_base(pk, sk) != 0) {
		rc = HF_ECRYPTO;
		goto out;
	}
	rc = HF_OK;
out:
	sodium_memzero(prk, sizeof prk);
	if (rc != HF_OK) {
		sodium_memzero(sk, HF_HPKE_SK_LEN);
		memset(pk, 0, HF_HPKE_PK_LEN);
	}
	return rc;
}

hf_err hf_hpke_generate_keypair(const hf_rng *rng, uint8_t sk[static HF_HPKE_SK_LEN],
                                uint8_t pk[static HF_HPKE_PK_LEN])
{
	uint8_t ikm[HF_HPKE_SK_LEN];
	hf_err rc = hfi_crypto_init();

	if (rc == HF_OK) {
		hf_rng_bytes(rng, ikm, sizeof ikm);
		rc = hf_hpke_derive_keypair(ikm, sizeof ikm, sk, pk);
	}
	sodium_memzero(ikm, sizeof ikm);
	return rc;
}

/* VerifyPSKInputs (§5.1) plus the auth-key fields; NULL opts is base mode. */
static hf_err check_opts(const hf_hpke_opts *o, enum role role)
{
	if (o == NULL)
		return HF_OK;
	if ((unsigned)o->mode > HF_HPKE_MODE_AUTH_PSK)
		return HF_EINVAL;
	bool psk = o->mode == HF_HPKE_MODE_PSK || o->mode == HF_HPKE_MODE_AUTH_PSK;
	bool auth = o->mode == HF_HPKE_MODE_AUTH || o->mode == HF_HPKE_MODE_AUTH_PSK;
	if (psk) {
		if (o->psk == NULL || o->psk_len < HF_HPKE_PSK_MIN_LEN || o->psk_id == NULL ||
		    o->psk_id_len == 0)
			return HF_EINVAL;
	} else if (o->psk != NULL || o->psk_len != 0 || o->psk_id != NULL || o->psk_id_len != 0) {
		return HF_EINVAL;
	}
	const uint8_t *need = role == ROLE_SENDER ? o->auth_sk : o->auth_pk;
	const uint8_t *unused = role == ROLE_SENDER ? o->auth_pk : o->auth_sk;
	if (unused != NULL || (auth ? need == NULL : need != NULL))
		return HF_EINVAL;
	return HF_OK;
}

/* X25519 with the all-zero check of §7.1.4 (libsodium returns -1 for a
 * small-order point or an all-zero result). */
static hf_err dh(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32])
{
	return crypto_scalarmult(out, sk, pk) == 0 ? HF_OK : HF_EBADKEY;
}

/*
 * The DH part of Encap/Decap and their Auth variants (§4.1):
 * dh = DH(sk1, pk1) [|| DH(sk2, pk2)], shared_secret = ExtractAndExpand(dh,
 * kem_context). sk2/pk2 are NULL outside the auth modes.
 */
static hf_err kem_shared_secret(const uint8_t *sk1, const uint8_t *pk1, const uint8_t *sk2,
                                const uint8_t *pk2, const uint8_t *kem_context, size_t kc_len,
                                uint8_t ss[HF_HPKE_SECRET_LEN])
{
	hf_err rc = HF_EINTERNAL;
	uint8_t dhs[64], prk[NH];
	size_t dh_len = 32;

	HF_CHECK(dh(dhs, sk1, pk1));
	if (sk2 != NULL) {
		HF_CHECK(dh(dhs + 32, sk2, pk2));
		dh_len = 64;
	}
	labeled_extract(&kem_seg, NULL, 0, LABEL("eae_prk"), SEG(dhs, dh_len), prk);
	labeled_expand(&kem_seg, prk, LABEL("shared_secret"), SEG(kem_context, kc_len), ss,
	               HF_HPKE_SECRET_LEN);
	rc = HF_OK;
out:
	sodium_memzero(dhs, sizeof dhs);
	sodium_memzero(prk, sizeof prk);
	if (rc != HF_OK)
		sodium_memzero(ss, HF_HPKE_SECRET_LEN);
	return rc;
}

hf_err hfi_hpke_encap(const uint8_t pkR[static 32], const uint8_t skE[static 32],
                      const uint8_t *skS, uint8_t enc[static 32], uint8_t ss[static 32])
{
	hf_err rc = HF_EINTERNAL;
	uint8_t kc[96]; /* kem_context = enc || pkR [|| pkS]: public */

	if (hfi_x25519_base(enc, skE) != 0 || (skS != NULL && hfi_x25519_base(kc + 64, skS) != 0)) {
		rc = HF_ECRYPTO;
		goto out;
	}
	memcpy(kc, enc, 32);
	memcpy(kc + 32, pkR, 32);
	HF_CHECK(kem_shared_secret(skE, pkR, skS, pkR, kc, skS ? 96 : 64, ss));
	rc = HF_OK;
out:
	if (rc != HF_OK)
		memset(enc, 0, 32);
	return rc;
}

hf_err hfi_hpke_decap(const uint8_t enc[static 32], const uint8_t skR[static 32],
                      const uint8_t *pkS, uint8_t ss[static 32])
{
	uint8_t kc[96];

	if (hfi_x25519_base(kc + 32, skR) != 0)
		return HF_ECRYPTO;
	memcpy(kc, enc, 32);
	if (pkS != NULL)
		memcpy(kc + 64, pkS, 32);
	return kem_shared_secret(skR, enc, pkS ? skR : NULL, pkS, kc, pkS ? 96 : 64, ss);
}

/* psk_id_hash and info_hash of the key schedule: public, and the same for every message
 * with the same psk_id and info, so each thread keeps the last pair it computed (the
 * envelope wraps every content key with one info and no PSK). */
static void ks_hashes(seg psk_id, const uint8_t *info, size_t info_len, uint8_t out[2 * NH])
{
	static _Thread_local struct {
		bool ready;
		uint8_t info[64];
		size_t info_len;
		uint8_t hashes[2 * NH];
	} last;
	bool cacheable = psk_id.n == 0 && info_len <= sizeof last.info;

	if (cacheable && last.ready && last.info_len == info_len &&
	    (info_len == 0 || memcmp(last.info, info, info_len) == 0)) {
		memcpy(out, last.hashes, 2 * NH);
		return;
	}
	labeled_extract(&hpke_seg, NULL, 0, LABEL("psk_id_hash"), psk_id, out);
	labeled_extract(&hpke_seg, NULL, 0, LABEL("info_hash"), SEG(info, info_len), out + NH);
	if (cacheable) {
		if (info_len > 0)
			memcpy(last.info, info, info_len);
		last.info_len = info_len;
		memcpy(last.hashes, out, 2 * NH);
		last.ready = true;
	}
}

/* KeySchedule (§5.1): fills ctx from the shared secret. The caller owns ctx
 * (sodium_malloc for contexts handed out, the stack for single-shot use). Without
 * exporter (single-shot seal and open never export) the exporter secret is left zero. */
static void key_schedule_into(const uint8_t ss[HF_HPKE_SECRET_LEN], const uint8_t *info,
                              size_t info_len, const hf_hpke_opts *o, enum role role, bool exporter,
                              hf_hpke_ctx *ctx)
{
	uint8_t ksc[1 + 2 * NH]; /* mode || psk_id_hash || info_hash: public */
	uint8_t secret[NH];
	crypto_auth_hmacsha256_state keyed;
	const seg psk = o ? SEG(o->psk, o->psk_len) : SEG(NULL, 0);
	const seg psk_id = o ? SEG(o->psk_id, o->psk_id_len) : SEG(NULL, 0);

	ksc[0] = o ? (uint8_t)o->mode : HF_HPKE_MODE_BASE;
	ks_hashes(psk_id, info, info_len, ksc + 1);
	labeled_extract(&hpke_seg, ss, HF_HPKE_SECRET_LEN, LABEL("secret"), psk, secret);
	const seg k = SEG(ksc, sizeof ksc);
	crypto_auth_hmacsha256_init(&keyed, secret, NH);
	labeled_expand_keyed(&hpke_seg, &keyed, LABEL("key"), k, ctx->key, sizeof ctx->key);
	labeled_expand_keyed(&hpke_seg, &keyed, LABEL("base_nonce"), k, ctx->base_nonce,
	                     sizeof ctx->base_nonce);
	if (exporter)
		labeled_expand_keyed(&hpke_seg, &keyed, LABEL("exp"), k, ctx->exporter_secret,
		                     sizeof ctx->exporter_secret);
	else
		memset(ctx->exporter_secret, 0, sizeof ctx->exporter_secret);
	sodium_memzero(&keyed, sizeof keyed);
	sodium_memzero(secret, sizeof secret);
	ctx->seq = 0;
	ctx->role = role;
}

/* KeySchedule into a new sodium_malloc'ed context handed to the caller. */
static hf_err key_schedule(const uint8_t ss[HF_HPKE_SECRET_LEN], const uint8_t *info,
                           size_t info_len, const hf_hpke_opts *o, enum role role,
                           hf_hpke_ctx **out)
{
	hf_hpke_ctx *ctx = sodium_malloc(sizeof *ctx);
	if (ctx == NULL)
		return HF_ENOMEM;
	key_schedule_into(ss, info, info_len, o, role, true, ctx);
	*out = ctx;
	return HF_OK;
}

hf_err hf_hpke_setup_s_with_eph(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                                size_t info_len, const hf_hpke_opts *opts,
                                const uint8_t skE[static HF_HPKE_SK_LEN],
                                uint8_t enc[static HF_HPKE_ENC_LEN], hf_hpke_ctx **out)
{
	hf_err rc = HF_EINTERNAL;
	uint8_t ss[HF_HPKE_SECRET_LEN];

	*out = NULL;
	memset(enc, 0, HF_HPKE_ENC_LEN);
	HF_CHECK(hfi_crypto_init());
	HF_CHECK(check_opts(opts, ROLE_SENDER));
	if (info == NULL && info_len != 0) {
		rc = HF_EINVAL;
		goto out;
	}
	HF_CHECK(hfi_hpke_encap(pkR, skE, opts ? opts->auth_sk : NULL, enc, ss));
	HF_CHECK(key_schedule(ss, info, info_len, opts, ROLE_SENDER, out));
	rc = HF_OK;
out:
	sodium_memzero(ss, sizeof ss);
	if (rc != HF_OK)
		memset(enc, 0, HF_HPKE_ENC_LEN);
	return rc;
}

hf_err hf_hpke_setup_s(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                       size_t info_len, const hf_hpke_opts *opts, const hf_rng *rng,
                       uint8_t enc[static HF_HPKE_ENC_LEN], hf_hpke_ctx **out)
{
	hf_err rc = HF_EINTERNAL;
	uint8_t skE[HF_HPKE_SK_LEN], pkE[HF_HPKE_PK_LEN];

	*out = NULL;
	memset(enc, 0, HF_HPKE_ENC_LEN);
	/* Encap's ephemeral key: GenerateKeyPair = DeriveKeyPair(random ikm). */
	HF_CHECK(hf_hpke_generate_keypair(rng, skE, pkE));
	HF_CHECK(hf_hpke_setup_s_with_eph(pkR, info, info_len, opts, skE, enc, out));
	rc = HF_OK;
out:
	sodium_memzero(skE, sizeof skE);
	return rc;
}

hf_err hf_hpke_setup_base_s(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                            size_t info_len, const hf_rng *rng, uint8_t enc[static HF_HPKE_ENC_LEN],
                            hf_hpke_ctx **out)
{
	return hf_hpke_setup_s(pkR, info, info_len, NULL, rng, enc, out);
}

hf_err hf_hpke_setup_base_s_with_eph(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                                     size_t info_len, const uint8_t skE[static HF_HPKE_SK_LEN],
                                     uint8_t enc[static HF_HPKE_ENC_LEN], hf_hpke_ctx **out)
{
	return hf_hpke_setup_s_with_eph(pkR, info, info_len, NULL, skE, enc, out);
}

hf_err hf_hpke_setup_r(const uint8_t skR[static HF_HPKE_SK_LEN],
                       const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                       size_t info_len, const hf_hpke_opts *opts, hf_hpke_ctx **out)
{
	hf_err rc = HF_EINTERNAL;
	uint8_t ss[HF_HPKE_SECRET_LEN];

	*out = NULL;
	HF_CHECK(hfi_crypto_init());
	HF_CHECK(check_opts(opts, ROLE_RECEIVER));
	if (info == NULL && info_len != 0) {
		rc = HF_EINVAL;
		goto out;
	}
	HF_CHECK(hfi_hpke_decap(enc, skR, opts ? opts->auth_pk : NULL, ss));
	HF_CHECK(key_schedule(ss, info, info_len, opts, ROLE_RECEIVER, out));
	rc = HF_OK;
out:
	sodium_memzero(ss, sizeof ss);
	return rc;
}

hf_err hf_hpke_setup_base_r(const uint8_t skR[static HF_HPKE_SK_LEN],
                            const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                            size_t info_len, hf_hpke_ctx **out)
{
	return hf_hpke_setup_r(skR, enc, info, info_len, NULL, out);
}

/* ComputeNonce (§5.2): base_nonce XOR I2OSP(seq, Nn). */
static void compute_nonce(const hf_hpke_ctx *ctx, uint8_t nonce[HF_HPKE_NONCE_LEN])
{
	memcpy(nonce, ctx->base_nonce, HF_HPKE_NONCE_LEN);
	for (int i = 0; i < 8; i++)
		nonce[HF_HPKE_NONCE_LEN - 1 - i] ^= (uint8_t)(ctx->seq >> (8 * i));
}

hf_err hf_hpke_seal(hf_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                    size_t pt_len, uint8_t *ct)
{
	uint8_t nonce[HF_HPKE_NONCE_LEN];

	if (ctx->role != ROLE_SENDER || (aad == NULL && aad_len != 0) ||
	    (pt == NULL && pt_len != 0) ||
	    pt_len > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return HF_EINVAL;
	/* §5.2 IncrementSeq: the last value would overflow, so it is never used. */
	if (ctx->seq == UINT64_MAX)
		return HF_ERANGE;
	compute_nonce(ctx, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt_len ? pt : ct, pt_len, aad, aad_len,
	                                          NULL, nonce, ctx->key);
	sodium_memzero(nonce, sizeof nonce);
	ctx->seq++;
	return HF_OK;
}

hf_err hf_hpke_open(hf_hpke_ctx *ctx, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                    size_t ct_len, uint8_t *pt)
{
	uint8_t nonce[HF_HPKE_NONCE_LEN];
	hf_err rc;

	if (ctx->role != ROLE_RECEIVER || (aad == NULL && aad_len != 0))
		return HF_EINVAL;
	if (ct_len < HF_HPKE_TAG_LEN)
		return HF_ETRUNC;
	if (pt == NULL && ct_len > HF_HPKE_TAG_LEN)
		return HF_EINVAL;
	if (ctx->seq == UINT64_MAX)
		return HF_ERANGE;
	compute_nonce(ctx, nonce);
	/* libsodium checks the tag before writing any plaintext. A zero-length
	 * plaintext still needs a valid output pointer. */
	uint8_t dummy[1];
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt ? pt : dummy, NULL, NULL, ct, ct_len, aad,
	                                              aad_len, nonce, ctx->key) != 0) {
		if (pt != NULL)
			sodium_memzero(pt, ct_len - HF_HPKE_TAG_LEN);
		rc = HF_EDECRYPT;
	} else {
		ctx->seq++;
		rc = HF_OK;
	}
	sodium_memzero(nonce, sizeof nonce);
	return rc;
}

hf_err hf_hpke_export(const hf_hpke_ctx *ctx, const uint8_t *exporter_context, size_t ctx_len,
                      uint8_t *out, size_t out_len)
{
	if (out_len == 0 || out_len > HF_HPKE_EXPORT_MAX || (exporter_context == NULL && ctx_len))
		return HF_EINVAL;
	labeled_expand(&hpke_seg, ctx->exporter_secret, LABEL("sec"),
	               SEG(exporter_context, ctx_len), out, out_len);
	return HF_OK;
}

uint64_t hf_hpke_ctx_seq(const hf_hpke_ctx *ctx)
{
	return ctx->seq;
}

void hfi_hpke_ctx_set_seq(hf_hpke_ctx *ctx, uint64_t seq)
{
	ctx->seq = seq;
}

void hfi_hpke_ctx_secrets(const hf_hpke_ctx *ctx, uint8_t key[static HF_HPKE_KEY_LEN],
                          uint8_t base_nonce[static HF_HPKE_NONCE_LEN],
                          uint8_t exporter_secret[static HF_HPKE_SECRET_LEN])
{
	memcpy(key, ctx->key, HF_HPKE_KEY_LEN);
	memcpy(base_nonce, ctx->base_nonce, HF_HPKE_NONCE_LEN);
	memcpy(exporter_secret, ctx->exporter_secret, HF_HPKE_SECRET_LEN);
}

void hf_hpke_ctx_free(hf_hpke_ctx *ctx)
{
	/* sodium_free wipes the whole allocation before unmapping it. */
	if (ctx != NULL)
		sodium_free(ctx);
}

/*
 * Single-shot helpers (§6.1). The context lives on the stack and is wiped on
 * return: they run once per envelope recipient, and a sodium_malloc (mmap,
 * mprotect, mlock) per call would cost more than the X25519 itself.
 */
hf_err hf_hpke_seal_base(const uint8_t pkR[static HF_HPKE_PK_LEN], const uint8_t *info,
                         size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                         size_t pt_len, const hf_rng *rng, uint8_t enc_out[static HF_HPKE_ENC_LEN],
                         uint8_t *ct_out)
{
	hf_err rc = HF_EINTERNAL;
	hf_hpke_ctx ctx;
	uint8_t skE[HF_HPKE_SK_LEN], pkE[HF_HPKE_PK_LEN], ss[HF_HPKE_SECRET_LEN];

	memset(&ctx, 0, sizeof ctx);
	memset(enc_out, 0, HF_HPKE_ENC_LEN);
	HF_CHECK(hfi_crypto_init());
	if (info == NULL && info_len != 0) {
		rc = HF_EINVAL;
		goto out;
	}
	HF_CHECK(hf_hpke_generate_keypair(rng, skE, pkE));
	/* Encap (§4.1) with the pkE GenerateKeyPair already computed:
	 * kem_context = enc || pkR. */
	uint8_t kc[64];
	memcpy(kc, pkE, 32);
	memcpy(kc + 32, pkR, 32);
	HF_CHECK(kem_shared_secret(skE, pkR, NULL, NULL, kc, sizeof kc, ss));
	memcpy(enc_out, pkE, HF_HPKE_ENC_LEN);
	key_schedule_into(ss, info, info_len, NULL, ROLE_SENDER, false, &ctx);
	HF_CHECK(hf_hpke_seal(&ctx, aad, aad_len, pt, pt_len, ct_out));
	rc = HF_OK;
out:
	sodium_memzero(&ctx, sizeof ctx);
	sodium_memzero(skE, sizeof skE);
	sodium_memzero(ss, sizeof ss);
	if (rc != HF_OK) {
		memset(enc_out, 0, HF_HPKE_ENC_LEN);
		/* Only a valid pt_len says how much ct_out the caller provided. */
		if (pt_len <= crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
			memset(ct_out, 0, pt_len + HF_HPKE_TAG_LEN);
	}
	return rc;
}

hf_err hfi_hpke_open_base_pk(const uint8_t skR[static HF_HPKE_SK_LEN],
                             const uint8_t pkR[static HF_HPKE_PK_LEN],
                             const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                             size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                             size_t ct_len, uint8_t *pt_out)
{
	hf_err rc = HF_EINTERNAL;
	hf_hpke_ctx ctx;
	uint8_t ss[HF_HPKE_SECRET_LEN];
	uint8_t kc[64]; /* kem_context = enc || pkR: public */

	memset(&ctx, 0, sizeof ctx);
	if (ct_len < HF_HPKE_TAG_LEN) {
		rc = HF_ETRUNC;
		goto out;
	}
	HF_CHECK(hfi_crypto_init());
	if (info == NULL && info_len != 0) {
		rc = HF_EINVAL;
		goto out;
	}
	memcpy(kc, enc, 32);
	memcpy(kc + 32, pkR, 32);
	HF_CHECK(kem_shared_secret(skR, enc, NULL, NULL, kc, sizeof kc, ss));
	key_schedule_into(ss, info, info_len, NULL, ROLE_RECEIVER, false, &ctx);
	rc = hf_hpke_open(&ctx, aad, aad_len, ct, ct_len, pt_out);
	/* In the envelope a failed single-shot open is a failed key unwrap. */
	if (rc == HF_EDECRYPT)
		rc = HF_EUNWRAP;
out:
	sodium_memzero(&ctx, sizeof ctx);
	sodium_memzero(ss, sizeof ss);
	if (rc != HF_OK && pt_out != NULL && ct_len > HF_HPKE_TAG_LEN)
		sodium_memzero(pt_out, ct_len - HF_HPKE_TAG_LEN);
	return rc;
}

hf_err hf_hpke_open_base(const uint8_t skR[static HF_HPKE_SK_LEN],
                         const uint8_t enc[static HF_HPKE_ENC_LEN], const uint8_t *info,
                         size_t info_len, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                         size_t ct_len, uint8_t *pt_out)
{
	uint8_t pkR[HF_HPKE_PK_LEN];
	if (hfi_crypto_init() != HF_OK || hfi_x25519_base(pkR, skR) != 0)
		return HF_ECRYPTO;
	return hfi_hpke_open_base_pk(skR, pkR, enc, info, info_len, aad, aad_len, ct, ct_len,
	                             pt_out);
}
