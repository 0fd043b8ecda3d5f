/*
 * RFC 9162 Merkle tree over SHA-256 (spec §15.3). Proofs are planned as a
 * list of tree ranges, each range expanded into the complete subtrees of its
 * binary decomposition, all fetched from the store in one call, then folded.
 */
#include <stdlib.h>
#include <string.h>

/* SHA256_Init/Update/Final: deprecated as an API in OpenSSL 3 but still the
 * fastest path (no fetch, no allocation: 4x faster than the one-shot SHA256(),
 * which fetches the algorithm on every call); proofs at 10M leaves hash ~50
 * nodes, so this is most of their cost. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "hashfed/merkle.h"
#include "hf_check.h"

#define HL HF_MERKLE_HASH_LEN

_Static_assert(HF_MERKLE_HASH_LEN == SHA256_DIGEST_LENGTH, "SHA-256 output");

/* ---- hashing ------------------------------------------------------------------------- */

void hf_merkle_empty_root(uint8_t out[static HL])
{
	static const uint8_t empty[HL] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	                                  0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	                                  0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	                                  0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
	memcpy(out, empty, HL);
}

/* SHA-256 of prefix || a || b (any lengths). */
static hf_err sha_3(uint8_t prefix, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                    uint8_t out[static HL])
{
	SHA256_CTX c;
	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, &prefix, 1) != 1 ||
	    (alen > 0 && SHA256_Update(&c, a, alen) != 1) ||
	    (blen > 0 && SHA256_Update(&c, b, blen) != 1) || SHA256_Final(out, &c) != 1)
		return HF_ECRYPTO;
	return HF_OK;
}

hf_err hf_merkle_leaf_hash(const uint8_t *leaf, size_t len, uint8_t out[static HL])
{
	HF_ENSURE(leaf != NULL || len == 0, HF_EINVAL);
	return sha_3(0x00, leaf, len, NULL, 0, out);
}

hf_err hf_merkle_node_hash(const uint8_t left[static HL], const uint8_t right[static HL],
                           uint8_t out[static HL])
{
	return sha_3(0x01, left, HL, right, HL, out);
}

hf_err hf_merkle_node_hash_bytes(const uint8_t *left, size_t left_len, const uint8_t *right,
                                 size_t right_len, uint8_t out[static HL])
{
	HF_ENSURE(left != NULL || left_len == 0, HF_EINVAL);
	HF_ENSURE(right != NULL || right_len == 0, HF_EINVAL);
	return sha_3(0x01, left, left_len, right, right_len, out);
}

hf_err hf_merkle_hash_from_bytes(const uint8_t *p, size_t len, uint8_t out[static HL])
{
	HF_ENSURE(p != NULL && len == HL, HF_EHASHLEN);
	memcpy(out, p, HL);
	return HF_OK;
}

/* ---- tree arithmetic ------------------------------------------------------------------ */

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

typedef struct range {
	uint64_t begin, end;
} range;

/* Inclusion proof ranges, leaf side first. Returns the count. */
static size_t inclusion_ranges(uint64_t index, uint64_t size, range *out)
{
	uint64_t b = 0, e = size;
	size_t n = 0;
	while (e - b > 1) {
		uint64_t k = split_point(e - b);
		if (index < b + k) {
			out[n++] = (range){b + k, e};
			e = b + k;
		} else {
			out[n++] = (range){b, b + k};
			b = b + k;
		}
	}
	for (size_t i = 0; i < n / 2; i++) {
		range t = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	return n;
}

/* Consistency proof ranges (RFC 9162 SUBPROOF, iteratively), in proof order. */
static size_t consistency_ranges(uint64_t m, uint64_t size, range *out)
{
	range top[64 + 1];
	size_t nt = 0, n = 0;
	uint64_t start = 0, len = size;
	bool whole = true;
	bool terminal = false;
	range term = {0, 0};

	while (m != len) {
		uint64_t k = split_point(len);
		if (m <= k) {
			top[nt++] = (range){start + k, start + len};
			len = k;
		} else {
			top[nt++] = (range){start, start + k};
			start += k;
			len -= k;
			m -= k;
			whole = false;
		}
	}
	if (!whole) {
		terminal = true;
		term = (range){start, start + m};
	}
	if (terminal)
		out[n++] = term;
	for (size_t i = nt; i > 0; i--)
		out[n++] = top[i - 1];
	return n;
}

size_t hf_merkle_inclusion_proof_len(uint64_t index, uint64_t size)
{
	range r[64];
	if (index >= size)
		return 0;
	return inclusion_ranges(index, size, r);
}

size_t hf_merkle_consistency_proof_len(uint64_t size1, uint64_t size2)
{
	range r[66];
	if (size1 == 0 || size1 > size2)
		return 0;
	if (size1 == size2)
		return 0;
	return consistency_ranges(size1, size2, r);
}

/* ---- stored trees --------------------------------------------------------------------- */

/* Appends the complete subtrees of [b, e) (b aligned) to ids; returns the count or 0 if
 * the range is not a subtree of the RFC tree. */
static size_t decompose(uint64_t b, uint64_t e, hf_merkle_node_id *ids)
{
	uint64_t n = e - b;
	size_t c = 0;
	for (int j = 63; j >= 0; j--) {
		uint64_t w = (uint64_t)1 << j;
		if (n & w) {
			ids[c].level = (uint8_t)j;
			ids[c].index = b >> j;
			c++;
			b += w;
		}
	}
	return c;
}

/* A range is a node of the RFC tree iff begin is a multiple of the smallest
 * power of two >= its length. */
static bool range_ok(uint64_t b, uint64_t e)
{
	if (e <= b)
		return false;
	uint64_t n = e - b;
	if (n == 1)
		return true;
	int bits = 64 - __builtin_clzll(n - 1); /* ceil(log2 n) */
	if (bits >= 64)
		return b == 0;
	return (b & (((uint64_t)1 << bits) - 1)) == 0;
}

/* Folds c complete subtree hashes (largest first) right to left. */
static hf_err fold(const uint8_t (*h)[HL], size_t c, uint8_t out[static HL])
{
	uint8_t acc[HL];
	memcpy(acc, h[c - 1], HL);
	for (size_t i = c - 1; i > 0; i--)
		HF_TRY(hf_merkle_node_hash(h[i - 1], acc, acc));
	memcpy(out, acc, HL);
	return HF_OK;
}

/* Hashes of n ranges through one batched fetch. */
static hf_err ranges_hash(const hf_merkle_store *s, const range *r, size_t n, uint8_t (*out)[HL])
{
	hf_merkle_node_id ids[HF_MERKLE_MAX_FETCH];
	uint8_t hashes[HF_MERKLE_MAX_FETCH][HL];
	size_t counts[HF_MERKLE_MAX_PROOF];
	size_t total = 0;

	HF_ENSURE(n <= HF_MERKLE_MAX_PROOF, HF_EINTERNAL);
	for (size_t i = 0; i < n; i++) {
		HF_ENSURE(range_ok(r[i].begin, r[i].end), HF_ETREESIZE);
		size_t c = (size_t)__builtin_popcountll(r[i].end - r[i].begin);
		HF_ENSURE(total + c <= HF_MERKLE_MAX_FETCH, HF_EINTERNAL);
		counts[i] = decompose(r[i].begin, r[i].end, ids + total);
		total += counts[i];
	}
	if (total > 0) {
		HF_ENSURE(s->fetch != NULL, HF_EINVAL);
		HF_TRY(s->fetch(s->ctx, ids, total, hashes));
	}
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		HF_TRY(fold((const uint8_t(*)[HL])(hashes + at), counts[i], out[i]));
		at += counts[i];
	}
	return HF_OK;
}

hf_err hf_merkle_range_hash(const hf_merkle_store *s, uint64_t begin, uint64_t end,
                            uint8_t out[static HL])
{
	range r = {begin, end};
	HF_ENSURE(range_ok(begin, end), HF_ETREESIZE);
	return ranges_hash(s, &r, 1, (uint8_t(*)[HL])out);
}

hf_err hf_merkle_root(const hf_merkle_store *s, uint64_t size, uint8_t out[static HL])
{
	if (size == 0) {
		hf_merkle_empty_root(out);
		return HF_OK;
	}
	return hf_merkle_range_hash(s, 0, size, out);
}

hf_err hf_merkle_inclusion_proof(const hf_merkle_store *s, uint64_t index, uint64_t size,
                                 uint8_t (*proof)[HL], size_t cap, size_t *n_out)
{
	range r[64];
	*n_out = 0;
	HF_ENSURE(index < size, HF_ETREESIZE);
	size_t n = inclusion_ranges(index, size, r);
	HF_ENSURE(n <= cap, HF_ENOSPC);
	HF_TRY(ranges_hash(s, r, n, proof));
	*n_out = n;
	return HF_OK;
}

hf_err hf_merkle_consistency_proof(const hf_merkle_store *s, uint64_t size1, uint64_t size2,
                                   uint8_t (*proof)[HL], size_t cap, size_t *n_out)
{
	range r[66];
	*n_out = 0;
	HF_ENSURE(size1 != 0, HF_EEMPTYTREE);
	HF_ENSURE(size1 <= size2, HF_ETREESIZE);
	if (size1 == size2)
		return HF_OK;
	size_t n = consistency_ranges(size1, size2, r);
	HF_ENSURE(n <= cap, HF_ENOSPC);
	HF_TRY(ranges_hash(s, r, n, proof));
	*n_out = n;
	return HF_OK;
}

/* ---- in memory ------------------------------------------------------------------------- */

static hf_err root_mem_rec(const uint8_t (*h)[HL], uint64_t n, uint8_t out[static HL])
{
	if (n == 1) {
		memcpy(out, h[0], HL);
		return HF_OK;
	}
	uint64_t k = split_point(n);
	uint8_t l[HL], r[HL];
	HF_TRY(root_mem_rec(h, k, l));
	HF_TRY(root_mem_rec(h + k, n - k, r));
	return hf_merkle_node_hash(l, r, out);
}

hf_err hf_merkle_root_mem(const uint8_t (*leaf_hashes)[HL], uint64_t n, uint8_t out[static HL])
{
	if (n == 0) {
		hf_merkle_empty_root(out);
		return HF_OK;
	}
	HF_ENSURE(leaf_hashes != NULL, HF_EINVAL);
	return root_mem_rec(leaf_hashes, n, out);
}

/* ---- verification --------------------------------------------------------------------- */

hf_err hf_merkle_root_from_inclusion(const uint8_t leaf_hash[static HL], uint64_t index,
                                     uint64_t size, const uint8_t *proof, size_t proof_len,
                                     uint8_t root[static HL])
{
	HF_ENSURE(proof != NULL || proof_len == 0, HF_EINVAL);
	HF_ENSURE(proof_len % HL == 0, HF_EHASHLEN);
	HF_ENSURE(index < size, HF_ETREESIZE);
	size_t n = proof_len / HL;
	HF_ENSURE(n == hf_merkle_inclusion_proof_len(index, size), HF_EPROOFLEN);

	uint64_t fn = index, sn = size - 1;
	uint8_t r[HL];
	memcpy(r, leaf_hash, HL);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = proof + i * HL;
		HF_ENSURE(sn != 0, HF_EPROOFLEN);
		if ((fn & 1) || fn == sn) {
			HF_TRY(hf_merkle_node_hash(p, r, r));
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			HF_TRY(hf_merkle_node_hash(r, p, r));
		}
		fn >>= 1;
		sn >>= 1;
	}
	HF_ENSURE(sn == 0, HF_EPROOFLEN);
	memcpy(root, r, HL);
	return HF_OK;
}

static bool hash_eq(const uint8_t *a, const uint8_t *b)
{
	/* Public data: no need for constant time, but no harm either. */
	uint8_t d = 0;
	for (size_t i = 0; i < HL; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

hf_err hf_merkle_verify_inclusion(const uint8_t leaf_hash[static HL], uint64_t index, uint64_t size,
                                  const uint8_t root[static HL], const uint8_t *proof,
                                  size_t proof_len)
{
	uint8_t got[HL];
	HF_TRY(hf_merkle_root_from_inclusion(leaf_hash, index, size, proof, proof_len, got));
	return hash_eq(got, root) ? HF_OK : HF_EINCLUSION;
}

hf_err hf_merkle_verify_consistency(uint64_t size1, const uint8_t root1[static HL], uint64_t size2,
                                    const uint8_t root2[static HL], const uint8_t *proof,
                                    size_t proof_len)
{
	HF_ENSURE(proof != NULL || proof_len == 0, HF_EINVAL);
	HF_ENSURE(size1 <= size2, HF_ETREESIZE);
	HF_ENSURE(size1 != 0, HF_EEMPTYTREE);
	HF_ENSURE(proof_len % HL == 0, HF_EHASHLEN);
	size_t n = proof_len / HL;
	if (size1 == size2) {
		HF_ENSURE(n == 0, HF_EPROOFLEN);
		return hash_eq(root1, root2) ? HF_OK : HF_ECONSISTENCY;
	}
	HF_ENSURE(n == hf_merkle_consistency_proof_len(size1, size2), HF_EPROOFLEN);

	/* RFC 9162 §2.1.4.2; when size1 is a power of two, root1 is the implicit first node. */
	const uint8_t *first;
	size_t i = 0;
	if ((size1 & (size1 - 1)) == 0) {
		first = root1;
	} else {
		first = proof;
		i = 1;
	}
	uint64_t fn = size1 - 1, sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[HL], sr[HL];
	memcpy(fr, first, HL);
	memcpy(sr, first, HL);
	for (; i < n; i++) {
		const uint8_t *c = proof + i * HL;
		HF_ENSURE(sn != 0, HF_EPROOFLEN);
		if ((fn & 1) || fn == sn) {
			HF_TRY(hf_merkle_node_hash(c, fr, fr));
			HF_TRY(hf_merkle_node_hash(c, sr, sr));
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			HF_TRY(hf_merkle_node_hash(sr, c, sr));
		}
		fn >>= 1;
		sn >>= 1;
	}
	HF_ENSURE(sn == 0, HF_EPROOFLEN);
	return hash_eq(fr, root1) && hash_eq(sr, root2) ? HF_OK : HF_ECONSISTENCY;
}

/* ---- compact range -------------------------------------------------------------------- */

void hf_merkle_compact_init(hf_merkle_compact *c)
{
	memset(c, 0, sizeof(*c));
}

hf_err hf_merkle_compact_load(hf_merkle_compact *c, const hf_merkle_store *s, uint64_t size)
{
	hf_merkle_node_id ids[64];
	hf_merkle_compact_init(c);
	if (size == 0)
		return HF_OK;
	size_t n = decompose(0, size, ids);
	HF_ENSURE(s->fetch != NULL, HF_EINVAL);
	HF_TRY(s->fetch(s->ctx, ids, n, c->hashes));
	c->n = (unsigned)n;
	c->size = size;
	return HF_OK;
}

hf_err hf_merkle_compact_append(hf_merkle_compact *c, const uint8_t leaf_hash[static HL],
                                hf_merkle_emit_fn emit, void *emit_ctx)
{
	HF_ENSURE(c->size != UINT64_MAX, HF_ERANGE);
	uint64_t s = c->size;
	uint8_t h[HL];
	unsigned level = 0;
	memcpy(h, leaf_hash, HL);
	if (emit != NULL)
		HF_TRY(emit(emit_ctx, (hf_merkle_node_id){0, s}, h));
	while ((s >> level) & 1) {
		HF_ENSURE(c->n > 0, HF_EINTERNAL);
		HF_TRY(hf_merkle_node_hash(c->hashes[c->n - 1], h, h));
		c->n--;
		level++;
		if (emit != NULL)
			HF_TRY(emit(emit_ctx, (hf_merkle_node_id){(uint8_t)level, s >> level}, h));
	}
	memcpy(c->hashes[c->n], h, HL);
	c->n++;
	c->size = s + 1;
	return HF_OK;
}

hf_err hf_merkle_compact_root(const hf_merkle_compact *c, uint8_t out[static HL])
{
	if (c->size == 0) {
		hf_merkle_empty_root(out);
		return HF_OK;
	}
	HF_ENSURE(c->n > 0 && c->n <= 64, HF_EINTERNAL);
	return fold((const uint8_t(*)[HL])c->hashes, c->n, out);
}
