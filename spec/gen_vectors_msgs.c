/*
 * hf-vectors: hash list bodies (spec §12: batch, snapshot part, pull and the
 * all-zero hello of §12.5) and match reports (spec §14). Valid vectors spell
 * out every decoded field so a second implementation can check both
 * directions; rejects break one rule each (checked here against the decoder).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_vectors.h"
#include "hashfed/envelope.h"
#include "hashfed/list.h"
#include "hashfed/match_report.h"
#include "mp.h"

#define DAY_MS 86400000ULL

static const uint8_t LIST_ID[HF_LIST_ID_LEN] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                                0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const char LIST_NAME[] = "vector list \xeb\xaa\xa9\xeb\xa1\x9d"; /* "... 목록" */

static const uint8_t VIDEO_LIST_ID[HF_LIST_ID_LEN] = {
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};
static const char VIDEO_LIST_NAME[] = "vector videos";

static void be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static hf_list_entry entry(uint64_t id, uint8_t alg, uint8_t quality, uint16_t category,
                           uint64_t expires)
{
	hf_list_entry e;
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.alg = alg;
	e.quality = quality;
	e.category = category;
	e.expires_ms = expires;
	for (size_t j = 0; j < HF_PSEUDONYM_LEN; j++)
		e.pseudonym[j] = (uint8_t)(0x10 * id + j);
	for (size_t j = 0; j < hf_hash_alg_len(alg); j++)
		e.value[j] = (uint8_t)(id * 31 + j * 7);
	return e;
}

static void put_entry(sbuf *s, const hf_list_entry *e, int last)
{
	sb_put(s,
	       "        {\"id\": %llu, \"alg\": %u, \"quality\": %u, \"category\": %u, "
	       "\"expires\": %llu,\n         \"pseudonym\": ",
	       (unsigned long long)e->id, e->alg, e->quality, e->category,
	       (unsigned long long)e->expires_ms);
	sb_hex(s, e->pseudonym, HF_PSEUDONYM_LEN);
	sb_put(s, ", \"value\": ");
	if (e->alg == HF_ALG_VPDQ) {
		/* The value on the wire: frame count (u16) then the frame records. */
		uint8_t nb[2] = {(uint8_t)(e->n_frames >> 8), (uint8_t)e->n_frames};
		sb_put(s, "\"");
		sb_put(s, "%02x%02x", nb[0], nb[1]);
		for (size_t i = 0; i < (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN; i++)
			sb_put(s, "%02x", e->frames[i]);
		sb_put(s, "\"");
	} else {
		sb_hex(s, e->value, hf_hash_alg_len(e->alg));
	}
	sb_put(s, "}%s\n", last ? "" : ",");
}

static void put_entries(sbuf *s, const char *key, const hf_list_entry *e, size_t n)
{
	sb_put(s, "      \"%s\": [%s", key, n ? "\n" : "");
	for (size_t i = 0; i < n; i++)
		put_entry(s, &e[i], i + 1 == n);
	sb_put(s, "%s]", n ? "      " : "");
}

static void put_ids(sbuf *s, const char *key, const uint64_t *ids, size_t n)
{
	sb_put(s, "\"%s\": [", key);
	for (size_t i = 0; i < n; i++)
		sb_put(s, "%s%llu", i ? ", " : "", (unsigned long long)ids[i]);
	sb_put(s, "]");
}

static void put_meta(sbuf *s, const hf_list_meta *m)
{
	sb_put(s, "      \"name\": ");
	sb_str(s, m->name, m->name_len);
	sb_put(s, ", \"category\": %u, \"algs\": %u,\n", m->category, m->algs);
}

/* Opens a vector object: name, type, hex; the caller adds fields and "}". */
static void vec_open(sbuf *s, int *first, const char *name, unsigned type, const uint8_t *b,
                     size_t n, const char *seed_dir)
{
	sb_put(s, "%s    {\"name\": \"%s\", \"type\": %u, \"hex\": ", *first ? "" : ",\n", name,
	       type);
	sb_hex(s, b, n);
	*first = 0;
	char sname[96];
	snprintf(sname, sizeof(sname), "vec-%s.bin", name);
	seed(seed_dir, sname, b, n);
}

/* ---- lists --------------------------------------------------------------- */

static hf_err dec_batch(const uint8_t *b, size_t n)
{
	hf_list_batch x;
	return hf_list_batch_decode(b, n, &x);
}

static hf_err dec_snapshot(const uint8_t *b, size_t n)
{
	hf_list_snapshot x;
	return hf_list_snapshot_decode(b, n, &x);
}

static hf_err dec_pull(const uint8_t *b, size_t n)
{
	hf_list_pull x;
	return hf_list_pull_decode(b, n, &x);
}

static hf_err dec_ack(const uint8_t *b, size_t n)
{
	hf_list_ack x;
	return hf_list_ack_decode(b, n, &x);
}

static void batch_vec(sbuf *s, int *first, const char *name, const hf_list_batch *b,
                      const hf_list_entry *added, size_t na, const uint64_t *removed, size_t nr,
                      uint8_t **out, size_t *out_len, uint8_t hash[HF_LIST_HASH_LEN])
{
	if (hf_list_batch_encode(b, added, na, removed, nr, out, out_len) != HF_OK)
		abort();
	hf_list_batch_hash(*out, *out_len, hash);
	vec_open(s, first, name, HF_MSG_LIST_BATCH, *out, *out_len, "list");
	sb_put(s, ",\n     \"chain_hash\": ");
	sb_hex(s, hash, HF_LIST_HASH_LEN);
	sb_put(s, ",\n     \"fields\": {\n      \"list_id\": ");
	sb_hex(s, b->list_id.b, HF_LIST_ID_LEN);
	sb_put(s, ", \"number\": %llu, \"prev\": ", (unsigned long long)b->number);
	sb_hex(s, b->prev_hash, HF_LIST_HASH_LEN);
	sb_put(s, ",\n");
	if (b->number == 1)
		put_meta(s, &b->meta);
	sb_put(s, "      \"first_id\": %llu,\n", (unsigned long long)b->first_id);
	put_entries(s, "added", added, na);
	sb_put(s, ",\n      ");
	put_ids(s, "removed", removed, nr);
	sb_put(s, "}}");
}

static void snapshot_vec(sbuf *s, int *first, const char *name, const hf_list_snapshot *sn,
                         const hf_list_entry *e, size_t n, uint8_t **out, size_t *out_len)
{
	if (hf_list_snapshot_encode(sn, e, n, out, out_len) != HF_OK)
		abort();
	vec_open(s, first, name, HF_MSG_LIST_SNAPSHOT, *out, *out_len, "list");
	sb_put(s, ",\n     \"fields\": {\n      \"list_id\": ");
	sb_hex(s, sn->list_id.b, HF_LIST_ID_LEN);
	sb_put(s, ", \"at\": %llu, \"head\": ", (unsigned long long)sn->at_batch);
	sb_hex(s, sn->head_hash, HF_LIST_HASH_LEN);
	sb_put(s, ",\n");
	put_meta(s, &sn->meta);
	sb_put(s, "      \"next_id\": %llu, \"part\": %u, \"parts\": %u,\n",
	       (unsigned long long)sn->next_id, sn->part, sn->parts);
	put_entries(s, "entries", e, n);
	sb_put(s, "}}");
}

static void pull_vec(sbuf *s, int *first, const char *name, const hf_list_pull *q, uint8_t **out,
                     size_t *out_len)
{
	if (hf_list_pull_encode(q, out, out_len) != HF_OK)
		abort();
	vec_open(s, first, name, HF_MSG_LIST_PULL, *out, *out_len, "list");
	sb_put(s, ",\n     \"fields\": {\"list_id\": ");
	sb_hex(s, q->list_id.b, HF_LIST_ID_LEN);
	sb_put(s, ", \"after\": %llu}}", (unsigned long long)q->after);
}

static void ack_vec(sbuf *s, int *first, const char *name, const hf_list_ack *k, uint8_t **out,
                    size_t *out_len)
{
	if (hf_list_ack_encode(k, out, out_len) != HF_OK)
		abort();
	vec_open(s, first, name, HF_MSG_LIST_ACK, *out, *out_len, "list");
	sb_put(s, ",\n     \"fields\": {\"list_id\": ");
	sb_hex(s, k->list_id.b, HF_LIST_ID_LEN);
	sb_put(s, ", \"number\": %llu}}", (unsigned long long)k->number);
}

/* Value bytes of a bin field without its header. */
static const uint8_t *bin_body(const mm_map *m, unsigned k, size_t *n)
{
	const mm_field *f = &m->f[mm_find(m, k)];
	size_t h = f->val[0] == 0xc4 ? 2 : f->val[0] == 0xc5 ? 3 : 5;
	*n = f->val_len - h;
	return f->val + h;
}

/* Rewrites one byte inside a bin field's body. */
static void bin_poke(mm_map *m, unsigned k, size_t at, uint8_t v)
{
	size_t n;
	const uint8_t *p = bin_body(m, k, &n);
	uint8_t *c = malloc(n);
	memcpy(c, p, n);
	c[at] = v;
	mm_set_bin(m, k, c, n);
	free(c);
}

static void set_ids(mm_map *m, unsigned k, uint64_t a, uint64_t b)
{
	uint8_t r[16];
	be64(r, a);
	be64(r + 8, b);
	mm_set_bin(m, k, r, 16);
}

void gen_lists(sbuf *s)
{
	/* PDQ, MD5, SHA-256: the algorithms of the first vectors (before vPDQ existed). */
	hf_list_meta meta = {LIST_NAME, sizeof(LIST_NAME) - 1, 7,
	                     1u << HF_ALG_PDQ | 1u << HF_ALG_MD5 | 1u << HF_ALG_SHA256};
	hf_list_entry e1[3] = {entry(1, HF_ALG_PDQ, 92, 3, 0),
	                       entry(2, HF_ALG_MD5, 100, 3, NOW + 30 * DAY_MS),
	                       entry(3, HF_ALG_SHA256, 100, 5, 0)};
	hf_list_entry e2[2] = {entry(4, HF_ALG_PDQ, 80, 0x1234, 0),
	                       entry(5, HF_ALG_MD5, 100, 7, NOW)};
	uint64_t rm2[2] = {1, 3}, rm3[1] = {5};
	uint8_t h1[32], h2[32], h3[32];
	uint8_t *b1, *b2, *b3, *s0, *s1, *s2, *p1, *p2, *a1;
	size_t n1, n2, n3, ns0, ns1, ns2, np1, np2, na1;
	int first = 1;

	sb_put(s, "{\n  \"about\": \"hash list bodies (spec 12): batch (type 16), snapshot part "
	          "(17), pull (18; the all-zero list id with after 0 is the hello of 12.5), "
	          "acknowledgement (20, 12.7). "
	          "vectors: canonical bodies with every field; a decoder must give these fields "
	          "and an encoder these bytes. chain_hash is BLAKE2b-256('hashfed/v1/list-batch' "
	          "|| body) (12.3). Entry ids of a batch are first_id + i. rejects: one broken "
	          "rule each, with the exact error a decoder must return.\",\n  \"vectors\": [\n");
	hf_list_batch b = {0};
	memcpy(b.list_id.b, LIST_ID, sizeof b.list_id.b);
	b.number = 1;
	b.meta = meta;
	b.first_id = 1;
	batch_vec(s, &first, "batch-1", &b, e1, 3, NULL, 0, &b1, &n1, h1);
	b.number = 2;
	memcpy(b.prev_hash, h1, 32);
	b.first_id = 4;
	batch_vec(s, &first, "batch-2", &b, e2, 2, rm2, 2, &b2, &n2, h2);
	b.number = 3;
	memcpy(b.prev_hash, h2, 32);
	b.first_id = 6;
	batch_vec(s, &first, "batch-3-removal-only", &b, NULL, 0, rm3, 1, &b3, &n3, h3);

	/* After batch 3 the active entries are 2 and 4, sent as two parts. */
	hf_list_snapshot sn = {0};
	memcpy(sn.list_id.b, LIST_ID, sizeof sn.list_id.b);
	sn.at_batch = 3;
	memcpy(sn.head_hash, h3, 32);
	sn.next_id = 6;
	sn.meta = meta;
	sn.parts = 2;
	snapshot_vec(s, &first, "snapshot-part-0-of-2", &sn, &e1[1], 1, &s0, &ns0);
	sn.part = 1;
	snapshot_vec(s, &first, "snapshot-part-1-of-2", &sn, &e2[0], 1, &s1, &ns1);
	sn.at_batch = 0;
	memset(sn.head_hash, 0, 32);
	sn.next_id = 1;
	sn.part = 0;
	sn.parts = 1;
	snapshot_vec(s, &first, "snapshot-empty-list", &sn, NULL, 0, &s2, &ns2);

	hf_list_pull q = {{{0}}, 2};
	memcpy(q.list_id.b, LIST_ID, sizeof q.list_id.b);
	pull_vec(s, &first, "pull-after-2", &q, &p1, &np1);
	memset(&q, 0, sizeof(q));
	pull_vec(s, &first, "pull-hello", &q, &p2, &np2);
	/* The platform applied batch 3 of the list above. */
	hf_list_ack ak;
	memcpy(ak.list_id.b, LIST_ID, sizeof(LIST_ID));
	ak.number = 3;
	ack_vec(s, &first, "ack-3", &ak, &a1, &na1);

	/* A video list (vPDQ + the video's MD5), batch 1: a vPDQ entry of 3 frames. */
	uint8_t vframes[3 * HF_LIST_VIDEO_FRAME_LEN];
	for (size_t i = 0; i < 3; i++) {
		uint8_t *r = vframes + i * HF_LIST_VIDEO_FRAME_LEN;
		be32(r, (uint32_t)(30 * i));       /* frame */
		r[4] = (uint8_t)(100 - 10 * i);    /* quality */
		be32(r + 5, (uint32_t)(1000 * i)); /* milliseconds */
		for (size_t j = 0; j < 32; j++)    /* PDQ hash */
			r[9 + j] = (uint8_t)(0xe0 + 17 * i + 5 * j);
	}
	hf_list_entry ev[2] = {entry(1, HF_ALG_VPDQ, 80, 9, 0), entry(2, HF_ALG_MD5, 100, 9, 0)};
	ev[0].frames = vframes;
	ev[0].n_frames = 3;
	hf_list_meta vmeta = {VIDEO_LIST_NAME, sizeof(VIDEO_LIST_NAME) - 1, 9,
	                      1u << HF_ALG_VPDQ | 1u << HF_ALG_MD5};
	hf_list_batch vb = {0};
	uint8_t *bv, hv[32];
	size_t nbv;
	memcpy(vb.list_id.b, VIDEO_LIST_ID, sizeof vb.list_id.b);
	vb.number = 1;
	vb.meta = vmeta;
	vb.first_id = 1;
	batch_vec(s, &first, "batch-1-video", &vb, ev, 2, NULL, 0, &bv, &nbv, hv);
	sb_put(s, "\n  ],\n  \"rejects\": [\n");

	first = 1;
	const unsigned TB = HF_MSG_LIST_BATCH, TS = HF_MSG_LIST_SNAPSHOT, TP = HF_MSG_LIST_PULL,
	               TA = HF_MSG_LIST_ACK;
	uint8_t raw[8] = {0};
	char longname[HF_LIST_MAX_NAME_LEN + 1];
	memset(longname, 'x', sizeof(longname));
	/* batch: msgpack rules (spec 2) */
	REJ("batch-number-as-uint8", TB, HF_ENONCANON, dec_batch, b2, n2,
	    (raw[0] = 0xcc, raw[1] = 2, mm_set_raw(&m, 2, raw, 2)));
	REJ("batch-number-as-float", TB, HF_EFLOAT, dec_batch, b2, n2,
	    (raw[0] = 0xca, raw[1] = 0x40, raw[2] = 0, mm_set_raw(&m, 2, raw, 5)));
	REJ("batch-number-negative", TB, HF_ERANGE, dec_batch, b2, n2,
	    (raw[0] = 0xff, mm_set_raw(&m, 2, raw, 1)));
	REJ("batch-key-as-uint8", TB, HF_ENONCANON, dec_batch, b2, n2,
	    (m.f[0].key[0] = 0xcc, m.f[0].key[1] = 1, m.f[0].key_len = 2));
	REJ("batch-keys-out-of-order", TB, HF_EKEYORDER, dec_batch, b2, n2, mm_swap(&m, 0, 1));
	REJ("batch-duplicate-key", TB, HF_EDUPKEY, dec_batch, b2, n2,
	    mm_insert(&m, 2, 2, "\x02", 1));
	REJ("batch-unknown-key-10", TB, HF_EUNKNOWNKEY, dec_batch, b2, n2,
	    mm_insert(&m, MM_END, 10, "\x00", 1));
	REJ("batch-missing-removed", TB, HF_EMISSING, dec_batch, b2, n2, mm_drop(&m, 9));
	REJ("batch-list-id-15-bytes", TB, HF_ELENGTH, dec_batch, b2, n2,
	    mm_set_bin(&m, 1, LIST_ID, 15));
	{
		uint8_t r19[19] = {0xc5, 0, 16};
		memcpy(r19 + 3, LIST_ID, 16);
		REJ("batch-list-id-as-bin16", TB, HF_ENONCANON, dec_batch, b2, n2,
		    mm_set_raw(&m, 1, r19, sizeof(r19)));
	}
	REJ("batch-prev-as-str", TB, HF_ETYPE, dec_batch, b2, n2, mm_set_str(&m, 3, longname, 32));
	/* batch: §12.3 rules */
	REJ("batch-number-0", TB, HF_ERANGE, dec_batch, b2, n2, mm_set_uint(&m, 2, 0));
	REJ("batch-1-prev-not-zero", TB, HF_ERANGE, dec_batch, b1, n1, mm_set_bin(&m, 3, h1, 32));
	REJ("batch-1-missing-name", TB, HF_EMISSING, dec_batch, b1, n1, mm_drop(&m, 4));
	REJ("batch-2-with-algs", TB, HF_ERANGE, dec_batch, b2, n2, mm_insert(&m, 3, 6, "\x0e", 1));
	REJ("batch-1-name-empty", TB, HF_ERANGE, dec_batch, b1, n1, mm_set_str(&m, 4, "", 0));
	REJ("batch-1-name-129-bytes", TB, HF_ETOOLONG, dec_batch, b1, n1,
	    mm_set_str(&m, 4, longname, sizeof(longname)));
	REJ("batch-1-name-bad-utf8", TB, HF_EUTF8, dec_batch, b1, n1,
	    mm_set_str(&m, 4, "list \xc3\x28", 7));
	REJ("batch-1-algs-0", TB, HF_ERANGE, dec_batch, b1, n1, mm_set_uint(&m, 6, 0));
	REJ("batch-1-algs-unknown-bit", TB, HF_ERANGE, dec_batch, b1, n1, mm_set_uint(&m, 6, 0x1e));
	REJ("batch-1-alg-not-in-algs", TB, HF_ERANGE, dec_batch, b1, n1,
	    mm_set_uint(&m, 6, 1u << HF_ALG_PDQ | 1u << HF_ALG_SHA256));
	REJ("batch-first-id-0", TB, HF_ERANGE, dec_batch, b2, n2, mm_set_uint(&m, 7, 0));
	REJ("batch-first-id-overflow", TB, HF_ERANGE, dec_batch, b2, n2,
	    mm_set_uint(&m, 7, UINT64_MAX));
	REJ("batch-record-alg-4", TB, HF_ERANGE, dec_batch, b2, n2, bin_poke(&m, 8, 0, 4));
	REJ("batch-record-quality-101", TB, HF_ERANGE, dec_batch, b2, n2, bin_poke(&m, 8, 1, 101));
	REJ("batch-record-cut-short", TB, HF_ETRUNC, dec_batch, b2, n2, {
		size_t bl;
		const uint8_t *bp = bin_body(&m, 8, &bl);
		uint8_t *c = malloc(bl);
		memcpy(c, bp, bl);
		mm_set_bin(&m, 8, c, bl - 1);
		free(c);
	});
	{
		static const uint8_t r12[12] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
		REJ("batch-removed-12-bytes", TB, HF_ELENGTH, dec_batch, b2, n2,
		    mm_set_bin(&m, 9, r12, sizeof(r12)));
	}
	REJ("batch-removed-descending", TB, HF_ENONCANON, dec_batch, b2, n2, set_ids(&m, 9, 3, 1));
	REJ("batch-removed-duplicate", TB, HF_EDUPLICATE, dec_batch, b2, n2, set_ids(&m, 9, 3, 3));
	REJ("batch-removed-id-0", TB, HF_ERANGE, dec_batch, b2, n2, set_ids(&m, 9, 0, 1));
	REJ("batch-removed-not-below-first-id", TB, HF_ERANGE, dec_batch, b2, n2,
	    set_ids(&m, 9, 1, 4));
	raw_rejects(s, &first, "batch", TB, dec_batch, b2, n2);
	/* vPDQ records (§12.2); the record starts at byte 0 of key 8, its frames at 30. */
	REJ("batch-video-0-frames", TB, HF_ERANGE, dec_batch, bv, nbv,
	    (bin_poke(&m, 8, 28, 0), bin_poke(&m, 8, 29, 0)));
	REJ("batch-video-8193-frames", TB, HF_ETOOLONG, dec_batch, bv, nbv,
	    (bin_poke(&m, 8, 28, 0x20), bin_poke(&m, 8, 29, 0x01)));
	REJ("batch-video-frames-cut-short", TB, HF_ETRUNC, dec_batch, bv, nbv,
	    bin_poke(&m, 8, 29, 0xff));
	REJ("batch-video-frame-quality-101", TB, HF_ERANGE, dec_batch, bv, nbv,
	    bin_poke(&m, 8, 30 + HF_LIST_VIDEO_FRAME_LEN + 4, 101));
	REJ("batch-video-frames-not-ascending", TB, HF_ENONCANON, dec_batch, bv, nbv,
	    bin_poke(&m, 8, 30 + HF_LIST_VIDEO_FRAME_LEN + 3, 0));
	REJ("batch-video-alg-not-in-algs", TB, HF_ERANGE, dec_batch, bv, nbv,
	    mm_set_uint(&m, 6, 1u << HF_ALG_MD5));

	/* snapshot (base: part 0 of 2, entry 2, next id 6) */
	REJ("snapshot-part-equals-parts", TS, HF_ERANGE, dec_snapshot, s0, ns0,
	    mm_set_uint(&m, 9, 2));
	REJ("snapshot-parts-0", TS, HF_ERANGE, dec_snapshot, s0, ns0,
	    (mm_set_uint(&m, 9, 0), mm_set_uint(&m, 10, 0)));
	REJ("snapshot-parts-above-max", TS, HF_ERANGE, dec_snapshot, s0, ns0,
	    mm_set_uint(&m, 10, HF_LIST_MAX_SNAPSHOT_PARTS + 1));
	REJ("snapshot-at-0-head-not-zero", TS, HF_ERANGE, dec_snapshot, s0, ns0,
	    mm_set_uint(&m, 2, 0));
	REJ("snapshot-next-id-0", TS, HF_ERANGE, dec_snapshot, s0, ns0, mm_set_uint(&m, 7, 0));
	REJ("snapshot-entry-id-not-below-next-id", TS, HF_ERANGE, dec_snapshot, s0, ns0,
	    mm_set_uint(&m, 7, 2));
	REJ("snapshot-entry-id-0", TS, HF_ERANGE, dec_snapshot, s0, ns0, bin_poke(&m, 8, 7, 0));
	REJ("snapshot-alg-not-in-algs", TS, HF_ERANGE, dec_snapshot, s0, ns0,
	    mm_set_uint(&m, 6, 1u << HF_ALG_SHA256));
	REJ("snapshot-missing-part", TS, HF_EMISSING, dec_snapshot, s0, ns0, mm_drop(&m, 9));
	REJ("snapshot-unknown-key-11", TS, HF_EUNKNOWNKEY, dec_snapshot, s0, ns0,
	    mm_insert(&m, MM_END, 11, "\x00", 1));
	{
		/* two records: the part-1 record (id 4) and the part-0 record (id 2) */
		mm_map a, c;
		size_t la, lc;
		mm_split(&a, s0, ns0);
		mm_split(&c, s1, ns1);
		const uint8_t *ra = bin_body(&a, 8, &la), *rc = bin_body(&c, 8, &lc);
		uint8_t two[2 * 64];
		memcpy(two, rc, lc);
		memcpy(two + lc, ra, la);
		REJ("snapshot-entries-descending", TS, HF_ENONCANON, dec_snapshot, s0, ns0,
		    mm_set_bin(&m, 8, two, lc + la));
		memcpy(two, ra, la);
		memcpy(two + la, ra, la);
		REJ("snapshot-entries-duplicate", TS, HF_EDUPLICATE, dec_snapshot, s0, ns0,
		    mm_set_bin(&m, 8, two, 2 * la));
		mm_free(&a);
		mm_free(&c);
	}
	raw_rejects(s, &first, "snapshot", TS, dec_snapshot, s0, ns0);

	/* pull (base: pull-after-2) */
	REJ("pull-after-as-uint16", TP, HF_ENONCANON, dec_pull, p1, np1,
	    (raw[0] = 0xcd, raw[1] = 0, raw[2] = 2, mm_set_raw(&m, 2, raw, 3)));
	REJ("pull-after-negative", TP, HF_ERANGE, dec_pull, p1, np1,
	    (raw[0] = 0xff, mm_set_raw(&m, 2, raw, 1)));
	REJ("pull-keys-out-of-order", TP, HF_EKEYORDER, dec_pull, p1, np1, mm_swap(&m, 0, 1));
	REJ("pull-unknown-key-3", TP, HF_EUNKNOWNKEY, dec_pull, p1, np1,
	    mm_insert(&m, MM_END, 3, "\x00", 1));
	REJ("pull-missing-after", TP, HF_EMISSING, dec_pull, p1, np1, mm_drop(&m, 2));
	REJ("pull-list-id-17-bytes", TP, HF_ELENGTH, dec_pull, p1, np1,
	    mm_set_bin(&m, 1, longname, 17));
	REJ("pull-list-id-nil", TP, HF_ETYPE, dec_pull, p1, np1, mm_set_raw(&m, 1, "\xc0", 1));
	raw_rejects(s, &first, "pull", TP, dec_pull, p1, np1);
	{
		/* the cap (256 bytes) is checked before any byte is read */
		uint8_t big[257] = {0};
		memcpy(big, p1, np1);
		reject(s, &first, "pull-257-bytes", TP, HF_ETOOBIG, dec_pull, big, sizeof(big));
	}
	/* acknowledgement (base: ack-3) */
	REJ("ack-number-0", TA, HF_ERANGE, dec_ack, a1, na1, mm_set_raw(&m, 2, "\x00", 1));
	REJ("ack-number-as-uint16", TA, HF_ENONCANON, dec_ack, a1, na1,
	    (raw[0] = 0xcd, raw[1] = 0, raw[2] = 3, mm_set_raw(&m, 2, raw, 3)));
	REJ("ack-keys-out-of-order", TA, HF_EKEYORDER, dec_ack, a1, na1, mm_swap(&m, 0, 1));
	REJ("ack-unknown-key-3", TA, HF_EUNKNOWNKEY, dec_ack, a1, na1,
	    mm_insert(&m, MM_END, 3, "\x00", 1));
	REJ("ack-missing-number", TA, HF_EMISSING, dec_ack, a1, na1, mm_drop(&m, 2));
	REJ("ack-missing-list-id", TA, HF_EMISSING, dec_ack, a1, na1, mm_drop(&m, 1));
	REJ("ack-list-id-15-bytes", TA, HF_ELENGTH, dec_ack, a1, na1,
	    mm_set_bin(&m, 1, longname, 15));
	raw_rejects(s, &first, "ack", TA, dec_ack, a1, na1);
	{
		uint8_t big[HF_LIST_MAX_ACK_SIZE + 1] = {0};
		memcpy(big, a1, na1);
		reject(s, &first, "ack-257-bytes", TA, HF_ETOOBIG, dec_ack, big, sizeof(big));
	}
	sb_put(s, "\n  ]\n}\n");
	free(a1);
	free(b1);
	free(b2);
	free(bv);
	free(b3);
	free(s0);
	free(s1);
	free(s2);
	free(p1);
	free(p2);
}

/* ---- match reports (spec §14) ------------------------------------------- */

static hf_err dec_report(const uint8_t *b, size_t n)
{
	hf_match_report x;
	return hf_match_report_decode(b, n, &x);
}

static void report_vec(sbuf *s, int *first, const char *name, const hf_match_report *r,
                       const hf_match_count *c, size_t nc, const uint64_t *dis, size_t nd,
                       const uint64_t *qua, size_t nq, uint8_t **out, size_t *out_len)
{
	if (hf_match_report_encode(r, c, nc, dis, nd, qua, nq, out, out_len) != HF_OK)
		abort();
	vec_open(s, first, name, HF_MSG_MATCH_REPORT, *out, *out_len, "match_report");
	sb_put(s, ",\n     \"fields\": {\"list_id\": ");
	sb_hex(s, r->list_id.b, HF_LIST_ID_LEN);
	sb_put(s, ", \"day\": %u, \"revision\": %llu,\n      \"counts\": [", r->day,
	       (unsigned long long)r->revision);
	for (size_t i = 0; i < nc; i++)
		sb_put(s, "%s{\"entry_id\": %llu, \"matches\": %u}", i ? ", " : "",
		       (unsigned long long)c[i].entry_id, c[i].matches);
	sb_put(s, "],\n      ");
	put_ids(s, "disabled", dis, nd);
	sb_put(s, ", ");
	put_ids(s, "quarantined", qua, nq);
	sb_put(s, "}}");
}

void gen_match_report(sbuf *s)
{
	hf_match_report r;
	memset(&r, 0, sizeof(r));
	hf_match_count c[3] = {{2, 17}, {4, 1}, {70000, 4000000000u}};
	uint64_t dis[1] = {4}, qua[2] = {2, 9};
	uint8_t *r1, *r2, raw[8] = {0};
	size_t n1, n2;
	int first = 1;
	const unsigned T = HF_MSG_MATCH_REPORT;

	sb_put(s, "{\n  \"about\": \"match report bodies (spec 14, type 19). vectors: canonical "
	          "bodies with every field; a decoder must give these fields and an encoder these "
	          "bytes. rejects: one broken rule each, with the exact error a decoder must "
	          "return.\",\n  \"vectors\": [\n");
	memcpy(r.list_id.b, LIST_ID, sizeof r.list_id.b);
	r.day = (uint32_t)(NOW / DAY_MS);
	r.revision = NOW + 5000;
	report_vec(s, &first, "report", &r, c, 3, dis, 1, qua, 2, &r1, &n1);
	r.day = 0;
	r.revision = 1;
	report_vec(s, &first, "report-empty", &r, NULL, 0, NULL, 0, NULL, 0, &r2, &n2);
	sb_put(s, "\n  ],\n  \"rejects\": [\n");

	first = 1;
	REJ("report-day-as-uint32", T, HF_ENONCANON, dec_report, r1, n1,
	    (raw[0] = 0xce, raw[1] = 0, raw[2] = 0, raw[3] = (uint8_t)(NOW / DAY_MS >> 8),
	     raw[4] = (uint8_t)(NOW / DAY_MS), mm_set_raw(&m, 2, raw, 5)));
	REJ("report-keys-out-of-order", T, HF_EKEYORDER, dec_report, r1, n1, mm_swap(&m, 1, 2));
	REJ("report-duplicate-key", T, HF_EDUPKEY, dec_report, r1, n1,
	    mm_insert(&m, 1, 1, m.f[0].val, m.f[0].val_len));
	REJ("report-unknown-key-7", T, HF_EUNKNOWNKEY, dec_report, r1, n1,
	    mm_insert(&m, MM_END, 7, "\x00", 1));
	REJ("report-missing-quarantined", T, HF_EMISSING, dec_report, r1, n1, mm_drop(&m, 6));
	REJ("report-list-id-15-bytes", T, HF_ELENGTH, dec_report, r1, n1,
	    mm_set_bin(&m, 1, LIST_ID, 15));
	REJ("report-revision-as-str", T, HF_ETYPE, dec_report, r1, n1, mm_set_str(&m, 3, "1", 1));
	REJ("report-day-above-max", T, HF_ERANGE, dec_report, r1, n1,
	    mm_set_uint(&m, 2, HF_MATCH_REPORT_MAX_DAY + 1));
	REJ("report-revision-0", T, HF_ERANGE, dec_report, r1, n1, mm_set_uint(&m, 3, 0));
	REJ("report-counts-13-bytes", T, HF_ELENGTH, dec_report, r1, n1, {
		size_t bl;
		const uint8_t *bp = bin_body(&m, 4, &bl);
		uint8_t c13[13] = {0};
		memcpy(c13, bp, 12);
		mm_set_bin(&m, 4, c13, 13);
	});
	REJ("report-count-entry-id-0", T, HF_ERANGE, dec_report, r1, n1, bin_poke(&m, 4, 7, 0));
	REJ("report-count-matches-0", T, HF_ERANGE, dec_report, r1, n1,
	    (bin_poke(&m, 4, 12 + 11, 0)));
	REJ("report-counts-descending", T, HF_ENONCANON, dec_report, r1, n1,
	    bin_poke(&m, 4, 12 + 7, 1));
	REJ("report-counts-duplicate", T, HF_EDUPLICATE, dec_report, r1, n1,
	    bin_poke(&m, 4, 12 + 7, 2));
	{
		/* bin32 declaring one record more than the maximum: the maximum is
		 * checked before the bytes that remain (spec 2.3) */
		uint64_t len = (uint64_t)(HF_MATCH_REPORT_MAX_COUNTS + 1) * 12;
		uint8_t h[5] = {0xc6, (uint8_t)(len >> 24), (uint8_t)(len >> 16),
		                (uint8_t)(len >> 8), (uint8_t)len};
		REJ("report-counts-declared-over-max", T, HF_ETOOLONG, dec_report, r1, n1,
		    mm_set_raw(&m, 4, h, 5));
	}
	REJ("report-disabled-7-bytes", T, HF_ELENGTH, dec_report, r1, n1,
	    mm_set_bin(&m, 5, "\0\0\0\0\0\0\x04", 7));
	REJ("report-quarantined-descending", T, HF_ENONCANON, dec_report, r1, n1,
	    set_ids(&m, 6, 9, 2));
	REJ("report-quarantined-duplicate", T, HF_EDUPLICATE, dec_report, r1, n1,
	    set_ids(&m, 6, 9, 9));
	REJ("report-disabled-id-0", T, HF_ERANGE, dec_report, r1, n1,
	    mm_set_bin(&m, 5, "\0\0\0\0\0\0\0\0", 8));
	raw_rejects(s, &first, "report", T, dec_report, r1, n1);
	sb_put(s, "\n  ]\n}\n");
	free(r1);
	free(r2);
}
