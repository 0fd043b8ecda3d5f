/*
 * PDQ hashing core in process (no decode, no process start-up): hashes/s of
 * hf_pdq_hash_pixels on 512x512 RGB (the size every larger image is reduced
 * to) against a plain transcription of the reference (tests/common/hf_pdq_ref.c,
 * two buffers, scalar strided blur) in the same run; also checks both agree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "hf_pdq_ref.h"
#include "hashfed/pdq.h"

static double rate(int which, const uint8_t *pix, int n)
{
	hf_pdq_hash h;
	float luma[4096];
	int q;
	double t0 = hf_test_now();
	for (int i = 0; i < n; i++) {
		if (which == 0) {
			if (hf_pdq_hash_pixels(pix, 512, 512, 512 * 3, 3, &h, &q, NULL) != HF_OK) {
				abort();
			}
		} else {
			hf_test_pdq_reference(pix, 512, 512, 3, luma, &q, &h);
		}
	}
	return n / (hf_test_now() - t0);
}

int main(void)
{
	uint8_t *pix = malloc(512 * 512 * 3);
	hf_pdq_hash a, b;
	float luma[4096];
	int qa, qb;
	if (pix == NULL) {
		return 1;
	}
	for (int y = 0; y < 512; y++) {
		for (int x = 0; x < 512; x++) {
			for (int c = 0; c < 3; c++) {
				double v = 128 + 100 * sin(x / 37.0 + c) * cos(y / 23.0) +
				           (double)((x * 7 + y * 13 + c * 5) % 17);
				pix[(y * 512 + x) * 3 + c] = (uint8_t)(v < 0     ? 0
				                                       : v > 255 ? 255
				                                                 : v);
			}
		}
	}
	if (hf_pdq_hash_pixels(pix, 512, 512, 512 * 3, 3, &a, &qa, NULL) != HF_OK) {
		return 1;
	}
	hf_test_pdq_reference(pix, 512, 512, 3, luma, &qb, &b);
	if (hf_pdq_distance(&a, &b) != 0 || qa != qb) {
		fprintf(stderr, "bench_pdq_core: results differ from the reference\n");
		return 1;
	}
	double best_o = 0, best_b = 0;
	for (int rep = 0; rep < 5; rep++) {
		double o = rate(0, pix, 100), r = rate(1, pix, 20);
		best_o = o > best_o ? o : best_o;
		best_b = r > best_b ? r : best_b;
	}
	printf("{\"bench\":\"pdq_core_512_rgb\",\"unit\":\"hashes/s\",\"ours\":%.1f,"
	       "\"baseline\":\"plain-reference-port\",\"baseline_value\":%.1f,\"ratio\":%.3f}\n",
	       best_o, best_b, best_o / best_b);
	free(pix);
	return 0;
}
