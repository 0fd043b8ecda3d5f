/*
 * vPDQ matching at scale: 10,000 indexed videos of ~600 frame hashes (random
 * 256-bit hashes, 6M frames in the PDQ index), queried with 1-minute videos
 * (60 frames, one per second), against brute force (hf_vpdq_compare with
 * every indexed video) in the same run. Planted matches:
 *  - "contained": the query is a noisy copy (bit flips) of 60 consecutive
 *    frames of an indexed 10-minute video: matches under P_q 80 / P_c 0;
 *  - "clip": 1% of the indexed videos are 60-frame clips; the query holds a
 *    noisy copy of one in its middle: matches under the defaults (P_c 80);
 *  - "none": random queries.
 * Prints JSON lines: vpdq_match_lookups (queries/s, index vs brute force)
 * and vpdq_match_recall (index matches found among brute force's, and
 * extra ones, per parameter set).
 * Usage: bench_vpdq_match [VIDEOS]   (default 10000; env QUERIES, default 300, and BRUTE,
 *        the queries also run by brute force, default 9: ~7 s each at 10,000 videos)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "hashfed/vpdq_index.h"
#include "hashfed/vpdq_match.h"

enum { LONG_FRAMES = 600, CLIP_FRAMES = 60, QUERY_FRAMES = 60, MAX_HITS = 256 };

static hf_test_rng rng;

static uint32_t rnd(void)
{
	uint8_t b[4];
	hf_test_rng_bytes(&rng, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void noisy(hf_pdq_hash *h, unsigned flips)
{
	for (unsigned k = 0; k < flips; k++) {
		uint32_t r = rnd();
		h->b[r % 32] ^= (uint8_t)(1u << ((r >> 8) % 8));
	}
}

static void make_video(hf_vpdq *v, size_t n)
{
	memset(v, 0, sizeof(*v));
	v->frames = malloc(n * sizeof(*v->frames));
	if (v->frames == NULL) {
		abort();
	}
	v->cap = n;
	for (size_t i = 0; i < n; i++) {
		hf_vpdq_frame *f = &v->frames[v->count++];
		f->frame = (uint32_t)(i * 30);
		f->quality = 60 + (int)(rnd() % 41);
		f->seconds = (double)i;
		hf_test_rng_bytes(&rng, f->hash.b, sizeof(f->hash.b));
	}
}

typedef struct hits {
	uint64_t ref[MAX_HITS];
	size_t n;
} hits;

static bool on_video(void *ctx, uint64_t ref, const hf_vpdq_match_result *r)
{
	(void)r;
	hits *h = ctx;
	if (h->n < MAX_HITS) {
		h->ref[h->n++] = ref;
	}
	return true;
}

static bool has(const hits *h, uint64_t ref)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->ref[i] == ref) {
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	size_t nv = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
	size_t nq = getenv("QUERIES") ? (size_t)strtoul(getenv("QUERIES"), NULL, 10) : 300;
	size_t nbrute = getenv("BRUTE") ? (size_t)strtoul(getenv("BRUTE"), NULL, 10) : 9;
	nbrute = nbrute < nq ? nbrute : nq;
	hf_test_rng_init(&rng, 7);
	hf_vpdq *vids = calloc(nv, sizeof(*vids));
	hf_vpdq *qs = calloc(nq, sizeof(*qs));
	hf_vpdq_index *x;
	if (vids == NULL || qs == NULL || hf_vpdq_index_new(&x, NULL) != HF_OK) {
		return 1;
	}
	size_t frames = 0;
	double t0 = hf_test_now();
	for (size_t k = 0; k < nv; k++) {
		make_video(&vids[k], k % 100 == 0 ? CLIP_FRAMES : LONG_FRAMES - 50 + rnd() % 101);
		frames += vids[k].count;
		if (hf_vpdq_index_add(x, &vids[k], k) != HF_OK) {
			fprintf(stderr, "bench_vpdq_match: add failed\n");
			return 1;
		}
	}
	double build_s = hf_test_now() - t0;
	for (size_t i = 0; i < nq; i++) {
		make_video(&qs[i], QUERY_FRAMES);
		size_t kind = i % 3;
		if (kind == 0) { /* contained: 60 frames of a long video */
			size_t k = 1 + rnd() % (nv - 1);
			k += k % 100 == 0 ? 1 : 0;
			k = k < nv ? k : 1;
			size_t from = rnd() % (vids[k].count - QUERY_FRAMES);
			for (size_t j = 0; j < QUERY_FRAMES; j++) {
				qs[i].frames[j].hash = vids[k].frames[from + j].hash;
				noisy(&qs[i].frames[j].hash, rnd() % 24);
			}
		} else if (kind == 1) { /* a clip inside the query */
			size_t k = (rnd() % (nv / 100 > 0 ? nv / 100 : 1)) * 100;
			for (size_t j = 0; j < vids[k].count && j + 10 < QUERY_FRAMES; j++) {
				qs[i].frames[j + 5].hash = vids[k].frames[j].hash;
				noisy(&qs[i].frames[j + 5].hash, rnd() % 24);
			}
		}
	}

	hf_vpdq_match_params sets[2] = {hf_vpdq_match_params_default(),
	                                hf_vpdq_match_params_default()};
	sets[1].query_pct = 80;
	sets[1].compared_pct = 0;
	const char *names[2] = {"defaults P_c 80 P_q 0", "P_q 80 P_c 0"};
	double idx_qps[2], brute_qps[2];
	size_t found[2] = {0}, want[2] = {0}, extra[2] = {0}, matches[2] = {0}, cand_sum = 0;
	for (size_t s = 0; s < 2; s++) {
		double t1 = hf_test_now();
		for (size_t i = 0; i < nq; i++) {
			hits h = {0};
			size_t cands;
			if (hf_vpdq_index_query(x, &qs[i], &sets[s], on_video, &h, &cands) !=
			    HF_OK) {
				return 1;
			}
			matches[s] += h.n;
			cand_sum += cands;
		}
		idx_qps[s] = (double)nq / (hf_test_now() - t1);
		double t2 = hf_test_now();
		for (size_t i = 0; i < nbrute; i++) {
			hits h = {0}, b = {0};
			if (hf_vpdq_index_query(x, &qs[i], &sets[s], on_video, &h, NULL) != HF_OK) {
				return 1;
			}
			for (size_t k = 0; k < nv; k++) {
				hf_vpdq_match_result r;
				if (hf_vpdq_compare(&qs[i], &vids[k], &sets[s], &r) != HF_OK) {
					return 1;
				}
				if (r.match && b.n < MAX_HITS) {
					b.ref[b.n++] = k;
				}
				hf_vpdq_match_result_clear(&r);
			}
			want[s] += b.n;
			for (size_t j = 0; j < b.n; j++) {
				found[s] += has(&h, b.ref[j]);
			}
			for (size_t j = 0; j < h.n; j++) {
				extra[s] += !has(&b, h.ref[j]);
			}
		}
		brute_qps[s] = (double)nbrute / (hf_test_now() - t2);
		/* the brute loop also ran nbrute index queries: negligible next to it */
	}
	for (size_t s = 0; s < 2; s++) {
		printf("{\"bench\":\"vpdq_match_lookups\",\"params\":\"%s\",\"unit\":\"queries/s\","
		       "\"ours\":%.1f,\"baseline\":\"brute-force-hf_vpdq_compare\","
		       "\"baseline_value\":%.3f,\"ratio\":%.1f,\"videos\":%zu,\"frames\":%zu,"
		       "\"query_frames\":%d,\"queries\":%zu,\"matches\":%zu,\"build_s\":%.1f}\n",
		       names[s], idx_qps[s], brute_qps[s], idx_qps[s] / brute_qps[s], nv, frames,
		       QUERY_FRAMES, nq, matches[s], build_s);
		printf("{\"bench\":\"vpdq_match_recall\",\"params\":\"%s\",\"unit\":\"fraction\","
		       "\"ours\":%.4f,\"baseline\":\"brute-force-hf_vpdq_compare\",\"baseline_"
		       "value\":1,"
		       "\"brute_matches\":%zu,\"found\":%zu,\"extra\":%zu,\"queries_checked\":%zu,"
		       "\"mean_candidates\":%.2f}\n",
		       names[s], want[s] ? (double)found[s] / (double)want[s] : 1.0, want[s],
		       found[s], extra[s], nbrute, (double)cand_sum / (double)(2 * nq));
	}
	for (size_t k = 0; k < nv; k++) {
		hf_vpdq_clear(&vids[k]);
	}
	for (size_t i = 0; i < nq; i++) {
		hf_vpdq_clear(&qs[i]);
	}
	free(vids);
	free(qs);
	hf_vpdq_index_free(x);
	return found[0] == want[0] && found[1] == want[1] && extra[0] == 0 && extra[1] == 0 ? 0 : 1;
}
