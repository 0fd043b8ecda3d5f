/*
 * WebP decoding with libwebp from memory: default settings (fancy chroma
 * upsampling), as ImageMagick decodes for the reference. Alpha is dropped.
 * libwebp decodes the whole frame at once, so the buffer is width * height * 3,
 * bounded by the pixel limit checked first. Animated files are refused.
 */
#include <stdlib.h>

#include <webp/decode.h>

#include "image_internal.h"
#include "hf_check.h"

hf_err hfi_image_decode_webp(const uint8_t *data, size_t len, const hf_image_limits *lim,
                             hf_image *out)
{
	WebPBitstreamFeatures f;
	hfi_img_sink sink = {0};
	uint8_t *rgb = NULL;
	hf_err rc = HF_EIMGDECODE;

	VP8StatusCode st = WebPGetFeatures(data, len, &f);
	if (st == VP8_STATUS_UNSUPPORTED_FEATURE) {
		return HF_EIMGFORMAT;
	}
	if (st != VP8_STATUS_OK || f.width <= 0 || f.height <= 0) {
		return HF_EIMGDECODE;
	}
	HF_ENSURE(!f.has_animation, HF_EIMGFORMAT);
	uint32_t w = (uint32_t)f.width, h = (uint32_t)f.height;
	HF_CHECK(hfi_sink_init(&sink, lim, w, h, 3));
	size_t stride = (size_t)w * 3;
	rgb = malloc(stride * h);
	if (rgb == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	if (WebPDecodeRGBInto(data, len, rgb, stride * h, (int)stride) == NULL) {
		rc = HF_EIMGDECODE;
		goto out;
	}
	for (uint32_t y = 0; y < h; y++) {
		hfi_sink_row(&sink, y, rgb + (size_t)y * stride);
	}
	hfi_sink_finish(&sink, HF_IMAGE_WEBP, out);
	rc = HF_OK;
out:
	free(rgb);
	hfi_sink_clear(&sink);
	return rc;
}
