/*
 * spec/vectors checked from the data side: rebuild the identities from their
 * published secrets, open every envelope, and expect every listed error; for
 * lists.json, match_report.json and manifest.json decode every valid body and
 * compare every listed field, rebuild the body from the JSON fields through
 * the encoder and compare bytes, and expect the named error of every reject. The
 * ctest spec.vectors checks the other direction (the code regenerates the
 * files byte for byte).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "envelope_internal.h"
#include "hf_test.h"
#include "hashfed/identity.h"
#include "hashfed/list.h"
#include "hashfed/manifest.h"
#include "hashfed/match_report.h"
#include "hashfed/audit_log.h"
#include "hashfed/checkpoint.h"
#include "hashfed/tlog_tiles.h"
#include "hashfed/audit_msg.h"
#include "hashfed/order.h"
#include "hf_merkle_mem.h"

static json_t *load(const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/spec/vectors/%s", HF_SOURCE_DIR, name);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (j == NULL)
		fail_msg("%s: %s", path, err.text);
	return j;
}

static uint8_t *unhex_alloc(const char *hex, size_t *n)
{
	size_t cap = strlen(hex) / 2 + 1;
	uint8_t *b = malloc(cap);
	assert_true(hf_test_unhex(hex, b, cap, n));
	return b;
}

static void unhex_fixed(const char *hex, uint8_t *out, size_t n)
{
	size_t got;
	assert_true(hf_test_unhex(hex, out, n, &got));
	assert_int_equal(got, n);
}

#define MAX_IDS 8
static struct {
	const char *name;
	hf_identity *id;
} g_ids[MAX_IDS];
static size_t g_nids;

static hf_identity *by_name(const char *name)
{
	for (size_t i = 0; i < g_nids; i++)
		if (strcmp(g_ids[i].name, name) == 0)
			return g_ids[i].id;
	fail_msg("unknown identity %s", name);
	return NULL;
}

static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)ctx;
	for (size_t i = 0; i < g_nids; i++) {
		if (hf_key_id_eq(hf_identity_sign_keyid(g_ids[i].id), &h->sender)) {
			memcpy(pk, hf_identity_sign_pk(g_ids[i].id), HF_SIGN_PK_LEN);
			return HF_OK;
		}
	}
	return HF_EUNKNOWNSENDER;
}

static void test_envelope_vectors(void **state)
{
	(void)state;
	json_t *j = load("envelope.json");
	hf_fed_id fed;
	unhex_fixed(json_string_value(json_object_get(j, "federation")), fed.b, sizeof fed.b);

	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "identities"), i, v)
	{
		uint8_t seed[32], esk[32], pk[32], kid[16];
		unhex_fixed(json_string_value(json_object_get(v, "sign_seed")), seed, 32);
		unhex_fixed(json_string_value(json_object_get(v, "enc_sk")), esk, 32);
		assert_true(g_nids < MAX_IDS);
		g_ids[g_nids].name = json_string_value(json_object_get(v, "name"));
		assert_int_equal(hf_identity_from_secrets(seed, esk, &g_ids[g_nids].id), HF_OK);
		hf_identity *id = g_ids[g_nids++].id;
		unhex_fixed(json_string_value(json_object_get(v, "sign_pk")), pk, 32);
		assert_memory_equal(pk, hf_identity_sign_pk(id), 32);
		unhex_fixed(json_string_value(json_object_get(v, "enc_pk")), pk, 32);
		assert_memory_equal(pk, hf_identity_enc_pk(id), 32);
		/* key ids: recomputed here from spec §4 directly */
		uint8_t in[16 + 1 + 32], full[32];
		memcpy(in, "hashfed/v1/keyid", 16);
		in[16] = 0x01;
		memcpy(in + 17, hf_identity_sign_pk(id), 32);
		crypto_generichash(full, 32, in, sizeof(in), NULL, 0);
		unhex_fixed(json_string_value(json_object_get(v, "sign_keyid")), kid, 16);
		assert_memory_equal(kid, full, 16);
		assert_memory_equal(kid, hf_identity_sign_keyid(id), 16);
		in[16] = 0x02;
		memcpy(in + 17, hf_identity_enc_pk(id), 32);
		crypto_generichash(full, 32, in, sizeof(in), NULL, 0);
		unhex_fixed(json_string_value(json_object_get(v, "enc_keyid")), kid, 16);
		assert_memory_equal(kid, full, 16);
		assert_memory_equal(kid, hf_identity_enc_keyid(id), 16);
	}
	assert_true(g_nids >= 4);

	size_t n_env = 0;
	json_array_foreach(json_object_get(j, "envelopes"), i, v)
	{
		size_t len, body_len;
		uint8_t *env = unhex_alloc(json_string_value(json_object_get(v, "envelope")), &len);
		uint8_t *body =
		    unhex_alloc(json_string_value(json_object_get(v, "body")), &body_len);
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(v, "recipients"), k, r)
		{
			hf_open_params op = {
			    by_name(json_string_value(r)), lookup, NULL,
			    (uint64_t)json_integer_value(json_object_get(v, "created")), &fed};
			hf_opened *o;
			assert_int_equal(hf_envelope_open(env, len, &op, &o), HF_OK);
			size_t bl;
			const uint8_t *b = hf_opened_body(o, &bl);
			assert_int_equal(bl, body_len);
			if (bl)
				assert_memory_equal(b, body, bl);
			assert_int_equal(hf_opened_header(o)->audit.fields,
			                 json_integer_value(json_object_get(v, "audit_fields")));
			hf_opened_free(o);
		}
		free(env);
		free(body);
		n_env++;
	}
	assert_true(n_env >= 3);

	size_t n_cases = 0, n_fail = 0;
	json_array_foreach(json_object_get(j, "open_cases"), i, v)
	{
		size_t len;
		uint8_t *env = unhex_alloc(json_string_value(json_object_get(v, "envelope")), &len);
		hf_open_params op = {by_name(json_string_value(json_object_get(v, "recipient"))),
		                     lookup, NULL,
		                     (uint64_t)json_integer_value(json_object_get(v, "now")), &fed};
		hf_opened *o = NULL;
		hf_err rc = hf_envelope_open(env, len, &op, &o);
		hf_err want;
		assert_int_equal(
		    hf_err_from_name(json_string_value(json_object_get(v, "error")), &want), HF_OK);
		if (rc != want)
			fail_msg("%s: got %s want %s",
			         json_string_value(json_object_get(v, "name")), hf_err_name(rc),
			         hf_err_name(want));
		n_fail += rc != HF_OK;
		hf_opened_free(o);
		free(env);
		n_cases++;
	}
	assert_true(n_cases >= 10 && n_fail >= 8);
	for (size_t k = 0; k < g_nids; k++)
		hf_identity_free(g_ids[k].id);
	g_nids = 0;
	json_decref(j);
}

static void test_codec_vectors(void **state)
{
	(void)state;
	json_t *j = load("codec.json");
	size_t i, n = 0;
	json_t *v;
	hf_envelope_header *h = malloc(sizeof(*h));
	json_array_foreach(json_object_get(j, "headers"), i, v)
	{
		size_t len;
		uint8_t *b = unhex_alloc(json_string_value(json_object_get(v, "hex")), &len);
		hfi_mp_dec d;
		hf_err rc = hfi_mp_dec_init(&d, b, len, HF_MAX_MESSAGE_SIZE);
		if (rc == HF_OK)
			rc = hfi_env_header_decode(&d, h);
		if (rc == HF_OK)
			rc = hfi_mp_dec_finish(&d);
		hf_err want;
		assert_int_equal(
		    hf_err_from_name(json_string_value(json_object_get(v, "error")), &want), HF_OK);
		if (rc != want)
			fail_msg("%s: got %s want %s",
			         json_string_value(json_object_get(v, "name")), hf_err_name(rc),
			         hf_err_name(want));
		free(b);
		n++;
	}
	assert_true(n >= 15);
	free(h);
	json_decref(j);
}

/* ---- message families: lists, match reports, manifest ------------------ */

static uint64_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		fail_msg("field %s missing or not an integer", k);
	return (uint64_t)json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	if (v == NULL)
		fail_msg("field %s missing or not a string", k);
	return v;
}

static void jhex(const json_t *o, const char *k, uint8_t *out, size_t n)
{
	unhex_fixed(jstr(o, k), out, n);
}

static void expect_hex(const json_t *o, const char *k, const uint8_t *have, size_t n)
{
	uint8_t want[64];
	assert_true(n <= sizeof(want));
	jhex(o, k, want, n);
	assert_memory_equal(want, have, n);
}

/* Decodes one "rejects" array with `dec`; every entry must give its error. */
typedef hf_err (*vec_decode)(uint32_t type, const uint8_t *b, size_t n);

static size_t check_rejects(const json_t *j, vec_decode dec)
{
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, "rejects"), i, v)
	{
		size_t len;
		uint8_t *b = unhex_alloc(jstr(v, "hex"), &len);
		hf_err want, rc = dec((uint32_t)jint(v, "type"), b, len);
		assert_int_equal(hf_err_from_name(jstr(v, "error"), &want), HF_OK);
		assert_int_not_equal(want, HF_OK);
		if (rc != want)
			fail_msg("%s: got %s want %s", jstr(v, "name"), hf_err_name(rc),
			         hf_err_name(want));
		free(b);
		n++;
	}
	return n;
}

static void check_meta(const json_t *f, const hf_list_meta *m)
{
	const char *name = jstr(f, "name");
	assert_int_equal(m->name_len, strlen(name));
	assert_memory_equal(m->name, name, m->name_len);
	assert_int_equal(m->category, jint(f, "category"));
	assert_int_equal(m->algs, jint(f, "algs"));
}

/* Entries of a JSON array, for the encoder; *n set. */
static hf_list_entry *json_entries(const json_t *a, size_t *n)
{
	size_t i;
	json_t *v;
	*n = json_array_size(a);
	/* Video entries' frame records live after the array (one allocation). */
	size_t extra = 0;
	json_array_foreach(a, i, v)
	{
		if (jint(v, "alg") == HF_ALG_VPDQ)
			extra += strlen(jstr(v, "value")) / 2;
	}
	hf_list_entry *e = calloc(1, (*n ? *n : 1) * sizeof(*e) + extra);
	assert_non_null(e);
	uint8_t *tail = (uint8_t *)(e + (*n ? *n : 1));
	json_array_foreach(a, i, v)
	{
		e[i].id = jint(v, "id");
		e[i].alg = (uint8_t)jint(v, "alg");
		e[i].quality = (uint8_t)jint(v, "quality");
		e[i].category = (uint16_t)jint(v, "category");
		e[i].expires_ms = jint(v, "expires");
		jhex(v, "pseudonym", e[i].pseudonym, HF_PSEUDONYM_LEN);
		if (e[i].alg == HF_ALG_VPDQ) {
			size_t vl = strlen(jstr(v, "value")) / 2;
			jhex(v, "value", tail, vl);
			e[i].n_frames = (uint32_t)(tail[0] << 8 | tail[1]);
			assert_int_equal(vl, 2 + (size_t)e[i].n_frames * HF_LIST_VIDEO_FRAME_LEN);
			e[i].frames = tail + 2;
			tail += vl;
			continue;
		}
		size_t vl = hf_hash_alg_len(e[i].alg);
		assert_int_not_equal(vl, 0);
		jhex(v, "value", e[i].value, vl);
	}
	return e;
}

/* The iterator yields exactly the JSON entries. */
static void check_entries(hf_list_iter *it, const hf_list_entry *want, size_t n)
{
	hf_list_entry e;
	for (size_t i = 0; i < n; i++) {
		assert_true(hf_list_iter_next(it, &e));
		assert_int_equal(e.id, want[i].id);
		assert_int_equal(e.alg, want[i].alg);
		assert_int_equal(e.quality, want[i].quality);
		assert_int_equal(e.category, want[i].category);
		assert_int_equal(e.expires_ms, want[i].expires_ms);
		assert_memory_equal(e.pseudonym, want[i].pseudonym, HF_PSEUDONYM_LEN);
		assert_memory_equal(e.value, want[i].value, hf_hash_alg_len(e.alg));
		assert_int_equal(e.n_frames, want[i].n_frames);
		if (e.n_frames > 0)
			assert_memory_equal(e.frames, want[i].frames,
			                    (size_t)e.n_frames * HF_LIST_VIDEO_FRAME_LEN);
	}
	assert_false(hf_list_iter_next(it, &e));
}

static uint64_t *json_ids(const json_t *a, size_t *n)
{
	size_t i;
	json_t *v;
	*n = json_array_size(a);
	uint64_t *ids = calloc(*n ? *n : 1, sizeof(*ids));
	assert_non_null(ids);
	json_array_foreach(a, i, v)
	{
		assert_true(json_is_integer(v));
		ids[i] = (uint64_t)json_integer_value(v);
	}
	return ids;
}

static void same_bytes(const char *name, const uint8_t *want, size_t wn, uint8_t *have, size_t hn)
{
	if (hn != wn || memcmp(want, have, wn) != 0)
		fail_msg("%s: the encoder does not give the vector's bytes", name);
	free(have);
}

static void check_batch(const json_t *v, const json_t *f, const uint8_t *b, size_t bn)
{
	hf_list_batch d, in;
	hf_list_iter it;
	size_t na, nr, n;
	uint8_t *enc, h[HF_LIST_HASH_LEN];
	assert_int_equal(hf_list_batch_decode(b, bn, &d), HF_OK);
	expect_hex(f, "list_id", d.list_id.b, HF_LIST_ID_LEN);
	assert_int_equal(d.number, jint(f, "number"));
	expect_hex(f, "prev", d.prev_hash, HF_LIST_HASH_LEN);
	assert_int_equal(d.has_meta, json_object_get(f, "name") != NULL);
	if (d.has_meta)
		check_meta(f, &d.meta);
	assert_int_equal(d.first_id, jint(f, "first_id"));
	hf_list_entry *e = json_entries(json_object_get(f, "added"), &na);
	uint64_t *rm = json_ids(json_object_get(f, "removed"), &nr);
	assert_int_equal(d.n_added, na);
	assert_int_equal(d.n_removed, nr);
	for (size_t i = 0; i < na; i++)
		assert_int_equal(e[i].id, d.first_id + i);
	hf_list_batch_iter(&d, &it);
	check_entries(&it, e, na);
	for (uint32_t i = 0; i < nr; i++)
		assert_int_equal(hf_list_batch_removed(&d, i), rm[i]);
	hf_list_batch_hash(b, bn, h);
	expect_hex(v, "chain_hash", h, sizeof(h));
	/* encoder direction: from the JSON fields, not from the decode */
	memset(&in, 0, sizeof(in));
	jhex(f, "list_id", in.list_id.b, HF_LIST_ID_LEN);
	jhex(f, "prev", in.prev_hash, HF_LIST_HASH_LEN);
	in.number = jint(f, "number");
	in.first_id = jint(f, "first_id");
	if (json_object_get(f, "name")) {
		in.meta.name = jstr(f, "name");
		in.meta.name_len = strlen(in.meta.name);
		in.meta.category = (uint32_t)jint(f, "category");
		in.meta.algs = (uint32_t)jint(f, "algs");
	}
	assert_int_equal(hf_list_batch_encode(&in, e, na, rm, nr, &enc, &n), HF_OK);
	same_bytes(jstr(v, "name"), b, bn, enc, n);
	free(e);
	free(rm);
}

static void check_snapshot(const json_t *v, const json_t *f, const uint8_t *b, size_t n)
{
	hf_list_snapshot d, in;
	hf_list_iter it;
	size_t ne, en;
	uint8_t *enc;
	assert_int_equal(hf_list_snapshot_decode(b, n, &d), HF_OK);
	expect_hex(f, "list_id", d.list_id.b, HF_LIST_ID_LEN);
	assert_int_equal(d.at_batch, jint(f, "at"));
	expect_hex(f, "head", d.head_hash, HF_LIST_HASH_LEN);
	check_meta(f, &d.meta);
	assert_int_equal(d.next_id, jint(f, "next_id"));
	assert_int_equal(d.part, jint(f, "part"));
	assert_int_equal(d.parts, jint(f, "parts"));
	hf_list_entry *e = json_entries(json_object_get(f, "entries"), &ne);
	assert_int_equal(d.n_entries, ne);
	hf_list_snapshot_iter(&d, &it);
	check_entries(&it, e, ne);
	memset(&in, 0, sizeof(in));
	jhex(f, "list_id", in.list_id.b, HF_LIST_ID_LEN);
	jhex(f, "head", in.head_hash, HF_LIST_HASH_LEN);
	in.at_batch = jint(f, "at");
	in.next_id = jint(f, "next_id");
	in.part = (uint32_t)jint(f, "part");
	in.parts = (uint32_t)jint(f, "parts");
	in.meta.name = jstr(f, "name");
	in.meta.name_len = strlen(in.meta.name);
	in.meta.category = (uint32_t)jint(f, "category");
	in.meta.algs = (uint32_t)jint(f, "algs");
	assert_int_equal(hf_list_snapshot_encode(&in, e, ne, &enc, &en), HF_OK);
	same_bytes(jstr(v, "name"), b, n, enc, en);
	free(e);
}

static void check_pull(const json_t *v, const json_t *f, const uint8_t *b, size_t n)
{
	hf_list_pull d, in;
	uint8_t *enc;
	size_t en;
	memset(&in, 0, sizeof(in)); /* jhex fills it; cppcheck cannot see that */
	assert_int_equal(hf_list_pull_decode(b, n, &d), HF_OK);
	expect_hex(f, "list_id", d.list_id.b, HF_LIST_ID_LEN);
	assert_int_equal(d.after, jint(f, "after"));
	jhex(f, "list_id", in.list_id.b, HF_LIST_ID_LEN);
	in.after = jint(f, "after");
	assert_int_equal(hf_list_pull_encode(&in, &enc, &en), HF_OK);
	same_bytes(jstr(v, "name"), b, n, enc, en);
}

static void check_ack(const json_t *v, const json_t *f, const uint8_t *b, size_t n)
{
	hf_list_ack d, in;
	uint8_t *enc;
	size_t en;
	memset(&in, 0, sizeof(in)); /* jhex fills it; cppcheck cannot see that */
	assert_int_equal(hf_list_ack_decode(b, n, &d), HF_OK);
	expect_hex(f, "list_id", d.list_id.b, HF_LIST_ID_LEN);
	assert_int_equal(d.number, jint(f, "number"));
	jhex(f, "list_id", in.list_id.b, HF_LIST_ID_LEN);
	in.number = jint(f, "number");
	assert_int_equal(hf_list_ack_encode(&in, &enc, &en), HF_OK);
	same_bytes(jstr(v, "name"), b, n, enc, en);
}

static hf_err dec_list(uint32_t type, const uint8_t *b, size_t n)
{
	hf_list_ack k;
	hf_list_batch x;
	hf_list_snapshot y;
	hf_list_pull z;
	switch (type) {
	case HF_MSG_LIST_BATCH:
		return hf_list_batch_decode(b, n, &x);
	case HF_MSG_LIST_SNAPSHOT:
		return hf_list_snapshot_decode(b, n, &y);
	case HF_MSG_LIST_PULL:
		return hf_list_pull_decode(b, n, &z);
	case HF_MSG_LIST_ACK:
		return hf_list_ack_decode(b, n, &k);
	default:
		fail_msg("lists.json: type %u", type);
		return HF_EINVAL;
	}
}

static void test_list_vectors(void **state)
{
	(void)state;
	json_t *j = load("lists.json");
	size_t i, counts[5] = {0}, hello = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, "vectors"), i, v)
	{
		size_t len;
		uint8_t *b = unhex_alloc(jstr(v, "hex"), &len);
		const json_t *f = json_object_get(v, "fields");
		assert_non_null(f);
		uint32_t type = (uint32_t)jint(v, "type");
		size_t kind = type - (uint32_t)HF_MSG_LIST_BATCH;
		if (kind > 4 || type == HF_MSG_MATCH_REPORT)
			fail_msg("lists.json: type %u", type);
		if (type == HF_MSG_LIST_BATCH)
			check_batch(v, f, b, len);
		else if (type == HF_MSG_LIST_SNAPSHOT)
			check_snapshot(v, f, b, len);
		else if (type == HF_MSG_LIST_ACK)
			check_ack(v, f, b, len);
		else
			check_pull(v, f, b, len);
		counts[kind]++;
		if (type == HF_MSG_LIST_PULL &&
		    strcmp(jstr(f, "list_id"), "00000000000000000000000000000000") == 0)
			hello++;
		free(b);
	}
	/* each body kind, and the hello of spec §12.5 */
	assert_true(counts[0] >= 3 && counts[1] >= 2 && counts[2] >= 1 && counts[4] >= 1 &&
	            hello == 1);
	assert_true(check_rejects(j, dec_list) >= 40);
	json_decref(j);
}

static hf_err dec_report(uint32_t type, const uint8_t *b, size_t n)
{
	hf_match_report r;
	assert_int_equal(type, HF_MSG_MATCH_REPORT);
	return hf_match_report_decode(b, n, &r);
}

static void test_match_report_vectors(void **state)
{
	(void)state;
	json_t *j = load("match_report.json");
	size_t i, k, nv = 0;
	json_t *v, *c;
	json_array_foreach(json_object_get(j, "vectors"), i, v)
	{
		size_t len, nd, nq, nc, en;
		uint8_t *b = unhex_alloc(jstr(v, "hex"), &len), *enc;
		const json_t *f = json_object_get(v, "fields");
		hf_match_report d, in;
		assert_int_equal(jint(v, "type"), HF_MSG_MATCH_REPORT);
		assert_int_equal(hf_match_report_decode(b, len, &d), HF_OK);
		expect_hex(f, "list_id", d.list_id.b, HF_LIST_ID_LEN);
		assert_int_equal(d.day, jint(f, "day"));
		assert_int_equal(d.revision, jint(f, "revision"));
		const json_t *ca = json_object_get(f, "counts");
		nc = json_array_size(ca);
		hf_match_count *cs = calloc(nc ? nc : 1, sizeof(*cs));
		assert_int_equal(d.n_counts, nc);
		json_array_foreach(ca, k, c)
		{
			cs[k].entry_id = jint(c, "entry_id");
			cs[k].matches = (uint32_t)jint(c, "matches");
			hf_match_count got = hf_match_report_count(&d, (uint32_t)k);
			assert_int_equal(got.entry_id, cs[k].entry_id);
			assert_int_equal(got.matches, cs[k].matches);
		}
		uint64_t *dis = json_ids(json_object_get(f, "disabled"), &nd);
		uint64_t *qua = json_ids(json_object_get(f, "quarantined"), &nq);
		assert_int_equal(d.n_disabled, nd);
		assert_int_equal(d.n_quarantined, nq);
		for (uint32_t x = 0; x < nd; x++)
			assert_int_equal(hf_match_report_disabled(&d, x), dis[x]);
		for (uint32_t x = 0; x < nq; x++)
			assert_int_equal(hf_match_report_quarantined(&d, x), qua[x]);
		memset(&in, 0, sizeof(in));
		jhex(f, "list_id", in.list_id.b, HF_LIST_ID_LEN);
		in.day = (uint32_t)jint(f, "day");
		in.revision = jint(f, "revision");
		assert_int_equal(hf_match_report_encode(&in, cs, nc, dis, nd, qua, nq, &enc, &en),
		                 HF_OK);
		same_bytes(jstr(v, "name"), b, len, enc, en);
		free(cs);
		free(dis);
		free(qua);
		free(b);
		nv++;
	}
	assert_true(nv >= 2);
	assert_true(check_rejects(j, dec_report) >= 15);
	json_decref(j);
}

static hf_err dec_manifest(uint32_t type, const uint8_t *b, size_t n)
{
	hf_manifest *m = NULL;
	assert_int_equal(type, HF_MSG_MANIFEST);
	hf_err rc = hf_manifest_decode(b, n, &m);
	if (rc == HF_OK)
		rc = hf_manifest_verify(m);
	hf_manifest_free(m);
	return rc;
}

static void check_keys(const json_t *a, const hf_member *mb, hf_key_kind kind, hf_manifest *in,
                       const uint8_t *id)
{
	size_t i;
	json_t *k;
	assert_int_equal(hf_member_n_keys(mb, kind), json_array_size(a));
	json_array_foreach(a, i, k)
	{
		const hf_member_key *mk = hf_member_key_at(mb, kind, i);
		uint64_t na =
		    json_object_get(k, "not_after") ? jint(k, "not_after") : HF_TIME_NEVER;
		uint64_t rv =
		    json_object_get(k, "revoked_at") ? jint(k, "revoked_at") : HF_TIME_NEVER;
		uint8_t pk[32];
		jhex(k, "pk", pk, 32);
		assert_memory_equal(mk->pk, pk, 32);
		expect_hex(k, "keyid", mk->keyid.b, HF_KEYID_LEN);
		assert_int_equal(mk->not_before_ms, jint(k, "not_before"));
		assert_int_equal(mk->not_after_ms, na);
		assert_int_equal(mk->revoked_at_ms, rv);
		assert_int_equal(hf_manifest_add_key(in, id, kind, pk, jint(k, "not_before"), na),
		                 HF_OK);
		if (rv != HF_TIME_NEVER)
			assert_int_equal(hf_manifest_revoke_key(in, &mk->keyid, rv), HF_OK);
	}
}

/* Checks the decoded manifest against the JSON fields, building a second
 * manifest `*in` from the JSON alone. */
static void check_manifest(const json_t *f, const hf_manifest *m, hf_manifest **in)
{
	uint8_t roots[HF_MAX_ROOTS][32];
	hf_fed_id fed;
	size_t i, k;
	json_t *v, *x;
	assert_int_equal(jint(f, "version"), HF_MANIFEST_VERSION);
	jhex(f, "federation", fed.b, sizeof fed.b);
	assert_true(hf_fed_id_eq(hf_manifest_federation(m), &fed));
	assert_string_equal(hf_manifest_name(m), jstr(f, "name"));
	assert_int_equal(hf_manifest_epoch(m), jint(f, "epoch"));
	assert_int_equal(hf_manifest_threshold(m), jint(f, "threshold"));
	const json_t *ra = json_object_get(f, "roots");
	assert_true(json_array_size(ra) <= HF_MAX_ROOTS);
	assert_int_equal(hf_manifest_n_roots(m), json_array_size(ra));
	json_array_foreach(ra, i, v)
	{
		unhex_fixed(json_string_value(v), roots[i], 32);
		assert_memory_equal(hf_manifest_root(m, i), roots[i], 32);
	}
	assert_int_equal(hf_manifest_new(&fed, jstr(f, "name"), jint(f, "epoch"),
	                                 (const uint8_t(*)[32])roots, json_array_size(ra),
	                                 (unsigned)jint(f, "threshold"), in),
	                 HF_OK);
	const json_t *ma = json_object_get(f, "members");
	assert_int_equal(hf_manifest_n_members(m), json_array_size(ma));
	json_array_foreach(ma, i, v)
	{
		const hf_member *mb = hf_manifest_member_at(m, i);
		uint8_t id[HF_MEMBER_ID_LEN];
		jhex(v, "id", id, sizeof(id));
		assert_memory_equal(hf_member_id(mb), id, sizeof(id));
		assert_string_equal(hf_member_name(mb), jstr(v, "name"));
		assert_int_equal(hf_member_roles(mb), jint(v, "roles"));
		assert_int_equal(
		    hf_manifest_add_member(*in, id, jstr(v, "name"), (uint32_t)jint(v, "roles")),
		    HF_OK);
		check_keys(json_object_get(v, "sign_keys"), mb, HF_KEY_SIGN, *in, id);
		check_keys(json_object_get(v, "enc_keys"), mb, HF_KEY_ENC, *in, id);
		const json_t *ea = json_object_get(v, "endpoints");
		const char *eps[8];
		assert_true(json_array_size(ea) <= 8);
		assert_int_equal(hf_member_n_endpoints(mb), json_array_size(ea));
		json_array_foreach(ea, k, x)
		{
			eps[k] = json_string_value(x);
			assert_string_equal(hf_member_endpoint(mb, k), eps[k]);
		}
		assert_int_equal(hf_manifest_set_endpoints(*in, id, eps, json_array_size(ea)),
		                 HF_OK);
		const json_t *fa = json_object_get(v, "tls_fps");
		uint8_t fps[8][HF_TLS_FP_LEN];
		assert_true(json_array_size(fa) <= 8);
		assert_int_equal(hf_member_n_tls_fps(mb), json_array_size(fa));
		json_array_foreach(fa, k, x)
		{
			unhex_fixed(json_string_value(x), fps[k], HF_TLS_FP_LEN);
			assert_memory_equal(hf_member_tls_fp(mb, k), fps[k], HF_TLS_FP_LEN);
		}
		assert_int_equal(hf_manifest_set_tls_fps(*in, id,
		                                         (const uint8_t(*)[HF_TLS_FP_LEN])fps,
		                                         json_array_size(fa)),
		                 HF_OK);
	}
	const json_t *sa = json_object_get(f, "signatures");
	assert_int_equal(hf_manifest_n_signatures(m), json_array_size(sa));
	json_array_foreach(sa, i, v)
	{
		hf_key_id kid, wk;
		uint8_t sig[HF_SIG_LEN], ws[HF_SIG_LEN];
		assert_int_equal(hf_manifest_signature(m, i, &kid, sig), HF_OK);
		jhex(v, "keyid", wk.b, sizeof wk.b);
		unhex_fixed(jstr(v, "sig"), ws, sizeof(ws));
		assert_true(hf_key_id_eq(&kid, &wk));
		assert_memory_equal(sig, ws, sizeof(ws));
		assert_int_equal(hf_manifest_add_signature(*in, &wk, ws), HF_OK);
	}
}

static void test_manifest_vectors(void **state)
{
	(void)state;
	json_t *j = load("manifest.json");
	size_t i, nv = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, "vectors"), i, v)
	{
		size_t len, en;
		uint8_t *b = unhex_alloc(jstr(v, "hex"), &len), *enc, d[32];
		hf_manifest *m = NULL, *in = NULL;
		assert_int_equal(jint(v, "type"), HF_MSG_MANIFEST);
		assert_int_equal(hf_manifest_decode(b, len, &m), HF_OK);
		assert_int_equal(hf_manifest_verify(m), HF_OK);
		assert_int_equal(hf_manifest_digest(m, d), HF_OK);
		expect_hex(v, "digest", d, sizeof(d));
		check_manifest(json_object_get(v, "fields"), m, &in);
		assert_int_equal(hf_manifest_encode(in, &enc, &en), HF_OK);
		same_bytes(jstr(v, "name"), b, len, enc, en);
		hf_manifest_free(in);
		hf_manifest_free(m);
		free(b);
		nv++;
	}
	assert_true(nv >= 1);
	assert_true(check_rejects(j, dec_manifest) >= 15);
	json_decref(j);
}

/* Like same_bytes, for buffers the caller owns. */
static void same_mem(const char *name, const uint8_t *want, size_t wn, const uint8_t *have,
                     size_t hn)
{
	if (hn != wn || memcmp(want, have, wn) != 0)
		fail_msg("%s: the code does not give the vector's bytes", name);
}

static hf_err dec_leaf(uint32_t type, const uint8_t *b, size_t n)
{
	(void)type;
	static hf_audit_leaf l;
	return hf_audit_leaf_decode(b, n, &l);
}

/* A JSON array of hex hashes into wire bytes. */
static size_t jhashes(const json_t *arr, uint8_t *out, size_t cap)
{
	size_t i, off = 0;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		assert_true(off + HF_MERKLE_HASH_LEN <= cap);
		unhex_fixed(json_string_value(v), out + off, HF_MERKLE_HASH_LEN);
		off += HF_MERKLE_HASH_LEN;
	}
	return off;
}

static void test_merkle_vectors(void **state)
{
	(void)state;
	json_t *j = load("merkle.json");
	size_t i;
	json_t *v;
	hf_mem_tree t;
	hf_mem_tree_init(&t);
	hf_audit_leaf *l = malloc(sizeof(*l));
	assert_non_null(l);
	/* leaves: encode from (logged, header) gives the leaf; decode and hash */
	json_array_foreach(json_object_get(j, "leaves"), i, v)
	{
		size_t hl, ll, el;
		uint8_t *h = unhex_alloc(jstr(v, "header"), &hl);
		uint8_t *leaf = unhex_alloc(jstr(v, "leaf"), &ll);
		uint8_t enc[HF_AUDIT_LEAF_MAX_SIZE], lh[HF_MERKLE_HASH_LEN];
		assert_int_equal(
		    hf_audit_leaf_encode(jint(v, "logged_ms"), h, hl, enc, sizeof(enc), &el),
		    HF_OK);
		same_mem("leaf", leaf, ll, enc, el);
		assert_int_equal(hf_audit_leaf_decode(leaf, ll, l), HF_OK);
		assert_int_equal(l->hdr.type, jint(v, "type"));
		assert_int_equal(l->logged_ms, jint(v, "logged_ms"));
		assert_true(hf_audit_type_logged(l->hdr.type));
		assert_int_equal(hf_merkle_leaf_hash(leaf, ll, lh), HF_OK);
		expect_hex(v, "leaf_hash", lh, sizeof(lh));
		assert_int_equal(hf_mem_tree_append(&t, lh), HF_OK);
		free(h);
		free(leaf);
	}
	assert_int_equal(t.c.size, 13);
	assert_true(check_rejects(j, dec_leaf) >= 7);
	hf_merkle_store st = hf_mem_tree_store(&t);
	uint8_t roots[14][HF_MERKLE_HASH_LEN];
	json_array_foreach(json_object_get(j, "roots_by_size"), i, v)
	{
		assert_true(i < 14);
		assert_int_equal(hf_merkle_root(&st, i, roots[i]), HF_OK);
		uint8_t want[HF_MERKLE_HASH_LEN];
		unhex_fixed(json_string_value(v), want, sizeof(want));
		assert_memory_equal(want, roots[i], sizeof(want));
	}
	uint8_t want[HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN];
	uint8_t got[HF_MERKLE_MAX_PROOF][HF_MERKLE_HASH_LEN];
	size_t np;
	json_array_foreach(json_object_get(j, "inclusion_proofs"), i, v)
	{
		uint64_t idx = jint(v, "index"), n = jint(v, "tree_size");
		size_t wl = jhashes(json_object_get(v, "proof"), want, sizeof(want));
		assert_int_equal(
		    hf_merkle_inclusion_proof(&st, idx, n, got, HF_MERKLE_MAX_PROOF, &np), HF_OK);
		same_mem("inclusion", want, wl, &got[0][0], np * HF_MERKLE_HASH_LEN);
		uint8_t lh[HF_MERKLE_HASH_LEN];
		hf_merkle_node_id id = {0, idx};
		assert_int_equal(st.fetch(st.ctx, &id, 1, &lh), HF_OK);
		assert_int_equal(hf_merkle_verify_inclusion(lh, idx, n, roots[n], want, wl), HF_OK);
	}
	json_array_foreach(json_object_get(j, "consistency_proofs"), i, v)
	{
		uint64_t a = jint(v, "size1"), b = jint(v, "size2");
		size_t wl = jhashes(json_object_get(v, "proof"), want, sizeof(want));
		assert_int_equal(
		    hf_merkle_consistency_proof(&st, a, b, got, HF_MERKLE_MAX_PROOF, &np), HF_OK);
		if (wl > 0)
			same_mem("consistency", want, wl, &got[0][0], np * HF_MERKLE_HASH_LEN);
		assert_int_equal(np * HF_MERKLE_HASH_LEN, wl);
		assert_int_equal(hf_merkle_verify_consistency(a, roots[a], b, roots[b], want, wl),
		                 HF_OK);
	}
	/* tiles: the hash tile from the stored tree, the bundle splits into the leaves */
	json_array_foreach(json_object_get(j, "tiles"), i, v)
	{
		const char *path = jstr(v, "path");
		hf_tile_ref r;
		assert_int_equal(hf_tile_path_parse(path, strlen(path), &r), HF_OK);
		size_t bl;
		uint8_t *b = unhex_alloc(jstr(v, "hex"), &bl);
		if (r.entries) {
			const uint8_t *ents[256];
			size_t lens[256];
			assert_int_equal(hf_bundle_split(b, bl, r.width, ents, lens), HF_OK);
			for (unsigned k = 0; k < r.width; k++) {
				uint8_t lh[HF_MERKLE_HASH_LEN], sh[HF_MERKLE_HASH_LEN];
				hf_merkle_node_id id = {0, k};
				assert_int_equal(hf_merkle_leaf_hash(ents[k], lens[k], lh), HF_OK);
				assert_int_equal(st.fetch(st.ctx, &id, 1, &sh), HF_OK);
				assert_memory_equal(lh, sh, sizeof(lh));
			}
		} else {
			uint8_t tile[256 * HF_MERKLE_HASH_LEN];
			size_t tl;
			assert_int_equal(hf_tile_build(&st, &r, tile, sizeof(tile), &tl), HF_OK);
			same_mem(path, b, bl, tile, tl);
		}
		free(b);
	}
	/* keys from their seeds; the checkpoint opens with all three witnesses */
	json_t *keys = json_object_get(j, "keys");
	hf_log_policy *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	json_t *lk = json_object_get(keys, "log");
	uint8_t seed[32];
	hf_note_signer *sg;
	char vk[HF_NOTE_MAX_VKEY];
	unhex_fixed(jstr(lk, "ed25519_seed_hex"), seed, 32);
	assert_int_equal(hf_note_signer_new(jstr(lk, "name"), HF_NOTE_ALG_ED25519, seed, &sg),
	                 HF_OK);
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(sg), vk, sizeof(vk)), HF_OK);
	assert_string_equal(vk, jstr(lk, "vkey"));
	hf_note_signer_free(sg);
	assert_int_equal(hf_note_vkey_parse(vk, strlen(vk), &p->log_key), HF_OK);
	json_array_foreach(json_object_get(keys, "witnesses"), i, v)
	{
		unhex_fixed(jstr(v, "ed25519_seed_hex"), seed, 32);
		assert_int_equal(hf_note_signer_new(jstr(v, "name"), HF_NOTE_ALG_COSIG, seed, &sg),
		                 HF_OK);
		assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(sg), vk, sizeof(vk)),
		                 HF_OK);
		assert_string_equal(vk, jstr(v, "vkey"));
		hf_note_signer_free(sg);
		assert_int_equal(hf_note_vkey_parse(vk, strlen(vk), &p->witnesses[i]), HF_OK);
		p->n_witnesses++;
	}
	p->origin = jstr(lk, "name");
	p->quorum = p->n_witnesses;
	json_t *cj = json_object_get(j, "checkpoint");
	const char *note = jstr(cj, "note");
	hf_checkpoint c;
	hf_cosig_status cs;
	assert_int_equal(hf_checkpoint_open((const uint8_t *)note, strlen(note), p, &c, &cs),
	                 HF_OK);
	assert_int_equal(c.size, jint(cj, "size"));
	assert_memory_equal(c.root, roots[c.size], HF_MERKLE_HASH_LEN);
	assert_int_equal(cs.n_valid, 3);
	assert_int_equal(cs.timestamp[0], jint(cj, "cosignature_time"));
	uint8_t body[HF_CHECKPOINT_MAX_BODY];
	size_t bl;
	assert_int_equal(hf_checkpoint_encode(&c, body, sizeof(body), &bl), HF_OK);
	same_mem("checkpoint body", (const uint8_t *)jstr(cj, "body"), strlen(jstr(cj, "body")),
	         body, bl);
	free(p);
	free(l);
	hf_mem_tree_free(&t);
	json_decref(j);
}

/* ---- rules.json (spec §2.5, §8a, §11.2a, §13) --------------------------------- */

static hf_err no_sender(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)ctx;
	(void)h;
	(void)pk;
	return HF_EUNKNOWNSENDER;
}

/* A body by message type; type 0 structures by the name their entry gives. */
static hf_err dec_rule(uint32_t type, const char *structure, const uint8_t *b, size_t n)
{
	hf_order_msg om;
	hf_list_batch x;
	hf_list_snapshot y;
	hf_list_pull z;
	hf_match_report r;
	hf_err rc;
	if (type >= HF_MSG_ORDER && type <= HF_MSG_REFERRAL) {
		rc = hf_order_msg_decode(type, b, n, &om);
		hf_order_msg_clear(&om);
		return rc;
	}
	switch (type) {
	case HF_MSG_LIST_BATCH:
		return hf_list_batch_decode(b, n, &x);
	case HF_MSG_LIST_SNAPSHOT:
		return hf_list_snapshot_decode(b, n, &y);
	case HF_MSG_LIST_PULL:
		return hf_list_pull_decode(b, n, &z);
	case HF_MSG_MATCH_REPORT:
		return hf_match_report_decode(b, n, &r);
	case HF_MSG_AUDIT_SUBMIT: {
		hf_audit_msg *m = malloc(sizeof(*m));
		assert_non_null(m);
		rc = hf_audit_msg_decode(type, b, n, m);
		free(m);
		return rc;
	}
	default:
		break;
	}
	assert_int_equal(type, 0);
	if (strcmp(structure, "envelope") == 0) {
		hf_identity *id = NULL;
		assert_int_equal(hf_identity_generate(&id, NULL), HF_OK);
		hf_open_params op = {id, no_sender, NULL, 0, NULL};
		hf_opened *o = NULL;
		rc = hf_envelope_open(b, n, &op, &o);
		hf_opened_free(o);
		hf_identity_free(id);
		return rc;
	}
	if (strncmp(structure, "envelope header", 15) == 0) {
		hf_envelope_header *h = malloc(sizeof(*h));
		assert_non_null(h);
		rc = hf_envelope_header_decode(b, n, h);
		free(h);
		return rc;
	}
	if (strcmp(structure, "manifest") == 0) {
		hf_manifest *m = NULL;
		rc = hf_manifest_decode(b, n, &m);
		hf_manifest_free(m);
		return rc;
	}
	if (strcmp(structure, "audit log leaf") == 0) {
		hf_audit_leaf *l = malloc(sizeof(*l));
		assert_non_null(l);
		rc = hf_audit_leaf_decode(b, n, l);
		free(l);
		return rc;
	}
	fail_msg("rules.json: structure %s", structure);
	return HF_EINVAL;
}

static size_t check_rule_array(const json_t *j, const char *key)
{
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, key), i, v)
	{
		size_t len;
		uint8_t *b = unhex_alloc(jstr(v, "hex"), &len);
		const json_t *pad = json_object_get(v, "pad_to");
		if (pad != NULL) {
			size_t to = (size_t)json_integer_value(pad);
			assert_true(to >= len);
			uint8_t *p = calloc(to, 1);
			assert_non_null(p);
			memcpy(p, b, len);
			free(b);
			b = p;
			len = to;
		}
		const json_t *st = json_object_get(v, "structure");
		const char *name = st ? json_string_value(st) : jstr(v, "name");
		hf_err want, rc = dec_rule((uint32_t)jint(v, "type"), name, b, len);
		assert_int_equal(hf_err_from_name(jstr(v, "error"), &want), HF_OK);
		if (rc != want)
			fail_msg("rules.json %s %s: got %s want %s", key, name, hf_err_name(rc),
			         hf_err_name(want));
		free(b);
		n++;
	}
	return n;
}

static void test_rules_vectors(void **state)
{
	(void)state;
	json_t *j = load("rules.json");
	size_t codec = check_rule_array(j, "codec"), orders = check_rule_array(j, "orders");
	size_t caps = check_rule_array(j, "caps") + check_rule_array(j, "at_cap");
	assert_true(codec >= 40 && orders >= 60 && caps >= 10);
	size_t i, ne = 0;
	json_t *v;
	json_array_foreach(json_object_get(j, "endpoints"), i, v)
	{
		hf_err want;
		assert_int_equal(hf_err_from_name(jstr(v, "error"), &want), HF_OK);
		if (hf_endpoint_check(jstr(v, "endpoint")) != want)
			fail_msg("rules.json endpoint %s: want %s", jstr(v, "endpoint"),
			         hf_err_name(want));
		ne++;
	}
	assert_true(ne >= 30);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_envelope_vectors), cmocka_unit_test(test_codec_vectors),
	    cmocka_unit_test(test_list_vectors),     cmocka_unit_test(test_match_report_vectors),
	    cmocka_unit_test(test_manifest_vectors), cmocka_unit_test(test_merkle_vectors),
	    cmocka_unit_test(test_rules_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
