/*
 * Exact index for MD5 / SHA-256 digests: a chained hash table whose buckets
 * are copy-on-write arrays of slot ids, with the same one-writer / lock-free
 * readers contract and epoch-based reclamation as the PDQ index (index.h).
 *
 * The bucket is chosen by the digest's first 8 bytes: digests are uniform, and
 * list entries come from authorities, not from the uploader. When the table
 * averages more than 2 entries per bucket the writer builds a directory twice
 * as large and publishes it with one atomic store (amortised O(1) per add,
 * readers keep using the old directory until they finish).
 */
#include <stdlib.h>
#include <string.h>

#include "hashfed/index.h"
#include "index_internal.h"
#include "hf_check.h"

typedef struct xdir {
	unsigned bits;
	_Atomic(hfi_bucket *) cell[];
} xdir;

struct hf_exact_index {
	hfi_ebr ebr;
	hfi_arena arena;
	hfi_slots slots;
	hfi_refmap refs;
	_Atomic(xdir *) dir;
	_Atomic size_t count;
	_Atomic size_t mem;
	size_t key_len, slot_inflight;
};

#define MIN_BITS 10u

static size_t xdir_bytes(unsigned bits)
{
	return sizeof(xdir) + ((size_t)1 << bits) * sizeof(hfi_bucket *);
}

static xdir *cur_dir(const hf_exact_index *x, memory_order mo)
{
	return atomic_load_explicit(&((hf_exact_index *)x)->dir, mo);
}

static uint32_t bucket_of(const uint8_t *key, unsigned bits)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++) {
		v = (v << 8) | key[i];
	}
	return (uint32_t)(v >> (64 - bits));
}

static void update_mem(hf_exact_index *x)
{
	xdir *d = cur_dir(x, memory_order_relaxed);
	size_t m = sizeof(*x) + x->arena.bytes + x->slots.bytes + hfi_refmap_bytes(&x->refs) +
	           hfi_ebr_bytes(&x->ebr) + x->slots.cap_free * sizeof(uint32_t) +
	           xdir_bytes(d->bits);
	atomic_store_explicit(&x->mem, m, memory_order_relaxed);
}

static void reclaim(void *ctx, const hfi_retired *r)
{
	hf_exact_index *x = ctx;
	if (r->kind == HFI_RETIRE_BUCKET) {
		hfi_bucket_release(&x->arena, r->p);
	} else if (r->kind == HFI_RETIRE_SLOT) {
		if (hfi_slots_put(&x->slots, r->id) == HF_OK) { /* capacity reserved */
			x->slot_inflight--;
		}
	} else {
		free(r->p);
	}
}

hf_err hf_exact_index_new(hf_exact_index **out, size_t key_len)
{
	hf_err rc = HF_EINTERNAL;
	hf_exact_index *x = NULL;

	*out = NULL;
	if (key_len != 16 && key_len != 32) {
		return HF_ECONFIG;
	}
	size_t sz = (sizeof(*x) + 63u) & ~(size_t)63u;
	x = aligned_alloc(64, sz);
	if (x == NULL) {
		return HF_ENOMEM;
	}
	memset(x, 0, sz);
	hfi_ebr_init(&x->ebr);
	hfi_arena_init(&x->arena);
	hfi_slots_init(&x->slots, key_len);
	hfi_refmap_init(&x->refs);
	atomic_init(&x->count, 0);
	atomic_init(&x->mem, 0);
	x->key_len = key_len;
	xdir *d = calloc(1, xdir_bytes(MIN_BITS));
	atomic_init(&x->dir, d);
	if (d == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	d->bits = MIN_BITS;
	update_mem(x);
	*out = x;
	x = NULL;
	rc = HF_OK;
out:
	hf_exact_index_free(x);
	return rc;
}

void hf_exact_index_free(hf_exact_index *x)
{
	if (x == NULL) {
		return;
	}
	for (size_t i = x->ebr.head; i < x->ebr.len; i++) {
		hfi_retired *r = &x->ebr.ret[i];
		if (r->kind == HFI_RETIRE_FREE) {
			free(r->p); /* an old directory; buckets belong to the arena */
		}
	}
	xdir *d = cur_dir(x, memory_order_relaxed);
	free(d);
	hfi_refmap_clear(&x->refs);
	hfi_slots_clear(&x->slots);
	hfi_arena_clear(&x->arena);
	hfi_ebr_clear(&x->ebr);
	free(x);
}

/* Double the directory: every bucket splits in two by one more key bit. */
static hf_err grow(hf_exact_index *x)
{
	xdir *od = cur_dir(x, memory_order_relaxed);
	size_t ocells = (size_t)1 << od->bits;
	HF_TRY(hfi_ebr_reserve(&x->ebr, ocells + 1));
	xdir *nd = calloc(1, xdir_bytes(od->bits + 1));
	if (nd == NULL) {
		return HF_ENOMEM;
	}
	nd->bits = od->bits + 1;
	for (size_t c = 0; c < ocells; c++) {
		hfi_bucket *b = atomic_load_explicit(&od->cell[c], memory_order_relaxed);
		size_t n = b ? atomic_load_explicit(&b->n, memory_order_relaxed) : 0;
		for (unsigned half = 0; half < 2 && n > 0; half++) {
			size_t k = 0;
			for (size_t j = 0; j < n; j++) {
				const uint8_t *key = hfi_slot(&x->slots, b->e[j]);
				k += (bucket_of(key, nd->bits) & 1u) == half;
			}
			if (k == 0) {
				continue;
			}
			hfi_bucket *nb = hfi_bucket_alloc(&x->arena, k);
			if (nb == NULL) {
				goto fail;
			}
			k = 0;
			for (size_t j = 0; j < n; j++) {
				const uint8_t *key = hfi_slot(&x->slots, b->e[j]);
				if ((bucket_of(key, nd->bits) & 1u) == half) {
					nb->e[k++] = b->e[j];
				}
			}
			atomic_init(&nd->cell[c * 2 + half], nb);
		}
	}
	atomic_store_explicit(&x->dir, nd, memory_order_release);
	for (size_t c = 0; c < ocells; c++) {
		hfi_bucket *b = atomic_load_explicit(&od->cell[c], memory_order_relaxed);
		if (b != NULL) {
			hfi_ebr_retire(&x->ebr, HFI_RETIRE_BUCKET, b, 0);
		}
	}
	hfi_ebr_retire(&x->ebr, HFI_RETIRE_FREE, od, 0);
	return HF_OK;
fail:
	for (size_t c = 0; c < ((size_t)1 << nd->bits); c++) {
		hfi_bucket *b = atomic_load_explicit(&nd->cell[c], memory_order_relaxed);
		if (b != NULL) {
			hfi_bucket_release(&x->arena, b);
		}
	}
	free(nd);
	return HF_ENOMEM;
}

hf_err hf_exact_index_add(hf_exact_index *x, const uint8_t *key, size_t key_len, uint64_t ref)
{
	hf_err rc = HF_EINTERNAL;
	uint32_t id = 0;
	bool taken = false;

	HF_ENSURE(key_len == x->key_len, HF_ELENGTH);
	if (hfi_refmap_find(&x->refs, &x->slots, ref, &id)) {
		rc = HF_EEXIST;
		goto out;
	}
	size_t live = atomic_load_explicit(&x->count, memory_order_relaxed);
	xdir *d = cur_dir(x, memory_order_relaxed);
	if (live >= ((size_t)2 << d->bits) && d->bits < 30) {
		HF_CHECK(grow(x));
		d = cur_dir(x, memory_order_relaxed);
	}
	HF_CHECK(hfi_refmap_reserve(&x->refs, &x->slots, 1));
	HF_CHECK(hfi_ebr_reserve(&x->ebr, 1));
	HF_CHECK(hfi_slots_reserve_free(&x->slots, x->slot_inflight + 1));
	HF_CHECK(hfi_slots_take(&x->slots, &id));
	taken = true;
	uint8_t *rec = hfi_slot(&x->slots, id);
	memcpy(rec, key, key_len);
	*hfi_slot_refp(&x->slots, id) = ref;
	uint32_t c = bucket_of(key, d->bits);
	hfi_bucket *old = atomic_load_explicit(&d->cell[c], memory_order_relaxed);
	size_t n0 = old ? atomic_load_explicit(&old->n, memory_order_relaxed) : 0;
	if (old != NULL && n0 + 1 <= hfi_bucket_cap(n0)) {
		old->e[n0] = id;
		atomic_store_explicit(&old->n, (uint32_t)(n0 + 1), memory_order_release);
	} else {
		hfi_bucket *nb = hfi_bucket_alloc(&x->arena, n0 + 1);
		if (nb == NULL) {
			rc = HF_ENOMEM;
			goto out;
		}
		if (n0 > 0) {
			memcpy(nb->e, old->e, n0 * sizeof(uint32_t));
		}
		nb->e[n0] = id;
		atomic_store_explicit(&d->cell[c], nb, memory_order_release);
		if (old != NULL) {
			hfi_ebr_retire(&x->ebr, HFI_RETIRE_BUCKET, old, 0);
		}
	}
	hfi_refmap_insert(&x->refs, &x->slots, id);
	atomic_fetch_add_explicit(&x->count, 1, memory_order_relaxed);
	taken = false;
	rc = HF_OK;
out:
	if (taken && hfi_slots_put(&x->slots, id) != HF_OK) {
		rc = HF_ENOMEM; /* unreachable: capacity reserved above */
	}
	hfi_ebr_poll(&x->ebr, reclaim, x);
	update_mem(x);
	return rc;
}

hf_err hf_exact_index_remove(hf_exact_index *x, uint64_t ref)
{
	hf_err rc = HF_EINTERNAL;
	uint32_t id;

	if (!hfi_refmap_find(&x->refs, &x->slots, ref, &id)) {
		rc = HF_ENOTFOUND;
		goto out;
	}
	HF_CHECK(hfi_ebr_reserve(&x->ebr, 2));
	HF_CHECK(hfi_slots_reserve_free(&x->slots, x->slot_inflight + 1));
	xdir *d = cur_dir(x, memory_order_relaxed);
	uint32_t c = bucket_of(hfi_slot(&x->slots, id), d->bits);
	hfi_bucket *old = atomic_load_explicit(&d->cell[c], memory_order_relaxed);
	size_t n0 = old ? atomic_load_explicit(&old->n, memory_order_relaxed) : 0;
	size_t pos = 0;
	while (pos < n0 && old->e[pos] != id) {
		pos++;
	}
	HF_ENSURE(pos < n0, HF_EINTERNAL);
	hfi_bucket *nb = NULL;
	if (n0 > 1) {
		nb = hfi_bucket_alloc(&x->arena, n0 - 1);
		if (nb == NULL) {
			rc = HF_ENOMEM;
			goto out;
		}
		memcpy(nb->e, old->e, pos * sizeof(uint32_t));
		memcpy(nb->e + pos, old->e + pos + 1, (n0 - pos - 1) * sizeof(uint32_t));
	}
	atomic_store_explicit(&d->cell[c], nb, memory_order_release);
	hfi_ebr_retire(&x->ebr, HFI_RETIRE_BUCKET, old, 0);
	hfi_refmap_delete(&x->refs, &x->slots, ref);
	hfi_ebr_retire(&x->ebr, HFI_RETIRE_SLOT, NULL, id);
	x->slot_inflight++;
	atomic_fetch_sub_explicit(&x->count, 1, memory_order_relaxed);
	rc = HF_OK;
out:
	hfi_ebr_poll(&x->ebr, reclaim, x);
	update_mem(x);
	return rc;
}

hf_err hf_exact_index_query_cb(const hf_exact_index *x, const uint8_t *key, size_t key_len,
                               hf_pdq_match_fn fn, void *ctx)
{
	HF_ENSURE(key_len == x->key_len, HF_ELENGTH);
	hfi_ebr *ebr = (hfi_ebr *)&x->ebr;
	uint64_t tok = hfi_ebr_enter(ebr);
	xdir *d = cur_dir(x, memory_order_acquire);
	hfi_bucket *b =
	    atomic_load_explicit(&d->cell[bucket_of(key, d->bits)], memory_order_acquire);
	size_t n = b ? atomic_load_explicit(&b->n, memory_order_acquire) : 0;
	for (size_t j = 0; j < n; j++) {
		const uint8_t *rec = hfi_slot(&x->slots, b->e[j]);
		if (memcmp(rec, key, key_len) == 0) {
			if (!fn(ctx, hfi_slot_ref(&x->slots, b->e[j]), 0)) {
				break;
			}
		}
	}
	hfi_ebr_exit(ebr, tok);
	return HF_OK;
}

size_t hf_exact_index_count(const hf_exact_index *x)
{
	return atomic_load_explicit(&x->count, memory_order_relaxed);
}

size_t hf_exact_index_memory_bytes(const hf_exact_index *x)
{
	return atomic_load_explicit(&x->mem, memory_order_relaxed);
}
