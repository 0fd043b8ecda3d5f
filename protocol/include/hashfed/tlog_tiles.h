#ifndef HASHFED_TLOG_TILES_H
#define HASHFED_TLOG_TILES_H

/*
 * The C2SP tlog-tiles layout (c2sp.org/tlog-tiles) as pure functions, so the
 * auditor node can serve its log as static files and anyone can mirror and
 * verify it (spec §15.6, docs/audit.md):
 *
 *   tile/<L>/<N>[.p/<W>]         hash tile: tree level 8L, hashes N*256 .. N*256+W-1
 *   tile/entries/<N>[.p/<W>]     entry bundle: leaves N*256 .. N*256+W-1
 *
 * <N> is the index in 3-digit groups, all but the last prefixed "x"
 * (1234067 -> x001/x234/067). A tile is full (no .p/<W>) when it holds 256
 * items; a partial tile of width W (1..255) exists only as the rightmost tile
 * of its level. A hash tile is the plain concatenation of its W hashes. An
 * entry bundle is W entries, each u16be(length) || entry.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"
#include "hashfed/merkle.h"

/* Longest path this module writes or accepts, NUL included. */
#define HF_TILE_MAX_PATH 64

/* A tile or entry bundle. */
typedef struct hf_tile_ref {
	bool entries;   /* entry bundle (level is then 0) */
	uint8_t level;  /* tile level L (tree level 8L), 0..63 */
	uint64_t index; /* N */
	uint16_t width; /* 1..256; 256 = full */
} hf_tile_ref;

/* "x001/x234/067". Errors: HF_ENOSPC. */
HF_API hf_err hf_tile_index_path(uint64_t n, char *out, size_t cap) HF_MUST_CHECK HF_NONNULL(2);

/* "tile/L/N[.p/W]" or "tile/entries/N[.p/W]". Errors: HF_EINVAL (width 0 or > 256,
 * level > 63), HF_ENOSPC. */
HF_API hf_err hf_tile_path(const hf_tile_ref *t, char *out, size_t cap) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/* Strict inverse of hf_tile_path (for a server's request path, without a
 * leading "/"): no leading zeros beyond the 3-digit groups, no "x" on the last
 * group, width 1..255 after ".p/". Errors: HF_ETILE. */
HF_API hf_err hf_tile_path_parse(const char *path, size_t len, hf_tile_ref *out) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* Number of hashes at tile level L of a tree of `size` leaves (size >> 8L), split
 * into full tiles and the width of the partial one (0 if none). */
HF_API void hf_tile_layout(uint64_t size, unsigned level, uint64_t *full_tiles,
                           unsigned *partial_width) HF_NONNULL(3, 4);

/* Number of tile levels with at least one tile for `size` (0 for size 0). */
HF_API unsigned hf_tile_levels(uint64_t size);

/* The tile that holds tree node (8L + r, i) hashes for a tree of `size`: the
 * one whose width is right for that size. Entries: level-0 bundle of leaf i. */
HF_API hf_err hf_tile_for(uint64_t size, unsigned tile_level, uint64_t index_at_level, bool entries,
                          hf_tile_ref *out) HF_MUST_CHECK HF_NONNULL(5);

/*
 * Builds hash tile t (t->entries false) from a stored tree: t->width * 32 bytes
 * into out, node (8 * t->level, t->index * 256 + k) for k < width.
 * Errors: HF_EINVAL, HF_ENOSPC, fetch errors.
 */
HF_API hf_err hf_tile_build(const hf_merkle_store *s, const hf_tile_ref *t, uint8_t *out,
                            size_t cap, size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 3, 5);

/* ---- entry bundles -------------------------------------------------------------------- */

/* Appends u16be(len) || entry at out[*off..]; advances *off. Errors: HF_ETOOLONG
 * (len > HF_TILE_MAX_ENTRY_LEN), HF_ENOSPC. */
HF_API hf_err hf_bundle_put(uint8_t *out, size_t cap, size_t *off, const uint8_t *entry,
                            size_t len) HF_MUST_CHECK HF_NONNULL(1, 3);

/* Splits a bundle that must hold exactly `width` entries (1..256): entries[k]
 * and lens[k] point into b. Errors: HF_ETILE (truncated, trailing bytes, wrong count). */
HF_API hf_err hf_bundle_split(const uint8_t *b, size_t len, unsigned width, const uint8_t **entries,
                              size_t *lens) HF_MUST_CHECK HF_NONNULL(1, 4, 5);

/* ---- a merkle store over tiles (for verifiers and mirrors) ------------------------------ */

/*
 * Fetches the bytes of hash tile t (exactly t->width * 32 bytes into out,
 * which has room for 8192). Errors are returned unchanged (HF_ENOTFOUND,
 * HF_EIO, HF_ENET...).
 */
typedef hf_err (*hf_tile_fetch_fn)(void *ctx, const hf_tile_ref *t, uint8_t *out, size_t *len);

#define HF_TILES_CACHE 8
typedef struct hf_tiles_store {
	uint64_t size; /* tree size the tiles are read for */
	hf_tile_fetch_fn fetch;
	void *ctx;
	/* small cache of recently read tiles */
	struct {
		bool used;
		hf_tile_ref ref;
		uint64_t age;
		uint8_t data[HF_TILE_WIDTH * HF_MERKLE_HASH_LEN];
	} cache[HF_TILES_CACHE];
	uint64_t clock;
} hf_tiles_store;

/*
 * A merkle store (merkle.h) answering any complete-subtree fetch of a tree of
 * `size` leaves from the tiles of that size: (8L + r, i) is computed from the
 * 2^r hashes of level-L tile. *out borrows ts, which must outlive it.
 * Tiles are checked for their exact length (HF_ETILE).
 */
HF_API void hf_tiles_store_init(hf_tiles_store *ts, uint64_t size, hf_tile_fetch_fn fetch,
                                void *ctx, hf_merkle_store *out) HF_NONNULL(1, 3, 5);

#endif
