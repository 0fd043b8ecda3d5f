#ifndef HF_MERKLE_REF_H
#define HF_MERKLE_REF_H

/*
 * The RFC 9162 §2.1 algorithms written as the RFC states them (recursive,
 * recomputing every subtree from the leaf hashes): an independent reference for
 * tests/unit/test_merkle.c and the naive baseline of tests/bench/bench_log.c.
 * Node hashes through hf_merkle_node_hash (itself checked against libsodium's
 * SHA-256 in test_merkle). Abort on any error.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashfed/merkle.h"

/* MTH(D[0:n]); n == 0 gives the empty root. */
void hf_ref_mth(const uint8_t (*h)[HF_MERKLE_HASH_LEN], uint64_t n,
                uint8_t out[HF_MERKLE_HASH_LEN]);
/* PATH(m, D[0:n]) into out; returns the node count. */
size_t hf_ref_path(uint64_t m, const uint8_t (*h)[HF_MERKLE_HASH_LEN], uint64_t n,
                   uint8_t (*out)[HF_MERKLE_HASH_LEN]);
/* PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) (0 < m < n). */
size_t hf_ref_proof(uint64_t m, const uint8_t (*h)[HF_MERKLE_HASH_LEN], uint64_t n,
                    uint8_t (*out)[HF_MERKLE_HASH_LEN]);

#endif
