#ifndef HASHFED_HASHCSV_H
#define HASHFED_HASHCSV_H

/*
 * Hash list files (untrusted input; docs/match.md): a streaming, bounded
 * reader over a whole file in memory, one hash row at a time. Formats:
 *
 *  HF_HASHCSV_PLAIN  one hex hash per line; blank lines and '#' comments are
 *                    skipped; the algorithm is the caller's.
 *  HF_HASHCSV_TE     ThreatExchange CSV as HMA 1.x stored fetched signals:
 *                    hash,indicator_id[,timestamp[,tags]]; the algorithm
 *                    (pdq or md5) is the caller's; an optional header line
 *                    starting with "hash" or "indicator" is skipped.
 *  HF_HASHCSV_HMA    HMA 2.x bank content: signal_type,signal[,...] with
 *                    signal_type pdq | md5 | video_md5 | sha256; an optional
 *                    "signal_type,..." header line is skipped.
 *
 * Lines end with LF or CRLF. Fields may be double-quoted ("" is a quote).
 * Every line is at most HF_HASHCSV_MAX_LINE bytes and a file holds at most
 * HF_HASHCSV_MAX_ROWS rows. Nothing is allocated; rows point into the input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"

typedef enum hf_hashcsv_format {
	HF_HASHCSV_PLAIN = 1,
	HF_HASHCSV_TE = 2,
	HF_HASHCSV_HMA = 3,
} hf_hashcsv_format;

typedef struct hf_hashcsv {
	const uint8_t *p;
	size_t len, off;
	uint64_t line; /* number of the line last read (1-based); the error's line */
	uint64_t rows;
	hf_hashcsv_format format;
	unsigned alg; /* for PLAIN and TE */
} hf_hashcsv;

typedef struct hf_hashcsv_row {
	unsigned alg;      /* hf_hash_alg */
	uint8_t value[32]; /* hf_hash_alg_len(alg) bytes used */
	const char *id;    /* TE indicator id (digits), else NULL; not NUL-terminated */
	size_t id_len;
} hf_hashcsv_row;

/* "plain" | "te" | "hma"; HF_EINVAL otherwise. */
HF_API hf_err hf_hashcsv_format_parse(const char *name, hf_hashcsv_format *out) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/* Starts reading p[0..len). alg: the algorithm of PLAIN and TE rows (TE: pdq or md5).
 * Errors: HF_EINVAL (unknown format, or an algorithm the format cannot carry). */
HF_API hf_err hf_hashcsv_init(hf_hashcsv *r, const uint8_t *p, size_t len, hf_hashcsv_format format,
                              unsigned alg) HF_MUST_CHECK HF_NONNULL(1);

/*
 * Next row: *done = true at the end. On error r->line is the offending line.
 * Errors: HF_ETOOLONG (line longer than HF_HASHCSV_MAX_LINE), HF_ETOOBIG (more
 * than HF_HASHCSV_MAX_ROWS rows), HF_EPARSE (missing field, unterminated
 * quote, NUL byte, hash not hex, id not digits), HF_ELENGTH (hash of the wrong
 * length for its algorithm), HF_EINVAL (unknown HMA signal type).
 */
HF_API hf_err hf_hashcsv_next(hf_hashcsv *r, hf_hashcsv_row *row, bool *done) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);

#endif
