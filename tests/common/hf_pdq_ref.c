/*
 * A deliberately plain transcription of the reference PDQ (ALGORITHM.md),
 * shared by test_pdq (differential test) and bench_pdq_core (baseline).
 */
#include <stdlib.h>
#include <string.h>

#include "hf_pdq_ref.h"
#include "media/pdq_internal.h"

static void ref_box1d(const float *in, float *out, int len, int stride, int win)
{
	int half = (win + 2) / 2, li = 0, ri = 0, oi = 0, cnt = 0;
	float sum = 0.0f;
	for (int i = 0; i < half - 1; i++, ri += stride) {
		sum += in[ri];
		cnt++;
	}
	for (int i = 0; i < win - half + 1; i++, ri += stride, oi += stride) {
		sum += in[ri];
		cnt++;
		out[oi] = sum / (float)cnt;
	}
	for (int i = 0; i < len - win; i++, ri += stride, li += stride, oi += stride) {
		sum += in[ri];
		sum -= in[li];
		out[oi] = sum / (float)cnt;
	}
	for (int i = 0; i < half - 1; i++, li += stride, oi += stride) {
		sum -= in[li];
		cnt--;
		out[oi] = sum / (float)cnt;
	}
}

void hf_test_pdq_reference(const uint8_t *pix, int w, int h, int ch, float luma64[4096],
                           int *quality, hf_pdq_hash *hash)
{
	int hw = w, hh = h;
	if (w > 512 || h > 512) {
		hw = hh = 512;
	}
	float *a = malloc(sizeof(float) * (size_t)(hw * hh));
	float *b = malloc(sizeof(float) * (size_t)(hw * hh));
	for (int y = 0; y < hh; y++) {
		for (int x = 0; x < hw; x++) {
			int sy = hh == h ? y : (int)((double)y * h / 512);
			int sx = hw == w ? x : (int)((double)x * w / 512);
			const uint8_t *p = pix + ((size_t)sy * (size_t)w + (size_t)sx) * (size_t)ch;
			a[y * hw + x] = ch == 1 ? (float)p[0]
			                        : 0.299f * (float)p[0] + 0.587f * (float)p[1] +
			                              0.114f * (float)p[2];
		}
	}
	if (hw == 64 && hh == 64) {
		memcpy(luma64, a, 4096 * sizeof(float));
	} else {
		int wr = (hw + 127) / 128, wc = (hh + 127) / 128;
		for (int it = 0; it < 2; it++) {
			for (int y = 0; y < hh; y++) {
				ref_box1d(a + y * hw, b + y * hw, hw, 1, wr);
			}
			for (int x = 0; x < hw; x++) {
				ref_box1d(b + x, a + x, hh, hw, wc);
			}
		}
		for (int i = 0; i < 64; i++) {
			for (int j = 0; j < 64; j++) {
				int si = (int)(((i + 0.5) * hh) / 64),
				    sj = (int)(((j + 0.5) * hw) / 64);
				luma64[i * 64 + j] = a[si * hw + sj];
			}
		}
	}
	int g = 0;
	for (int i = 0; i < 63; i++) {
		for (int j = 0; j < 64; j++) {
			g += abs(
			    (int)(((luma64[i * 64 + j] - luma64[(i + 1) * 64 + j]) * 100) / 255));
		}
	}
	for (int i = 0; i < 64; i++) {
		for (int j = 0; j < 63; j++) {
			g +=
			    abs((int)(((luma64[i * 64 + j] - luma64[i * 64 + j + 1]) * 100) / 255));
		}
	}
	*quality = g / 90 > 100 ? 100 : g / 90;
	static float t[16][64], dct[256], sorted[256];
	for (int i = 0; i < 16; i++) {
		for (int j = 0; j < 64; j++) {
			float sum = 0.0f;
			for (int k = 0; k < 64; k++) {
				float prod = hfi_pdq_dct_matrix[i][k] * luma64[k * 64 + j];
				sum = sum + prod;
			}
			t[i][j] = sum;
		}
	}
	for (int i = 0; i < 16; i++) {
		for (int j = 0; j < 16; j++) {
			float sum = 0.0f;
			for (int k = 0; k < 64; k++) {
				float prod = t[i][k] * hfi_pdq_dct_matrix[j][k];
				sum = sum + prod;
			}
			dct[i * 16 + j] = sum;
		}
	}
	memcpy(sorted, dct, sizeof(dct));
	for (int i = 1; i < 256; i++) { /* insertion sort: obviously correct */
		float v = sorted[i];
		int k = i - 1;
		for (; k >= 0 && sorted[k] > v; k--) {
			sorted[k + 1] = sorted[k];
		}
		sorted[k + 1] = v;
	}
	memset(hash, 0, sizeof(*hash));
	for (int k = 0; k < 256; k++) {
		if (dct[k] > sorted[127]) {
			hash->b[31 - k / 8] |= (uint8_t)(1u << (k % 8));
		}
	}
	free(a);
	free(b);
}
