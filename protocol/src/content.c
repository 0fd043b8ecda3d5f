#include <string.h>

#include "hashfed/content.h"
#include "hf_check.h"

hf_err hf_content_hash(const uint8_t *data, size_t len, const hf_image_limits *limits,
                       bool want_dihedral, hf_content_hashes *out)
{
	hf_image_limits def = hf_image_limits_default();
	const hf_image_limits *lim = limits != NULL ? limits : &def;
	hf_image img = {0};
	hf_err rc;

	memset(out, 0, sizeof(*out));
	HF_ENSURE(len <= lim->max_file_size, HF_EFILESIZE);
	HF_CHECK(hf_digest_buf(data, len, &out->digests));
	out->has_digests = true;
	HF_CHECK(hf_image_decode_pdq(data, len, lim, &img));
	out->format = img.format;
	out->width = img.src_width;
	out->height = img.src_height;
	HF_CHECK(hf_pdq_hash_pixels(img.pixels, img.width, img.height,
	                            (size_t)img.width * img.channels, img.channels, &out->pdq,
	                            &out->quality, want_dihedral ? out->dihedral : NULL));
	out->has_dihedral = want_dihedral;
out:
	hf_image_clear(&img);
	return rc;
}
