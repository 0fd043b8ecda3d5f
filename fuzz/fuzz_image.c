/*
 * Fuzz target for image decoding and PDQ hashing of untrusted bytes.
 * Targets: hf_image_decode_pdq (hfi_image_decode_jpeg / _png / _webp, the
 * row sink and limits), hf_pdq_hash_pixels (with dihedral variants) and
 * hf_content_hash. Limits are lowered so each input stays fast.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hashfed/content.h"
#include "hashfed/image.h"
#include "hashfed/pdq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_image_limits lim = hf_image_limits_default();
	hf_image img;

	lim.max_side = 4096;
	lim.max_pixels = 4u << 20;
	lim.max_scans = 32;
	lim.max_file_size = 1u << 20;
	if (hf_image_decode_pdq(data, size, &lim, &img) == HF_OK) {
		hf_pdq_hash h, dih[HF_PDQ_DIHEDRAL];
		int q;
		/* A decoded image is always hashable. */
		if (hf_pdq_hash_pixels(img.pixels, img.width, img.height,
		                       (size_t)img.width * img.channels, img.channels, &h, &q,
		                       dih) != HF_OK) {
			abort();
		}
		if (q < 0 || q > 100 || hf_pdq_distance(&h, &dih[0]) > 256) {
			abort();
		}
		hf_image_clear(&img);
	} else if (img.pixels != NULL) {
		abort(); /* no output on error */
	}
	hf_content_hashes ch;
	(void)!hf_content_hash(data, size, &lim, false, &ch);
	return 0;
}
