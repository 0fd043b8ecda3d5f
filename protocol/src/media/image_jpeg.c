/*
 * JPEG decoding with libjpeg-turbo from memory, with the decoder settings
 * ImageMagick uses for the reference (libjpeg defaults: ISLOW IDCT, fancy
 * upsampling), so the pixels are bit-identical to `convert FILE pnm:-`.
 *
 * libjpeg's default error handler prints and calls exit(): ours longjmps back
 * with an hf_err, warnings are counted silently, a truncated stream is an
 * error, and a progress monitor stops progressive files with too many scans.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "image_internal.h"
#include "hf_check.h"

typedef struct jpeg_ctx {
	struct jpeg_error_mgr err; /* first: libjpeg casts cinfo->err to us */
	struct jpeg_progress_mgr progress;
	struct jpeg_decompress_struct cinfo;
	jmp_buf jb;
	hf_err code;
	unsigned max_scans;
	bool truncated;
	hfi_img_sink sink;
	uint8_t *row;
	uint8_t *rgb;
} jpeg_ctx;

static void j_error_exit(j_common_ptr ci)
{
	jpeg_ctx *c = (jpeg_ctx *)(void *)ci->err;
	if (c->code == HF_OK) {
		c->code = HF_EIMGDECODE;
	}
	longjmp(c->jb, 1);
}

static void j_emit_message(j_common_ptr ci, int level)
{
	jpeg_ctx *c = (jpeg_ctx *)(void *)ci->err;
	if (level < 0) {
		ci->err->num_warnings++;
		if (ci->err->msg_code == JWRN_JPEG_EOF) {
			c->truncated = true;
		}
	}
}

static void j_output_message(j_common_ptr ci)
{
	(void)ci;
}

static void j_progress(j_common_ptr ci)
{
	jpeg_ctx *c = (jpeg_ctx *)(void *)ci->err;
	if (c->cinfo.input_scan_number > (int)c->max_scans) {
		c->code = HF_EIMGSCANS;
		longjmp(c->jb, 1);
	}
}

/*
 * ImageMagick 6 (Q16, non-HDRI) reads CMYK JPEG samples inverted (Adobe
 * convention), converts to sRGB in double as
 *   R = QR - (QuantumScale * C * (QR - K) + K)
 * rounds to a 16-bit quantum, and the PNM writer scales that to 8 bits.
 */
static uint8_t cmyk_channel(uint8_t s, uint8_t sk)
{
	const double qr = 65535.0, qscale = 1.0 / 65535.0;
	double c = qr - 257.0 * s, k = qr - 257.0 * sk;
	double v = qr - (qscale * c * (qr - k) + k);
	unsigned q = v <= 0.0 ? 0u : v >= qr ? 65535u : (unsigned)(v + 0.5);
	return (uint8_t)(((q + 128u) - ((q + 128u) >> 8)) >> 8);
}

static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, uint32_t w)
{
	for (uint32_t x = 0; x < w; x++, in += 4, out += 3) {
		out[0] = cmyk_channel(in[0], in[3]);
		out[1] = cmyk_channel(in[1], in[3]);
		out[2] = cmyk_channel(in[2], in[3]);
	}
}

/* Between setjmp and the end; errors arrive by longjmp to the caller. */
static hf_err decode(jpeg_ctx *c, const uint8_t *data, size_t len, const hf_image_limits *lim,
                     hf_image *out)
{
	j_decompress_ptr ci = &c->cinfo;

	jpeg_mem_src(ci, data, (unsigned long)len);
	jpeg_read_header(ci, TRUE);
	HF_TRY(hfi_img_check_dims(lim, ci->image_width, ci->image_height));
	/* Bound libjpeg's own allocations (whole-image coefficient buffers of
	 * progressive files): 4 components x 2 bytes per pixel, plus slack. */
	const uint64_t slack = 64u << 20, cap = (uint64_t)LONG_MAX;
	ci->mem->max_memory_to_use =
	    lim->max_pixels > (cap - slack) / 8 ? LONG_MAX : (long)(lim->max_pixels * 8 + slack);

	bool cmyk = false;
	switch (ci->jpeg_color_space) {
	case JCS_GRAYSCALE:
		ci->out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		ci->out_color_space = JCS_CMYK;
		cmyk = true;
		break;
	default:
		ci->out_color_space = JCS_RGB;
		break;
	}
	jpeg_start_decompress(ci);
	uint32_t w = ci->output_width, h = ci->output_height;
	unsigned comps = (unsigned)ci->output_components;
	HF_ENSURE(comps == (cmyk                                   ? 4u
	                    : ci->out_color_space == JCS_GRAYSCALE ? 1u
	                                                           : 3u),
	          HF_EIMGFORMAT);
	HF_TRY(hfi_sink_init(&c->sink, lim, w, h, comps == 1 ? 1 : 3));
	c->row = malloc((size_t)w * comps);
	HF_ENSURE(c->row != NULL, HF_ENOMEM);
	if (cmyk) {
		c->rgb = malloc((size_t)w * 3);
		HF_ENSURE(c->rgb != NULL, HF_ENOMEM);
	}
	while (ci->output_scanline < h) {
		uint32_t y = ci->output_scanline;
		/*
		 * Once a colour pixel has been seen the image is known to be RGB (or
		 * it has one channel anyway), so rows the resize does not sample are
		 * skipped: libjpeg-turbo still entropy-decodes them but skips their
		 * colour conversion.
		 */
		if ((c->sink.ch == 1 || !c->sink.grey) && !hfi_sink_wants(&c->sink, y)) {
			uint32_t n = 1;
			while (y + n < h && !hfi_sink_wants(&c->sink, y + n)) {
				n++;
			}
			if (jpeg_skip_scanlines(ci, n) != n) {
				return HF_EIMGDECODE;
			}
			continue;
		}
		JSAMPROW rp = c->row;
		if (jpeg_read_scanlines(ci, &rp, 1) != 1) {
			return HF_EIMGDECODE;
		}
		if (cmyk) {
			cmyk_to_rgb(c->row, c->rgb, w);
			hfi_sink_row(&c->sink, y, c->rgb);
		} else {
			hfi_sink_row(&c->sink, y, c->row);
		}
	}
	jpeg_finish_decompress(ci);
	HF_ENSURE(!c->truncated, HF_EIMGDECODE);
	hfi_sink_finish(&c->sink, HF_IMAGE_JPEG, out);
	return HF_OK;
}

hf_err hfi_image_decode_jpeg(const uint8_t *data, size_t len, const hf_image_limits *lim,
                             hf_image *out)
{
	jpeg_ctx *c = calloc(1, sizeof(*c));
	hf_err rc;

	if (c == NULL) {
		return HF_ENOMEM;
	}
	c->cinfo.err = jpeg_std_error(&c->err);
	c->err.error_exit = j_error_exit;
	c->err.emit_message = j_emit_message;
	c->err.output_message = j_output_message;
	c->max_scans = lim->max_scans;
	/* Only heap state in `c` is used after a longjmp: no volatile locals. */
	if (setjmp(c->jb)) {
		rc = c->code != HF_OK ? c->code : HF_EIMGDECODE;
	} else {
		jpeg_create_decompress(&c->cinfo);
		c->progress.progress_monitor = j_progress;
		c->cinfo.progress = &c->progress;
		rc = decode(c, data, len, lim, out);
	}
	jpeg_destroy_decompress(&c->cinfo);
	hfi_sink_clear(&c->sink);
	free(c->row);
	free(c->rgb);
	free(c);
	if (rc != HF_OK) {
		hf_image_clear(out);
	}
	return rc;
}
