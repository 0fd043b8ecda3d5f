/* C2SP tlog-tiles paths, layout, tiles and entry bundles (spec §15.6). */
#include <stdio.h>
#include <string.h>

#include "hashfed/tlog_tiles.h"
#include "note_internal.h"
#include "hf_check.h"

#define HL HF_MERKLE_HASH_LEN

hf_err hf_tile_index_path(uint64_t n, char *out, size_t cap)
{
	char digits[24];
	int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	HF_ENSURE(nd > 0, HF_EINTERNAL);
	size_t len = (size_t)nd;
	size_t pad = (3 - len % 3) % 3;
	char padded[27];
	memset(padded, '0', pad);
	memcpy(padded + pad, digits, len + 1);
	size_t groups = (len + pad) / 3;
	/* "xDDD/" per group but the last: 5(g-1) + 3 + NUL */
	size_t need = 5 * (groups - 1) + 3 + 1;
	HF_ENSURE(cap >= need, HF_ENOSPC);
	size_t o = 0;
	for (size_t g = 0; g < groups; g++) {
		if (g + 1 < groups)
			out[o++] = 'x';
		memcpy(out + o, padded + 3 * g, 3);
		o += 3;
		if (g + 1 < groups)
			out[o++] = '/';
	}
	out[o] = 0;
	return HF_OK;
}

hf_err hf_tile_path(const hf_tile_ref *t, char *out, size_t cap)
{
	char idx[40];
	HF_ENSURE(t->width >= 1 && t->width <= HF_TILE_WIDTH, HF_EINVAL);
	HF_ENSURE(t->level <= 63, HF_EINVAL);
	HF_ENSURE(!t->entries || t->level == 0, HF_EINVAL);
	HF_TRY(hf_tile_index_path(t->index, idx, sizeof(idx)));
	char lvl[8];
	if (t->entries)
		snprintf(lvl, sizeof(lvl), "entries");
	else
		snprintf(lvl, sizeof(lvl), "%u", (unsigned)t->level);
	int n;
	if (t->width == HF_TILE_WIDTH)
		n = snprintf(out, cap, "tile/%s/%s", lvl, idx);
	else
		n = snprintf(out, cap, "tile/%s/%s.p/%u", lvl, idx, (unsigned)t->width);
	HF_ENSURE(n > 0 && (size_t)n < cap, HF_ENOSPC);
	return HF_OK;
}

hf_err hf_tile_path_parse(const char *path, size_t len, hf_tile_ref *out)
{
	memset(out, 0, sizeof(*out));
	HF_ENSURE(len < HF_TILE_MAX_PATH && len > 5 && memcmp(path, "tile/", 5) == 0, HF_ETILE);
	size_t i = 5;
	size_t j = i;
	while (j < len && path[j] != '/')
		j++;
	HF_ENSURE(j < len, HF_ETILE);
	if (j - i == 7 && memcmp(path + i, "entries", 7) == 0) {
		out->entries = true;
	} else {
		uint64_t lv;
		HF_ENSURE(hfi_parse_dec(path + i, j - i, 63, &lv), HF_ETILE);
		out->level = (uint8_t)lv;
	}
	i = j + 1;
	/* index groups */
	uint64_t idx = 0;
	bool first = true;
	for (;;) {
		HF_ENSURE(i < len, HF_ETILE);
		bool x = path[i] == 'x';
		if (x)
			i++;
		HF_ENSURE(i + 3 <= len, HF_ETILE);
		unsigned g = 0;
		for (size_t k = 0; k < 3; k++) {
			char c = path[i + k];
			HF_ENSURE(c >= '0' && c <= '9', HF_ETILE);
			g = g * 10 + (unsigned)(c - '0');
		}
		/* a leading x000 group would be a second encoding of the same index */
		HF_ENSURE(!(first && x && g == 0), HF_ETILE);
		HF_ENSURE(idx <= (UINT64_MAX - g) / 1000, HF_ETILE);
		idx = idx * 1000 + g;
		i += 3;
		first = false;
		if (x) {
			HF_ENSURE(i < len && path[i] == '/', HF_ETILE);
			i++;
			continue;
		}
		break;
	}
	out->index = idx;
	out->width = HF_TILE_WIDTH;
	if (i == len)
		return HF_OK;
	HF_ENSURE(len - i > 3 && memcmp(path + i, ".p/", 3) == 0, HF_ETILE);
	uint64_t w;
	HF_ENSURE(hfi_parse_dec(path + i + 3, len - i - 3, HF_TILE_WIDTH - 1, &w) && w >= 1,
	          HF_ETILE);
	out->width = (uint16_t)w;
	return HF_OK;
}

static uint64_t count_at(uint64_t size, unsigned level)
{
	unsigned shift = level * HF_TILE_HEIGHT;
	return shift >= 64 ? 0 : size >> shift;
}

void hf_tile_layout(uint64_t size, unsigned level, uint64_t *full_tiles, unsigned *partial_width)
{
	uint64_t c = count_at(size, level);
	*full_tiles = c / HF_TILE_WIDTH;
	*partial_width = (unsigned)(c % HF_TILE_WIDTH);
}

unsigned hf_tile_levels(uint64_t size)
{
	unsigned l = 0;
	while (count_at(size, l) > 0)
		l++;
	return l;
}

hf_err hf_tile_for(uint64_t size, unsigned tile_level, uint64_t index_at_level, bool entries,
                   hf_tile_ref *out)
{
	memset(out, 0, sizeof(*out));
	HF_ENSURE(tile_level <= 63 && (!entries || tile_level == 0), HF_EINVAL);
	uint64_t c = count_at(size, tile_level);
	HF_ENSURE(index_at_level < c, HF_ETREESIZE);
	uint64_t n = index_at_level / HF_TILE_WIDTH;
	uint64_t left = c - n * HF_TILE_WIDTH;
	out->entries = entries;
	out->level = (uint8_t)tile_level;
	out->index = n;
	out->width = (uint16_t)(left >= HF_TILE_WIDTH ? HF_TILE_WIDTH : left);
	return HF_OK;
}

hf_err hf_tile_build(const hf_merkle_store *s, const hf_tile_ref *t, uint8_t *out, size_t cap,
                     size_t *out_len)
{
	*out_len = 0;
	HF_ENSURE(!t->entries && t->level <= 7, HF_EINVAL); /* 8L <= 56: level fits the node id */
	HF_ENSURE(t->width >= 1 && t->width <= HF_TILE_WIDTH, HF_EINVAL);
	HF_ENSURE(cap >= (size_t)t->width * HL, HF_ENOSPC);
	HF_ENSURE(s->fetch != NULL, HF_EINVAL);
	HF_ENSURE(t->index <= (UINT64_MAX >> 8), HF_ETREESIZE);
	hf_merkle_node_id ids[128];
	size_t done = 0;
	while (done < t->width) {
		size_t n = t->width - done;
		if (n > 128)
			n = 128;
		for (size_t k = 0; k < n; k++) {
			ids[k].level = (uint8_t)(t->level * HF_TILE_HEIGHT);
			ids[k].index = t->index * HF_TILE_WIDTH + done + k;
		}
		HF_TRY(s->fetch(s->ctx, ids, n, (uint8_t(*)[HL])(out + done * HL)));
		done += n;
	}
	*out_len = (size_t)t->width * HL;
	return HF_OK;
}

hf_err hf_bundle_put(uint8_t *out, size_t cap, size_t *off, const uint8_t *entry, size_t len)
{
	HF_ENSURE(entry != NULL || len == 0, HF_EINVAL);
	HF_ENSURE(len <= HF_TILE_MAX_ENTRY_LEN, HF_ETOOLONG);
	HF_ENSURE(*off <= cap && cap - *off >= 2 + len, HF_ENOSPC);
	out[*off] = (uint8_t)(len >> 8);
	out[*off + 1] = (uint8_t)len;
	if (len > 0)
		memcpy(out + *off + 2, entry, len);
	*off += 2 + len;
	return HF_OK;
}

hf_err hf_bundle_split(const uint8_t *b, size_t len, unsigned width, const uint8_t **entries,
                       size_t *lens)
{
	HF_ENSURE(width >= 1 && width <= HF_TILE_WIDTH, HF_EINVAL);
	size_t off = 0;
	for (unsigned k = 0; k < width; k++) {
		HF_ENSURE(len - off >= 2, HF_ETILE);
		size_t l = ((size_t)b[off] << 8) | b[off + 1];
		off += 2;
		HF_ENSURE(len - off >= l, HF_ETILE);
		entries[k] = b + off;
		lens[k] = l;
		off += l;
	}
	HF_ENSURE(off == len, HF_ETILE);
	return HF_OK;
}

/* ---- merkle store over tiles ------------------------------------------------------------- */

static hf_err tiles_get(hf_tiles_store *ts, const hf_tile_ref *t, const uint8_t **data)
{
	size_t victim = 0;
	for (size_t i = 0; i < HF_TILES_CACHE; i++) {
		if (ts->cache[i].used && ts->cache[i].ref.level == t->level &&
		    ts->cache[i].ref.index == t->index && ts->cache[i].ref.width == t->width) {
			ts->cache[i].age = ++ts->clock;
			*data = ts->cache[i].data;
			return HF_OK;
		}
		if (!ts->cache[i].used)
			victim = i;
		else if (ts->cache[victim].used && ts->cache[i].age < ts->cache[victim].age)
			victim = i;
	}
	size_t got = 0;
	ts->cache[victim].used = false;
	HF_TRY(ts->fetch(ts->ctx, t, ts->cache[victim].data, &got));
	HF_ENSURE(got == (size_t)t->width * HL, HF_ETILE);
	ts->cache[victim].used = true;
	ts->cache[victim].ref = *t;
	ts->cache[victim].age = ++ts->clock;
	*data = ts->cache[victim].data;
	return HF_OK;
}

static hf_err tiles_fetch(void *ctx, const hf_merkle_node_id *ids, size_t n, uint8_t (*out)[HL])
{
	hf_tiles_store *ts = ctx;
	for (size_t i = 0; i < n; i++) {
		unsigned tl = ids[i].level / HF_TILE_HEIGHT;
		unsigned r = ids[i].level % HF_TILE_HEIGHT;
		HF_ENSURE(ids[i].index <= (UINT64_MAX >> r) - 1, HF_ETREESIZE);
		uint64_t first = ids[i].index << r; /* at tree level 8 * tl */
		uint64_t cnt = (uint64_t)1 << r;
		hf_tile_ref t;
		HF_TRY(hf_tile_for(ts->size, tl, first + cnt - 1, false, &t));
		const uint8_t *data;
		HF_TRY(tiles_get(ts, &t, &data));
		size_t off = (size_t)(first % HF_TILE_WIDTH);
		HF_TRY(hf_merkle_root_mem((const uint8_t(*)[HL])(data + off * HL), cnt, out[i]));
	}
	return HF_OK;
}

void hf_tiles_store_init(hf_tiles_store *ts, uint64_t size, hf_tile_fetch_fn fetch, void *ctx,
                         hf_merkle_store *out)
{
	memset(ts, 0, sizeof(*ts));
	ts->size = size;
	ts->fetch = fetch;
	ts->ctx = ctx;
	out->fetch = tiles_fetch;
	out->ctx = ts;
}
