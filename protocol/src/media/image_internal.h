#ifndef HASHFED_IMAGE_INTERNAL_H
#define HASHFED_IMAGE_INTERNAL_H

/* Shared by the per-format decoders (image_jpeg.c, image_png.c, image_webp.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/image.h"

/*
 * Collects decoded rows into the PDQ input: keeps only the rows and columns
 * the reference's nearest-neighbour resize samples, and watches every pixel
 * of every row for R = G = B (ImageMagick then emits one grey channel).
 * Rows must be pushed in order 0..src_h-1.
 */
typedef struct hfi_img_sink {
	uint32_t sw, sh; /* source size */
	uint32_t ow, oh; /* output size (<= 512x512) */
	unsigned ch;     /* 1 or 3, of pushed rows and of `pix` */
	bool grey;       /* every pixel pushed so far had R = G = B */
	uint32_t next;   /* next output row to fill */
	uint32_t *xmap;  /* output column -> source column */
	uint8_t *pix;    /* ow * oh * ch */
} hfi_img_sink;

/* Checks the limits (HF_EIMGSIDE, HF_EIMGPIXELS, HF_EIMGSMALL), then allocates. */
hf_err hfi_sink_init(hfi_img_sink *s, const hf_image_limits *lim, uint32_t w, uint32_t h,
                     unsigned ch) HF_MUST_CHECK;
/* Dimension checks alone (before a decoder allocates anything). */
hf_err hfi_img_check_dims(const hf_image_limits *lim, uint32_t w, uint32_t h) HF_MUST_CHECK;
/* True if source row y is sampled (a grey check still needs every row). */
bool hfi_sink_wants(const hfi_img_sink *s, uint32_t y);
/* Push source row y (sw pixels of ch bytes). */
void hfi_sink_row(hfi_img_sink *s, uint32_t y, const uint8_t *row);
/* Store source row y's sampled pixels, skipping the grey check: only for
 * callers that know the whole image is not grey (s->grey already false). */
void hfi_sink_row_sampled(hfi_img_sink *s, uint32_t y, const uint8_t *row);
/* Move the result into *out (grey images collapse to one channel). */
void hfi_sink_finish(hfi_img_sink *s, hf_image_format f, hf_image *out);
void hfi_sink_clear(hfi_img_sink *s);

hf_err hfi_image_decode_jpeg(const uint8_t *data, size_t len, const hf_image_limits *lim,
                             hf_image *out) HF_MUST_CHECK;
hf_err hfi_image_decode_png(const uint8_t *data, size_t len, const hf_image_limits *lim,
                            hf_image *out) HF_MUST_CHECK;
hf_err hfi_image_decode_webp(const uint8_t *data, size_t len, const hf_image_limits *lim,
                             hf_image *out) HF_MUST_CHECK;

#endif
