/*
 * Memory machinery of the match indexes: epoch-based reclamation, the bucket
 * arena, slot records and the ref map. See index_internal.h and docs/index.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "index_internal.h"
#include "hf_check.h"

#define HUGE_PAGE ((size_t)2 << 20)

/* Room for n more items in the array *p of *cap elem-byte items, used of them taken: the
 * capacity doubles (from first) until they fit. HF_ENOMEM leaves *p and *cap as they were. */
static hf_err reserve_more(void **p, size_t *cap, size_t used, size_t n, size_t elem, size_t first)
{
	if (n <= *cap - used) {
		return HF_OK;
	}
	size_t nc = *cap ? *cap : first;
	while (nc - used < n) {
		nc *= 2;
	}
	void *q = realloc(*p, nc * elem);
	if (q == NULL) {
		return HF_ENOMEM;
	}
	*p = q;
	*cap = nc;
	return HF_OK;
}

/* Big arrays come straight from mmap, 2 MiB aligned, so they can be backed by
 * transparent huge pages and go back to the OS when freed (malloc would keep
 * them in its heap, and the process would stay at its high-water mark). */
static size_t huge_round(size_t size)
{
	return (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *hfi_big_calloc(size_t size)
{
	if (size < HUGE_PAGE) {
		return calloc(1, size);
	}
	size_t rounded = huge_round(size);
	uint8_t *p = mmap(NULL, rounded + HUGE_PAGE, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		return NULL;
	}
	uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	size_t head = (size_t)(a - (uintptr_t)p);
	if (head > 0) {
		(void)munmap(p, head);
	}
	if (HUGE_PAGE - head > 0) {
		(void)munmap((uint8_t *)a + rounded, HUGE_PAGE - head);
	}
	(void)madvise((void *)a, rounded, MADV_HUGEPAGE); /* a hint; failure is harmless */
	return (void *)a;                                 /* anonymous mappings are zeroed */
}

void hfi_big_free(void *p, size_t size)
{
	if (p == NULL) {
		return;
	}
	if (size < HUGE_PAGE) {
		free(p);
		return;
	}
	(void)munmap(p, huge_round(size));
}

/* ---- size classes ---- */

size_t hfi_class_words(size_t w)
{
	/* Up to 16 words, every other size only (about 1.5x apart): a small bucket
	 * then takes every other append in place instead of being copied. Small
	 * buckets are most of an index of up to a few million entries (bench_sync
	 * applies 1M in 100k batches: ~2 entries per bucket), the slack is a few
	 * words, and from 10M entries on buckets are past 16 words (docs/index.md). */
	static const uint8_t small[17] = {2,  2,  2,  4,  4,  6,  6,  8, 8,
	                                  12, 12, 12, 12, 16, 16, 16, 16};
	if (w <= 16) {
		return small[w];
	}
	if (w <= 128) {
		return w;
	}
	unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)w);
	size_t step = (size_t)1 << (lg - 3);
	return (w + step - 1) & ~(step - 1);
}

static size_t class_index(size_t words)
{
	if (words <= 128) {
		return words;
	}
	unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)words);
	return 128u + (lg - 7u) * 8u + ((words >> (lg - 3)) - 8u);
}

/* ---- arena ---- */

void hfi_arena_init(hfi_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void hfi_arena_clear(hfi_arena *a)
{
	for (size_t i = 0; i < a->nchunks; i++) {
		hfi_big_free(a->chunks[i], (size_t)HFI_ARENA_CHUNK_WORDS * 4u);
	}
	free(a->chunks);
	for (size_t i = 0; i < a->nbig; i++) {
		free(a->big[i]);
	}
	free(a->big);
	memset(a, 0, sizeof(*a));
}

static uint32_t *arena_alloc_big(hfi_arena *a, size_t words)
{
	if (reserve_more((void **)&a->big, &a->cap_big, a->nbig, 1, sizeof(*a->big), 16) != HF_OK) {
		return NULL;
	}
	uint32_t *p = malloc(words * 4u);
	if (p != NULL) {
		a->big[a->nbig++] = p;
		a->bytes += words * 4u;
	}
	return p;
}

uint32_t *hfi_arena_alloc(hfi_arena *a, size_t words)
{
	if (words > HFI_ARENA_MAX_WORDS) {
		return arena_alloc_big(a, words);
	}
	size_t ci = class_index(words);
	if (a->free_head[ci] != NULL) {
		void *p = a->free_head[ci];
		memcpy(&a->free_head[ci], p, sizeof(void *));
		a->free_bytes -= words * 4u;
		/* The next pop of this class reads the new head: start that miss now. */
		if (a->free_head[ci] != NULL) {
			__builtin_prefetch(a->free_head[ci], 1);
		}
		return p;
	}
	if (a->nchunks == 0 || a->used + words > HFI_ARENA_CHUNK_WORDS) {
		if (reserve_more((void **)&a->chunks, &a->cap_chunks, a->nchunks, 1,
		                 sizeof(*a->chunks), 16) != HF_OK) {
			return NULL;
		}
		/* The tail of the previous chunk is left unused (< 256 KiB of
		 * 4 MiB at worst, usually a few words). */
		uint32_t *c = hfi_big_calloc((size_t)HFI_ARENA_CHUNK_WORDS * 4u);
		if (c == NULL) {
			return NULL;
		}
		a->chunks[a->nchunks++] = c;
		a->used = 0;
		a->bytes += (size_t)HFI_ARENA_CHUNK_WORDS * 4u;
	}
	uint32_t *p = a->chunks[a->nchunks - 1] + a->used;
	a->used += words;
	return p;
}

void hfi_arena_release(hfi_arena *a, uint32_t *p, size_t words)
{
	if (words > HFI_ARENA_MAX_WORDS) {
		for (size_t i = 0; i < a->nbig; i++) {
			if (a->big[i] == p) {
				a->big[i] = a->big[--a->nbig];
				break;
			}
		}
		a->bytes -= words * 4u;
		free(p);
		return;
	}
	size_t ci = class_index(words);
	memcpy(p, &a->free_head[ci], sizeof(void *));
	a->free_head[ci] = p;
	a->free_bytes += words * 4u;
}

hfi_bucket *hfi_bucket_alloc(hfi_arena *a, size_t n)
{
	hfi_bucket *b = (hfi_bucket *)(void *)hfi_arena_alloc(a, hfi_class_words(n + 1));
	if (b != NULL) {
		atomic_store_explicit(&b->n, (uint32_t)n, memory_order_relaxed);
	}
	return b;
}

void hfi_bucket_release(hfi_arena *a, hfi_bucket *b)
{
	size_t n = atomic_load_explicit(&b->n, memory_order_relaxed);
	hfi_arena_release(a, (uint32_t *)(void *)b, hfi_class_words(n + 1));
}

/* ---- epoch-based reclamation ----
 * Readers announce themselves in the counter of the epoch they saw. The writer
 * moves the epoch from E to E+1 only when the counter of E-1 (same slot as
 * E+1) is zero, so when the epoch reaches s+2 every reader that could have
 * seen an object retired at epoch s has left. Readers never wait; the writer
 * never waits either, it just frees later. */

void hfi_ebr_init(hfi_ebr *e)
{
	atomic_init(&e->epoch, 2);
	atomic_init(&e->readers0, 0);
	atomic_init(&e->readers1, 0);
	e->ret = NULL;
	e->head = e->len = e->cap = 0;
}

void hfi_ebr_clear(hfi_ebr *e)
{
	free(e->ret);
	e->ret = NULL;
	e->head = e->len = e->cap = 0;
}

static _Atomic uint64_t *ebr_counter(hfi_ebr *e, uint64_t epoch)
{
	return (epoch & 1u) ? &e->readers1 : &e->readers0;
}

uint64_t hfi_ebr_enter(hfi_ebr *e)
{
	for (;;) {
		uint64_t ep = atomic_load(&e->epoch);
		atomic_fetch_add(ebr_counter(e, ep), 1);
		/* seq_cst: either the writer sees our count, or we see its new
		 * epoch and retry in the other counter. */
		if (atomic_load(&e->epoch) == ep) {
			return ep;
		}
		atomic_fetch_sub(ebr_counter(e, ep), 1);
	}
}

void hfi_ebr_exit(hfi_ebr *e, uint64_t token)
{
	atomic_fetch_sub_explicit(ebr_counter(e, token), 1, memory_order_release);
}

hf_err hfi_ebr_reserve(hfi_ebr *e, size_t n)
{
	if (e->head > 0 && e->head >= e->len / 2) {
		memmove(e->ret, e->ret + e->head, (e->len - e->head) * sizeof(*e->ret));
		e->len -= e->head;
		e->head = 0;
	}
	return reserve_more((void **)&e->ret, &e->cap, e->len, n, sizeof(*e->ret), 64);
}

void hfi_ebr_retire(hfi_ebr *e, uint32_t kind, void *p, uint32_t id)
{
	hfi_retired *r = &e->ret[e->len++];
	r->p = p;
	r->kind = kind;
	r->id = id;
	r->epoch = atomic_load_explicit(&e->epoch, memory_order_relaxed);
}

void hfi_ebr_poll(hfi_ebr *e, void (*fn)(void *ctx, const hfi_retired *r), void *ctx)
{
	uint64_t ep = atomic_load(&e->epoch);
	/* Two steps when no reader holds us back, so with idle readers
	 * everything retired so far is freed now, not two calls later. */
	for (int step = 0; step < 2; step++) {
		if (e->head == e->len || atomic_load(ebr_counter(e, ep + 1)) != 0) {
			break;
		}
		ep++;
		atomic_store(&e->epoch, ep);
	}
	while (e->head < e->len && e->ret[e->head].epoch + 2 <= ep) {
		/* Freeing a bucket writes into it; they are scattered (batch retires). */
		if (e->head + 8 < e->len && e->ret[e->head + 8].p != NULL) {
			__builtin_prefetch(e->ret[e->head + 8].p, 1);
		}
		fn(ctx, &e->ret[e->head]);
		e->head++;
	}
	if (e->head == e->len) {
		e->head = e->len = 0;
		if (e->cap > 4096) { /* a big batch's list: do not keep it */
			free(e->ret);
			e->ret = NULL;
			e->cap = 0;
		}
	}
}

size_t hfi_ebr_bytes(const hfi_ebr *e)
{
	return e->cap * sizeof(*e->ret);
}

/* ---- slots ---- */

void hfi_slots_init(hfi_slots *s, size_t rec_size)
{
	memset(s, 0, sizeof(*s));
	s->rec_size = rec_size;
}

void hfi_slots_clear(hfi_slots *s)
{
	size_t bsz = ((size_t)1 << HFI_SLOT_BLOCK_BITS) * s->rec_size;
	for (size_t i = 0; i < HFI_SLOT_BLOCKS; i++) {
		hfi_big_free(s->block[i], bsz);
		free(s->refs[i]);
	}
	free(s->free);
	size_t rs = s->rec_size;
	memset(s, 0, sizeof(*s));
	s->rec_size = rs;
}

hf_err hfi_slots_take(hfi_slots *s, uint32_t *id)
{
	if (s->nfree > 0) {
		*id = s->free[--s->nfree];
		return HF_OK;
	}
	if (s->next >= HFI_MAX_IDS) {
		return HF_ENOSPC;
	}
	uint32_t b = s->next >> HFI_SLOT_BLOCK_BITS;
	if (s->block[b] == NULL) {
		size_t bsz = ((size_t)1 << HFI_SLOT_BLOCK_BITS) * s->rec_size;
		uint64_t *r = calloc((size_t)1 << HFI_SLOT_BLOCK_BITS, sizeof(uint64_t));
		s->block[b] = r != NULL ? hfi_big_calloc(bsz) : NULL;
		if (s->block[b] == NULL) {
			free(r);
			return HF_ENOMEM;
		}
		s->refs[b] = r;
		s->bytes += bsz + ((size_t)8 << HFI_SLOT_BLOCK_BITS);
	}
	*id = s->next++;
	return HF_OK;
}

hf_err hfi_slots_reserve_free(hfi_slots *s, size_t n)
{
	return reserve_more((void **)&s->free, &s->cap_free, s->nfree, n, sizeof(*s->free), 256);
}

hf_err hfi_slots_put(hfi_slots *s, uint32_t id)
{
	HF_TRY(hfi_slots_reserve_free(s, 1));
	s->free[s->nfree++] = id;
	return HF_OK;
}

/* ---- refmap: linear probing over 32-bit cells; a 5-bit tag of the ref's
 * hash avoids touching the slot for most non-matching cells. ---- */

#define TAG_SHIFT HFI_ID_BITS

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t home_of(size_t cap, uint64_t h)
{
	return (size_t)(((h & 0xffffffffu) * (uint64_t)cap) >> 32);
}

static uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 59);
}

void hfi_refmap_init(hfi_refmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hfi_refmap_clear(hfi_refmap *m)
{
	hfi_big_free(m->cell, m->cap * sizeof(uint32_t));
	memset(m, 0, sizeof(*m));
}

static void refmap_place(uint32_t *cell, size_t cap, uint64_t h, uint32_t id)
{
	size_t i = home_of(cap, h);
	while (cell[i] != 0) {
		i = (i + 1 == cap) ? 0 : i + 1;
	}
	cell[i] = (tag_of(h) << TAG_SHIFT) | (id + 1u);
}

hf_err hfi_refmap_reserve(hfi_refmap *m, const hfi_slots *s, size_t more)
{
	/* Load factor at most 7/8 (the 5-bit tags keep long probe runs cheap:
	 * 32-bit cells, rarely a slot read); grow by 1.5x, not 2x, and size a
	 * first reservation exactly, to keep memory low. */
	size_t need = m->count + more;
	if (need <= m->cap / 8 * 7) {
		return HF_OK;
	}
	size_t nc = m->cap ? m->cap : need / 7 * 8 + 1024;
	while (need > nc / 8 * 7) {
		nc = nc + nc / 2;
	}
	if (nc > 0xffffffffu) {
		return HF_ENOSPC;
	}
	uint32_t *cell = hfi_big_calloc(nc * sizeof(uint32_t));
	if (cell == NULL) {
		return HF_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->cell[i] != 0) {
			uint32_t id = (m->cell[i] & HFI_ID_MASK) - 1u;
			refmap_place(cell, nc, mix64(hfi_slot_ref(s, id)), id);
		}
	}
	hfi_big_free(m->cell, m->cap * sizeof(uint32_t));
	m->cell = cell;
	m->cap = nc;
	return HF_OK;
}

static bool refmap_pos(const hfi_refmap *m, const hfi_slots *s, uint64_t ref, size_t *pos)
{
	if (m->cap == 0) {
		return false;
	}
	uint64_t h = mix64(ref);
	uint32_t tag = tag_of(h);
	size_t i = home_of(m->cap, h);
	while (m->cell[i] != 0) {
		uint32_t c = m->cell[i];
		if ((c >> TAG_SHIFT) == tag && hfi_slot_ref(s, (c & HFI_ID_MASK) - 1u) == ref) {
			*pos = i;
			return true;
		}
		i = (i + 1 == m->cap) ? 0 : i + 1;
	}
	return false;
}

bool hfi_refmap_find(const hfi_refmap *m, const hfi_slots *s, uint64_t ref, uint32_t *id)
{
	size_t pos;
	if (!refmap_pos(m, s, ref, &pos)) {
		return false;
	}
	*id = (m->cell[pos] & HFI_ID_MASK) - 1u;
	return true;
}

void hfi_refmap_insert(hfi_refmap *m, const hfi_slots *s, uint32_t id)
{
	refmap_place(m->cell, m->cap, mix64(hfi_slot_ref(s, id)), id);
	m->count++;
}

void hfi_refmap_delete(hfi_refmap *m, const hfi_slots *s, uint64_t ref)
{
	size_t i;
	if (!refmap_pos(m, s, ref, &i)) {
		return;
	}
	/* Backward-shift deletion: no tombstones, so probes stay short. */
	size_t j = i;
	for (;;) {
		m->cell[i] = 0;
		for (;;) {
			j = (j + 1 == m->cap) ? 0 : j + 1;
			if (m->cell[j] == 0) {
				m->count--;
				return;
			}
			uint32_t id = (m->cell[j] & HFI_ID_MASK) - 1u;
			size_t k = home_of(m->cap, mix64(hfi_slot_ref(s, id)));
			/* Move cell j into hole i unless its home lies cyclically
			 * in (i, j]. */
			bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
			if (!stays) {
				break;
			}
		}
		m->cell[i] = m->cell[j];
		i = j;
	}
}
