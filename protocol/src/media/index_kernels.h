#ifndef HASHFED_INDEX_KERNELS_H
#define HASHFED_INDEX_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index_internal.h"

typedef struct hfi_kernels {
	/* Hamming distance of two 256-bit values held as 4 words. */
	unsigned (*dist256)(const uint64_t *a, const uint64_t *b);
	/* Bucket scan: append to out the ids of entries e[0..n) whose 5 low key
	 * bits differ from qlow in at most budget bits; returns how many. out
	 * must have room for n + 16 ids (the AVX-512 path stores whole vectors). */
	size_t (*scan)(const uint32_t *e, size_t n, uint32_t qlow, unsigned budget, uint32_t *out);
	const char *name;
} hfi_kernels;

void hfi_kernels_select(hfi_kernels *k, bool portable_only);

#endif
