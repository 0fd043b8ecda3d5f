#include <string.h>

#include "mp.h"
#include "hf_check.h"

/* ---- encoder ---------------------------------------------------------- */

static int mp_write_cb(void *data, const char *buf, size_t len)
{
	hfi_mp_enc *e = data;
	hf_writer *w = e->w;
	if (e->err != HF_OK)
		return -1;
	/* Fast path: room in the current allocation (msgpack-c writes a few bytes
	 * at a time; the writer's general path is for growing). */
	if (len != 0 && len <= w->alloc - w->len && len <= w->cap - w->len) {
		memcpy(w->p + w->len, buf, len);
		w->len += len;
		return 0;
	}
	e->err = hf_writer_put(w, buf, len);
	return e->err == HF_OK ? 0 : -1;
}

void hfi_mp_enc_init(hfi_mp_enc *e, hf_writer *w)
{
	e->w = w;
	e->err = HF_OK;
	msgpack_packer_init(&e->pk, e, mp_write_cb);
}

hf_err hfi_mp_enc_status(const hfi_mp_enc *e)
{
	return e->err;
}

void hfi_mp_put_map(hfi_mp_enc *e, uint32_t n)
{
	(void)msgpack_pack_map(&e->pk, n);
}

void hfi_mp_put_array(hfi_mp_enc *e, uint32_t n)
{
	(void)msgpack_pack_array(&e->pk, n);
}

void hfi_mp_put_key(hfi_mp_enc *e, uint8_t key)
{
	(void)msgpack_pack_uint8(&e->pk, key);
}

void hfi_mp_put_uint(hfi_mp_enc *e, uint64_t v)
{
	(void)msgpack_pack_uint64(&e->pk, v);
}

void hfi_mp_put_int(hfi_mp_enc *e, int64_t v)
{
	(void)msgpack_pack_int64(&e->pk, v);
}

void hfi_mp_put_bool(hfi_mp_enc *e, bool v)
{
	(void)(v ? msgpack_pack_true(&e->pk) : msgpack_pack_false(&e->pk));
}

static bool mp_len_ok(hfi_mp_enc *e, size_t n)
{
	if (n > UINT32_MAX) {
		if (e->err == HF_OK)
			e->err = HF_ETOOBIG;
		return false;
	}
	return true;
}

void hfi_mp_put_bin_header(hfi_mp_enc *e, size_t n)
{
	if (mp_len_ok(e, n))
		(void)msgpack_pack_bin(&e->pk, n);
}

void hfi_mp_put_bin(hfi_mp_enc *e, const void *p, size_t n)
{
	if (!mp_len_ok(e, n))
		return;
	(void)msgpack_pack_bin(&e->pk, n);
	if (n)
		(void)msgpack_pack_bin_body(&e->pk, p, n);
}

void hfi_mp_put_str(hfi_mp_enc *e, const char *s, size_t n)
{
	if (!mp_len_ok(e, n))
		return;
	(void)msgpack_pack_str(&e->pk, n);
	if (n)
		(void)msgpack_pack_str_body(&e->pk, s, n);
}

void hfi_mp_put_raw(hfi_mp_enc *e, const void *p, size_t n)
{
	if (e->err == HF_OK && n)
		e->err = hf_writer_put(e->w, p, n);
}

size_t hfi_mp_bin_header_len(size_t n)
{
	return n < 256 ? 2 : n < 65536 ? 3 : 5;
}

/* ---- decoder ---------------------------------------------------------- */

hf_err hfi_mp_dec_init(hfi_mp_dec *d, const uint8_t *p, size_t len, size_t max_size)
{
	/* spec §2.1: the total size cap is checked before unpacking anything. */
	if (len > max_size)
		return HF_ETOOBIG;
	d->r = hf_reader_init(p, len);
	d->depth = 0;
	return HF_OK;
}

hf_err hfi_mp_dec_finish(const hfi_mp_dec *d)
{
	if (d->depth != 0)
		return HF_EINTERNAL;
	return hf_reader_left(&d->r) == 0 ? HF_OK : HF_ETRAILING;
}

/* Classify a type byte that is not what the caller wanted. */
static hf_err mp_wrong_type(uint8_t t)
{
	return (t == 0xca || t == 0xcb) ? HF_EFLOAT : HF_ETYPE;
}

/*
 * Reads a big-endian length of `width` bytes after the type byte and checks it
 * is the shortest form: a length that fits a smaller header is HF_ENONCANON.
 * `min` is the smallest value this width may carry canonically.
 */
static hf_err mp_len(hf_reader *r, unsigned width, uint64_t min, uint64_t *n)
{
	uint8_t b8;
	uint16_t b16;
	uint32_t b32;
	uint64_t v;
	switch (width) {
	case 1:
		HF_TRY(hf_reader_u8(r, &b8));
		v = b8;
		break;
	case 2:
		HF_TRY(hf_reader_u16be(r, &b16));
		v = b16;
		break;
	case 4:
		HF_TRY(hf_reader_u32be(r, &b32));
		v = b32;
		break;
	default:
		HF_TRY(hf_reader_u64be(r, &v));
		break;
	}
	if (v < min)
		return HF_ENONCANON;
	*n = v;
	return HF_OK;
}

static hf_err mp_enter(hfi_mp_dec *d)
{
	if (d->depth >= HF_MAX_DEPTH)
		return HF_ETOODEEP;
	d->depth++;
	return HF_OK;
}

/* A map's or an array's header (fixmap/fixarray tag fix, 16- and 32-bit forms t16 and
 * t16 + 1): its count n <= max, each entry at least min_entry bytes of what is left; enters
 * one level. On failure the reader stays where it was. */
static hf_err container_open(hfi_mp_dec *d, uint8_t fix, uint8_t t16, uint64_t max,
                             size_t min_entry, uint64_t *n)
{
	hf_reader save = d->r;
	uint8_t t;
	hf_err rc = HF_OK;
	HF_TRY(hf_reader_u8(&d->r, &t));
	if ((t & 0xf0) == fix)
		*n = t & 0x0f;
	else if (t == t16)
		rc = mp_len(&d->r, 2, 16, n);
	else if (t == t16 + 1)
		rc = mp_len(&d->r, 4, 65536, n);
	else
		rc = mp_wrong_type(t);
	if (rc == HF_OK && *n > max)
		rc = HF_ETOOLONG;
	if (rc == HF_OK && *n > hf_reader_left(&d->r) / min_entry)
		rc = HF_ETRUNC;
	if (rc == HF_OK)
		rc = mp_enter(d);
	if (rc != HF_OK)
		d->r = save;
	return rc;
}

hf_err hfi_mp_map_open(hfi_mp_dec *d, hfi_mp_map *m)
{
	uint64_t n;
	/* Each entry is at least two bytes (key and value). */
	HF_TRY(container_open(d, 0x80, 0xde, HF_MAX_MAP_KEYS, 2, &n));
	m->n = (uint32_t)n;
	m->i = 0;
	m->last_key = 0;
	return HF_OK;
}

hf_err hfi_mp_map_next(hfi_mp_dec *d, hfi_mp_map *m, bool *has, unsigned *key)
{
	if (m->i == m->n) {
		*has = false;
		d->depth--;
		return HF_OK;
	}
	uint8_t t;
	HF_TRY(hf_reader_peek(&d->r, &t));
	/* spec §2.2: keys are positive fixints 1..HF_MAX_KEY_NUM. A key in any
	 * other integer form is non-canonical; anything else is a type error. */
	if (t >= 0x80) {
		if (t == 0xcc || t == 0xcd || t == 0xce || t == 0xcf)
			return HF_ENONCANON;
		return mp_wrong_type(t);
	}
	if (t == 0 || t > HF_MAX_KEY_NUM)
		return HF_ERANGE;
	if (t == m->last_key)
		return HF_EDUPKEY;
	if (t < m->last_key)
		return HF_EKEYORDER;
	d->r.off++;
	m->last_key = t;
	m->i++;
	*has = true;
	*key = t;
	return HF_OK;
}

hf_err hfi_mp_array_open(hfi_mp_dec *d, uint32_t max, uint32_t *n_out)
{
	uint64_t n;
	HF_TRY(container_open(d, 0x90, 0xdc, max, 1, &n));
	*n_out = (uint32_t)n;
	return HF_OK;
}

void hfi_mp_array_close(hfi_mp_dec *d)
{
	if (d->depth > 0)
		d->depth--;
}

hf_err hfi_mp_get_int(hfi_mp_dec *d, int64_t *v)
{
	hf_reader save = d->r;
	uint8_t t;
	uint64_t u;
	hf_err rc;
	HF_TRY(hf_reader_peek(&d->r, &t));
	if (t < 0x80 || (t >= 0xcc && t <= 0xcf)) {
		HF_TRY(hfi_mp_get_uint(d, &u));
		if (u > INT64_MAX) {
			d->r = save;
			return HF_ERANGE;
		}
		*v = (int64_t)u;
		return HF_OK;
	}
	d->r.off++;
	if (t >= 0xe0) {
		*v = (int8_t)t;
		return HF_OK;
	}
	/* Negative values only: a non-negative value in a signed form is
	 * non-canonical (msgpack-c packs those as unsigned). */
	unsigned width = t == 0xd0 ? 1 : t == 0xd1 ? 2 : t == 0xd2 ? 4 : t == 0xd3 ? 8 : 0;
	if (width == 0) {
		d->r = save;
		return mp_wrong_type(t);
	}
	rc = mp_len(&d->r, width, 0, &u);
	if (rc != HF_OK) {
		d->r = save;
		return rc;
	}
	int64_t s;
	switch (width) {
	case 1:
		s = (int8_t)(uint8_t)u;
		break;
	case 2:
		s = (int16_t)(uint16_t)u;
		break;
	case 4:
		s = (int32_t)(uint32_t)u;
		break;
	default:
		memcpy(&s, &u, sizeof(s));
		break;
	}
	int64_t lo = width == 1   ? -128
	             : width == 2 ? -32768
	             : width == 4 ? -2147483648LL
	                          : INT64_MIN;
	int64_t hi = width == 1 ? -33 : width == 2 ? -129 : width == 4 ? -32769 : -2147483649LL;
	if (s < lo || s > hi) {
		d->r = save;
		return HF_ENONCANON;
	}
	*v = s;
	return HF_OK;
}

hf_err hfi_mp_get_uint(hfi_mp_dec *d, uint64_t *v)
{
	hf_reader save = d->r;
	uint8_t t;
	hf_err rc;
	HF_TRY(hf_reader_u8(&d->r, &t));
	if (t < 0x80) {
		*v = t;
		return HF_OK;
	}
	switch (t) {
	case 0xcc:
		rc = mp_len(&d->r, 1, 0x80, v);
		break;
	case 0xcd:
		rc = mp_len(&d->r, 2, 0x100, v);
		break;
	case 0xce:
		rc = mp_len(&d->r, 4, 0x10000, v);
		break;
	case 0xcf:
		rc = mp_len(&d->r, 8, 0x100000000ULL, v);
		break;
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		rc = HF_ERANGE; /* signed forms carry only negatives canonically */
		break;
	default:
		rc = t >= 0xe0 ? HF_ERANGE : mp_wrong_type(t);
		break;
	}
	if (rc != HF_OK)
		d->r = save;
	return rc;
}

hf_err hfi_mp_get_uint_max(hfi_mp_dec *d, uint64_t max, uint64_t *v)
{
	hf_reader save = d->r;
	uint64_t x;
	HF_TRY(hfi_mp_get_uint(d, &x));
	if (x > max) {
		d->r = save;
		return HF_ERANGE;
	}
	*v = x;
	return HF_OK;
}

hf_err hfi_mp_get_u32(hfi_mp_dec *d, uint32_t max, uint32_t *v)
{
	uint64_t x;
	HF_TRY(hfi_mp_get_uint_max(d, max, &x));
	*v = (uint32_t)x;
	return HF_OK;
}

hf_err hfi_mp_get_bool(hfi_mp_dec *d, bool *v)
{
	uint8_t t;
	HF_TRY(hf_reader_peek(&d->r, &t));
	if (t != 0xc2 && t != 0xc3)
		return mp_wrong_type(t);
	d->r.off++;
	*v = t == 0xc3;
	return HF_OK;
}

/* Reads a bin (is_str = false) or str header and returns the payload span. */
static hf_err mp_get_blob(hfi_mp_dec *d, bool is_str, size_t max, const uint8_t **p, size_t *n)
{
	hf_reader save = d->r;
	uint8_t t;
	uint64_t len;
	hf_err rc;
	HF_TRY(hf_reader_u8(&d->r, &t));
	if (is_str && (t & 0xe0) == 0xa0) {
		len = t & 0x1f;
		rc = HF_OK;
	} else if ((is_str && t == 0xd9) || (!is_str && t == 0xc4)) {
		rc = mp_len(&d->r, 1, is_str ? 32 : 0, &len);
	} else if ((is_str && t == 0xda) || (!is_str && t == 0xc5)) {
		rc = mp_len(&d->r, 2, 256, &len);
	} else if ((is_str && t == 0xdb) || (!is_str && t == 0xc6)) {
		rc = mp_len(&d->r, 4, 65536, &len);
	} else {
		rc = mp_wrong_type(t);
	}
	if (rc == HF_OK && len > max)
		rc = HF_ETOOLONG;
	if (rc == HF_OK)
		rc = hf_reader_bytes(&d->r, (size_t)len, p);
	if (rc != HF_OK) {
		d->r = save;
		return rc;
	}
	*n = (size_t)len;
	return HF_OK;
}

hf_err hfi_mp_get_bin(hfi_mp_dec *d, size_t max, const uint8_t **p, size_t *n)
{
	return mp_get_blob(d, false, max, p, n);
}

hf_err hfi_mp_get_bin_fixed(hfi_mp_dec *d, void *out, size_t n)
{
	hf_reader save = d->r;
	const uint8_t *p;
	size_t got;
	/* Any length is read (zero-copy, bounded by the input) so a wrong one reports HF_ELENGTH.
	 */
	HF_TRY(mp_get_blob(d, false, SIZE_MAX, &p, &got));
	if (got != n) {
		d->r = save;
		return HF_ELENGTH;
	}
	memcpy(out, p, n);
	return HF_OK;
}

hf_err hfi_mp_get_str(hfi_mp_dec *d, size_t max, const char **p, size_t *n)
{
	hf_reader save = d->r;
	const uint8_t *b;
	size_t len;
	HF_TRY(mp_get_blob(d, true, max, &b, &len));
	if (!hfi_utf8_valid(b, len)) {
		d->r = save;
		return HF_EUTF8;
	}
	*p = (const char *)b;
	*n = len;
	return HF_OK;
}

bool hfi_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (need > n - i - 1)
			return false;
		for (size_t k = 1; k <= need; k++) {
			uint8_t cc = p[i + k];
			if ((cc & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (cc & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}
