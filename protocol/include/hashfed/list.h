#ifndef HASHFED_LIST_H
#define HASHFED_LIST_H

/*
 * Hash list messages (spec §12): the bodies of HF_MSG_LIST_BATCH,
 * HF_MSG_LIST_SNAPSHOT and HF_MSG_LIST_PULL envelopes.
 *
 * Entries travel as packed fixed-layout records inside one bin, not as one
 * msgpack map each, so a batch costs a few bytes per entry beyond the entry's
 * own fields (spec §12.2). Decoders are zero-copy and never allocate: they
 * validate every record once, keep a view of the record bytes, and the
 * iterators below walk that view again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/ids.h"
#include "hashfed/limits.h"

/* Hash algorithms (spec §12.2); the value of an entry has a fixed length per algorithm. */
typedef enum hf_hash_alg {
	HF_ALG_PDQ = 1,    /* 256-bit PDQ hash, 32 bytes */
	HF_ALG_MD5 = 2,    /* 16 bytes */
	HF_ALG_SHA256 = 3, /* 32 bytes */
	/* 4 is not assigned (spec vectors use it as the unknown algorithm). */
	HF_ALG_VPDQ = 5, /* vPDQ video hash: variable length, frames (spec §12.2) */
} hf_hash_alg;

#define HF_ALG_MASK_ALL                                                                            \
	((1u << HF_ALG_PDQ) | (1u << HF_ALG_MD5) | (1u << HF_ALG_SHA256) | (1u << HF_ALG_VPDQ))

/* Value length of a fixed-length algorithm; 0 if unknown, and for HF_ALG_VPDQ
 * (whose value is its frame records: hf_list_entry.frames). */
HF_API size_t hf_hash_alg_len(unsigned alg);
/* "pdq" / "md5" / "sha256" / "vpdq", or NULL. */
HF_API const char *hf_hash_alg_name(unsigned alg);
/* Parses a name back; HF_EINVAL if unknown. */
HF_API hf_err hf_hash_alg_parse(const char *name, unsigned *alg) HF_MUST_CHECK HF_NONNULL(1, 2);

typedef struct hf_list_entry {
	uint64_t id;         /* per-list entry id, assigned by the issuer, >= 1 */
	uint8_t alg;         /* hf_hash_alg */
	uint8_t quality;     /* 0..100 (PDQ quality; 100 for exact digests) */
	uint16_t category;   /* issuer's category code for this entry */
	uint64_t expires_ms; /* unix ms after which the entry leaves the active set; 0 = never */
	uint8_t pseudonym[HF_PSEUDONYM_LEN];  /* keyed BLAKE2b of the case; never an identity */
	uint8_t value[HF_LIST_MAX_VALUE_LEN]; /* hf_hash_alg_len(alg) bytes used */
	/* HF_ALG_VPDQ only: n_frames packed frame records of HF_LIST_VIDEO_FRAME_LEN bytes
	 * (frame u32 | quality u8 | milliseconds u32 | PDQ 32, big-endian), frame numbers
	 * strictly ascending. Decoders point into the input; encoders read the caller's. */
	const uint8_t *frames;
	uint32_t n_frames;
} hf_list_entry;

/* The frame records of a video entry from a vPDQ hash: quality-filtered at
 * min_quality (0 keeps all), first of each distinct hash, in frame order, at
 * most HF_LIST_MAX_VIDEO_FRAMES. *out is malloc'd (n * HF_LIST_VIDEO_FRAME_LEN
 * bytes); *quality gets the lowest frame quality kept.
 * Errors: HF_EMISSING (no frame left), HF_ETOOLONG, HF_ENONCANON (frame
 * numbers not ascending), HF_ERANGE (a quality above 100), HF_ENOMEM. */
struct hf_vpdq;
HF_API hf_err hf_list_video_pack(const struct hf_vpdq *v, int min_quality, uint8_t **out,
                                 uint32_t *n, uint8_t *quality) HF_MUST_CHECK
    HF_NONNULL(1, 3, 4, 5);
/* A video entry's frames as a vPDQ hash (appended to *v; fps etc. stay 0).
 * Errors: HF_EINVAL (not a video entry), HF_ENOMEM. */
HF_API hf_err hf_list_video_unpack(const hf_list_entry *e, struct hf_vpdq *v) HF_MUST_CHECK
    HF_NONNULL(1, 2);
/* Bytes of an entry's value on the wire: hf_hash_alg_len, or 2 + frames for HF_ALG_VPDQ. */
HF_API size_t hf_list_entry_value_len(const hf_list_entry *e) HF_NONNULL(1);

/* List metadata, carried by batch 1 and by every snapshot part. */
typedef struct hf_list_meta {
	const char *name; /* UTF-8, 1..HF_LIST_MAX_NAME_LEN bytes, not NUL-terminated on decode */
	size_t name_len;
	uint32_t category;
	uint32_t algs; /* bit (1 << alg) for each algorithm the list may hold */
} hf_list_meta;

/*
 * A batch: entries added (ids first_id, first_id + 1, ...) and ids removed.
 * On decode, added_raw/removed_raw point into the input buffer.
 */
typedef struct hf_list_batch {
	hf_list_id list_id;
	uint64_t number;                     /* 1, 2, 3, ... per list */
	uint8_t prev_hash[HF_LIST_HASH_LEN]; /* hf_list_batch_hash of batch number-1; zeros for 1 */
	bool has_meta;                       /* true iff number == 1 */
	hf_list_meta meta;
	uint64_t first_id;
	uint32_t n_added;
	uint32_t n_removed;
	const uint8_t *added_raw; /* decode only */
	size_t added_raw_len;
	const uint8_t *removed_raw; /* decode only; n_removed * 8 bytes */
} hf_list_batch;

/*
 * Encodes a batch body. `b` supplies list id, number, prev hash, meta (used
 * iff number == 1) and first_id; `added` (n_added) and `removed` (n_removed,
 * strictly ascending, each < first_id) supply the content; the id fields of
 * `added` are ignored (they are first_id + i). *out is malloc'ed.
 * Errors: HF_EINVAL / HF_ERANGE / HF_ETOOLONG / HF_EDUPLICATE / HF_ENONCANON
 * for anything the decoder would reject (same rules), HF_ENOMEM.
 */
HF_API hf_err hf_list_batch_encode(const hf_list_batch *b, const hf_list_entry *added,
                                   size_t n_added, const uint64_t *removed, size_t n_removed,
                                   uint8_t **out, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 6, 7);

/*
 * Decodes and fully validates a batch body (untrusted input). Views in *b
 * point into `p`. Errors: every malformed-class code of spec §2, plus
 * HF_ERANGE (number 0, prev hash not zero for batch 1, meta present/absent
 * against the rule, unknown algorithm, quality > 100, id overflow, removed id
 * >= first_id or 0), HF_ETOOLONG (too many entries), HF_ETRUNC (partial
 * record), HF_ELENGTH (removed bin not a multiple of 8), HF_EDUPLICATE /
 * HF_ENONCANON (removed ids equal / not ascending).
 */
HF_API hf_err hf_list_batch_decode(const uint8_t *p, size_t len, hf_list_batch *b) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* Chain hash: BLAKE2b-256 over "hashfed/v1/list-batch" || body (spec §12.3). */
HF_API void hf_list_batch_hash(const uint8_t *body, size_t len, uint8_t out[HF_LIST_HASH_LEN]);

/* Iterates the added entries of a decoded batch; false when done. */
typedef struct hf_list_iter {
	const uint8_t *p;
	size_t len;
	size_t off;
	uint64_t next_id;
	bool explicit_ids; /* snapshot records carry their id */
} hf_list_iter;

HF_API void hf_list_batch_iter(const hf_list_batch *b, hf_list_iter *it) HF_NONNULL(1, 2);
HF_API bool hf_list_iter_next(hf_list_iter *it, hf_list_entry *e) HF_NONNULL(1, 2);
/* i-th removed id of a decoded batch (i < n_removed). */
HF_API uint64_t hf_list_batch_removed(const hf_list_batch *b, uint32_t i) HF_NONNULL(1);

/*
 * Snapshot part: the active entries of a list after batch `at_batch`, split
 * into `parts` parts (0-based `part`), each with explicit ids strictly
 * ascending. A platform applies the snapshot when it holds all parts.
 */
typedef struct hf_list_snapshot {
	hf_list_id list_id;
	uint64_t at_batch;                   /* 0 = the list has no batch yet */
	uint8_t head_hash[HF_LIST_HASH_LEN]; /* hash of batch at_batch; zeros if 0 */
	uint64_t next_id;                    /* every entry id is < next_id */
	hf_list_meta meta;
	uint32_t part;
	uint32_t parts;
	uint32_t n_entries;
	const uint8_t *entries_raw; /* decode only */
	size_t entries_raw_len;
} hf_list_snapshot;

/* Encodes a snapshot part; entries' ids must be ascending and < next_id.
 * Errors as hf_list_batch_encode. */
HF_API hf_err hf_list_snapshot_encode(const hf_list_snapshot *s, const hf_list_entry *entries,
                                      size_t n, uint8_t **out, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 4, 5);
/* Decodes and validates a snapshot part (untrusted input); errors as the batch decoder,
 * plus HF_ERANGE for part >= parts, parts 0 or > HF_LIST_MAX_SNAPSHOT_PARTS. */
HF_API hf_err hf_list_snapshot_decode(const uint8_t *p, size_t len,
                                      hf_list_snapshot *s) HF_MUST_CHECK HF_NONNULL(1, 3);
HF_API void hf_list_snapshot_iter(const hf_list_snapshot *s, hf_list_iter *it) HF_NONNULL(1, 2);

/* Pull request: "batches of list L after n". */
typedef struct hf_list_pull {
	hf_list_id list_id;
	uint64_t after;
} hf_list_pull;

HF_API hf_err hf_list_pull_encode(const hf_list_pull *q, uint8_t **out,
                                  size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 3);
HF_API hf_err hf_list_pull_decode(const uint8_t *p, size_t len, hf_list_pull *q) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* Acknowledgement (spec §12.7): "I applied list L up to batch n", logged so the audit log
 * shows how far behind each platform is. */
typedef struct hf_list_ack {
	hf_list_id list_id;
	uint64_t number; /* >= 1: the head the sender applied */
} hf_list_ack;

HF_API hf_err hf_list_ack_encode(const hf_list_ack *a, uint8_t **out, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);
/* HF_ERANGE for number 0, HF_ETOOBIG past HF_LIST_MAX_ACK_SIZE, the msgpack codes. */
HF_API hf_err hf_list_ack_decode(const uint8_t *p, size_t len, hf_list_ack *a) HF_MUST_CHECK
    HF_NONNULL(1, 3);

#endif
