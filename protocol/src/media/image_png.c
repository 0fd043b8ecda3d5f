/*
 * PNG decoding with libpng from memory. libpng reports errors by calling our
 * error function, which must not return: it longjmps back here (never prints).
 * Pixels as ImageMagick would hand them to the reference: palette expanded,
 * sub-byte grey expanded to 0..255, alpha dropped (not composited), 16-bit
 * samples scaled to 8 bits (ALGORITHM.md §1: deliberately not the
 * reference's low-byte bug), gamma and colour profiles ignored.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "hashfed/buf.h"
#include "image_internal.h"
#include "hf_check.h"

/* Ancillary chunks (iCCP, zTXt...) PDQ never uses: cap their (decompressed)
 * memory; large enough for real-world ICC profiles. */
enum { PNG_CHUNK_MAX = 8 << 20, PNG_CHUNK_CACHE = 128 };

typedef struct png_ctx {
	hf_reader rd;
	hf_err code;
	hfi_img_sink sink;
	uint8_t *buf;    /* one row, or the whole image when interlaced */
	png_bytep *rows; /* row pointers into buf (interlaced only) */
} png_ctx;

static void png_err(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_read(png_structp png, png_bytep out, size_t n)
{
	png_ctx *c = png_get_io_ptr(png);
	if (hf_reader_copy(&c->rd, out, n) != HF_OK) {
		png_error(png, "truncated");
	}
}

/* Row of `ch` channels (1..4 after transforms) to grey or RGB in place. */
static void strip_alpha(uint8_t *row, uint32_t w, unsigned ch)
{
	if (ch == 2) {
		for (uint32_t x = 0; x < w; x++) {
			row[x] = row[2 * x];
		}
	} else if (ch == 4) {
		for (uint32_t x = 0; x < w; x++) {
			row[3 * x] = row[4 * x];
			row[3 * x + 1] = row[4 * x + 1];
			row[3 * x + 2] = row[4 * x + 2];
		}
	}
}

/* Everything between setjmp and the end; returns through longjmp on error. */
static hf_err decode(png_structp png, png_infop info, png_ctx *c, const hf_image_limits *lim,
                     hf_image *out)
{
	png_uint_32 w, h;
	int depth, ctype, interlace;

	png_set_read_fn(png, c, png_read);
	/* Our own limit check below gives the specific error codes. */
	png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
	png_set_chunk_malloc_max(png, PNG_CHUNK_MAX);
	png_set_chunk_cache_max(png, PNG_CHUNK_CACHE);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
	HF_TRY(hfi_img_check_dims(lim, w, h));

	if (ctype == PNG_COLOR_TYPE_PALETTE) {
		png_set_palette_to_rgb(png);
	}
	if ((ctype & PNG_COLOR_MASK_COLOR) == 0 && depth < 8) {
		png_set_expand_gray_1_2_4_to_8(png);
	}
	if (depth == 16) {
		png_set_scale_16(png);
	}
	int passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	unsigned ch = png_get_channels(png, info);
	size_t rowbytes = png_get_rowbytes(png, info);
	HF_ENSURE(ch >= 1 && ch <= 4 && rowbytes == (size_t)w * ch, HF_EIMGFORMAT);
	unsigned sink_ch = (ch <= 2) ? 1 : 3;
	HF_TRY(hfi_sink_init(&c->sink, lim, w, h, sink_ch));

	if (passes == 1) {
		c->buf = malloc(rowbytes);
		HF_ENSURE(c->buf != NULL, HF_ENOMEM);
		for (uint32_t y = 0; y < h; y++) {
			png_read_row(png, c->buf, NULL);
			strip_alpha(c->buf, w, ch);
			hfi_sink_row(&c->sink, y, c->buf);
		}
	} else {
		/* Adam7 needs the whole image; bounded by max_pixels * 4. */
		c->buf = malloc(rowbytes * h);
		c->rows = malloc(sizeof(png_bytep) * h);
		HF_ENSURE(c->buf != NULL && c->rows != NULL, HF_ENOMEM);
		for (uint32_t y = 0; y < h; y++) {
			c->rows[y] = c->buf + (size_t)y * rowbytes;
		}
		png_read_image(png, c->rows);
		for (uint32_t y = 0; y < h; y++) {
			strip_alpha(c->rows[y], w, ch);
			hfi_sink_row(&c->sink, y, c->rows[y]);
		}
	}
	hfi_sink_finish(&c->sink, HF_IMAGE_PNG, out);
	return HF_OK;
}

/*
 * The IHDR chunk must come first (PNG spec 5.6): read its dimensions with the
 * bounded reader and refuse oversized images before libpng runs at all, so
 * the refusal has its specific code even if the rest of the file is junk.
 */
static hf_err precheck_ihdr(const uint8_t *data, size_t len, const hf_image_limits *lim)
{
	hf_reader r = hf_reader_init(data, len);
	const uint8_t *sig, *type;
	uint32_t chunk_len, w, h;

	HF_ENSURE(hf_reader_bytes(&r, 8, &sig) == HF_OK, HF_EIMGDECODE);
	HF_ENSURE(hf_reader_u32be(&r, &chunk_len) == HF_OK, HF_EIMGDECODE);
	HF_ENSURE(hf_reader_bytes(&r, 4, &type) == HF_OK, HF_EIMGDECODE);
	HF_ENSURE(chunk_len == 13 && memcmp(type, "IHDR", 4) == 0, HF_EIMGDECODE);
	HF_ENSURE(hf_reader_u32be(&r, &w) == HF_OK, HF_EIMGDECODE);
	HF_ENSURE(hf_reader_u32be(&r, &h) == HF_OK, HF_EIMGDECODE);
	return hfi_img_check_dims(lim, w, h);
}

hf_err hfi_image_decode_png(const uint8_t *data, size_t len, const hf_image_limits *lim,
                            hf_image *out)
{
	png_ctx *c = calloc(1, sizeof(*c));
	png_structp png = NULL;
	png_infop info = NULL;
	hf_err rc = precheck_ihdr(data, len, lim);

	if (rc != HF_OK || c == NULL) {
		free(c);
		return rc != HF_OK ? rc : HF_ENOMEM;
	}
	rc = HF_ENOMEM;
	c->rd = hf_reader_init(data, len);
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_err, png_warn);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL) {
		goto out;
	}
	/* Only `c` (heap) is touched after a longjmp, so no volatile locals. */
	if (setjmp(png_jmpbuf(png))) {
		c->code = HF_EIMGDECODE;
	} else {
		c->code = decode(png, info, c, lim, out);
	}
	rc = c->code;
out:
	png_destroy_read_struct(png != NULL ? &png : NULL, info != NULL ? &info : NULL, NULL);
	hfi_sink_clear(&c->sink);
	free(c->buf);
	free(c->rows);
	free(c);
	if (rc != HF_OK) {
		hf_image_clear(out);
	}
	return rc;
}
