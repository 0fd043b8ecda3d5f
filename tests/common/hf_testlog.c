#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envelope_internal.h"
#include "hashfed/audit_log.h"
#include "hashfed/tlog_tiles.h"
#include "hf_testlog.h"
#include "hf_check.h"

void hf_testlog_init(hf_testlog *t, const char *origin)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->origin, sizeof(t->origin), "%s", origin);
	uint8_t seed[32];
	memset(seed, 0x4c, sizeof(seed));
	if (hf_note_signer_new(origin, HF_NOTE_ALG_ED25519, seed, &t->log) != HF_OK)
		abort();
	for (int i = 0; i < HF_TESTLOG_WITNESSES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "witness-%d.example", i);
		memset(seed, 0x57 + i, sizeof(seed));
		if (hf_note_signer_new(name, HF_NOTE_ALG_COSIG, seed, &t->w[i]) != HF_OK)
			abort();
	}
	hf_mem_tree_init(&t->tree);
}

void hf_testlog_free(hf_testlog *t)
{
	hf_note_signer_free(t->log);
	for (int i = 0; i < HF_TESTLOG_WITNESSES; i++)
		hf_note_signer_free(t->w[i]);
	for (uint64_t i = 0; i < t->n; i++)
		free(t->leaves[i]);
	free(t->leaves);
	free(t->lens);
	hf_mem_tree_free(&t->tree);
	memset(t, 0, sizeof(*t));
}

hf_err hf_testlog_header(uint32_t type, uint64_t seq, uint64_t created_ms, uint8_t *out, size_t cap,
                         size_t *len)
{
	hf_envelope_header h;
	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.type = type;
	for (int i = 0; i < HF_MSGID_LEN; i++)
		h.msg_id.b[i] = (uint8_t)(seq * 31 + (uint64_t)i);
	h.msg_id.b[6] = (uint8_t)(0x70 | (h.msg_id.b[6] & 0x0f));
	h.msg_id.b[8] = (uint8_t)(0x80 | (h.msg_id.b[8] & 0x3f));
	memset(h.sender.b, 0xa1, sizeof h.sender.b);
	h.n_recipients = 1;
	memset(h.recipients[0].b, 0xb2, sizeof h.recipients[0].b);
	h.created_ms = created_ms;
	h.expires_ms = created_ms + 86400000;
	memset(h.federation.b, 0xfe, sizeof h.federation.b);
	h.epoch = 3;
	h.audit.fields = HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_ITEMS | HF_AUDIT_STATUS;
	memset(h.audit.commitment, (int)(seq & 0xff), HF_COMMIT_LEN);
	memset(h.audit.subject, 0x5b, sizeof(h.audit.subject));
	h.audit.seq = seq;
	h.audit.items = (uint32_t)(seq % 7 + 1);
	h.audit.status = 1;
	hf_writer w;
	hfi_mp_enc e;
	hf_writer_fixed(&w, out, cap);
	hfi_mp_enc_init(&e, &w);
	HF_TRY(hfi_env_header_encode(&e, &h));
	*len = w.len;
	return HF_OK;
}

hf_err hf_testlog_append(hf_testlog *t, uint64_t logged_ms, const uint8_t *hdr, size_t hl)
{
	uint8_t leaf[HF_AUDIT_LEAF_MAX_SIZE];
	size_t ll;
	HF_TRY(hf_audit_leaf_encode(logged_ms, hdr, hl, leaf, sizeof(leaf), &ll));
	if (t->n == t->cap) {
		uint64_t nc = t->cap ? 2 * t->cap : 256;
		uint8_t **l = realloc(t->leaves, (size_t)nc * sizeof(*l));
		if (l == NULL)
			return HF_ENOMEM;
		t->leaves = l;
		size_t *s = realloc(t->lens, (size_t)nc * sizeof(*s));
		if (s == NULL)
			return HF_ENOMEM;
		t->lens = s;
		t->cap = nc;
	}
	t->leaves[t->n] = malloc(ll);
	if (t->leaves[t->n] == NULL)
		return HF_ENOMEM;
	memcpy(t->leaves[t->n], leaf, ll);
	t->lens[t->n] = ll;
	t->n++;
	return hf_mem_tree_append_leaf(&t->tree, leaf, ll);
}

hf_err hf_testlog_fill(hf_testlog *t, uint64_t n)
{
	static const uint32_t types[] = {HF_MSG_LIST_BATCH, HF_MSG_ORDER,       HF_MSG_RECEIPT,
	                                 HF_MSG_OUTCOME,    HF_MSG_ORDER_EVENT, HF_MSG_ESCALATION,
	                                 HF_MSG_REFERRAL,   HF_MSG_LIST_ACK};
	for (uint64_t i = 0; i < n; i++) {
		uint8_t h[512];
		size_t hl;
		uint64_t seq = t->n;
		uint64_t logged = 1790000000000ull + seq * 10;
		HF_TRY(hf_testlog_header(types[seq % (sizeof(types) / sizeof(types[0]))], seq,
		                         logged - 1000, h, sizeof(h), &hl));
		HF_TRY(hf_testlog_append(t, logged, h, hl));
	}
	return HF_OK;
}

size_t hf_testlog_note(const hf_testlog *t, uint64_t size, unsigned mask,
                       const uint8_t *root_override, uint8_t *out, size_t cap)
{
	hf_checkpoint c;
	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", t->origin);
	c.size = size;
	hf_merkle_store s = hf_mem_tree_store((hf_mem_tree *)&t->tree);
	if (root_override != NULL)
		memcpy(c.root, root_override, 32);
	else if (hf_merkle_root(&s, size, c.root) != HF_OK)
		abort();
	size_t n;
	if (hf_checkpoint_sign(&c, t->log, out, cap, &n) != HF_OK)
		abort();
	for (int i = 0; i < HF_TESTLOG_WITNESSES; i++) {
		if (!(mask & (1u << i)))
			continue;
		char line[HF_NOTE_MAX_LINE + 1];
		size_t ll;
		if (hf_checkpoint_cosign(t->w[i], out, n, 1790000000 + size, line, sizeof(line),
		                         &ll) != HF_OK ||
		    n + ll > cap)
			abort();
		memcpy(out + n, line, ll);
		n += ll;
	}
	return n;
}

static hf_err mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				return HF_EIO;
			*p = '/';
		}
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return HF_EIO;
	return HF_OK;
}

hf_err hf_testlog_put(const char *dir, const char *rel, const uint8_t *bytes, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = 0;
	HF_TRY(mkdirs(path));
	*slash = '/';
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return HF_EIO;
	size_t w = fwrite(bytes, 1, len, f);
	if (fclose(f) != 0 || w != len)
		return HF_EIO;
	return HF_OK;
}

hf_err hf_testlog_write(const hf_testlog *t, const char *dir, const uint64_t *sizes, size_t n_sizes,
                        unsigned mask)
{
	uint64_t n = t->n;
	hf_merkle_store s = hf_mem_tree_store((hf_mem_tree *)&t->tree);
	char path[HF_TILE_MAX_PATH];
	HF_TRY(mkdirs(dir));
	/* hash tiles */
	for (unsigned L = 0; L < hf_tile_levels(n); L++) {
		uint64_t full;
		unsigned pw;
		hf_tile_layout(n, L, &full, &pw);
		for (uint64_t i = 0; i <= full; i++) {
			hf_tile_ref r = {.level = (uint8_t)L,
			                 .index = i,
			                 .width = (uint16_t)(i < full ? HF_TILE_WIDTH : pw)};
			if (r.width == 0)
				continue;
			uint8_t tile[HF_TILE_WIDTH * 32];
			size_t tl;
			HF_TRY(hf_tile_build(&s, &r, tile, sizeof(tile), &tl));
			HF_TRY(hf_tile_path(&r, path, sizeof(path)));
			HF_TRY(hf_testlog_put(dir, path, tile, tl));
		}
	}
	/* entry bundles */
	size_t bcap = (size_t)HF_TILE_WIDTH * (2 + HF_AUDIT_LEAF_MAX_SIZE);
	uint8_t *b = malloc(bcap);
	if (b == NULL)
		return HF_ENOMEM;
	for (uint64_t first = 0; first < n; first += HF_TILE_WIDTH) {
		hf_tile_ref r;
		HF_TRY(hf_tile_for(n, 0, first, true, &r));
		size_t off = 0;
		for (unsigned k = 0; k < r.width; k++)
			HF_TRY(
			    hf_bundle_put(b, bcap, &off, t->leaves[first + k], t->lens[first + k]));
		HF_TRY(hf_tile_path(&r, path, sizeof(path)));
		HF_TRY(hf_testlog_put(dir, path, b, off));
	}
	free(b);
	/* checkpoints */
	uint8_t note[8192];
	size_t hcap = (n_sizes + 1) * (sizeof(note) + 16), hl = 0;
	uint8_t *hist = malloc(hcap);
	if (hist == NULL)
		return HF_ENOMEM;
	hf_err rc = HF_OK;
	for (size_t k = 0; k < n_sizes && rc == HF_OK; k++) {
		size_t nl = hf_testlog_note(t, sizes[k], mask, NULL, note, sizeof(note));
		rc = hf_checkpoint_history_put(hist, hcap, &hl, note, nl);
	}
	if (rc == HF_OK)
		rc = hf_testlog_put(dir, "checkpoints", hist, hl);
	free(hist);
	HF_TRY(rc);
	size_t nl = hf_testlog_note(t, n, mask, NULL, note, sizeof(note));
	return hf_testlog_put(dir, "checkpoint", note, nl);
}

void hf_testlog_cli_keys(const hf_testlog *t, char *out, size_t cap)
{
	char vk[HF_NOTE_MAX_VKEY];
	size_t off = 0;
	if (hf_note_vkey_encode(hf_note_signer_vkey(t->log), vk, sizeof(vk)) != HF_OK)
		abort();
	off += (size_t)snprintf(out + off, cap - off, "--log-key '%s'", vk);
	for (int i = 0; i < HF_TESTLOG_WITNESSES; i++) {
		if (hf_note_vkey_encode(hf_note_signer_vkey(t->w[i]), vk, sizeof(vk)) != HF_OK)
			abort();
		off += (size_t)snprintf(out + off, cap - off, " --witness '%s'", vk);
	}
}

void hf_testlog_policy(const hf_testlog *t, size_t quorum, hf_log_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->origin = t->origin;
	p->log_key = *hf_note_signer_vkey(t->log);
	for (int i = 0; i < HF_TESTLOG_WITNESSES; i++)
		p->witnesses[i] = *hf_note_signer_vkey(t->w[i]);
	p->n_witnesses = HF_TESTLOG_WITNESSES;
	p->quorum = quorum;
}
