/* Hash list bodies (spec §12): round trips, chain hash, and every rejection. */
#include <stdlib.h>
#include <string.h>

#include "hashfed/list.h"
#include "hashfed/vpdq.h"
#include "hf_test.h"
#include "mp.h"

static const uint8_t LID[HF_LIST_ID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static hf_list_entry mk_entry(unsigned alg, uint8_t seed)
{
	hf_list_entry e;
	memset(&e, 0, sizeof(e));
	e.alg = (uint8_t)alg;
	e.quality = (uint8_t)(seed % 101);
	e.category = (uint16_t)(seed * 7);
	e.expires_ms = seed % 3 ? 0 : 1790000000000ULL + seed;
	for (int i = 0; i < HF_PSEUDONYM_LEN; i++)
		e.pseudonym[i] = (uint8_t)(seed + i);
	for (size_t i = 0; i < hf_hash_alg_len(alg); i++)
		e.value[i] = (uint8_t)(seed * 3 + i);
	return e;
}

static hf_list_batch mk_batch(uint64_t number)
{
	hf_list_batch b;
	memset(&b, 0, sizeof(b));
	memcpy(b.list_id.b, LID, sizeof b.list_id.b);
	b.number = number;
	if (number > 1)
		memset(b.prev_hash, 0xab, sizeof(b.prev_hash));
	b.has_meta = number == 1;
	b.meta.name = "csam-core";
	b.meta.name_len = 9;
	b.meta.category = 3;
	b.meta.algs = HF_ALG_MASK_ALL;
	b.first_id = 100;
	return b;
}

static void test_alg(void **state)
{
	(void)state;
	unsigned a;
	assert_int_equal(hf_hash_alg_len(HF_ALG_PDQ), 32);
	assert_int_equal(hf_hash_alg_len(HF_ALG_MD5), 16);
	assert_int_equal(hf_hash_alg_len(HF_ALG_SHA256), 32);
	assert_int_equal(hf_hash_alg_len(0), 0);
	assert_int_equal(hf_hash_alg_len(4), 0);
	assert_int_equal(hf_hash_alg_parse("sha256", &a), HF_OK);
	assert_int_equal(a, HF_ALG_SHA256);
	assert_int_equal(hf_hash_alg_parse("sha1", &a), HF_EINVAL);
	assert_null(hf_hash_alg_name(9));
}

static void test_batch_roundtrip(void **state)
{
	(void)state;
	hf_list_entry in[30], got;
	uint64_t rm[3] = {1, 5, 99};
	for (int i = 0; i < 30; i++)
		in[i] = mk_entry(1 + (unsigned)i % 3, (uint8_t)i);
	for (uint64_t number = 1; number <= 2; number++) {
		hf_list_batch b = mk_batch(number), d;
		uint8_t *buf, *buf2;
		size_t len, len2;
		assert_int_equal(hf_list_batch_encode(&b, in, 30, rm, 3, &buf, &len), HF_OK);
		assert_int_equal(hf_list_batch_decode(buf, len, &d), HF_OK);
		assert_memory_equal(d.list_id.b, LID, sizeof d.list_id.b);
		assert_int_equal(d.number, number);
		assert_memory_equal(d.prev_hash, b.prev_hash, HF_LIST_HASH_LEN);
		assert_int_equal(d.has_meta, number == 1);
		if (number == 1) {
			assert_int_equal(d.meta.name_len, 9);
			assert_memory_equal(d.meta.name, "csam-core", 9);
			assert_int_equal(d.meta.category, 3);
			assert_int_equal(d.meta.algs, HF_ALG_MASK_ALL);
		}
		assert_int_equal(d.n_added, 30);
		assert_int_equal(d.n_removed, 3);
		for (uint32_t i = 0; i < 3; i++)
			assert_int_equal(hf_list_batch_removed(&d, i), rm[i]);
		hf_list_iter it;
		hf_list_batch_iter(&d, &it);
		for (int i = 0; i < 30; i++) {
			assert_true(hf_list_iter_next(&it, &got));
			assert_int_equal(got.id, 100 + (uint64_t)i);
			assert_int_equal(got.alg, in[i].alg);
			assert_int_equal(got.quality, in[i].quality);
			assert_int_equal(got.category, in[i].category);
			assert_int_equal(got.expires_ms, in[i].expires_ms);
			assert_memory_equal(got.pseudonym, in[i].pseudonym, HF_PSEUDONYM_LEN);
			assert_memory_equal(got.value, in[i].value, hf_hash_alg_len(in[i].alg));
		}
		assert_false(hf_list_iter_next(&it, &got));
		/* Canonical: encoding is a function of the content. */
		assert_int_equal(hf_list_batch_encode(&b, in, 30, rm, 3, &buf2, &len2), HF_OK);
		assert_int_equal(len, len2);
		assert_memory_equal(buf, buf2, len);
		free(buf);
		free(buf2);
	}
}

/* Wire cost of PDQ entries: a few bytes beyond the fields themselves. */
static void test_batch_compact(void **state)
{
	(void)state;
	enum { N = 1000 };
	hf_list_entry *in = calloc(N, sizeof(*in));
	for (int i = 0; i < N; i++)
		in[i] = mk_entry(HF_ALG_PDQ, (uint8_t)i);
	hf_list_batch b = mk_batch(2);
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_list_batch_encode(&b, in, N, NULL, 0, &buf, &len), HF_OK);
	/* own fields: value 32 + quality 1 + expiry 8 + pseudonym 16 = 57 */
	assert_true(len < (size_t)N * 57 * 106 / 100);
	free(buf);
	free(in);
}

/* vPDQ entries (spec 12.2): pack (quality filter, dedupe), batch and snapshot round trips,
 * unpack, and the frame rules on encode. */
static void test_video_entry(void **state)
{
	(void)state;
	hf_vpdq v = {0};
	for (uint32_t i = 0; i < 20; i++) {
		hf_vpdq_frame f = {.frame = i * 30, .quality = i == 3 ? 40 : 90, .seconds = i};
		f.hash.b[0] = (uint8_t)(i % 8); /* frames 8.. repeat 0..7 */
		f.hash.b[31] = 0x5a;
		assert_int_equal(hf_vpdq_push(&v, &f), HF_OK);
	}
	uint8_t *fr, q;
	uint32_t n;
	assert_int_equal(hf_list_video_pack(&v, 50, &fr, &n, &q), HF_OK);
	assert_int_equal(n, 8); /* 8 distinct; frame 3 (below 50) is replaced by frame 11 */
	assert_int_equal(q, 90);
	hf_list_entry e[2] = {mk_entry(HF_ALG_VPDQ, 1), mk_entry(HF_ALG_MD5, 2)};
	e[0].frames = fr;
	e[0].n_frames = n;
	assert_int_equal(hf_list_entry_value_len(&e[0]), 2 + 8 * HF_LIST_VIDEO_FRAME_LEN);
	hf_list_batch b = mk_batch(1), d;
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_list_batch_encode(&b, e, 2, NULL, 0, &buf, &len), HF_OK);
	assert_int_equal(hf_list_batch_decode(buf, len, &d), HF_OK);
	assert_int_equal(d.n_added, 2);
	hf_list_iter it;
	hf_list_entry got;
	hf_list_batch_iter(&d, &it);
	assert_true(hf_list_iter_next(&it, &got));
	assert_int_equal(got.alg, HF_ALG_VPDQ);
	assert_int_equal(got.n_frames, 8);
	assert_memory_equal(got.frames, fr, 8 * HF_LIST_VIDEO_FRAME_LEN);
	hf_vpdq back = {0};
	assert_int_equal(hf_list_video_unpack(&got, &back), HF_OK);
	assert_int_equal(back.count, 8);
	assert_int_equal(back.frames[4].frame, 5 * 30);
	assert_true(back.frames[4].seconds == 5.0);
	assert_memory_equal(back.frames[4].hash.b, v.frames[5].hash.b, 32);
	assert_true(hf_list_iter_next(&it, &got));
	assert_int_equal(got.alg, HF_ALG_MD5);
	assert_false(hf_list_iter_next(&it, &got));
	free(buf);
	/* Snapshot records carry video entries too. */
	hf_list_snapshot sn = {0}, ds;
	memcpy(sn.list_id.b, LID, sizeof sn.list_id.b);
	sn.next_id = 10;
	sn.meta = b.meta;
	sn.parts = 1;
	e[0].id = 3;
	e[1].id = 4;
	assert_int_equal(hf_list_snapshot_encode(&sn, e, 2, &buf, &len), HF_OK);
	assert_int_equal(hf_list_snapshot_decode(buf, len, &ds), HF_OK);
	assert_int_equal(ds.n_entries, 2);
	free(buf);
	/* Encoder rules: no frames, frames not ascending, a video in a list without vPDQ. */
	e[0].n_frames = 0;
	assert_int_equal(hf_list_batch_encode(&b, e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	e[0].n_frames = n;
	fr[HF_LIST_VIDEO_FRAME_LEN + 3] = 0; /* frame 2 -> below frame 1 */
	assert_int_equal(hf_list_batch_encode(&b, e, 1, NULL, 0, &buf, &len), HF_ENONCANON);
	b.meta.algs = 1u << HF_ALG_PDQ;
	assert_int_equal(hf_list_batch_encode(&b, e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	hf_vpdq empty = {0};
	uint8_t *none;
	assert_int_equal(hf_list_video_pack(&empty, 50, &none, &n, &q), HF_EMISSING);
	free(fr);
	hf_vpdq_clear(&v);
	hf_vpdq_clear(&back);
}

static void test_batch_hash(void **state)
{
	(void)state;
	uint8_t h1[32], h2[32], body[3] = {1, 2, 3};
	hf_list_batch_hash(body, 3, h1);
	hf_list_batch_hash(body, 3, h2);
	assert_memory_equal(h1, h2, 32);
	body[2] = 4;
	hf_list_batch_hash(body, 3, h2);
	assert_memory_not_equal(h1, h2, 32);
	/* Domain separated: the hash of the body is not plain BLAKE2b-256. */
	uint8_t empty[32], plain[32] = {0};
	hf_list_batch_hash(NULL, 0, empty);
	assert_memory_not_equal(empty, plain, 32);
}

static void test_batch_encode_rejects(void **state)
{
	(void)state;
	hf_list_entry e = mk_entry(HF_ALG_PDQ, 1);
	uint8_t *buf;
	size_t len;
	hf_list_batch b = mk_batch(0);
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_EINVAL);
	b = mk_batch(1);
	b.prev_hash[0] = 1;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	b = mk_batch(1);
	b.meta.algs = 1u << HF_ALG_MD5;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	b = mk_batch(1);
	b.meta.name_len = HF_LIST_MAX_NAME_LEN + 1;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_ETOOLONG);
	b = mk_batch(2);
	b.first_id = 0;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	b = mk_batch(2);
	e.quality = 101;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	e = mk_entry(HF_ALG_PDQ, 1);
	e.alg = 7;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_ERANGE);
	uint64_t rm[2] = {5, 5};
	assert_int_equal(hf_list_batch_encode(&b, NULL, 0, rm, 2, &buf, &len), HF_EDUPLICATE);
	rm[1] = 4;
	assert_int_equal(hf_list_batch_encode(&b, NULL, 0, rm, 2, &buf, &len), HF_ENONCANON);
	rm[1] = 100; /* not below first_id */
	assert_int_equal(hf_list_batch_encode(&b, NULL, 0, rm, 2, &buf, &len), HF_ERANGE);
}

/* Hand-built batch bodies, to reach decoder paths the encoder refuses to produce. */
typedef struct raw {
	uint64_t number;
	bool zero_prev;
	bool meta;
	uint64_t first_id;
	const uint8_t *added;
	size_t added_len;
	const uint8_t *removed;
	size_t removed_len;
	int drop_key;  /* omit this key */
	int extra_key; /* add an unknown key */
} raw;

static uint8_t *raw_batch(const raw *r, size_t *len)
{
	hf_writer w;
	hfi_mp_enc e;
	uint8_t prev[32], *out;
	memset(prev, r->zero_prev ? 0 : 0xab, sizeof(prev));
	unsigned n = 6 + (r->meta ? 3u : 0u) - (r->drop_key ? 1u : 0u) + (r->extra_key ? 1u : 0u);
	hf_writer_init(&w, HF_MAX_MESSAGE_SIZE);
	hfi_mp_enc_init(&e, &w);
	hfi_mp_put_map(&e, n);
	if (r->drop_key != 1) {
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_bin(&e, LID, 16);
	}
	if (r->drop_key != 2) {
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_uint(&e, r->number);
	}
	if (r->drop_key != 3) {
		hfi_mp_put_key(&e, 3);
		hfi_mp_put_bin(&e, prev, 32);
	}
	if (r->meta) {
		hfi_mp_put_key(&e, 4);
		hfi_mp_put_str(&e, "x", 1);
		hfi_mp_put_key(&e, 5);
		hfi_mp_put_uint(&e, 1);
		hfi_mp_put_key(&e, 6);
		hfi_mp_put_uint(&e, 1u << HF_ALG_PDQ);
	}
	if (r->drop_key != 7) {
		hfi_mp_put_key(&e, 7);
		hfi_mp_put_uint(&e, r->first_id);
	}
	if (r->drop_key != 8) {
		hfi_mp_put_key(&e, 8);
		hfi_mp_put_bin(&e, r->added, r->added_len);
	}
	if (r->drop_key != 9) {
		hfi_mp_put_key(&e, 9);
		hfi_mp_put_bin(&e, r->removed, r->removed_len);
	}
	if (r->extra_key) {
		hfi_mp_put_key(&e, (uint8_t)r->extra_key);
		hfi_mp_put_uint(&e, 0);
	}
	assert_int_equal(hfi_mp_enc_status(&e), HF_OK);
	assert_int_equal(hf_writer_take(&w, &out, len), HF_OK);
	return out;
}

static hf_err decode_raw(const raw *r)
{
	size_t len;
	uint8_t *p = raw_batch(r, &len);
	hf_list_batch b;
	hf_err rc = hf_list_batch_decode(p, len, &b);
	free(p);
	return rc;
}

static void test_batch_decode_rejects(void **state)
{
	(void)state;
	uint8_t rec[60], rm[16];
	hf_list_entry e = mk_entry(HF_ALG_PDQ, 9);
	memset(rec, 0, sizeof(rec));
	rec[0] = HF_ALG_PDQ;
	memset(rm, 0, sizeof(rm));
	rm[7] = 2;
	rm[15] = 3;
	raw ok = {2, false, false, 10, rec, 60, rm, 16, 0, 0};
	assert_int_equal(decode_raw(&ok), HF_OK);

	raw r = ok;
	r.number = 0;
	assert_int_equal(decode_raw(&r), HF_ERANGE);
	r = ok;
	r.number = 1; /* batch 1 without meta */
	r.zero_prev = true;
	assert_int_equal(decode_raw(&r), HF_EMISSING);
	r.meta = true;
	assert_int_equal(decode_raw(&r), HF_OK);
	r.zero_prev = false; /* batch 1 with a non-zero prev hash */
	assert_int_equal(decode_raw(&r), HF_ERANGE);
	r = ok;
	r.meta = true; /* meta in a later batch */
	assert_int_equal(decode_raw(&r), HF_ERANGE);
	for (int k = 1; k <= 9; k++) {
		if (k >= 4 && k <= 6)
			continue;
		r = ok;
		r.drop_key = k;
		assert_int_equal(decode_raw(&r), HF_EMISSING);
	}
	r = ok;
	r.extra_key = 12;
	assert_int_equal(decode_raw(&r), HF_EUNKNOWNKEY);
	r = ok;
	r.first_id = 0;
	assert_int_equal(decode_raw(&r), HF_ERANGE);
	r = ok;
	r.first_id = UINT64_MAX; /* first_id + 1 entry overflows */
	assert_int_equal(decode_raw(&r), HF_ERANGE);
	r = ok;
	r.added_len = 59; /* partial record */
	assert_int_equal(decode_raw(&r), HF_ETRUNC);
	rec[0] = 9; /* unknown algorithm */
	assert_int_equal(decode_raw(&ok), HF_ERANGE);
	rec[0] = HF_ALG_PDQ;
	rec[1] = 101; /* quality */
	assert_int_equal(decode_raw(&ok), HF_ERANGE);
	rec[1] = 0;
	r = ok;
	r.removed_len = 15;
	assert_int_equal(decode_raw(&r), HF_ELENGTH);
	rm[15] = 2; /* duplicate */
	assert_int_equal(decode_raw(&ok), HF_EDUPLICATE);
	rm[15] = 1; /* descending */
	assert_int_equal(decode_raw(&ok), HF_ENONCANON);
	rm[15] = 10; /* not below first_id */
	assert_int_equal(decode_raw(&ok), HF_ERANGE);
	rm[7] = 0; /* id 0 */
	rm[15] = 3;
	assert_int_equal(decode_raw(&ok), HF_ERANGE);
	rm[7] = 2;
	/* algorithm not in batch 1's declared set */
	r = ok;
	r.number = 1;
	r.zero_prev = true;
	r.meta = true;
	rec[0] = HF_ALG_MD5;
	r.added_len = 44;
	assert_int_equal(decode_raw(&r), HF_ERANGE);
	rec[0] = HF_ALG_PDQ;

	/* Generic rules: trailing byte, truncation, not a map. */
	hf_list_batch b = mk_batch(2), d;
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_list_batch_encode(&b, &e, 1, NULL, 0, &buf, &len), HF_OK);
	uint8_t *big = malloc(len + 1);
	memcpy(big, buf, len);
	big[len] = 0;
	assert_int_equal(hf_list_batch_decode(big, len + 1, &d), HF_ETRAILING);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_not_equal(hf_list_batch_decode(buf, cut, &d), HF_OK);
	uint8_t arr[1] = {0x90};
	assert_int_equal(hf_list_batch_decode(arr, 1, &d), HF_ETYPE);
	free(big);
	free(buf);
}

static void test_too_many_entries(void **state)
{
	(void)state;
	size_t n = HF_LIST_MAX_BATCH_ENTRIES + 1, rl = 44;
	uint8_t *rec = calloc(n, rl);
	for (size_t i = 0; i < n; i++)
		rec[i * rl] = HF_ALG_MD5;
	raw r = {2, false, false, 1, rec, n * rl, NULL, 0, 0, 0};
	assert_int_equal(decode_raw(&r), HF_ETOOLONG);
	r.added_len = (n - 1) * rl;
	assert_int_equal(decode_raw(&r), HF_OK);
	free(rec);
	hf_list_batch b = mk_batch(2);
	uint8_t *buf;
	size_t len;
	hf_list_entry *e = calloc(n, sizeof(*e));
	assert_int_equal(hf_list_batch_encode(&b, e, n, NULL, 0, &buf, &len), HF_ETOOLONG);
	free(e);
}

static void test_snapshot(void **state)
{
	(void)state;
	hf_list_entry in[5], got;
	for (int i = 0; i < 5; i++) {
		in[i] = mk_entry(HF_ALG_SHA256, (uint8_t)i);
		in[i].id = 3 + 2 * (uint64_t)i;
	}
	hf_list_snapshot s, d;
	memset(&s, 0, sizeof(s));
	memcpy(s.list_id.b, LID, sizeof s.list_id.b);
	s.at_batch = 4;
	memset(s.head_hash, 7, 32);
	s.next_id = 20;
	s.meta.name = "l";
	s.meta.name_len = 1;
	s.meta.algs = 1u << HF_ALG_SHA256;
	s.part = 1;
	s.parts = 2;
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_list_snapshot_encode(&s, in, 5, &buf, &len), HF_OK);
	assert_int_equal(hf_list_snapshot_decode(buf, len, &d), HF_OK);
	assert_int_equal(d.at_batch, 4);
	assert_int_equal(d.next_id, 20);
	assert_int_equal(d.part, 1);
	assert_int_equal(d.parts, 2);
	assert_int_equal(d.n_entries, 5);
	hf_list_iter it;
	hf_list_snapshot_iter(&d, &it);
	for (int i = 0; i < 5; i++) {
		assert_true(hf_list_iter_next(&it, &got));
		assert_int_equal(got.id, in[i].id);
		assert_memory_equal(got.value, in[i].value, 32);
	}
	assert_false(hf_list_iter_next(&it, &got));
	free(buf);

	/* Rejections */
	hf_list_snapshot t = s;
	t.part = 2;
	assert_int_equal(hf_list_snapshot_encode(&t, in, 5, &buf, &len), HF_ERANGE);
	t = s;
	t.parts = 0;
	assert_int_equal(hf_list_snapshot_encode(&t, in, 5, &buf, &len), HF_ERANGE);
	t = s;
	t.next_id = 11; /* entry id 11 not below next_id */
	assert_int_equal(hf_list_snapshot_encode(&t, in, 5, &buf, &len), HF_ERANGE);
	t = s;
	t.at_batch = 0; /* head hash must then be zero */
	assert_int_equal(hf_list_snapshot_encode(&t, in, 5, &buf, &len), HF_ERANGE);
	in[2].id = in[1].id;
	assert_int_equal(hf_list_snapshot_encode(&s, in, 5, &buf, &len), HF_EDUPLICATE);
	in[2].id = 1;
	assert_int_equal(hf_list_snapshot_encode(&s, in, 5, &buf, &len), HF_ENONCANON);
	in[2].id = 7;
	in[0].alg = HF_ALG_PDQ; /* not in the list's algorithms */
	assert_int_equal(hf_list_snapshot_encode(&s, in, 5, &buf, &len), HF_ERANGE);
	in[0].alg = HF_ALG_SHA256;

	/* Decoder side: ids out of order in the wire records. */
	assert_int_equal(hf_list_snapshot_encode(&s, in, 5, &buf, &len), HF_OK);
	assert_int_equal(hf_list_snapshot_decode(buf, len, &d), HF_OK);
	size_t rec = 8 + 28 + 32;
	uint8_t *first = (uint8_t *)(uintptr_t)d.entries_raw; /* points into buf */
	uint8_t tmp[8];
	memcpy(tmp, first, 8);
	memcpy(first, first + rec, 8);
	memcpy(first + rec, tmp, 8);
	assert_int_equal(hf_list_snapshot_decode(buf, len, &d), HF_ENONCANON);
	first[7] = 0;
	first[6] = 0; /* id 0 */
	assert_int_equal(hf_list_snapshot_decode(buf, len, &d), HF_ERANGE);
	assert_int_equal(hf_list_snapshot_decode(buf, len - 1, &d), HF_ETRUNC);
	free(buf);
}

static void test_pull(void **state)
{
	(void)state;
	hf_list_pull q = {{{0}}, 41}, d;
	memcpy(q.list_id.b, LID, sizeof q.list_id.b);
	uint8_t *buf;
	size_t len;
	assert_int_equal(hf_list_pull_encode(&q, &buf, &len), HF_OK);
	assert_int_equal(hf_list_pull_decode(buf, len, &d), HF_OK);
	assert_int_equal(d.after, 41);
	assert_memory_equal(d.list_id.b, LID, sizeof d.list_id.b);
	assert_int_equal(hf_list_pull_decode(buf, len - 1, &d), HF_ETRUNC);
	buf[0] = 0x81; /* map of 1: list id only */
	assert_int_equal(hf_list_pull_decode(buf, 1 + 1 + 2 + 16, &d), HF_EMISSING);
	free(buf);
	uint8_t big[300] = {0x81};
	assert_int_equal(hf_list_pull_decode(big, sizeof(big), &d), HF_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alg),
	    cmocka_unit_test(test_batch_roundtrip),
	    cmocka_unit_test(test_batch_compact),
	    cmocka_unit_test(test_batch_hash),
	    cmocka_unit_test(test_video_entry),
	    cmocka_unit_test(test_batch_encode_rejects),
	    cmocka_unit_test(test_batch_decode_rejects),
	    cmocka_unit_test(test_too_many_entries),
	    cmocka_unit_test(test_snapshot),
	    cmocka_unit_test(test_pull),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
