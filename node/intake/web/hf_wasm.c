/*
 * The intake page's hasher: hashfed's own PDQ (protocol/src/media/pdq.c) and
 * MD5/SHA-256 (protocol/src/digest_portable.c) compiled to WebAssembly with
 * emscripten. Built only by CMake's intake_wasm target (emcc); never linked
 * into a native binary.
 *
 * The page decodes with the browser's decoders and passes RGBA pixels; this
 * file turns them into the buffer hf_image_decode_pdq() produces natively
 * (alpha dropped, one grey channel when every pixel has R = G = B, larger
 * sides reduced to 512 by PDQ's nearest-neighbour sampling) and hashes it.
 */
#include <emscripten/emscripten.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../../protocol/src/digest_portable.h"
#include "../../../protocol/src/media/pdq_internal.h"
#include "hashfed/digest.h"
#include "hashfed/pdq.h"

/*
 * PDQ of `w` x `h` RGBA pixels (rows packed). Writes 64 hex digits + NUL to
 * `hex` and the quality to *quality. Returns 0 or an hf_err code.
 */
EMSCRIPTEN_KEEPALIVE int hfw_pdq_rgba(const uint8_t *rgba, uint32_t w, uint32_t h, char *hex,
                                      int *quality)
{
	uint32_t ow, oh;
	bool grey = true;
	size_t n = (size_t)w * h;

	if (rgba == NULL || w < HF_PDQ_MIN_DIM || h < HF_PDQ_MIN_DIM) {
		return HF_EIMGSMALL;
	}
	for (size_t i = 0; i < n && grey; i++) {
		const uint8_t *p = rgba + 4 * i;
		grey = p[0] == p[1] && p[0] == p[2];
	}
	hfi_pdq_resized_dims(w, h, &ow, &oh);
	unsigned ch = grey ? 1u : 3u;
	uint8_t *pix = malloc((size_t)ow * oh * ch);
	if (pix == NULL) {
		return HF_ENOMEM;
	}
	for (uint32_t y = 0; y < oh; y++) {
		uint32_t sy = oh == h ? y : hfi_pdq_nn_src(y, h);
		const uint8_t *row = rgba + (size_t)sy * w * 4;
		uint8_t *o = pix + (size_t)y * ow * ch;
		for (uint32_t x = 0; x < ow; x++) {
			uint32_t sx = ow == w ? x : hfi_pdq_nn_src(x, w);
			const uint8_t *p = row + (size_t)sx * 4;
			if (grey) {
				o[x] = p[0];
			} else {
				o[3 * x] = p[0];
				o[3 * x + 1] = p[1];
				o[3 * x + 2] = p[2];
			}
		}
	}
	hf_pdq_hash hv;
	int q = 0;
	hf_err rc = hf_pdq_hash_pixels(pix, ow, oh, (size_t)ow * ch, ch, &hv, &q, NULL);
	free(pix);
	if (rc != HF_OK) {
		return (int)rc;
	}
	hf_pdq_to_hex(&hv, hex);
	*quality = q;
	return 0;
}

/*
 * A video frame as native vPDQ hashes it (protocol/src/media/vpdq.c, Meta's vpdq): RGB24 at
 * the frame's full size, no 512 pre-resize, no grey shortcut, PDQ of the whole frame
 * (hfi_pdq_hash_full). Same outputs and errors as hfw_pdq_rgba.
 */
EMSCRIPTEN_KEEPALIVE int hfw_vpdq_frame_rgba(const uint8_t *rgba, uint32_t w, uint32_t h, char *hex,
                                             int *quality)
{
	size_t n = (size_t)w * h;
	hfi_pdq_ws *ws = NULL;
	if (rgba == NULL || w < HF_PDQ_MIN_DIM || h < HF_PDQ_MIN_DIM) {
		return HF_EIMGSMALL;
	}
	uint8_t *rgb = malloc(n * 3);
	if (rgb == NULL) {
		return HF_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		rgb[3 * i] = rgba[4 * i];
		rgb[3 * i + 1] = rgba[4 * i + 1];
		rgb[3 * i + 2] = rgba[4 * i + 2];
	}
	hf_pdq_hash hv;
	int q = 0;
	hf_err rc = hfi_pdq_ws_new(w, h, &ws);
	if (rc == HF_OK) {
		rc = hfi_pdq_hash_full(ws, rgb, (size_t)w * 3, 3, &hv, &q);
	}
	hfi_pdq_ws_free(ws);
	free(rgb);
	if (rc != HF_OK) {
		return (int)rc;
	}
	hf_pdq_to_hex(&hv, hex);
	*quality = q;
	return 0;
}

static void hex_lower(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

typedef struct hfw_digest {
	hfp_md5 md5;
	hfp_sha256 sha;
} hfw_digest;

EMSCRIPTEN_KEEPALIVE hfw_digest *hfw_digest_new(void)
{
	hfw_digest *d = malloc(sizeof(*d));
	if (d != NULL) {
		hfp_md5_init(&d->md5);
		hfp_sha256_init(&d->sha);
	}
	return d;
}

EMSCRIPTEN_KEEPALIVE void hfw_digest_update(hfw_digest *d, const uint8_t *p, size_t n)
{
	hfp_md5_update(&d->md5, p, n);
	hfp_sha256_update(&d->sha, p, n);
}

/* Writes 32 + NUL hex digits to md5_hex and 64 + NUL to sha_hex; frees d. */
EMSCRIPTEN_KEEPALIVE void hfw_digest_final(hfw_digest *d, char *md5_hex, char *sha_hex)
{
	uint8_t m[HF_MD5_LEN], s[HF_SHA256_LEN];
	hfp_md5_final(&d->md5, m);
	hfp_sha256_final(&d->sha, s);
	hex_lower(m, sizeof(m), md5_hex);
	hex_lower(s, sizeof(s), sha_hex);
	free(d);
}
