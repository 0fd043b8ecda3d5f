/*
 * Fuzz target for the match report body decoder (spec §14):
 * hf_match_report_decode and its record accessors. Oracle: a body that
 * decodes re-encodes to the identical bytes (one canonical form).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/match_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_match_report r;
	if (hf_match_report_decode(data, size, &r) != HF_OK)
		return 0;
	hf_match_count *c = calloc(r.n_counts + 1u, sizeof(*c));
	uint64_t *d = calloc(r.n_disabled + 1u, sizeof(*d));
	uint64_t *q = calloc(r.n_quarantined + 1u, sizeof(*q));
	uint8_t *out = NULL;
	size_t len = 0;
	if (!c || !d || !q)
		abort();
	for (uint32_t i = 0; i < r.n_counts; i++)
		c[i] = hf_match_report_count(&r, i);
	for (uint32_t i = 0; i < r.n_disabled; i++)
		d[i] = hf_match_report_disabled(&r, i);
	for (uint32_t i = 0; i < r.n_quarantined; i++)
		q[i] = hf_match_report_quarantined(&r, i);
	if (hf_match_report_encode(&r, c, r.n_counts, d, r.n_disabled, q, r.n_quarantined, &out,
	                           &len) != HF_OK)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	free(c);
	free(d);
	free(q);
	return 0;
}
