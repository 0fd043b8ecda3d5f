/*
 * Fuzz target: the audit log's untrusted parsers (spec §15): signed notes
 * (hf_note_parse / hf_note_verify / hf_note_open), checkpoint bodies
 * (hf_checkpoint_parse) and whole cosigned checkpoints (hf_checkpoint_open
 * under the policy of spec/vectors/merkle.json's keys), verifier keys, tile
 * paths, entry bundles, audit leaves, and the Merkle proof decoders (the input
 * read as index || size || leaf hash || root || proof bytes).
 *
 * Oracles: what parses re-encodes to the same bytes (checkpoint bodies, vkeys,
 * tile paths, leaves); an accepted checkpoint really has the log's signature and
 * a quorum; a verified inclusion proof implies the same root through
 * hf_merkle_root_from_inclusion; a bundle splits exactly into the entries a
 * plain scan finds.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hashfed/audit_log.h"
#include "hashfed/checkpoint.h"
#include "hashfed/merkle.h"
#include "hashfed/note.h"
#include "hashfed/tlog_tiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hf_log_policy *g_pol;

/* The keys of spec/vectors/merkle.json (tests/common/hf_testlog.c seeds). */
static void init_policy(void)
{
	if (g_pol != NULL)
		return;
	g_pol = calloc(1, sizeof(*g_pol));
	if (g_pol == NULL)
		abort();
	uint8_t seed[32];
	hf_note_signer *s;
	memset(seed, 0x4c, 32);
	if (hf_note_signer_new("auditor.example/hashfed-log", HF_NOTE_ALG_ED25519, seed, &s) !=
	    HF_OK)
		abort();
	g_pol->log_key = *hf_note_signer_vkey(s);
	hf_note_signer_free(s);
	for (int i = 0; i < 3; i++) {
		char name[32] = "witness-0.example";
		name[8] = (char)('0' + i);
		memset(seed, 0x57 + i, 32);
		if (hf_note_signer_new(name, HF_NOTE_ALG_COSIG, seed, &s) != HF_OK)
			abort();
		g_pol->witnesses[i] = *hf_note_signer_vkey(s);
		hf_note_signer_free(s);
	}
	g_pol->n_witnesses = 3;
	g_pol->quorum = 2;
	g_pol->origin = "auditor.example/hashfed-log";
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void fuzz_notes(const uint8_t *data, size_t size)
{
	hf_note *n = malloc(sizeof(*n));
	if (n == NULL)
		return;
	if (hf_note_parse(data, size, n) == HF_OK) {
		if (n->n_sigs == 0 || n->n_sigs > HF_NOTE_MAX_SIGS || n->text_len == 0 ||
		    n->text_len > size || n->text[n->text_len - 1] != '\n')
			abort();
		hf_note_vkey keys[4];
		keys[0] = g_pol->log_key;
		memcpy(keys + 1, g_pol->witnesses, 3 * sizeof(keys[0]));
		bool ver[4];
		uint64_t ts[4];
		hf_err rc = hf_note_verify(n, keys, 4, ver, ts);
		if (rc == HF_OK && !(ver[0] || ver[1] || ver[2] || ver[3]))
			abort();
	}
	free(n);
	hf_checkpoint *c = malloc(sizeof(*c));
	hf_cosig_status st;
	if (c == NULL)
		return;
	if (hf_checkpoint_open(data, size, g_pol, c, &st) == HF_OK) {
		if (st.n_valid < g_pol->quorum || strcmp(c->origin, g_pol->origin) != 0)
			abort();
		/* the log key must have signed exactly this body */
		const uint8_t *text;
		size_t tl;
		if (hf_note_open(data, size, &g_pol->log_key, 1, &text, &tl) != HF_OK)
			abort();
	}
	free(c);
}

static void fuzz_bodies(const uint8_t *data, size_t size)
{
	hf_checkpoint *c = malloc(sizeof(*c));
	if (c == NULL)
		return;
	if (hf_checkpoint_parse(data, size, c) == HF_OK) {
		uint8_t out[HF_CHECKPOINT_MAX_BODY];
		size_t n;
		if (hf_checkpoint_encode(c, out, sizeof(out), &n) != HF_OK || n != size ||
		    memcmp(out, data, n) != 0)
			abort();
	}
	free(c);
	hf_note_vkey k;
	if (hf_note_vkey_parse((const char *)data, size, &k) == HF_OK) {
		char buf[HF_NOTE_MAX_VKEY];
		if (hf_note_vkey_encode(&k, buf, sizeof(buf)) != HF_OK || strlen(buf) != size ||
		    strncasecmp(buf, (const char *)data, size) != 0)
			abort();
	}
	hf_tile_ref t;
	if (hf_tile_path_parse((const char *)data, size, &t) == HF_OK) {
		char buf[HF_TILE_MAX_PATH];
		if (hf_tile_path(&t, buf, sizeof(buf)) != HF_OK || strlen(buf) != size ||
		    memcmp(buf, data, size) != 0)
			abort();
	}
}

static void fuzz_bundles_leaves(const uint8_t *data, size_t size)
{
	/* plain scan of u16be-prefixed entries */
	size_t off = 0;
	unsigned count = 0;
	while (count <= HF_TILE_WIDTH && size - off >= 2) {
		size_t l = ((size_t)data[off] << 8) | data[off + 1];
		if (size - off - 2 < l)
			break;
		off += 2 + l;
		count++;
	}
	const uint8_t *ents[HF_TILE_WIDTH];
	size_t lens[HF_TILE_WIDTH];
	if (off == size && count >= 1 && count <= HF_TILE_WIDTH) {
		if (hf_bundle_split(data, size, count, ents, lens) != HF_OK)
			abort();
		if (count < HF_TILE_WIDTH &&
		    hf_bundle_split(data, size, count + 1, ents, lens) == HF_OK)
			abort();
	} else if (size > 0) {
		unsigned w = (unsigned)data[0] % HF_TILE_WIDTH + 1;
		(void)!hf_bundle_split(data, size, w, ents, lens);
	}
	hf_audit_leaf *l = malloc(sizeof(*l));
	if (l == NULL)
		return;
	if (hf_audit_leaf_decode(data, size, l) == HF_OK) {
		uint8_t out[HF_AUDIT_LEAF_MAX_SIZE];
		size_t n;
		if (!hf_audit_type_logged(l->hdr.type) ||
		    hf_audit_leaf_encode(l->logged_ms, l->hdr_bytes, l->hdr_len, out, sizeof(out),
		                         &n) != HF_OK ||
		    n != size || memcmp(out, data, n) != 0)
			abort();
		(void)!hf_audit_leaf_check_time(l, 3600000);
	}
	free(l);
}

static void fuzz_proofs(const uint8_t *data, size_t size)
{
	if (size < 80)
		return;
	uint64_t a = be64(data), b = be64(data + 8);
	const uint8_t *h1 = data + 16, *h2 = data + 48, *proof = data + 80;
	size_t pl = size - 80;
	uint8_t r[HF_MERKLE_HASH_LEN];
	hf_err rc = hf_merkle_verify_inclusion(h1, a, b, h2, proof, pl);
	hf_err rc2 = hf_merkle_root_from_inclusion(h1, a, b, proof, pl, r);
	if (rc == HF_OK && (rc2 != HF_OK || memcmp(r, h2, sizeof(r)) != 0))
		abort();
	if (rc2 == HF_OK && rc != HF_OK && memcmp(r, h2, sizeof(r)) == 0)
		abort();
	rc = hf_merkle_verify_consistency(a, h1, b, h2, proof, pl);
	if (rc == HF_OK && (a == 0 || a > b))
		abort();
	/* small sizes: also exercise the length functions */
	(void)hf_merkle_inclusion_proof_len(a, b);
	(void)hf_merkle_consistency_proof_len(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_policy();
	fuzz_notes(data, size);
	fuzz_bodies(data, size);
	fuzz_bundles_leaves(data, size);
	fuzz_proofs(data, size);
	return 0;
}
