#ifndef HASHFED_NOTE_INTERNAL_H
#define HASHFED_NOTE_INTERNAL_H

#include "hashfed/note.h"

/* Text helpers of the audit log modules (note, checkpoint, tlog_tiles). */

/* Strict decimal: "0" or [1-9][0-9]*, at most maxv. */
bool hfi_parse_dec(const char *p, size_t len, uint64_t maxv, uint64_t *out);

/* Strict UTF-8 with no control character but, if allow_nl, "\n" (Go's rule for
 * note text). */
bool hfi_note_chars_ok(const uint8_t *p, size_t n, bool allow_nl);

/* Longest base64 text decoded here (a signature line's payload, a root, a key). */
#define HFI_B64_MAX 512

/* Standard padded base64, canonical (re-encodes to the same text). Returns
 * false on any error or if the result exceeds cap. */
bool hfi_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/* NUL-terminated; returns the length, or 0 if cap is too small. */
size_t hfi_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
