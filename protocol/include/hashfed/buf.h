#ifndef HASHFED_BUF_H
#define HASHFED_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"

/*
 * Bounded reader and growable writer: the only way protocol code touches
 * untrusted bytes (spec §2.4).
 *
 * Reader rules: every read checks availability as `need > len - off` (never
 * `off + need > len`, which can wrap), and a failed read leaves the cursor
 * where it was. The reader never owns its bytes.
 */
typedef struct hf_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
} hf_reader;

static inline hf_reader hf_reader_init(const uint8_t *p, size_t len)
{
	hf_reader r = {p, len, 0};
	return r;
}
static inline size_t hf_reader_left(const hf_reader *r)
{
	return r->len - r->off;
}

/* Each returns HF_ETRUNC (cursor unchanged) if fewer bytes remain than needed. */
HF_API hf_err hf_reader_u8(hf_reader *r, uint8_t *v) HF_MUST_CHECK HF_NONNULL(1, 2);
HF_API hf_err hf_reader_u16be(hf_reader *r, uint16_t *v) HF_MUST_CHECK HF_NONNULL(1, 2);
HF_API hf_err hf_reader_u32be(hf_reader *r, uint32_t *v) HF_MUST_CHECK HF_NONNULL(1, 2);
HF_API hf_err hf_reader_u64be(hf_reader *r, uint64_t *v) HF_MUST_CHECK HF_NONNULL(1, 2);
/* Zero-copy: *out points into the reader's buffer, valid as long as it is. */
HF_API hf_err hf_reader_bytes(hf_reader *r, size_t n, const uint8_t **out) HF_MUST_CHECK
    HF_NONNULL(1, 3);
HF_API hf_err hf_reader_copy(hf_reader *r, void *dst, size_t n) HF_MUST_CHECK HF_NONNULL(1);
/* Peek one byte without consuming it. */
HF_API hf_err hf_reader_peek(const hf_reader *r, uint8_t *v) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * Writer: a growable byte buffer with a hard cap. Allocation grows
 * geometrically; a write that would exceed `cap` fails with HF_ETOOBIG and
 * leaves the contents unchanged. `secret` writers wipe on every reallocation
 * and on free. A writer over a fixed external buffer (hf_writer_fixed) never
 * allocates and fails with HF_ENOSPC.
 */
typedef struct hf_writer {
	uint8_t *p;
	size_t len;
	size_t alloc;
	size_t cap;
	bool fixed;
	bool secret;
} hf_writer;

HF_API void hf_writer_init(hf_writer *w, size_t cap) HF_NONNULL(1);
HF_API void hf_writer_fixed(hf_writer *w, uint8_t *buf, size_t size) HF_NONNULL(1);
HF_API void hf_writer_free(hf_writer *w);
/* Make sure `n` more bytes fit; returns a pointer to the first of them. */
HF_API hf_err hf_writer_reserve(hf_writer *w, size_t n, uint8_t **at) HF_MUST_CHECK HF_NONNULL(1);
HF_API hf_err hf_writer_put(hf_writer *w, const void *src, size_t n) HF_MUST_CHECK HF_NONNULL(1);
HF_API hf_err hf_writer_u8(hf_writer *w, uint8_t v) HF_MUST_CHECK HF_NONNULL(1);
HF_API hf_err hf_writer_u16be(hf_writer *w, uint16_t v) HF_MUST_CHECK HF_NONNULL(1);
HF_API hf_err hf_writer_u32be(hf_writer *w, uint32_t v) HF_MUST_CHECK HF_NONNULL(1);
HF_API hf_err hf_writer_u64be(hf_writer *w, uint64_t v) HF_MUST_CHECK HF_NONNULL(1);
/* Hand the buffer to the caller (free with free()); the writer becomes empty. */
HF_API hf_err hf_writer_take(hf_writer *w, uint8_t **out, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);

#endif
