/*
 * Shared helpers of hf-vectors (spec/gen_vectors*.c): a growing text buffer
 * for the JSON, seed files, and a splitter that turns a canonical msgpack map
 * into (key, value bytes) pairs so that the reject vectors can break exactly
 * one rule each.
 */
#ifndef HF_GEN_VECTORS_H
#define HF_GEN_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"

#define NOW 1790000000000ULL

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

void sb_put(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "lower-case hex" with the quotes. */
void sb_hex(sbuf *s, const uint8_t *b, size_t n);
/* A JSON string: printable ASCII and UTF-8 as is, ", \ and controls escaped. */
void sb_str(sbuf *s, const char *p, size_t n);
/* Writes DIR/sub/name when hf-vectors runs with --seeds DIR; no-op otherwise. */
void seed(const char *sub, const char *name, const uint8_t *b, size_t n);

/* ---- msgpack map surgery (input must be a canonical fixmap) ------------ */

#define MM_MAX 16
typedef struct mm_field {
	uint8_t key[4]; /* the key's bytes as encoded (normally one fixint) */
	size_t key_len;
	uint8_t *val; /* the value's bytes (malloc'ed) */
	size_t val_len;
} mm_field;

typedef struct mm_map {
	mm_field f[MM_MAX];
	size_t n;
} mm_map;

void mm_split(mm_map *m, const uint8_t *b, size_t n);
/* Re-joins with a fixmap header counting the fields; *out malloc'ed. */
void mm_join(const mm_map *m, uint8_t **out, size_t *n);
void mm_free(mm_map *m);
/* Index of key k (abort if absent). */
size_t mm_find(const mm_map *m, unsigned k);
void mm_set_raw(mm_map *m, unsigned k, const void *v, size_t n);
void mm_set_uint(mm_map *m, unsigned k, uint64_t v);
void mm_set_bin(mm_map *m, unsigned k, const void *v, size_t n);
void mm_set_str(mm_map *m, unsigned k, const void *v, size_t n);
void mm_drop(mm_map *m, unsigned k);
/* Inserts field k (raw value bytes) at position `at` (MM_END: at the end). */
#define MM_END ((size_t)-1)
void mm_insert(mm_map *m, size_t at, unsigned k, const void *v, size_t n);
void mm_swap(mm_map *m, size_t i, size_t j);

/* ---- vector files ------------------------------------------------------ */

typedef hf_err (*decode_fn)(const uint8_t *b, size_t n);

/* Appends one reject {name, type, error, hex} after running `dec` on the
 * bytes: aborts the generator unless the decoder gives exactly `want`, so a
 * vector can never silently test something else than its name says. */
void reject(sbuf *s, int *first, const char *name, unsigned type, hf_err want, decode_fn dec,
            const uint8_t *b, size_t n);

/* Rejects of a whole body: trailing byte, truncated, fixmap header as map16. */
void raw_rejects(sbuf *s, int *first, const char *prefix, unsigned type, decode_fn dec,
                 const uint8_t *b, size_t n);
/* Length of the msgpack value at b. */
size_t mp_skip(const uint8_t *b, size_t n);

/* One reject derived from `base` by `edit` on its field map `m`; expects
 * `s` and `first` in scope. */
#define REJ(name, type, want, dec, base, base_len, ...)                                            \
	do {                                                                                       \
		mm_map m;                                                                          \
		uint8_t *rb;                                                                       \
		size_t rn;                                                                         \
		mm_split(&m, base, base_len);                                                      \
		__VA_ARGS__;                                                                       \
		mm_join(&m, &rb, &rn);                                                             \
		reject(s, &first, name, type, want, dec, rb, rn);                                  \
		mm_free(&m);                                                                       \
		free(rb);                                                                          \
	} while (0)

void gen_lists(sbuf *s);
void gen_match_report(sbuf *s);
void gen_manifest(sbuf *s);
/* spec/vectors/merkle.json (gen_vectors_merkle.c). */
void gen_merkle(sbuf *s);
/* spec/vectors/rules.json (gen_vectors_rules.c): spec 2.5, 8a, 11.2a, 13 rejects. */
void gen_rules(sbuf *s);

#endif
