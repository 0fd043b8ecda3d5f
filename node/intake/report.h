#ifndef HFN_INTAKE_REPORT_H
#define HFN_INTAKE_REPORT_H

/*
 * The public intake report (POST /intake/v1/reports, docs/intake.md): the one
 * body an unauthenticated client sends. Parsed strictly: every object has a
 * closed set of fields (an unknown field is refused), every string and array
 * has a maximum, hashes are exact-length hex, consent must be true.
 * Fuzzed by fuzz/fuzz_intake.c.
 */
#include <stddef.h>

#include <jansson.h>

#include "hashfed/err.h"

#define HFN_INTAKE_MAX_BODY         (1024u * 1024u) /* bytes of one report */
#define HFN_INTAKE_MAX_ITEMS        20u             /* files of one report */
#define HFN_INTAKE_MAX_FRAMES       1200u           /* frames of one video (20 min at 1/s) */
#define HFN_INTAKE_MAX_TOTAL_FRAMES 2400u           /* frames of all videos of one report */
#define HFN_INTAKE_MAX_URLS         20u
#define HFN_INTAKE_MAX_URL_LEN      2048u /* = HF_ORDER_MAX_LOCATOR_LEN */
#define HFN_INTAKE_MAX_CONTACT_LEN  256u
#define HFN_INTAKE_MAX_DURATION_MS  (24ull * 3600 * 1000)

/*
 * Parses len bytes of JSON into a normalized report object (*out, owned by the
 * caller: lowercase hex, only the schema's fields). On error *out is NULL and
 * *why names the offending field (a static string).
 * Errors: HF_ETOOBIG (len > HFN_INTAKE_MAX_BODY), HF_EPARSE (not JSON, or a
 * duplicate key), HF_EUNKNOWNKEY, HF_EMISSING, HF_ETYPE, HF_ETOOLONG, HF_ERANGE,
 * HF_ELENGTH, HF_EINVAL (consent not given), HF_ENOMEM.
 */
hf_err hfn_intake_parse(const char *body, size_t len, json_t **out, const char **why) HF_MUST_CHECK;

#endif
