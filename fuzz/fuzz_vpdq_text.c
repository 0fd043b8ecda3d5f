/*
 * Fuzz target for Meta's vPDQ text format reader (hf_vpdq_from_text): every
 * accepted input re-encodes to lines that parse back to the same frames, and
 * dedupe keeps the first of each distinct hash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/vpdq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_vpdq v, back;
	uint64_t line = 0;
	hf_err rc = hf_vpdq_from_text(data, size, &v, &line);
	if (rc != HF_OK) {
		if (v.frames != NULL || (rc != HF_EMISSING) != (line != 0)) {
			abort();
		}
		return 0;
	}
	size_t n = hf_vpdq_text_len(&v);
	char *t = malloc(n + 1);
	size_t w;
	if (t == NULL || hf_vpdq_to_text(&v, t, n + 1, &w) != HF_OK || w != n) {
		abort();
	}
	if (hf_vpdq_from_text((const uint8_t *)t, n, &back, NULL) != HF_OK ||
	    back.count != v.count) {
		abort();
	}
	for (size_t i = 0; i < v.count; i++) {
		if (memcmp(&v.frames[i].hash, &back.frames[i].hash, sizeof(hf_pdq_hash)) != 0 ||
		    v.frames[i].frame != back.frames[i].frame ||
		    v.frames[i].quality != back.frames[i].quality) {
			abort();
		}
	}
	size_t before = v.count;
	hf_vpdq_dedupe(&v);
	if (v.count == 0 || v.count > before) {
		abort();
	}
	for (size_t i = 0; i < v.count; i++) {
		for (size_t j = i + 1; j < v.count; j++) {
			if (memcmp(&v.frames[i].hash, &v.frames[j].hash, sizeof(hf_pdq_hash)) ==
			    0) {
				abort();
			}
		}
	}
	hf_vpdq_clear(&v);
	hf_vpdq_clear(&back);
	free(t);
	return 0;
}
