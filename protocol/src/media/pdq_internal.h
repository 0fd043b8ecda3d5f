#ifndef HASHFED_PDQ_INTERNAL_H
#define HASHFED_PDQ_INTERNAL_H

/* Cross-file internals of the PDQ port, also used by tests to check the
 * reference's intermediate vectors stage by stage. */

#include <stddef.h>
#include <stdint.h>

#include "hashfed/pdq.h"

/* The 16x64 DCT matrix (pdq_dct_table.c). */
extern const float hfi_pdq_dct_matrix[16][64];

/* Intermediate values of one hash computation (see expected/vectors/). */
typedef struct hfi_pdq_trace {
	uint32_t hashed_w, hashed_h; /* after the 512 resize */
	unsigned win_rows, win_cols; /* Jarosz windows along rows / columns */
	int quality;
	float luma64[64 * 64]; /* row-major 64x64 buffer after blur+decimation */
	float dct[16 * 16];    /* row-major, [i][j]: i vertical frequency */
	float median;
	hf_pdq_hash hash;
} hfi_pdq_trace;

/*
 * Same contract as hf_pdq_hash_pixels (without dihedral variants), also
 * filling *trace.
 */
hf_err hfi_pdq_hash_trace(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                          unsigned channels, hfi_pdq_trace *trace) HF_MUST_CHECK;

/*
 * Reusable buffers for hashing many images of one size without PDQ's 512x512
 * pre-resize, as vPDQ hashes video frames (its frame hasher calls
 * pdqHash256FromFloatLuma on the whole frame). Sides must be >= 5
 * (HF_EIMGSMALL); HF_ENOMEM.
 */
typedef struct hfi_pdq_ws hfi_pdq_ws;
hf_err hfi_pdq_ws_new(uint32_t width, uint32_t height, hfi_pdq_ws **out) HF_MUST_CHECK;
void hfi_pdq_ws_free(hfi_pdq_ws *ws);
/* Hash width x height pixels (the workspace's size) of `channels` 1 or 3. */
hf_err hfi_pdq_hash_full(hfi_pdq_ws *ws, const uint8_t *pixels, size_t stride, unsigned channels,
                         hf_pdq_hash *hash, int *quality) HF_MUST_CHECK;

/*
 * The reference's pre-resize: source index sampled by output index `o` when a
 * side of `n` > 512 is squeezed to 512 (floor(o * n / 512)).
 */
static inline uint32_t hfi_pdq_nn_src(uint32_t o, uint32_t n)
{
	return (uint32_t)(((uint64_t)o * n) / HF_PDQ_MAX_DIM);
}

/* Side length after the pre-resize. Both sides become 512 if either exceeds it. */
static inline void hfi_pdq_resized_dims(uint32_t w, uint32_t h, uint32_t *ow, uint32_t *oh)
{
	if (w > HF_PDQ_MAX_DIM || h > HF_PDQ_MAX_DIM) {
		*ow = HF_PDQ_MAX_DIM;
		*oh = HF_PDQ_MAX_DIM;
	} else {
		*ow = w;
		*oh = h;
	}
}

#endif
