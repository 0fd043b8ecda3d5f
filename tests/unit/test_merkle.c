/*
 * RFC 9162 Merkle tree conformance (protocol/src/merkle.c) and the tlog-tiles
 * layout (protocol/src/tlog_tiles.c).
 *
 * Self-generated tests always run: an independent recursive RFC 9162 reference
 * (tests/common/hf_merkle_ref.c: MTH, PATH, SUBPROOF over in-memory leaves) against the
 * library's stored-tree proofs, mutations of every proof, tiles round trips.
 * Vector tests read ../shared/data/merkle/ (README there): every
 * transparency-dev probe, the RFC 6962 reference values, the exhaustive and
 * large generated trees and the tlog-tiles examples. If that directory is
 * absent they skip, and the program exits 77 (ctest SKIP) once the
 * self-generated tests passed, saying why.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hashfed/merkle.h"
#include "hashfed/tlog_tiles.h"
#include "hf_merkle_mem.h"
#include "hf_merkle_ref.h"
#include "hf_test.h"
#include "hf_check.h"

#define HL HF_MERKLE_HASH_LEN

static bool g_shared_missing;
static unsigned g_vectors; /* vector checks that passed, printed at the end */

/* ---- independent hashing (libsodium SHA-256); the RFC algorithms are hf_merkle_ref.c -- */

static void ref_node(const uint8_t l[HL], const uint8_t r[HL], uint8_t out[HL])
{
	crypto_hash_sha256_state st;
	uint8_t one = 1;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &one, 1);
	crypto_hash_sha256_update(&st, l, HL);
	crypto_hash_sha256_update(&st, r, HL);
	crypto_hash_sha256_final(&st, out);
}

static void ref_leaf(const uint8_t *d, size_t n, uint8_t out[HL])
{
	crypto_hash_sha256_state st;
	uint8_t zero = 0;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, d, n);
	crypto_hash_sha256_final(&st, out);
}

/* ---- helpers ------------------------------------------------------------------------- */

static void leaf_be32(uint64_t i, uint8_t out[HL])
{
	uint8_t b[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	ref_leaf(b, 4, out);
}

/* A tree of n leaves (leaf i = u32be(i)) as both a flat array and a store. */
static uint8_t (*build(hf_mem_tree *t, uint64_t n))[HL]
{
	uint8_t(*h)[HL] = malloc((size_t)(n ? n : 1) * HL);
	assert_non_null(h);
	hf_mem_tree_init(t);
	for (uint64_t i = 0; i < n; i++) {
		leaf_be32(i, h[i]);
		assert_int_equal(hf_mem_tree_append(t, h[i]), HF_OK);
	}
	return h;
}

static void unhex32(const char *hex, uint8_t out[HL])
{
	size_t n = 0;
	assert_true(hf_test_unhex(hex, out, HL, &n));
	assert_int_equal(n, HL);
}

static json_t *load_json(const char *rel)
{
	char path[4096];
	if (!hf_test_shared_path(rel, path, sizeof(path))) {
		hf_test_skip_missing(rel);
		g_shared_missing = true;
		return NULL;
	}
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (j == NULL)
		fail_msg("%s: %s", path, e.text);
	return j;
}

/* Hex proof array into wire bytes; returns the byte length. */
static size_t hex_proof(json_t *arr, uint8_t *out, size_t cap)
{
	size_t off = 0, i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		assert_true(off + HL <= cap);
		unhex32(json_string_value(v), out + off);
		off += HL;
	}
	return off;
}

/* ---- self-generated ----------------------------------------------------------------------- */

static void test_hashing(void **state)
{
	(void)state;
	uint8_t a[HL], b[HL], r[HL], e[HL];
	hf_merkle_empty_root(a);
	crypto_hash_sha256(b, NULL, 0);
	assert_memory_equal(a, b, HL);

	/* leaf hashes of several lengths, against libsodium's SHA-256 */
	uint8_t big[1000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	const size_t lens[] = {0, 1, 31, 254, 255, 256, 257, 1000};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(hf_merkle_leaf_hash(big, lens[i], a), HF_OK);
		ref_leaf(big, lens[i], b);
		assert_memory_equal(a, b, HL);
	}
	assert_int_equal(hf_merkle_leaf_hash(NULL, 0, a), HF_OK);
	assert_int_equal(hf_merkle_leaf_hash(NULL, 1, a), HF_EINVAL);
	assert_int_equal(hf_merkle_node_hash(big, big + 32, a), HF_OK);
	ref_node(big, big + 32, b);
	assert_memory_equal(a, b, HL);
	assert_int_equal(hf_merkle_node_hash_bytes(big, 32, big + 32, 32, r), HF_OK);
	assert_memory_equal(r, b, HL);
	assert_int_equal(hf_merkle_hash_from_bytes(big, 31, e), HF_EHASHLEN);
	assert_int_equal(hf_merkle_hash_from_bytes(big, 33, e), HF_EHASHLEN);
	assert_int_equal(hf_merkle_hash_from_bytes(NULL, 0, e), HF_EHASHLEN);
	assert_int_equal(hf_merkle_hash_from_bytes(big, 32, e), HF_OK);
}

/* Every root, inclusion and consistency proof of trees up to 80 leaves equals the
 * reference, verifies, and fails under every single mutation we can think of. */
static void test_proofs_vs_reference(void **state)
{
	(void)state;
	enum { N = 80 };
	hf_mem_tree t;
	uint8_t(*h)[HL] = build(&t, N);
	hf_merkle_store s = hf_mem_tree_store(&t);
	uint8_t roots[N + 1][HL];
	uint8_t p[HF_MERKLE_MAX_PROOF][HL], q[HF_MERKLE_MAX_PROOF][HL];
	size_t np;

	for (uint64_t n = 0; n <= N; n++) {
		uint8_t r[HL];
		hf_ref_mth((const uint8_t(*)[HL])h, n, roots[n]);
		assert_int_equal(hf_merkle_root(&s, n, r), HF_OK);
		assert_memory_equal(r, roots[n], HL);
		assert_int_equal(hf_merkle_root_mem((const uint8_t(*)[HL])h, n, r), HF_OK);
		assert_memory_equal(r, roots[n], HL);
	}
	for (uint64_t n = 1; n <= N; n++) {
		for (uint64_t i = 0; i < n; i++) {
			size_t nr = hf_ref_path(i, (const uint8_t(*)[HL])h, n, q);
			assert_int_equal(
			    hf_merkle_inclusion_proof(&s, i, n, p, HF_MERKLE_MAX_PROOF, &np),
			    HF_OK);
			assert_int_equal(np, nr);
			assert_int_equal(hf_merkle_inclusion_proof_len(i, n), nr);
			if (np)
				assert_memory_equal(p, q, np * HL);
			const uint8_t *pb = &p[0][0];
			assert_int_equal(
			    hf_merkle_verify_inclusion(h[i], i, n, roots[n], pb, np * HL), HF_OK);
			/* wrong leaf, index, size, root; every node flipped; short, long, ragged */
			assert_int_not_equal(
			    hf_merkle_verify_inclusion(h[(i + 1) % N], i, n, roots[n], pb, np * HL),
			    HF_OK);
			if (n > 1)
				assert_int_not_equal(hf_merkle_verify_inclusion(h[i], (i + 1) % n,
				                                                n, roots[n], pb,
				                                                np * HL),
				                     HF_OK);
			assert_int_equal(
			    hf_merkle_verify_inclusion(h[i], i, n, roots[n - 1], pb, np * HL),
			    n == 1 ? HF_EINCLUSION : HF_EINCLUSION);
			assert_int_equal(
			    hf_merkle_verify_inclusion(h[i], n, n, roots[n], pb, np * HL),
			    HF_ETREESIZE);
			for (size_t k = 0; k < np; k++) {
				p[k][k % HL] ^= 0x40;
				assert_int_equal(
				    hf_merkle_verify_inclusion(h[i], i, n, roots[n], pb, np * HL),
				    HF_EINCLUSION);
				p[k][k % HL] ^= 0x40;
			}
			if (np > 0)
				assert_int_equal(hf_merkle_verify_inclusion(h[i], i, n, roots[n],
				                                            pb, (np - 1) * HL),
				                 HF_EPROOFLEN);
			assert_int_equal(
			    hf_merkle_verify_inclusion(h[i], i, n, roots[n], pb, (np + 1) * HL),
			    HF_EPROOFLEN);
			assert_int_equal(
			    hf_merkle_verify_inclusion(h[i], i, n, roots[n], pb, np * HL + 1),
			    HF_EHASHLEN);
		}
		for (uint64_t m = 1; m <= n; m++) {
			size_t nr = m == n ? 0 : hf_ref_proof(m, (const uint8_t(*)[HL])h, n, q);
			assert_int_equal(
			    hf_merkle_consistency_proof(&s, m, n, p, HF_MERKLE_MAX_PROOF, &np),
			    HF_OK);
			assert_int_equal(np, nr);
			assert_int_equal(hf_merkle_consistency_proof_len(m, n), nr);
			if (np)
				assert_memory_equal(p, q, np * HL);
			const uint8_t *pb = &p[0][0];
			assert_int_equal(
			    hf_merkle_verify_consistency(m, roots[m], n, roots[n], pb, np * HL),
			    HF_OK);
			assert_int_equal(
			    hf_merkle_verify_consistency(n, roots[n], m, roots[m], pb, np * HL),
			    m == n ? HF_OK : HF_ETREESIZE);
			assert_int_equal(
			    hf_merkle_verify_consistency(0, roots[0], n, roots[n], pb, np * HL),
			    HF_EEMPTYTREE);
			if (m > 1)
				assert_int_not_equal(hf_merkle_verify_consistency(
				                         m, roots[m - 1], n, roots[n], pb, np * HL),
				                     HF_OK);
			assert_int_not_equal(
			    hf_merkle_verify_consistency(m, roots[m], n, roots[n - 1], pb, np * HL),
			    HF_OK);
			for (size_t k = 0; k < np; k++) {
				p[k][(k * 5) % HL] ^= 0x01;
				assert_int_equal(hf_merkle_verify_consistency(
				                     m, roots[m], n, roots[n], pb, np * HL),
				                 HF_ECONSISTENCY);
				p[k][(k * 5) % HL] ^= 0x01;
			}
			assert_int_equal(hf_merkle_verify_consistency(m, roots[m], n, roots[n], pb,
			                                              (np + 1) * HL),
			                 HF_EPROOFLEN);
			if (np > 0)
				assert_int_equal(hf_merkle_verify_consistency(
				                     m, roots[m], n, roots[n], pb, np * HL - 1),
				                 HF_EHASHLEN);
		}
	}
	assert_int_equal(hf_merkle_consistency_proof(&s, 0, 5, p, HF_MERKLE_MAX_PROOF, &np),
	                 HF_EEMPTYTREE);
	assert_int_equal(hf_merkle_consistency_proof(&s, 0, 0, p, HF_MERKLE_MAX_PROOF, &np),
	                 HF_EEMPTYTREE);
	assert_int_equal(hf_merkle_verify_consistency(0, roots[0], 0, roots[0], NULL, 0),
	                 HF_EEMPTYTREE);
	assert_int_equal(hf_merkle_consistency_proof(&s, 6, 5, p, HF_MERKLE_MAX_PROOF, &np),
	                 HF_ETREESIZE);
	assert_int_equal(hf_merkle_inclusion_proof(&s, 5, 5, p, HF_MERKLE_MAX_PROOF, &np),
	                 HF_ETREESIZE);
	assert_int_equal(hf_merkle_inclusion_proof(&s, 0, 64, p, 5, &np), HF_ENOSPC);
	/* equal sizes, different roots: inconsistent, not merely "bad proof" */
	assert_int_equal(hf_merkle_verify_consistency(7, roots[7], 7, roots[8], NULL, 0),
	                 HF_ECONSISTENCY);
	/* a store that does not hold the tree: its error comes through */
	assert_int_equal(hf_merkle_inclusion_proof(&s, 3, N + 300, p, HF_MERKLE_MAX_PROOF, &np),
	                 HF_ENOTFOUND);
	/* range hash only for subtrees of the RFC tree */
	uint8_t r[HL];
	assert_int_equal(hf_merkle_range_hash(&s, 3, 5, r), HF_ETREESIZE);
	assert_int_equal(hf_merkle_range_hash(&s, 4, 8, r), HF_OK);
	assert_int_equal(hf_merkle_range_hash(&s, 4, 4, r), HF_ETREESIZE);
	hf_mem_tree_free(&t);
	free(h);
}

/* Stored-tree proofs cost O(log n) fetched hashes, one fetch call per proof. */
static void test_fetch_cost(void **state)
{
	(void)state;
	enum { N = 100000 };
	hf_mem_tree t;
	uint8_t(*h)[HL] = build(&t, N);
	hf_merkle_store s = hf_mem_tree_store(&t);
	uint8_t p[HF_MERKLE_MAX_PROOF][HL], root[HL], r2[HL];
	size_t np;
	assert_int_equal(hf_merkle_root(&s, N, root), HF_OK);
	assert_int_equal(hf_merkle_compact_root(&t.c, r2), HF_OK);
	assert_memory_equal(root, r2, HL);
	for (uint64_t i = 0; i < N; i += 997) {
		uint64_t calls = t.calls, fetched = t.fetched;
		assert_int_equal(hf_merkle_inclusion_proof(&s, i, N, p, HF_MERKLE_MAX_PROOF, &np),
		                 HF_OK);
		assert_int_equal(t.calls - calls, 1);
		assert_true(t.fetched - fetched <= 2 * 17);
		assert_int_equal(hf_merkle_verify_inclusion(h[i], i, N, root, &p[0][0], np * HL),
		                 HF_OK);
		uint64_t m = i + 1;
		uint8_t rm[HL];
		assert_int_equal(hf_merkle_root(&s, m, rm), HF_OK);
		calls = t.calls;
		fetched = t.fetched;
		assert_int_equal(hf_merkle_consistency_proof(&s, m, N, p, HF_MERKLE_MAX_PROOF, &np),
		                 HF_OK);
		assert_int_equal(t.calls - calls, m == N ? 0 : 1);
		assert_true(t.fetched - fetched <= 2 * 18);
		assert_int_equal(hf_merkle_verify_consistency(m, rm, N, root, &p[0][0], np * HL),
		                 HF_OK);
	}
	/* compact range reloaded from the store continues like the original */
	hf_merkle_compact c;
	assert_int_equal(hf_merkle_compact_load(&c, &s, 12345), HF_OK);
	for (uint64_t i = 12345; i < 20000; i++)
		assert_int_equal(hf_merkle_compact_append(&c, h[i], NULL, NULL), HF_OK);
	assert_int_equal(hf_merkle_compact_root(&c, r2), HF_OK);
	assert_int_equal(hf_merkle_root(&s, 20000, root), HF_OK);
	assert_memory_equal(root, r2, HL);
	hf_mem_tree_free(&t);
	free(h);
}

/* Proof lengths and verification at sizes near 2^64 (no store: arithmetic only). */
static void test_huge_sizes(void **state)
{
	(void)state;
	assert_int_equal(hf_merkle_inclusion_proof_len(0, UINT64_MAX), 64);
	assert_int_equal(hf_merkle_inclusion_proof_len(UINT64_MAX - 1, UINT64_MAX), 63);
	assert_true(hf_merkle_consistency_proof_len(1, UINT64_MAX) <= HF_MERKLE_MAX_PROOF);
	assert_true(hf_merkle_consistency_proof_len(UINT64_MAX - 1, UINT64_MAX) <=
	            HF_MERKLE_MAX_PROOF);
	assert_int_equal(hf_merkle_inclusion_proof_len(5, 5), 0);
	assert_int_equal(hf_merkle_consistency_proof_len(0, 5), 0);
	uint8_t z[HL] = {0}, proof[64 * HL] = {0};
	assert_int_equal(hf_merkle_verify_inclusion(z, 0, UINT64_MAX, z, proof, sizeof(proof)),
	                 HF_EINCLUSION);
	assert_int_equal(hf_merkle_verify_inclusion(z, 0, UINT64_MAX, z, proof, 63 * HL),
	                 HF_EPROOFLEN);
}

/* ---- tiles ------------------------------------------------------------------------------ */

typedef struct tile_src {
	hf_merkle_store s;
	unsigned reads;
} tile_src;

static hf_err tile_fetch(void *ctx, const hf_tile_ref *t, uint8_t *out, size_t *len)
{
	tile_src *src = ctx;
	src->reads++;
	return hf_tile_build(&src->s, t, out, HF_TILE_WIDTH * HL, len);
}

static void test_tiles_self(void **state)
{
	(void)state;
	char buf[HF_TILE_MAX_PATH];
	hf_tile_ref t = {.level = 2, .index = 1234067, .width = 256};
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_OK);
	assert_string_equal(buf, "tile/2/x001/x234/067");
	t.width = 17;
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_OK);
	assert_string_equal(buf, "tile/2/x001/x234/067.p/17");
	hf_tile_ref back;
	assert_int_equal(hf_tile_path_parse(buf, strlen(buf), &back), HF_OK);
	assert_int_equal(back.level, 2);
	assert_int_equal(back.index, 1234067);
	assert_int_equal(back.width, 17);
	t = (hf_tile_ref){.entries = true, .index = 0, .width = 3};
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_OK);
	assert_string_equal(buf, "tile/entries/000.p/3");
	assert_int_equal(hf_tile_path_parse(buf, strlen(buf), &back), HF_OK);
	assert_true(back.entries);
	t = (hf_tile_ref){.index = UINT64_MAX, .width = 256};
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_OK);
	assert_string_equal(buf, "tile/0/x018/x446/x744/x073/x709/x551/615");
	assert_int_equal(hf_tile_path_parse(buf, strlen(buf), &back), HF_OK);
	assert_int_equal(back.index, UINT64_MAX);
	t.width = 0;
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_EINVAL);
	t.width = 257;
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_EINVAL);
	t = (hf_tile_ref){.level = 64, .width = 1};
	assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_EINVAL);

	static const char *const bad[] = {"tile/0/x000/001",
	                                  "tile/0/1",
	                                  "tile/0/01",
	                                  "tile/0/0001",
	                                  "tile/00/000",
	                                  "tile/64/000",
	                                  "tile/0/000.p/0",
	                                  "tile/0/000.p/256",
	                                  "tile/0/000.p/017",
	                                  "tile/0/000.p/",
	                                  "tile/0/000/",
	                                  "tile/0/x001",
	                                  "tile/0/x001/",
	                                  "tile/0/001x",
	                                  "tile/entrie/000",
	                                  "tile/0/000.p/1x",
	                                  "tile//000",
	                                  "tile/0/",
	                                  "/tile/0/000",
	                                  "tile/0/x018/x446/x744/x073/x709/x551/616",
	                                  "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
	                                  "tile/0/ 000",
	                                  "tile/-1/000",
	                                  "tile/0/000.p/-1",
	                                  "Tile/0/000",
	                                  "tile/0/00a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hf_tile_path_parse(bad[i], strlen(bad[i]), &back), HF_ETILE);

	/* A tile-backed store gives the same roots and proofs as the full store. */
	enum { N = 70000 };
	hf_mem_tree mt;
	uint8_t(*h)[HL] = build(&mt, N);
	tile_src src = {.s = hf_mem_tree_store(&mt)};
	static const uint64_t sizes[] = {1,   2,    255,   256,   257,   511,
	                                 512, 4097, 65535, 65536, 65537, 70000};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint64_t n = sizes[k];
		hf_tiles_store *ts = malloc(sizeof(*ts));
		assert_non_null(ts);
		hf_merkle_store tstore;
		hf_tiles_store_init(ts, n, tile_fetch, &src, &tstore);
		uint8_t a[HL], b[HL];
		assert_int_equal(hf_merkle_root(&src.s, n, a), HF_OK);
		assert_int_equal(hf_merkle_root(&tstore, n, b), HF_OK);
		assert_memory_equal(a, b, HL);
		uint8_t p1[HF_MERKLE_MAX_PROOF][HL], p2[HF_MERKLE_MAX_PROOF][HL];
		size_t n1, n2;
		uint64_t i = n / 3;
		assert_int_equal(
		    hf_merkle_inclusion_proof(&src.s, i, n, p1, HF_MERKLE_MAX_PROOF, &n1), HF_OK);
		assert_int_equal(
		    hf_merkle_inclusion_proof(&tstore, i, n, p2, HF_MERKLE_MAX_PROOF, &n2), HF_OK);
		assert_int_equal(n1, n2);
		if (n1)
			assert_memory_equal(p1, p2, n1 * HL);
		free(ts);
	}
	hf_mem_tree_free(&mt);
	free(h);

	/* entry bundles */
	uint8_t bundle[64];
	size_t off = 0;
	assert_int_equal(hf_bundle_put(bundle, sizeof(bundle), &off, (const uint8_t *)"abc", 3),
	                 HF_OK);
	assert_int_equal(hf_bundle_put(bundle, sizeof(bundle), &off, NULL, 0), HF_OK);
	assert_int_equal(hf_bundle_put(bundle, sizeof(bundle), &off, (const uint8_t *)"de", 2),
	                 HF_OK);
	assert_int_equal(off, 11);
	assert_memory_equal(bundle,
	                    "\x00\x03"
	                    "abc\x00\x00\x00\x02"
	                    "de",
	                    11);
	const uint8_t *ents[3];
	size_t lens[3];
	assert_int_equal(hf_bundle_split(bundle, off, 3, ents, lens), HF_OK);
	assert_int_equal(lens[0], 3);
	assert_int_equal(lens[1], 0);
	assert_memory_equal(ents[2], "de", 2);
	assert_int_equal(hf_bundle_split(bundle, off, 2, ents, lens), HF_ETILE);
	assert_int_equal(hf_bundle_split(bundle, off - 1, 3, ents, lens), HF_ETILE);
	assert_int_equal(hf_bundle_split(bundle, off, 4, (const uint8_t **)ents, lens), HF_ETILE);
	uint8_t big[HF_TILE_MAX_ENTRY_LEN + 1] = {0};
	off = 0;
	assert_int_equal(hf_bundle_put(bundle, sizeof(bundle), &off, big, sizeof(big)),
	                 HF_ETOOLONG);
	assert_int_equal(hf_bundle_put(bundle, sizeof(bundle), &off, big, 63), HF_ENOSPC);
}

/* ---- vectors ------------------------------------------------------------------------------ */

static void test_vec_rfc6962(void **state)
{
	(void)state;
	json_t *j = load_json("merkle/rfc6962-reference.json");
	if (j == NULL)
		skip();
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "hasher_vectors"), i, v)
	{
		const char *op = json_string_value(json_object_get(v, "op"));
		uint8_t want[HL], got[HL], a[64], b[64];
		size_t al = 0, bl = 0;
		unhex32(json_string_value(json_object_get(v, "want")), want);
		if (strcmp(op, "empty_root") == 0) {
			hf_merkle_empty_root(got);
		} else if (strcmp(op, "leaf") == 0) {
			assert_true(hf_test_unhex(json_string_value(json_object_get(v, "input")), a,
			                          sizeof(a), &al));
			assert_int_equal(hf_merkle_leaf_hash(a, al, got), HF_OK);
		} else {
			assert_true(hf_test_unhex(json_string_value(json_object_get(v, "left")), a,
			                          sizeof(a), &al));
			assert_true(hf_test_unhex(json_string_value(json_object_get(v, "right")), b,
			                          sizeof(b), &bl));
			assert_int_equal(hf_merkle_node_hash_bytes(a, al, b, bl, got), HF_OK);
		}
		assert_memory_equal(got, want, HL);
		g_vectors++;
	}
	hf_mem_tree t;
	hf_mem_tree_init(&t);
	json_array_foreach(json_object_get(j, "leaves"), i, v)
	{
		uint8_t d[64];
		size_t dl = 0;
		assert_true(hf_test_unhex(json_string_value(v), d, sizeof(d), &dl));
		assert_int_equal(hf_mem_tree_append_leaf(&t, d, dl), HF_OK);
	}
	hf_merkle_store s = hf_mem_tree_store(&t);
	json_t *lv;
	size_t level;
	json_array_foreach(json_object_get(j, "node_hashes_by_level"), level, lv)
	{
		json_array_foreach(lv, i, v)
		{
			uint8_t want[HL], got[HL];
			unhex32(json_string_value(v), want);
			hf_merkle_node_id id = {(uint8_t)level, i};
			assert_int_equal(s.fetch(s.ctx, &id, 1, &got), HF_OK);
			assert_memory_equal(got, want, HL);
			g_vectors++;
		}
	}
	json_array_foreach(json_object_get(j, "roots_by_size"), i, v)
	{
		uint8_t want[HL], got[HL];
		unhex32(json_string_value(v), want);
		assert_int_equal(hf_merkle_root(&s, i, got), HF_OK);
		assert_memory_equal(got, want, HL);
		g_vectors++;
	}
	hf_mem_tree_free(&t);
	json_decref(j);
}

/* inclusion_proofs / consistency_proofs in our hex format: regenerate from the store
 * (byte-identical) and verify. */
static void check_generated(json_t *j, const hf_merkle_store *s)
{
	size_t i;
	json_t *v;
	uint8_t want[HF_MERKLE_MAX_PROOF * HL], got[HF_MERKLE_MAX_PROOF][HL];
	json_array_foreach(json_object_get(j, "inclusion_proofs"), i, v)
	{
		uint64_t idx = (uint64_t)json_integer_value(json_object_get(v, "index"));
		uint64_t n = (uint64_t)json_integer_value(json_object_get(v, "tree_size"));
		uint8_t leaf[HL], root[HL];
		unhex32(json_string_value(json_object_get(v, "leaf_hash")), leaf);
		unhex32(json_string_value(json_object_get(v, "root")), root);
		size_t wl = hex_proof(json_object_get(v, "proof"), want, sizeof(want)), np;
		assert_int_equal(
		    hf_merkle_inclusion_proof(s, idx, n, got, HF_MERKLE_MAX_PROOF, &np), HF_OK);
		assert_int_equal(np * HL, wl);
		if (wl)
			assert_memory_equal(got, want, wl);
		assert_int_equal(hf_merkle_verify_inclusion(leaf, idx, n, root, want, wl), HF_OK);
		g_vectors++;
	}
	json_array_foreach(json_object_get(j, "consistency_proofs"), i, v)
	{
		uint64_t m = (uint64_t)json_integer_value(json_object_get(v, "size1"));
		uint64_t n = (uint64_t)json_integer_value(json_object_get(v, "size2"));
		uint8_t r1[HL], r2[HL];
		unhex32(json_string_value(json_object_get(v, "root1")), r1);
		unhex32(json_string_value(json_object_get(v, "root2")), r2);
		size_t wl = hex_proof(json_object_get(v, "proof"), want, sizeof(want)), np;
		assert_int_equal(
		    hf_merkle_consistency_proof(s, m, n, got, HF_MERKLE_MAX_PROOF, &np), HF_OK);
		assert_int_equal(np * HL, wl);
		if (wl)
			assert_memory_equal(got, want, wl);
		assert_int_equal(hf_merkle_verify_consistency(m, r1, n, r2, want, wl), HF_OK);
		g_vectors++;
	}
}

static void test_vec_reference_proofs(void **state)
{
	(void)state;
	static const char *const files[] = {"merkle/rfc6962-reference.json",
	                                    "merkle/generated-exhaustive-8.json"};
	for (size_t f = 0; f < 2; f++) {
		json_t *j = load_json(files[f]);
		if (j == NULL)
			skip();
		hf_mem_tree t;
		hf_mem_tree_init(&t);
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(j, "leaves"), i, v)
		{
			uint8_t d[64];
			size_t dl = 0;
			assert_true(hf_test_unhex(json_string_value(v), d, sizeof(d), &dl));
			assert_int_equal(hf_mem_tree_append_leaf(&t, d, dl), HF_OK);
		}
		hf_merkle_store s = hf_mem_tree_store(&t);
		json_t *roots = json_object_get(j, "roots_by_size");
		json_array_foreach(roots, i, v)
		{
			uint8_t want[HL], got[HL];
			unhex32(json_string_value(v), want);
			assert_int_equal(hf_merkle_root(&s, i, got), HF_OK);
			assert_memory_equal(got, want, HL);
			g_vectors++;
		}
		check_generated(j, &s);
		hf_mem_tree_free(&t);
		json_decref(j);
	}
}

static void test_vec_large(void **state)
{
	(void)state;
	json_t *j = load_json("merkle/generated-large-trees.json");
	if (j == NULL)
		skip();
	uint64_t max = 0;
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(j, "roots_by_size"), key, v)
	{
		uint64_t n = strtoull(key, NULL, 10);
		if (n > max)
			max = n;
	}
	hf_mem_tree t;
	uint8_t(*h)[HL] = build(&t, max);
	hf_merkle_store s = hf_mem_tree_store(&t);
	json_object_foreach(json_object_get(j, "roots_by_size"), key, v)
	{
		uint8_t want[HL], got[HL];
		unhex32(json_string_value(v), want);
		assert_int_equal(hf_merkle_root(&s, strtoull(key, NULL, 10), got), HF_OK);
		assert_memory_equal(got, want, HL);
		g_vectors++;
	}
	check_generated(j, &s);
	hf_mem_tree_free(&t);
	free(h);
	json_decref(j);
}

/* Standard base64 field of a transparency-dev probe; false if it does not decode. */
static bool b64_field(json_t *o, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, name));
	*len = 0;
	if (s == NULL)
		return true; /* null: empty */
	return sodium_base642bin(out, cap, s, strlen(s), NULL, len, NULL,
	                         sodium_base64_VARIANT_ORIGINAL) == 0;
}

/*
 * Probes hold uint64 values up to 2^64-1, beyond jansson's signed integers: read
 * them as text with strtoull, blank them out, then parse the rest with jansson.
 * The values go into the object as decimal strings under "<key>_u64".
 */
static json_t *load_probe(const char *path)
{
	static const char *const keys[] = {"leafIdx", "treeSize", "size1", "size2"};
	size_t len;
	char *txt = (char *)hf_test_read_file(path, &len);
	assert_non_null(txt);
	char *t = realloc(txt, len + 1);
	assert_non_null(t);
	t[len] = 0;
	uint64_t vals[4];
	bool has[4] = {false};
	for (size_t k = 0; k < 4; k++) {
		char pat[32];
		snprintf(pat, sizeof(pat), "\"%s\":", keys[k]);
		char *at = strstr(t, pat);
		if (at == NULL)
			continue;
		at += strlen(pat);
		while (*at == ' ')
			at++;
		char *end;
		vals[k] = strtoull(at, &end, 10);
		assert_true(end > at);
		memset(at, ' ', (size_t)(end - at));
		at[0] = '0';
		has[k] = true;
	}
	json_error_t je;
	json_t *o = json_loadb(t, len, 0, &je);
	if (o == NULL)
		fail_msg("%s: %s", path, je.text);
	for (size_t k = 0; k < 4; k++) {
		if (!has[k])
			continue;
		char key[32], num[32];
		snprintf(key, sizeof(key), "%s_u64", keys[k]);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)vals[k]);
		json_object_set_new(o, key, json_string(num));
	}
	free(t);
	return o;
}

static uint64_t u64_field(json_t *o, const char *key)
{
	char k[32];
	snprintf(k, sizeof(k), "%s_u64", key);
	const char *s = json_string_value(json_object_get(o, k));
	assert_non_null(s);
	return strtoull(s, NULL, 10);
}

/* The verdict hashfed gives a probe: hashes are length-checked first (README). */
static hf_err probe_verdict(json_t *o, bool consistency)
{
	uint8_t a[256], b[256], proof[HF_MERKLE_MAX_PROOF * HL + 64];
	size_t al, bl, pl = 0;
	uint8_t ha[HL], hb[HL];
	json_t *arr = json_object_get(o, "proof"), *v;
	size_t i;
	json_array_foreach(arr, i, v)
	{
		uint8_t node[256];
		size_t nl = 0;
		if (sodium_base642bin(node, sizeof(node), json_string_value(v),
		                      strlen(json_string_value(v)), NULL, &nl, NULL,
		                      sodium_base64_VARIANT_ORIGINAL) != 0)
			return HF_EPARSE;
		if (nl != HL)
			return HF_EHASHLEN; /* each node exactly 32 bytes */
		if (pl + HL > sizeof(proof))
			return HF_EPROOFLEN;
		memcpy(proof + pl, node, HL);
		pl += HL;
	}
	if (consistency) {
		if (!b64_field(o, "root1", a, sizeof(a), &al) ||
		    !b64_field(o, "root2", b, sizeof(b), &bl))
			return HF_EPARSE;
		HF_TRY(hf_merkle_hash_from_bytes(a, al, ha));
		HF_TRY(hf_merkle_hash_from_bytes(b, bl, hb));
		return hf_merkle_verify_consistency(u64_field(o, "size1"), ha,
		                                    u64_field(o, "size2"), hb, proof, pl);
	}
	if (!b64_field(o, "leafHash", a, sizeof(a), &al) ||
	    !b64_field(o, "root", b, sizeof(b), &bl))
		return HF_EPARSE;
	HF_TRY(hf_merkle_hash_from_bytes(a, al, ha));
	HF_TRY(hf_merkle_hash_from_bytes(b, bl, hb));
	return hf_merkle_verify_inclusion(ha, u64_field(o, "leafIdx"), u64_field(o, "treeSize"), hb,
	                                  proof, pl);
}

/* The one documented divergence (README: lengths are checked before equal roots). */
#define DIVERGENT "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"

typedef struct probe_counts {
	unsigned ok, fail, div;
} probe_counts;

/* Walks dir (recursively: additional/ has subdirectories) and checks every probe. */
static void walk_probes(const char *dir, const char *id_prefix, bool consistency, probe_counts *c)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096], id[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(id, sizeof(id), "%s/%s", id_prefix, e->d_name);
		size_t fl = strlen(e->d_name);
		if (fl < 5 || strcmp(e->d_name + fl - 5, ".json") != 0) {
			DIR *sub = opendir(path);
			if (sub != NULL) {
				closedir(sub);
				walk_probes(path, id, consistency, c);
			}
			continue;
		}
		json_t *o = load_probe(path);
		bool want_err = json_is_true(json_object_get(o, "wantErr"));
		hf_err rc = probe_verdict(o, consistency);
		if (strcmp(id, DIVERGENT) == 0) {
			/* 12-byte placeholder roots: we reject on length, Go accepts */
			assert_false(want_err);
			assert_int_equal(rc, HF_EHASHLEN);
			c->div++;
		} else if (want_err) {
			if (rc == HF_OK)
				fail_msg("%s must fail but verified", id);
			c->fail++;
		} else {
			if (rc != HF_OK)
				fail_msg("%s must verify: %s", id, hf_err_name(rc));
			c->ok++;
		}
		json_decref(o);
	}
	closedir(d);
}

static void run_probe_dir(const char *kind, probe_counts *c)
{
	char base[4096];
	char rel[512];
	snprintf(rel, sizeof(rel), "merkle/transparency-dev-merkle/%s", kind);
	if (!hf_test_shared_path(rel, base, sizeof(base))) {
		hf_test_skip_missing(rel);
		g_shared_missing = true;
		skip();
	}
	walk_probes(base, kind, strcmp(kind, "consistency") == 0, c);
}

static void test_vec_transparency_dev(void **state)
{
	(void)state;
	probe_counts in = {0}, co = {0};
	run_probe_dir("inclusion", &in);
	assert_int_equal(in.ok, 6);
	assert_int_equal(in.fail, 92);
	assert_int_equal(in.div, 0);
	run_probe_dir("consistency", &co);
	assert_int_equal(co.ok, 5);
	assert_int_equal(co.div, 1);
	assert_int_equal(co.fail, 92);
	printf("transparency-dev: inclusion %u verify + %u rejected; consistency %u verify + %u "
	       "rejected + %u documented divergence\n",
	       in.ok, in.fail, co.ok, co.fail, co.div);
	g_vectors += in.ok + in.fail + co.ok + co.fail + co.div;
}

static void test_vec_tiles(void **state)
{
	(void)state;
	json_t *j = load_json("merkle/tlog-tiles-examples.json");
	if (j == NULL)
		skip();
	size_t i, k;
	json_t *v, *l;
	json_array_foreach(json_object_get(j, "index_encoding"), i, v)
	{
		char buf[HF_TILE_MAX_PATH];
		uint64_t n = (uint64_t)json_integer_value(json_object_get(v, "n"));
		assert_int_equal(hf_tile_index_path(n, buf, sizeof(buf)), HF_OK);
		assert_string_equal(buf, json_string_value(json_object_get(v, "path")));
		char full[HF_TILE_MAX_PATH + 8];
		snprintf(full, sizeof(full), "tile/0/%s", buf);
		hf_tile_ref t;
		assert_int_equal(hf_tile_path_parse(full, strlen(full), &t), HF_OK);
		assert_int_equal(t.index, n);
		g_vectors++;
	}
	json_array_foreach(json_object_get(j, "layouts"), i, v)
	{
		uint64_t size = (uint64_t)json_integer_value(json_object_get(v, "tree_size"));
		json_t *levels = json_object_get(v, "levels");
		assert_int_equal(hf_tile_levels(size), json_array_size(levels));
		json_array_foreach(levels, k, l)
		{
			unsigned level = (unsigned)json_integer_value(json_object_get(l, "level"));
			uint64_t full;
			unsigned pw;
			hf_tile_layout(size, level, &full, &pw);
			assert_int_equal(full,
			                 json_integer_value(json_object_get(l, "full_tiles")));
			assert_int_equal(pw,
			                 json_integer_value(json_object_get(l, "partial_width")));
			json_t *pp = json_object_get(l, "partial_path");
			if (json_is_string(pp)) {
				hf_tile_ref t;
				char buf[HF_TILE_MAX_PATH];
				assert_int_equal(
				    hf_tile_for(size, level, full * HF_TILE_WIDTH, false, &t),
				    HF_OK);
				assert_int_equal(t.width, pw);
				assert_int_equal(hf_tile_path(&t, buf, sizeof(buf)), HF_OK);
				assert_string_equal(buf, json_string_value(pp));
			} else {
				assert_int_equal(pw, 0);
			}
			g_vectors++;
		}
	}
	json_t *c = json_object_get(j, "constants");
	assert_int_equal(json_integer_value(json_object_get(c, "full_tile_hashes")), HF_TILE_WIDTH);
	assert_int_equal(json_integer_value(json_object_get(c, "full_tile_bytes")),
	                 HF_TILE_WIDTH * HL);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hashing),
	    cmocka_unit_test(test_proofs_vs_reference),
	    cmocka_unit_test(test_fetch_cost),
	    cmocka_unit_test(test_huge_sizes),
	    cmocka_unit_test(test_tiles_self),
	    cmocka_unit_test(test_vec_rfc6962),
	    cmocka_unit_test(test_vec_reference_proofs),
	    cmocka_unit_test(test_vec_large),
	    cmocka_unit_test(test_vec_transparency_dev),
	    cmocka_unit_test(test_vec_tiles),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	printf("merkle vectors checked: %u\n", g_vectors);
	if (rc == 0 && g_shared_missing) {
		printf(
		    "SKIP: ../shared/data/merkle is absent; only the self-generated tests ran\n");
		return 77;
	}
	return rc;
}
