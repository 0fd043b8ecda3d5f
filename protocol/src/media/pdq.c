/*
 * PDQ hashing core: a bit-exact port of facebook/ThreatExchange pdq/cpp
 * (pdqhashing.cpp, downscaling.cpp). Every float operation follows the
 * reference's types and order (ALGORITHM.md §11); do not "simplify" a
 * division into a multiplication or reorder a sum: the tests compare bits.
 *
 * FMA contraction would change results: both compilers are told not to
 * contract by the pragmas below (C11 ISO mode alone already stops GCC).
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
/* GCC ignores the STDC pragma; this also holds under -std=gnu11, where GCC
 * would otherwise contract on FMA targets such as aarch64. */
#pragma GCC optimize("fp-contract=off")
#endif

#include <stdlib.h>
#include <string.h>

#include "hashfed/pdq.h"
#include "pdq_internal.h"
#include "hf_check.h"

/* Luma weights stored as float, as the reference does. */
static const float luma_r = 0.299f;
static const float luma_g = 0.587f;
static const float luma_b = 0.114f;

enum { JAROSZ_ITERATIONS = 2, OUT = 64 };

/* GCC/clang vector extensions: portable SIMD with exact IEEE lane arithmetic
 * (a vector add or divide rounds each lane exactly like the scalar one). */
typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p)
{
	v4f v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void st4(float *p, v4f v)
{
	memcpy(p, &v, sizeof(v));
}

typedef struct work {
	uint32_t w, h;  /* hashed size (after the 512 resize) */
	float *a;       /* luma, then blur result */
	float *ring;    /* win + 1 saved input rows for the in-place column pass */
	float *colsum;  /* per-column running sums for the vertical pass */
	float *c64;     /* h rows of the 64 sampled columns (last iteration) */
	float *s8;      /* luma of STRIP rows (first pass) */
	v4f *t, *u;     /* STRIP interleaved rows for the horizontal pass */
	uint32_t *xmap; /* resize: output column -> source byte offset */
} work;

/* The source pixels and the luma product tables. */
typedef struct src {
	const uint8_t *pix;
	uint32_t sw, sh;
	size_t stride;
	unsigned ch;
	bool resize;
	float tr[256], tg[256], tb[256];
} src;

/* Set up *s (and wk's column map) for hashing pix at wk's size. */
static void src_init(src *s, const uint8_t *pix, uint32_t sw, uint32_t sh, size_t stride,
                     unsigned ch, const work *wk)
{
	s->pix = pix;
	s->sw = sw;
	s->sh = sh;
	s->stride = stride;
	s->ch = ch;
	s->resize = wk->w != sw || wk->h != sh;
	for (int v = 0; v < 256; v++) {
		s->tr[v] = luma_r * (float)v;
		s->tg[v] = luma_g * (float)v;
		s->tb[v] = luma_b * (float)v;
	}
	for (uint32_t x = 0; x < wk->w; x++) {
		wk->xmap[x] = (s->resize ? hfi_pdq_nn_src(x, sw) : x) * ch;
	}
}

/*
 * Luma of rows y0..y1-1 of the (possibly resized) image into out (rows of
 * wk->w floats). The resize is folded in: only the sampled source pixels are
 * read. Each product cX * X depends on one byte, so it is looked up in a
 * table of the 256 float products (each rounded exactly as the reference
 * rounds it); the sum keeps the reference's order ((cR*R) + (cG*G)) + (cB*B).
 */
static void luma_rows(const src *s, const work *wk, uint32_t y0, uint32_t y1, float *out)
{
	const uint32_t *xmap = wk->xmap;
	for (uint32_t y = y0; y < y1; y++, out += wk->w) {
		const uint8_t *row =
		    s->pix + (size_t)(s->resize ? hfi_pdq_nn_src(y, s->sh) : y) * s->stride;
		if (s->ch == 1) {
			for (uint32_t x = 0; x < wk->w; x++) {
				out[x] = (float)row[xmap[x]];
			}
		} else if (!s->resize) {
			for (uint32_t x = 0; x < wk->w; x++, row += 3) {
				float sum = s->tr[row[0]] + s->tg[row[1]];
				out[x] = sum + s->tb[row[2]];
			}
		} else {
			for (uint32_t x = 0; x < wk->w; x++) {
				const uint8_t *p = row + xmap[x];
				float sum = s->tr[p[0]] + s->tg[p[1]];
				out[x] = sum + s->tb[p[2]];
			}
		}
	}
}

/* Jarosz window for a side of n pixels reduced to 64: ceil(n / 128). */
static unsigned window_size(uint32_t n)
{
	return (unsigned)((n + 2 * OUT - 1) / (2 * OUT));
}

/*
 * The reference's 1-D box filter (box1DFloat) of window `win` over a vector:
 * one running float sum and an integer count; add the first half - 1 inputs
 * (half = (win + 2) / 2), then win - half + 1 steps that add and output
 * sum / count, then steps that add the entering input, *then* subtract the
 * leaving one, then half - 1 steps that only subtract. Float division, in
 * that order: the running-sum rounding is part of the result.
 */
/* The per-row steps of the column filter, over all w columns. */
static void col_add(float *sum, const float *r, uint32_t w)
{
	uint32_t x = 0;
	for (; x + 4 <= w; x += 4) {
		st4(sum + x, ld4(sum + x) + ld4(r + x));
	}
	for (; x < w; x++) {
		sum[x] += r[x];
	}
}

static void col_add_out(float *sum, const float *r, float *o, float c, uint32_t w)
{
	v4f c4 = {c, c, c, c};
	uint32_t x = 0;
	for (; x + 4 <= w; x += 4) {
		v4f s = ld4(sum + x) + ld4(r + x);
		st4(sum + x, s);
		st4(o + x, s / c4);
	}
	for (; x < w; x++) {
		sum[x] += r[x];
		o[x] = sum[x] / c;
	}
}

static void col_add_sub_out(float *sum, const float *r, const float *l, float *o, float c,
                            uint32_t w)
{
	v4f c4 = {c, c, c, c};
	uint32_t x = 0;
	for (; x + 4 <= w; x += 4) {
		v4f s = ld4(sum + x) + ld4(r + x);
		s = s - ld4(l + x);
		st4(sum + x, s);
		st4(o + x, s / c4);
	}
	for (; x < w; x++) {
		sum[x] += r[x];
		sum[x] -= l[x];
		o[x] = sum[x] / c;
	}
}

static void col_sub_out(float *sum, const float *l, float *o, float c, uint32_t w)
{
	v4f c4 = {c, c, c, c};
	uint32_t x = 0;
	for (; x + 4 <= w; x += 4) {
		v4f s = ld4(sum + x) - ld4(l + x);
		st4(sum + x, s);
		st4(o + x, s / c4);
	}
	for (; x < w; x++) {
		sum[x] -= l[x];
		o[x] = sum[x] / c;
	}
}

/*
 * The same filter down every column, computed row by row with one running sum
 * per column: the arithmetic per column is unchanged (so are the bits), but
 * the inner loops run over contiguous memory, several columns at once.
 *
 * In place: output row oi is written while rows up to `win` above it are
 * still to be subtracted, so each input row is first copied into a ring of
 * win + 1 rows and read back from there.
 */
static void box_cols(float *img, float *sum, float *ring, uint32_t w, uint32_t h, unsigned win)
{
	unsigned half = (win + 2) / 2, slots = win + 1;
	unsigned li = 0, ri = 0, oi = 0, cnt = 0;
#define RING(k) (ring + (size_t)((k) % slots) * w)
#define SAVE(k) memcpy(RING(k), img + (size_t)(k)*w, (size_t)w * sizeof(float))

	memset(sum, 0, (size_t)w * sizeof(float));
	for (unsigned i = 0; i < half - 1; i++, ri++, cnt++) {
		SAVE(ri);
		col_add(sum, RING(ri), w);
	}
	for (unsigned i = 0; i < win - half + 1; i++, ri++, oi++) {
		cnt++;
		SAVE(ri);
		col_add_out(sum, RING(ri), img + (size_t)oi * w, (float)cnt, w);
	}
	for (unsigned i = 0; i < h - win; i++, ri++, li++, oi++) {
		SAVE(ri);
		col_add_sub_out(sum, RING(ri), RING(li), img + (size_t)oi * w, (float)cnt, w);
	}
	for (unsigned i = 0; i < half - 1; i++, li++, oi++) {
		cnt--;
		col_sub_out(sum, RING(li), img + (size_t)oi * w, (float)cnt, w);
	}
#undef SAVE
#undef RING
}

/* The reference filter along one row (scalar), for rows left over by strips. */
static void box_row(const float *in, float *out, unsigned len, unsigned win)
{
	unsigned half = (win + 2) / 2;
	unsigned li = 0, ri = 0, oi = 0, cnt = 0;
	float sum = 0.0f;

	for (unsigned i = 0; i < half - 1; i++) {
		sum += in[ri++];
		cnt++;
	}
	for (unsigned i = 0; i < win - half + 1; i++) {
		sum += in[ri++];
		cnt++;
		out[oi++] = sum / (float)cnt;
	}
	for (unsigned i = 0; i < len - win; i++) {
		sum += in[ri++];
		sum -= in[li++];
		out[oi++] = sum / (float)cnt;
	}
	for (unsigned i = 0; i < half - 1; i++) {
		sum -= in[li++];
		cnt--;
		out[oi++] = sum / (float)cnt;
	}
}

/* 4x4 transpose of rows a..d into columns c[0..3] (moves data, no arithmetic). */
static inline void transpose4(v4f a, v4f b, v4f c, v4f d, v4f out[4])
{
	v4f t0 = __builtin_shufflevector(a, b, 0, 4, 1, 5);
	v4f t1 = __builtin_shufflevector(a, b, 2, 6, 3, 7);
	v4f t2 = __builtin_shufflevector(c, d, 0, 4, 1, 5);
	v4f t3 = __builtin_shufflevector(c, d, 2, 6, 3, 7);
	out[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
	out[1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
	out[2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
	out[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

enum { STRIP = 8 };

/* Interleave STRIP rows of `in` into t (t[2x], t[2x+1]: column x of rows 0-3, 4-7). */
static void strip_load(const float *in, uint32_t w, v4f *t)
{
	uint32_t x = 0;
	for (; x + 4 <= w; x += 4) {
		for (unsigned hv = 0; hv < 2; hv++) {
			const float *r = in + (size_t)4 * hv * w + x;
			v4f c[4];
			transpose4(ld4(r), ld4(r + w), ld4(r + 2 * w), ld4(r + 3 * w), c);
			for (unsigned j = 0; j < 4; j++) {
				t[2 * (x + j) + hv] = c[j];
			}
		}
	}
	for (; x < w; x++) {
		v4f a = {in[x], in[w + x], in[2 * w + x], in[3 * w + x]};
		v4f b = {in[4 * w + x], in[5 * w + x], in[6 * w + x], in[7 * w + x]};
		t[2 * x] = a;
		t[2 * x + 1] = b;
	}
}

/*
 * The row filter for STRIP rows at once: the rows are interleaved into
 * `t` (t[x] holds column x of all rows, as two 4-lane vectors), filtered with
 * per-lane running sums (each lane exactly the scalar box_row), and written
 * back. A single row's running sum is a serial chain of dependent adds;
 * eight independent chains keep the FPU busy.
 */
static void box_rows_strip(const float *in, float *out, uint32_t w, unsigned win, v4f *t, v4f *u)
{
	unsigned half = (win + 2) / 2;
	unsigned li = 0, ri = 0, oi = 0, cnt = 0;
	v4f s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0};

	strip_load(in, w, t);
	for (unsigned i = 0; i < half - 1; i++, ri++) {
		s0 += t[2 * ri];
		s1 += t[2 * ri + 1];
		cnt++;
	}
	for (unsigned i = 0; i < win - half + 1; i++, ri++, oi++) {
		s0 += t[2 * ri];
		s1 += t[2 * ri + 1];
		cnt++;
		float c = (float)cnt;
		v4f c4 = {c, c, c, c};
		u[2 * oi] = s0 / c4;
		u[2 * oi + 1] = s1 / c4;
	}
	float cf = (float)cnt;
	v4f c4 = {cf, cf, cf, cf};
	for (unsigned i = 0; i < w - win; i++, ri++, li++, oi++) {
		s0 += t[2 * ri];
		s1 += t[2 * ri + 1];
		s0 -= t[2 * li];
		s1 -= t[2 * li + 1];
		u[2 * oi] = s0 / c4;
		u[2 * oi + 1] = s1 / c4;
	}
	for (unsigned i = 0; i < half - 1; i++, li++, oi++) {
		s0 -= t[2 * li];
		s1 -= t[2 * li + 1];
		cnt--;
		float c = (float)cnt;
		v4f cc = {c, c, c, c};
		u[2 * oi] = s0 / cc;
		u[2 * oi + 1] = s1 / cc;
	}
	uint32_t x = 0;
	for (; x + 4 <= w; x += 4) {
		for (unsigned hv = 0; hv < 2; hv++) {
			float *r = out + (size_t)4 * hv * w + x;
			v4f c[4];
			transpose4(u[2 * x + hv], u[2 * (x + 1) + hv], u[2 * (x + 2) + hv],
			           u[2 * (x + 3) + hv], c);
			for (unsigned k = 0; k < 4; k++) {
				st4(r + k * w, c[k]);
			}
		}
	}
	for (; x < w; x++) {
		for (unsigned k = 0; k < 4; k++) {
			out[k * w + x] = u[2 * x][k];
			out[(k + 4) * w + x] = u[2 * x + 1][k];
		}
	}
}

/* Output o of the row filter for the 8 rows, stored for every sampled column equal to o. */
static inline void strip_emit(unsigned o, v4f s0, v4f s1, float c, const uint32_t *cols,
                              unsigned *next, float *out)
{
	if (*next >= OUT || cols[*next] != o) {
		return;
	}
	v4f c4 = {c, c, c, c};
	v4f q0 = s0 / c4, q1 = s1 / c4;
	while (*next < OUT && cols[*next] == o) {
		for (unsigned k = 0; k < 4; k++) {
			out[k * OUT + *next] = q0[k];
			out[(k + 4) * OUT + *next] = q1[k];
		}
		(*next)++;
	}
}

/*
 * The row filter of the last iteration for STRIP rows, keeping only the 64
 * sampled columns (cols, increasing) in out (STRIP rows of 64). The running
 * sums still step through every column, so each kept value has exactly the
 * bits of the full filter's; only the unused divisions are skipped.
 */
static void box_rows_strip_pick(const float *in, uint32_t w, unsigned win, v4f *t,
                                const uint32_t *cols, float *out)
{
	unsigned half = (win + 2) / 2;
	unsigned li = 0, ri = 0, oi = 0, cnt = 0, next = 0;
	v4f s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0};

	strip_load(in, w, t);
	for (unsigned i = 0; i < half - 1; i++, ri++) {
		s0 += t[2 * ri];
		s1 += t[2 * ri + 1];
		cnt++;
	}
	for (unsigned i = 0; i < win - half + 1; i++, ri++, oi++) {
		s0 += t[2 * ri];
		s1 += t[2 * ri + 1];
		cnt++;
		strip_emit(oi, s0, s1, (float)cnt, cols, &next, out);
	}
	for (unsigned i = 0; i < w - win && next < OUT; i++, ri++, li++, oi++) {
		s0 += t[2 * ri];
		s1 += t[2 * ri + 1];
		s0 -= t[2 * li];
		s1 -= t[2 * li + 1];
		strip_emit(oi, s0, s1, (float)cnt, cols, &next, out);
	}
	for (unsigned i = 0; i < half - 1 && next < OUT; i++, li++, oi++) {
		s0 -= t[2 * li];
		s1 -= t[2 * li + 1];
		cnt--;
		strip_emit(oi, s0, s1, (float)cnt, cols, &next, out);
	}
}

/*
 * Two iterations of rows then columns, fused with the reference's
 * decimateFloat (sample row floor((i + 0.5) * h / 64), column
 * floor((j + 0.5) * w / 64), in double). The first iteration runs in place
 * in a; the last one computes only what the 64x64 samples read: its row
 * pass keeps the 64 sampled columns (into c64, h rows of 64) and its column
 * pass runs down those 64 columns alone. Every column of the column pass and
 * every row of the row pass is an independent running sum, so the samples
 * are bit for bit those of the full blur.
 */
static void blur_decimate(const work *wk, const src *sp, unsigned win_rows, unsigned win_cols,
                          float out[OUT * OUT])
{
	float *tmp = (float *)(void *)wk->u; /* u holds 8 * w floats, we need w */
	uint32_t cols[OUT];
	uint32_t y;

	for (int j = 0; j < OUT; j++) {
		cols[j] = (uint32_t)(((j + 0.5) * wk->w) / OUT);
	}
	for (int it = 0; it < JAROSZ_ITERATIONS - 1; it++) {
		/* First pass with sp: luma is made a strip at a time in cache (s8). */
		bool fused = it == 0 && sp != NULL;
		for (y = 0; y + STRIP <= wk->h; y += STRIP) {
			float *rows = wk->a + (size_t)y * wk->w;
			if (fused) {
				luma_rows(sp, wk, y, y + STRIP, wk->s8);
			}
			box_rows_strip(fused ? wk->s8 : rows, rows, wk->w, win_rows, wk->t, wk->u);
		}
		for (; y < wk->h; y++) {
			float *row = wk->a + (size_t)y * wk->w;
			if (fused) {
				luma_rows(sp, wk, y, y + 1, tmp);
			} else {
				memcpy(tmp, row, (size_t)wk->w * sizeof(float));
			}
			box_row(tmp, row, wk->w, win_rows);
		}
		box_cols(wk->a, wk->colsum, wk->ring, wk->w, wk->h, win_cols);
	}
	for (y = 0; y + STRIP <= wk->h; y += STRIP) {
		box_rows_strip_pick(wk->a + (size_t)y * wk->w, wk->w, win_rows, wk->t, cols,
		                    wk->c64 + (size_t)y * OUT);
	}
	for (; y < wk->h; y++) {
		box_row(wk->a + (size_t)y * wk->w, tmp, wk->w, win_rows);
		for (int j = 0; j < OUT; j++) {
			wk->c64[(size_t)y * OUT + (size_t)j] = tmp[cols[j]];
		}
	}
	box_cols(wk->c64, wk->colsum, wk->ring, OUT, wk->h, win_cols);
	for (int i = 0; i < OUT; i++) {
		size_t si = (size_t)(((i + 0.5) * wk->h) / OUT);
		memcpy(out + i * OUT, wk->c64 + si * OUT, OUT * sizeof(float));
	}
}

static int quality_of(const float *b)
{
	int sum = 0;
	for (int i = 0; i < OUT - 1; i++) {
		for (int j = 0; j < OUT; j++) {
			float u = b[i * OUT + j], v = b[(i + 1) * OUT + j];
			int d = (int)(((u - v) * 100.0f) / 255.0f);
			sum += abs(d);
		}
	}
	for (int i = 0; i < OUT; i++) {
		for (int j = 0; j < OUT - 1; j++) {
			float u = b[i * OUT + j], v = b[i * OUT + j + 1];
			int d = (int)(((u - v) * 100.0f) / 255.0f);
			sum += abs(d);
		}
	}
	int q = sum / 90;
	return q > 100 ? 100 : q;
}

/*
 * B = D * A * D^T with D the 16x64 matrix. Loops run i, k, j so the inner
 * loop vectorises while every output still sums its products in increasing
 * k, each product rounded to float before the add, from 0.
 */
static void dct16(const float a[OUT * OUT], float out[256])
{
	float t[16][OUT];
	const float(*d)[OUT] = hfi_pdq_dct_matrix;

	memset(t, 0, sizeof(t));
	for (int i = 0; i < 16; i++) {
		for (int k = 0; k < OUT; k++) {
			float dik = d[i][k];
			const float *ak = a + k * OUT;
			for (int j = 0; j < OUT; j++) {
				float p = dik * ak[j];
				t[i][j] = t[i][j] + p;
			}
		}
	}
	for (int i = 0; i < 16; i++) {
		for (int j = 0; j < 16; j++) {
			float s = 0.0f;
			for (int k = 0; k < OUT; k++) {
				float p = t[i][k] * d[j][k];
				s = s + p;
			}
			out[i * 16 + j] = s;
		}
	}
}

static int cmp_float(const void *pa, const void *pb)
{
	float a = *(const float *)pa, b = *(const float *)pb;
	return (a > b) - (a < b);
}

/* The lower median: element 127 of the sorted 256 (equals Torben's result). */
static float median256(const float v[256])
{
	float s[256];
	memcpy(s, v, sizeof(s));
	qsort(s, 256, sizeof(float), cmp_float);
	return s[127];
}

static void bits_from_dct(const float v[256], hf_pdq_hash *h, float *median_out)
{
	float m = median256(v);
	memset(h->b, 0, sizeof(h->b));
	for (unsigned k = 0; k < 256; k++) {
		/* v[] is the caller's 256 DCT values; the analyzer loses track of them in qsort. */
		if (v[k] > m) { // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
			h->b[31 - k / 8] |= (uint8_t)(1u << (k % 8));
		}
	}
	if (median_out != NULL) {
		*median_out = m;
	}
}

/* The reference's eight orientation transforms of the DCT (ALGORITHM.md §10). */
static void dihedral_hashes(const float v[256], hf_pdq_hash out[HF_PDQ_DIHEDRAL])
{
	float t[256];
	for (int which = 0; which < HF_PDQ_DIHEDRAL; which++) {
		for (int i = 0; i < 16; i++) {
			for (int j = 0; j < 16; j++) {
				float x = v[i * 16 + j];
				bool odd = ((i + j) & 1) != 0;
				switch (which) {
				case HF_PDQ_ORIGINAL:
					t[i * 16 + j] = x;
					break;
				case HF_PDQ_ROTATE_90:
					t[j * 16 + i] = (j & 1) ? x : -x;
					break;
				case HF_PDQ_ROTATE_180:
					t[i * 16 + j] = odd ? -x : x;
					break;
				case HF_PDQ_ROTATE_270:
					t[j * 16 + i] = (i & 1) ? x : -x;
					break;
				case HF_PDQ_FLIP_X:
					t[i * 16 + j] = (i & 1) ? x : -x;
					break;
				case HF_PDQ_FLIP_Y:
					t[i * 16 + j] = (j & 1) ? x : -x;
					break;
				case HF_PDQ_FLIP_PLUS1:
					t[j * 16 + i] = x;
					break;
				default: /* HF_PDQ_FLIP_MINUS1 */
					t[j * 16 + i] = odd ? -x : x;
					break;
				}
			}
		}
		bits_from_dct(t, &out[which], NULL);
	}
}

static hf_err check_args(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                         unsigned channels)
{
	HF_ENSURE(pixels != NULL, HF_EINVAL);
	HF_ENSURE(channels == 1 || channels == 3, HF_EINVAL);
	HF_ENSURE(width > 0 && stride / channels >= width, HF_EINVAL);
	uint32_t w, h;
	hfi_pdq_resized_dims(width, height, &w, &h);
	HF_ENSURE(w >= HF_PDQ_MIN_DIM && h >= HF_PDQ_MIN_DIM, HF_EIMGSMALL);
	return HF_OK;
}

static void work_free(work *wk)
{
	free(wk->a);
	free(wk->ring);
	free(wk->colsum);
	free(wk->t);
	free(wk->u);
	free(wk->xmap);
	free(wk->c64);
	free(wk->s8);
	memset(wk, 0, sizeof(*wk));
}

/* Buffers for hashing at w x h (the size after any resize). */
static hf_err work_alloc(work *wk, uint32_t w, uint32_t h)
{
	memset(wk, 0, sizeof(*wk));
	wk->w = w;
	wk->h = h;
	wk->a = malloc((size_t)w * h * sizeof(float));
	uint32_t wide = w > OUT ? w : OUT; /* the last column pass runs over 64 columns */
	wk->ring = malloc((size_t)(window_size(h) + 1) * wide * sizeof(float));
	wk->colsum = malloc((size_t)wide * sizeof(float));
	wk->c64 = malloc((size_t)h * OUT * sizeof(float));
	wk->s8 = malloc((size_t)w * STRIP * sizeof(float));
	wk->xmap = malloc((size_t)w * sizeof(uint32_t));
	wk->t = malloc((size_t)w * 2 * sizeof(v4f));
	wk->u = malloc((size_t)w * 2 * sizeof(v4f));
	if (wk->a == NULL || wk->ring == NULL || wk->colsum == NULL || wk->t == NULL ||
	    wk->u == NULL || wk->xmap == NULL || wk->c64 == NULL || wk->s8 == NULL) {
		work_free(wk);
		return HF_ENOMEM;
	}
	return HF_OK;
}

/*
 * Shared pipeline over allocated buffers (wk's size is the hashed size: the
 * source is resized to it when they differ). `want_single` takes the
 * single-hash path's shortcut (an exactly 64x64 input is used as the 64x64
 * buffer as is); the dihedral path of the reference always blurs.
 */
static void run(const work *wk, const uint8_t *pixels, uint32_t width, uint32_t height,
                size_t stride, unsigned channels, hfi_pdq_trace *tr, bool want_single,
                float dih_dct[256])
{
	src sp;
	src_init(&sp, pixels, width, height, stride, channels, wk);
	tr->hashed_w = wk->w;
	tr->hashed_h = wk->h;
	tr->win_rows = window_size(wk->w);
	tr->win_cols = window_size(wk->h);

	bool is64 = wk->w == OUT && wk->h == OUT;
	if (is64) {
		luma_rows(&sp, wk, 0, wk->h, wk->a);
	}
	if (want_single && is64) {
		memcpy(tr->luma64, wk->a, sizeof(tr->luma64));
		tr->quality = quality_of(tr->luma64);
		dct16(tr->luma64, tr->dct);
		bits_from_dct(tr->dct, &tr->hash, &tr->median);
		if (dih_dct == NULL) {
			return;
		}
	}
	float blurred[OUT * OUT];
	blur_decimate(wk, is64 ? NULL : &sp, tr->win_rows, tr->win_cols, blurred);
	if (want_single && !is64) {
		memcpy(tr->luma64, blurred, sizeof(blurred));
		tr->quality = quality_of(blurred);
		dct16(blurred, tr->dct);
		bits_from_dct(tr->dct, &tr->hash, &tr->median);
		if (dih_dct != NULL) {
			memcpy(dih_dct, tr->dct, sizeof(tr->dct));
		}
	} else if (dih_dct != NULL) {
		dct16(blurred, dih_dct);
	}
}

static hf_err pipeline(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                       unsigned channels, hfi_pdq_trace *tr, bool want_single, float dih_dct[256])
{
	work wk;
	uint32_t w, h;

	hfi_pdq_resized_dims(width, height, &w, &h);
	HF_TRY(work_alloc(&wk, w, h));
	run(&wk, pixels, width, height, stride, channels, tr, want_single, dih_dct);
	work_free(&wk);
	return HF_OK;
}

struct hfi_pdq_ws {
	work wk;
	hfi_pdq_trace tr;
};

hf_err hfi_pdq_ws_new(uint32_t width, uint32_t height, hfi_pdq_ws **out)
{
	*out = NULL;
	HF_ENSURE(width >= HF_PDQ_MIN_DIM && height >= HF_PDQ_MIN_DIM, HF_EIMGSMALL);
	hfi_pdq_ws *ws = malloc(sizeof(*ws));
	HF_ENSURE(ws != NULL, HF_ENOMEM);
	hf_err rc = work_alloc(&ws->wk, width, height);
	if (rc != HF_OK) {
		free(ws);
		return rc;
	}
	*out = ws;
	return HF_OK;
}

void hfi_pdq_ws_free(hfi_pdq_ws *ws)
{
	if (ws != NULL) {
		work_free(&ws->wk);
		free(ws);
	}
}

hf_err hfi_pdq_hash_full(hfi_pdq_ws *ws, const uint8_t *pixels, size_t stride, unsigned channels,
                         hf_pdq_hash *hash, int *quality)
{
	HF_ENSURE(pixels != NULL && (channels == 1 || channels == 3), HF_EINVAL);
	HF_ENSURE(stride / channels >= ws->wk.w, HF_EINVAL);
	run(&ws->wk, pixels, ws->wk.w, ws->wk.h, stride, channels, &ws->tr, true, NULL);
	*hash = ws->tr.hash;
	*quality = ws->tr.quality;
	return HF_OK;
}

hf_err hfi_pdq_hash_trace(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                          unsigned channels, hfi_pdq_trace *trace)
{
	HF_TRY(check_args(pixels, width, height, stride, channels));
	return pipeline(pixels, width, height, stride, channels, trace, true, NULL);
}

hf_err hf_pdq_hash_pixels(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                          unsigned channels, hf_pdq_hash *hash, int *quality, hf_pdq_hash *dihedral)
{
	hfi_pdq_trace tr;
	float dct[256];

	HF_TRY(check_args(pixels, width, height, stride, channels));
	HF_TRY(pipeline(pixels, width, height, stride, channels, &tr, true,
	                dihedral != NULL ? dct : NULL));
	if (dihedral != NULL) {
		dihedral_hashes(dct, dihedral);
	}
	*hash = tr.hash;
	*quality = tr.quality;
	return HF_OK;
}

void hf_pdq_to_hex(const hf_pdq_hash *h, char out[HF_PDQ_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < HF_PDQ_HASH_LEN; i++) {
		out[2 * i] = digits[h->b[i] >> 4];
		out[2 * i + 1] = digits[h->b[i] & 15];
	}
	out[HF_PDQ_HEX_LEN] = '\0';
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

hf_err hf_pdq_from_hex(const char *hex, size_t len, hf_pdq_hash *out)
{
	hf_pdq_hash h;
	HF_ENSURE(len == HF_PDQ_HEX_LEN, HF_ELENGTH);
	for (size_t i = 0; i < HF_PDQ_HASH_LEN; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		HF_ENSURE(hi >= 0 && lo >= 0, HF_EPARSE);
		h.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = h;
	return HF_OK;
}

unsigned hf_pdq_distance(const hf_pdq_hash *a, const hf_pdq_hash *b)
{
	unsigned d = 0;
	for (size_t i = 0; i < HF_PDQ_HASH_LEN; i += 8) {
		uint64_t x, y;
		memcpy(&x, a->b + i, 8);
		memcpy(&y, b->b + i, 8);
		d += (unsigned)__builtin_popcountll(x ^ y);
	}
	return d;
}

unsigned hf_pdq_weight(const hf_pdq_hash *h)
{
	static const hf_pdq_hash zero;
	return hf_pdq_distance(h, &zero);
}

bool hf_pdq_is_zero(const hf_pdq_hash *h)
{
	return hf_pdq_weight(h) == 0;
}

bool hf_pdq_bit(const hf_pdq_hash *h, unsigned k)
{
	return k < 256 && (((unsigned)h->b[31 - k / 8] >> (k % 8)) & 1u) != 0;
}
