/*
 * Image decoding front end: format sniffing, limits, and the row sink that
 * applies PDQ's nearest-neighbour resize while decoding (so a 12 MP photo
 * never needs a 12 MP buffer) and decides grey vs colour the way ImageMagick
 * does (every pixel R = G = B -> one grey channel).
 */
#include <stdlib.h>
#include <string.h>

#include "hashfed/limits.h"
#include "image_internal.h"
#include "pdq_internal.h"
#include "hf_check.h"

hf_image_limits hf_image_limits_default(void)
{
	hf_image_limits l = {
	    .max_side = HF_IMG_MAX_SIDE,
	    .max_pixels = HF_IMG_MAX_PIXELS,
	    .max_scans = HF_IMG_MAX_SCANS,
	    .max_file_size = HF_IMG_MAX_FILE_SIZE,
	};
	return l;
}

hf_image_format hf_image_sniff(const uint8_t *data, size_t len)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	if (data == NULL) {
		return HF_IMAGE_UNKNOWN;
	}
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) {
		return HF_IMAGE_JPEG;
	}
	if (len >= 8 && memcmp(data, png_sig, 8) == 0) {
		return HF_IMAGE_PNG;
	}
	if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0) {
		return HF_IMAGE_WEBP;
	}
	return HF_IMAGE_UNKNOWN;
}

const char *hf_image_format_name(hf_image_format f)
{
	switch (f) {
	case HF_IMAGE_JPEG:
		return "jpeg";
	case HF_IMAGE_PNG:
		return "png";
	case HF_IMAGE_WEBP:
		return "webp";
	default:
		return "unknown";
	}
}

hf_err hf_image_decode_pdq(const uint8_t *data, size_t len, const hf_image_limits *limits,
                           hf_image *out)
{
	hf_image_limits def = hf_image_limits_default();
	const hf_image_limits *lim = limits != NULL ? limits : &def;

	memset(out, 0, sizeof(*out));
	HF_ENSURE(data != NULL || len == 0, HF_EINVAL);
	HF_ENSURE(len <= lim->max_file_size, HF_EFILESIZE);
	switch (hf_image_sniff(data, len)) {
	case HF_IMAGE_JPEG:
		return hfi_image_decode_jpeg(data, len, lim, out);
	case HF_IMAGE_PNG:
		return hfi_image_decode_png(data, len, lim, out);
	case HF_IMAGE_WEBP:
		return hfi_image_decode_webp(data, len, lim, out);
	default:
		return HF_EIMGFORMAT;
	}
}

void hf_image_clear(hf_image *img)
{
	if (img == NULL) {
		return;
	}
	free(img->pixels);
	memset(img, 0, sizeof(*img));
}

hf_err hfi_img_check_dims(const hf_image_limits *lim, uint32_t w, uint32_t h)
{
	HF_ENSURE(w <= lim->max_side && h <= lim->max_side, HF_EIMGSIDE);
	HF_ENSURE((uint64_t)w * h <= lim->max_pixels, HF_EIMGPIXELS);
	HF_ENSURE(w >= HF_PDQ_MIN_DIM && h >= HF_PDQ_MIN_DIM, HF_EIMGSMALL);
	return HF_OK;
}

hf_err hfi_sink_init(hfi_img_sink *s, const hf_image_limits *lim, uint32_t w, uint32_t h,
                     unsigned ch)
{
	memset(s, 0, sizeof(*s));
	HF_TRY(hfi_img_check_dims(lim, w, h));
	HF_ENSURE(ch == 1 || ch == 3, HF_EINTERNAL);
	s->sw = w;
	s->sh = h;
	s->ch = ch;
	s->grey = true;
	hfi_pdq_resized_dims(w, h, &s->ow, &s->oh);
	s->xmap = malloc((size_t)s->ow * sizeof(uint32_t));
	s->pix = malloc((size_t)s->ow * s->oh * ch);
	if (s->xmap == NULL || s->pix == NULL) {
		hfi_sink_clear(s);
		return HF_ENOMEM;
	}
	for (uint32_t x = 0; x < s->ow; x++) {
		s->xmap[x] = s->ow == w ? x : hfi_pdq_nn_src(x, w);
	}
	return HF_OK;
}

static uint32_t src_row(const hfi_img_sink *s, uint32_t o)
{
	return s->oh == s->sh ? o : hfi_pdq_nn_src(o, s->sh);
}

bool hfi_sink_wants(const hfi_img_sink *s, uint32_t y)
{
	return s->next < s->oh && src_row(s, s->next) == y;
}

static bool row_is_grey(const uint8_t *row, uint32_t w)
{
	for (uint32_t x = 0; x < w; x++, row += 3) {
		if (row[0] != row[1] || row[0] != row[2]) {
			return false;
		}
	}
	return true;
}

void hfi_sink_row_sampled(hfi_img_sink *s, uint32_t y, const uint8_t *row)
{
	uint8_t *first = NULL;
	while (hfi_sink_wants(s, y)) {
		uint8_t *o = s->pix + (size_t)s->next * s->ow * s->ch;
		if (first != NULL) {
			/* Row repeated by an upscale: copy the one already sampled. */
			memcpy(o, first, (size_t)s->ow * s->ch);
		} else if (s->ch == 1) {
			for (uint32_t x = 0; x < s->ow; x++) {
				o[x] = row[s->xmap[x]];
			}
		} else {
			for (uint32_t x = 0; x < s->ow; x++, o += 3) {
				const uint8_t *p = row + (size_t)s->xmap[x] * 3;
				o[0] = p[0];
				o[1] = p[1];
				o[2] = p[2];
			}
			o -= (size_t)s->ow * 3;
		}
		first = o;
		s->next++;
	}
}

void hfi_sink_row(hfi_img_sink *s, uint32_t y, const uint8_t *row)
{
	if (s->ch == 3 && s->grey && !row_is_grey(row, s->sw)) {
		s->grey = false;
	}
	hfi_sink_row_sampled(s, y, row);
}

void hfi_sink_finish(hfi_img_sink *s, hf_image_format f, hf_image *out)
{
	if (s->ch == 3 && s->grey) {
		size_t n = (size_t)s->ow * s->oh;
		for (size_t i = 0; i < n; i++) {
			s->pix[i] = s->pix[3 * i];
		}
		s->ch = 1;
	}
	out->format = f;
	out->src_width = s->sw;
	out->src_height = s->sh;
	out->width = s->ow;
	out->height = s->oh;
	out->channels = s->ch;
	out->pixels = s->pix;
	s->pix = NULL;
	hfi_sink_clear(s);
}

void hfi_sink_clear(hfi_img_sink *s)
{
	free(s->xmap);
	free(s->pix);
	s->xmap = NULL;
	s->pix = NULL;
}
