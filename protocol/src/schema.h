#ifndef HASHFED_SCHEMA_H
#define HASHFED_SCHEMA_H

/*
 * Table-driven schema codec (internal to libhashfed).
 *
 * Every protocol message is a canonical msgpack map with small positive
 * integer keys (spec §2.2). A message is described once, as a table with one
 * row per key: key number, wire type, bounds, required or optional, and where
 * the value lives in the C struct (offsetof). The same table drives
 *
 *   - decode: keys strictly ascending (hfi_mp_map_next), unknown keys
 *     HF_EUNKNOWNKEY, each value read and bounds-checked as it arrives, then
 *     HF_EMISSING if a required row was not seen (the required mask is the
 *     set of rows marked HFI_REQ: nobody counts bits by hand), then the
 *     schema's cross-field check;
 *   - encode: the map size is the number of rows present, each written in
 *     key order in its canonical form.
 *
 * Models: valkey's static_configs[] (one row per setting with type, bounds and
 * an optional apply hook) and nng's option tables (name, type, offset). Rules
 * that no row can express (cross-field checks, ascending member ids, the
 * records bins of lists) are hooks on the row or the schema, named in the
 * table next to the row they belong to.
 *
 * Ownership: at most one array per decoded object is heap-allocated
 * (HFI_ALLOC, e.g. an order's items); it is recorded in hfi_ctx.owned and the
 * message-level decoder frees it on every failure.
 */
#include <stddef.h>
#include <stdint.h>

#include "mp.h"

typedef enum hfi_kind {
	HFI_UINT,      /* unsigned int into a 4- or 8-byte field; lo..hi else `bad` */
	HFI_BIN_FIXED, /* bin of exactly `size` bytes copied into the field (HF_ELENGTH) */
	HFI_BIN,       /* zero-copy bin: const uint8_t * at off, size_t at len_off;
	                  longer than hi HF_ETOOLONG, shorter than lo `bad` */
	HFI_STR,       /* zero-copy UTF-8 str (const char *, size_t), bounds as HFI_BIN */
	HFI_STR_BUF,   /* str copied into char[size], NUL-terminated, <= size - 1 bytes */
	HFI_MAP,       /* nested map described by `sub`, struct at off */
	HFI_ARRAY,     /* array of `elem`; count at len_off, lo..hi elements */
	HFI_RECORDS,   /* bin of whole `size`-byte records (zero-copy): pointer at off,
	                  uint32 count at len_off, at most hi records, partial `bad` */
} hfi_kind;

/* Row flags. */
#define HFI_REQ   0x01u /* required key (HF_EMISSING when absent) */
#define HFI_CONST 0x02u /* UINT: checked against lo..hi, not stored; encodes lo */
#define HFI_MASK                                                                                   \
	0x04u           /* UINT: hi is a bit mask; a value with other bits, or below lo, is `bad`  \
	                 */
#define HFI_ALLOC 0x08u /* ARRAY: elements calloc'ed, pointer at off (hfi_ctx.owned) */
#define HFI_PTR   0x10u /* MAP: the field at off points to the sub-object */
#define HFI_NOLEN 0x20u /* BIN: length not stored (lo == hi) */
#define HFI_HAS   0x40u /* presence kept at has_off: a bool, or bit has_bit of a uint32 */
#define HFI_DFLT  0x80u /* UINT: absent means dflt (set before decoding, omitted on encode) */

/* Schema flags. */
#define HFI_FINISH_FIRST 0x01u /* top-level body: trailing bytes checked before required keys */
#define HFI_DEFAULTS     0x02u /* some row has HFI_DFLT (checked by hfi_schema_selfcheck) */

struct hfi_schema;
struct hfi_ctx;

typedef struct hfi_field {
	uint8_t key; /* 1..HF_MAX_KEY_NUM, ascending within a table; 0 for array elements */
	uint8_t kind;
	uint8_t flags;
	uint8_t span;     /* 1..HFI_MAX_SPANS: record the value's encoded bytes there */
	hf_err bad;       /* error for a value outside lo..hi (HFI_UINT) or shorter than lo */
	uint32_t size;    /* UINT 4/8, BIN_FIXED/STR_BUF bytes, element stride, record size */
	uint32_t off;     /* offset of the value in the struct */
	uint32_t len_off; /* BIN/STR length (size_t); ARRAY/RECORDS count */
	uint32_t len_size;
	uint32_t has_off;
	uint32_t has_bit;      /* HFI_HAS: 0 = bool at has_off, else this bit of a uint32 */
	size_t min_elem_bytes; /* ARRAY: declared count > bytes left / this is HF_ETRUNC */
	uint64_t lo, hi, dflt;
	const struct hfi_schema *sub; /* MAP */
	const struct hfi_field *elem; /* ARRAY */
	/* After a value is stored: scalars get (struct, 0), arrays each element (elements, i). */
	hf_err (*check)(const void *p, uint32_t i);
	/* ARRAY with a pointer at off: makes room for n elements (instead of HFI_ALLOC). */
	hf_err (*reserve)(void *obj, uint32_t n);
	/* Custom encoder of the value (records built from the caller's arrays). */
	void (*enc)(hfi_mp_enc *e, const void *obj);
} hfi_field;

typedef struct hfi_schema {
	const char *name;
	const hfi_field *rows;
	uint32_t n_rows;
	uint32_t size; /* sizeof the struct (array element stride) */
	unsigned flags;
	/* After all keys (and the required check): cross-field rules. `seen` has
	 * bit k set for every key k present (all bits when called by an encoder). */
	hf_err (*check)(void *obj, uint64_t seen);
} hfi_schema;

#define HFI_MAX_SPANS 2

typedef struct hfi_span {
	const uint8_t *p;
	size_t n;
} hfi_span;

typedef struct hfi_ctx {
	hfi_mp_dec d;
	void *owned; /* the HFI_ALLOC array, if any; freed by the caller on failure */
	hfi_span span[HFI_MAX_SPANS];
} hfi_ctx;

/* ---- building tables ------------------------------------------------ */
/*
 * Each macro expands to the designators of one row; a table entry is
 * `{MACRO(...)}`, optionally followed by more designators of its own
 * (`.check = ...`, `.enc = ...`, HFI_HAS_BOOL(...), `.span = 1`).
 */

#define HFI_FSIZE(T, f) ((uint32_t)sizeof(((T *)0)->f))
#define HFI_OFF(T, f)   ((uint32_t)offsetof(T, f))

/* Unsigned value into field f (4 or 8 bytes), lo..hi else `bad`. */
#define HFI_U(k, fl, T, f, lo_, hi_, bad_)                                                         \
	.key = (k), .kind = HFI_UINT, .flags = (fl), .off = HFI_OFF(T, f),                         \
	.size = HFI_FSIZE(T, f), .lo = (lo_), .hi = (hi_), .bad = (bad_)
/* Unsigned with no bounds beyond the field's width. */
#define HFI_U64(k, fl, T, f) HFI_U(k, fl, T, f, 0, UINT64_MAX, HF_ERANGE)
#define HFI_U32(k, fl, T, f) HFI_U(k, fl, T, f, 0, UINT32_MAX, HF_ERANGE)
/* A constant (a version): checked, not stored, encoded as v. */
#define HFI_CONSTANT(k, v, bad_)                                                                   \
	.key = (k), .kind = HFI_UINT, .flags = HFI_REQ | HFI_CONST, .lo = (v), .hi = (v),          \
	.bad = (bad_)
/* Fixed-length bin into a uint8_t array field. */
#define HFI_FIXED(k, fl, T, f)                                                                     \
	.key = (k), .kind = HFI_BIN_FIXED, .flags = (fl), .off = HFI_OFF(T, f),                    \
	.size = HFI_FSIZE(T, f)
/* Zero-copy bin (HFI_BIN) or str (HFI_STR): pointer field f, size_t length field n. */
#define HFI_BLOB(k, kind_, fl, T, f, n, lo_, hi_, bad_)                                            \
	.key = (k), .kind = (kind_), .flags = (fl), .off = HFI_OFF(T, f),                          \
	.len_off = HFI_OFF(T, n), .len_size = HFI_FSIZE(T, n), .lo = (lo_), .hi = (hi_),           \
	.bad = (bad_)
/* Optional text: present-but-empty is HF_ENONCANON (optional fields are omitted, spec §2.2). */
#define HFI_OPT_TEXT(k, T, f, n, max) HFI_BLOB(k, HFI_STR, 0, T, f, n, 1, max, HF_ENONCANON)
#define HFI_STRBUF(k, fl, T, f)                                                                    \
	.key = (k), .kind = HFI_STR_BUF, .flags = (fl), .off = HFI_OFF(T, f),                      \
	.size = HFI_FSIZE(T, f)
#define HFI_SUB(k, fl, T, f, schema)                                                               \
	.key = (k), .kind = HFI_MAP, .flags = (fl), .off = HFI_OFF(T, f), .sub = &(schema)
/* Array field f (inline elements, or a pointer with HFI_ALLOC / .reserve) with count n. */
#define HFI_ARR(k, fl, T, f, n, lo_, hi_, bad_, elem_)                                             \
	.key = (k), .kind = HFI_ARRAY, .flags = (fl), .off = HFI_OFF(T, f),                        \
	.len_off = HFI_OFF(T, n), .len_size = HFI_FSIZE(T, n), .lo = (lo_), .hi = (hi_),           \
	.bad = (bad_), .elem = &(elem_)
/* Bin of whole rec-byte records: pointer field f, uint32 count n, at most max records. */
#define HFI_RECS(k, fl, T, f, n, rec, max)                                                         \
	.key = (k), .kind = HFI_RECORDS, .flags = (fl), .off = HFI_OFF(T, f),                      \
	.len_off = HFI_OFF(T, n), .len_size = HFI_FSIZE(T, n), .size = (rec), .hi = (max),         \
	.bad = HF_ELENGTH
/* Presence of an optional row kept in a bool field, or in bit b of a uint32 field. */
#define HFI_HAS_BOOL(T, f)   .has_off = HFI_OFF(T, f)
#define HFI_HAS_BIT(T, f, b) .has_off = HFI_OFF(T, f), .has_bit = (b)

/* Array element descriptions (key 0, offset 0, stride = size). */
#define HFI_ELEM_U32(hi_)       .kind = HFI_UINT, .size = 4, .hi = (hi_), .bad = HF_ERANGE
#define HFI_ELEM_FIXED(len)     .kind = HFI_BIN_FIXED, .size = (len)
#define HFI_ELEM_STRBUF(len)    .kind = HFI_STR_BUF, .size = (len)
#define HFI_ELEM_MAP(T, schema) .kind = HFI_MAP, .size = (uint32_t)sizeof(T), .sub = &(schema)

/* A schema check that is a message's typed rule function (seen unused). */
#define HFI_CHECK_FN(name, T, fn)                                                                  \
	static hf_err name(void *obj, uint64_t seen)                                               \
	{                                                                                          \
		(void)seen;                                                                        \
		return fn((const T *)obj);                                                         \
	}

#define HFI_SCHEMA(nm, rows_, T, fl, chk)                                                          \
	{                                                                                          \
		.name = (nm), .rows = (rows_),                                                     \
		.n_rows = (uint32_t)(sizeof(rows_) / sizeof((rows_)[0])),                          \
		.size = (uint32_t)sizeof(T), .flags = (fl), .check = (chk)                         \
	}

/* ---- running them --------------------------------------------------- */

/* Starts a decode of p..len; HF_ETOOBIG if len > max_size. */
hf_err hfi_ctx_init(hfi_ctx *c, const uint8_t *p, size_t len, size_t max_size) HF_MUST_CHECK;
/* Decodes one map described by s into obj (which the caller zeroed). Nested
 * maps and arrays recurse. On failure obj may be partly filled and
 * c->owned may hold an allocation the caller must free. */
hf_err hfi_decode(hfi_ctx *c, const hfi_schema *s, void *obj) HF_MUST_CHECK;
/* A whole top-level body: init, decode, then (unless HFI_FINISH_FIRST did it)
 * no trailing bytes. */
hf_err hfi_decode_body(hfi_ctx *c, const hfi_schema *s, const uint8_t *p, size_t len,
                       size_t max_size, void *obj) HF_MUST_CHECK;
/* A public decoder's body: hfi_decode_body into wire (an s->size-byte struct, zeroed here)
 * whose first member is the public struct, copied to out (out_size bytes) whether or not
 * the decode succeeded, as the public decoders document. */
hf_err hfi_decode_view(const hfi_schema *s, const uint8_t *p, size_t len, size_t max_size,
                       void *wire, void *out, size_t out_size) HF_MUST_CHECK;
/* Encodes obj as the map s (no checks: callers run s->check or their own
 * rules first). Errors are latched in e. */
void hfi_encode(hfi_mp_enc *e, const hfi_schema *s, const void *obj);
/* A whole body of at most cap bytes: *out is malloc'ed (NULL on error). */
hf_err hfi_encode_body(const hfi_schema *s, const void *obj, size_t cap, uint8_t **out,
                       size_t *out_len) HF_MUST_CHECK;
/* Self-test of a table (keys ascending, widths, bounds that fit the field):
 * HF_OK or HF_EINTERNAL; the unit tests run it on every schema. */
hf_err hfi_schema_selfcheck(const hfi_schema *s) HF_MUST_CHECK;

/* The top-level schema of every message (nested ones are reached through
 * them); the unit tests run hfi_schema_selfcheck on each. */
extern const hfi_schema hfi_order_schema, hfi_receipt_schema, hfi_outcome_schema, hfi_event_schema,
    hfi_escalation_schema, hfi_referral_schema;
extern const hfi_schema hfi_list_batch_schema, hfi_list_snapshot_schema, hfi_list_pull_schema,
    hfi_list_ack_schema;
extern const hfi_schema hfi_match_report_schema;
extern const hfi_schema hfi_manifest_schema;
extern const hfi_schema hfi_env_header_schema, hfi_envelope_schema, hfi_env_inner_schema;

#endif
