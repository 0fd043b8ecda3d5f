/*
 * Image decoding: self-contained (images are generated in memory with libpng,
 * libjpeg and libwebp), covering pixel layout, grey collapse, alpha, 16-bit,
 * interlace, the 512 resize, every limit error and corrupt inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

#include "hf_test.h"
#include "hashfed/content.h"
#include "hashfed/image.h"
#include "hashfed/pdq.h"

typedef struct membuf {
	uint8_t *p;
	size_t len, cap;
} membuf;

static void mb_put(membuf *m, const void *d, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->p = realloc(m->p, m->cap);
		assert_non_null(m->p);
	}
	memcpy(m->p + m->len, d, n);
	m->len += n;
}

static void png_mb_write(png_structp png, png_bytep d, size_t n)
{
	mb_put(png_get_io_ptr(png), d, n);
}

static void png_mb_flush(png_structp png)
{
	(void)png;
}

/* Encode packed rows of the given PNG type; palette (256 RGB) if given. */
static membuf make_png(uint32_t w, uint32_t h, int ctype, int depth, bool interlace,
                       const uint8_t *rows, size_t rowbytes, const png_color *pal, bool trns)
{
	membuf m = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png))) {
		fail_msg("libpng write failed");
	}
	png_set_write_fn(png, &m, png_mb_write, png_mb_flush);
	png_set_IHDR(png, info, w, h, depth, ctype,
	             interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (pal != NULL) {
		png_set_PLTE(png, info, pal, 256);
	}
	if (trns) {
		png_byte t[256];
		memset(t, 0, sizeof(t));
		png_set_tRNS(png, info, t, 256, NULL);
	}
	png_write_info(png, info);
	if (depth == 16) {
		png_set_swap(png); /* our test buffers hold host-order uint16 */
	}
	int passes = png_set_interlace_handling(png);
	for (int p = 0; p < passes; p++) {
		for (uint32_t y = 0; y < h; y++) {
			png_write_row(png, (png_const_bytep)(rows + y * rowbytes));
		}
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return m;
}

static uint8_t *pattern(uint32_t w, uint32_t h, unsigned ch, unsigned salt)
{
	uint8_t *p = malloc((size_t)w * h * ch);
	assert_non_null(p);
	for (size_t i = 0; i < (size_t)w * h * ch; i++) {
		p[i] = (uint8_t)((i * 7 + (i / ch / w) * 13 + salt * 31 + (i % ch) * 50) & 0xff);
	}
	return p;
}

static void decode_ok(const membuf *m, hf_image *img)
{
	hf_err rc = hf_image_decode_pdq(m->p, m->len, NULL, img);
	if (rc != HF_OK) {
		fail_msg("decode: %s", hf_err_name(rc));
	}
}

static void test_image_png_rgb_and_grey(void **state)
{
	(void)state;
	uint8_t *rgb = pattern(40, 30, 3, 1);
	membuf m = make_png(40, 30, PNG_COLOR_TYPE_RGB, 8, false, rgb, 120, NULL, false);
	hf_image img;
	assert_int_equal(hf_image_sniff(m.p, m.len), HF_IMAGE_PNG);
	decode_ok(&m, &img);
	assert_int_equal(img.format, HF_IMAGE_PNG);
	assert_int_equal(img.width, 40);
	assert_int_equal(img.height, 30);
	assert_int_equal(img.src_width, 40);
	assert_int_equal(img.channels, 3);
	assert_memory_equal(img.pixels, rgb, 40 * 30 * 3);
	hf_image_clear(&img);
	assert_null(img.pixels);
	free(m.p);

	/* RGB with R = G = B everywhere: ImageMagick emits one grey channel. */
	for (size_t i = 0; i < 40 * 30; i++) {
		rgb[3 * i + 1] = rgb[3 * i + 2] = rgb[3 * i];
	}
	m = make_png(40, 30, PNG_COLOR_TYPE_RGB, 8, false, rgb, 120, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 1);
	for (size_t i = 0; i < 40 * 30; i++) {
		assert_int_equal(img.pixels[i], rgb[3 * i]);
	}
	hf_image_clear(&img);
	free(m.p);

	/* One non-grey pixel anywhere keeps three channels. */
	rgb[3 * (29 * 40 + 39) + 1] ^= 1;
	m = make_png(40, 30, PNG_COLOR_TYPE_RGB, 8, false, rgb, 120, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 3);
	hf_image_clear(&img);
	free(m.p);

	uint8_t *grey = pattern(40, 30, 1, 2);
	m = make_png(40, 30, PNG_COLOR_TYPE_GRAY, 8, false, grey, 40, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 1);
	assert_memory_equal(img.pixels, grey, 40 * 30);
	hf_image_clear(&img);
	free(m.p);
	free(grey);
	free(rgb);
}

static void test_image_png_alpha_depth_palette_interlace(void **state)
{
	(void)state;
	hf_image img, ref;
	/* RGBA: alpha dropped, not composited. */
	uint8_t *rgba = pattern(20, 10, 4, 3);
	membuf m = make_png(20, 10, PNG_COLOR_TYPE_RGBA, 8, false, rgba, 80, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 3);
	for (size_t i = 0; i < 200; i++) {
		assert_memory_equal(img.pixels + 3 * i, rgba + 4 * i, 3);
	}
	hf_image_clear(&img);
	free(m.p);
	/* Grey + alpha -> grey. */
	m = make_png(20, 10, PNG_COLOR_TYPE_GRAY_ALPHA, 8, false, rgba, 40, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 1);
	for (size_t i = 0; i < 200; i++) {
		assert_int_equal(img.pixels[i], rgba[2 * i]);
	}
	hf_image_clear(&img);
	free(m.p);

	/* 16-bit samples v * 257 scale back to v. */
	uint16_t *rgb16 = malloc(20 * 10 * 3 * 2);
	for (size_t i = 0; i < 600; i++) {
		rgb16[i] = (uint16_t)(rgba[i] * 257);
	}
	m = make_png(20, 10, PNG_COLOR_TYPE_RGB, 16, false, (uint8_t *)rgb16, 120, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 3);
	assert_memory_equal(img.pixels, rgba, 600);
	hf_image_clear(&img);
	free(m.p);
	free(rgb16);

	/* 1-bit grey: 0 -> 0, 1 -> 255. */
	uint8_t bits[3 * 10];
	for (size_t i = 0; i < sizeof(bits); i++) {
		bits[i] = (uint8_t)(0xa5 ^ i);
	}
	m = make_png(20, 10, PNG_COLOR_TYPE_GRAY, 1, false, bits, 3, NULL, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 1);
	for (uint32_t y = 0; y < 10; y++) {
		for (uint32_t x = 0; x < 20; x++) {
			int bit = (bits[y * 3 + x / 8] >> (7 - x % 8)) & 1;
			assert_int_equal(img.pixels[y * 20 + x], bit ? 255 : 0);
		}
	}
	hf_image_clear(&img);
	free(m.p);

	/* Palette (with transparency, which is ignored). */
	png_color pal[256];
	for (int i = 0; i < 256; i++) {
		pal[i].red = (png_byte)i;
		pal[i].green = (png_byte)(255 - i);
		pal[i].blue = (png_byte)(i * 3);
	}
	uint8_t *idx = pattern(20, 10, 1, 4);
	m = make_png(20, 10, PNG_COLOR_TYPE_PALETTE, 8, false, idx, 20, pal, true);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 3);
	for (size_t i = 0; i < 200; i++) {
		assert_int_equal(img.pixels[3 * i], pal[idx[i]].red);
		assert_int_equal(img.pixels[3 * i + 1], pal[idx[i]].green);
		assert_int_equal(img.pixels[3 * i + 2], pal[idx[i]].blue);
	}
	hf_image_clear(&img);
	free(m.p);

	/* Adam7 interlace decodes to the same pixels. */
	membuf a = make_png(20, 10, PNG_COLOR_TYPE_RGBA, 8, false, rgba, 80, NULL, false);
	membuf b = make_png(20, 10, PNG_COLOR_TYPE_RGBA, 8, true, rgba, 80, NULL, false);
	decode_ok(&a, &ref);
	decode_ok(&b, &img);
	assert_memory_equal(img.pixels, ref.pixels, 600);
	hf_image_clear(&img);
	hf_image_clear(&ref);
	free(a.p);
	free(b.p);
	free(idx);
	free(rgba);
}

/* Larger than 512: only the nearest-neighbour samples are kept. */
static void test_image_resize_on_decode(void **state)
{
	(void)state;
	uint32_t w = 1030, h = 300;
	uint8_t *rgb = pattern(w, h, 3, 5);
	membuf m = make_png(w, h, PNG_COLOR_TYPE_RGB, 8, false, rgb, w * 3, NULL, false);
	hf_image img;
	decode_ok(&m, &img);
	assert_int_equal(img.src_width, w);
	assert_int_equal(img.src_height, h);
	assert_int_equal(img.width, 512);
	assert_int_equal(img.height, 512);
	for (uint32_t y = 0; y < 512; y++) {
		for (uint32_t x = 0; x < 512; x++) {
			uint32_t sy = y * h / 512, sx = x * w / 512;
			assert_memory_equal(img.pixels + (y * 512 + x) * 3,
			                    rgb + ((size_t)sy * w + sx) * 3, 3);
		}
	}
	/* Hashing the decoded image equals hashing the full-size pixels. */
	hf_pdq_hash a, b;
	int qa, qb;
	assert_int_equal(hf_pdq_hash_pixels(img.pixels, 512, 512, 512 * 3, 3, &a, &qa, NULL),
	                 HF_OK);
	assert_int_equal(hf_pdq_hash_pixels(rgb, w, h, (size_t)w * 3, 3, &b, &qb, NULL), HF_OK);
	assert_int_equal(hf_pdq_distance(&a, &b), 0);
	assert_int_equal(qa, qb);
	hf_image_clear(&img);
	free(m.p);
	free(rgb);
}

/* PNG's CRC-32 (no zlib dependency needed in the test). */
static uint32_t crc32_png(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++) {
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
		}
	}
	return c ^ 0xffffffffu;
}

/* A PNG whose IHDR declares w x h, followed by nothing useful. */
static membuf png_header_only(uint32_t w, uint32_t h)
{
	membuf m = {0};
	static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	uint8_t ihdr[4 + 4 + 13 + 4] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
	uint8_t *d = ihdr + 8;
	d[0] = (uint8_t)(w >> 24);
	d[1] = (uint8_t)(w >> 16);
	d[2] = (uint8_t)(w >> 8);
	d[3] = (uint8_t)w;
	d[4] = (uint8_t)(h >> 24);
	d[5] = (uint8_t)(h >> 16);
	d[6] = (uint8_t)(h >> 8);
	d[7] = (uint8_t)h;
	d[8] = 8; /* depth */
	d[9] = 2; /* RGB */
	uint32_t crc = crc32_png(ihdr + 4, 17);
	ihdr[21] = (uint8_t)(crc >> 24);
	ihdr[22] = (uint8_t)(crc >> 16);
	ihdr[23] = (uint8_t)(crc >> 8);
	ihdr[24] = (uint8_t)crc;
	mb_put(&m, sig, 8);
	mb_put(&m, ihdr, sizeof(ihdr));
	return m;
}

static void test_image_limits(void **state)
{
	(void)state;
	hf_image img;
	hf_image_limits lim = hf_image_limits_default();
	uint8_t *rgb = pattern(40, 30, 3, 6);
	membuf m = make_png(40, 30, PNG_COLOR_TYPE_RGB, 8, false, rgb, 120, NULL, false);

	lim.max_side = 39;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &img), HF_EIMGSIDE);
	assert_null(img.pixels);
	lim = hf_image_limits_default();
	lim.max_pixels = 40 * 30 - 1;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &img), HF_EIMGPIXELS);
	lim = hf_image_limits_default();
	lim.max_file_size = m.len - 1;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &img), HF_EFILESIZE);
	lim.max_file_size = m.len;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &img), HF_OK);
	hf_image_clear(&img);
	free(m.p);

	/* Decompression bombs: the header alone is refused, nothing allocated. */
	m = png_header_only(100000, 10);
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, NULL, &img), HF_EIMGSIDE);
	free(m.p);
	m = png_header_only(16000, 16000);
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, NULL, &img), HF_EIMGPIXELS);
	free(m.p);
	/* Valid header, no image data. */
	m = png_header_only(100, 100);
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, NULL, &img), HF_EIMGDECODE);
	free(m.p);

	/* Too small to hash. */
	m = make_png(4, 30, PNG_COLOR_TYPE_RGB, 8, false, rgb, 12, NULL, false);
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, NULL, &img), HF_EIMGSMALL);
	free(m.p);
	m = make_png(30, 4, PNG_COLOR_TYPE_RGB, 8, false, rgb, 90, NULL, false);
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, NULL, &img), HF_EIMGSMALL);
	free(m.p);
	free(rgb);
}

static void test_image_corrupt_png(void **state)
{
	(void)state;
	hf_image img;
	uint8_t *rgb = pattern(64, 64, 3, 7);
	membuf m = make_png(64, 64, PNG_COLOR_TYPE_RGB, 8, false, rgb, 192, NULL, false);
	/* Truncated anywhere after the signature. */
	for (size_t cut = 9; cut < m.len - 12; cut += m.len / 17) {
		assert_int_equal(hf_image_decode_pdq(m.p, cut, NULL, &img), HF_EIMGDECODE);
		assert_null(img.pixels);
	}
	/* A flipped byte in the image data fails the CRC. */
	m.p[m.len / 2] ^= 0x40;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, NULL, &img), HF_EIMGDECODE);
	free(m.p);
	free(rgb);

	static const uint8_t junk[] = "not an image at all";
	assert_int_equal(hf_image_decode_pdq(junk, sizeof(junk), NULL, &img), HF_EIMGFORMAT);
	assert_int_equal(hf_image_decode_pdq(junk, 0, NULL, &img), HF_EIMGFORMAT);
	assert_int_equal(hf_image_decode_pdq(NULL, 0, NULL, &img), HF_EIMGFORMAT);
	static const uint8_t sig_only[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
	assert_int_equal(hf_image_decode_pdq(sig_only, sizeof(sig_only), NULL, &img),
	                 HF_EIMGDECODE);
	hf_image_clear(NULL);
}

/* libjpeg compression to memory. */
static int jpeg_hsamp = 2, jpeg_vsamp = 2; /* luma sampling factors for make_jpeg */

static membuf make_jpeg(uint32_t w, uint32_t h, int comps, J_COLOR_SPACE cs, const uint8_t *pix,
                        bool progressive)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *out = NULL;
	unsigned long out_len = 0;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &out_len);
	c.image_width = w;
	c.image_height = h;
	c.input_components = comps;
	c.in_color_space = cs;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 90, TRUE);
	if (comps == 3) {
		c.comp_info[0].h_samp_factor = jpeg_hsamp;
		c.comp_info[0].v_samp_factor = jpeg_vsamp;
	}
	if (progressive) {
		jpeg_simple_progression(&c);
	}
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < h) {
		JSAMPROW r = (JSAMPROW)(pix + (size_t)c.next_scanline * w * (unsigned)comps);
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	membuf m = {out, out_len, out_len};
	return m;
}

static void test_image_jpeg(void **state)
{
	(void)state;
	hf_image img, prog;
	hf_image_limits lim = hf_image_limits_default();
	uint32_t w = 700, h = 90;
	uint8_t *rgb = pattern(w, h, 3, 8);
	membuf m = make_jpeg(w, h, 3, JCS_RGB, rgb, false);
	assert_int_equal(hf_image_sniff(m.p, m.len), HF_IMAGE_JPEG);
	decode_ok(&m, &img);
	assert_int_equal(img.format, HF_IMAGE_JPEG);
	assert_int_equal(img.channels, 3);
	assert_int_equal(img.src_width, w);
	assert_int_equal(img.width, 512);
	assert_int_equal(img.height, 512);

	/* Progressive: same coefficients, same pixels; too many scans refused. */
	membuf p = make_jpeg(w, h, 3, JCS_RGB, rgb, true);
	decode_ok(&p, &prog);
	assert_memory_equal(prog.pixels, img.pixels, 512 * 512 * 3);
	hf_image_clear(&prog);
	lim.max_scans = 3;
	assert_int_equal(hf_image_decode_pdq(p.p, p.len, &lim, &prog), HF_EIMGSCANS);
	assert_null(prog.pixels);
	/* Baseline JPEG has one scan. */
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &prog), HF_OK);
	hf_image_clear(&prog);
	lim = hf_image_limits_default();
	lim.max_side = w - 1;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &prog), HF_EIMGSIDE);
	lim = hf_image_limits_default();
	lim.max_pixels = (uint64_t)w * h - 1;
	assert_int_equal(hf_image_decode_pdq(m.p, m.len, &lim, &prog), HF_EIMGPIXELS);

	/* Truncation anywhere is an error, never a grey-filled image. */
	for (size_t cut = 3; cut < m.len - 2; cut += m.len / 13) {
		assert_int_equal(hf_image_decode_pdq(m.p, cut, NULL, &prog), HF_EIMGDECODE);
	}
	for (size_t cut = 3; cut < p.len - 2; cut += p.len / 13) {
		assert_int_equal(hf_image_decode_pdq(p.p, cut, NULL, &prog), HF_EIMGDECODE);
	}
	static const uint8_t junk[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02, 0x41, 0x42, 0x43};
	assert_int_equal(hf_image_decode_pdq(junk, sizeof(junk), NULL, &prog), HF_EIMGDECODE);
	hf_image_clear(&img);
	free(p.p);
	free(m.p);

	/* Grey content in a YCbCr JPEG: chroma is exactly neutral, one channel. */
	for (size_t i = 0; i < (size_t)w * h; i++) {
		rgb[3 * i + 1] = rgb[3 * i + 2] = rgb[3 * i];
	}
	m = make_jpeg(w, h, 3, JCS_RGB, rgb, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 1);
	hf_image_clear(&img);
	free(m.p);
	/* A one-component JPEG. */
	uint8_t *grey = pattern(40, 40, 1, 9);
	m = make_jpeg(40, 40, 1, JCS_GRAYSCALE, grey, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 1);
	assert_int_equal(img.width, 40);
	hf_image_clear(&img);
	free(m.p);
	/* CMYK JPEG converts to RGB. */
	uint8_t *cmyk = pattern(40, 40, 4, 10);
	m = make_jpeg(40, 40, 4, JCS_CMYK, cmyk, false);
	decode_ok(&m, &img);
	assert_int_equal(img.channels, 3);
	hf_image_clear(&img);
	free(m.p);
	free(cmyk);
	free(grey);
	free(rgb);
}

/* Plain libjpeg decode (default settings) + nearest-neighbour sampling. */
static uint8_t *reference_decode(const membuf *m, uint32_t *ow, uint32_t *oh)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr e;
	d.err = jpeg_std_error(&e);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, m->p, (unsigned long)m->len);
	jpeg_read_header(&d, TRUE);
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	uint32_t w = d.output_width, h = d.output_height;
	uint8_t *full = malloc((size_t)w * h * 3);
	while (d.output_scanline < h) {
		JSAMPROW r = full + (size_t)d.output_scanline * w * 3;
		jpeg_read_scanlines(&d, &r, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	*ow = w > 512 || h > 512 ? 512 : w;
	*oh = w > 512 || h > 512 ? 512 : h;
	uint8_t *out = malloc((size_t)*ow * *oh * 3);
	for (uint32_t y = 0; y < *oh; y++) {
		for (uint32_t x = 0; x < *ow; x++) {
			uint32_t sy = *oh == h ? y : y * h / 512, sx = *ow == w ? x : x * w / 512;
			memcpy(out + ((size_t)y * *ow + x) * 3, full + ((size_t)sy * w + sx) * 3,
			       3);
		}
	}
	free(full);
	return out;
}

/* Row skipping during JPEG decode must not change a single sampled pixel,
 * for every chroma subsampling and for sizes that are not block multiples. */
static void test_image_jpeg_matches_full_decode(void **state)
{
	(void)state;
	static const int samp[][2] = {{2, 2}, {2, 1}, {1, 1}, {1, 2}};
	static const uint32_t dims[][2] = {{1001, 773}, {517, 1203}, {1600, 300}, {300, 90}};
	for (size_t si = 0; si < 4; si++) {
		for (size_t di = 0; di < 4; di++) {
			uint32_t w = dims[di][0], h = dims[di][1];
			uint8_t *rgb = pattern(w, h, 3, (unsigned)(si * 4 + di));
			jpeg_hsamp = samp[si][0];
			jpeg_vsamp = samp[si][1];
			membuf m = make_jpeg(w, h, 3, JCS_RGB, rgb, di == 1);
			uint32_t rw, rh;
			uint8_t *ref = reference_decode(&m, &rw, &rh);
			hf_image img;
			decode_ok(&m, &img);
			assert_int_equal(img.width, rw);
			assert_int_equal(img.height, rh);
			assert_int_equal(img.channels, 3);
			if (memcmp(img.pixels, ref, (size_t)rw * rh * 3) != 0) {
				fail_msg("sampling %dx%d, %ux%u: pixels differ", samp[si][0],
				         samp[si][1], w, h);
			}
			hf_image_clear(&img);
			free(ref);
			free(m.p);
			free(rgb);
		}
	}
	jpeg_hsamp = jpeg_vsamp = 2;
}

static void test_image_webp(void **state)
{
	(void)state;
	hf_image img;
	uint8_t *rgb = pattern(40, 30, 3, 11), *out = NULL;
	size_t n = WebPEncodeLosslessRGB(rgb, 40, 30, 120, &out);
	assert_true(n > 0);
	assert_int_equal(hf_image_sniff(out, n), HF_IMAGE_WEBP);
	assert_int_equal(hf_image_decode_pdq(out, n, NULL, &img), HF_OK);
	assert_int_equal(img.format, HF_IMAGE_WEBP);
	assert_int_equal(img.channels, 3);
	assert_memory_equal(img.pixels, rgb, 40 * 30 * 3);
	hf_image_clear(&img);
	for (size_t cut = 12; cut < n - 1; cut += n / 11) {
		assert_int_equal(hf_image_decode_pdq(out, cut, NULL, &img), HF_EIMGDECODE);
	}
	hf_image_limits lim = hf_image_limits_default();
	lim.max_side = 39;
	assert_int_equal(hf_image_decode_pdq(out, n, &lim, &img), HF_EIMGSIDE);
	WebPFree(out);

	n = WebPEncodeRGB(rgb, 40, 30, 120, 80.0f, &out);
	assert_true(n > 0);
	assert_int_equal(hf_image_decode_pdq(out, n, NULL, &img), HF_OK);
	assert_int_equal(img.width, 40);
	hf_image_clear(&img);
	WebPFree(out);
	free(rgb);
	assert_string_equal(hf_image_format_name(HF_IMAGE_WEBP), "webp");
	assert_string_equal(hf_image_format_name(HF_IMAGE_UNKNOWN), "unknown");
}

static void test_image_content_hash(void **state)
{
	(void)state;
	uint8_t *rgb = pattern(100, 80, 3, 12);
	membuf m = make_png(100, 80, PNG_COLOR_TYPE_RGB, 8, false, rgb, 300, NULL, false);
	hf_content_hashes h;
	hf_digests d;
	hf_pdq_hash ph;
	int q;
	assert_int_equal(hf_content_hash(m.p, m.len, NULL, true, &h), HF_OK);
	assert_int_equal(hf_digest_buf(m.p, m.len, &d), HF_OK);
	assert_memory_equal(&h.digests, &d, sizeof(d));
	assert_true(h.has_digests && h.has_dihedral);
	assert_int_equal(h.format, HF_IMAGE_PNG);
	assert_int_equal(h.width, 100);
	assert_int_equal(hf_pdq_hash_pixels(rgb, 100, 80, 300, 3, &ph, &q, NULL), HF_OK);
	assert_int_equal(hf_pdq_distance(&ph, &h.pdq), 0);
	assert_int_equal(hf_pdq_distance(&ph, &h.dihedral[0]), 0);
	assert_int_equal(q, h.quality);

	hf_image_limits lim = hf_image_limits_default();
	lim.max_file_size = 10;
	assert_int_equal(hf_content_hash(m.p, m.len, &lim, false, &h), HF_EFILESIZE);
	assert_false(h.has_digests);
	/* Not an image: digests still computed, no PDQ. */
	assert_int_equal(hf_content_hash(rgb, 100, NULL, false, &h), HF_EIMGFORMAT);
	assert_true(h.has_digests);
	assert_true(hf_pdq_is_zero(&h.pdq));
	free(m.p);
	free(rgb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image_png_rgb_and_grey),
	    cmocka_unit_test(test_image_png_alpha_depth_palette_interlace),
	    cmocka_unit_test(test_image_resize_on_decode),
	    cmocka_unit_test(test_image_limits),
	    cmocka_unit_test(test_image_corrupt_png),
	    cmocka_unit_test(test_image_jpeg),
	    cmocka_unit_test(test_image_jpeg_matches_full_decode),
	    cmocka_unit_test(test_image_webp),
	    cmocka_unit_test(test_image_content_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
