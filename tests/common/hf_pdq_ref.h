#ifndef HF_PDQ_REF_H
#define HF_PDQ_REF_H

#include <stdint.h>

#include "hashfed/pdq.h"

/*
 * Plain transcription of the reference PDQ pipeline (two full buffers, strided
 * scalar box filter, naive DCT, insertion-sort median) for `pix` of w x h
 * pixels with ch = 1 or 3 packed channels. Fills the 64x64 buffer, quality and
 * hash. Slow and obviously faithful: the optimised code must equal it.
 */
void hf_test_pdq_reference(const uint8_t *pix, int w, int h, int ch, float luma64[4096],
                           int *quality, hf_pdq_hash *hash);

#endif
