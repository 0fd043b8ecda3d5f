/*
 * hf-vectors: spec/vectors/merkle.json (spec §15.7): audit leaves of every
 * logged type with their hashes, leaf rejects, the tree over them (roots,
 * every inclusion proof at the full size, consistency proofs), the tiles and
 * entry bundle, and a checkpoint signed by a deterministic log key and
 * cosigned by three deterministic witnesses.
 */
#include <stdlib.h>
#include <string.h>

#include "gen_vectors.h"
#include "hashfed/audit_log.h"
#include "hashfed/tlog_tiles.h"
#include "hf_testlog.h"
#include "mp.h"

#define NLEAVES 13
#define HL      HF_MERKLE_HASH_LEN

static hf_err dec_leaf(const uint8_t *b, size_t n)
{
	static hf_audit_leaf l;
	return hf_audit_leaf_decode(b, n, &l);
}

static void die(const char *what)
{
	fprintf(stderr, "hf-vectors: merkle: %s\n", what);
	exit(1);
}

static void hashes(sbuf *s, const uint8_t (*h)[HL], size_t n)
{
	sb_put(s, "[");
	for (size_t i = 0; i < n; i++) {
		sb_put(s, "%s", i ? ", " : "");
		sb_hex(s, h[i], HL);
	}
	sb_put(s, "]");
}

static void leaf_rejects(sbuf *s, const hf_testlog *t)
{
	int first = 1;
	const uint8_t *b = t->leaves[1];
	size_t n = t->lens[1];
	sb_put(s, "  \"rejects\": [\n");
	mm_map m;
	uint8_t *o;
	size_t on;
	/* format 2 */
	mm_split(&m, b, n);
	mm_set_uint(&m, 1, 2);
	mm_join(&m, &o, &on);
	reject(s, &first, "format-2", HF_MSG_ORDER, HF_ELEAF, dec_leaf, o, on);
	free(o);
	mm_free(&m);
	/* logged missing */
	mm_split(&m, b, n);
	mm_drop(&m, 2);
	mm_join(&m, &o, &on);
	reject(s, &first, "logged-missing", HF_MSG_ORDER, HF_EMISSING, dec_leaf, o, on);
	free(o);
	mm_free(&m);
	/* unknown key 4 */
	mm_split(&m, b, n);
	uint8_t zero = 0;
	mm_insert(&m, MM_END, 4, &zero, 1);
	mm_join(&m, &o, &on);
	reject(s, &first, "unknown-key", HF_MSG_ORDER, HF_EUNKNOWNKEY, dec_leaf, o, on);
	free(o);
	mm_free(&m);
	/* a header of a type the log does not record (DATA) */
	{
		uint8_t h[512], leafb[600];
		size_t hl;
		if (hf_testlog_header(HF_MSG_DATA, 1, NOW, h, sizeof(h), &hl) != HF_OK)
			die("header");
		hf_writer w;
		hfi_mp_enc e;
		hf_writer_fixed(&w, leafb, sizeof(leafb));
		hfi_mp_enc_init(&e, &w);
		hfi_mp_put_map(&e, 3);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_uint(&e, 1);
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_uint(&e, NOW);
		hfi_mp_put_key(&e, 3);
		hfi_mp_put_bin(&e, h, hl);
		if (hfi_mp_enc_status(&e) != HF_OK)
			die("encode");
		reject(s, &first, "type-not-logged", HF_MSG_DATA, HF_EMSGTYPE, dec_leaf, leafb,
		       w.len);
	}
	/* header bytes with a trailing byte inside the bin */
	{
		hf_audit_leaf *l = malloc(sizeof(*l));
		if (l == NULL || hf_audit_leaf_decode(b, n, l) != HF_OK)
			die("decode");
		uint8_t h[600];
		memcpy(h, l->hdr_bytes, l->hdr_len);
		h[l->hdr_len] = 0xc0;
		mm_split(&m, b, n);
		uint8_t bin[700];
		size_t bl = 0;
		bin[bl++] = 0xc4;
		bin[bl++] = (uint8_t)(l->hdr_len + 1);
		memcpy(bin + bl, h, l->hdr_len + 1);
		bl += l->hdr_len + 1;
		mm_set_raw(&m, 3, bin, bl);
		mm_join(&m, &o, &on);
		reject(s, &first, "header-trailing-byte", HF_MSG_ORDER, HF_ETRAILING, dec_leaf, o,
		       on);
		free(o);
		mm_free(&m);
		free(l);
	}
	raw_rejects(s, &first, "leaf", HF_MSG_ORDER, dec_leaf, b, n);
	sb_put(s, "\n  ],\n");
}

void gen_merkle(sbuf *s)
{
	hf_testlog t;
	hf_testlog_init(&t, "auditor.example/hashfed-log");
	if (hf_testlog_fill(&t, NLEAVES) != HF_OK)
		die("fill");
	hf_merkle_store st = hf_mem_tree_store(&t.tree);
	hf_audit_leaf *l = malloc(sizeof(*l));
	if (l == NULL)
		die("oom");

	sb_put(s,
	       "{\n  \"about\": \"audit log (spec 15): leaves of every logged type, rejects, the "
	       "tree over them with roots and proofs, tiles, and a cosigned checkpoint\",\n");
	/* leaves */
	sb_put(s, "  \"leaves\": [\n");
	for (uint64_t i = 0; i < t.n; i++) {
		uint8_t lh[HL];
		if (hf_audit_leaf_decode(t.leaves[i], t.lens[i], l) != HF_OK ||
		    hf_merkle_leaf_hash(t.leaves[i], t.lens[i], lh) != HF_OK)
			die("leaf");
		sb_put(s, "    {\"index\": %llu, \"type\": %u, \"logged_ms\": %llu, \"header\": ",
		       (unsigned long long)i, (unsigned)l->hdr.type,
		       (unsigned long long)l->logged_ms);
		sb_hex(s, l->hdr_bytes, l->hdr_len);
		sb_put(s, ",\n     \"leaf\": ");
		sb_hex(s, t.leaves[i], t.lens[i]);
		sb_put(s, ",\n     \"leaf_hash\": ");
		sb_hex(s, lh, HL);
		sb_put(s, "}%s\n", i + 1 < t.n ? "," : "");
		char name[48];
		snprintf(name, sizeof(name), "vec-leaf-%llu.bin", (unsigned long long)i);
		seed("checkpoint", name, t.leaves[i], t.lens[i]);
	}
	sb_put(s, "  ],\n");
	leaf_rejects(s, &t);

	/* tree */
	uint8_t roots[NLEAVES + 1][HL];
	for (uint64_t n = 0; n <= NLEAVES; n++)
		if (hf_merkle_root(&st, n, roots[n]) != HF_OK)
			die("root");
	sb_put(s, "  \"roots_by_size\": ");
	hashes(s, (const uint8_t(*)[HL])roots, NLEAVES + 1);
	sb_put(s, ",\n  \"inclusion_proofs\": [\n");
	uint8_t p[HF_MERKLE_MAX_PROOF][HL];
	size_t np;
	for (uint64_t i = 0; i < NLEAVES; i++) {
		if (hf_merkle_inclusion_proof(&st, i, NLEAVES, p, HF_MERKLE_MAX_PROOF, &np) !=
		    HF_OK)
			die("inclusion");
		sb_put(s, "    {\"index\": %llu, \"tree_size\": %d, \"proof\": ",
		       (unsigned long long)i, NLEAVES);
		hashes(s, (const uint8_t(*)[HL])p, np);
		sb_put(s, "}%s\n", i + 1 < NLEAVES ? "," : "");
	}
	sb_put(s, "  ],\n  \"consistency_proofs\": [\n");
	static const uint64_t pairs[][2] = {{1, 13}, {3, 7},   {4, 8},   {5, 13}, {7, 13},
	                                    {8, 13}, {12, 13}, {13, 13}, {6, 6}};
	size_t np_pairs = sizeof(pairs) / sizeof(pairs[0]);
	for (size_t k = 0; k < np_pairs; k++) {
		if (hf_merkle_consistency_proof(&st, pairs[k][0], pairs[k][1], p,
		                                HF_MERKLE_MAX_PROOF, &np) != HF_OK)
			die("consistency");
		sb_put(s, "    {\"size1\": %llu, \"size2\": %llu, \"proof\": ",
		       (unsigned long long)pairs[k][0], (unsigned long long)pairs[k][1]);
		hashes(s, (const uint8_t(*)[HL])p, np);
		sb_put(s, "}%s\n", k + 1 < np_pairs ? "," : "");
	}
	sb_put(s, "  ],\n");

	/* tiles at size 13 */
	uint8_t tile[NLEAVES * HL];
	size_t tl;
	hf_tile_ref tr = {.level = 0, .index = 0, .width = NLEAVES};
	char path[HF_TILE_MAX_PATH];
	if (hf_tile_build(&st, &tr, tile, sizeof(tile), &tl) != HF_OK ||
	    hf_tile_path(&tr, path, sizeof(path)) != HF_OK)
		die("tile");
	sb_put(s, "  \"tiles\": [\n    {\"path\": \"%s\", \"hex\": ", path);
	sb_hex(s, tile, tl);
	uint8_t bundle[NLEAVES * 700];
	size_t off = 0;
	for (uint64_t i = 0; i < NLEAVES; i++)
		if (hf_bundle_put(bundle, sizeof(bundle), &off, t.leaves[i], t.lens[i]) != HF_OK)
			die("bundle");
	tr.entries = true;
	if (hf_tile_path(&tr, path, sizeof(path)) != HF_OK)
		die("path");
	sb_put(s, "},\n    {\"path\": \"%s\", \"hex\": ", path);
	sb_hex(s, bundle, off);
	sb_put(s, "}\n  ],\n");

	/* keys and the cosigned checkpoint */
	char vk[HF_NOTE_MAX_VKEY];
	sb_put(s,
	       "  \"keys\": {\n    \"log\": {\"name\": \"%s\", \"ed25519_seed_hex\": ", t.origin);
	uint8_t seedb[32];
	memset(seedb, 0x4c, 32);
	sb_hex(s, seedb, 32);
	if (hf_note_vkey_encode(hf_note_signer_vkey(t.log), vk, sizeof(vk)) != HF_OK)
		die("vkey");
	sb_put(s, ", \"vkey\": \"%s\"},\n    \"witnesses\": [\n", vk);
	for (int i = 0; i < HF_TESTLOG_WITNESSES; i++) {
		memset(seedb, 0x57 + i, 32);
		if (hf_note_vkey_encode(hf_note_signer_vkey(t.w[i]), vk, sizeof(vk)) != HF_OK)
			die("vkey");
		sb_put(s, "      {\"name\": \"%s\", \"ed25519_seed_hex\": ",
		       hf_note_signer_vkey(t.w[i])->name);
		sb_hex(s, seedb, 32);
		sb_put(s, ", \"vkey\": \"%s\"}%s\n", vk, i + 1 < HF_TESTLOG_WITNESSES ? "," : "");
	}
	sb_put(s, "    ]\n  },\n");
	uint8_t note[4096];
	size_t nl = hf_testlog_note(&t, NLEAVES, 0x7, NULL, note, sizeof(note));
	const char *split = strstr((const char *)note, "\n\n");
	if (split == NULL)
		die("note");
	sb_put(s,
	       "  \"checkpoint\": {\"size\": %d, \"cosignature_time\": %llu, \"body\": ", NLEAVES,
	       1790000000ull + NLEAVES);
	sb_str(s, (const char *)note, (size_t)(split + 1 - (const char *)note));
	sb_put(s, ",\n    \"note\": ");
	sb_str(s, (const char *)note, nl);
	sb_put(s, "}\n}\n");
	seed("checkpoint", "vec-note.txt", note, nl);
	free(l);
	hf_testlog_free(&t);
}
