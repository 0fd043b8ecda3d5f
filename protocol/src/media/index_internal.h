#ifndef HASHFED_INDEX_INTERNAL_H
#define HASHFED_INDEX_INTERNAL_H

/*
 * Building blocks shared by the PDQ and exact indexes (index_mem.c):
 *  - hfi_ebr: epoch-based reclamation for one writer and lock-free readers;
 *  - hfi_arena: size-classed allocator for bucket arrays (no per-array malloc
 *    header, so a 20-entry bucket costs 84 bytes, not 96-112);
 *  - hfi_slots: entry records (key words + ref) in fixed blocks that never
 *    move, addressed by a 27-bit slot id;
 *  - hfi_refmap: ref -> slot id (open addressing, writer-only).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"

#define HFI_ID_BITS 27u
#define HFI_ID_MASK ((1u << HFI_ID_BITS) - 1u)
#define HFI_MAX_IDS HFI_ID_MASK /* ids 0..2^27-2; the refmap stores id+1 */

/* Allocate size bytes for a big, long-lived array; uses 2 MiB transparent huge
 * pages when size allows (fewer TLB misses on random probes). Zeroed. */
void *hfi_big_calloc(size_t size);
void hfi_big_free(void *p, size_t size);

/* ---- bucket: immutable once published, except in-place append ---- */
typedef struct hfi_bucket {
	_Atomic uint32_t n; /* entries visible to readers (release-stored) */
	uint32_t e[];       /* writer fills e[n..cap) before publishing n */
} hfi_bucket;

/* Words (4 bytes) an allocation of w words really takes: 2, 4, 6, 8, 12, 16 up to 16,
 * exact up to 128, then 8 size classes per power of two (<= 12.5% slack). */
size_t hfi_class_words(size_t w);
/* Entries a bucket holding n entries can take before it must be copied. */
static inline size_t hfi_bucket_cap(size_t n)
{
	return hfi_class_words(n + 1) - 1;
}

/* ---- arena ---- */
#define HFI_ARENA_CHUNK_WORDS (1u << 20) /* 4 MiB chunks */
#define HFI_ARENA_MAX_WORDS   (1u << 16) /* larger arrays use malloc */
#define HFI_ARENA_CLASSES     216

typedef struct hfi_arena {
	uint32_t **chunks;
	size_t nchunks, cap_chunks;
	size_t used; /* words used in chunks[nchunks-1] */
	void *free_head[HFI_ARENA_CLASSES];
	void **big; /* malloc'd arrays above HFI_ARENA_MAX_WORDS */
	size_t nbig, cap_big;
	size_t bytes;      /* chunks + big arrays, for memory accounting */
	size_t free_bytes; /* of which sitting in free lists */
	uint32_t gen;      /* compaction generation (index_pdq.c) */
} hfi_arena;

void hfi_arena_init(hfi_arena *a);
void hfi_arena_clear(hfi_arena *a);
/* Words must already be a class size. NULL on failure. */
uint32_t *hfi_arena_alloc(hfi_arena *a, size_t words);
void hfi_arena_release(hfi_arena *a, uint32_t *p, size_t words);

hfi_bucket *hfi_bucket_alloc(hfi_arena *a, size_t n);
void hfi_bucket_release(hfi_arena *a, hfi_bucket *b);

/* ---- epoch-based reclamation ---- */
enum { HFI_RETIRE_BUCKET = 1, HFI_RETIRE_SLOT = 2, HFI_RETIRE_FREE = 3, HFI_RETIRE_ARENA = 4 };

typedef struct hfi_retired {
	void *p;        /* bucket or malloc'd block; NULL for slots */
	uint64_t epoch; /* epoch at retirement */
	uint32_t kind;
	uint32_t id; /* slot id (SLOT) or arena generation (BUCKET) */
} hfi_retired;

typedef struct hfi_ebr {
	_Alignas(64) _Atomic uint64_t epoch;
	_Alignas(64) _Atomic uint64_t readers0;
	_Alignas(64) _Atomic uint64_t readers1;
	_Alignas(64) hfi_retired *ret; /* writer-only from here on */
	size_t head, len, cap;
} hfi_ebr;

void hfi_ebr_init(hfi_ebr *e);
void hfi_ebr_clear(hfi_ebr *e);
/* Reader side: returns a token for hfi_ebr_exit. */
uint64_t hfi_ebr_enter(hfi_ebr *e);
void hfi_ebr_exit(hfi_ebr *e, uint64_t token);
/* Make room for n more retirements, so a publish step cannot fail later. */
hf_err hfi_ebr_reserve(hfi_ebr *e, size_t n) HF_MUST_CHECK;
/* Requires a prior reserve. */
void hfi_ebr_retire(hfi_ebr *e, uint32_t kind, void *p, uint32_t id);
/* Advance the epoch if the readers allow and hand every retirement whose
 * grace period is over to fn. Writer. */
void hfi_ebr_poll(hfi_ebr *e, void (*fn)(void *ctx, const hfi_retired *r), void *ctx);
size_t hfi_ebr_bytes(const hfi_ebr *e);

/* ---- slots: fixed records addressed by id; blocks never move ----
 * Keys (hash words or digest bytes) and refs live in separate blocks: a
 * candidate check touches only its 32-byte key, which never straddles a cache
 * line, and a key block of 2^16 x 32 bytes is exactly one 2 MiB huge page. */
#define HFI_SLOT_BLOCK_BITS 16u
#define HFI_SLOT_BLOCKS     ((HFI_MAX_IDS >> HFI_SLOT_BLOCK_BITS) + 1u)

typedef struct hfi_slots {
	uint8_t *block[HFI_SLOT_BLOCKS];
	uint64_t *refs[HFI_SLOT_BLOCKS];
	size_t rec_size; /* key bytes per record */
	uint32_t next;   /* ids below next have been handed out */
	uint32_t *free;  /* reusable ids (grace period over) */
	size_t nfree, cap_free;
	size_t bytes;
} hfi_slots;

void hfi_slots_init(hfi_slots *s, size_t rec_size);
void hfi_slots_clear(hfi_slots *s);
/* HF_ENOSPC when every id is taken, HF_ENOMEM. */
hf_err hfi_slots_take(hfi_slots *s, uint32_t *id) HF_MUST_CHECK;
/* Make sure n more ids can be handed back with hfi_slots_put. */
hf_err hfi_slots_reserve_free(hfi_slots *s, size_t n) HF_MUST_CHECK;
/* Hand back an id (never fails after a matching reserve). */
hf_err hfi_slots_put(hfi_slots *s, uint32_t id) HF_MUST_CHECK;
static inline uint8_t *hfi_slot(const hfi_slots *s, uint32_t id)
{
	return s->block[id >> HFI_SLOT_BLOCK_BITS] +
	       (size_t)(id & ((1u << HFI_SLOT_BLOCK_BITS) - 1u)) * s->rec_size;
}
static inline uint64_t *hfi_slot_refp(const hfi_slots *s, uint32_t id)
{
	return s->refs[id >> HFI_SLOT_BLOCK_BITS] + (id & ((1u << HFI_SLOT_BLOCK_BITS) - 1u));
}
static inline uint64_t hfi_slot_ref(const hfi_slots *s, uint32_t id)
{
	return *hfi_slot_refp(s, id);
}

/* ---- refmap: ref -> slot id ---- */
typedef struct hfi_refmap {
	uint32_t *cell; /* 0 = empty, else tag<<27 | (id+1) */
	size_t cap, count;
} hfi_refmap;

void hfi_refmap_init(hfi_refmap *m);
void hfi_refmap_clear(hfi_refmap *m);
/* Ensure room for `more` further inserts without growing later. */
hf_err hfi_refmap_reserve(hfi_refmap *m, const hfi_slots *s, size_t more) HF_MUST_CHECK;
/* True and *id if present. */
bool hfi_refmap_find(const hfi_refmap *m, const hfi_slots *s, uint64_t ref, uint32_t *id);
/* Requires reserve and that ref is absent (slot id already holds ref). */
void hfi_refmap_insert(hfi_refmap *m, const hfi_slots *s, uint32_t id);
/* Remove ref (must be present). */
void hfi_refmap_delete(hfi_refmap *m, const hfi_slots *s, uint64_t ref);
static inline size_t hfi_refmap_bytes(const hfi_refmap *m)
{
	return m->cap * sizeof(uint32_t);
}

#endif
