/*
 * vPDQ: conformance with Meta's reference hashes (../shared/data/vpdq),
 * frame selection, limits, hostile input (truncated, corrupt, failing
 * readers), Meta's text format, dedupe and the comparison rule on Meta's
 * sample videos, clips cut with ffmpeg and unrelated videos.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hf_test.h"
#include "hashfed/vpdq.h"
#include "hashfed/vpdq_index.h"
#include "hashfed/vpdq_match.h"

#if defined(__SANITIZE_ADDRESS__)
#define HF_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HF_SLOW_BUILD 1
#endif
#endif
#ifndef HF_SLOW_BUILD
#define HF_SLOW_BUILD 0
#endif

static const char *const chair[] = {
    "chair-19-sd-bar",
    "chair-20-sd-bar",
    "chair-22-sd-grey-bar",
    "chair-22-sd-sepia-bar",
    "chair-22-with-large-logo-bar",
    "chair-22-with-small-logo-bar",
    "chair-orig-22-sd-bar",
};
enum { NCHAIR = sizeof(chair) / sizeof(chair[0]) };

static uint8_t *seed(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/fuzz/corpus/vpdq/%s", HF_SOURCE_DIR, name);
	uint8_t *b = hf_test_read_file(path, len);
	assert_non_null(b);
	return b;
}

static hf_err hash_path(const char *path, double sph, hf_vpdq *out)
{
	size_t len;
	uint8_t *b = hf_test_read_file(path, &len);
	if (b == NULL) {
		return HF_EIO;
	}
	hf_vpdq_options o = hf_vpdq_options_default();
	o.seconds_per_hash = sph;
	hf_err rc = hf_vpdq_hash_buffer(b, len, &o, out);
	free(b);
	return rc;
}

static bool video_path(const char *name, char *out, size_t n)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "vpdq/videos/%s.mp4", name);
	return hf_test_shared_path(rel, out, n);
}

static void load_ref(const char *name, hf_vpdq *out)
{
	char rel[256], path[1024];
	snprintf(rel, sizeof(rel), "vpdq/hashes/%s.txt", name);
	assert_true(hf_test_shared_path(rel, path, sizeof(path)));
	size_t len;
	uint8_t *b = hf_test_read_file(path, &len);
	assert_non_null(b);
	assert_int_equal(hf_vpdq_from_text(b, len, out, NULL), HF_OK);
	free(b);
}

/*
 * Every frame of every sample video against Meta's file, line by line: both
 * quality >= 50 and distance <= 31 for >= 95% of the lines (sanitizer
 * builds check one frame per second, the same lines by frame number).
 */
static void test_vpdq_conformance(void **state)
{
	(void)state;
	char path[1024];
	if (!video_path(chair[0], path, sizeof(path))) {
		hf_test_skip_missing("vpdq/videos");
		return;
	}
	double sph = HF_SLOW_BUILD ? 1.0 : 0.0;
	for (size_t k = 0; k < NCHAIR; k++) {
		hf_vpdq mine, ref;
		assert_true(video_path(chair[k], path, sizeof(path)));
		double t0 = hf_test_now();
		assert_int_equal(hash_path(path, sph, &mine), HF_OK);
		double dt = hf_test_now() - t0;
		load_ref(chair[k], &ref);
		size_t agree = 0, compared = 0, same = 0;
		unsigned long dist_sum = 0;
		for (size_t i = 0; i < mine.count; i++) {
			const hf_vpdq_frame *a = &mine.frames[i];
			assert_true(a->frame < ref.count);
			const hf_vpdq_frame *b = &ref.frames[a->frame];
			assert_int_equal(b->frame, a->frame);
			assert_true(fabs(a->seconds - b->seconds) < 0.0015);
			unsigned d = hf_pdq_distance(&a->hash, &b->hash);
			dist_sum += d;
			same += d == 0;
			if (a->quality >= 50 && b->quality >= 50) {
				compared++;
				agree += d <= 31;
			}
		}
		if (sph == 0.0) {
			assert_int_equal(mine.count, ref.count); /* one line per frame */
		}
		assert_true(compared > 0);
		double pct = 100.0 * (double)agree / (double)compared;
		printf("vpdq conformance %-30s lines %zu agree %.2f%% mean distance %.2f identical "
		       "%zu (%.2f s)\n",
		       chair[k], mine.count, pct, (double)dist_sum / (double)mine.count, same, dt);
		assert_true(pct >= 95.0);
		hf_vpdq_clear(&mine);
		hf_vpdq_clear(&ref);
	}
}

/* Frame numbers, timestamps and the sampling modulus on the seed videos. */
static void test_vpdq_frames_and_sampling(void **state)
{
	(void)state;
	static const char *const ok[] = {"h264.mp4",  "mpeg4.avi", "vp8.webm",
	                                 "mjpeg.mkv", "mpeg2.ts",  "anim.gif"};
	for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		size_t len;
		uint8_t *b = seed(ok[k], &len);
		hf_vpdq_options o = hf_vpdq_options_default();
		hf_vpdq all, one, half;
		o.seconds_per_hash = 0;
		assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &all), HF_OK);
		assert_true(all.count >= 5);
		assert_int_equal(all.count, all.decoded);
		for (size_t i = 0; i < all.count; i++) {
			assert_int_equal(all.frames[i].frame, i);
			double want = (double)((float)i / (float)all.fps);
			assert_true(all.frames[i].seconds == want);
			assert_true(all.frames[i].quality >= 0 && all.frames[i].quality <= 100);
		}
		o.seconds_per_hash = 1.0;
		assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &one), HF_OK);
		unsigned mod = (unsigned)(1.0 * all.fps);
		assert_int_equal(one.count, (all.count + mod - 1) / mod);
		for (size_t i = 0; i < one.count; i++) {
			assert_int_equal(one.frames[i].frame, i * mod);
			assert_memory_equal(&one.frames[i].hash, &all.frames[i * mod].hash,
			                    sizeof(hf_pdq_hash));
		}
		o.seconds_per_hash = 0.5;
		assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &half), HF_OK);
		unsigned hmod = (unsigned)(0.5 * all.fps) > 0 ? (unsigned)(0.5 * all.fps) : 1;
		assert_int_equal(half.count, (all.count + hmod - 1) / hmod);
		/* The decoder's thread count does not change a bit. */
		hf_vpdq single;
		o.seconds_per_hash = 0;
		o.threads = 1;
		assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &single), HF_OK);
		assert_int_equal(single.count, all.count);
		assert_memory_equal(single.frames, all.frames, all.count * sizeof(hf_vpdq_frame));
		printf("seed %-10s codec %-10s %ux%u fps %.3g frames %zu\n", ok[k], all.codec,
		       all.width, all.height, all.fps, all.count);
		hf_vpdq_clear(&all);
		hf_vpdq_clear(&one);
		hf_vpdq_clear(&half);
		hf_vpdq_clear(&single);
		free(b);
	}
}

static void test_vpdq_limits(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = seed("h264.mp4", &len); /* 64x48, 10 fps, 10 frames */
	hf_vpdq v;
	hf_vpdq_options o = hf_vpdq_options_default();
	o.seconds_per_hash = 0;

	o.limits.max_file_size = len - 1;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EFILESIZE);
	assert_null(v.frames);
	o = hf_vpdq_options_default();
	o.limits.max_side = 63;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EVIDSIDE);
	o = hf_vpdq_options_default();
	o.limits.max_pixels = 64 * 48 - 1;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EVIDSIDE);
	o = hf_vpdq_options_default();
	o.limits.max_frames = 9;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EVIDFRAMES);
	assert_null(v.frames);
	o.limits.max_frames = 10;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_OK);
	hf_vpdq_clear(&v);
	o = hf_vpdq_options_default();
	o.limits.max_seconds = 0; /* declared duration 1 s */
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EVIDDURATION);
	o = hf_vpdq_options_default();
	o.seconds_per_hash = -1;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EINVAL);
	o.seconds_per_hash = NAN;
	assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EINVAL);
	free(b);

	/* Decode time: the 22 s chair video cannot be hashed within 1 ms. */
	char path[1024];
	if (video_path("chair-orig-22-sd-bar", path, sizeof(path))) {
		b = hf_test_read_file(path, &len);
		assert_non_null(b);
		o = hf_vpdq_options_default();
		o.limits.max_decode_ms = 1;
		assert_int_equal(hf_vpdq_hash_buffer(b, len, &o, &v), HF_EVIDTIME);
		assert_null(v.frames);
		free(b);
	}
}

typedef struct rdr {
	const uint8_t *p;
	size_t len, off;
	size_t fail_at; /* read fails once off reaches it */
	size_t chunk;   /* at most this many bytes a read */
} rdr;

static long rdr_read(void *opaque, uint8_t *buf, size_t len)
{
	rdr *r = opaque;
	if (r->off >= r->fail_at) {
		return -1;
	}
	size_t n = r->len - r->off;
	n = n < len ? n : len;
	n = n < r->chunk ? n : r->chunk;
	memcpy(buf, r->p + r->off, n);
	r->off += n;
	return (long)n;
}

static int64_t rdr_seek(void *opaque, int64_t off)
{
	rdr *r = opaque;
	if (off < 0 || (size_t)off > r->len) {
		return -1;
	}
	r->off = (size_t)off;
	return off;
}

static bool allowed_error(hf_err rc)
{
	return rc == HF_EVIDDECODE || rc == HF_EVIDFORMAT || rc == HF_EIMGSMALL ||
	       rc == HF_EVIDSIDE || rc == HF_EVIDDURATION || rc == HF_EVIDFRAMES;
}

/* Truncations, bit flips, garbage, failing and non-seeking readers. */
static void test_vpdq_hostile(void **state)
{
	(void)state;
	static const char *const names[] = {"h264.mp4", "vp8.webm", "mpeg4.avi", "mpeg2.ts"};
	hf_vpdq_options o = hf_vpdq_options_default();
	o.seconds_per_hash = 0;
	o.limits.max_decode_ms = 20000;
	hf_vpdq v;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t len;
		uint8_t *b = seed(names[k], &len);
		size_t partial = 0;
		for (size_t cut = 0; cut < len; cut += len / 23 + 1) {
			hf_err rc = hf_vpdq_hash_buffer(b, cut, &o, &v);
			assert_true(rc == HF_OK || allowed_error(rc));
			if (rc == HF_OK) {
				assert_true(v.count > 0 && v.count <= 10);
				partial++;
			} else {
				assert_null(v.frames);
			}
			hf_vpdq_clear(&v);
		}
		uint8_t *c = malloc(len);
		assert_non_null(c);
		for (size_t i = 0; i < 40; i++) {
			memcpy(c, b, len);
			size_t at = (i * 7919 + 13) % len;
			c[at] ^= (uint8_t)(1u << (i % 8));
			c[(at * 31 + 5) % len] = (uint8_t)(0xff - i);
			hf_err rc = hf_vpdq_hash_buffer(c, len, &o, &v);
			assert_true(rc == HF_OK || allowed_error(rc));
			hf_vpdq_clear(&v);
		}
		/* A reader that fails part-way: HF_EIO, or the frames read before. */
		rdr r = {b, len, 0, len / 2, 4096};
		hf_vpdq_reader rd = {&r, rdr_read, rdr_seek, (int64_t)len};
		hf_err rc = hf_vpdq_hash_reader(&rd, &o, &v);
		assert_true(rc == HF_EIO || rc == HF_OK || allowed_error(rc));
		hf_vpdq_clear(&v);
		/* Short reads and no seek: streamable containers still decode. */
		r = (rdr){b, len, 0, (size_t)-1, 1000};
		rd.seek = NULL;
		rd.size = -1;
		rc = hf_vpdq_hash_reader(&rd, &o, &v);
		printf("hostile %-10s: %zu truncations hashed partly; unseekable: %s\n", names[k],
		       partial, hf_err_name(rc));
		assert_true(rc == HF_OK || allowed_error(rc));
		if (strcmp(names[k], "h264.mp4") == 0 || strcmp(names[k], "mpeg2.ts") == 0) {
			assert_int_equal(rc, HF_OK); /* faststart MP4 and TS stream */
		}
		hf_vpdq_clear(&v);
		free(c);
		free(b);
	}
	static const uint8_t junk[] = "not a video at all, just some words";
	assert_int_equal(hf_vpdq_hash_buffer(junk, sizeof(junk), &o, &v), HF_EVIDDECODE);
	assert_int_equal(hf_vpdq_hash_buffer(NULL, 0, &o, &v), HF_EVIDDECODE);
	assert_int_equal(hf_vpdq_hash_buffer(NULL, 5, &o, &v), HF_EINVAL);
	/* An image is not a video. */
	char png[1024];
	snprintf(png, sizeof(png), "%s/fuzz/corpus/image/g8.png", HF_SOURCE_DIR);
	size_t plen;
	uint8_t *pb = hf_test_read_file(png, &plen);
	assert_non_null(pb);
	hf_err rc = hf_vpdq_hash_buffer(pb, plen, &o, &v);
	assert_true(rc == HF_EVIDDECODE || rc == HF_EVIDFORMAT);
	assert_false(hf_vpdq_sniff(pb, plen));
	free(pb);
	size_t len;
	uint8_t *b = seed("h264.mp4", &len);
	assert_true(hf_vpdq_sniff(b, len));
	free(b);
}

static void test_vpdq_text(void **state)
{
	(void)state;
	hf_vpdq v;
	uint64_t line;
	const char *ok =
	    "0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,"
	    "0.000\r\n\n"
	    "7,49,C0F1117837246AACCDDEA259648FBFD62F434C89C9E99B249776BE216C8D055C,0.233,"
	    "extra\n"
	    "9,0,0000000000000000000000000000000000000000000000000000000000000000,.5";
	assert_int_equal(hf_vpdq_from_text((const uint8_t *)ok, strlen(ok), &v, &line), HF_OK);
	assert_int_equal(v.count, 3);
	assert_int_equal(v.frames[1].frame, 7);
	assert_int_equal(v.frames[1].quality, 49);
	assert_true(fabs(v.frames[1].seconds - 0.233) < 1e-9);
	assert_true(fabs(v.frames[2].seconds - 0.5) < 1e-9);
	char out[1024];
	size_t w;
	assert_int_equal(hf_vpdq_text_len(&v), 77 + 76 + 75);
	assert_int_equal(hf_vpdq_to_text(&v, out, sizeof(out), &w), HF_OK);
	assert_string_equal(
	    out, "0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,"
	         "0.000\n"
	         "7,49,c0f1117837246aaccddea259648fbfd62f434c89c9e99b249776be216c8d055c,"
	         "0.233\n"
	         "9,0,0000000000000000000000000000000000000000000000000000000000000000,"
	         "0.500\n");
	assert_int_equal(hf_vpdq_to_text(&v, out, w - 1, &w), HF_ENOSPC);
	hf_vpdq_clear(&v);

	static const struct {
		const char *text;
		hf_err rc;
		uint64_t line;
	} bad[] = {
	    {"", HF_EMISSING, 0},
	    {"\n\n", HF_EMISSING, 0},
	    {"0,100,e27101,0.0\n", HF_EPARSE, 1},
	    {"0,101,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0\n",
	     HF_ERANGE, 1},
	    {"0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c\n", HF_EPARSE,
	     1},
	    {"\n-1,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0\n",
	     HF_EPARSE, 2},
	    {"2147483648,1,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0\n",
	     HF_ERANGE, 1},
	    {"0,1,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055g,0\n", HF_EPARSE,
	     1},
	    {"0,1,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,1e3\n",
	     HF_EPARSE, 1},
	    {"0,1,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,.\n", HF_EPARSE,
	     1},
	    {"0,1,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,1000000001\n",
	     HF_ERANGE, 1},
	    {"0,,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,1\n", HF_EPARSE,
	     1},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hf_err rc =
		    hf_vpdq_from_text((const uint8_t *)bad[i].text, strlen(bad[i].text), &v, &line);
		assert_int_equal(rc, bad[i].rc);
		assert_int_equal(line, bad[i].line);
		assert_null(v.frames);
	}
	char longl[HF_VID_TEXT_MAX_LINE + 10];
	memset(longl, '1', sizeof(longl));
	assert_int_equal(hf_vpdq_from_text((const uint8_t *)longl, sizeof(longl), &v, &line),
	                 HF_ETOOLONG);

	/* Meta's files re-encode byte for byte. */
	char rel[256], path[1024];
	for (size_t k = 0; k < NCHAIR; k++) {
		snprintf(rel, sizeof(rel), "vpdq/hashes/%s.txt", chair[k]);
		if (!hf_test_shared_path(rel, path, sizeof(path))) {
			continue;
		}
		size_t len;
		uint8_t *b = hf_test_read_file(path, &len);
		assert_int_equal(hf_vpdq_from_text(b, len, &v, NULL), HF_OK);
		assert_int_equal(hf_vpdq_text_len(&v), len);
		char *t = malloc(len + 1);
		assert_int_equal(hf_vpdq_to_text(&v, t, len + 1, &w), HF_OK);
		assert_memory_equal(t, b, len);
		free(t);
		free(b);
		hf_vpdq_clear(&v);
	}
}

static void test_vpdq_dedupe(void **state)
{
	(void)state;
	hf_vpdq v = {0};
	for (uint32_t i = 0; i < 100; i++) {
		hf_vpdq_frame f = {.frame = i, .quality = 100, .seconds = i};
		f.hash.b[0] = (uint8_t)(i % 7);
		assert_int_equal(hf_vpdq_push(&v, &f), HF_OK);
	}
	hf_vpdq_dedupe(&v);
	assert_int_equal(v.count, 7);
	for (uint32_t i = 0; i < 7; i++) {
		assert_int_equal(v.frames[i].frame, i); /* the first of each, in order */
	}
	hf_vpdq_clear(&v);
}

/* Meta's published cross-matches from its reference hashes (README there). */
static void test_vpdq_rule_reference(void **state)
{
	(void)state;
	char path[1024];
	if (!hf_test_shared_path("vpdq/hashes/chair-orig-22-sd-bar.txt", path, sizeof(path))) {
		hf_test_skip_missing("vpdq/hashes");
		return;
	}
	static const struct {
		const char *name;
		double q, c;
		bool match;
	} want[] = {
	    {"chair-19-sd-bar", 85.3, 100.0, true},
	    {"chair-20-sd-bar", 98.6, 100.0, true},
	    {"chair-22-sd-grey-bar", 100.0, 100.0, true},
	    {"chair-22-sd-sepia-bar", 100.0, 100.0, true},
	    {"chair-22-with-small-logo-bar", 95.0, 95.1, true},
	    {"chair-22-with-large-logo-bar", 10.3, 11.0, false},
	};
	hf_vpdq q;
	load_ref("chair-orig-22-sd-bar", &q);
	hf_vpdq_match_params p = hf_vpdq_match_params_default();
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		hf_vpdq c;
		hf_vpdq_match_result r;
		load_ref(want[k].name, &c);
		assert_int_equal(hf_vpdq_compare(&q, &c, &p, &r), HF_OK);
		printf("rule %-30s query %.1f%% compared %.1f%% %s\n", want[k].name, r.query_pct,
		       r.compared_pct, r.match ? "match" : "no match");
		assert_true(fabs(r.query_pct - want[k].q) < 0.051);
		assert_true(fabs(r.compared_pct - want[k].c) < 0.051);
		assert_int_equal(r.match, want[k].match);
		assert_true(r.n_query_ranges >= 1);
		hf_vpdq_match_result_clear(&r);
		hf_vpdq_clear(&c);
	}
	/* Parameters are checked; an empty side matches nothing. */
	hf_vpdq_match_result r;
	p.distance = 258;
	assert_int_equal(hf_vpdq_compare(&q, &q, &p, &r), HF_ECONFIG);
	p = hf_vpdq_match_params_default();
	p.compared_pct = 101;
	assert_int_equal(hf_vpdq_compare(&q, &q, &p, &r), HF_ECONFIG);
	p = hf_vpdq_match_params_default();
	hf_vpdq empty = {0};
	assert_int_equal(hf_vpdq_compare(&q, &empty, &p, &r), HF_OK);
	assert_false(r.match);
	assert_true(r.query_pct == 0 && r.compared_pct == 0);
	hf_vpdq_clear(&q);
}

static bool have_ffmpeg(void)
{
	return system("ffmpeg -version >/dev/null 2>&1") == 0;
}

static void ffmpeg(const char *args)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -y %s", args);
	assert_int_equal(system(cmd), 0);
}

/*
 * Clips cut from a video with ffmpeg match the video at P_q 0 (a clip indexed
 * as the compared video is found inside the longer query); unrelated
 * generated videos match neither the original nor each other.
 */
static void test_vpdq_clips_and_unrelated(void **state)
{
	(void)state;
	char orig[1024];
	if (!video_path("chair-orig-22-sd-bar", orig, sizeof(orig))) {
		hf_test_skip_missing("vpdq/videos");
		return;
	}
	if (!have_ffmpeg()) {
		printf("SKIPPED: no ffmpeg binary to cut clips\n");
		skip();
	}
	char dir[] = "/tmp/hf_vpdq_XXXXXX";
	assert_non_null(mkdtemp(dir));
	hf_vpdq full;
	assert_int_equal(hash_path(orig, 1.0, &full), HF_OK);
	hf_vpdq_match_params p = hf_vpdq_match_params_default();

	static const struct {
		const char *name, *pre, *post; /* ffmpeg PRE -i VIDEO POST CLIP */
	} clips[] = {
	    {"clip_5_12.mp4", "-ss 5 -t 7", "-an -c:v libx264 -preset ultrafast"},
	    {"clip_0_6_small.mp4", "-t 6",
	     "-an -vf scale=240:360 -c:v libx264 -preset ultrafast -crf 30"},
	    {"clip_14_end.webm", "-ss 14", "-an -c:v libvpx -b:v 500k"},
	};
	char args[3000], out[1200];
	for (size_t k = 0; k < sizeof(clips) / sizeof(clips[0]); k++) {
		snprintf(out, sizeof(out), "%s/%s", dir, clips[k].name);
		snprintf(args, sizeof(args), "%s -i %s %s %s", clips[k].pre, orig, clips[k].post,
		         out);
		ffmpeg(args);
		hf_vpdq clip;
		hf_vpdq_match_result r;
		assert_int_equal(hash_path(out, 1.0, &clip), HF_OK);
		/* Upload (query) = the whole video, indexed (compared) = the clip. */
		assert_int_equal(hf_vpdq_compare(&full, &clip, &p, &r), HF_OK);
		printf("clip %-20s frames %zu: query %.1f%% compared %.1f%% %s, query range "
		       "%.1f-%.1f s\n",
		       clips[k].name, clip.count, r.query_pct, r.compared_pct,
		       r.match ? "match" : "NO MATCH",
		       r.n_query_ranges ? r.query_ranges[0].start : -1,
		       r.n_query_ranges ? r.query_ranges[r.n_query_ranges - 1].end : -1);
		assert_true(r.match);
		assert_true(r.n_query_ranges >= 1);
		hf_vpdq_match_result_clear(&r);
		/* The clip as the query matches the indexed video when P_c is lowered. */
		hf_vpdq_match_params lp = p;
		lp.compared_pct = 0;
		lp.query_pct = 80;
		assert_int_equal(hf_vpdq_compare(&clip, &full, &lp, &r), HF_OK);
		assert_true(r.match);
		hf_vpdq_match_result_clear(&r);
		hf_vpdq_clear(&clip);
		unlink(out);
	}

	/* Unrelated videos: FFmpeg's pattern generators, 10 s each. */
	static const char *const gens[] = {
	    "testsrc2=size=240x360:rate=10",
	    "mandelbrot=size=240x360:rate=10",
	    "smptehdbars=size=240x360:rate=10",
	    "life=size=240x360:rate=10:mold=10:ratio=0.3:death_color=#C83232:life_color=#00ff00",
	    "cellauto=size=240x360:rate=10:rule=110",
	};
	hf_vpdq un[sizeof(gens) / sizeof(gens[0])];
	for (size_t k = 0; k < sizeof(gens) / sizeof(gens[0]); k++) {
		snprintf(out, sizeof(out), "%s/gen%zu.mp4", dir, k);
		snprintf(args, sizeof(args),
		         "-f lavfi -i %s -t 8 -pix_fmt yuv420p -c:v libx264 -preset ultrafast %s",
		         gens[k], out);
		ffmpeg(args);
		assert_int_equal(hash_path(out, 1.0, &un[k]), HF_OK);
		unlink(out);
		hf_vpdq_match_result r;
		assert_int_equal(hf_vpdq_compare(&full, &un[k], &p, &r), HF_OK);
		printf("unrelated %-14.14s query %.1f%% compared %.1f%% %s\n", gens[k], r.query_pct,
		       r.compared_pct, r.match ? "MATCH" : "no match");
		assert_false(r.match);
		hf_vpdq_match_result_clear(&r);
		assert_int_equal(hf_vpdq_compare(&un[k], &full, &p, &r), HF_OK);
		assert_false(r.match);
		hf_vpdq_match_result_clear(&r);
		for (size_t j = 0; j < k; j++) {
			assert_int_equal(hf_vpdq_compare(&un[j], &un[k], &p, &r), HF_OK);
			assert_false(r.match);
			hf_vpdq_match_result_clear(&r);
		}
	}
	for (size_t k = 0; k < sizeof(gens) / sizeof(gens[0]); k++) {
		hf_vpdq_clear(&un[k]);
	}
	hf_vpdq_clear(&full);
	rmdir(dir);
}

typedef struct got {
	uint64_t ref[64];
	double q[64], c[64];
	size_t n;
} got;

static bool on_video(void *ctx, uint64_t ref, const hf_vpdq_match_result *r)
{
	got *g = ctx;
	if (g->n < 64) {
		g->ref[g->n] = ref;
		g->q[g->n] = r->query_pct;
		g->c[g->n] = r->compared_pct;
		g->n++;
	}
	return true;
}

static bool on_still(void *ctx, uint64_t ref, uint32_t frame, double seconds, unsigned d)
{
	(void)seconds;
	got *g = ctx;
	if (g->n < 64) {
		g->ref[g->n] = ref;
		g->q[g->n] = frame;
		g->c[g->n] = d;
		g->n++;
	}
	return true;
}

/* Random frame hashes; video k shares frames with video k - 1 at small distances. */
static void synth(hf_test_rng *rng, hf_vpdq *v, size_t n, const hf_vpdq *like, size_t from,
                  unsigned flips)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		hf_vpdq_frame f = {
		    .frame = (uint32_t)i, .quality = 50 + (int)(i % 51), .seconds = (double)i};
		if (like != NULL && from + i < like->count) {
			f.hash = like->frames[from + i].hash;
			for (unsigned k = 0; k < flips; k++) {
				uint8_t r;
				hf_test_rng_bytes(rng, &r, 1);
				f.hash.b[r % 32] ^= (uint8_t)(1u << (r >> 5));
			}
		} else {
			hf_test_rng_bytes(rng, f.hash.b, sizeof(f.hash.b));
		}
		assert_int_equal(hf_vpdq_push(v, &f), HF_OK);
	}
}

/*
 * The index gives what brute force gives (hf_vpdq_compare against every
 * video), for random videos with planted overlaps and several parameter
 * sets; removal and a shared PDQ index with photo entries; stills find
 * the videos they are a frame of.
 */
static void test_vpdq_index(void **state)
{
	(void)state;
	enum { NV = 60, NF = 40 };
	hf_test_rng rng;
	hf_test_rng_init(&rng, 14);
	static hf_vpdq vids[NV];
	hf_pdq_index *pdq;
	hf_vpdq_index *x;
	assert_int_equal(hf_pdq_index_new(&pdq, NULL), HF_OK);
	assert_int_equal(hf_vpdq_index_new(&x, pdq), HF_OK);
	for (size_t k = 0; k < NV; k++) {
		bool related = k % 3 != 0 && k > 0;
		synth(&rng, &vids[k], NF - (k % 7) * 3, related ? &vids[k - 1] : NULL, k % 11,
		      (unsigned)(k % 40));
		assert_int_equal(hf_vpdq_index_add(x, &vids[k], 1000 + k), HF_OK);
	}
	assert_int_equal(hf_vpdq_index_add(x, &vids[0], 1000), HF_EEXIST);
	assert_int_equal(hf_vpdq_index_add(x, &vids[0], HF_VPDQ_REF_TAG | 5), HF_EINVAL);
	/* A photo entry in the same PDQ index is not a video. */
	assert_int_equal(hf_pdq_index_add(pdq, vids[5].frames[0].hash.b, 100, 77), HF_OK);
	size_t frames;
	assert_int_equal(hf_vpdq_index_count(x, &frames), NV);
	assert_true(frames > NV * 10);

	hf_vpdq_match_params ps[3] = {hf_vpdq_match_params_default(),
	                              hf_vpdq_match_params_default(),
	                              hf_vpdq_match_params_default()};
	ps[1].compared_pct = 30;
	ps[1].query_pct = 20;
	ps[2].distance = 10;
	ps[2].quality = 80;
	ps[2].compared_pct = 10;
	size_t total = 0;
	for (size_t pi = 0; pi < 3; pi++) {
		for (size_t k = 0; k < NV; k += 2) {
			got g = {0};
			size_t cands;
			assert_int_equal(
			    hf_vpdq_index_query(x, &vids[k], &ps[pi], on_video, &g, &cands), HF_OK);
			size_t want = 0;
			for (size_t j = 0; j < NV; j++) {
				hf_vpdq_match_result r;
				assert_int_equal(hf_vpdq_compare(&vids[k], &vids[j], &ps[pi], &r),
				                 HF_OK);
				if (r.match) {
					want++;
					bool found = false;
					for (size_t i = 0; i < g.n; i++) {
						if (g.ref[i] == 1000 + j) {
							found = true;
							assert_true(fabs(g.q[i] - r.query_pct) <
							            1e-9);
							assert_true(fabs(g.c[i] - r.compared_pct) <
							            1e-9);
						}
					}
					assert_true(found);
				}
				hf_vpdq_match_result_clear(&r);
			}
			assert_int_equal(g.n, want);
			assert_true(cands >= g.n);
			total += want;
		}
	}
	assert_true(total > NV); /* not only self-matches */

	/* A still image: the frame's video, with its frame number. */
	got g = {0};
	assert_int_equal(
	    hf_vpdq_index_query_image(x, vids[9].frames[3].hash.b, 100, 31, on_still, &g), HF_OK);
	bool self = false;
	for (size_t i = 0; i < g.n; i++) {
		self |= g.ref[i] == 1009 && g.q[i] == vids[9].frames[3].frame && g.c[i] == 0;
	}
	assert_true(self);

	/* Removal: gone from answers; the slot is reused. */
	assert_int_equal(hf_vpdq_index_remove(x, 1004), HF_OK);
	assert_int_equal(hf_vpdq_index_remove(x, 1004), HF_ENOTFOUND);
	g.n = 0;
	assert_int_equal(hf_vpdq_index_query(x, &vids[4], &ps[0], on_video, &g, NULL), HF_OK);
	for (size_t i = 0; i < g.n; i++) {
		assert_true(g.ref[i] != 1004);
	}
	assert_int_equal(hf_vpdq_index_add(x, &vids[4], 5004), HF_OK);
	assert_int_equal(hf_vpdq_index_count(x, NULL), NV);
	/* All frames below quality 50: refused. */
	hf_vpdq low = {0};
	hf_vpdq_frame lf = {.quality = 49};
	assert_int_equal(hf_vpdq_push(&low, &lf), HF_OK);
	assert_int_equal(hf_vpdq_index_add(x, &low, 9), HF_ELOWQUALITY);
	hf_vpdq_clear(&low);

	hf_vpdq_index_free(x);
	hf_pdq_index_free(pdq);
	for (size_t k = 0; k < NV; k++) {
		hf_vpdq_clear(&vids[k]);
	}

	/* Meta's reference hashes through an index it owns: the published figures. */
	char path[1024];
	if (!hf_test_shared_path("vpdq/hashes/chair-orig-22-sd-bar.txt", path, sizeof(path))) {
		return;
	}
	assert_int_equal(hf_vpdq_index_new(&x, NULL), HF_OK);
	for (size_t k = 0; k < NCHAIR; k++) {
		hf_vpdq v;
		load_ref(chair[k], &v);
		assert_int_equal(hf_vpdq_index_add(x, &v, k), HF_OK);
		hf_vpdq_clear(&v);
	}
	hf_vpdq q;
	load_ref("chair-orig-22-sd-bar", &q);
	g.n = 0;
	hf_vpdq_match_params p = hf_vpdq_match_params_default();
	assert_int_equal(hf_vpdq_index_query(x, &q, &p, on_video, &g, NULL), HF_OK);
	assert_int_equal(g.n, NCHAIR - 1); /* all but the large logo */
	for (size_t i = 0; i < g.n; i++) {
		assert_true(strstr(chair[g.ref[i]], "large") == NULL);
	}
	hf_vpdq_clear(&q);
	hf_vpdq_index_free(x);
}

int main(void)
{
	hf_vpdq_ffmpeg_log(false);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vpdq_conformance),
	    cmocka_unit_test(test_vpdq_frames_and_sampling),
	    cmocka_unit_test(test_vpdq_limits),
	    cmocka_unit_test(test_vpdq_hostile),
	    cmocka_unit_test(test_vpdq_text),
	    cmocka_unit_test(test_vpdq_dedupe),
	    cmocka_unit_test(test_vpdq_rule_reference),
	    cmocka_unit_test(test_vpdq_index),
	    cmocka_unit_test(test_vpdq_clips_and_unrelated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
