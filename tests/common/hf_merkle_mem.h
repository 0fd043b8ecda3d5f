#ifndef HF_MERKLE_MEM_H
#define HF_MERKLE_MEM_H

/* An in-memory Merkle store for tests and benches: every complete subtree hash
 * an append creates, per level, as the auditor node keeps them in SQLite. */
#include <stdint.h>

#include "hashfed/merkle.h"

typedef struct hf_mem_tree {
	uint8_t (*lv[64])[HF_MERKLE_HASH_LEN];
	uint64_t cap[64];
	uint64_t n[64];
	hf_merkle_compact c;
	uint64_t fetched; /* hashes handed out by the store */
	uint64_t calls;   /* fetch calls */
} hf_mem_tree;

void hf_mem_tree_init(hf_mem_tree *t);
void hf_mem_tree_free(hf_mem_tree *t);
/* Pre-size level arrays for n leaves (optional). */
hf_err hf_mem_tree_reserve(hf_mem_tree *t, uint64_t n);
hf_err hf_mem_tree_append(hf_mem_tree *t, const uint8_t leaf_hash[HF_MERKLE_HASH_LEN]);
/* Appends the leaf hash of leaf bytes. */
hf_err hf_mem_tree_append_leaf(hf_mem_tree *t, const uint8_t *leaf, size_t len);
hf_merkle_store hf_mem_tree_store(hf_mem_tree *t);

#endif
