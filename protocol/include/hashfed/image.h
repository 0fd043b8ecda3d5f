#ifndef HASHFED_IMAGE_H
#define HASHFED_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"

/*
 * In-process image decoding for PDQ (JPEG via libjpeg-turbo, PNG via libpng,
 * WebP via libwebp), from bytes in memory: the library never opens files.
 *
 * The decoder reproduces the pixels the reference hasher sees (ImageMagick's
 * `convert FILE pnm:-`): colour channels as stored (alpha dropped, not
 * composited), EXIF orientation ignored, CMYK converted as ImageMagick does,
 * 16-bit samples scaled to 8 bits, and a single grey channel whenever every
 * pixel has R = G = B. Images larger than 512 on either side come out already
 * reduced to 512x512 by PDQ's nearest-neighbour resize, so only the pixels PDQ
 * uses are kept in memory.
 *
 * Input is hostile: every limit below is checked before the memory it guards
 * is allocated, and each refusal has its own error code.
 */

typedef struct hf_image_limits {
	uint32_t max_side;    /* HF_EIMGSIDE if width or height exceeds it */
	uint64_t max_pixels;  /* HF_EIMGPIXELS if width * height exceeds it */
	uint32_t max_scans;   /* HF_EIMGSCANS if a progressive JPEG has more scans */
	size_t max_file_size; /* HF_EFILESIZE if the encoded input is larger */
} hf_image_limits;

/* Defaults from hashfed/limits.h (HF_IMG_MAX_*). */
HF_API hf_image_limits hf_image_limits_default(void);

typedef enum hf_image_format {
	HF_IMAGE_UNKNOWN = 0,
	HF_IMAGE_JPEG,
	HF_IMAGE_PNG,
	HF_IMAGE_WEBP,
} hf_image_format;

/* Format from the leading magic bytes; HF_IMAGE_UNKNOWN if none matches. */
HF_API hf_image_format hf_image_sniff(const uint8_t *data, size_t len);
/* "jpeg", "png", "webp" or "unknown"; never NULL. */
HF_API const char *hf_image_format_name(hf_image_format f);

/* Decoded pixels ready for hf_pdq_hash_pixels(). Clear with hf_image_clear(). */
typedef struct hf_image {
	hf_image_format format;
	uint32_t src_width, src_height; /* as stored in the file */
	uint32_t width, height;         /* of `pixels` (after the 512 resize) */
	unsigned channels;              /* 1 (grey) or 3 (R,G,B) */
	uint8_t *pixels;                /* width * height * channels bytes, rows packed */
} hf_image;

/*
 * Decode `data` (`len` bytes; JPEG, PNG or WebP by magic) into *out, owned by
 * the caller (hf_image_clear frees it). `limits` NULL means the defaults.
 *
 * Errors: HF_EFILESIZE, HF_EIMGFORMAT (not JPEG/PNG/WebP, or an unsupported
 * variant such as animated WebP), HF_EIMGSIDE, HF_EIMGPIXELS, HF_EIMGSCANS,
 * HF_EIMGSMALL (a side below 5 pixels: PDQ cannot hash it), HF_EIMGDECODE
 * (corrupt or truncated data), HF_ENOMEM. On error *out is zeroed.
 */
HF_API hf_err hf_image_decode_pdq(const uint8_t *data, size_t len, const hf_image_limits *limits,
                                  hf_image *out) HF_MUST_CHECK HF_NONNULL(4);

/* Free the pixels and zero the struct; NULL and cleared images are fine. */
HF_API void hf_image_clear(hf_image *img);

#endif
