/*
 * hf-vectors helpers: msgpack map surgery and the reject writer. The input is
 * always bytes the library's own encoder produced, so a parse failure here is
 * a generator bug and aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_vectors.h"
#include "mp.h"

static void die(const char *what)
{
	fprintf(stderr, "hf-vectors: %s\n", what);
	exit(1);
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Length of the msgpack value at b (every form the codec can emit). */
size_t mp_skip(const uint8_t *b, size_t n)
{
	if (n == 0)
		die("mp_skip: empty");
	uint8_t t = b[0];
	size_t items = 0, hdr = 1, body = 0;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return 1;
	if (t >= 0xa0 && t <= 0xbf)
		body = t & 0x1fu;
	else if (t >= 0x80 && t <= 0x8f)
		items = 2u * (t & 0x0fu);
	else if (t >= 0x90 && t <= 0x9f)
		items = t & 0x0fu;
	else if (t >= 0xcc && t <= 0xcf)
		body = (size_t)1 << (t - 0xcc);
	else if (t >= 0xd0 && t <= 0xd3)
		body = (size_t)1 << (t - 0xd0);
	else if (t == 0xc4 || t == 0xd9)
		hdr = 2, body = b[1];
	else if (t == 0xc5 || t == 0xda)
		hdr = 3, body = (size_t)be(b + 1, 2);
	else if (t == 0xc6 || t == 0xdb)
		hdr = 5, body = (size_t)be(b + 1, 4);
	else if (t == 0xdc)
		hdr = 3, items = (size_t)be(b + 1, 2);
	else if (t == 0xde)
		hdr = 3, items = 2 * (size_t)be(b + 1, 2);
	else
		die("mp_skip: unexpected type");
	size_t off = hdr + body;
	for (size_t i = 0; i < items; i++)
		off += mp_skip(b + off, n - off);
	if (off > n)
		die("mp_skip: value runs past the input");
	return off;
}

static void set_field(mm_field *f, unsigned k, const void *v, size_t n)
{
	f->key[0] = (uint8_t)k;
	f->key_len = 1;
	f->val = malloc(n ? n : 1);
	if (f->val == NULL)
		abort();
	if (n)
		memcpy(f->val, v, n);
	f->val_len = n;
}

void mm_split(mm_map *m, const uint8_t *b, size_t n)
{
	memset(m, 0, sizeof(*m));
	if (n == 0 || b[0] < 0x80 || b[0] > 0x8f)
		die("mm_split: not a fixmap");
	size_t off = 1, count = b[0] & 0x0fu;
	for (size_t i = 0; i < count; i++) {
		if (b[off] > 0x7f)
			die("mm_split: key is not a fixint");
		size_t vl = mp_skip(b + off + 1, n - off - 1);
		set_field(&m->f[i], b[off], b + off + 1, vl);
		off += 1 + vl;
	}
	if (off != n)
		die("mm_split: bytes after the map");
	m->n = count;
}

void mm_join(const mm_map *m, uint8_t **out, size_t *n)
{
	size_t len = 1;
	for (size_t i = 0; i < m->n; i++)
		len += m->f[i].key_len + m->f[i].val_len;
	uint8_t *p = malloc(len);
	if (p == NULL || m->n > 15)
		abort();
	p[0] = (uint8_t)(0x80 | m->n);
	size_t off = 1;
	for (size_t i = 0; i < m->n; i++) {
		memcpy(p + off, m->f[i].key, m->f[i].key_len);
		off += m->f[i].key_len;
		memcpy(p + off, m->f[i].val, m->f[i].val_len);
		off += m->f[i].val_len;
	}
	*out = p;
	*n = len;
}

void mm_free(mm_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->f[i].val);
	m->n = 0;
}

size_t mm_find(const mm_map *m, unsigned k)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->f[i].key_len == 1 && m->f[i].key[0] == k)
			return i;
	die("mm_find: no such key");
	return 0;
}

void mm_set_raw(mm_map *m, unsigned k, const void *v, size_t n)
{
	size_t i = mm_find(m, k);
	free(m->f[i].val);
	set_field(&m->f[i], k, v, n);
}

/* Encodes one value with the library's encoder (shortest form). */
#define MM_ENC(m, k, call)                                                                         \
	do {                                                                                       \
		hf_writer w;                                                                       \
		hfi_mp_enc e;                                                                      \
		hf_writer_init(&w, HF_MAX_MESSAGE_SIZE);                                           \
		hfi_mp_enc_init(&e, &w);                                                           \
		call;                                                                              \
		if (hfi_mp_enc_status(&e) != HF_OK)                                                \
			abort();                                                                   \
		mm_set_raw(m, k, w.p, w.len);                                                      \
		hf_writer_free(&w);                                                                \
	} while (0)

void mm_set_uint(mm_map *m, unsigned k, uint64_t v)
{
	MM_ENC(m, k, hfi_mp_put_uint(&e, v));
}

void mm_set_bin(mm_map *m, unsigned k, const void *v, size_t n)
{
	MM_ENC(m, k, hfi_mp_put_bin(&e, v, n));
}

void mm_set_str(mm_map *m, unsigned k, const void *v, size_t n)
{
	MM_ENC(m, k, hfi_mp_put_str(&e, v, n));
}

void mm_drop(mm_map *m, unsigned k)
{
	size_t i = mm_find(m, k);
	free(m->f[i].val);
	memmove(&m->f[i], &m->f[i + 1], (m->n - i - 1) * sizeof(m->f[0]));
	m->n--;
}

void mm_insert(mm_map *m, size_t at, unsigned k, const void *v, size_t n)
{
	if (m->n == MM_MAX)
		abort();
	if (at == MM_END || at > m->n)
		at = m->n;
	memmove(&m->f[at + 1], &m->f[at], (m->n - at) * sizeof(m->f[0]));
	set_field(&m->f[at], k, v, n);
	m->n++;
}

void mm_swap(mm_map *m, size_t i, size_t j)
{
	mm_field t = m->f[i];
	m->f[i] = m->f[j];
	m->f[j] = t;
}

void reject(sbuf *s, int *first, const char *name, unsigned type, hf_err want, decode_fn dec,
            const uint8_t *b, size_t n)
{
	hf_err rc = dec(b, n);
	if (rc != want) {
		fprintf(stderr, "hf-vectors: reject %s: decoder gives %s, the vector says %s\n",
		        name, hf_err_name(rc), hf_err_name(want));
		exit(1);
	}
	sb_put(s, "%s    {\"name\": \"%s\", \"type\": %u, \"error\": \"%s\", \"hex\": ",
	       *first ? "" : ",\n", name, type, hf_err_name(want));
	sb_hex(s, b, n);
	sb_put(s, "}");
	*first = 0;
}

/* Whole-input edits: these do not fit the field map. */
void raw_rejects(sbuf *s, int *first, const char *prefix, unsigned type, decode_fn dec,
                 const uint8_t *b, size_t n)
{
	char name[64];
	uint8_t *c = malloc(n + 3);
	memcpy(c, b, n);
	c[n] = 0xc0;
	snprintf(name, sizeof(name), "%s-trailing-byte", prefix);
	reject(s, first, name, type, HF_ETRAILING, dec, c, n + 1);
	snprintf(name, sizeof(name), "%s-truncated", prefix);
	reject(s, first, name, type, HF_ETRUNC, dec, b, n - 1);
	/* fixmap as map16: same entries, longer header */
	c[0] = 0xde;
	c[1] = 0;
	c[2] = (uint8_t)(b[0] & 0x0f);
	memcpy(c + 3, b + 1, n - 1);
	snprintf(name, sizeof(name), "%s-map16-header", prefix);
	reject(s, first, name, type, HF_ENONCANON, dec, c, n + 2);
	free(c);
}
