#ifndef HASHFED_CONTENT_H
#define HASHFED_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/digest.h"
#include "hashfed/err.h"
#include "hashfed/image.h"
#include "hashfed/pdq.h"

/*
 * One call for intake: image bytes -> PDQ hash, quality, MD5, SHA-256 and
 * optionally the eight dihedral PDQ variants.
 */
typedef struct hf_content_hashes {
	hf_digests digests;                    /* valid whenever has_digests */
	hf_pdq_hash pdq;                       /* valid only when the call returns HF_OK */
	int quality;                           /* 0..100; upstream discards < HF_PDQ_MIN_QUALITY */
	hf_pdq_hash dihedral[HF_PDQ_DIHEDRAL]; /* valid if has_dihedral */
	bool has_digests;
	bool has_dihedral;
	hf_image_format format;
	uint32_t width, height; /* as stored in the file */
} hf_content_hashes;

/*
 * Hash `len` bytes at `data`. `limits` NULL means hf_image_limits_default().
 * The digests are computed first and reported (has_digests) even when the
 * image part then fails, since MD5/SHA-256 apply to any file; the PDQ fields
 * are only meaningful on HF_OK (never an all-zero placeholder).
 *
 * Errors: those of hf_image_decode_pdq and hf_pdq_hash_pixels (HF_EFILESIZE
 * is checked before anything is read), HF_ECRYPTO.
 */
HF_API hf_err hf_content_hash(const uint8_t *data, size_t len, const hf_image_limits *limits,
                              bool want_dihedral, hf_content_hashes *out) HF_MUST_CHECK
    HF_NONNULL(5);

#endif
