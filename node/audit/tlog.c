/* The log operator's tree over the store: appends, tiles, proofs (see tlog.h). */
#include <stdlib.h>
#include <string.h>

#include "audit/tlog.h"
#include "hashfed/audit_log.h"
#include "store/store_audit.h"
#include "hf_check.h"

#define HFN_TLOG_LEVELS 8  /* tile levels: 8 * 8 = 64 tree levels */
#define HFN_TLOG_ROWS   64 /* leaf rows written per store call (hfn_store_leaves_add) */

/* The last tile of one tile level, as appends fill it. */
typedef struct hfn_edge {
	bool used, dirty;
	uint64_t idx;
	unsigned width;
	uint8_t h[256][HF_MERKLE_HASH_LEN];
} hfn_edge;

struct hfn_tlog {
	hfn_store *s;
	hf_merkle_compact cr;
	hfn_edge edge[HFN_TLOG_LEVELS];
	hf_tiles_store ts;
	hf_merkle_store ms;
	/* Leaves appended but not yet written: written HFN_TLOG_ROWS at a time and by
	 * hfn_tlog_flush, so the store inserts them in multi-row statements. */
	size_t n_rows;
	hfn_store_leaf_row rows[HFN_TLOG_ROWS];
	uint8_t leaf[HFN_TLOG_ROWS][HF_AUDIT_LEAF_MAX_SIZE];
};

/* Tile bytes for hf_tiles_store: the in-memory edge, else the store. A stored tile may be
 * wider than asked (the tree has grown since the size asked for): its prefix is the same. */
static hf_err tlog_fetch(void *ctx, const hf_tile_ref *t, uint8_t *out, size_t *len)
{
	hfn_tlog *l = ctx;
	size_t want = (size_t)t->width * HF_MERKLE_HASH_LEN, have;
	if (t->entries || t->level >= HFN_TLOG_LEVELS)
		return HF_ETILE;
	const hfn_edge *e = &l->edge[t->level];
	if (e->used && e->idx == t->index) {
		if (e->width < t->width)
			return HF_ETREESIZE;
		memcpy(out, e->h, want);
		*len = want;
		return HF_OK;
	}
	HF_TRY(hfn_store_tile_get(l->s, t->level, t->index, out, &have));
	if (have < want)
		return HF_ETREESIZE;
	*len = want;
	return HF_OK;
}

static hf_err edge_write(hfn_tlog *l, unsigned level)
{
	hfn_edge *e = &l->edge[level];
	if (!e->used || !e->dirty)
		return HF_OK;
	HF_TRY(hfn_store_tile_put(l->s, level, e->idx, &e->h[0][0],
	                          (size_t)e->width * HF_MERKLE_HASH_LEN));
	e->dirty = false;
	return HF_OK;
}

/* Every complete subtree an append makes: those at tile levels go into their tile. */
static hf_err tlog_emit(void *ctx, hf_merkle_node_id id, const uint8_t hash[HF_MERKLE_HASH_LEN])
{
	hfn_tlog *l = ctx;
	if (id.level % 8 != 0 || id.level / 8 >= HFN_TLOG_LEVELS)
		return HF_OK;
	unsigned lv = id.level / 8;
	hfn_edge *e = &l->edge[lv];
	uint64_t tidx = id.index >> 8;
	unsigned slot = (unsigned)(id.index & 255);
	if (!e->used || e->idx != tidx) {
		HF_TRY(edge_write(l, lv)); /* the previous tile, now full */
		e->used = true;
		e->idx = tidx;
		e->width = 0;
	}
	memcpy(e->h[slot], hash, HF_MERKLE_HASH_LEN);
	e->width = slot + 1;
	e->dirty = true;
	return HF_OK;
}

hf_err hfn_tlog_reload(hfn_tlog *l)
{
	uint64_t size;
	l->n_rows = 0;
	HF_TRY(hfn_store_leaf_count(l->s, &size));
	memset(l->edge, 0, sizeof(l->edge));
	/* The last tile of each level, as stored. */
	for (unsigned lv = 0; lv < HFN_TLOG_LEVELS; lv++) {
		uint64_t count = lv * 8 < 64 ? size >> (8 * lv) : 0;
		size_t len;
		if (count == 0)
			break;
		hfn_edge *e = &l->edge[lv];
		e->idx = (count - 1) >> 8;
		HF_TRY(hfn_store_tile_get(l->s, lv, e->idx, &e->h[0][0], &len));
		e->width = (unsigned)(len / HF_MERKLE_HASH_LEN);
		if (e->width != count - (e->idx << 8))
			return HF_ETREESIZE;
		e->used = true;
	}
	hf_merkle_compact_init(&l->cr);
	if (size == 0)
		return HF_OK;
	return hf_merkle_compact_load(&l->cr, hfn_tlog_store(l, size), size);
}

hf_err hfn_tlog_open(hfn_store *s, hfn_tlog **out)
{
	hfn_tlog *l = calloc(1, sizeof(*l));
	hf_err rc;
	*out = NULL;
	if (!l)
		return HF_ENOMEM;
	l->s = s;
	rc = hfn_tlog_reload(l);
	if (rc != HF_OK) {
		free(l);
		return rc;
	}
	*out = l;
	return HF_OK;
}

void hfn_tlog_free(hfn_tlog *l)
{
	free(l);
}

uint64_t hfn_tlog_size(const hfn_tlog *l)
{
	return l->cr.size;
}

static hf_err rows_write(hfn_tlog *l)
{
	size_t n = l->n_rows;
	l->n_rows = 0;
	return hfn_store_leaves_add(l->s, l->rows, n);
}

hf_err hfn_tlog_append(hfn_tlog *l, const hf_key_id *sender, const hf_msg_id *msg_id,
                       const uint8_t submitter[16], uint64_t now_ms, const uint8_t *hdr,
                       size_t hdr_len, uint64_t *idx)
{
	uint8_t h[HF_MERKLE_HASH_LEN];
	if (l->n_rows == HFN_TLOG_ROWS)
		HF_TRY(rows_write(l));
	hfn_store_leaf_row *r = &l->rows[l->n_rows];
	uint8_t *leaf = l->leaf[l->n_rows];
	HF_TRY(hf_audit_leaf_encode(now_ms, hdr, hdr_len, leaf, HF_AUDIT_LEAF_MAX_SIZE, &r->len));
	HF_TRY(hf_audit_leaf_hash(leaf, r->len, h));
	HF_TRY(hf_merkle_compact_append(&l->cr, h, tlog_emit, l));
	r->idx = *idx = l->cr.size - 1;
	r->integrated_ms = now_ms;
	r->sender = *sender;
	r->msg_id = *msg_id;
	memcpy(r->submitter, submitter, 16);
	r->leaf = leaf;
	l->n_rows++;
	return HF_OK;
}

hf_err hfn_tlog_flush(hfn_tlog *l)
{
	HF_TRY(rows_write(l));
	for (unsigned lv = 0; lv < HFN_TLOG_LEVELS; lv++)
		HF_TRY(edge_write(l, lv));
	return HF_OK;
}

hf_err hfn_tlog_root(const hfn_tlog *l, uint8_t root[HF_MERKLE_HASH_LEN])
{
	return hf_merkle_compact_root(&l->cr, root);
}

const hf_merkle_store *hfn_tlog_store(hfn_tlog *l, uint64_t size)
{
	hf_tiles_store_init(&l->ts, size, tlog_fetch, l, &l->ms);
	return &l->ms;
}

hf_err hfn_tlog_tile(hfn_tlog *l, const hf_tile_ref *ref, uint8_t *out, size_t *len)
{
	return tlog_fetch(l, ref, out, len);
}
