#ifndef HFN_AUDIT_TLOG_H
#define HFN_AUDIT_TLOG_H

/*
 * The log operator's tree over the store (spec §15): leaves appended in
 * batches inside the caller's transaction, the tlog-tiles hashes kept as tiles
 * (level L holds the hashes of tree level 8L, 256 per tile), the right edge in
 * memory (a compact range and the last tile of each level), so an append costs
 * one leaf row (written 64 to a statement) plus, per batch, one write of each tile
 * it touched. Proofs and
 * tiles are read back through hf_tiles_store (tlog_tiles.h).
 *
 * Used by the audit engine and by tests/bench/bench_log.c. One thread.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/merkle.h"
#include "hashfed/tlog_tiles.h"
#include "store/store.h"

typedef struct hfn_tlog hfn_tlog;

/* Loads the tree the store holds. Errors: HF_ENOMEM, HF_EDB, HF_ETREESIZE (tiles missing). */
hf_err hfn_tlog_open(hfn_store *s, hfn_tlog **out) HF_MUST_CHECK;
void hfn_tlog_free(hfn_tlog *t);
/* After a rolled-back transaction: forget what was appended in it. */
hf_err hfn_tlog_reload(hfn_tlog *t) HF_MUST_CHECK;

uint64_t hfn_tlog_size(const hfn_tlog *t);
/* Inside a transaction: appends one leaf (hf_audit_leaf_encode of (now, hdr)); *idx = its
 * index. Its row may be written only by hfn_tlog_flush: call it before the commit and
 * before reading the leaves back from the store (a duplicate (sender, msg_id) fails there,
 * HF_EDB). */
hf_err hfn_tlog_append(hfn_tlog *t, const hf_key_id *sender, const hf_msg_id *msg_id,
                       const uint8_t submitter[16], uint64_t now_ms, const uint8_t *hdr,
                       size_t hdr_len, uint64_t *idx) HF_MUST_CHECK;
/* Writes the leaf rows not yet written and the tiles the appends since the last flush
 * touched. */
hf_err hfn_tlog_flush(hfn_tlog *t) HF_MUST_CHECK;
hf_err hfn_tlog_root(const hfn_tlog *t, uint8_t root[HF_MERKLE_HASH_LEN]) HF_MUST_CHECK;

/* A merkle store answering for the tree of `size` (<= current size); valid until the next
 * call on t. */
const hf_merkle_store *hfn_tlog_store(hfn_tlog *t, uint64_t size);
/* Hash tile t of the current tree: ref->width * 32 bytes into out (HFN_TILE_BYTES). */
hf_err hfn_tlog_tile(hfn_tlog *t, const hf_tile_ref *ref, uint8_t *out, size_t *len) HF_MUST_CHECK;

#endif
