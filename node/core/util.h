/* Small helpers shared by the node's modules. */
#ifndef HFN_UTIL_H
#define HFN_UTIL_H

#include <stddef.h>

#include "hashfed/err.h"

/* Grows the array *p of elem-byte items (capacity *cap) until n items fit, doubling from
 * 16: HF_OK, or HF_ENOMEM with *p and *cap untouched. */
hf_err hfn_grow(void **p, size_t *cap, size_t n, size_t elem) HF_MUST_CHECK;

#endif
