/* Table-driven schema codec: the one decoder and encoder of every message map. */
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "hf_check.h"

/* ---- field access ----------------------------------------------------- */

static void *at(void *obj, uint32_t off)
{
	return (uint8_t *)obj + off;
}

static const void *cat(const void *obj, uint32_t off)
{
	return (const uint8_t *)obj + off;
}

/* Unsigned field of 4 or 8 bytes (the table self-check allows nothing else). */
static uint64_t get_n(const void *p, uint32_t size)
{
	uint32_t v32;
	uint64_t v64;
	if (size == 4) {
		memcpy(&v32, p, 4);
		return v32;
	}
	memcpy(&v64, p, 8);
	return v64;
}

/* Stores v (already range-checked to fit) into a 4- or 8-byte field. */
static void put_n(void *p, uint32_t size, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	if (size == 4)
		memcpy(p, &v32, 4);
	else
		memcpy(p, &v, 8);
}

static bool has_get(const hfi_field *f, const void *obj)
{
	const void *p = cat(obj, f->has_off);
	if (f->has_bit == 0) {
		bool b;
		memcpy(&b, p, sizeof(b));
		return b;
	}
	return (get_n(p, 4) & f->has_bit) != 0;
}

static void has_set(const hfi_field *f, void *obj)
{
	void *p = at(obj, f->has_off);
	if (f->has_bit == 0) {
		bool b = true;
		memcpy(p, &b, sizeof(b));
	} else {
		put_n(p, 4, get_n(p, 4) | f->has_bit);
	}
}

/* ---- decode ----------------------------------------------------------- */

hf_err hfi_ctx_init(hfi_ctx *c, const uint8_t *p, size_t len, size_t max_size)
{
	memset(c, 0, sizeof(*c));
	return hfi_mp_dec_init(&c->d, p, len, max_size);
}

static hf_err dec_map(hfi_ctx *c, const hfi_schema *s, void *obj);
static hf_err dec_nested(hfi_ctx *c, const hfi_field *f, void *obj, void *dst);

/* One value described by f into dst (the field itself; for arrays, one element).
 * Inlined into both callers: the scalar cases are the hot path of every decode. */
static inline __attribute__((always_inline)) hf_err dec_value(hfi_ctx *c, const hfi_field *f,
                                                              void *obj, void *dst)
{
	hfi_mp_dec *d = &c->d;
	uint64_t v;
	const uint8_t *p;
	const char *s;
	size_t n;
	const uint8_t *in = d->r.p + d->r.off;
	size_t left = d->r.len - d->r.off;
	switch (f->kind) {
	case HFI_UINT:
		/* Fast path: a positive fixint is always canonical. */
		if (left > 0 && in[0] < 0x80) {
			v = in[0];
			d->r.off++;
		} else {
			HF_TRY(hfi_mp_get_uint(d, &v));
		}
		if (v < f->lo || ((f->flags & HFI_MASK) ? (v & ~f->hi) != 0 : v > f->hi))
			return f->bad;
		if (!(f->flags & HFI_CONST))
			put_n(dst, f->size, v);
		return HF_OK;
	case HFI_BIN_FIXED:
		/* Fast path: bin8 with the right length (canonical for every length < 256). */
		if (f->size < 256 && left >= 2 + (size_t)f->size && in[0] == 0xc4 &&
		    in[1] == f->size) {
			memcpy(dst, in + 2, f->size);
			d->r.off += 2 + (size_t)f->size;
			return HF_OK;
		}
		return hfi_mp_get_bin_fixed(d, dst, f->size);
	case HFI_BIN:
		HF_TRY(hfi_mp_get_bin(d, (size_t)f->hi, &p, &n));
		if (n < f->lo)
			return f->bad;
		memcpy(dst, &p, sizeof(p));
		if (!(f->flags & HFI_NOLEN))
			memcpy(at(obj, f->len_off), &n, sizeof(n));
		return HF_OK;
	case HFI_STR:
		HF_TRY(hfi_mp_get_str(d, (size_t)f->hi, &s, &n));
		if (n < f->lo)
			return f->bad;
		memcpy(dst, &s, sizeof(s));
		memcpy(at(obj, f->len_off), &n, sizeof(n));
		return HF_OK;
	case HFI_STR_BUF:
		HF_TRY(hfi_mp_get_str(d, f->size - 1u, &s, &n));
		memcpy(dst, s, n);
		((char *)dst)[n] = '\0';
		return HF_OK;
	case HFI_MAP:
		return dec_nested(c, f, obj, dst);
	case HFI_RECORDS: {
		uint32_t count;
		HF_TRY(hfi_mp_get_bin(d, (size_t)f->hi * f->size, &p, &n));
		if (n % f->size != 0)
			return f->bad;
		count = (uint32_t)(n / f->size);
		memcpy(dst, &p, sizeof(p));
		memcpy(at(obj, f->len_off), &count, sizeof(count));
		return HF_OK;
	}
	default:
		return HF_EINTERNAL;
	}
}

static hf_err dec_nested(hfi_ctx *c, const hfi_field *f, void *obj, void *dst)
{
	(void)obj;
	if (f->flags & HFI_PTR)
		memcpy(&dst, dst, sizeof(dst));
	return dec_map(c, f->sub, dst);
}

static hf_err dec_array(hfi_ctx *c, const hfi_field *f, void *obj)
{
	const hfi_field *el = f->elem;
	uint8_t *base;
	uint32_t n;
	HF_TRY(hfi_mp_array_open(&c->d, (uint32_t)f->hi, &n));
	if (n < f->lo)
		return f->bad;
	if (f->min_elem_bytes && (size_t)n > hf_reader_left(&c->d.r) / f->min_elem_bytes)
		return HF_ETRUNC;
	if (f->flags & HFI_ALLOC) {
		/* n <= hi and <= bytes left (hfi_mp_array_open): the allocation is bounded. */
		if (c->owned != NULL)
			return HF_EINTERNAL; /* one allocation per message, by construction */
		base = n ? calloc(n, el->size) : NULL;
		if (n && base == NULL)
			return HF_ENOMEM;
		c->owned = base;
		memcpy(at(obj, f->off), &base, sizeof(base));
	} else if (f->reserve != NULL) {
		HF_TRY(f->reserve(obj, n));
		memcpy(&base, at(obj, f->off), sizeof(base));
	} else {
		base = at(obj, f->off);
	}
	for (uint32_t i = 0; i < n; i++) {
		void *e = base + (size_t)i * el->size;
		if (el->kind == HFI_MAP && f->reserve != NULL)
			memset(e, 0, el->size);
		HF_TRY(dec_value(c, el, obj, e));
		if (f->check != NULL)
			HF_TRY(f->check(base, i));
	}
	hfi_mp_array_close(&c->d);
	put_n(at(obj, f->len_off), f->len_size, n);
	return HF_OK;
}

static hf_err dec_map(hfi_ctx *c, const hfi_schema *s, void *obj)
{
	const hfi_field *row = s->rows, *end = s->rows + s->n_rows;
	hfi_mp_map m;
	bool has, missing = false;
	unsigned key;
	uint64_t seen = 0;
	size_t start;
	if (s->flags & HFI_DEFAULTS)
		for (const hfi_field *f = row; f < end; f++)
			if (f->flags & HFI_DFLT)
				put_n(at(obj, f->off), f->size, f->dflt);
	HF_TRY(hfi_mp_map_open(&c->d, &m));
	for (;;) {
		/* Fast path of hfi_mp_map_next: a positive fixint above the last key;
		 * anything else (the end, errors) takes the full function. */
		const hf_reader *r = &c->d.r;
		uint8_t t = r->off < r->len ? r->p[r->off] : 0;
		if (m.i < m.n && t > m.last_key && t <= HF_MAX_KEY_NUM) {
			c->d.r.off++;
			m.last_key = t;
			m.i++;
			key = t;
		} else {
			HF_TRY(hfi_mp_map_next(&c->d, &m, &has, &key));
			if (!has)
				break;
		}
		/* Keys arrive ascending and rows are sorted: a cursor finds the row, and
		 * every required row it passes over was absent. */
		while (row < end && row->key < key) {
			missing |= (row->flags & HFI_REQ) != 0;
			row++;
		}
		if (row == end || row->key != key)
			return HF_EUNKNOWNKEY;
		seen |= HF_BIT(key);
		start = c->d.r.off;
		if (row->kind == HFI_ARRAY) {
			HF_TRY(dec_array(c, row, obj));
		} else {
			HF_TRY(dec_value(c, row, obj, at(obj, row->off)));
			if (row->check != NULL)
				HF_TRY(row->check(obj, 0));
		}
		if (row->flags & HFI_HAS)
			has_set(row, obj);
		if (row->span) {
			c->span[row->span - 1].p = c->d.r.p + start;
			c->span[row->span - 1].n = c->d.r.off - start;
		}
		row++;
	}
	for (; row < end; row++)
		missing |= (row->flags & HFI_REQ) != 0;
	if ((s->flags & HFI_FINISH_FIRST) && c->d.depth == 0)
		HF_TRY(hfi_mp_dec_finish(&c->d));
	if (missing)
		return HF_EMISSING;
	return s->check != NULL ? s->check(obj, seen) : HF_OK;
}

hf_err hfi_decode(hfi_ctx *c, const hfi_schema *s, void *obj)
{
	return dec_map(c, s, obj);
}

hf_err hfi_decode_body(hfi_ctx *c, const hfi_schema *s, const uint8_t *p, size_t len,
                       size_t max_size, void *obj)
{
	HF_TRY(hfi_ctx_init(c, p, len, max_size));
	HF_TRY(dec_map(c, s, obj));
	return (s->flags & HFI_FINISH_FIRST) ? HF_OK : hfi_mp_dec_finish(&c->d);
}

hf_err hfi_decode_view(const hfi_schema *s, const uint8_t *p, size_t len, size_t max_size,
                       void *wire, void *out, size_t out_size)
{
	hfi_ctx c;
	memset(wire, 0, s->size);
	hf_err rc = hfi_decode_body(&c, s, p, len, max_size, wire);
	memcpy(out, wire, out_size);
	return rc;
}

/* ---- encode ----------------------------------------------------------- */

static inline bool enc_present(const hfi_field *f, const void *obj)
{
	const void *p = cat(obj, f->off);
	if (f->flags & (HFI_REQ | HFI_CONST))
		return true;
	if (f->flags & HFI_HAS)
		return has_get(f, obj);
	switch (f->kind) {
	case HFI_UINT:
		return get_n(p, f->size) != ((f->flags & HFI_DFLT) ? f->dflt : 0);
	case HFI_BIN:
	case HFI_STR:
	case HFI_ARRAY:
	case HFI_RECORDS:
		return get_n(cat(obj, f->len_off), f->len_size) != 0;
	case HFI_STR_BUF:
		return *(const char *)p != '\0';
	default:
		return true; /* fixed bins and maps: optional ones use HFI_HAS */
	}
}

static void enc_value(hfi_mp_enc *e, const hfi_field *f, const void *obj, const void *src)
{
	const uint8_t *p;
	size_t n;
	switch (f->kind) {
	case HFI_UINT:
		hfi_mp_put_uint(e, (f->flags & HFI_CONST) ? f->lo : get_n(src, f->size));
		return;
	case HFI_BIN_FIXED:
		hfi_mp_put_bin(e, src, f->size);
		return;
	case HFI_BIN:
	case HFI_STR:
		memcpy(&p, src, sizeof(p));
		if (f->flags & HFI_NOLEN)
			n = (size_t)f->lo;
		else
			memcpy(&n, cat(obj, f->len_off), sizeof(n));
		if (f->kind == HFI_BIN)
			hfi_mp_put_bin(e, p, n);
		else
			hfi_mp_put_str(e, (const char *)p, n);
		return;
	case HFI_STR_BUF:
		hfi_mp_put_str(e, src, strnlen(src, f->size));
		return;
	case HFI_MAP:
		if (f->flags & HFI_PTR)
			memcpy(&src, src, sizeof(src));
		hfi_encode(e, f->sub, src);
		return;
	case HFI_RECORDS:
		memcpy(&p, src, sizeof(p));
		hfi_mp_put_bin(e, p, (size_t)get_n(cat(obj, f->len_off), 4) * f->size);
		return;
	case HFI_ARRAY: {
		const uint8_t *base = src;
		uint64_t count = get_n(cat(obj, f->len_off), f->len_size);
		if (f->flags & HFI_ALLOC || f->reserve != NULL)
			memcpy(&base, src, sizeof(base));
		hfi_mp_put_array(e, (uint32_t)count);
		for (uint64_t i = 0; i < count; i++)
			enc_value(e, f->elem, obj, base + i * f->elem->size);
		return;
	}
	default:
		if (e->err == HF_OK)
			e->err = HF_EINTERNAL;
		return;
	}
}

void hfi_encode(hfi_mp_enc *e, const hfi_schema *s, const void *obj)
{
	uint64_t present = 0;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->n_rows; i++) {
		if (enc_present(&s->rows[i], obj)) {
			present |= HF_BIT(i);
			n++;
		}
	}
	hfi_mp_put_map(e, n);
	for (uint32_t i = 0; i < s->n_rows; i++) {
		const hfi_field *f = &s->rows[i];
		if (!(present & HF_BIT(i)))
			continue;
		hfi_mp_put_key(e, f->key);
		if (f->enc != NULL)
			f->enc(e, obj);
		else
			enc_value(e, f, obj, cat(obj, f->off));
	}
}

hf_err hfi_encode_body(const hfi_schema *s, const void *obj, size_t cap, uint8_t **out,
                       size_t *out_len)
{
	hf_err rc;
	hf_writer w;
	hfi_mp_enc e;
	*out = NULL;
	*out_len = 0;
	hf_writer_init(&w, cap);
	hfi_mp_enc_init(&e, &w);
	hfi_encode(&e, s, obj);
	rc = hfi_mp_enc_status(&e);
	if (rc == HF_OK)
		rc = hf_writer_take(&w, out, out_len);
	hf_writer_free(&w);
	return rc;
}

/* ---- table self-check ------------------------------------------------- */

static bool field_ok(const hfi_field *f, bool element)
{
	switch (f->kind) {
	case HFI_UINT:
		if (!(f->flags & HFI_CONST) && f->size != 4 && f->size != 8)
			return false;
		return f->lo <= f->hi && f->bad != HF_OK &&
		       (f->size != 4 || f->hi <= UINT32_MAX || (f->flags & HFI_CONST));
	case HFI_BIN_FIXED:
		return f->size > 0;
	case HFI_BIN:
	case HFI_STR:
		return f->lo <= f->hi && f->bad != HF_OK &&
		       (element ? (f->flags & HFI_NOLEN) != 0
		                : ((f->flags & HFI_NOLEN) || f->len_size == sizeof(size_t)));
	case HFI_STR_BUF:
		return f->size >= 1;
	case HFI_MAP:
		return f->sub != NULL && hfi_schema_selfcheck(f->sub) == HF_OK;
	case HFI_RECORDS:
		return !element && f->size > 0 && f->len_size == 4 && f->bad != HF_OK;
	case HFI_ARRAY:
		return !element && f->elem != NULL && f->elem->kind != HFI_ARRAY &&
		       f->bad != HF_OK && f->hi <= UINT32_MAX &&
		       (f->len_size == 4 || f->len_size == 8) && f->elem->size > 0 &&
		       field_ok(f->elem, true);
	default:
		return false;
	}
}

hf_err hfi_schema_selfcheck(const hfi_schema *s)
{
	unsigned last = 0;
	bool dflt = false;
	if (s->n_rows > 64)
		return HF_EINTERNAL; /* hfi_encode keeps presence in a uint64 */
	for (uint32_t i = 0; i < s->n_rows; i++) {
		const hfi_field *f = &s->rows[i];
		dflt |= (f->flags & HFI_DFLT) != 0;
		if (f->key <= last || f->key > HF_MAX_KEY_NUM || f->span > HFI_MAX_SPANS ||
		    !field_ok(f, false))
			return HF_EINTERNAL;
		last = f->key;
	}
	/* The schema flag that enables the defaults pass must match its rows. */
	return dflt == ((s->flags & HFI_DEFAULTS) != 0) ? HF_OK : HF_EINTERNAL;
}
