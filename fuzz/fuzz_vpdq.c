/*
 * Fuzz target for vPDQ video hashing of untrusted bytes: the container and
 * codec entry path (custom AVIO over the input, demuxer and decoder
 * allow-lists, nested-I/O refusal), the limits, frame selection, swscale
 * conversion and full-frame PDQ. Limits are lowered so each input stays
 * fast; both the every-frame and the sampled paths run, once with a reader
 * that cannot seek.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/vpdq.h"
#include "hashfed/vpdq_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct src {
	const uint8_t *p;
	size_t len, off;
} src;

static long rd(void *opaque, uint8_t *buf, size_t len)
{
	src *s = opaque;
	size_t n = s->len - s->off < len ? s->len - s->off : len;
	if (n > 0) {
		memcpy(buf, s->p + s->off, n);
	}
	s->off += n;
	return (long)n;
}

static void check(const hf_vpdq *v, hf_err rc)
{
	if (rc != HF_OK) {
		if (v->frames != NULL || v->count != 0) {
			abort(); /* no output on error */
		}
		return;
	}
	if (v->count == 0 || v->count > v->decoded) {
		abort();
	}
	for (size_t i = 0; i < v->count; i++) {
		const hf_vpdq_frame *f = &v->frames[i];
		if (f->quality < 0 || f->quality > 100 ||
		    (i > 0 && f->frame <= v->frames[i - 1].frame)) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_vpdq_options o = hf_vpdq_options_default();
	hf_vpdq v;

	hf_vpdq_ffmpeg_log(false);
	o.threads = 1;
	o.limits.max_side = 512;
	o.limits.max_pixels = 512 * 512;
	o.limits.max_frames = 64;
	o.limits.max_seconds = 600;
	o.limits.max_decode_ms = 3000;
	o.limits.max_file_size = 1u << 20;
	o.seconds_per_hash = 0;
	hf_err rc = hf_vpdq_hash_buffer(data, size, &o, &v);
	check(&v, rc);
	if (rc == HF_OK) {
		/* A video compared with itself matches in full. */
		hf_vpdq_match_params p = hf_vpdq_match_params_default();
		p.quality = 0;
		hf_vpdq_match_result r;
		if (hf_vpdq_compare(&v, &v, &p, &r) != HF_OK || r.query_pct != 100.0 ||
		    r.compared_pct != 100.0) {
			abort();
		}
		hf_vpdq_match_result_clear(&r);
		size_t n = hf_vpdq_text_len(&v);
		char *t = malloc(n + 1);
		size_t w;
		hf_vpdq back;
		if (t == NULL || hf_vpdq_to_text(&v, t, n + 1, &w) != HF_OK || w != n ||
		    hf_vpdq_from_text((const uint8_t *)t, n, &back, NULL) != HF_OK ||
		    back.count != v.count) {
			abort();
		}
		hf_vpdq_clear(&back);
		free(t);
	}
	hf_vpdq_clear(&v);

	/* Sampled, from a reader that cannot seek. */
	src s = {data, size, 0};
	hf_vpdq_reader r = {&s, rd, NULL, -1};
	o.seconds_per_hash = 0.5;
	rc = hf_vpdq_hash_reader(&r, &o, &v);
	check(&v, rc);
	hf_vpdq_clear(&v);
	return 0;
}
