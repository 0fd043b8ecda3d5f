/*
 * bench_envelope: seal+open of 1 KiB / 64 KiB / 1 MiB bodies to 1, 5 and 50
 * recipients, against raw libsodium doing the same primitive operations on
 * the same bytes in the same run (no encoding, no validation, no copies):
 *
 *   seal: salt + keyed BLAKE2b commitment over the body; content key and
 *         nonce; per recipient the HPKE base-mode wrap (DeriveKeyPair from
 *         32 random bytes: 2 HMAC + X25519 base; Encap: X25519 + 2 HMAC;
 *         key schedule: 6 HMAC; ChaCha20-Poly1305 over 32 bytes);
 *         XChaCha20-Poly1305 over the plaintext; BLAKE2b digest over
 *         header, wraps and ciphertext; Ed25519 sign.
 *   open: BLAKE2b digest; Ed25519 verify; one unwrap (X25519 + 8 HMAC +
 *         ChaCha20-Poly1305 open); XChaCha20-Poly1305 decrypt; commitment.
 *
 * Prints one JSON line per (size, recipients): ops/s of seal+open, ours vs raw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hf_test.h"
#include "hashfed/envelope.h"
#include "hashfed/identity.h"

static const hf_fed_id FED = {{1}};

typedef struct raw_rcpt {
	uint8_t pk[32], sk[32];
} raw_rcpt;

/* HMAC-SHA256 over (a || b || c), the shape of HPKE's labeled calls. */
static void hmac3(uint8_t out[32], const uint8_t *key, size_t key_len, const void *a, size_t al,
                  const void *b, size_t bl, const void *c, size_t cl)
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, a, al);
	crypto_auth_hmacsha256_update(&st, b, bl);
	crypto_auth_hmacsha256_update(&st, c, cl);
	crypto_auth_hmacsha256_final(&st, out);
}

/* The HMAC work of one HPKE base-mode setup after the DH (8 calls). */
static void raw_hpke_schedule(const uint8_t dh[32], const uint8_t *kem_ctx, uint8_t key[32],
                              uint8_t nonce[12])
{
	uint8_t prk[32], ss[32], t[32], secret[32], zero[32] = {0};
	static const char lbl[] = "HPKE-v1KEM\x00\x20"
	                          "eae_prk";
	hmac3(prk, zero, 32, lbl, sizeof(lbl) - 1, dh, 32, "", 0);
	hmac3(ss, prk, 32, "\x00\x20HPKE-v1KEM\x00\x20shared_secret", 33, kem_ctx, 64, "\x01", 1);
	hmac3(t, zero, 32, "HPKE-v1HPKE\x00\x20\x00\x01\x00\x03psk_id_hash", 28, "", 0, "", 0);
	hmac3(t, zero, 32, "HPKE-v1HPKE\x00\x20\x00\x01\x00\x03info_hash", 26, "hashfed/v1/wrap",
	      15, "", 0);
	hmac3(secret, ss, 32, "HPKE-v1HPKE\x00\x20\x00\x01\x00\x03secret", 23, "", 0, "", 0);
	hmac3(key, secret, 32, "\x00\x20HPKE-v1HPKE\x00\x20\x00\x01\x00\x03key", 22, t, 65, "\x01",
	      1);
	hmac3(t, secret, 32,
	      "\x00\x0cHPKE-v1HPKE\x00\x20\x00\x01\x00\x03"
	      "base_nonce",
	      29, t, 65, "\x01", 1);
	memcpy(nonce, t, 12);
	hmac3(t, secret, 32,
	      "\x00\x20HPKE-v1HPKE\x00\x20\x00\x01\x00\x03"
	      "exp",
	      22, t, 65, "\x01", 1);
}

typedef struct raw_env {
	uint8_t commit[32], sig[64], nonce[24], tag[16];
	uint8_t *wraps; /* n * 80 */
	uint8_t *ct;
	size_t ct_len;
} raw_env;

static void raw_seal(const uint8_t *sign_sk, const raw_rcpt *r, size_t n, const uint8_t *body,
                     size_t len, raw_env *e, uint8_t *hdr, size_t hdr_len)
{
	uint8_t salt[32], ck[32];
	crypto_generichash_state st;
	randombytes_buf(salt, 32);
	crypto_generichash_init(&st, salt, 32, 32);
	crypto_generichash_update(&st, (const uint8_t *)"hashfed/v1/commit", 17);
	crypto_generichash_update(&st, body, len);
	crypto_generichash_final(&st, e->commit, 32);
	randombytes_buf(ck, 32);
	randombytes_buf(e->nonce, 24);
	for (size_t i = 0; i < n; i++) {
		uint8_t ikm[32], prk[32], skE[32], pkE[32], dh[32], kem_ctx[64], key[32], nonce[12];
		randombytes_buf(ikm, 32);
		hmac3(prk, (const uint8_t *)"", 0,
		      "HPKE-v1KEM\x00\x20"
		      "dkp_prk",
		      19, ikm, 32, "", 0);
		hmac3(skE, prk, 32, "\x00\x20HPKE-v1KEM\x00\x20sk", 18, "", 0, "\x01", 1);
		crypto_scalarmult_base(pkE, skE);
		if (crypto_scalarmult(dh, skE, r[i].pk) != 0)
			abort();
		memcpy(kem_ctx, pkE, 32);
		memcpy(kem_ctx + 32, r[i].pk, 32);
		raw_hpke_schedule(dh, kem_ctx, key, nonce);
		uint8_t *w = e->wraps + i * 80;
		memcpy(w, pkE, 32);
		crypto_aead_chacha20poly1305_ietf_encrypt(w + 32, NULL, ck, 32, kem_ctx, 32, NULL,
		                                          nonce, key);
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(e->ct, e->tag, NULL, body, len, hdr,
	                                                    hdr_len, NULL, e->nonce, ck);
	uint8_t d[32];
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, hdr, hdr_len);
	crypto_generichash_update(&st, e->wraps, n * 80);
	crypto_generichash_update(&st, e->ct, len);
	crypto_generichash_final(&st, d, 32);
	crypto_sign_detached(e->sig, NULL, d, 32, sign_sk);
}

static void raw_open(const uint8_t *sign_pk, const raw_rcpt *r, size_t n, raw_env *e, uint8_t *out,
                     size_t len, uint8_t *hdr, size_t hdr_len)
{
	uint8_t d[32];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, hdr, hdr_len);
	crypto_generichash_update(&st, e->wraps, n * 80);
	crypto_generichash_update(&st, e->ct, len);
	crypto_generichash_final(&st, d, 32);
	if (crypto_sign_verify_detached(e->sig, d, 32, sign_pk) != 0)
		abort();
	uint8_t dh[32], kem_ctx[64], key[32], nonce[12], ck[32];
	const uint8_t *w = e->wraps + (n - 1) * 80;
	if (crypto_scalarmult(dh, r[n - 1].sk, w) != 0)
		abort();
	memcpy(kem_ctx, w, 32);
	memcpy(kem_ctx + 32, r[n - 1].pk, 32);
	raw_hpke_schedule(dh, kem_ctx, key, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(ck, NULL, NULL, w + 32, 48, kem_ctx, 32,
	                                              nonce, key) != 0)
		abort();
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, NULL, e->ct, len, e->tag, hdr,
	                                                        hdr_len, e->nonce, ck) != 0)
		abort();
	uint8_t c[32];
	crypto_generichash_init(&st, d, 32, 32);
	crypto_generichash_update(&st, (const uint8_t *)"hashfed/v1/commit", 17);
	crypto_generichash_update(&st, out, len);
	crypto_generichash_final(&st, c, 32);
}

static hf_identity *g_sender;
static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)ctx;
	(void)h;
	memcpy(pk, hf_identity_sign_pk(g_sender), HF_SIGN_PK_LEN);
	return HF_OK;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const size_t sizes[] = {1024, 65536, 1048576};
	const size_t counts[] = {1, 5, 50};
	hf_identity *rc[50];
	raw_rcpt raw[50];
	if (hf_identity_generate(&g_sender, NULL) != HF_OK)
		return 1;
	uint8_t ssk[64], spk[32];
	crypto_sign_keypair(spk, ssk);
	uint8_t pks[50][32];
	for (int i = 0; i < 50; i++) {
		if (hf_identity_generate(&rc[i], NULL) != HF_OK)
			return 1;
		memcpy(pks[i], hf_identity_enc_pk(rc[i]), 32);
		crypto_box_keypair(raw[i].pk, raw[i].sk);
	}
	uint8_t hdr[256];
	randombytes_buf(hdr, sizeof(hdr));
	for (size_t si = 0; si < 3; si++) {
		size_t len = sizes[si];
		uint8_t *body = malloc(len), *out = malloc(len + 200);
		randombytes_buf(body, len);
		for (size_t ci = 0; ci < 3; ci++) {
			size_t n = counts[ci];
			/* iterations: ~0.3 s per side */
			int iters = len >= 1048576 ? 60 : len >= 65536 ? 400 : n >= 50 ? 300 : 3000;
			hf_seal_params p = {0};
			p.type = HF_MSG_DATA;
			p.created_ms = 1790000000000ULL;
			p.expires_ms = p.created_ms + 60000;
			p.federation = &FED;
			p.recipients = (const uint8_t(*)[32])pks;
			p.n_recipients = n;
			hf_open_params op = {rc[n - 1], lookup, NULL, p.created_ms, &FED};
			double best_ours = 1e9, best_raw = 1e9;
			raw_env e;
			e.wraps = malloc(n * 80);
			e.ct = malloc(len);
			/* alternate rounds so both see the same machine state */
			for (int round = 0; round < 3; round++) {
				double t0 = hf_test_now();
				for (int i = 0; i < iters; i++) {
					uint8_t *env;
					size_t el;
					hf_opened *o;
					if (hf_envelope_seal(g_sender, &p, body, len, &env, &el) !=
					        HF_OK ||
					    hf_envelope_open(env, el, &op, &o) != HF_OK)
						abort();
					hf_opened_free(o);
					free(env);
				}
				double t1 = hf_test_now();
				for (int i = 0; i < iters; i++) {
					raw_seal(ssk, raw, n, body, len, &e, hdr, 60 + n * 17);
					raw_open(spk, raw, n, &e, out, len, hdr, 60 + n * 17);
				}
				double t2 = hf_test_now();
				if (t1 - t0 < best_ours)
					best_ours = t1 - t0;
				if (t2 - t1 < best_raw)
					best_raw = t2 - t1;
			}
			free(e.wraps);
			free(e.ct);
			double ours = iters / best_ours, base = iters / best_raw;
			printf(
			    "{\"bench\": \"envelope_seal_open_%zuB_%zurcpt\", \"unit\": \"ops/s\", "
			    "\"ours\": %.1f, \"baseline\": \"raw_libsodium_same_primitives\", "
			    "\"baseline_value\": %.1f, \"ratio\": %.3f}\n",
			    len, n, ours, base, ours / base);
			fflush(stdout);
		}
		free(body);
		free(out);
	}
	for (int i = 0; i < 50; i++)
		hf_identity_free(rc[i]);
	hf_identity_free(g_sender);
	return 0;
}
