#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/buf.h"
#include "hf_check.h"

hf_err hf_reader_bytes(hf_reader *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)
		return HF_ETRUNC;
	*out = r->p + r->off;
	r->off += n;
	return HF_OK;
}

hf_err hf_reader_copy(hf_reader *r, void *dst, size_t n)
{
	const uint8_t *p;
	HF_TRY(hf_reader_bytes(r, n, &p));
	if (n)
		memcpy(dst, p, n);
	return HF_OK;
}

hf_err hf_reader_peek(const hf_reader *r, uint8_t *v)
{
	if (r->len == r->off)
		return HF_ETRUNC;
	*v = r->p[r->off];
	return HF_OK;
}

hf_err hf_reader_u8(hf_reader *r, uint8_t *v)
{
	const uint8_t *p;
	HF_TRY(hf_reader_bytes(r, 1, &p));
	*v = p[0];
	return HF_OK;
}

/* The next n bytes as a big-endian number. */
static hf_err read_be(hf_reader *r, size_t n, uint64_t *v)
{
	const uint8_t *p;
	HF_TRY(hf_reader_bytes(r, n, &p));
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | p[i];
	*v = x;
	return HF_OK;
}

/* hf_reader_u16be, _u32be, _u64be: read_be of their width. `type` is a type name, which
 * cannot be parenthesized (bugprone-macro-parentheses). */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define READER_BE(name, type)                                                                      \
	hf_err name(hf_reader *r, type *v)                                                         \
	{                                                                                          \
		uint64_t x;                                                                        \
		HF_TRY(read_be(r, sizeof(type), &x));                                              \
		*v = (type)x;                                                                      \
		return HF_OK;                                                                      \
	}
READER_BE(hf_reader_u16be, uint16_t)
READER_BE(hf_reader_u32be, uint32_t)
READER_BE(hf_reader_u64be, uint64_t)
// NOLINTEND(bugprone-macro-parentheses)

void hf_writer_init(hf_writer *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->cap = cap;
}

void hf_writer_fixed(hf_writer *w, uint8_t *buf, size_t size)
{
	memset(w, 0, sizeof(*w));
	w->p = buf;
	w->alloc = size;
	w->cap = size;
	w->fixed = true;
}

void hf_writer_free(hf_writer *w)
{
	if (w == NULL)
		return;
	if (!w->fixed && w->p != NULL) {
		if (w->secret)
			sodium_memzero(w->p, w->alloc);
		free(w->p);
	}
	w->p = NULL;
	w->len = w->alloc = 0;
}

hf_err hf_writer_reserve(hf_writer *w, size_t n, uint8_t **at)
{
	if (n > w->cap - w->len)
		return w->fixed ? HF_ENOSPC : HF_ETOOBIG;
	if (n > w->alloc - w->len) {
		size_t want = w->alloc ? w->alloc : 256;
		while (want - w->len < n)
			want = want > w->cap / 2 ? w->cap : want * 2;
		uint8_t *np = malloc(want);
		if (np == NULL)
			return HF_ENOMEM;
		if (w->len)
			memcpy(np, w->p, w->len);
		if (w->p != NULL && w->secret)
			sodium_memzero(w->p, w->alloc);
		free(w->p);
		w->p = np;
		w->alloc = want;
	}
	if (at != NULL)
		*at = w->p + w->len;
	return HF_OK;
}

hf_err hf_writer_put(hf_writer *w, const void *src, size_t n)
{
	uint8_t *at;
	HF_TRY(hf_writer_reserve(w, n, &at));
	if (n)
		memcpy(at, src, n);
	w->len += n;
	return HF_OK;
}

hf_err hf_writer_u8(hf_writer *w, uint8_t v)
{
	return hf_writer_put(w, &v, 1);
}

hf_err hf_writer_u16be(hf_writer *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return hf_writer_put(w, b, 2);
}

hf_err hf_writer_u32be(hf_writer *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return hf_writer_put(w, b, 4);
}

hf_err hf_writer_u64be(hf_writer *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	return hf_writer_put(w, b, 8);
}

hf_err hf_writer_take(hf_writer *w, uint8_t **out, size_t *out_len)
{
	if (w->fixed)
		return HF_EINVAL;
	*out = w->p;
	*out_len = w->len;
	w->p = NULL;
	w->len = w->alloc = 0;
	return HF_OK;
}
