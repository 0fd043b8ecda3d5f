#ifndef HASHFED_MERKLE_H
#define HASHFED_MERKLE_H

/*
 * RFC 9162 (RFC 6962) Merkle tree over SHA-256, for the audit log (spec §15).
 *
 *   leaf hash   = SHA-256(0x00 || leaf bytes)
 *   node hash   = SHA-256(0x01 || left || right)
 *   empty tree  = SHA-256("")
 *
 * Pure functions, no I/O. The log's hashes live elsewhere (the auditor
 * node's SQLite, or tiles read by the offline verifier); proof generation
 * asks for them through an hf_merkle_store callback, in one batch per call,
 * so a proof costs O(log n) stored hashes at any tree size.
 *
 * Verification rules (spec §15.3):
 *  - the (size, root) a proof is checked against MUST come from a verified
 *    checkpoint (hf_checkpoint_open), never from the proof's own claim;
 *  - every hash is exactly 32 bytes (HF_EHASHLEN);
 *  - a consistency proof from size 0 is an error (HF_EEMPTYTREE), even to 0.
 *
 * Proof nodes are in RFC 9162 order (leaf side first), on the wire as the
 * plain concatenation of 32-byte hashes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"

/* HF_MERKLE_HASH_LEN (32) and HF_MERKLE_MAX_PROOF (nodes of any proof) are in limits.h. */

/* ---- hashing ------------------------------------------------------------------------- */

/* SHA-256("") : the root of the empty tree. */
HF_API void hf_merkle_empty_root(uint8_t out[static HF_MERKLE_HASH_LEN]) HF_NONNULL(1);

/* Leaf hash of len bytes (leaf may be NULL when len is 0). Errors: HF_EINVAL, HF_ECRYPTO. */
HF_API hf_err hf_merkle_leaf_hash(const uint8_t *leaf, size_t len,
                                  uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(3);

/* Interior node over two 32-byte children. Errors: HF_ECRYPTO. */
HF_API hf_err hf_merkle_node_hash(const uint8_t left[static HF_MERKLE_HASH_LEN],
                                  const uint8_t right[static HF_MERKLE_HASH_LEN],
                                  uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);

/* Interior node over children of any length (RFC 6962 test vectors use
 * 4-byte children). Errors: HF_EINVAL (NULL with non-zero length), HF_ECRYPTO. */
HF_API hf_err hf_merkle_node_hash_bytes(const uint8_t *left, size_t left_len, const uint8_t *right,
                                        size_t right_len,
                                        uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(5);

/* Copies a hash received as bytes; HF_EHASHLEN unless len == 32. */
HF_API hf_err hf_merkle_hash_from_bytes(const uint8_t *p, size_t len,
                                        uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(3);

/* ---- in-memory trees (tests, small logs, the naive RFC algorithm) --------------------- */

/* MTH of n leaf hashes held in memory (recursive RFC 9162 §2.1.1). n == 0: empty root.
 * Errors: HF_EINVAL (NULL with n > 0), HF_ECRYPTO. */
HF_API hf_err hf_merkle_root_mem(const uint8_t (*leaf_hashes)[HF_MERKLE_HASH_LEN], uint64_t n,
                                 uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(3);

/* ---- stored trees --------------------------------------------------------------------- */

/*
 * A complete subtree: the MTH of leaves [index << level, (index + 1) << level).
 * level 0 is a leaf hash. Tiles (tlog_tiles.h) hold levels 0, 8, 16, ...
 */
typedef struct hf_merkle_node_id {
	uint8_t level; /* 0..63 */
	uint64_t index;
} hf_merkle_node_id;

/*
 * Fetches n stored complete-subtree hashes in one call (the library asks only
 * for subtrees that lie inside the tree size it was given, so the store never
 * needs to know the size). Fill out[i] for ids[i]. Any error is returned
 * unchanged by the caller (e.g. HF_ENOTFOUND, HF_EDB, HF_EIO).
 * n is at most HF_MERKLE_MAX_FETCH.
 */
typedef hf_err (*hf_merkle_fetch_fn)(void *ctx, const hf_merkle_node_id *ids, size_t n,
                                     uint8_t (*out)[HF_MERKLE_HASH_LEN]);

#define HF_MERKLE_MAX_FETCH 192

typedef struct hf_merkle_store {
	hf_merkle_fetch_fn fetch;
	void *ctx;
} hf_merkle_store;

/*
 * The complete subtrees a store must keep, as produced by appends: after
 * appending leaf number i (0-based), the subtrees that leaf completes are
 * (l, i >> l) for every l with ((i + 1) & ((1 << l) - 1)) == 0. A node that
 * stores all of them (about 2n hashes) can answer every fetch directly; a
 * store that keeps only tile levels (0, 8, 16, ...) must compute the others
 * from the tile below (hf_tiles_store in tlog_tiles.h does this).
 */

/* MTH of leaves [begin, end) of a stored tree (0 <= begin < end); any range,
 * complete or not. O(log n) fetches. Errors: HF_ETREESIZE, fetch errors. */
HF_API hf_err hf_merkle_range_hash(const hf_merkle_store *s, uint64_t begin, uint64_t end,
                                   uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 4);

/* Root of the first `size` leaves of a stored tree (size 0: empty root). */
HF_API hf_err hf_merkle_root(const hf_merkle_store *s, uint64_t size,
                             uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK HF_NONNULL(1, 3);

/*
 * Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162
 * §2.1.3.1). Writes *n_out nodes into proof (room for `cap`; HF_MERKLE_MAX_PROOF
 * always suffices). Errors: HF_ETREESIZE (index >= size), HF_ENOSPC, fetch errors.
 */
HF_API hf_err hf_merkle_inclusion_proof(const hf_merkle_store *s, uint64_t index, uint64_t size,
                                        uint8_t (*proof)[HF_MERKLE_HASH_LEN], size_t cap,
                                        size_t *n_out) HF_MUST_CHECK HF_NONNULL(1, 4, 6);

/*
 * Consistency proof between sizes size1 and size2 (RFC 9162 §2.1.4.1).
 * Errors: HF_EEMPTYTREE (size1 == 0), HF_ETREESIZE (size1 > size2),
 * HF_ENOSPC, fetch errors. size1 == size2 gives an empty proof.
 */
HF_API hf_err hf_merkle_consistency_proof(const hf_merkle_store *s, uint64_t size1, uint64_t size2,
                                          uint8_t (*proof)[HF_MERKLE_HASH_LEN], size_t cap,
                                          size_t *n_out) HF_MUST_CHECK HF_NONNULL(1, 4, 6);

/* ---- verification --------------------------------------------------------------------- */

/*
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2). `root` and `size` come from a
 * verified checkpoint. `proof` is the wire form: proof_len bytes, a multiple of 32.
 * Errors: HF_EHASHLEN (proof_len % 32 != 0), HF_ETREESIZE (index >= size),
 * HF_EPROOFLEN (wrong number of nodes for (index, size)), HF_EINCLUSION (the
 * proof does not lead to root).
 */
HF_API hf_err hf_merkle_verify_inclusion(const uint8_t leaf_hash[static HF_MERKLE_HASH_LEN],
                                         uint64_t index, uint64_t size,
                                         const uint8_t root[static HF_MERKLE_HASH_LEN],
                                         const uint8_t *proof, size_t proof_len) HF_MUST_CHECK
    HF_NONNULL(1, 4);

/* Root the proof implies for (leaf_hash, index, size), for callers that look the root
 * up afterwards (a leaf bundle check). Same errors except HF_EINCLUSION. */
HF_API hf_err hf_merkle_root_from_inclusion(const uint8_t leaf_hash[static HF_MERKLE_HASH_LEN],
                                            uint64_t index, uint64_t size, const uint8_t *proof,
                                            size_t proof_len,
                                            uint8_t root[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 6);

/*
 * Verifies a consistency proof (RFC 9162 §2.1.4.2) between two verified
 * checkpoints (size1, root1) and (size2, root2). Errors: HF_EEMPTYTREE
 * (size1 == 0), HF_ETREESIZE (size1 > size2), HF_EHASHLEN, HF_EPROOFLEN
 * (wrong node count, including a non-empty proof for size1 == size2),
 * HF_ECONSISTENCY (roots are not consistent: equal sizes with different roots,
 * or the proof does not give both roots).
 */
HF_API hf_err hf_merkle_verify_consistency(uint64_t size1,
                                           const uint8_t root1[static HF_MERKLE_HASH_LEN],
                                           uint64_t size2,
                                           const uint8_t root2[static HF_MERKLE_HASH_LEN],
                                           const uint8_t *proof, size_t proof_len) HF_MUST_CHECK
    HF_NONNULL(2, 4);

/* Number of nodes of a valid proof (0 for size1 == size2); 0 for invalid arguments. */
HF_API size_t hf_merkle_inclusion_proof_len(uint64_t index, uint64_t size);
HF_API size_t hf_merkle_consistency_proof_len(uint64_t size1, uint64_t size2);

/* ---- compact range: appending and re-deriving roots in O(log n) memory ----------------- */

/*
 * The right edge of a tree of `size` leaves: the complete subtrees of its
 * binary decomposition, largest first (at most 64). Used by the node to append
 * (each append reports the subtrees it completes, to store) and by the offline
 * verifier to recompute every root from the leaves.
 */
typedef struct hf_merkle_compact {
	uint64_t size;
	unsigned n;                             /* popcount(size) */
	uint8_t hashes[64][HF_MERKLE_HASH_LEN]; /* hashes[0] is the largest subtree */
} hf_merkle_compact;

/* Called for each complete subtree an append creates (level 0 = the leaf itself). */
typedef hf_err (*hf_merkle_emit_fn)(void *ctx, hf_merkle_node_id id,
                                    const uint8_t hash[HF_MERKLE_HASH_LEN]);

HF_API void hf_merkle_compact_init(hf_merkle_compact *c) HF_NONNULL(1);
/* Loads the right edge of a stored tree of `size` leaves (popcount(size) fetches). */
HF_API hf_err hf_merkle_compact_load(hf_merkle_compact *c, const hf_merkle_store *s,
                                     uint64_t size) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Appends one leaf hash; emit may be NULL. Errors: HF_ERANGE (size 2^64-1), emit errors. */
HF_API hf_err hf_merkle_compact_append(hf_merkle_compact *c,
                                       const uint8_t leaf_hash[static HF_MERKLE_HASH_LEN],
                                       hf_merkle_emit_fn emit, void *emit_ctx) HF_MUST_CHECK
    HF_NONNULL(1, 2);
/* Root of the range so far (empty root for size 0). */
HF_API hf_err hf_merkle_compact_root(const hf_merkle_compact *c,
                                     uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 2);

#endif
