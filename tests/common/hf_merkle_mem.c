#include <stdlib.h>
#include <string.h>

#include "hf_merkle_mem.h"
#include "hf_check.h"

void hf_mem_tree_init(hf_mem_tree *t)
{
	memset(t, 0, sizeof(*t));
	hf_merkle_compact_init(&t->c);
}

void hf_mem_tree_free(hf_mem_tree *t)
{
	for (int l = 0; l < 64; l++)
		free(t->lv[l]);
	memset(t, 0, sizeof(*t));
}

static hf_err grow(hf_mem_tree *t, unsigned l, uint64_t need)
{
	if (need <= t->cap[l])
		return HF_OK;
	uint64_t nc = t->cap[l] ? t->cap[l] * 2 : 64;
	while (nc < need)
		nc *= 2;
	void *p = realloc(t->lv[l], (size_t)nc * HF_MERKLE_HASH_LEN);
	if (p == NULL)
		return HF_ENOMEM;
	t->lv[l] = p;
	t->cap[l] = nc;
	return HF_OK;
}

hf_err hf_mem_tree_reserve(hf_mem_tree *t, uint64_t n)
{
	for (unsigned l = 0; l < 64 && (n >> l) > 0; l++)
		HF_TRY(grow(t, l, n >> l));
	return HF_OK;
}

static hf_err emit(void *ctx, hf_merkle_node_id id, const uint8_t hash[HF_MERKLE_HASH_LEN])
{
	hf_mem_tree *t = ctx;
	if (id.index != t->n[id.level])
		return HF_EINTERNAL;
	HF_TRY(grow(t, id.level, id.index + 1));
	memcpy(t->lv[id.level][id.index], hash, HF_MERKLE_HASH_LEN);
	t->n[id.level]++;
	return HF_OK;
}

hf_err hf_mem_tree_append(hf_mem_tree *t, const uint8_t leaf_hash[HF_MERKLE_HASH_LEN])
{
	return hf_merkle_compact_append(&t->c, leaf_hash, emit, t);
}

hf_err hf_mem_tree_append_leaf(hf_mem_tree *t, const uint8_t *leaf, size_t len)
{
	uint8_t h[HF_MERKLE_HASH_LEN];
	HF_TRY(hf_merkle_leaf_hash(leaf, len, h));
	return hf_mem_tree_append(t, h);
}

static hf_err fetch(void *ctx, const hf_merkle_node_id *ids, size_t n,
                    uint8_t (*out)[HF_MERKLE_HASH_LEN])
{
	hf_mem_tree *t = ctx;
	t->calls++;
	for (size_t i = 0; i < n; i++) {
		if (ids[i].level >= 64 || ids[i].index >= t->n[ids[i].level])
			return HF_ENOTFOUND;
		memcpy(out[i], t->lv[ids[i].level][ids[i].index], HF_MERKLE_HASH_LEN);
	}
	t->fetched += n;
	return HF_OK;
}

hf_merkle_store hf_mem_tree_store(hf_mem_tree *t)
{
	return (hf_merkle_store){fetch, t};
}
