#ifndef HASHFED_MP_H
#define HASHFED_MP_H

/*
 * Canonical msgpack (spec §2). Internal to libhashfed: every wire message has
 * its encoder and decoder in protocol/, built on these two halves.
 *
 * Encoding goes through msgpack-c's packer, which always picks the shortest
 * form for integers, lengths and headers. Decoding does NOT use msgpack-c's
 * unpacker: its object tree forgets the wire form (a uint64 holding 5 and a
 * fixint 5 become the same object) so it cannot enforce canonical form, and
 * it allocates from declared lengths. hfi_mp_dec is a streaming reader on
 * hf_reader that checks each rule as it reads and never allocates.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "hashfed/buf.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"

/* ---- encoder ---------------------------------------------------------- */

typedef struct hfi_mp_enc {
	hf_writer *w;
	hf_err err; /* first error; later calls are no-ops */
	msgpack_packer pk;
} hfi_mp_enc;

void hfi_mp_enc_init(hfi_mp_enc *e, hf_writer *w);
/* The first error any call hit, or HF_OK. Check once at the end. */
hf_err hfi_mp_enc_status(const hfi_mp_enc *e) HF_MUST_CHECK;
void hfi_mp_put_map(hfi_mp_enc *e, uint32_t n);
void hfi_mp_put_array(hfi_mp_enc *e, uint32_t n);
void hfi_mp_put_key(hfi_mp_enc *e, uint8_t key);
void hfi_mp_put_uint(hfi_mp_enc *e, uint64_t v);
void hfi_mp_put_int(hfi_mp_enc *e, int64_t v);
void hfi_mp_put_bool(hfi_mp_enc *e, bool v);
void hfi_mp_put_bin(hfi_mp_enc *e, const void *p, size_t n);
/* Only the bin header; the caller appends n bytes itself (zero-copy bodies). */
void hfi_mp_put_bin_header(hfi_mp_enc *e, size_t n);
void hfi_mp_put_str(hfi_mp_enc *e, const char *s, size_t n);
/* Append already-canonical msgpack bytes verbatim (a nested message). */
void hfi_mp_put_raw(hfi_mp_enc *e, const void *p, size_t n);
/* Bytes a bin header for n bytes takes (1 + 1/2/4). */
size_t hfi_mp_bin_header_len(size_t n);

/* ---- decoder ---------------------------------------------------------- */

typedef struct hfi_mp_dec {
	hf_reader r;
	unsigned depth;
} hfi_mp_dec;

/* A map being read: keys must be positive fixints, strictly ascending. */
typedef struct hfi_mp_map {
	uint32_t n;
	uint32_t i;
	unsigned last_key;
} hfi_mp_map;

/* HF_ETOOBIG if len > max_size (checked before any byte is read). */
hf_err hfi_mp_dec_init(hfi_mp_dec *d, const uint8_t *p, size_t len, size_t max_size) HF_MUST_CHECK;
/* HF_ETRAILING unless every byte was consumed. */
hf_err hfi_mp_dec_finish(const hfi_mp_dec *d) HF_MUST_CHECK;

/* Opens a map of at most HF_MAX_MAP_KEYS entries; depth + 1. */
hf_err hfi_mp_map_open(hfi_mp_dec *d, hfi_mp_map *m) HF_MUST_CHECK;
/* Next key: *has = false when the map is done (depth - 1). Rejects keys
 * outside 1..HF_MAX_KEY_NUM (HF_ETYPE/HF_ERANGE), equal (HF_EDUPKEY) or
 * descending (HF_EKEYORDER). */
hf_err hfi_mp_map_next(hfi_mp_dec *d, hfi_mp_map *m, bool *has, unsigned *key) HF_MUST_CHECK;
/* Opens an array of at most max elements; depth + 1. Each element takes at
 * least one byte, so n is also bounded by the bytes left (HF_ETRUNC). Call
 * hfi_mp_array_close after the last element. */
hf_err hfi_mp_array_open(hfi_mp_dec *d, uint32_t max, uint32_t *n) HF_MUST_CHECK;
void hfi_mp_array_close(hfi_mp_dec *d);

hf_err hfi_mp_get_uint(hfi_mp_dec *d, uint64_t *v) HF_MUST_CHECK;
/* Unsigned with an inclusive range check (HF_ERANGE). */
hf_err hfi_mp_get_uint_max(hfi_mp_dec *d, uint64_t max, uint64_t *v) HF_MUST_CHECK;
/* Unsigned into a 32-bit field, max <= UINT32_MAX (HF_ERANGE above it). */
hf_err hfi_mp_get_u32(hfi_mp_dec *d, uint32_t max, uint32_t *v) HF_MUST_CHECK;
hf_err hfi_mp_get_int(hfi_mp_dec *d, int64_t *v) HF_MUST_CHECK;
hf_err hfi_mp_get_bool(hfi_mp_dec *d, bool *v) HF_MUST_CHECK;
/* Zero-copy bin of at most max bytes (HF_ETOOLONG). */
hf_err hfi_mp_get_bin(hfi_mp_dec *d, size_t max, const uint8_t **p, size_t *n) HF_MUST_CHECK;
/* Bin of exactly n bytes copied to out (HF_ELENGTH otherwise). */
hf_err hfi_mp_get_bin_fixed(hfi_mp_dec *d, void *out, size_t n) HF_MUST_CHECK;
/* Zero-copy UTF-8 string of at most max bytes: strict UTF-8 (no overlongs,
 * surrogates or code points above U+10FFFF) and no NUL bytes (HF_EUTF8). */
hf_err hfi_mp_get_str(hfi_mp_dec *d, size_t max, const char **p, size_t *n) HF_MUST_CHECK;

/* Strict UTF-8 check used by hfi_mp_get_str. */
bool hfi_utf8_valid(const uint8_t *p, size_t n);

/* Required-field tracking for schema decoders: bit k set once key k is read. */
static inline hf_err hfi_mp_require(uint64_t seen, uint64_t required)
{
	return (seen & required) == required ? HF_OK : HF_EMISSING;
}
#define HF_BIT(k) ((uint64_t)1 << (k))

#endif
