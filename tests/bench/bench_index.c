/*
 * bench_index: the PDQ match index against FAISS IndexBinaryMultiHash(256,16,16)
 * nflip=1 (what Meta's HMA uses) and a brute-force popcount scan, same data,
 * same run, one thread.
 *
 * For each size N (default 1M and 10M; HF_BENCH_INDEX_SIZES=comma list):
 *  - data: half random hashes, half clusters of near-duplicates (seed + 0..24
 *    flipped bits); 10k queries, even ones planted (a stored hash with 0..31
 *    bits flipped), odd ones random. Deterministic (splitmix64).
 *  - ours: build with hf_pdq_index_add_batch in 64k-entry batches, then every
 *    query at radius 31.
 *  - ground truth: blocked brute force on all queries when N <= 2M, else on the
 *    first 1000 (500 planted + 500 random); recall of ours and FAISS is
 *    checked on exactly those (the JSON says how many).
 *  - brute-force baseline speed: full scans (AVX-512 or POPCNT) for a few
 *    hundred queries.
 *  - FAISS: tests/bench/faiss_baseline.py via /usr/bin/python3 on the same
 *    data written to a temp file; at 10M only the first 2000 queries (FAISS
 *    needs seconds per hundred queries there).
 * Prints one JSON line per figure; progress goes to stderr.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hf_test.h"
#include "hashfed/index.h"

#define HL     32
#define NQ     10000
#define RADIUS 31

static uint64_t sm64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rand_hash(uint64_t *s, uint8_t *h)
{
	for (int i = 0; i < HL; i += 8) {
		uint64_t v = sm64(s);
		memcpy(h + i, &v, 8);
	}
}

static void flip(uint64_t *s, uint8_t *h, unsigned d)
{
	uint8_t used[256] = {0};
	for (unsigned k = 0; k < d;) {
		unsigned b = (unsigned)(sm64(s) & 255u);
		if (!used[b]) {
			used[b] = 1;
			h[b / 8] ^= (uint8_t)(0x80u >> (b % 8));
			k++;
		}
	}
}

static void gen(size_t n, uint8_t *db, uint8_t *q)
{
	uint64_t s = 0x5eed0000u + n;
	size_t i = 0;
	while (i < n) {
		if (sm64(&s) & 1u) {
			rand_hash(&s, db + i * HL);
			i++;
			continue;
		}
		uint8_t seed[HL];
		rand_hash(&s, seed);
		size_t cl = 1 + (size_t)(sm64(&s) % 20u);
		for (size_t k = 0; k < cl && i < n; k++, i++) {
			memcpy(db + i * HL, seed, HL);
			flip(&s, db + i * HL, (unsigned)(sm64(&s) % 25u));
		}
	}
	for (size_t j = 0; j < NQ; j++) {
		if (j % 2 == 0) {
			memcpy(q + j * HL, db + (sm64(&s) % n) * HL, HL);
			flip(&s, q + j * HL, (unsigned)(sm64(&s) % 32u));
		} else {
			rand_hash(&s, q + j * HL);
		}
	}
}

/* ---- brute force over a word-transposed copy: 8 hashes per block ---- */

typedef struct tdb {
	uint64_t *w; /* block b: w[b*32 + k*8 + j] = word k of hash 8b+j */
	size_t n, nblk;
} tdb;

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) {
		v = (v << 8) | p[i];
	}
	return v;
}

static void tdb_build(tdb *t, const uint8_t *db, size_t n)
{
	t->n = n;
	t->nblk = (n + 7) / 8;
	t->w = calloc(t->nblk * 32, sizeof(uint64_t));
	if (t->w == NULL) {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 4; k++) {
			/* Padding hashes stay all-zero; callers ignore ids >= n. */
			t->w[(i / 8) * 32 + (size_t)k * 8 + i % 8] = be64(db + i * HL + k * 8);
		}
	}
}

typedef void (*emit_fn)(void *ctx, size_t qi, size_t id, unsigned d);

static unsigned pc64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

static void bf_scan_portable(const tdb *t, const uint64_t *q, size_t qi, size_t b0, size_t b1,
                             emit_fn fn, void *ctx)
{
	for (size_t b = b0; b < b1; b++) {
		const uint64_t *w = t->w + b * 32;
		for (size_t j = 0; j < 8; j++) {
			unsigned d = pc64(w[j] ^ q[0]) + pc64(w[8 + j] ^ q[1]) +
			             pc64(w[16 + j] ^ q[2]) + pc64(w[24 + j] ^ q[3]);
			if (d <= RADIUS && b * 8 + j < t->n) {
				fn(ctx, qi, b * 8 + j, d);
			}
		}
	}
}

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx512f,avx512vpopcntdq"))) static void
bf_scan_avx512(const tdb *t, const uint64_t *q, size_t qi, size_t b0, size_t b1, emit_fn fn,
               void *ctx)
{
	__m512i q0 = _mm512_set1_epi64((long long)q[0]), q1 = _mm512_set1_epi64((long long)q[1]);
	__m512i q2 = _mm512_set1_epi64((long long)q[2]), q3 = _mm512_set1_epi64((long long)q[3]);
	__m512i lim = _mm512_set1_epi64(RADIUS);
	for (size_t b = b0; b < b1; b++) {
		const uint64_t *w = t->w + b * 32;
		__m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(w), q0));
		d = _mm512_add_epi64(
		    d, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(w + 8), q1)));
		d = _mm512_add_epi64(
		    d, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(w + 16), q2)));
		d = _mm512_add_epi64(
		    d, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(w + 24), q3)));
		__mmask8 m = _mm512_cmple_epu64_mask(d, lim);
		if (m != 0) {
			uint64_t dd[8];
			_mm512_storeu_si512(dd, d);
			for (unsigned j = 0; j < 8; j++) {
				if (((m >> j) & 1u) && b * 8 + j < t->n) {
					fn(ctx, qi, b * 8 + j, (unsigned)dd[j]);
				}
			}
		}
	}
}
#endif

typedef void (*scan_fn)(const tdb *, const uint64_t *, size_t, size_t, size_t, emit_fn, void *);

static scan_fn pick_scan(const char **name)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) {
		*name = "avx512";
		return bf_scan_avx512;
	}
#endif
	*name = "portable";
	return bf_scan_portable;
}

/* ---- per-query result sets ---- */

typedef struct results {
	size_t nq;
	size_t *cnt;    /* per query */
	uint64_t **ids; /* per query, unsorted */
	size_t *cap;
} results;

static void res_init(results *r, size_t nq)
{
	r->nq = nq;
	r->cnt = calloc(nq, sizeof(size_t));
	r->cap = calloc(nq, sizeof(size_t));
	r->ids = calloc(nq, sizeof(uint64_t *));
	if (r->cnt == NULL || r->cap == NULL || r->ids == NULL) {
		abort();
	}
}

static void res_add(results *r, size_t qi, uint64_t id)
{
	if (r->cnt[qi] == r->cap[qi]) {
		r->cap[qi] = r->cap[qi] ? r->cap[qi] * 2 : 8;
		r->ids[qi] = realloc(r->ids[qi], r->cap[qi] * sizeof(uint64_t));
		if (r->ids[qi] == NULL) {
			abort();
		}
	}
	r->ids[qi][r->cnt[qi]++] = id;
}

static void res_free(results *r)
{
	for (size_t i = 0; i < r->nq; i++) {
		free(r->ids[i]);
	}
	free(r->ids);
	free(r->cnt);
	free(r->cap);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Matches of `got` that are in `truth` (both sorted here), over queries [0,nq). */
static void compare(results *got, results *truth, size_t nq, size_t *hit, size_t *total,
                    size_t *extra)
{
	*hit = *total = *extra = 0;
	for (size_t i = 0; i < nq; i++) {
		qsort(got->ids[i], got->cnt[i], sizeof(uint64_t), cmp_u64);
		qsort(truth->ids[i], truth->cnt[i], sizeof(uint64_t), cmp_u64);
		size_t a = 0, b = 0;
		while (a < got->cnt[i] && b < truth->cnt[i]) {
			if (got->ids[i][a] == truth->ids[i][b]) {
				(*hit)++;
				a++;
				b++;
			} else if (got->ids[i][a] < truth->ids[i][b]) {
				(*extra)++;
				a++;
			} else {
				b++;
			}
		}
		*extra += got->cnt[i] - a;
		*total += truth->cnt[i];
	}
}

static void emit_truth(void *ctx, size_t qi, size_t id, unsigned d)
{
	(void)d;
	res_add(ctx, qi, id);
}

static void emit_count(void *ctx, size_t qi, size_t id, unsigned d)
{
	(void)qi;
	(void)id;
	(void)d;
	(*(size_t *)ctx)++;
}

typedef struct qctx {
	results *r;
	size_t qi;
} qctx;

static bool on_match(void *ctx, uint64_t ref, unsigned d)
{
	qctx *c = ctx;
	(void)d;
	res_add(c->r, c->qi, ref);
	return true;
}

/* CPU seconds of this (single-threaded) process: the machine is shared, so
 * queries/s are computed from CPU time on both sides (wall time in notes). */
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0, res = 0;
	if (f == NULL) {
		return 0;
	}
	if (fscanf(f, "%lu %lu", &pages, &res) != 2) {
		res = 0;
	}
	fclose(f);
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

static void label_of(size_t n, char *out, size_t sz)
{
	if (n % 1000000 == 0) {
		snprintf(out, sz, "%zuM", n / 1000000);
	} else if (n % 1000 == 0) {
		snprintf(out, sz, "%zuk", n / 1000);
	} else {
		snprintf(out, sz, "%zu", n);
	}
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		return -1;
	}
	size_t w = fwrite(p, 1, n, f);
	return (fclose(f) == 0 && w == n) ? 0 : -1;
}

typedef struct faiss_out {
	double build_s, qps, wall_qps;
	double rss;
	size_t nq;
	results res;
	int ok;
} faiss_out;

static void run_faiss(const char *dbp, const char *qp, const char *outp, size_t nq, faiss_out *fo)
{
	char cmd[4096];
	memset(fo, 0, sizeof(*fo));
	snprintf(cmd, sizeof(cmd),
	         "/usr/bin/python3 %s/tests/bench/faiss_baseline.py %s %s %zu %d %s", HF_SOURCE_DIR,
	         dbp, qp, nq, RADIUS, outp);
	FILE *p = popen(cmd, "r");
	if (p == NULL) {
		return;
	}
	char line[4096] = {0};
	if (fgets(line, sizeof(line), p) == NULL) {
		line[0] = 0;
	}
	if (pclose(p) != 0 || line[0] != '{') {
		fprintf(stderr, "faiss baseline failed: %s\n", line);
		return;
	}
	const char *s;
	if ((s = strstr(line, "\"build_s\": ")) != NULL) {
		fo->build_s = strtod(s + 11, NULL);
	}
	if ((s = strstr(line, "\"qps\": ")) != NULL) {
		fo->qps = strtod(s + 7, NULL);
	}
	if ((s = strstr(line, "\"wall_qps\": ")) != NULL) {
		fo->wall_qps = strtod(s + 12, NULL);
	}
	if ((s = strstr(line, "\"index_rss_bytes\": ")) != NULL) {
		fo->rss = strtod(s + 19, NULL);
	}
	size_t len = 0;
	uint8_t *raw = hf_test_read_file(outp, &len);
	if (raw == NULL || len < (nq + 1) * 8) {
		free(raw);
		return;
	}
	int64_t *lims = (int64_t *)(void *)raw;
	int64_t *ids = lims + nq + 1;
	res_init(&fo->res, nq);
	for (size_t i = 0; i < nq; i++) {
		for (int64_t k = lims[i]; k < lims[i + 1]; k++) {
			res_add(&fo->res, i, (uint64_t)ids[k]);
		}
	}
	free(raw);
	fo->nq = nq;
	fo->ok = 1;
}

static void line(const char *bench, const char *unit, double ours, const char *base, double bv,
                 const char *note)
{
	printf("{\"bench\":\"%s\",\"unit\":\"%s\",\"ours\":%.6g,\"baseline\":\"%s\","
	       "\"baseline_value\":%.6g,\"ratio\":%.6g,\"note\":\"%s\"}\n",
	       bench, unit, ours, base, bv, bv != 0 ? ours / bv : 0.0, note);
	fflush(stdout);
}

static void bench_size(size_t n)
{
	char lab[32], name[96], note[512];
	label_of(n, lab, sizeof(lab));
	fprintf(stderr, "== N=%s: generating\n", lab);
	uint8_t *db = malloc(n * HL), *q = malloc((size_t)NQ * HL);
	if (db == NULL || q == NULL) {
		abort();
	}
	gen(n, db, q);

	/* ---- ours: build ---- */
	size_t rss0 = rss_bytes();
	hf_pdq_index *idx = NULL;
	hf_pdq_index_opts o = {.expected_entries = n};
	if (hf_pdq_index_new(&idx, &o) != HF_OK) {
		abort();
	}
	enum { BATCH = 65536 };
	int *qual = malloc(BATCH * sizeof(int));
	uint64_t *refs = malloc(BATCH * sizeof(uint64_t));
	if (qual == NULL || refs == NULL) {
		abort();
	}
	for (size_t i = 0; i < BATCH; i++) {
		qual[i] = 100;
	}
	double t0 = hf_test_now();
	for (size_t at = 0; at < n; at += BATCH) {
		size_t k = n - at < BATCH ? n - at : BATCH;
		for (size_t i = 0; i < k; i++) {
			refs[i] = at + i;
		}
		if (hf_pdq_index_add_batch(idx, db + at * HL, qual, refs, k, NULL) != HF_OK) {
			abort();
		}
	}
	size_t mem_loaded = hf_pdq_index_memory_bytes(idx);
	/* The recommended step after a bulk load (see index.h): release the
	 * size-class slack that growing every bucket in step leaves behind. */
	if (hf_pdq_index_compact(idx) != HF_OK) {
		abort();
	}
	double build_s = hf_test_now() - t0;
	size_t mem = hf_pdq_index_memory_bytes(idx);
	size_t rss_delta = rss_bytes() - rss0;
	fprintf(stderr, "ours: build %.2fs, %.1f bytes/hash (rss delta %.1f), kernel %s\n", build_s,
	        (double)mem / (double)n, (double)rss_delta / (double)n, hf_pdq_index_kernel(idx));

	/* ---- ours: queries ---- */
	results ours;
	res_init(&ours, NQ);
	t0 = hf_test_now();
	double c0 = cpu_now();
	for (size_t i = 0; i < NQ; i++) {
		qctx c = {&ours, i};
		if (hf_pdq_index_query_cb(idx, q + i * HL, 100, RADIUS, on_match, &c) != HF_OK) {
			abort();
		}
	}
	double our_wall_qps = NQ / (hf_test_now() - t0);
	double our_qps = NQ / (cpu_now() - c0);
	size_t nmatch = 0;
	for (size_t i = 0; i < NQ; i++) {
		nmatch += ours.cnt[i];
	}
	fprintf(stderr, "ours: %.0f queries/cpu-s (%.0f/wall-s), %zu matches\n", our_qps,
	        our_wall_qps, nmatch);
	if (getenv("HF_BENCH_INDEX_ONLY_OURS") != NULL) { /* for profiling */
		res_free(&ours);
		hf_pdq_index_free(idx);
		free(db);
		free(q);
		free(qual);
		free(refs);
		return;
	}

	/* ---- brute force: truth and speed ---- */
	tdb t;
	tdb_build(&t, db, n);
	const char *bfname;
	scan_fn scan = pick_scan(&bfname);
	size_t nverify = n <= 2000000 ? NQ : 1000;
	results truth;
	res_init(&truth, nverify);
	uint64_t(*qw)[4] = malloc(NQ * sizeof(*qw));
	if (qw == NULL) {
		abort();
	}
	for (size_t i = 0; i < NQ; i++) {
		for (int k = 0; k < 4; k++) {
			qw[i][k] = be64(q + i * HL + k * 8);
		}
	}
	t0 = hf_test_now();
	const size_t QB = 32, DB = 2048; /* 2048 blocks x 256 B = 512 KiB, in L2 */
	for (size_t b0 = 0; b0 < t.nblk; b0 += DB) {
		size_t b1 = b0 + DB < t.nblk ? b0 + DB : t.nblk;
		for (size_t q0 = 0; q0 < nverify; q0 += QB) {
			for (size_t qi = q0; qi < q0 + QB && qi < nverify; qi++) {
				scan(&t, qw[qi], qi, b0, b1, emit_truth, &truth);
			}
		}
	}
	fprintf(stderr, "truth: %zu queries in %.1fs\n", nverify, hf_test_now() - t0);
	size_t nbf = n <= 2000000 ? 200 : 40, sink = 0;
	c0 = cpu_now();
	for (size_t i = 0; i < nbf; i++) {
		scan(&t, qw[i], i, 0, t.nblk, emit_count, &sink);
	}
	double bf_qps = (double)nbf / (cpu_now() - c0);
	fprintf(stderr, "brute force (%s): %.1f queries/s\n", bfname, bf_qps);

	size_t hit, total, extra;
	compare(&ours, &truth, nverify, &hit, &total, &extra);
	double our_recall = total ? (double)hit / (double)total : 1.0;
	fprintf(stderr, "ours: recall %zu/%zu, %zu false matches\n", hit, total, extra);

	/* ---- FAISS ---- */
	char dbp[] = "/tmp/hf_bench_index_dbXXXXXX", qp[] = "/tmp/hf_bench_index_qXXXXXX";
	char outp[] = "/tmp/hf_bench_index_outXXXXXX";
	int fd1 = mkstemp(dbp), fd2 = mkstemp(qp), fd3 = mkstemp(outp);
	if (fd1 < 0 || fd2 < 0 || fd3 < 0) {
		abort();
	}
	close(fd1);
	close(fd2);
	close(fd3);
	faiss_out fo;
	memset(&fo, 0, sizeof(fo));
	size_t nqf = n <= 2000000 ? NQ : 2000;
	if (write_file(dbp, db, n * HL) == 0 && write_file(qp, q, (size_t)NQ * HL) == 0) {
		fprintf(stderr, "faiss: running %zu queries\n", nqf);
		run_faiss(dbp, qp, outp, nqf, &fo);
	}
	unlink(dbp);
	unlink(qp);
	unlink(outp);
	double faiss_recall = 0;
	size_t fv = 0;
	if (fo.ok) {
		fv = nverify < fo.nq ? nverify : fo.nq;
		size_t fh, ft, fe;
		compare(&fo.res, &truth, fv, &fh, &ft, &fe);
		faiss_recall = ft ? (double)fh / (double)ft : 1.0;
		fprintf(stderr,
		        "faiss: build %.1fs, %.1f queries/s, recall %zu/%zu, %.1f bytes/hash\n",
		        fo.build_s, fo.qps, fh, ft, fo.rss / (double)n);
	}

	/* ---- figures ---- */
	snprintf(note, sizeof(note),
	         "N=%zu, %d queries (half planted at 0..31, half random), radius %d, 1 thread, "
	         "kernel %s; faiss timed on its first %zu queries; qps from CPU time (shared "
	         "machine); wall-clock qps ours %.0f faiss %.0f",
	         n, NQ, RADIUS, hf_pdq_index_kernel(idx), nqf, our_wall_qps, fo.wall_qps);
	snprintf(name, sizeof(name), "index_%s_qps", lab);
	line(name, "queries/s", our_qps, "faiss_IndexBinaryMultiHash_nflip1", fo.qps, note);
	snprintf(note, sizeof(note),
	         "brute force = full %s popcount scan of a word-transposed "
	         "copy, timed on %zu queries",
	         bfname, nbf);
	snprintf(name, sizeof(name), "index_%s_qps_vs_bruteforce", lab);
	line(name, "queries/s", our_qps, "bruteforce_popcount_scan", bf_qps, note);
	snprintf(note, sizeof(note),
	         "against brute force on %zu queries (%zu true matches); ours also had %zu "
	         "false matches; faiss checked on %zu queries",
	         nverify, total, extra, fv);
	snprintf(name, sizeof(name), "index_%s_recall", lab);
	line(name, "recall (1.0 = every match within 31)", our_recall,
	     "faiss_IndexBinaryMultiHash_nflip1", faiss_recall, note);
	snprintf(note, sizeof(note),
	         "ours = hf_pdq_index_memory_bytes after the post-load compaction (%.1f "
	         "before it; process rss delta %.1f); faiss = rss delta of add(); both "
	         "include the 32-byte hashes",
	         (double)mem_loaded / (double)n, (double)rss_delta / (double)n);
	snprintf(name, sizeof(name), "index_%s_memory", lab);
	line(name, "bytes/hash (lower is better)", (double)mem / (double)n,
	     "faiss_IndexBinaryMultiHash_nflip1", fo.rss / (double)n, note);
	snprintf(note, sizeof(note), "ours: add_batch of 65536 then compact; build %.2fs vs %.2fs",
	         build_s, fo.build_s);
	snprintf(name, sizeof(name), "index_%s_build", lab);
	line(name, "hashes/s inserted", (double)n / build_s, "faiss_IndexBinaryMultiHash_nflip1",
	     fo.build_s > 0 ? (double)n / fo.build_s : 0, note);

	if (fo.ok) {
		res_free(&fo.res);
	}
	res_free(&ours);
	res_free(&truth);
	free(qw);
	free(t.w);
	free(qual);
	free(refs);
	hf_pdq_index_free(idx);
	free(db);
	free(q);
	if (our_recall != 1.0 || extra != 0) {
		fprintf(stderr, "FAIL: index missed or invented matches\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *sizes = getenv("HF_BENCH_INDEX_SIZES");
	if (argc > 1) {
		sizes = argv[1];
	}
	if (sizes == NULL || sizes[0] == '\0') {
		sizes = "1000000,10000000";
	}
	char *dup = strdup(sizes), *save = NULL;
	if (dup == NULL) {
		return 1;
	}
	for (char *tok = strtok_r(dup, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t n = (size_t)strtoull(tok, NULL, 10);
		if (n >= 100 && n <= HF_PDQ_INDEX_MAX_ENTRIES) {
			bench_size(n);
		}
	}
	free(dup);
	return 0;
}
