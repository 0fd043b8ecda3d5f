/*
 * X25519(k, 9) through libsodium's Ed25519 fixed-base table. libsodium 1.0.18 computes
 * crypto_scalarmult_base with the full Montgomery ladder (no table: as dear as a DH), while
 * its Ed25519 base multiplication uses precomputed multiples of B. The birational map
 * u = (1 + y) / (1 - y) takes Edwards25519's B to Curve25519's u = 9 and k·B to k·9, and
 * both functions clamp k the same way, so the result is the same 32 bytes. The inversion is
 * of the public key's y only (no secret enters the field code below).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "hpke_internal.h"

__extension__ typedef unsigned __int128 u128;

#define M51 ((UINT64_C(1) << 51) - 1)

/* A field element mod p = 2^255 - 19 in five 51-bit limbs (each may carry a few extra bits
 * between reductions). */
typedef uint64_t fe[5];

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Bit 255 (the sign of x in a compressed Edwards point) is dropped. */
static void fe_frombytes(fe h, const uint8_t s[32])
{
	uint64_t w0 = load64(s), w1 = load64(s + 8), w2 = load64(s + 16), w3 = load64(s + 24);
	h[0] = w0 & M51;
	h[1] = ((w0 >> 51) | (w1 << 13)) & M51;
	h[2] = ((w1 >> 38) | (w2 << 26)) & M51;
	h[3] = ((w2 >> 25) | (w3 << 39)) & M51;
	h[4] = (w3 >> 12) & M51;
}

static void fe_mul(fe h, const fe f, const fe g)
{
	uint64_t g1_19 = 19 * g[1], g2_19 = 19 * g[2], g3_19 = 19 * g[3], g4_19 = 19 * g[4];
	u128 r0 = (u128)f[0] * g[0] + (u128)f[1] * g4_19 + (u128)f[2] * g3_19 + (u128)f[3] * g2_19 +
	          (u128)f[4] * g1_19;
	u128 r1 = (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g4_19 + (u128)f[3] * g3_19 +
	          (u128)f[4] * g2_19;
	u128 r2 = (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g4_19 +
	          (u128)f[4] * g3_19;
	u128 r3 = (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0] +
	          (u128)f[4] * g4_19;
	u128 r4 = (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1] +
	          (u128)f[4] * g[0];
	r1 += (uint64_t)(r0 >> 51);
	r2 += (uint64_t)(r1 >> 51);
	r3 += (uint64_t)(r2 >> 51);
	r4 += (uint64_t)(r3 >> 51);
	uint64_t c = (uint64_t)(r4 >> 51);
	uint64_t h0 = ((uint64_t)r0 & M51) + 19 * c;
	h[1] = ((uint64_t)r1 & M51) + (h0 >> 51);
	h[0] = h0 & M51;
	h[2] = (uint64_t)r2 & M51;
	h[3] = (uint64_t)r3 & M51;
	h[4] = (uint64_t)r4 & M51;
}

/* out = a^(2^k) · b (out may alias a or b). */
static void pow2k_mul(fe out, const fe a, int k, const fe b)
{
	fe t;
	fe_mul(t, a, a);
	for (int i = 1; i < k; i++)
		fe_mul(t, t, t);
	fe_mul(out, t, b);
}

/* z^(p-2) (Fermat), with ref10's addition chain; exponents in the comments. */
static void fe_invert(fe out, const fe z)
{
	fe z2, z11, t, u;
	fe_mul(z2, z, z);
	pow2k_mul(t, z2, 2, z);    /* 9 */
	fe_mul(z11, z2, t);        /* 11 */
	pow2k_mul(t, z11, 1, t);   /* 2^5 - 1 */
	pow2k_mul(t, t, 5, t);     /* 2^10 - 1 */
	pow2k_mul(u, t, 10, t);    /* 2^20 - 1 */
	pow2k_mul(u, u, 20, u);    /* 2^40 - 1 */
	pow2k_mul(t, u, 10, t);    /* 2^50 - 1 */
	pow2k_mul(u, t, 50, t);    /* 2^100 - 1 */
	pow2k_mul(u, u, 100, u);   /* 2^200 - 1 */
	pow2k_mul(t, u, 50, t);    /* 2^250 - 1 */
	pow2k_mul(out, t, 5, z11); /* 2^255 - 21 = p - 2 */
}

/* The canonical (fully reduced) little-endian encoding. */
static void fe_tobytes(uint8_t s[32], const fe f)
{
	uint64_t h[5];
	memcpy(h, f, sizeof h);
	/* Two carry passes leave every limb < 2^51 and the value < 2^255. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 4; i++) {
			h[i + 1] += h[i] >> 51;
			h[i] &= M51;
		}
		h[0] += 19 * (h[4] >> 51);
		h[4] &= M51;
	}
	/* q = 1 iff h >= p; then h - q·p = h + 19q - q·2^255. */
	uint64_t q = (h[0] + 19) >> 51;
	for (int i = 1; i < 5; i++)
		q = (h[i] + q) >> 51;
	h[0] += 19 * q;
	for (int i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= M51;
	}
	h[4] &= M51;
	uint64_t w[4] = {h[0] | (h[1] << 51), (h[1] >> 13) | (h[2] << 38),
	                 (h[2] >> 26) | (h[3] << 25), (h[3] >> 39) | (h[4] << 12)};
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

int hfi_x25519_base(uint8_t pk[32], const uint8_t sk[32])
{
	uint8_t ed[32];
	fe y, num, den, inv, u;
	/* k·B, k clamped as X25519 clamps it; -1 for the identity (k ≡ 0 mod L), which
	 * the ladder handles instead. */
	if (crypto_scalarmult_ed25519_base(ed, sk) != 0)
		return crypto_scalarmult_base(pk, sk);
	fe_frombytes(y, ed);
	/* 1 + y, and 1 - y as 2p + 1 - y so no limb goes negative (limbs of y < 2^51). */
	memcpy(num, y, sizeof num);
	num[0] += 1;
	den[0] = (2 * (M51 - 18) + 1) - y[0];
	for (int i = 1; i < 5; i++)
		den[i] = 2 * M51 - y[i];
	fe_invert(inv, den);
	fe_mul(u, num, inv);
	fe_tobytes(pk, u);
	return sodium_is_zero(pk, 32) ? -1 : 0;
}
