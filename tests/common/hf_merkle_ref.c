#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hf_merkle_ref.h"

#define HL HF_MERKLE_HASH_LEN

static uint64_t ref_k(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

void hf_ref_mth(const uint8_t (*h)[HL], uint64_t n, uint8_t out[HL])
{
	if (n == 0) {
		hf_merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, h[0], HL);
		return;
	}
	uint64_t k = ref_k(n);
	uint8_t l[HL], r[HL];
	hf_ref_mth(h, k, l);
	hf_ref_mth(h + k, n - k, r);
	if (hf_merkle_node_hash(l, r, out) != HF_OK)
		abort();
}

size_t hf_ref_path(uint64_t m, const uint8_t (*h)[HL], uint64_t n, uint8_t (*out)[HL])
{
	if (n == 1)
		return 0;
	uint64_t k = ref_k(n);
	size_t c;
	if (m < k) {
		c = hf_ref_path(m, h, k, out);
		hf_ref_mth(h + k, n - k, out[c]);
	} else {
		c = hf_ref_path(m - k, h + k, n - k, out);
		hf_ref_mth(h, k, out[c]);
	}
	return c + 1;
}

static size_t subproof(uint64_t m, const uint8_t (*h)[HL], uint64_t n, bool b, uint8_t (*out)[HL])
{
	if (m == n) {
		if (b)
			return 0;
		hf_ref_mth(h, n, out[0]);
		return 1;
	}
	uint64_t k = ref_k(n);
	size_t c;
	if (m <= k) {
		c = subproof(m, h, k, b, out);
		hf_ref_mth(h + k, n - k, out[c]);
	} else {
		c = subproof(m - k, h + k, n - k, false, out);
		hf_ref_mth(h, k, out[c]);
	}
	return c + 1;
}

size_t hf_ref_proof(uint64_t m, const uint8_t (*h)[HL], uint64_t n, uint8_t (*out)[HL])
{
	return subproof(m, h, n, true, out);
}
