/* Hash list message bodies: batch, snapshot part, pull (spec §12). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/list.h"
#include "hashfed/vpdq.h"
#include "crypto_internal.h"
#include "mp.h"
#include "schema.h"
#include "hf_check.h"

#define HF_LIST_BATCH_DOMAIN "hashfed/v1/list-batch"
/* Record: alg u8 | quality u8 | category u16be | expires u64be | pseudonym[16] | value. */
#define HF_REC_FIXED (1 + 1 + 2 + 8 + HF_PSEUDONYM_LEN)
/* A pull body is tiny: the decoder refuses anything larger before reading. */

size_t hf_hash_alg_len(unsigned alg)
{
	switch (alg) {
	case HF_ALG_PDQ:
	case HF_ALG_SHA256:
		return 32;
	case HF_ALG_MD5:
		return 16;
	default:
		return 0;
	}
}

const char *hf_hash_alg_name(unsigned alg)
{
	switch (alg) {
	case HF_ALG_PDQ:
		return "pdq";
	case HF_ALG_MD5:
		return "md5";
	case HF_ALG_SHA256:
		return "sha256";
	case HF_ALG_VPDQ:
		return "vpdq";
	default:
		return NULL;
	}
}

hf_err hf_hash_alg_parse(const char *name, unsigned *alg)
{
	for (unsigned a = HF_ALG_PDQ; a <= HF_ALG_VPDQ; a++) {
		const char *an = hf_hash_alg_name(a);
		if (an != NULL && strcmp(name, an) == 0) {
			*alg = a;
			return HF_OK;
		}
	}
	return HF_EINVAL;
}

void hf_list_batch_hash(const uint8_t *body, size_t len, uint8_t out[HF_LIST_HASH_LEN])
{
	hfi_domain_hash(NULL, 0, HF_LIST_BATCH_DOMAIN, body, len, out, HF_LIST_HASH_LEN);
}

/* ---- shared rules ----------------------------------------------------- */

static bool is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static hf_err meta_check(const hf_list_meta *m)
{
	if (m->name_len == 0 || !m->name)
		return HF_ERANGE;
	if (m->name_len > HF_LIST_MAX_NAME_LEN)
		return HF_ETOOLONG;
	if (!hfi_utf8_valid((const uint8_t *)m->name, m->name_len))
		return HF_EUTF8;
	if (m->algs == 0 || (m->algs & ~(uint32_t)HF_ALG_MASK_ALL) != 0)
		return HF_ERANGE;
	return HF_OK;
}

static uint32_t hfi_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A video entry's frames: 1..max records, qualities <= 100, frame numbers ascending. */
static hf_err frames_check(const uint8_t *f, uint32_t n)
{
	if (n == 0 || !f)
		return HF_ERANGE;
	if (n > HF_LIST_MAX_VIDEO_FRAMES)
		return HF_ETOOLONG;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *r = f + (size_t)i * HF_LIST_VIDEO_FRAME_LEN;
		if (r[4] > 100)
			return HF_ERANGE;
		if (i > 0 && hfi_get_be32(r) <= hfi_get_be32(r - HF_LIST_VIDEO_FRAME_LEN))
			return HF_ENONCANON;
	}
	return HF_OK;
}

static bool alg_known(unsigned alg)
{
	return alg == HF_ALG_VPDQ || hf_hash_alg_len(alg) != 0;
}

static hf_err entry_check(const hf_list_entry *e, uint32_t algs)
{
	if (!alg_known(e->alg) || (algs != 0 && !(algs & (1u << e->alg))))
		return HF_ERANGE;
	if (e->quality > HF_LIST_MAX_QUALITY)
		return HF_ERANGE;
	if (e->alg == HF_ALG_VPDQ)
		return frames_check(e->frames, e->n_frames);
	return HF_OK;
}

size_t hf_list_entry_value_len(const hf_list_entry *e)
{
	if (e->alg == HF_ALG_VPDQ)
		return 2 + (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN;
	return hf_hash_alg_len(e->alg);
}

static size_t rec_len(const hf_list_entry *e, bool with_id)
{
	return (with_id ? 8u : 0u) + (size_t)HF_REC_FIXED + hf_list_entry_value_len(e);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void hfi_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t hfi_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Writes one record at p; returns its length. */
static size_t rec_put(uint8_t *p, const hf_list_entry *e, bool with_id)
{
	size_t off = 0, vlen = hf_hash_alg_len(e->alg);
	if (with_id) {
		hfi_put_be64(p, e->id);
		off = 8;
	}
	p[off] = e->alg;
	p[off + 1] = e->quality;
	put_be16(p + off + 2, e->category);
	hfi_put_be64(p + off + 4, e->expires_ms);
	memcpy(p + off + 12, e->pseudonym, HF_PSEUDONYM_LEN);
	if (e->alg == HF_ALG_VPDQ) {
		size_t fl = (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN;
		put_be16(p + off + HF_REC_FIXED, (uint16_t)e->n_frames);
		memcpy(p + off + HF_REC_FIXED + 2, e->frames, fl);
		return off + HF_REC_FIXED + 2 + fl;
	}
	memcpy(p + off + HF_REC_FIXED, e->value, vlen);
	return off + HF_REC_FIXED + vlen;
}

/*
 * Reads one record at it->off without trusting it: HF_ETRUNC for a partial
 * record. Validity (algorithm, quality) is the caller's check.
 */
static hf_err rec_get(hf_list_iter *it, hf_list_entry *e)
{
	size_t left = it->len - it->off, off;
	const uint8_t *p = it->p + it->off;
	size_t need = it->explicit_ids ? 9 : 1;
	if (left < need)
		return HF_ETRUNC;
	off = it->explicit_ids ? 8 : 0;
	e->alg = p[off];
	size_t vlen = hf_hash_alg_len(e->alg);
	e->frames = NULL;
	e->n_frames = 0;
	if (e->alg == HF_ALG_VPDQ) {
		/* n (u16) then n frame records (spec §12.2). */
		if (left < off + HF_REC_FIXED + 2)
			return HF_ETRUNC;
		const uint8_t *np = p + off + HF_REC_FIXED;
		e->n_frames = (uint32_t)(np[0] << 8 | np[1]);
		if (e->n_frames == 0)
			return HF_ERANGE;
		if (e->n_frames > HF_LIST_MAX_VIDEO_FRAMES)
			return HF_ETOOLONG;
		vlen = 2 + (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN;
		e->frames = np + 2;
	} else if (vlen == 0) {
		return HF_ERANGE;
	}
	if (left < off + HF_REC_FIXED + vlen)
		return HF_ETRUNC;
	e->id = it->explicit_ids ? hfi_get_be64(p) : it->next_id;
	e->quality = p[off + 1];
	e->category = (uint16_t)((p[off + 2] << 8) | p[off + 3]);
	e->expires_ms = hfi_get_be64(p + off + 4);
	memcpy(e->pseudonym, p + off + 12, HF_PSEUDONYM_LEN);
	memset(e->value, 0, sizeof(e->value));
	if (e->alg != HF_ALG_VPDQ)
		memcpy(e->value, p + off + HF_REC_FIXED, vlen);
	it->off += off + HF_REC_FIXED + vlen;
	it->next_id++;
	return HF_OK;
}

bool hf_list_iter_next(hf_list_iter *it, hf_list_entry *e)
{
	if (it->off >= it->len)
		return false;
	/* The bytes were validated by the decoder; a failure here means misuse. */
	return rec_get(it, e) == HF_OK;
}

/*
 * Validates a records bin: count <= max, every record complete and valid,
 * explicit ids strictly ascending, >= 1 and < id_limit.
 */
static hf_err records_check(const uint8_t *p, size_t len, bool with_id, uint64_t first_id,
                            uint32_t algs, uint64_t id_limit, uint32_t *count)
{
	hf_list_iter it = {p, len, 0, first_id, with_id};
	hf_list_entry e;
	uint64_t last = 0;
	uint32_t n = 0;
	while (it.off < it.len) {
		if (n == HF_LIST_MAX_BATCH_ENTRIES)
			return HF_ETOOLONG;
		HF_TRY(rec_get(&it, &e));
		HF_TRY(entry_check(&e, algs));
		if (with_id) {
			if (e.id == 0 || e.id >= id_limit)
				return HF_ERANGE;
			if (e.id == last)
				return HF_EDUPLICATE;
			if (e.id < last)
				return HF_ENONCANON;
			last = e.id;
		}
		n++;
	}
	*count = n;
	return HF_OK;
}

static hf_err removed_check(const uint64_t *ids, size_t n, uint64_t first_id)
{
	if (n > HF_LIST_MAX_BATCH_REMOVED)
		return HF_ETOOLONG;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == 0 || ids[i] >= first_id)
			return HF_ERANGE;
		if (i > 0 && ids[i] == ids[i - 1])
			return HF_EDUPLICATE;
		if (i > 0 && ids[i] < ids[i - 1])
			return HF_ENONCANON;
	}
	return HF_OK;
}

/* Writes a records bin for entries straight into the writer. */
/* Starts a bin field of len bytes and reserves them at *at (written by the caller, who then
 * adds len to e->w->len). A failure is also kept in e->err. */
static hf_err bin_reserve(hfi_mp_enc *e, size_t len, uint8_t **at)
{
	hfi_mp_put_bin_header(e, len);
	HF_TRY(hfi_mp_enc_status(e));
	hf_err rc = hf_writer_reserve(e->w, len, at);
	if (rc != HF_OK)
		e->err = rc;
	return rc;
}

/* The records field (a bin of v[0..n)); a failure stays in e->err. */
static void records_put(hfi_mp_enc *e, const hf_list_entry *v, size_t n, bool with_id)
{
	size_t total = 0;
	uint8_t *at;
	for (size_t i = 0; i < n; i++)
		total += rec_len(&v[i], with_id);
	if (bin_reserve(e, total, &at) != HF_OK)
		return;
	for (size_t i = 0; i < n; i++)
		at += rec_put(at, &v[i], with_id);
	e->w->len += total;
}

/* ---- video entries ------------------------------------------------------ */

hf_err hf_list_video_pack(const hf_vpdq *v, int min_quality, uint8_t **out, uint32_t *n,
                          uint8_t *quality)
{
	hf_vpdq f = {0};
	hf_err rc = HF_OK;
	*out = NULL;
	*n = 0;
	f.frames = malloc((v->count ? v->count : 1) * sizeof(*f.frames));
	if (!f.frames)
		return HF_ENOMEM;
	for (size_t i = 0; i < v->count; i++) {
		if (v->frames[i].quality > 100 || v->frames[i].quality < 0) {
			rc = HF_ERANGE;
			goto out;
		}
		if (i > 0 && v->frames[i].frame <= v->frames[i - 1].frame) {
			rc = HF_ENONCANON;
			goto out;
		}
		if (v->frames[i].quality >= min_quality)
			f.frames[f.count++] = v->frames[i];
	}
	hf_vpdq_dedupe(&f);
	if (f.count == 0) {
		rc = HF_EMISSING;
		goto out;
	}
	if (f.count > HF_LIST_MAX_VIDEO_FRAMES) {
		rc = HF_ETOOLONG;
		goto out;
	}
	uint8_t *b = malloc(f.count * HF_LIST_VIDEO_FRAME_LEN);
	if (!b) {
		rc = HF_ENOMEM;
		goto out;
	}
	int qmin = 100;
	for (size_t i = 0; i < f.count; i++) {
		uint8_t *r = b + i * HF_LIST_VIDEO_FRAME_LEN;
		double ms = f.frames[i].seconds * 1000.0 + 0.5;
		put_be32(r, f.frames[i].frame);
		r[4] = (uint8_t)f.frames[i].quality;
		put_be32(r + 5, ms <= 0 ? 0 : ms >= 4294967295.0 ? UINT32_MAX : (uint32_t)ms);
		memcpy(r + 9, f.frames[i].hash.b, HF_PDQ_HASH_LEN);
		qmin = f.frames[i].quality < qmin ? f.frames[i].quality : qmin;
	}
	*out = b;
	*n = (uint32_t)f.count;
	*quality = (uint8_t)qmin;
out:
	free(f.frames);
	return rc;
}

hf_err hf_list_video_unpack(const hf_list_entry *e, hf_vpdq *v)
{
	if (e->alg != HF_ALG_VPDQ || (!e->frames && e->n_frames))
		return HF_EINVAL;
	for (uint32_t i = 0; i < e->n_frames; i++) {
		const uint8_t *r = e->frames + (size_t)i * HF_LIST_VIDEO_FRAME_LEN;
		hf_vpdq_frame f;
		f.frame = hfi_get_be32(r);
		f.quality = r[4];
		f.seconds = (double)hfi_get_be32(r + 5) / 1000.0;
		memcpy(f.hash.b, r + 9, HF_PDQ_HASH_LEN);
		HF_TRY(hf_vpdq_push(v, &f));
	}
	return HF_OK;
}

/* ---- batch ------------------------------------------------------------ */

/* The batch as the schema sees it: the public struct, plus the removed-ids
 * bin on decode and the caller's arrays on encode. */
typedef struct batch_wire {
	hf_list_batch b;
	const uint8_t *rm; /* decode: removed ids, 8 bytes each */
	size_t rm_len;
	const hf_list_entry *added; /* encode */
	size_t n_added;
	const uint64_t *removed; /* encode */
	size_t n_removed;
} batch_wire;
_Static_assert(offsetof(batch_wire, b) == 0, "hfi_decode_view copies the public struct");

static void batch_added_enc(hfi_mp_enc *e, const void *obj)
{
	const batch_wire *bw = obj;
	records_put(e, bw->added, bw->n_added, false);
}

static void batch_removed_enc(hfi_mp_enc *e, const void *obj)
{
	const batch_wire *bw = obj;
	uint8_t *at;
	if (bin_reserve(e, bw->n_removed * 8, &at) != HF_OK)
		return;
	for (size_t i = 0; i < bw->n_removed; i++)
		hfi_put_be64(at + 8 * i, bw->removed[i]);
	e->w->len += bw->n_removed * 8;
}

#define HF_META_KEYS (HF_BIT(4) | HF_BIT(5) | HF_BIT(6))

/* After the keys: metadata, records and removed ids (spec §12.2). */
static hf_err batch_check(void *obj, uint64_t seen)
{
	batch_wire *bw = obj;
	hf_list_batch *b = &bw->b;
	/* Metadata travels with batch 1 only: all three keys there, none later. */
	if (b->number == 1) {
		HF_TRY(hfi_mp_require(seen, HF_META_KEYS));
		if (!is_zero(b->prev_hash, HF_LIST_HASH_LEN))
			return HF_ERANGE;
		b->has_meta = true;
	} else if (seen & HF_META_KEYS) {
		return HF_ERANGE;
	}
	HF_TRY(records_check(b->added_raw, b->added_raw_len, false, b->first_id,
	                     b->has_meta ? b->meta.algs : 0, 0, &b->n_added));
	if (b->first_id + b->n_added < b->first_id)
		return HF_ERANGE;
	if (bw->rm_len % 8 != 0)
		return HF_ELENGTH;
	if (bw->rm_len / 8 > HF_LIST_MAX_BATCH_REMOVED)
		return HF_ETOOLONG;
	b->removed_raw = bw->rm;
	b->n_removed = (uint32_t)(bw->rm_len / 8);
	for (uint32_t i = 0; i < b->n_removed; i++) {
		uint64_t id = hfi_get_be64(bw->rm + 8 * i);
		if (id == 0 || id >= b->first_id)
			return HF_ERANGE;
		if (i > 0) {
			uint64_t prev = hfi_get_be64(bw->rm + 8 * (i - 1));
			if (id == prev)
				return HF_EDUPLICATE;
			if (id < prev)
				return HF_ENONCANON;
		}
	}
	return HF_OK;
}

static const hfi_field batch_rows[] = {
    {HFI_FIXED(1, HFI_REQ, batch_wire, b.list_id)},
    {HFI_U(2, HFI_REQ, batch_wire, b.number, 1, UINT64_MAX, HF_ERANGE)},
    {HFI_FIXED(3, HFI_REQ, batch_wire, b.prev_hash)},
    /* Keys 4..6: the list's metadata, in batch 1 only (batch_check). */
    {HFI_BLOB(4, HFI_STR, HFI_HAS, batch_wire, b.meta.name, b.meta.name_len, 1,
              HF_LIST_MAX_NAME_LEN, HF_ERANGE),
     HFI_HAS_BOOL(batch_wire, b.has_meta)},
    {HFI_U32(5, HFI_HAS, batch_wire, b.meta.category), HFI_HAS_BOOL(batch_wire, b.has_meta)},
    {HFI_U(6, HFI_HAS | HFI_MASK, batch_wire, b.meta.algs, 1, HF_ALG_MASK_ALL, HF_ERANGE),
     HFI_HAS_BOOL(batch_wire, b.has_meta)},
    {HFI_U(7, HFI_REQ, batch_wire, b.first_id, 1, UINT64_MAX, HF_ERANGE)},
    {HFI_BLOB(8, HFI_BIN, HFI_REQ, batch_wire, b.added_raw, b.added_raw_len, 0, HF_MAX_MESSAGE_SIZE,
              HF_ERANGE),
     .enc = batch_added_enc},
    {HFI_BLOB(9, HFI_BIN, HFI_REQ, batch_wire, rm, rm_len, 0, HF_MAX_MESSAGE_SIZE, HF_ERANGE),
     .enc = batch_removed_enc},
};
const hfi_schema hfi_list_batch_schema =
    HFI_SCHEMA("list batch", batch_rows, batch_wire, HFI_FINISH_FIRST, batch_check);

hf_err hf_list_batch_encode(const hf_list_batch *b, const hf_list_entry *added, size_t n_added,
                            const uint64_t *removed, size_t n_removed, uint8_t **out,
                            size_t *out_len)
{
	batch_wire bw;
	*out = NULL;
	*out_len = 0;
	if (b->number == 0 || (n_added && !added) || (n_removed && !removed))
		return HF_EINVAL;
	if (b->number == 1 && !is_zero(b->prev_hash, HF_LIST_HASH_LEN))
		return HF_ERANGE;
	if (b->first_id == 0 || n_added > HF_LIST_MAX_BATCH_ENTRIES ||
	    b->first_id + n_added < b->first_id)
		return n_added > HF_LIST_MAX_BATCH_ENTRIES ? HF_ETOOLONG : HF_ERANGE;
	if (b->number == 1)
		HF_TRY(meta_check(&b->meta));
	for (size_t i = 0; i < n_added; i++)
		HF_TRY(entry_check(&added[i], b->number == 1 ? b->meta.algs : 0));
	HF_TRY(removed_check(removed, n_removed, b->first_id));

	memset(&bw, 0, sizeof(bw));
	bw.b = *b;
	bw.b.has_meta = b->number == 1;
	bw.added = added;
	bw.n_added = n_added;
	bw.removed = removed;
	bw.n_removed = n_removed;
	return hfi_encode_body(&hfi_list_batch_schema, &bw, HF_MAX_MESSAGE_SIZE, out, out_len);
}

hf_err hf_list_batch_decode(const uint8_t *p, size_t len, hf_list_batch *b)
{
	batch_wire bw;
	return hfi_decode_view(&hfi_list_batch_schema, p, len, HF_MAX_MESSAGE_SIZE, &bw, b,
	                       sizeof(*b));
}

void hf_list_batch_iter(const hf_list_batch *b, hf_list_iter *it)
{
	*it = (hf_list_iter){b->added_raw, b->added_raw_len, 0, b->first_id, false};
}

uint64_t hf_list_batch_removed(const hf_list_batch *b, uint32_t i)
{
	return i < b->n_removed ? hfi_get_be64(b->removed_raw + 8 * (size_t)i) : 0;
}

/* ---- snapshot --------------------------------------------------------- */

static hf_err snapshot_check(const hf_list_snapshot *s)
{
	if (s->parts == 0 || s->parts > HF_LIST_MAX_SNAPSHOT_PARTS || s->part >= s->parts)
		return HF_ERANGE;
	if (s->next_id == 0)
		return HF_ERANGE;
	if (s->at_batch == 0 && !is_zero(s->head_hash, HF_LIST_HASH_LEN))
		return HF_ERANGE;
	return meta_check(&s->meta);
}

typedef struct snap_wire {
	hf_list_snapshot s;
	const hf_list_entry *entries; /* encode */
	size_t n;
} snap_wire;
_Static_assert(offsetof(snap_wire, s) == 0, "hfi_decode_view copies the public struct");

static void snap_entries_enc(hfi_mp_enc *e, const void *obj)
{
	const snap_wire *sw = obj;
	records_put(e, sw->entries, sw->n, true);
}

static hf_err snap_check(void *obj, uint64_t seen)
{
	hf_list_snapshot *s = &((snap_wire *)obj)->s;
	(void)seen;
	HF_TRY(snapshot_check(s));
	return records_check(s->entries_raw, s->entries_raw_len, true, 0, s->meta.algs, s->next_id,
	                     &s->n_entries);
}

static const hfi_field snap_rows[] = {
    {HFI_FIXED(1, HFI_REQ, snap_wire, s.list_id)},
    {HFI_U64(2, HFI_REQ, snap_wire, s.at_batch)},
    {HFI_FIXED(3, HFI_REQ, snap_wire, s.head_hash)},
    {HFI_BLOB(4, HFI_STR, HFI_REQ, snap_wire, s.meta.name, s.meta.name_len, 1, HF_LIST_MAX_NAME_LEN,
              HF_ERANGE)},
    {HFI_U32(5, HFI_REQ, snap_wire, s.meta.category)},
    {HFI_U(6, HFI_REQ | HFI_MASK, snap_wire, s.meta.algs, 1, HF_ALG_MASK_ALL, HF_ERANGE)},
    {HFI_U64(7, HFI_REQ, snap_wire, s.next_id)},
    {HFI_BLOB(8, HFI_BIN, HFI_REQ, snap_wire, s.entries_raw, s.entries_raw_len, 0,
              HF_MAX_MESSAGE_SIZE, HF_ERANGE),
     .enc = snap_entries_enc},
    {HFI_U(9, HFI_REQ, snap_wire, s.part, 0, HF_LIST_MAX_SNAPSHOT_PARTS, HF_ERANGE)},
    {HFI_U(10, HFI_REQ, snap_wire, s.parts, 0, HF_LIST_MAX_SNAPSHOT_PARTS, HF_ERANGE)},
};
const hfi_schema hfi_list_snapshot_schema =
    HFI_SCHEMA("list snapshot", snap_rows, snap_wire, HFI_FINISH_FIRST, snap_check);

hf_err hf_list_snapshot_encode(const hf_list_snapshot *s, const hf_list_entry *entries, size_t n,
                               uint8_t **out, size_t *out_len)
{
	snap_wire sw;
	*out = NULL;
	*out_len = 0;
	if (n && !entries)
		return HF_EINVAL;
	HF_TRY(snapshot_check(s));
	if (n > HF_LIST_MAX_BATCH_ENTRIES)
		return HF_ETOOLONG;
	for (size_t i = 0; i < n; i++) {
		HF_TRY(entry_check(&entries[i], s->meta.algs));
		if (entries[i].id == 0 || entries[i].id >= s->next_id)
			return HF_ERANGE;
		if (i > 0 && entries[i].id <= entries[i - 1].id)
			return entries[i].id == entries[i - 1].id ? HF_EDUPLICATE : HF_ENONCANON;
	}
	sw.s = *s;
	sw.entries = entries;
	sw.n = n;
	return hfi_encode_body(&hfi_list_snapshot_schema, &sw, HF_MAX_MESSAGE_SIZE, out, out_len);
}

hf_err hf_list_snapshot_decode(const uint8_t *p, size_t len, hf_list_snapshot *s)
{
	snap_wire sw;
	return hfi_decode_view(&hfi_list_snapshot_schema, p, len, HF_MAX_MESSAGE_SIZE, &sw, s,
	                       sizeof(*s));
}

void hf_list_snapshot_iter(const hf_list_snapshot *s, hf_list_iter *it)
{
	/* Snapshot records carry their ids. */
	*it = (hf_list_iter){s->entries_raw, s->entries_raw_len, 0, 0, true};
}

/* ---- pull ------------------------------------------------------------- */

static const hfi_field pull_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_list_pull, list_id)},
    {HFI_U64(2, HFI_REQ, hf_list_pull, after)},
};
const hfi_schema hfi_list_pull_schema =
    HFI_SCHEMA("list pull", pull_rows, hf_list_pull, HFI_FINISH_FIRST, NULL);

hf_err hf_list_pull_encode(const hf_list_pull *q, uint8_t **out, size_t *out_len)
{
	return hfi_encode_body(&hfi_list_pull_schema, q, HF_LIST_MAX_PULL_SIZE, out, out_len);
}

/* A small body of one schema with no view into the input (pull, acknowledgement). */
static hf_err decode_small(const hfi_schema *s, const uint8_t *p, size_t len, size_t cap, void *obj,
                           size_t size)
{
	hfi_ctx c;
	memset(obj, 0, size);
	return hfi_decode_body(&c, s, p, len, cap, obj);
}

hf_err hf_list_pull_decode(const uint8_t *p, size_t len, hf_list_pull *q)
{
	return decode_small(&hfi_list_pull_schema, p, len, HF_LIST_MAX_PULL_SIZE, q, sizeof(*q));
}

/* ---- acknowledgement ---------------------------------------------------- */

static const hfi_field ack_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_list_ack, list_id)},
    {HFI_U(2, HFI_REQ, hf_list_ack, number, 1, UINT64_MAX, HF_ERANGE)},
};
const hfi_schema hfi_list_ack_schema =
    HFI_SCHEMA("list ack", ack_rows, hf_list_ack, HFI_FINISH_FIRST, NULL);

hf_err hf_list_ack_encode(const hf_list_ack *a, uint8_t **out, size_t *out_len)
{
	return hfi_encode_body(&hfi_list_ack_schema, a, HF_LIST_MAX_ACK_SIZE, out, out_len);
}

hf_err hf_list_ack_decode(const uint8_t *p, size_t len, hf_list_ack *a)
{
	return decode_small(&hfi_list_ack_schema, p, len, HF_LIST_MAX_ACK_SIZE, a, sizeof(*a));
}
