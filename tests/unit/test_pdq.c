/*
 * PDQ conformance: bit-exact against the reference's outputs in
 * ../shared/data/pdq (canonical PNGs, intermediate vectors, the 45 reference
 * images, dihedral variants), plus self-contained tests of the hash format,
 * the resize and the error paths.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "hashfed/image.h"
#include "hashfed/pdq.h"
#include "media/pdq_internal.h"
#include "hf_pdq_ref.h"

#define DATA "pdq/"

/* Read ../shared/data/pdq/<rel>; skip the test (with the reason) if absent. */
static uint8_t *read_shared(const char *rel, size_t *len)
{
	char path[1024], full[512];
	snprintf(full, sizeof(full), DATA "%s", rel);
	if (!hf_test_shared_path(full, path, sizeof(path))) {
		return NULL;
	}
	uint8_t *b = hf_test_read_file(path, len);
	assert_non_null(b);
	return b;
}

static bool have_data(const char *rel)
{
	char path[1024], full[512];
	snprintf(full, sizeof(full), DATA "%s", rel);
	if (!hf_test_shared_path(full, path, sizeof(path))) {
		hf_test_skip_missing(full);
		return false;
	}
	return true;
}

static void hash_file(const char *rel, hf_pdq_hash *h, int *q, hf_pdq_hash *dih)
{
	size_t len;
	uint8_t *b = read_shared(rel, &len);
	hf_image img;
	assert_non_null(b);
	assert_int_equal(hf_image_decode_pdq(b, len, NULL, &img), HF_OK);
	assert_int_equal(hf_pdq_hash_pixels(img.pixels, img.width, img.height,
	                                    (size_t)img.width * img.channels, img.channels, h, q,
	                                    dih),
	                 HF_OK);
	hf_image_clear(&img);
	free(b);
}

/* Lines of "hash,quality,path"; returns the number checked. */
static int check_hash_csv(const char *csv)
{
	size_t len;
	char *text = (char *)read_shared(csv, &len);
	char *save = NULL;
	int n = 0;
	assert_non_null(text);
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char hex[65], path[400];
		int q;
		assert_int_equal(sscanf(line, "%64[0-9a-f],%d,%399s", hex, &q, path), 3);
		hf_pdq_hash want, got;
		int gotq;
		assert_int_equal(hf_pdq_from_hex(hex, strlen(hex), &want), HF_OK);
		hash_file(path, &got, &gotq, NULL);
		if (hf_pdq_distance(&want, &got) != 0 || gotq != q) {
			char gh[65];
			hf_pdq_to_hex(&got, gh);
			fail_msg("%s: got %s q=%d, want %s q=%d", path, gh, gotq, hex, q);
		}
		n++;
	}
	free(text);
	return n;
}

static void test_pdq_canonical_pngs(void **state)
{
	(void)state;
	if (!have_data("expected/canonical-hashes.csv")) {
		skip();
	}
	assert_int_equal(check_hash_csv("expected/canonical-hashes.csv"), 28);
}

static void test_pdq_reference_images(void **state)
{
	(void)state;
	if (!have_data("expected/reference-hashes.csv")) {
		skip();
	}
	assert_int_equal(check_hash_csv("expected/reference-hashes.csv"), 45);
}

/* Lines of "h0,...,h7,quality,path". */
static void test_pdq_reference_dihedral(void **state)
{
	(void)state;
	if (!have_data("expected/reference-dihedral.csv")) {
		skip();
	}
	size_t len;
	char *text = (char *)read_shared("expected/reference-dihedral.csv", &len);
	char *save = NULL;
	int n = 0;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		hf_pdq_hash want[8], h, dih[8];
		char *p = line;
		for (int k = 0; k < 8; k++) {
			assert_int_equal(hf_pdq_from_hex(p, 64, &want[k]), HF_OK);
			p += 65;
		}
		int q, gotq;
		char path[400];
		assert_int_equal(sscanf(p, "%d,%399s", &q, path), 2);
		hash_file(path, &h, &gotq, dih);
		assert_int_equal(gotq, q);
		for (int k = 0; k < 8; k++) {
			if (hf_pdq_distance(&want[k], &dih[k]) != 0) {
				fail_msg("%s: dihedral variant %d differs", path, k);
			}
		}
		n++;
	}
	assert_int_equal(n, 45);
	free(text);
}

/* Exact float equality, bit for bit. */
static void parse_floats(const char *s, float *out, int n, const char *what)
{
	char *end;
	for (int i = 0; i < n; i++) {
		out[i] = strtof(s, &end);
		if (end == s) {
			fail_msg("%s: expected %d floats, got %d", what, n, i);
		}
		s = end;
	}
}

static const char *field(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	assert_non_null(p);
	return p + strlen(key);
}

static void check_vector_file(const char *rel)
{
	size_t len;
	char *t = (char *)read_shared(rel, &len);
	char file[400];
	assert_non_null(t);
	assert_int_equal(sscanf(field(t, "file="), "%399s", file), 1);
	unsigned hw, hh, wr, wc, ch;
	int q;
	assert_int_equal(sscanf(field(t, "hashed_wxh="), "%ux%u", &hw, &hh), 2);
	assert_int_equal(sscanf(field(t, "spectrum="), "%u", &ch), 1);
	assert_int_equal(sscanf(field(t, "window_along_rows(from_width)="), "%u", &wr), 1);
	assert_int_equal(sscanf(field(t, "window_along_cols(from_height)="), "%u", &wc), 1);
	assert_int_equal(sscanf(field(t, "quality="), "%d", &q), 1);
	static float luma[4096], dct[256];
	float median;
	parse_floats(field(t, "downsample64x64_hexfloat_rowmajor="), luma, 4096, rel);
	parse_floats(field(t, "dct16x16_hexfloat_rowmajor="), dct, 256, rel);
	parse_floats(field(t, "median="), &median, 1, rel);
	char hex[65];
	assert_int_equal(sscanf(field(t, "hash="), "%64s", hex), 1);

	size_t ilen;
	uint8_t *img_bytes = read_shared(file, &ilen);
	hf_image img;
	static hfi_pdq_trace tr;
	assert_int_equal(hf_image_decode_pdq(img_bytes, ilen, NULL, &img), HF_OK);
	assert_int_equal(img.channels, ch);
	assert_int_equal(hfi_pdq_hash_trace(img.pixels, img.width, img.height,
	                                    (size_t)img.width * img.channels, img.channels, &tr),
	                 HF_OK);
	assert_int_equal(tr.hashed_w, hw);
	assert_int_equal(tr.hashed_h, hh);
	assert_int_equal(tr.win_rows, wr);
	assert_int_equal(tr.win_cols, wc);
	assert_int_equal(tr.quality, q);
	for (int i = 0; i < 4096; i++) {
		if (memcmp(&tr.luma64[i], &luma[i], sizeof(float)) != 0) {
			fail_msg("%s: 64x64 buffer differs at %d: %a vs %a", rel, i,
			         (double)tr.luma64[i], (double)luma[i]);
		}
	}
	for (int i = 0; i < 256; i++) {
		if (memcmp(&tr.dct[i], &dct[i], sizeof(float)) != 0) {
			fail_msg("%s: DCT differs at %d: %a vs %a", rel, i, (double)tr.dct[i],
			         (double)dct[i]);
		}
	}
	assert_memory_equal(&tr.median, &median, sizeof(float));
	char got[65];
	hf_pdq_to_hex(&tr.hash, got);
	assert_string_equal(got, hex);
	hf_image_clear(&img);
	free(img_bytes);
	free(t);
}

static void test_pdq_intermediate_vectors(void **state)
{
	(void)state;
	static const char *files[] = {
	    "bridge-mods_shrink-a-lot.txt", "misc-images_small.txt", "misc-images_wee.txt",
	    "reg-test-input_dih_bridge-1-original.txt", "reg-test-input_labelme-subset_q0291.txt"};
	if (!have_data("expected/vectors")) {
		skip();
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[200];
		snprintf(rel, sizeof(rel), "expected/vectors/%s", files[i]);
		check_vector_file(rel);
	}
}

/* Our JPEG/WebP decoding + resize gives exactly the pixels the reference hashed. */
static void test_pdq_decoder_matches_canonical_pixels(void **state)
{
	(void)state;
	if (!have_data("expected/canonical-hashes.csv")) {
		skip();
	}
	size_t len;
	char *text = (char *)read_shared("expected/canonical-hashes.csv", &len);
	char *save = NULL;
	int n = 0;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char canon[400], src[400];
		assert_int_equal(sscanf(line, "%*64[0-9a-f],%*d,%399s", canon), 1);
		/* canonical/X.png <- images/X.jpg */
		snprintf(src, sizeof(src), "images/%s", canon + strlen("canonical/"));
		char *dot = strrchr(src, '.');
		snprintf(dot, sizeof(src) - (size_t)(dot - src), ".jpg");
		size_t a_len, b_len;
		uint8_t *a = read_shared(canon, &a_len), *b = read_shared(src, &b_len);
		assert_non_null(b);
		hf_image ia, ib;
		assert_int_equal(hf_image_decode_pdq(a, a_len, NULL, &ia), HF_OK);
		assert_int_equal(hf_image_decode_pdq(b, b_len, NULL, &ib), HF_OK);
		assert_int_equal(ia.width, ib.width);
		assert_int_equal(ia.height, ib.height);
		assert_int_equal(ia.channels, ib.channels);
		if (memcmp(ia.pixels, ib.pixels, (size_t)ia.width * ia.height * ia.channels) != 0) {
			fail_msg("%s: decoded pixels differ from %s", src, canon);
		}
		hf_image_clear(&ia);
		hf_image_clear(&ib);
		free(a);
		free(b);
		n++;
	}
	assert_int_equal(n, 28);
	free(text);
}

/* The constant DCT table equals the reference's formula. */
static void test_pdq_dct_table(void **state)
{
	(void)state;
	const float s = (float)sqrt(2.0 / 64.0);
	for (int i = 0; i < 16; i++) {
		for (int j = 0; j < 64; j++) {
			float v = (float)((double)s * cos((M_PI / 2.0 / 64.0) * (double)(i + 1) *
			                                  (double)(2 * j + 1)));
			assert_memory_equal(&v, &hfi_pdq_dct_matrix[i][j], sizeof(float));
		}
	}
}

static void test_pdq_hex_roundtrip_and_errors(void **state)
{
	(void)state;
	const char *hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
	hf_pdq_hash h, h2;
	char out[65];
	assert_int_equal(hf_pdq_from_hex(hex, 64, &h), HF_OK);
	hf_pdq_to_hex(&h, out);
	assert_string_equal(out, hex);
	/* Plain hex-to-bytes order. */
	assert_int_equal(h.b[0], 0xd8);
	assert_int_equal(h.b[31], 0x22);
	/* Bit k = 16i + j: the last hex digit (2 = 0010) holds B[0][0..3]. */
	assert_false(hf_pdq_bit(&h, 0));
	assert_true(hf_pdq_bit(&h, 1));
	assert_true(hf_pdq_bit(&h, 255)); /* first digit d = 1101 */
	assert_false(hf_pdq_bit(&h, 256));
	assert_int_equal(hf_pdq_weight(&h), 128);
	assert_int_equal(
	    hf_pdq_from_hex("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22", 64,
	                    &h2),
	    HF_OK);
	assert_int_equal(hf_pdq_distance(&h, &h2), 0);
	assert_int_equal(hf_pdq_from_hex(hex, 63, &h2), HF_ELENGTH);
	assert_int_equal(hf_pdq_from_hex(hex, 65, &h2), HF_ELENGTH);
	char bad[65];
	memcpy(bad, hex, 65);
	bad[10] = 'g';
	assert_int_equal(hf_pdq_from_hex(bad, 64, &h2), HF_EPARSE);
	bad[10] = ' ';
	assert_int_equal(hf_pdq_from_hex(bad, 64, &h2), HF_EPARSE);

	hf_pdq_hash z = {{0}}, ones;
	memset(ones.b, 0xff, sizeof(ones.b));
	assert_true(hf_pdq_is_zero(&z));
	assert_false(hf_pdq_is_zero(&h));
	assert_int_equal(hf_pdq_distance(&z, &ones), 256);
	h2 = h;
	h2.b[5] ^= 0x81;
	assert_int_equal(hf_pdq_distance(&h, &h2), 2);
}

/* Deterministic synthetic image: smooth shapes plus noise. */
static uint8_t *synth(uint32_t w, uint32_t h, unsigned ch, uint32_t seed)
{
	uint8_t *p = malloc((size_t)w * h * ch);
	uint32_t x32 = seed * 2654435761u + 1;
	assert_non_null(p);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			for (unsigned c = 0; c < ch; c++) {
				x32 ^= x32 << 13;
				x32 ^= x32 >> 17;
				x32 ^= x32 << 5;
				double v =
				    128 +
				    90 * sin((double)(x + 7 * c) / (double)w * 6.0 + (double)seed) *
				        cos((double)y / (double)h * 4.0) +
				    (double)(x32 % 16);
				p[((size_t)y * w + x) * ch + c] = (uint8_t)(v < 0     ? 0
				                                            : v > 255 ? 255
				                                                      : v);
			}
		}
	}
	return p;
}

static void test_pdq_synthetic_determinism_and_errors(void **state)
{
	(void)state;
	uint8_t *p = synth(300, 200, 3, 1);
	hf_pdq_hash a, b, dih[8];
	int qa, qb;
	assert_int_equal(hf_pdq_hash_pixels(p, 300, 200, 900, 3, &a, &qa, NULL), HF_OK);
	assert_int_equal(hf_pdq_hash_pixels(p, 300, 200, 900, 3, &b, &qb, dih), HF_OK);
	assert_int_equal(hf_pdq_distance(&a, &b), 0);
	assert_int_equal(hf_pdq_distance(&a, &dih[HF_PDQ_ORIGINAL]), 0);
	assert_int_equal(qa, qb);
	assert_true(qa > 50);
	assert_int_equal(hf_pdq_weight(&a), 128);
	/* Variants are distinct from the original for a non-symmetric image. */
	for (int k = 1; k < 8; k++) {
		assert_true(hf_pdq_distance(&a, &dih[k]) > 31);
	}
	/* A different image hashes far away. */
	uint8_t *p2 = synth(300, 200, 3, 2);
	assert_int_equal(hf_pdq_hash_pixels(p2, 300, 200, 900, 3, &b, &qb, NULL), HF_OK);
	assert_true(hf_pdq_distance(&a, &b) > 31);
	/* Stride larger than the row is honoured. */
	uint8_t *padded = calloc(200, 1000);
	for (int y = 0; y < 200; y++) {
		memcpy(padded + (size_t)y * 1000, p + (size_t)y * 900, 900);
	}
	assert_int_equal(hf_pdq_hash_pixels(padded, 300, 200, 1000, 3, &b, &qb, NULL), HF_OK);
	assert_int_equal(hf_pdq_distance(&a, &b), 0);

	/* Errors. */
	assert_int_equal(hf_pdq_hash_pixels(p, 4, 200, 900, 3, &b, &qb, NULL), HF_EIMGSMALL);
	assert_int_equal(hf_pdq_hash_pixels(p, 300, 4, 900, 3, &b, &qb, NULL), HF_EIMGSMALL);
	assert_int_equal(hf_pdq_hash_pixels(p, 300, 200, 900, 2, &b, &qb, NULL), HF_EINVAL);
	assert_int_equal(hf_pdq_hash_pixels(p, 300, 200, 899, 3, &b, &qb, NULL), HF_EINVAL);
	assert_int_equal(hf_pdq_hash_pixels(NULL, 300, 200, 900, 3, &b, &qb, NULL), HF_EINVAL);
	assert_int_equal(hf_pdq_hash_pixels(p, 0, 200, 900, 3, &b, &qb, NULL), HF_EINVAL);
	/* A 4-pixel-high image wider than 512 is stretched to 512x512: hashable. */
	uint8_t *wide = synth(1000, 4, 1, 3);
	assert_int_equal(hf_pdq_hash_pixels(wide, 1000, 4, 1000, 1, &b, &qb, NULL), HF_OK);
	free(wide);
	free(padded);
	free(p2);
	free(p);
}

static void test_pdq_matches_plain_reference(void **state)
{
	(void)state;
	static const int sizes[][2] = {{5, 5},     {7, 13},    {34, 42},   {63, 64},   {64, 64},
	                               {65, 63},   {100, 37},  {127, 129}, {128, 128}, {130, 257},
	                               {255, 9},   {256, 256}, {301, 203}, {511, 512}, {512, 511},
	                               {513, 300}, {600, 17},  {1001, 777}};
	static hfi_pdq_trace tr;
	static float luma[4096];
	for (size_t n = 0; n < sizeof(sizes) / sizeof(sizes[0]); n++) {
		for (int ch = 1; ch <= 3; ch += 2) {
			int w = sizes[n][0], h = sizes[n][1], q;
			uint8_t *p =
			    synth((uint32_t)w, (uint32_t)h, (unsigned)ch, (uint32_t)(n + 10));
			hf_pdq_hash want;
			hf_test_pdq_reference(p, w, h, ch, luma, &q, &want);
			assert_int_equal(hfi_pdq_hash_trace(p, (uint32_t)w, (uint32_t)h,
			                                    (size_t)(w * ch), (unsigned)ch, &tr),
			                 HF_OK);
			if (memcmp(tr.luma64, luma, sizeof(luma)) != 0 || tr.quality != q ||
			    hf_pdq_distance(&tr.hash, &want) != 0) {
				fail_msg("%dx%d ch=%d differs from the plain reference", w, h, ch);
			}
			free(p);
		}
	}
}

/* The pre-resize is nearest-neighbour at floor(x * W / 512): a 2x2 replicated
 * 1024x1024 image hashes exactly like its 512x512 original. */
static void test_pdq_resize_nearest(void **state)
{
	(void)state;
	uint8_t *small = synth(512, 512, 1, 4);
	uint8_t *big = malloc(1024 * 1024);
	for (int y = 0; y < 1024; y++) {
		for (int x = 0; x < 1024; x++) {
			big[y * 1024 + x] = small[(y / 2) * 512 + x / 2];
		}
	}
	/* Perturb pixels the sampling never reads: the hash must not change. */
	for (int y = 1; y < 1024; y += 2) {
		for (int x = 1; x < 1024; x += 2) {
			big[y * 1024 + x] ^= 0x55;
		}
	}
	hf_pdq_hash a, b;
	int qa, qb;
	assert_int_equal(hf_pdq_hash_pixels(small, 512, 512, 512, 1, &a, &qa, NULL), HF_OK);
	assert_int_equal(hf_pdq_hash_pixels(big, 1024, 1024, 1024, 1, &b, &qb, NULL), HF_OK);
	assert_int_equal(hf_pdq_distance(&a, &b), 0);
	assert_int_equal(qa, qb);
	/* ... and one it reads changes the result's input (not necessarily the hash
	 * bits, but the trace's buffer). */
	static hfi_pdq_trace t1, t2;
	assert_int_equal(hfi_pdq_hash_trace(big, 1024, 1024, 1024, 1, &t1), HF_OK);
	big[200 * 1024 + 200] ^= 0xff; /* sampled: source (100,100) */
	assert_int_equal(hfi_pdq_hash_trace(big, 1024, 1024, 1024, 1, &t2), HF_OK);
	assert_int_equal(t1.hashed_w, 512);
	assert_true(memcmp(t1.luma64, t2.luma64, sizeof(t1.luma64)) != 0);
	free(big);
	free(small);
}

/* Exactly 64x64: the single hash skips the blur, the dihedral path does not. */
static void test_pdq_64x64_shortcut(void **state)
{
	(void)state;
	uint8_t *p = synth(64, 64, 1, 5);
	static hfi_pdq_trace tr;
	assert_int_equal(hfi_pdq_hash_trace(p, 64, 64, 64, 1, &tr), HF_OK);
	for (int i = 0; i < 4096; i++) {
		assert_true(tr.luma64[i] == (float)p[i]);
	}
	hf_pdq_hash h, dih[8];
	int q;
	assert_int_equal(hf_pdq_hash_pixels(p, 64, 64, 64, 1, &h, &q, dih), HF_OK);
	assert_int_equal(hf_pdq_distance(&h, &tr.hash), 0);
	/* Window 1 blur is an identity up to rounding: close, maybe not equal. */
	assert_true(hf_pdq_distance(&h, &dih[0]) <= 16);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pdq_hex_roundtrip_and_errors),
	    cmocka_unit_test(test_pdq_dct_table),
	    cmocka_unit_test(test_pdq_synthetic_determinism_and_errors),
	    cmocka_unit_test(test_pdq_resize_nearest),
	    cmocka_unit_test(test_pdq_64x64_shortcut),
	    cmocka_unit_test(test_pdq_matches_plain_reference),
	    cmocka_unit_test(test_pdq_canonical_pngs),
	    cmocka_unit_test(test_pdq_intermediate_vectors),
	    cmocka_unit_test(test_pdq_reference_images),
	    cmocka_unit_test(test_pdq_reference_dihedral),
	    cmocka_unit_test(test_pdq_decoder_matches_canonical_pixels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
