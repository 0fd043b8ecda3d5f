/*
 * Match index tests: the reference needles-vs-haystack ground truth, random
 * property tests against brute force (planted neighbours at every distance
 * 0..32 and beyond), removal and re-add, duplicates, refusals, the portable
 * kernels, a concurrent writer + readers run, and the exact (MD5/SHA-256)
 * index.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf_test.h"
#include "hashfed/index.h"

#define HL HF_PDQ_INDEX_HASH_LEN

static uint64_t sm64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rand_hash(uint64_t *s, uint8_t h[HL])
{
	for (int i = 0; i < HL; i += 8) {
		uint64_t v = sm64(s);
		memcpy(h + i, &v, 8);
	}
}

/* Copy src to dst with exactly d distinct bits flipped. */
static void flip_bits(uint64_t *s, const uint8_t src[HL], uint8_t dst[HL], unsigned d)
{
	memcpy(dst, src, HL);
	uint8_t used[256] = {0};
	for (unsigned k = 0; k < d;) {
		unsigned b = (unsigned)(sm64(s) % 256u);
		if (!used[b]) {
			used[b] = 1;
			dst[b / 8] ^= (uint8_t)(0x80u >> (b % 8));
			k++;
		}
	}
}

static unsigned hdist(const uint8_t *a, const uint8_t *b)
{
	unsigned d = 0;
	for (int i = 0; i < HL; i++) {
		d += (unsigned)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	}
	return d;
}

static int cmp_match(const void *a, const void *b)
{
	const hf_pdq_match *x = a, *y = b;
	if (x->ref != y->ref) {
		return x->ref < y->ref ? -1 : 1;
	}
	return (int)x->distance - (int)y->distance;
}

/* A reference model: the live entries as parallel arrays. */
typedef struct model {
	uint8_t *hash;
	uint64_t *ref;
	bool *live;
	size_t n, cap;
} model;

static void model_add(model *m, const uint8_t h[HL], uint64_t ref)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->hash = realloc(m->hash, m->cap * HL);
		m->ref = realloc(m->ref, m->cap * sizeof(uint64_t));
		m->live = realloc(m->live, m->cap * sizeof(bool));
		assert_non_null(m->hash);
		assert_non_null(m->ref);
		assert_non_null(m->live);
	}
	memcpy(m->hash + m->n * HL, h, HL);
	m->ref[m->n] = ref;
	m->live[m->n] = true;
	m->n++;
}

static void model_free(model *m)
{
	free(m->hash);
	free(m->ref);
	free(m->live);
}

/* Compare the index's answer with brute force over the model. */
static void check_query(const hf_pdq_index *idx, const model *m, const uint8_t q[HL], unsigned r)
{
	size_t cap = m->n + 1, n = 0, nb = 0;
	hf_pdq_match *got = malloc(cap * sizeof(*got));
	hf_pdq_match *want = malloc(cap * sizeof(*want));
	assert_non_null(got);
	assert_non_null(want);
	assert_int_equal(hf_pdq_index_query(idx, q, 100, r, got, cap, &n), HF_OK);
	for (size_t i = 0; i < m->n; i++) {
		if (!m->live[i]) {
			continue;
		}
		unsigned d = hdist(q, m->hash + i * HL);
		if (d <= r) {
			want[nb].ref = m->ref[i];
			want[nb].distance = d;
			nb++;
		}
	}
	qsort(got, n, sizeof(*got), cmp_match);
	qsort(want, nb, sizeof(*want), cmp_match);
	if (n != nb) {
		fprintf(stderr, "radius %u: index found %zu, brute force %zu\n", r, n, nb);
	}
	assert_int_equal(n, nb);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(got[i].ref, want[i].ref);
		assert_int_equal(got[i].distance, want[i].distance);
	}
	free(got);
	free(want);
}

static hf_pdq_index *new_index(unsigned maxd, bool portable)
{
	hf_pdq_index_opts o = {.max_distance = maxd, .portable_only = portable};
	hf_pdq_index *idx = NULL;
	assert_int_equal(hf_pdq_index_new(&idx, &o), HF_OK);
	assert_non_null(idx);
	return idx;
}

/* ---- reference data ---- */

static size_t read_hex_lines(const char *path, uint8_t **out)
{
	size_t len = 0, n = 0;
	uint8_t *txt = hf_test_read_file(path, &len);
	assert_non_null(txt);
	*out = malloc(len / 64 * HL + HL);
	assert_non_null(*out);
	char *save = NULL;
	for (char *line = strtok_r((char *)txt, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		size_t bl = 0;
		assert_true(hf_test_unhex(line, *out + n * HL, HL, &bl));
		assert_int_equal(bl, HL);
		n++;
	}
	free(txt);
	return n;
}

static void test_index_reference_needles(void **state)
{
	(void)state;
	char np[1024], hp[1024], cp[1024];
	const char *nrel = "pdq/images/reg-test-input/needles.txt";
	const char *hrel = "pdq/images/reg-test-input/haystack.txt";
	const char *crel = "pdq/expected/needles-vs-haystack-d31.csv";
	if (!hf_test_shared_path(nrel, np, sizeof(np)) ||
	    !hf_test_shared_path(hrel, hp, sizeof(hp)) ||
	    !hf_test_shared_path(crel, cp, sizeof(cp))) {
		hf_test_skip_missing(crel);
		skip();
	}
	uint8_t *needles = NULL, *hay = NULL;
	size_t nn = read_hex_lines(np, &needles), nh = read_hex_lines(hp, &hay);
	assert_int_equal(nn, 100);
	assert_int_equal(nh, 1350);
	hf_pdq_index *idx = new_index(0, false);
	for (size_t i = 0; i < nh; i++) {
		assert_int_equal(hf_pdq_index_add(idx, hay + i * HL, 100, i), HF_OK);
	}
	/* Expected triples from the CSV, then the index's, both sorted. */
	size_t len = 0, ne = 0, ng = 0;
	char *csv = (char *)hf_test_read_file(cp, &len);
	assert_non_null(csv);
	uint64_t *exp = malloc(4096 * sizeof(uint64_t)), *got = malloc(4096 * sizeof(uint64_t));
	assert_non_null(exp);
	assert_non_null(got);
	char *save = NULL;
	for (char *line = strtok_r(csv, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		unsigned a, b, d;
		if (sscanf(line, "%u,%u,%u", &a, &b, &d) != 3) {
			continue; /* header */
		}
		assert_true(ne < 4096);
		exp[ne++] = ((uint64_t)a << 32) | ((uint64_t)b << 8) | d;
	}
	free(csv);
	hf_pdq_match m[512];
	for (size_t i = 0; i < nn; i++) {
		size_t n = 0;
		assert_int_equal(hf_pdq_index_query(idx, needles + i * HL, 100, 31, m, 512, &n),
		                 HF_OK);
		assert_true(n >= 1); /* every needle has a match */
		for (size_t j = 0; j < n; j++) {
			assert_true(ng < 4096);
			got[ng++] = ((uint64_t)i << 32) | (m[j].ref << 8) | m[j].distance;
		}
	}
	assert_int_equal(ne, 250);
	assert_int_equal(ng, ne);
	for (size_t i = 1; i < ng; i++) { /* insertion sort, small */
		for (size_t j = i; j > 0 && got[j - 1] > got[j]; j--) {
			uint64_t t = got[j];
			got[j] = got[j - 1];
			got[j - 1] = t;
		}
		for (size_t j = i; j > 0 && exp[j - 1] > exp[j]; j--) {
			uint64_t t = exp[j];
			exp[j] = exp[j - 1];
			exp[j - 1] = t;
		}
	}
	assert_memory_equal(got, exp, ng * sizeof(uint64_t));
	free(exp);
	free(got);
	free(needles);
	free(hay);
	hf_pdq_index_free(idx);
}

/* ---- random property tests ---- */

/* Clustered data: seeds with near-duplicates at small distances, plus random
 * hashes, so buckets range from empty to crowded. */
static void fill_random(hf_pdq_index *idx, model *m, uint64_t *rng, size_t n, uint64_t ref0)
{
	uint8_t h[HL], seed[HL];
	rand_hash(rng, seed);
	for (size_t i = 0; i < n; i++) {
		if (i % 3 == 0) {
			rand_hash(rng, h);
			if (i % 30 == 0) {
				memcpy(seed, h, HL);
			}
		} else {
			flip_bits(rng, seed, h, (unsigned)(sm64(rng) % 40u));
		}
		assert_int_equal(hf_pdq_index_add(idx, h, 90, ref0 + i), HF_OK);
		model_add(m, h, ref0 + i);
	}
}

static void planted_queries(const hf_pdq_index *idx, const model *m, uint64_t *rng, unsigned r,
                            unsigned per_dist)
{
	uint8_t q[HL];
	for (unsigned d = 0; d <= 34; d++) {
		for (unsigned k = 0; k < per_dist; k++) {
			size_t at = (size_t)(sm64(rng) % m->n);
			flip_bits(rng, m->hash + at * HL, q, d);
			check_query(idx, m, q, r);
		}
	}
	for (unsigned k = 0; k < 20; k++) {
		rand_hash(rng, q);
		check_query(idx, m, q, r);
	}
}

static void test_index_random_vs_bruteforce(void **state)
{
	(void)state;
	uint64_t rng = 42;
	model m = {0};
	hf_pdq_index *idx = new_index(HF_PDQ_INDEX_MAX_DIST, false);
	fill_random(idx, &m, &rng, 20000, 1000);
	assert_int_equal(hf_pdq_index_count(idx), 20000);
	assert_true(hf_pdq_index_memory_bytes(idx) > 20000u * 40u);
	planted_queries(idx, &m, &rng, 31, 6);
	/* Other radii exercise other per-table splits (t_i = -1..3). */
	static const unsigned radii[] = {0, 1, 5, 10, 11, 21, 32, 43};
	for (size_t i = 0; i < sizeof(radii) / sizeof(radii[0]); i++) {
		planted_queries(idx, &m, &rng, radii[i], 1);
	}
	hf_pdq_index_free(idx);
	model_free(&m);
}

/* Worst case of the pigeonhole: a neighbour at exactly distance r that
 * qualifies in one table only (every other chunk has t_j + 1 differing bits).
 * White-box: uses the chunk layout of index_pdq.c (24,24,24,23 x 8 bits) and
 * its split of r into per-table radii. */
static void test_index_pigeonhole_worst_case(void **state)
{
	(void)state;
	static const unsigned width[11] = {24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23};
	static const unsigned radii[] = {0, 10, 20, 31, 43};
	uint64_t rng = 3;
	hf_pdq_index *idx = new_index(HF_PDQ_INDEX_MAX_DIST, false);
	for (size_t ri = 0; ri < sizeof(radii) / sizeof(radii[0]); ri++) {
		unsigned r = radii[ri], base = (r + 1) / 11, extra = (r + 1) % 11;
		for (unsigned k = 0; k < 11; k++) {
			int t[11];
			for (unsigned i = 0; i < 11; i++) {
				t[i] = (int)base - 1 + (i >= 11 - extra ? 1 : 0);
			}
			if (t[k] < 0) {
				continue; /* table k is not probed at this radius */
			}
			uint8_t q[HL], e[HL];
			rand_hash(&rng, q);
			memcpy(e, q, HL);
			unsigned off = 0, total = 0;
			for (unsigned i = 0; i < 11; i++) {
				unsigned nf = (unsigned)(i == k ? t[i] : t[i] + 1);
				for (unsigned b = 0; b < nf; b++) { /* spread over the chunk */
					unsigned bit = off + (b * 7u + (unsigned)k) % width[i];
					e[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
				}
				total += nf;
				off += width[i];
			}
			assert_int_equal(hdist(q, e), r);
			assert_int_equal(total, r);
			uint64_t ref = 1000u * ri + k;
			assert_int_equal(hf_pdq_index_add(idx, e, 100, ref), HF_OK);
			hf_pdq_match m[8];
			size_t n = 0;
			assert_int_equal(hf_pdq_index_query(idx, q, 100, r, m, 8, &n), HF_OK);
			assert_int_equal(n, 1);
			assert_int_equal(m[0].ref, ref);
			assert_int_equal(m[0].distance, r);
			/* One bit less of radius must not find it. */
			if (r > 0) {
				assert_int_equal(hf_pdq_index_query(idx, q, 100, r - 1, m, 8, &n),
				                 HF_OK);
				assert_int_equal(n, 0);
			}
			assert_int_equal(hf_pdq_index_remove(idx, ref), HF_OK);
		}
	}
	hf_pdq_index_free(idx);
}

static void test_index_portable_kernels(void **state)
{
	(void)state;
	uint64_t rng = 7;
	model m = {0};
	hf_pdq_index *idx = new_index(0, true);
	assert_string_equal(hf_pdq_index_kernel(idx), "portable");
	fill_random(idx, &m, &rng, 5000, 1);
	planted_queries(idx, &m, &rng, 31, 3);
	hf_pdq_index_free(idx);
	model_free(&m);
}

static void test_index_remove_readd(void **state)
{
	(void)state;
	uint64_t rng = 99;
	model m = {0};
	hf_pdq_index *idx = new_index(0, false);
	fill_random(idx, &m, &rng, 6000, 0);
	/* Remove every other entry, query, re-add some under new refs. */
	for (size_t i = 0; i < m.n; i += 2) {
		assert_int_equal(hf_pdq_index_remove(idx, m.ref[i]), HF_OK);
		m.live[i] = false;
	}
	assert_int_equal(hf_pdq_index_count(idx), 3000);
	assert_int_equal(hf_pdq_index_remove(idx, m.ref[0]), HF_ENOTFOUND);
	assert_int_equal(hf_pdq_index_remove(idx, 1u << 30), HF_ENOTFOUND);
	planted_queries(idx, &m, &rng, 31, 2);
	size_t n0 = m.n;
	for (size_t i = 0; i < n0; i += 4) {
		uint8_t h[HL];
		memcpy(h, m.hash + i * HL, HL);
		assert_int_equal(hf_pdq_index_add(idx, h, 80, 100000 + i), HF_OK);
		model_add(&m, h, 100000 + i);
	}
	/* A live ref cannot be added twice; the index is unchanged after. */
	assert_int_equal(hf_pdq_index_add(idx, m.hash, 80, m.ref[1]), HF_EEXIST);
	planted_queries(idx, &m, &rng, 31, 2);
	/* Remove everything: queries find nothing. */
	for (size_t i = 0; i < m.n; i++) {
		if (m.live[i]) {
			assert_int_equal(hf_pdq_index_remove(idx, m.ref[i]), HF_OK);
			m.live[i] = false;
		}
	}
	assert_int_equal(hf_pdq_index_count(idx), 0);
	size_t n = 99;
	assert_int_equal(hf_pdq_index_query(idx, m.hash, 100, 31, NULL, 0, &n), HF_OK);
	assert_int_equal(n, 0);
	hf_pdq_index_free(idx);
	model_free(&m);
}

static void test_index_duplicates(void **state)
{
	(void)state;
	uint64_t rng = 5;
	model m = {0};
	hf_pdq_index *idx = new_index(0, false);
	uint8_t h[HL];
	rand_hash(&rng, h);
	/* One hash on 300 lists (crowds one bucket per table beyond the exact
	 * size classes), plus neighbours at 1 bit. */
	for (uint64_t r = 0; r < 300; r++) {
		assert_int_equal(hf_pdq_index_add(idx, h, 100, r), HF_OK);
		model_add(&m, h, r);
	}
	uint8_t n1[HL];
	flip_bits(&rng, h, n1, 1);
	for (uint64_t r = 300; r < 310; r++) {
		assert_int_equal(hf_pdq_index_add(idx, n1, 100, r), HF_OK);
		model_add(&m, n1, r);
	}
	size_t n = 0;
	hf_pdq_match out[400];
	assert_int_equal(hf_pdq_index_query(idx, h, 100, 0, out, 400, &n), HF_OK);
	assert_int_equal(n, 300);
	check_query(idx, &m, h, 31);
	/* Output array too small: HF_ENOSPC with the full count. */
	assert_int_equal(hf_pdq_index_query(idx, h, 100, 31, out, 10, &n), HF_ENOSPC);
	assert_int_equal(n, 310);
	for (uint64_t r = 0; r < 300; r += 3) {
		assert_int_equal(hf_pdq_index_remove(idx, r), HF_OK);
		m.live[r] = false;
	}
	check_query(idx, &m, h, 31);
	check_query(idx, &m, n1, 0);
	hf_pdq_index_free(idx);
	model_free(&m);
}

/* One bucket per table beyond the arena's largest class (malloc'd arrays),
 * then removals and a compaction that must carry it over. */
static void test_index_huge_bucket(void **state)
{
	(void)state;
	enum { N = 70000 };
	uint64_t rng = 11;
	hf_pdq_index *idx = new_index(0, false);
	uint8_t *hs = malloc((size_t)N * HL);
	int *qs = malloc(N * sizeof(int));
	uint64_t *rs = malloc(N * sizeof(uint64_t));
	assert_non_null(hs);
	assert_non_null(qs);
	assert_non_null(rs);
	uint8_t h[HL];
	rand_hash(&rng, h);
	for (size_t i = 0; i < N; i++) {
		memcpy(hs + i * HL, h, HL);
		qs[i] = 100;
		rs[i] = i;
	}
	assert_int_equal(hf_pdq_index_add_batch(idx, hs, qs, rs, N, NULL), HF_OK);
	assert_int_equal(hf_pdq_index_add(idx, h, 100, N), HF_OK); /* in place */
	for (uint64_t r = 0; r < 10; r++) {
		assert_int_equal(hf_pdq_index_remove(idx, r * 1000), HF_OK);
	}
	assert_int_equal(hf_pdq_index_compact(idx), HF_OK);
	size_t n = 0;
	assert_int_equal(hf_pdq_index_query(idx, h, 100, 31, NULL, 0, &n), HF_ENOSPC);
	assert_int_equal(n, N + 1 - 10);
	flip_bits(&rng, h, h, 31);
	assert_int_equal(hf_pdq_index_query(idx, h, 100, 31, NULL, 0, &n), HF_ENOSPC);
	assert_int_equal(n, N + 1 - 10);
	free(hs);
	free(qs);
	free(rs);
	hf_pdq_index_free(idx);
}

static bool stop_after_one(void *ctx, uint64_t ref, unsigned d)
{
	(void)ref;
	(void)d;
	(*(int *)ctx)++;
	return false;
}

static void test_index_refusals(void **state)
{
	(void)state;
	hf_pdq_index *idx = NULL;
	hf_pdq_index_opts bad = {.max_distance = HF_PDQ_INDEX_MAX_DIST + 1};
	assert_int_equal(hf_pdq_index_new(&idx, &bad), HF_ECONFIG);
	assert_null(idx);
	hf_pdq_index_opts bad2 = {.min_quality = 101};
	assert_int_equal(hf_pdq_index_new(&idx, &bad2), HF_ECONFIG);
	hf_pdq_index_free(NULL);
	assert_int_equal(hf_pdq_index_new(&idx, NULL), HF_OK);
	uint8_t h[HL] = {1, 2, 3};
	assert_int_equal(hf_pdq_index_add(idx, h, 49, 1), HF_ELOWQUALITY);
	assert_int_equal(hf_pdq_index_add(idx, h, -1, 1), HF_ELOWQUALITY);
	assert_int_equal(hf_pdq_index_add(idx, h, 101, 1), HF_EINVAL);
	assert_int_equal(hf_pdq_index_count(idx), 0);
	assert_int_equal(hf_pdq_index_add(idx, h, 50, 1), HF_OK);
	size_t n = 0;
	hf_pdq_match out[4];
	assert_int_equal(hf_pdq_index_query(idx, h, 49, 31, out, 4, &n), HF_ELOWQUALITY);
	assert_int_equal(hf_pdq_index_query(idx, h, 101, 31, out, 4, &n), HF_EINVAL);
	assert_int_equal(hf_pdq_index_query(idx, h, 50, 32, out, 4, &n), HF_EINVAL);
	assert_int_equal(hf_pdq_index_query(idx, h, 50, 31, out, 4, &n), HF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].ref, 1);
	assert_int_equal(out[0].distance, 0);
	/* A batch is all-or-nothing: a repeated ref inside it adds nothing. */
	uint8_t hs[3 * HL] = {0};
	hs[HL] = 1;
	hs[2 * HL] = 2;
	int qs[3] = {90, 90, 90};
	uint64_t rs[3] = {10, 11, 10};
	size_t failed = 0;
	assert_int_equal(hf_pdq_index_add_batch(idx, hs, qs, rs, 3, &failed), HF_EEXIST);
	assert_int_equal(failed, 2);
	assert_int_equal(hf_pdq_index_count(idx), 1);
	qs[1] = 10;
	rs[2] = 12;
	assert_int_equal(hf_pdq_index_add_batch(idx, hs, qs, rs, 3, &failed), HF_ELOWQUALITY);
	assert_int_equal(failed, 1);
	qs[1] = 90;
	assert_int_equal(hf_pdq_index_add_batch(idx, hs, qs, rs, 3, &failed), HF_OK);
	assert_int_equal(hf_pdq_index_count(idx), 4);
	int calls = 0;
	assert_int_equal(hf_pdq_index_query_cb(idx, hs, 90, 31, stop_after_one, &calls), HF_OK);
	assert_int_equal(calls, 1);
	/* A custom quality floor. */
	hf_pdq_index *lo = NULL;
	hf_pdq_index_opts o = {.min_quality = 70};
	assert_int_equal(hf_pdq_index_new(&lo, &o), HF_OK);
	assert_int_equal(hf_pdq_index_add(lo, h, 69, 1), HF_ELOWQUALITY);
	hf_pdq_index_free(lo);
	hf_pdq_index_free(idx);
}

/* ---- concurrency: one writer churns while readers query ---- */

#define STABLE 3000
#define CHURN  3000

typedef struct conc {
	hf_pdq_index *idx;
	uint8_t *stable; /* STABLE hashes, refs 0..STABLE-1, present throughout */
	uint8_t *churn;  /* CHURN hashes, refs STABLE.., added and removed */
	_Atomic int done;
	_Atomic long queries, errors;
} conc;

typedef struct rctx {
	const conc *c;
	const uint8_t *q;
	uint64_t want_ref;
	int found_want;
	int bad;
} rctx;

static bool reader_fn(void *ctx, uint64_t ref, unsigned d)
{
	rctx *r = ctx;
	const uint8_t *h = ref < STABLE
	                       ? r->c->stable + ref * HL
	                       : (ref < STABLE + CHURN ? r->c->churn + (ref - STABLE) * HL : NULL);
	if (h == NULL || hdist(h, r->q) != d || d > 31) {
		r->bad++;
	}
	if (ref == r->want_ref) {
		r->found_want++;
	}
	return true;
}

static void *reader_main(void *arg)
{
	conc *c = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng;
	uint8_t q[HL];
	while (!atomic_load(&c->done)) {
		uint64_t at = sm64(&rng) % STABLE;
		flip_bits(&rng, c->stable + at * HL, q, (unsigned)(sm64(&rng) % 32u));
		rctx r = {c, q, at, 0, 0};
		if (hf_pdq_index_query_cb(c->idx, q, 100, 31, reader_fn, &r) != HF_OK ||
		    r.found_want != 1 || r.bad != 0) {
			atomic_fetch_add(&c->errors, 1);
		}
		atomic_fetch_add(&c->queries, 1);
	}
	return NULL;
}

static void test_index_concurrent(void **state)
{
	(void)state;
	uint64_t rng = 1234;
	conc c;
	memset(&c, 0, sizeof(c));
	c.idx = new_index(0, false);
	c.stable = malloc(STABLE * HL);
	c.churn = malloc(CHURN * HL);
	assert_non_null(c.stable);
	assert_non_null(c.churn);
	for (uint64_t i = 0; i < STABLE; i++) {
		rand_hash(&rng, c.stable + i * HL);
		assert_int_equal(hf_pdq_index_add(c.idx, c.stable + i * HL, 100, i), HF_OK);
	}
	/* Churn entries sit near stable ones so readers meet them in buckets. */
	for (uint64_t i = 0; i < CHURN; i++) {
		flip_bits(&rng, c.stable + (i % STABLE) * HL, c.churn + i * HL,
		          (unsigned)(sm64(&rng) % 20u));
	}
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, reader_main, &c), 0);
	}
	double t0 = hf_test_now();
	bool in[CHURN] = {0};
	long ops = 0;
	while (hf_test_now() - t0 < 1.5 || atomic_load(&c.queries) < 2000) {
		uint64_t i = sm64(&rng) % CHURN;
		if (in[i]) {
			assert_int_equal(hf_pdq_index_remove(c.idx, STABLE + i), HF_OK);
		} else {
			assert_int_equal(hf_pdq_index_add(c.idx, c.churn + i * HL, 100, STABLE + i),
			                 HF_OK);
		}
		in[i] = !in[i];
		ops++;
		if (ops % 2000 == 0) { /* move every bucket under the readers */
			assert_int_equal(hf_pdq_index_compact(c.idx), HF_OK);
		}
	}
	atomic_store(&c.done, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
	}
	fprintf(stderr, "concurrent: %ld writer ops, %ld queries, %ld errors\n", ops,
	        (long)atomic_load(&c.queries), (long)atomic_load(&c.errors));
	assert_int_equal(atomic_load(&c.errors), 0);
	assert_true(ops > 1000);
	hf_pdq_index_free(c.idx);
	free(c.stable);
	free(c.churn);
}

/* ---- exact index ---- */

typedef struct refs {
	uint64_t r[64];
	size_t n;
} refs;

static bool collect_refs(void *ctx, uint64_t ref, unsigned d)
{
	refs *x = ctx;
	assert_int_equal(d, 0);
	if (x->n < 64) {
		x->r[x->n] = ref;
	}
	x->n++;
	return true;
}

static void test_exact_index(void **state)
{
	(void)state;
	hf_exact_index *x = NULL;
	assert_int_equal(hf_exact_index_new(&x, 20), HF_ECONFIG);
	assert_null(x);
	hf_exact_index_free(NULL);
	assert_int_equal(hf_exact_index_new(&x, 32), HF_OK);
	uint64_t rng = 77;
	enum { N = 20000 };
	uint8_t *keys = malloc((size_t)N * 32);
	assert_non_null(keys);
	for (size_t i = 0; i < N; i++) {
		rand_hash(&rng, keys + i * 32);
		/* Keys 0..99 also appear under a second ref. */
		assert_int_equal(hf_exact_index_add(x, keys + i * 32, 32, i), HF_OK);
	}
	for (size_t i = 0; i < 100; i++) {
		assert_int_equal(hf_exact_index_add(x, keys + i * 32, 32, N + i), HF_OK);
	}
	assert_int_equal(hf_exact_index_count(x), N + 100);
	assert_true(hf_exact_index_memory_bytes(x) > (size_t)N * 40);
	assert_int_equal(hf_exact_index_add(x, keys, 32, 5), HF_EEXIST);
	assert_int_equal(hf_exact_index_add(x, keys, 16, 999999), HF_ELENGTH);
	for (size_t i = 0; i < N; i += 7) {
		refs r = {.n = 0};
		assert_int_equal(hf_exact_index_query_cb(x, keys + i * 32, 32, collect_refs, &r),
		                 HF_OK);
		assert_int_equal(r.n, i < 100 ? 2 : 1);
		assert_int_equal(r.r[0] % N, i);
	}
	uint8_t other[32];
	rand_hash(&rng, other);
	refs r0 = {.n = 0};
	assert_int_equal(hf_exact_index_query_cb(x, other, 32, collect_refs, &r0), HF_OK);
	assert_int_equal(r0.n, 0);
	assert_int_equal(hf_exact_index_query_cb(x, other, 16, collect_refs, &r0), HF_ELENGTH);
	for (size_t i = 0; i < N; i += 2) {
		assert_int_equal(hf_exact_index_remove(x, i), HF_OK);
	}
	assert_int_equal(hf_exact_index_remove(x, 0), HF_ENOTFOUND);
	for (size_t i = 0; i < 200; i++) {
		refs r = {.n = 0};
		assert_int_equal(hf_exact_index_query_cb(x, keys + i * 32, 32, collect_refs, &r),
		                 HF_OK);
		size_t want = (i % 2 ? 1u : 0u) + (i < 100 ? 1u : 0u);
		assert_int_equal(r.n, want);
	}
	hf_exact_index_free(x);
	/* MD5-sized keys. */
	assert_int_equal(hf_exact_index_new(&x, 16), HF_OK);
	assert_int_equal(hf_exact_index_add(x, keys, 16, 1), HF_OK);
	refs r1 = {.n = 0};
	assert_int_equal(hf_exact_index_query_cb(x, keys, 16, collect_refs, &r1), HF_OK);
	assert_int_equal(r1.n, 1);
	hf_exact_index_free(x);
	free(keys);
}

/* Readers look up stable digests while the writer adds enough entries to
 * double the directory several times and removes some again. */
typedef struct xconc {
	hf_exact_index *x;
	uint8_t *keys; /* STABLE keys, refs 0.. */
	_Atomic int done;
	_Atomic long queries, errors;
} xconc;

static void *xreader_main(void *arg)
{
	xconc *c = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng;
	while (!atomic_load(&c->done)) {
		uint64_t at = sm64(&rng) % STABLE;
		refs r = {.n = 0};
		if (hf_exact_index_query_cb(c->x, c->keys + at * 32, 32, collect_refs, &r) !=
		        HF_OK ||
		    r.n != 1 || r.r[0] != at) {
			atomic_fetch_add(&c->errors, 1);
		}
		atomic_fetch_add(&c->queries, 1);
	}
	return NULL;
}

static void test_exact_index_concurrent(void **state)
{
	(void)state;
	xconc c;
	memset(&c, 0, sizeof(c));
	uint64_t rng = 8;
	assert_int_equal(hf_exact_index_new(&c.x, 32), HF_OK);
	c.keys = malloc((size_t)STABLE * 32);
	assert_non_null(c.keys);
	for (uint64_t i = 0; i < STABLE; i++) {
		rand_hash(&rng, c.keys + i * 32);
		assert_int_equal(hf_exact_index_add(c.x, c.keys + i * 32, 32, i), HF_OK);
	}
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, xreader_main, &c), 0);
	}
	uint8_t k[32];
	for (uint64_t i = 0; i < 60000; i++) { /* 2^10 -> 2^15 cells */
		rand_hash(&rng, k);
		assert_int_equal(hf_exact_index_add(c.x, k, 32, STABLE + i), HF_OK);
		if (i % 3 == 0) {
			assert_int_equal(hf_exact_index_remove(c.x, STABLE + i), HF_OK);
		}
	}
	while (atomic_load(&c.queries) < 1000) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	atomic_store(&c.done, 1);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
	}
	assert_int_equal(atomic_load(&c.errors), 0);
	assert_int_equal(hf_exact_index_count(c.x), STABLE + 40000);
	hf_exact_index_free(c.x);
	free(c.keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_index_reference_needles),
	    cmocka_unit_test(test_index_random_vs_bruteforce),
	    cmocka_unit_test(test_index_pigeonhole_worst_case),
	    cmocka_unit_test(test_index_portable_kernels),
	    cmocka_unit_test(test_index_remove_readd),
	    cmocka_unit_test(test_index_duplicates),
	    cmocka_unit_test(test_index_huge_bucket),
	    cmocka_unit_test(test_index_refusals),
	    cmocka_unit_test(test_index_concurrent),
	    cmocka_unit_test(test_exact_index),
	    cmocka_unit_test(test_exact_index_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
