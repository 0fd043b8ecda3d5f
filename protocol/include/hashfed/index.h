#ifndef HASHFED_INDEX_H
#define HASHFED_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"

/*
 * The match index: every list entry a platform holds, searchable by PDQ
 * Hamming distance (hf_pdq_index) or by exact MD5/SHA-256 value
 * (hf_exact_index). docs/index.md has the design and the figures.
 *
 * PDQ index: exact (100% recall) multi-index hashing. The 256 bits are cut
 * into 11 chunks of 23-24 bits; an entry within distance r of the query agrees
 * with it to within t_i bits on at least one chunk i whenever
 * sum(t_i + 1) >= r + 1 (generalised pigeonhole), so probing every bucket
 * within t_i of the query's chunk in table i finds every match, and only
 * matches are returned.
 *
 * CONCURRENCY CONTRACT (both index kinds)
 *  - Writers: _add, _add_batch, _remove, _free. At most one thread at a time
 *    (the caller serialises them, e.g. the node's list engine thread).
 *  - Readers: _query, _query_cb, _count, _memory_bytes may run on any number
 *    of threads at the same time as each other AND as the one writer. They
 *    never wait for the writer and never take a lock: buckets are immutable
 *    arrays replaced by copy-on-write and published with C11 release/acquire
 *    atomics; memory a reader may still hold is freed only after a grace
 *    period (epoch-based reclamation: two reader counters, advanced by the
 *    writer on each call). The library creates no threads.
 *  - A query sees every entry that was present for its whole duration exactly
 *    once; an entry added or removed while the query runs may or may not be
 *    reported.
 *  - _free must not run concurrently with anything.
 *  - A callback passed to _query_cb runs inside the reader's critical section:
 *    it must not call writer functions of the same index, and it should be
 *    short (a long callback delays reclamation, never correctness).
 */

#define HF_PDQ_INDEX_HASH_LEN     32         /* bytes; byte 0 = first hex pair of PDQ text */
#define HF_PDQ_INDEX_MIN_QUALITY  50         /* entries/queries below are refused */
#define HF_PDQ_INDEX_DEFAULT_DIST 31         /* PDQ's recommended match threshold */
#define HF_PDQ_INDEX_MAX_DIST     43         /* 11 chunks x radius 3: the probe tables' limit */
#define HF_PDQ_INDEX_MAX_ENTRIES  134217727u /* 2^27 - 1: ids share a word with key bits */

typedef struct hf_pdq_index hf_pdq_index;

typedef struct hf_pdq_index_opts {
	/* Largest distance any query may ask for (0..HF_PDQ_INDEX_MAX_DIST);
	 * 0 means HF_PDQ_INDEX_DEFAULT_DIST. */
	unsigned max_distance;
	/* Entries and queries with quality below this are refused with
	 * HF_ELOWQUALITY; 0 means HF_PDQ_INDEX_MIN_QUALITY. At most 100. */
	int min_quality;
	/* Hint for the number of entries (pre-sizes the reference map); 0 = none. */
	size_t expected_entries;
	/* Force the portable popcount kernels even if the CPU has POPCNT or
	 * AVX-512 VPOPCNTDQ (for tests and benchmarks of the fallback). */
	bool portable_only;
} hf_pdq_index_opts;

typedef struct hf_pdq_match {
	uint64_t ref;      /* the caller's entry reference */
	unsigned distance; /* Hamming distance to the query, 0..256 */
} hf_pdq_match;

/* Called once per match; return false to stop the query early. */
typedef bool (*hf_pdq_match_fn)(void *ctx, uint64_t ref, unsigned distance);

/*
 * Create an empty index. opts may be NULL (defaults). On success *out owns the
 * index (free with hf_pdq_index_free).
 * Errors: HF_ECONFIG (max_distance or min_quality out of range), HF_ENOMEM.
 */
HF_API hf_err hf_pdq_index_new(hf_pdq_index **out, const hf_pdq_index_opts *opts) HF_MUST_CHECK
    HF_NONNULL(1);

/* Free the index and everything in it; NULL is a no-op. No reader may be
 * running. */
HF_API void hf_pdq_index_free(hf_pdq_index *idx);

/*
 * Add one entry. Writer. ref must be unique among live entries; the same hash
 * may be added any number of times under different refs (one per list entry).
 * Errors: HF_ELOWQUALITY (quality < min_quality), HF_EINVAL (quality > 100),
 * HF_EEXIST (ref already present), HF_ENOSPC (HF_PDQ_INDEX_MAX_ENTRIES live
 * entries), HF_ENOMEM. On error the index is unchanged.
 */
HF_API hf_err hf_pdq_index_add(hf_pdq_index *idx, const uint8_t hash[HF_PDQ_INDEX_HASH_LEN],
                               int quality, uint64_t ref) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * Add n entries at once (a received batch). Writer. hashes holds n*32 bytes.
 * Cheaper per entry than _add because each touched bucket is copied once.
 * All-or-nothing: on error nothing was added; *n_failed (if not NULL) gets the
 * position of the offending entry (or n for HF_ENOMEM/HF_ENOSPC).
 * Errors: as _add, plus HF_EEXIST for a ref repeated inside the batch and
 * HF_EINVAL if n > 0 and an array is NULL. n = 0 is HF_OK. May compact the
 * bucket memory (see _compact) before returning.
 */
HF_API hf_err hf_pdq_index_add_batch(hf_pdq_index *idx, const uint8_t *hashes, const int *qualities,
                                     const uint64_t *refs, size_t n, size_t *n_failed) HF_MUST_CHECK
    HF_NONNULL(1);

/* Remove the entry with this ref. Writer. Errors: HF_ENOTFOUND, HF_ENOMEM (the
 * index is unchanged then). */
HF_API hf_err hf_pdq_index_remove(hf_pdq_index *idx, uint64_t ref) HF_MUST_CHECK HF_NONNULL(1);

/*
 * Report every entry within max_distance of hash, each exactly once, in no
 * particular order, by calling fn. Reader (thread-safe, lock-free).
 * Errors: HF_ELOWQUALITY (quality < min_quality: a low-quality photo hash
 * matches too much to be evidence), HF_EINVAL (quality > 100 or max_distance
 * above the index's max_distance).
 */
HF_API hf_err hf_pdq_index_query_cb(const hf_pdq_index *idx,
                                    const uint8_t hash[HF_PDQ_INDEX_HASH_LEN], int quality,
                                    unsigned max_distance, hf_pdq_match_fn fn,
                                    void *ctx) HF_MUST_CHECK HF_NONNULL(1, 2, 5);

/*
 * As _query_cb, into out[0..cap). *n_out gets the number of matches. If there
 * are more than cap, out holds the first cap found, *n_out the full number and
 * the result is HF_ENOSPC (call again with a larger array).
 */
HF_API hf_err hf_pdq_index_query(const hf_pdq_index *idx, const uint8_t hash[HF_PDQ_INDEX_HASH_LEN],
                                 int quality, unsigned max_distance, hf_pdq_match *out, size_t cap,
                                 size_t *n_out) HF_MUST_CHECK HF_NONNULL(1, 2, 7);

/*
 * Copy every bucket into fresh memory and release the old memory after the
 * grace period. Writer. Optional: the index compacts itself when an eighth of
 * its bucket memory is free-list slack (as after a bulk load in many
 * batches); call this after a bulk load to do it at a moment of your choice.
 * Readers are not disturbed. Errors: HF_ENOMEM (index unchanged).
 */
HF_API hf_err hf_pdq_index_compact(hf_pdq_index *idx) HF_MUST_CHECK HF_NONNULL(1);

/* Number of live entries. Reader. */
HF_API size_t hf_pdq_index_count(const hf_pdq_index *idx) HF_NONNULL(1);

/* Bytes of heap the index holds now (hashes, refs, tables, allocator slack,
 * memory waiting for its grace period). Reader; approximate while a writer
 * runs. */
HF_API size_t hf_pdq_index_memory_bytes(const hf_pdq_index *idx) HF_NONNULL(1);

/* Name of the popcount kernel in use: "avx512-vpopcntdq", "popcnt" or
 * "portable". Never NULL. */
HF_API const char *hf_pdq_index_kernel(const hf_pdq_index *idx) HF_NONNULL(1);

/*
 * Exact index for MD5 (16-byte) and SHA-256 (32-byte) digests: a hash table
 * from digest to every entry ref holding it. Same concurrency contract.
 */
typedef struct hf_exact_index hf_exact_index;

/* key_len is 16 (MD5) or 32 (SHA-256). Errors: HF_ECONFIG, HF_ENOMEM. */
HF_API hf_err hf_exact_index_new(hf_exact_index **out, size_t key_len) HF_MUST_CHECK HF_NONNULL(1);
/* NULL is a no-op. */
HF_API void hf_exact_index_free(hf_exact_index *idx);
/* Writer. Errors: HF_ELENGTH (key_len differs from the index's), HF_EEXIST
 * (ref present), HF_ENOMEM. */
HF_API hf_err hf_exact_index_add(hf_exact_index *idx, const uint8_t *key, size_t key_len,
                                 uint64_t ref) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Writer. Errors: HF_ENOTFOUND, HF_ENOMEM. */
HF_API hf_err hf_exact_index_remove(hf_exact_index *idx, uint64_t ref) HF_MUST_CHECK HF_NONNULL(1);
/* Reader. Calls fn(ctx, ref, 0) for every entry with exactly this key.
 * Errors: HF_ELENGTH. */
HF_API hf_err hf_exact_index_query_cb(const hf_exact_index *idx, const uint8_t *key, size_t key_len,
                                      hf_pdq_match_fn fn, void *ctx) HF_MUST_CHECK
    HF_NONNULL(1, 2, 4);
/* Reader. */
HF_API size_t hf_exact_index_count(const hf_exact_index *idx) HF_NONNULL(1);
HF_API size_t hf_exact_index_memory_bytes(const hf_exact_index *idx) HF_NONNULL(1);

#endif
