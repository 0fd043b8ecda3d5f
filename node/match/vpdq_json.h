#ifndef HFN_VPDQ_JSON_H
#define HFN_VPDQ_JSON_H

/*
 * vPDQ hashes as JSON (docs/video.md, docs/api.md): the frame objects `hashfed hash --json`
 * prints ({"frame", "quality", "pdq", "seconds"}), the intake page's frames ({"ms", "pdq",
 * "quality"}), or Meta's text format in one string. A node file with no node dependency
 * beyond jansson (fuzz/fuzz_vpdq_json.c links it alone).
 */
#include <stddef.h>

#include <jansson.h>

#include "hashfed/err.h"
#include "hashfed/vpdq.h"

/* Largest JSON text hfn_vpdq_from_json_text reads (a full-length entry is ~1.2 MB). */
#define HFN_VPDQ_JSON_MAX_BYTES (8u * 1024u * 1024u)

/*
 * The vPDQ hash of v (untrusted), appended to *out (cleared on error):
 *  - a string: Meta's text format (hf_vpdq_from_text);
 *  - an array of 1..max_frames objects, each with "pdq" (64 hex digits), "quality"
 *    (0..100) and the time as "seconds" (0..1e9) or "ms" (integer 0..2^32-1); "frame"
 *    (0..2^31-1) is optional and then the frame's index; other members are ignored.
 * In both forms frame numbers ascend strictly.
 * Errors: HF_EINVAL (not a string or array, or a member of the wrong type), HF_EPARSE
 * (bad hex, bad text), HF_ERANGE (a value out of range), HF_ENONCANON (frame numbers not
 * ascending), HF_ETOOLONG (more than max_frames), HF_EMISSING (no frame), HF_ENOMEM.
 * *why gets a static message naming the problem.
 */
hf_err hfn_vpdq_from_json(const json_t *v, size_t max_frames, hf_vpdq *out,
                          const char **why) HF_MUST_CHECK;

/* The same from JSON text (at most HFN_VPDQ_JSON_MAX_BYTES, HF_ETOOBIG otherwise): the
 * text is a JSON array or string as above. */
hf_err hfn_vpdq_from_json_text(const char *p, size_t len, size_t max_frames, hf_vpdq *out,
                               const char **why) HF_MUST_CHECK;

/* v's frames as a JSON array of {"frame", "quality", "pdq", "seconds"}; NULL on ENOMEM. */
json_t *hfn_vpdq_to_json(const hf_vpdq *v);

#endif
