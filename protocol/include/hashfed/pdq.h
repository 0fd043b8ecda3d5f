#ifndef HASHFED_PDQ_H
#define HASHFED_PDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"

/*
 * PDQ photo hash, a bit-exact port of Meta's reference (facebook/ThreatExchange
 * pdq/cpp): same float arithmetic, same order of operations, same output.
 * See docs/pdq.md and ../shared/data/pdq/ALGORITHM.md.
 *
 * Byte and bit order: the reference prints the hash as a 256-bit integer in
 * 64 hex digits, most significant first; bit k (k = 16*i + j, 0 = least
 * significant) is DCT coefficient row i, column j. hf_pdq_hash.b holds that
 * integer big-endian, so b[] is the plain hex-to-bytes decoding of the
 * reference's text: bit k lives in b[31 - k/8], bit (k % 8).
 */

#define HF_PDQ_HASH_LEN    32
#define HF_PDQ_HEX_LEN     64  /* without the terminating NUL */
#define HF_PDQ_DIHEDRAL    8   /* orientation variants */
#define HF_PDQ_MAX_DIM     512 /* larger images are resized to 512x512 first */
#define HF_PDQ_MIN_DIM     5   /* smaller sides cannot be hashed */
#define HF_PDQ_MATCH_DIST  31  /* upstream's confident-match Hamming distance */
#define HF_PDQ_MIN_QUALITY 50  /* upstream: discard hashes of lower quality */

typedef struct hf_pdq_hash {
	uint8_t b[HF_PDQ_HASH_LEN];
} hf_pdq_hash;

/*
 * Dihedral variants, in the reference's order (pdq-photo-hasher
 * --pdqdih-across). Derived from the original's DCT, not by re-hashing
 * rotated pixels.
 */
typedef enum hf_pdq_dihedral {
	HF_PDQ_ORIGINAL = 0,
	HF_PDQ_ROTATE_90, /* counter-clockwise */
	HF_PDQ_ROTATE_180,
	HF_PDQ_ROTATE_270,
	HF_PDQ_FLIP_X,      /* top and bottom swap */
	HF_PDQ_FLIP_Y,      /* left-right mirror */
	HF_PDQ_FLIP_PLUS1,  /* transpose (main diagonal) */
	HF_PDQ_FLIP_MINUS1, /* anti-diagonal transpose */
} hf_pdq_dihedral;

/*
 * Hash 8-bit pixels. `pixels` has `height` rows of `stride` bytes, each row
 * `width` samples of `channels` bytes: 1 (grey, hashed as the grey value
 * itself) or 3 (R,G,B). Images larger than 512 on either side are first
 * resized to 512x512 by the reference's nearest-neighbour sampling.
 *
 * Pass grey images as one channel: the reference sees them that way, and its
 * RGB luma formula applied to R=G=B differs from the grey value by one ulp on
 * some levels (hf_image_decode_pdq does this for you).
 *
 * `dihedral` is NULL or an array of HF_PDQ_DIHEDRAL hashes to fill in
 * hf_pdq_dihedral order; its [0] equals *hash except for exactly 64x64
 * inputs, where the reference's single-hash path skips the blur.
 *
 * Errors: HF_EINVAL (bad channels, stride or NULL pixels), HF_EIMGSMALL (a
 * side < 5 after the resize: the reference would give an all-zero hash),
 * HF_ENOMEM. Nothing is written on error.
 */
HF_API hf_err hf_pdq_hash_pixels(const uint8_t *pixels, uint32_t width, uint32_t height,
                                 size_t stride, unsigned channels, hf_pdq_hash *hash, int *quality,
                                 hf_pdq_hash *dihedral) HF_MUST_CHECK HF_NONNULL(6, 7);

/* Lowercase hex, 64 digits, NUL-terminated (`out` has HF_PDQ_HEX_LEN + 1 bytes). */
HF_API void hf_pdq_to_hex(const hf_pdq_hash *h, char out[HF_PDQ_HEX_LEN + 1]) HF_NONNULL(1, 2);

/*
 * Parse exactly 64 hex digits (either case) from `hex` of length `len`.
 * Errors: HF_ELENGTH (not 64 characters), HF_EPARSE (a non-hex character).
 * *out is untouched on error.
 */
HF_API hf_err hf_pdq_from_hex(const char *hex, size_t len, hf_pdq_hash *out) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* Hamming distance, 0..256. */
HF_API unsigned hf_pdq_distance(const hf_pdq_hash *a, const hf_pdq_hash *b) HF_NONNULL(1, 2);

/* Number of set bits (128 unless DCT values tie at the median). */
HF_API unsigned hf_pdq_weight(const hf_pdq_hash *h) HF_NONNULL(1);

/* True if every bit is zero: the reference's "no hash"; never share or index it. */
HF_API bool hf_pdq_is_zero(const hf_pdq_hash *h) HF_NONNULL(1);

/* Bit k (0..255) of the hash in the reference's numbering (see above). */
HF_API bool hf_pdq_bit(const hf_pdq_hash *h, unsigned k) HF_NONNULL(1);

#endif
