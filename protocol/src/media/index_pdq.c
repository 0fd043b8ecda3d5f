/*
 * PDQ match index: exact multi-index hashing over 11 chunks, copy-on-write
 * buckets, epoch-based reclamation. Design and figures: docs/index.md.
 *
 * Layout. The 256-bit hash is read as 4 big-endian 64-bit words (bit 0 = most
 * significant bit of byte 0) and cut into chunks of 24,24,24,23,...,23 bits.
 * Table i has a directory of 2^(w_i - 5) bucket pointers indexed by the chunk's
 * top bits; a bucket is an array of 32-bit words (chunk's 5 low bits << 27 |
 * slot id). A slot holds the hash words and the caller's ref (40 bytes).
 *
 * Search. For radius r, table i gets a radius t_i with sum(t_i + 1) >= r + 1,
 * so every entry within r agrees with the query to within t_i bits on some
 * chunk i (pigeonhole). A query visits every directory cell whose index
 * differs from the query's in f <= t_i bits, keeps entries whose low bits
 * differ in <= t_i - f more, then checks the full distance. An entry is
 * reported only from the first table in which it qualifies, so each match is
 * reported once without a per-query "seen" set.
 */
#include <stdlib.h>
#include <string.h>

#include "hashfed/index.h"
#include "index_internal.h"
#include "index_kernels.h"
#include "hf_check.h"

#define NT          11u
#define LOWB        5u
#define REC_SIZE    32u /* 4 hash words; the ref is kept apart */
#define PROBE_BATCH 64u
#define CAND_CAP    1024u
#define FLIP_SHIFT  28u /* flip masks carry their popcount in bits 28..29 */
/* Batch writes prefetch the bucket PF_BUCKET keys ahead and its directory cell
 * PF_CELL keys ahead: the buckets of a 100k batch are all over the arena, and one
 * miss at a time (~3 per key and table) was most of bench_sync's index time. */
#define PF_BUCKET 8u
#define PF_CELL   24u

static const uint8_t chunk_width[NT] = {24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23};

struct hf_pdq_index {
	hfi_ebr ebr; /* first: its counters want their own cache lines */
	hfi_arena arena;
	hfi_slots slots;
	hfi_refmap refs;
	hfi_kernels k;
	_Atomic size_t count;
	_Atomic size_t mem;     /* refreshed by the writer after every change */
	size_t slot_inflight;   /* slot ids waiting for their grace period */
	size_t old_arena_bytes; /* arenas replaced by compaction, not yet freed */
	unsigned max_dist;
	int min_q;
	unsigned off[NT], dbits[NT];
	_Atomic(hfi_bucket *) *dir[NT];
	uint32_t *flips[2];  /* [0]: 18-bit directories, [1]: 19-bit */
	size_t nflips[2][5]; /* masks with popcount <= t: nflips[x][t + 1] */
};

typedef struct pending {
	hfi_bucket *old, *nb; /* nb NULL with old set: in-place append */
	uint32_t ix, newn;
	uint8_t table;
} pending;

/* Without -mpopcnt __builtin_popcount is a libgcc call; these are inline. */
static const uint8_t pop5[32] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                 1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5};

static unsigned popcount32(uint32_t x)
{
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	return (((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
}

/* ---- geometry ---- */

static uint32_t chunk_of(const uint64_t *w, unsigned o, unsigned c)
{
	unsigned k = o >> 6, s = o & 63u;
	uint64_t v;
	if (s + c <= 64) {
		v = w[k] >> (64 - s - c);
	} else {
		v = (w[k] << (s + c - 64)) | (w[k + 1] >> (128 - s - c));
	}
	return (uint32_t)(v & ((1ULL << c) - 1));
}

static void load_words(const uint8_t h[HF_PDQ_INDEX_HASH_LEN], uint64_t w[4])
{
	for (unsigned k = 0; k < 4; k++) {
		uint64_t v = 0;
		for (unsigned b = 0; b < 8; b++) {
			v = (v << 8) | h[k * 8 + b];
		}
		w[k] = v;
	}
}

/* Per-table radius for query radius r: sum(t_i + 1) = r + 1; -1 = skip. */
static void radii(unsigned r, int t[NT])
{
	unsigned base = (r + 1) / NT, extra = (r + 1) % NT;
	for (unsigned i = 0; i < NT; i++) {
		t[i] = (int)base - 1 + (i >= NT - extra ? 1 : 0);
	}
}

static hf_err build_flips(hf_pdq_index *idx, unsigned x, unsigned d)
{
	size_t n = 1 + d + d * (d - 1) / 2 + d * (d - 1) * (d - 2) / 6;
	uint32_t *f = malloc(n * sizeof(*f));
	if (f == NULL) {
		return HF_ENOMEM;
	}
	size_t k = 0;
	f[k++] = 0;
	idx->nflips[x][0] = 0;
	idx->nflips[x][1] = k;
	for (unsigned a = 0; a < d; a++) {
		f[k++] = (1u << FLIP_SHIFT) | (1u << a);
	}
	idx->nflips[x][2] = k;
	for (unsigned a = 0; a < d; a++) {
		for (unsigned b = a + 1; b < d; b++) {
			f[k++] = (2u << FLIP_SHIFT) | (1u << a) | (1u << b);
		}
	}
	idx->nflips[x][3] = k;
	for (unsigned a = 0; a < d; a++) {
		for (unsigned b = a + 1; b < d; b++) {
			for (unsigned c = b + 1; c < d; c++) {
				f[k++] = (3u << FLIP_SHIFT) | (1u << a) | (1u << b) | (1u << c);
			}
		}
	}
	idx->nflips[x][4] = k;
	idx->flips[x] = f;
	return HF_OK;
}

static size_t dir_bytes(const hf_pdq_index *idx, unsigned i)
{
	return ((size_t)1 << idx->dbits[i]) * sizeof(idx->dir[i][0]);
}

static void update_mem(hf_pdq_index *idx)
{
	size_t m = sizeof(*idx) + idx->arena.bytes + idx->old_arena_bytes + idx->slots.bytes +
	           idx->slots.cap_free * sizeof(uint32_t) + hfi_refmap_bytes(&idx->refs) +
	           hfi_ebr_bytes(&idx->ebr) + idx->arena.cap_chunks * sizeof(void *);
	for (unsigned i = 0; i < NT; i++) {
		m += dir_bytes(idx, i);
	}
	m += (idx->nflips[0][4] + idx->nflips[1][4]) * sizeof(uint32_t);
	atomic_store_explicit(&idx->mem, m, memory_order_relaxed);
}

/* ---- lifecycle ---- */

hf_err hf_pdq_index_new(hf_pdq_index **out, const hf_pdq_index_opts *opts)
{
	hf_err rc = HF_EINTERNAL;
	hf_pdq_index *idx = NULL;
	hf_pdq_index_opts o = {0};

	*out = NULL;
	if (opts != NULL) {
		o = *opts;
	}
	if (o.max_distance == 0) {
		o.max_distance = HF_PDQ_INDEX_DEFAULT_DIST;
	}
	if (o.min_quality == 0) {
		o.min_quality = HF_PDQ_INDEX_MIN_QUALITY;
	}
	if (o.max_distance > HF_PDQ_INDEX_MAX_DIST || o.min_quality < 0 || o.min_quality > 100) {
		return HF_ECONFIG;
	}
	/* Aligned so the reader counters sit on their own cache lines. */
	size_t sz = (sizeof(*idx) + 63u) & ~(size_t)63u;
	idx = aligned_alloc(64, sz);
	if (idx == NULL) {
		return HF_ENOMEM;
	}
	memset(idx, 0, sz);
	hfi_ebr_init(&idx->ebr);
	hfi_arena_init(&idx->arena);
	hfi_slots_init(&idx->slots, REC_SIZE);
	hfi_refmap_init(&idx->refs);
	hfi_kernels_select(&idx->k, o.portable_only);
	atomic_init(&idx->count, 0);
	atomic_init(&idx->mem, 0);
	idx->max_dist = o.max_distance;
	idx->min_q = o.min_quality;
	unsigned off = 0;
	for (unsigned i = 0; i < NT; i++) {
		idx->off[i] = off;
		off += chunk_width[i];
		idx->dbits[i] = chunk_width[i] - LOWB;
		idx->dir[i] = hfi_big_calloc(dir_bytes(idx, i));
		if (idx->dir[i] == NULL) {
			rc = HF_ENOMEM;
			goto out;
		}
		/* calloc's all-zero bytes are null pointers on every target we
		 * build for; atomic_init would need a loop over 2^19 cells. */
	}
	HF_CHECK(build_flips(idx, 0, 18));
	HF_CHECK(build_flips(idx, 1, 19));
	if (o.expected_entries > 0) {
		size_t e = o.expected_entries < HF_PDQ_INDEX_MAX_ENTRIES ? o.expected_entries
		                                                         : HF_PDQ_INDEX_MAX_ENTRIES;
		HF_CHECK(hfi_refmap_reserve(&idx->refs, &idx->slots, e));
	}
	update_mem(idx);
	*out = idx;
	idx = NULL;
	rc = HF_OK;
out:
	hf_pdq_index_free(idx);
	return rc;
}

static void reclaim(void *ctx, const hfi_retired *r)
{
	hf_pdq_index *idx = ctx;
	if (r->kind == HFI_RETIRE_BUCKET) {
		/* A bucket of an arena replaced by compaction dies with it. */
		if (r->id == idx->arena.gen) {
			hfi_bucket_release(&idx->arena, r->p);
		}
	} else if (r->kind == HFI_RETIRE_SLOT) {
		/* Capacity was reserved when the slot was retired. */
		if (hfi_slots_put(&idx->slots, r->id) == HF_OK) {
			idx->slot_inflight--;
		}
	} else if (r->kind == HFI_RETIRE_ARENA) {
		hfi_arena *old = r->p;
		idx->old_arena_bytes -= old->bytes;
		hfi_arena_clear(old);
		free(old);
	}
}

void hf_pdq_index_free(hf_pdq_index *idx)
{
	if (idx == NULL) {
		return;
	}
	/* Arenas own every bucket (chunks and big arrays alike); only arenas
	 * replaced by compaction and still in their grace period need a visit. */
	for (size_t i = idx->ebr.head; i < idx->ebr.len; i++) {
		if (idx->ebr.ret[i].kind == HFI_RETIRE_ARENA) {
			hfi_arena_clear(idx->ebr.ret[i].p);
			free(idx->ebr.ret[i].p);
		}
	}
	for (unsigned i = 0; i < NT; i++) {
		hfi_big_free((void *)idx->dir[i], dir_bytes(idx, i));
	}
	free(idx->flips[0]);
	free(idx->flips[1]);
	hfi_refmap_clear(&idx->refs);
	hfi_slots_clear(&idx->slots);
	hfi_arena_clear(&idx->arena);
	hfi_ebr_clear(&idx->ebr);
	free(idx);
}

/* ---- writer ---- */

static void maybe_compact(hf_pdq_index *idx);

static hf_err check_quality(const hf_pdq_index *idx, int quality)
{
	if (quality > 100) {
		return HF_EINVAL;
	}
	if (quality < idx->min_q) {
		return HF_ELOWQUALITY;
	}
	return HF_OK;
}

static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	/* Keys are dir index (< 2^19) << 32 | entry: two 10-bit passes on the
	 * index keep entries of a bucket in batch order. */
	static const unsigned shift[2] = {32, 42};
	for (unsigned p = 0; p < 2; p++) {
		size_t cnt[1025] = {0};
		for (size_t i = 0; i < n; i++) {
			cnt[((a[i] >> shift[p]) & 1023u) + 1]++;
		}
		for (size_t j = 1; j < 1025; j++) {
			cnt[j] += cnt[j - 1];
		}
		for (size_t i = 0; i < n; i++) {
			tmp[cnt[(a[i] >> shift[p]) & 1023u]++] = a[i];
		}
		memcpy(a, tmp, n * sizeof(*a));
	}
}

static void insertion_sort(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t j = i;
		while (j > 0 && (a[j - 1] >> 32) > (v >> 32)) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

static void release_pending(hf_pdq_index *idx, pending *p, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		if (p[i].nb != NULL) {
			hfi_bucket_release(&idx->arena, p[i].nb);
		}
	}
}

/* Publish prepared buckets: readers switch to the new arrays atomically. */
static void publish(hf_pdq_index *idx, const pending *p, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		if (i + PF_BUCKET < np && p[i + PF_BUCKET].old != NULL) {
			__builtin_prefetch(p[i + PF_BUCKET].old, 1);
		}
		_Atomic(hfi_bucket *) *cell = &idx->dir[p[i].table][p[i].ix];
		if (p[i].nb != NULL || p[i].newn == 0) {
			atomic_store_explicit(cell, p[i].nb, memory_order_release);
			if (p[i].old != NULL) {
				hfi_ebr_retire(&idx->ebr, HFI_RETIRE_BUCKET, p[i].old,
				               idx->arena.gen);
			}
		} else {
			atomic_store_explicit(&p[i].old->n, p[i].newn, memory_order_release);
		}
	}
}

/* Prepare table i's share of a batch: keys sorted by directory index. */
static hf_err prepare_table(hf_pdq_index *idx, unsigned i, const uint64_t *keys, size_t n,
                            pending *p, size_t *np)
{
	size_t a = 0;
	while (a < n) {
		uint32_t ix = (uint32_t)(keys[a] >> 32);
		if (a + PF_CELL < n) {
			__builtin_prefetch(&idx->dir[i][keys[a + PF_CELL] >> 32]);
		}
		if (a + PF_BUCKET < n) {
			const hfi_bucket *ahead = atomic_load_explicit(
			    &idx->dir[i][keys[a + PF_BUCKET] >> 32], memory_order_relaxed);
			if (ahead != NULL) {
				__builtin_prefetch(ahead);
			}
		}
		size_t z = a;
		while (z < n && (uint32_t)(keys[z] >> 32) == ix) {
			z++;
		}
		size_t k = z - a;
		hfi_bucket *old = atomic_load_explicit(&idx->dir[i][ix], memory_order_relaxed);
		size_t n0 = old ? atomic_load_explicit(&old->n, memory_order_relaxed) : 0;
		pending *pp = &p[(*np)++];
		pp->table = (uint8_t)i;
		pp->ix = ix;
		pp->old = old;
		pp->nb = NULL;
		pp->newn = (uint32_t)(n0 + k);
		uint32_t *dst;
		if (old != NULL && n0 + k <= hfi_bucket_cap(n0)) {
			/* Room in place: write past n, invisible until n moves. */
			dst = old->e + n0;
		} else {
			pp->nb = hfi_bucket_alloc(&idx->arena, n0 + k);
			if (pp->nb == NULL) {
				(*np)--;
				return HF_ENOMEM;
			}
			if (n0 > 0) {
				memcpy(pp->nb->e, old->e, n0 * sizeof(uint32_t));
			}
			dst = pp->nb->e + n0;
		}
		for (size_t j = 0; j < k; j++) {
			dst[j] = (uint32_t)keys[a + j];
		}
		a = z;
	}
	return HF_OK;
}

hf_err hf_pdq_index_add_batch(hf_pdq_index *idx, const uint8_t *hashes, const int *qualities,
                              const uint64_t *refs, size_t n, size_t *n_failed)
{
	hf_err rc = HF_EINTERNAL;
	uint32_t *ids = NULL;
	uint64_t *keys = NULL, *tmp = NULL;
	pending *pend = NULL;
	size_t nids = 0, ninserted = 0, np = 0, fail = n;

	if (n == 0) {
		rc = HF_OK;
		goto out;
	}
	if (hashes == NULL || qualities == NULL || refs == NULL) {
		rc = HF_EINVAL;
		goto out;
	}
	for (size_t j = 0; j < n; j++) {
		if ((rc = check_quality(idx, qualities[j])) != HF_OK) {
			fail = j;
			goto out;
		}
	}
	size_t live = atomic_load_explicit(&idx->count, memory_order_relaxed);
	if (n > HF_PDQ_INDEX_MAX_ENTRIES - live) {
		rc = HF_ENOSPC;
		goto out;
	}
	size_t maxp = NT * n; /* at most one pending bucket per table and entry */
	ids = malloc(n * sizeof(*ids));
	keys = malloc(n * sizeof(*keys));
	tmp = n >= 64 ? malloc(n * sizeof(*tmp)) : NULL;
	pend = malloc(maxp * sizeof(*pend));
	if (ids == NULL || keys == NULL || pend == NULL || (n >= 64 && tmp == NULL)) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hfi_refmap_reserve(&idx->refs, &idx->slots, n));
	/* Room to hand every id back if we must undo. */
	HF_CHECK(hfi_slots_reserve_free(&idx->slots, n + idx->slot_inflight));
	for (size_t j = 0; j < n; j++) {
		uint32_t dummy;
		if (hfi_refmap_find(&idx->refs, &idx->slots, refs[j], &dummy)) {
			rc = HF_EEXIST;
			fail = j;
			goto out;
		}
		HF_CHECK(hfi_slots_take(&idx->slots, &ids[nids]));
		nids++;
		uint64_t *rec = (uint64_t *)(void *)hfi_slot(&idx->slots, ids[j]);
		load_words(hashes + j * HF_PDQ_INDEX_HASH_LEN, rec);
		*hfi_slot_refp(&idx->slots, ids[j]) = refs[j];
		hfi_refmap_insert(&idx->refs, &idx->slots, ids[j]);
		ninserted++;
	}
	for (unsigned i = 0; i < NT; i++) {
		for (size_t j = 0; j < n; j++) {
			const uint64_t *rec =
			    (const uint64_t *)(void *)hfi_slot(&idx->slots, ids[j]);
			uint32_t c = chunk_of(rec, idx->off[i], chunk_width[i]);
			uint32_t entry = ((c & ((1u << LOWB) - 1u)) << HFI_ID_BITS) | ids[j];
			keys[j] = ((uint64_t)(c >> LOWB) << 32) | entry;
		}
		if (n >= 64) {
			radix_sort(keys, tmp, n);
		} else {
			insertion_sort(keys, n);
		}
		HF_CHECK(prepare_table(idx, i, keys, n, pend, &np));
	}
	size_t nret = 0;
	for (size_t j = 0; j < np; j++) {
		nret += pend[j].old != NULL && pend[j].nb != NULL;
	}
	HF_CHECK(hfi_ebr_reserve(&idx->ebr, nret));
	/* Nothing can fail from here on. */
	publish(idx, pend, np);
	atomic_fetch_add_explicit(&idx->count, n, memory_order_relaxed);
	np = 0;
	nids = 0;
	ninserted = 0;
	rc = HF_OK;
out:
	if (rc != HF_OK) {
		release_pending(idx, pend, np);
		for (size_t j = 0; j < ninserted; j++) {
			hfi_refmap_delete(&idx->refs, &idx->slots, refs[j]);
		}
		for (size_t j = nids; j > 0; j--) {
			if (hfi_slots_put(&idx->slots, ids[j - 1]) != HF_OK) {
				break; /* unreachable: capacity reserved */
			}
		}
		if (n_failed != NULL) {
			*n_failed = fail;
		}
	}
	maybe_compact(idx);
	hfi_ebr_poll(&idx->ebr, reclaim, idx);
	update_mem(idx);
	free(pend);
	free(tmp);
	free(keys);
	free(ids);
	return rc;
}

hf_err hf_pdq_index_add(hf_pdq_index *idx, const uint8_t hash[HF_PDQ_INDEX_HASH_LEN], int quality,
                        uint64_t ref)
{
	return hf_pdq_index_add_batch(idx, hash, &quality, &ref, 1, NULL);
}

hf_err hf_pdq_index_remove(hf_pdq_index *idx, uint64_t ref)
{
	hf_err rc = HF_EINTERNAL;
	pending pend[NT];
	size_t np = 0;
	uint32_t id;

	if (!hfi_refmap_find(&idx->refs, &idx->slots, ref, &id)) {
		rc = HF_ENOTFOUND;
		goto out;
	}
	HF_CHECK(hfi_ebr_reserve(&idx->ebr, NT + 1));
	/* The slot comes back through the free list after its grace period. */
	HF_CHECK(hfi_slots_reserve_free(&idx->slots, idx->slot_inflight + 1));
	const uint64_t *rec = (const uint64_t *)(void *)hfi_slot(&idx->slots, id);
	for (unsigned i = 0; i < NT; i++) {
		uint32_t c = chunk_of(rec, idx->off[i], chunk_width[i]);
		uint32_t ix = c >> LOWB;
		uint32_t entry = ((c & ((1u << LOWB) - 1u)) << HFI_ID_BITS) | id;
		hfi_bucket *old = atomic_load_explicit(&idx->dir[i][ix], memory_order_relaxed);
		size_t n0 = old ? atomic_load_explicit(&old->n, memory_order_relaxed) : 0;
		size_t pos = 0;
		while (pos < n0 && old->e[pos] != entry) {
			pos++;
		}
		if (pos == n0) { /* cannot happen: every slot is in every table */
			rc = HF_EINTERNAL;
			goto out;
		}
		pending *pp = &pend[np++];
		pp->table = (uint8_t)i;
		pp->ix = ix;
		pp->old = old;
		pp->newn = (uint32_t)(n0 - 1);
		pp->nb = NULL;
		if (n0 > 1) {
			/* Copy, never edit in place: a reader may be scanning old. */
			pp->nb = hfi_bucket_alloc(&idx->arena, n0 - 1);
			if (pp->nb == NULL) {
				np--;
				rc = HF_ENOMEM;
				goto out;
			}
			memcpy(pp->nb->e, old->e, pos * sizeof(uint32_t));
			memcpy(pp->nb->e + pos, old->e + pos + 1,
			       (n0 - pos - 1) * sizeof(uint32_t));
		}
	}
	publish(idx, pend, np);
	np = 0;
	hfi_refmap_delete(&idx->refs, &idx->slots, ref);
	hfi_ebr_retire(&idx->ebr, HFI_RETIRE_SLOT, NULL, id);
	idx->slot_inflight++;
	atomic_fetch_sub_explicit(&idx->count, 1, memory_order_relaxed);
	rc = HF_OK;
out:
	release_pending(idx, pend, np);
	maybe_compact(idx);
	hfi_ebr_poll(&idx->ebr, reclaim, idx);
	update_mem(idx);
	return rc;
}

/*
 * Copy every bucket into a fresh arena and retire the old one whole. Buckets
 * freed while tables grow in step (every bucket passing through the same size
 * classes) pile up in free lists no other bucket needs; this returns them.
 * O(live bucket bytes) of writer work; readers keep reading either copy.
 */
static hf_err compact(hf_pdq_index *idx)
{
	hf_err rc = HF_EINTERNAL;
	hfi_bucket **copy = NULL;
	hfi_arena *old = NULL;
	hfi_arena fresh;
	size_t ncells = 0, k = 0;

	hfi_arena_init(&fresh);
	fresh.gen = idx->arena.gen + 1;
	for (unsigned i = 0; i < NT; i++) {
		ncells += (size_t)1 << idx->dbits[i];
	}
	HF_CHECK(hfi_ebr_reserve(&idx->ebr, 1));
	old = malloc(sizeof(*old));
	copy = malloc(ncells * sizeof(*copy));
	if (old == NULL || copy == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < NT; i++) {
		for (size_t c = 0; c < ((size_t)1 << idx->dbits[i]); c++, k++) {
			hfi_bucket *b = atomic_load_explicit(&idx->dir[i][c], memory_order_relaxed);
			copy[k] = NULL;
			if (b == NULL) {
				continue;
			}
			size_t n = atomic_load_explicit(&b->n, memory_order_relaxed);
			copy[k] = hfi_bucket_alloc(&fresh, n);
			if (copy[k] == NULL) {
				rc = HF_ENOMEM;
				goto out;
			}
			memcpy(copy[k]->e, b->e, n * sizeof(uint32_t));
		}
	}
	k = 0;
	for (unsigned i = 0; i < NT; i++) {
		for (size_t c = 0; c < ((size_t)1 << idx->dbits[i]); c++, k++) {
			if (copy[k] != NULL) {
				atomic_store_explicit(&idx->dir[i][c], copy[k],
				                      memory_order_release);
			}
		}
	}
	*old = idx->arena;
	idx->arena = fresh;
	hfi_arena_init(&fresh);
	idx->old_arena_bytes += old->bytes;
	hfi_ebr_retire(&idx->ebr, HFI_RETIRE_ARENA, old, 0);
	old = NULL;
	rc = HF_OK;
out:
	hfi_arena_clear(&fresh); /* on failure: the partial copies */
	free(old);
	free(copy);
	return rc;
}

/* Compact when an eighth of the arena sits in free lists. */
static void maybe_compact(hf_pdq_index *idx)
{
	if (idx->arena.bytes >= ((size_t)32 << 20) &&
	    idx->arena.free_bytes > idx->arena.bytes / 8) {
		if (compact(idx) != HF_OK) {
			return; /* out of memory: keep the fragmented arena */
		}
	}
}

hf_err hf_pdq_index_compact(hf_pdq_index *idx)
{
	hf_err rc = compact(idx);
	hfi_ebr_poll(&idx->ebr, reclaim, idx);
	update_mem(idx);
	return rc;
}

/* ---- reader ---- */

typedef struct qstate {
	const hf_pdq_index *idx;
	uint64_t q[4];
	uint32_t qc[NT];
	int t[NT];
	unsigned r;
	hf_pdq_match_fn fn;
	void *ctx;
	bool stop;
	size_t nc;
	uint32_t cid[CAND_CAP + 16];
	uint8_t ctab[CAND_CAP + 16];
} qstate;

/* True if table i is the first table in which rec qualifies. */
static bool first_table(const qstate *st, const uint64_t *rec, unsigned i)
{
	for (unsigned j = 0; j < i; j++) {
		if (st->t[j] < 0) {
			continue;
		}
		uint32_t c = chunk_of(rec, st->idx->off[j], chunk_width[j]);
		if ((int)popcount32(c ^ st->qc[j]) <= st->t[j]) {
			return false;
		}
	}
	return true;
}

static void flush(qstate *st)
{
	const hf_pdq_index *idx = st->idx;
	for (size_t j = 0; j < st->nc && !st->stop; j++) {
		if (j + 16 < st->nc) {
			__builtin_prefetch(hfi_slot(&idx->slots, st->cid[j + 16]));
		}
		const uint64_t *rec = (const uint64_t *)(void *)hfi_slot(&idx->slots, st->cid[j]);
		unsigned d = idx->k.dist256(st->q, rec);
		if (d <= st->r && first_table(st, rec, st->ctab[j])) {
			if (!st->fn(st->ctx, hfi_slot_ref(&idx->slots, st->cid[j]), d)) {
				st->stop = true;
			}
		}
	}
	st->nc = 0;
}

static void scan_bucket(qstate *st, unsigned i, const hfi_bucket *b, size_t n, uint32_t qlow,
                        unsigned budget)
{
	size_t at = 0;
	while (at < n && !st->stop) {
		size_t piece = n - at < CAND_CAP ? n - at : CAND_CAP;
		if (piece > CAND_CAP - st->nc) {
			flush(st);
		}
		size_t got;
		if (piece < 16) {
			/* Small buckets (most of them below ~5M entries): inline, no
			 * call and no vector setup. */
			got = 0;
			for (size_t j = 0; j < piece; j++) {
				uint32_t v = b->e[at + j];
				st->cid[st->nc + got] = v & HFI_ID_MASK;
				got += pop5[(v >> HFI_ID_BITS) ^ qlow] <= budget;
			}
		} else {
			got = st->idx->k.scan(b->e + at, piece, qlow, budget, st->cid + st->nc);
		}
		memset(st->ctab + st->nc, (int)i, got);
		st->nc += got;
		at += piece;
	}
}

static void probe_table(qstate *st, unsigned i)
{
	const hf_pdq_index *idx = st->idx;
	unsigned x = idx->dbits[i] == 19 ? 1 : 0;
	const uint32_t *fl = idx->flips[x];
	size_t nf = idx->nflips[x][st->t[i] + 1];
	uint32_t qdir = st->qc[i] >> LOWB, qlow = st->qc[i] & ((1u << LOWB) - 1u);
	_Atomic(hfi_bucket *) *dir = idx->dir[i];
	uint32_t ix[PROBE_BATCH];
	hfi_bucket *b[PROBE_BATCH];
	uint32_t n[PROBE_BATCH];

	/* Three passes per batch so the cache misses of one stage overlap:
	 * directory cells, then bucket heads, then the scans. Plain loads, not
	 * prefetches: independent loads keep many misses in flight, while
	 * software prefetches that miss the TLB may be dropped. */
	for (size_t base = 0; base < nf && !st->stop; base += PROBE_BATCH) {
		size_t m = nf - base < PROBE_BATCH ? nf - base : PROBE_BATCH;
		for (size_t j = 0; j < m; j++) {
			ix[j] = qdir ^ (fl[base + j] & ((1u << FLIP_SHIFT) - 1u));
			b[j] = atomic_load_explicit(&dir[ix[j]], memory_order_acquire);
		}
		for (size_t j = 0; j < m; j++) {
			if (b[j] != NULL) {
				/* Buckets of 16+ entries (N of several million) span a
				 * second cache line: start it too. */
				__builtin_prefetch((const char *)b[j] + 64);
				n[j] = atomic_load_explicit(&b[j]->n, memory_order_acquire);
			} else {
				n[j] = 0;
			}
		}
		for (size_t j = 0; j < m && !st->stop; j++) {
			if (n[j] != 0) {
				unsigned f = fl[base + j] >> FLIP_SHIFT;
				scan_bucket(st, i, b[j], n[j], qlow, (unsigned)st->t[i] - f);
			}
		}
	}
}

hf_err hf_pdq_index_query_cb(const hf_pdq_index *idx, const uint8_t hash[HF_PDQ_INDEX_HASH_LEN],
                             int quality, unsigned max_distance, hf_pdq_match_fn fn, void *ctx)
{
	HF_TRY(check_quality(idx, quality));
	HF_ENSURE(max_distance <= idx->max_dist, HF_EINVAL);
	qstate stk;
	qstate *st = &stk;
	st->idx = idx;
	st->r = max_distance;
	st->fn = fn;
	st->ctx = ctx;
	st->stop = false;
	st->nc = 0;
	load_words(hash, st->q);
	radii(max_distance, st->t);
	for (unsigned i = 0; i < NT; i++) {
		st->qc[i] = chunk_of(st->q, idx->off[i], chunk_width[i]);
	}
	/* Readers only read; the epoch counters are the one shared write. */
	hfi_ebr *ebr = (hfi_ebr *)&idx->ebr;
	uint64_t tok = hfi_ebr_enter(ebr);
	for (unsigned i = 0; i < NT && !st->stop; i++) {
		if (st->t[i] >= 0) {
			probe_table(st, i);
		}
	}
	flush(st);
	hfi_ebr_exit(ebr, tok);
	return HF_OK;
}

typedef struct collect {
	hf_pdq_match *out;
	size_t cap, n;
} collect;

static bool collect_fn(void *ctx, uint64_t ref, unsigned distance)
{
	collect *c = ctx;
	if (c->n < c->cap) {
		c->out[c->n].ref = ref;
		c->out[c->n].distance = distance;
	}
	c->n++;
	return true;
}

hf_err hf_pdq_index_query(const hf_pdq_index *idx, const uint8_t hash[HF_PDQ_INDEX_HASH_LEN],
                          int quality, unsigned max_distance, hf_pdq_match *out, size_t cap,
                          size_t *n_out)
{
	collect c = {out, out != NULL ? cap : 0, 0};
	*n_out = 0;
	HF_TRY(hf_pdq_index_query_cb(idx, hash, quality, max_distance, collect_fn, &c));
	*n_out = c.n;
	return c.n > c.cap ? HF_ENOSPC : HF_OK;
}

size_t hf_pdq_index_count(const hf_pdq_index *idx)
{
	return atomic_load_explicit(&idx->count, memory_order_relaxed);
}

size_t hf_pdq_index_memory_bytes(const hf_pdq_index *idx)
{
	return atomic_load_explicit(&idx->mem, memory_order_relaxed);
}

const char *hf_pdq_index_kernel(const hf_pdq_index *idx)
{
	return idx->k.name;
}
