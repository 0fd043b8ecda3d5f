/*
 * Audit log messages (spec §16): round trips of the six bodies, one-rule rejects with
 * their exact codes, golden vectors (spec/vectors/audit_msg.json).
 *
 * HF_WRITE_AUDIT_VECTORS=1 rewrites spec/vectors/audit_msg.json and the seeds in
 * fuzz/corpus/audit_msg/ from the fixtures below (then review the diff).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "envelope_internal.h"
#include "hashfed/audit_msg.h"
#include "hashfed/list.h"
#include "hashfed/order.h"
#include "hf_test.h"
#include "mp.h"

#define VEC_PATH HF_SOURCE_DIR "/spec/vectors/audit_msg.json"
#define SEED_DIR HF_SOURCE_DIR "/fuzz/corpus/audit_msg"

static const char NOTE[] =
    "hashfed.log/fed0/0001\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    "\xe2\x80\x94 hashfed.log/fed0/0001 AAAAAAAAAAAAAAAA\n";
static uint8_t g_hdr[2][512];
static size_t g_hdr_len[2];
static uint8_t g_proof[3 * 32];
static hf_audit_msg g_m;

/* A canonical envelope header of type `type` (ids from seed). */
static size_t make_header(uint32_t type, uint8_t seed, uint8_t *out, size_t cap)
{
	hf_envelope_header *h = calloc(1, sizeof(*h));
	hf_writer w;
	hfi_mp_enc e;
	uint8_t *p;
	size_t n;
	assert_non_null(h);
	h->version = 1;
	h->type = type;
	memset(h->msg_id.b, seed, sizeof h->msg_id.b);
	memset(h->sender.b, seed + 1, sizeof h->sender.b);
	h->n_recipients = 1;
	memset(h->recipients[0].b, seed + 2, sizeof h->recipients[0].b);
	h->created_ms = 1790000000000ull;
	h->expires_ms = h->created_ms + 3600000;
	memset(h->federation.b, 0xfe, sizeof h->federation.b);
	h->epoch = 3;
	h->audit.fields = HF_AUDIT_SUBJECT | HF_AUDIT_ITEMS | HF_AUDIT_STATUS;
	memset(h->audit.commitment, 0xcc, 32);
	memset(h->audit.subject, 0x55, 16);
	h->audit.items = 2;
	h->audit.status = 1;
	hf_writer_init(&w, 8192);
	hfi_mp_enc_init(&e, &w);
	assert_int_equal(hfi_env_header_encode(&e, h), HF_OK);
	assert_int_equal(hf_writer_take(&w, &p, &n), HF_OK);
	assert_true(n <= cap);
	memcpy(out, p, n);
	free(p);
	free(h);
	return n;
}

static void fx_submit(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_SUBMIT;
	for (int i = 0; i < 2; i++) {
		g_hdr_len[i] = make_header(i ? HF_MSG_RECEIPT : HF_MSG_ORDER,
		                           (uint8_t)(0x10 * (i + 1)), g_hdr[i], sizeof(g_hdr[i]));
		m->u.submit.hdr[i] = g_hdr[i];
		m->u.submit.hdr_len[i] = g_hdr_len[i];
	}
	m->u.submit.n = 2;
}

static void fx_receipt(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_RECEIPT;
	for (size_t i = 0; i < sizeof(g_proof); i++)
		g_proof[i] = (uint8_t)i;
	m->u.receipt.checkpoint = NOTE;
	m->u.receipt.checkpoint_len = strlen(NOTE);
	m->u.receipt.n = 2;
	memset(m->u.receipt.e[0].msg_id.b, 0x10, sizeof m->u.receipt.e[0].msg_id.b);
	m->u.receipt.e[0].index = 5;
	m->u.receipt.e[0].integrated_ms = 1790000000123ull;
	m->u.receipt.e[0].proof = g_proof;
	m->u.receipt.e[0].proof_len = 96;
	memset(m->u.receipt.e[1].msg_id.b, 0x20, sizeof m->u.receipt.e[1].msg_id.b);
	m->u.receipt.e[1].index = 6;
	m->u.receipt.e[1].integrated_ms = 1790000000123ull;
	m->u.receipt.e[1].proof = g_proof;
	m->u.receipt.e[1].proof_len = 64;
}

static void fx_checkpoint(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_CHECKPOINT;
	m->u.checkpoint.checkpoint = NOTE;
	m->u.checkpoint.checkpoint_len = strlen(NOTE);
	m->u.checkpoint.has_from = true;
	m->u.checkpoint.from_size = 4;
	m->u.checkpoint.proof = g_proof;
	m->u.checkpoint.proof_len = 96;
}

static void fx_gossip(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_CHECKPOINT;
	m->u.checkpoint.checkpoint = NOTE;
	m->u.checkpoint.checkpoint_len = strlen(NOTE);
}

static void fx_cosign(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_COSIGN;
	m->u.cosign.checkpoint = NOTE;
	m->u.cosign.checkpoint_len = strlen(NOTE);
}

static void fx_query_receipt(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_QUERY;
	m->u.query.kind = HF_AUDIT_Q_RECEIPT;
	memset(m->u.query.sender.b, 0x11, sizeof m->u.query.sender.b);
	memset(m->u.query.msg_id.b, 0x10, sizeof m->u.query.msg_id.b);
}

static void fx_query_consistency(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_QUERY;
	m->u.query.kind = HF_AUDIT_Q_CONSISTENCY;
	m->u.query.from_size = 4;
	m->u.query.to_size = 7;
}

static void fx_alarm(hf_audit_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = HF_MSG_AUDIT_ALARM;
	m->u.alarm.a = NOTE;
	m->u.alarm.a_len = strlen(NOTE);
	m->u.alarm.b = NOTE;
	m->u.alarm.b_len = strlen(NOTE);
}

static const struct {
	const char *name;
	void (*fn)(hf_audit_msg *);
} FIXTURES[] = {
    {"submit", fx_submit},
    {"receipt", fx_receipt},
    {"checkpoint_with_proof", fx_checkpoint},
    {"checkpoint_gossip", fx_gossip},
    {"cosign", fx_cosign},
    {"query_receipt", fx_query_receipt},
    {"query_consistency", fx_query_consistency},
    {"alarm", fx_alarm},
};
#define NFX (sizeof(FIXTURES) / sizeof(FIXTURES[0]))

static uint8_t *encode_fx(size_t i, size_t *n)
{
	uint8_t *b = NULL;
	FIXTURES[i].fn(&g_m);
	assert_int_equal(hf_audit_msg_encode(&g_m, &b, n), HF_OK);
	return b;
}

/* Reject i: a valid body with one rule broken, and the code a decoder must give. */
static bool make_reject(size_t i, const char **name, uint32_t *type, hf_err *want, uint8_t **b,
                        size_t *n)
{
	size_t k;
	*b = NULL;
	switch (i) {
	case 0: /* receipt with a proof of 33 bytes */
		*name = "receipt_proof_not_hashes";
		*type = HF_MSG_AUDIT_RECEIPT;
		*want = HF_EHASHLEN;
		fx_receipt(&g_m);
		g_m.u.receipt.e[0].proof_len = 32;
		assert_int_equal(hf_audit_msg_encode(&g_m, b, n), HF_OK);
		/* bin8 of 32 -> 33 bytes: patch the length byte and add one byte at its end */
		for (k = 0; k + 2 < *n; k++)
			if ((*b)[k] == 0xc4 && (*b)[k + 1] == 32)
				break;
		{
			uint8_t *c = malloc(*n + 1);
			memcpy(c, *b, k + 2 + 32);
			c[k + 1] = 33;
			c[k + 2 + 32] = 0;
			memcpy(c + k + 3 + 32, *b + k + 2 + 32, *n - (k + 2 + 32));
			free(*b);
			*b = c;
			(*n)++;
		}
		return true;
	case 1: /* submission without headers */
		*name = "submit_empty";
		*type = HF_MSG_AUDIT_SUBMIT;
		*want = HF_ERANGE;
		*b = malloc(3);
		memcpy(*b, "\x81\x01\x90", 3);
		*n = 3;
		return true;
	case 2: /* submission of bytes that are no envelope header */
		*name = "submit_not_a_header";
		*type = HF_MSG_AUDIT_SUBMIT;
		*want = HF_ETYPE;
		*b = malloc(6);
		memcpy(*b, "\x81\x01\x91\xc4\x01\x01", 6);
		*n = 6;
		return true;
	case 3: /* checkpoint note that does not end in a newline */
		*name = "checkpoint_note_no_newline";
		*type = HF_MSG_AUDIT_CHECKPOINT;
		*want = HF_EPARSE;
		*b = malloc(5);
		memcpy(*b, "\x81\x01\xa2xy", 5);
		*n = 5;
		return true;
	case 4: /* proof without its from size */
		*name = "checkpoint_proof_without_from";
		*type = HF_MSG_AUDIT_CHECKPOINT;
		*want = HF_EMISSING;
		*b = malloc(7);
		memcpy(*b, "\x82\x01\xa1\x0a\x03\xc4\x00", 7);
		*n = 7;
		return true;
	case 5: /* consistency query from 0 */
		*name = "query_consistency_from_zero";
		*type = HF_MSG_AUDIT_QUERY;
		*want = HF_ERANGE;
		*b = malloc(7);
		memcpy(*b, "\x83\x01\x02\x04\x00\x05\x07", 7);
		*n = 7;
		return true;
	case 6: /* receipt query with a consistency field */
		*name = "query_receipt_mixed";
		*type = HF_MSG_AUDIT_QUERY;
		*want = HF_ERANGE;
		fx_query_receipt(&g_m);
		assert_int_equal(hf_audit_msg_encode(&g_m, b, n), HF_OK);
		(*b)[0] = 0x84;
		*b = realloc(*b, *n + 2);
		(*b)[*n] = 0x04;
		(*b)[*n + 1] = 0x01;
		*n += 2;
		return true;
	case 7: /* unknown key */
		*name = "alarm_unknown_key";
		*type = HF_MSG_AUDIT_ALARM;
		*want = HF_EUNKNOWNKEY;
		*b = malloc(9);
		memcpy(*b, "\x83\x01\xa1\x0a\x02\xa1\x0a\x03\x00", 9);
		*n = 9;
		return true;
	default:
		return false;
	}
}

static char *hex_of(const uint8_t *b, size_t n)
{
	char *h = malloc(2 * n + 1);
	hf_test_hex(b, n, h);
	return h;
}

static void write_vectors(void)
{
	json_t *arr = json_array(), *rej = json_array();
	for (size_t i = 0; i < NFX; i++) {
		size_t n;
		uint8_t *b = encode_fx(i, &n);
		char *h = hex_of(b, n), path[512];
		json_array_append_new(arr, json_pack("{s:s, s:i, s:s}", "name", FIXTURES[i].name,
		                                     "type", (int)g_m.type, "hex", h));
		snprintf(path, sizeof(path), "%s/vec-%s.bin", SEED_DIR, FIXTURES[i].name);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		uint8_t t = (uint8_t)(g_m.type - HF_MSG_AUDIT_SUBMIT);
		fwrite(&t, 1, 1, f);
		fwrite(b, 1, n, f);
		fclose(f);
		free(h);
		free(b);
	}
	const char *name;
	uint32_t type;
	hf_err want;
	uint8_t *b;
	size_t n;
	for (size_t i = 0; make_reject(i, &name, &type, &want, &b, &n); i++) {
		char *h = hex_of(b, n);
		json_array_append_new(rej,
		                      json_pack("{s:s, s:i, s:s, s:s}", "name", name, "type",
		                                (int)type, "error", hf_err_name(want), "hex", h));
		free(h);
		free(b);
	}
	json_t *root = json_pack("{s:s, s:o, s:o}", "comment",
	                         "spec §16 audit message bodies; generated by "
	                         "HF_WRITE_AUDIT_VECTORS=1 tests/test_audit_msg",
	                         "vectors", arr, "rejects", rej);
	assert_int_equal(json_dump_file(root, VEC_PATH, JSON_INDENT(1)), 0);
	json_decref(root);
}

static void round_trips(void **state)
{
	(void)state;
	static hf_audit_msg d;
	for (size_t i = 0; i < NFX; i++) {
		size_t n, n2;
		uint8_t *b = encode_fx(i, &n), *b2;
		assert_int_equal(hf_audit_msg_decode(g_m.type, b, n, &d), HF_OK);
		assert_int_equal(hf_audit_msg_encode(&d, &b2, &n2), HF_OK);
		assert_int_equal(n, n2);
		assert_memory_equal(b, b2, n);
		/* every truncation fails */
		for (size_t k = 0; k < n; k++)
			assert_int_not_equal(hf_audit_msg_decode(g_m.type, b, k, &d), HF_OK);
		/* a body of one type is not another's */
		if (g_m.type != HF_MSG_AUDIT_COSIGN && g_m.type != HF_MSG_AUDIT_CHECKPOINT)
			assert_int_not_equal(hf_audit_msg_decode(HF_MSG_AUDIT_COSIGN, b, n, &d),
			                     HF_OK);
		free(b);
		free(b2);
	}
	assert_int_equal(hf_audit_msg_decode(HF_MSG_ORDER, (const uint8_t *)"\x80", 1, &d),
	                 HF_EMSGTYPE);
}

static void vectors(void **state)
{
	(void)state;
	if (getenv("HF_WRITE_AUDIT_VECTORS") != NULL)
		write_vectors();
	json_error_t err;
	json_t *root = json_load_file(VEC_PATH, 0, &err);
	if (root == NULL)
		fail_msg("%s: %s", VEC_PATH, err.text);
	json_t *arr = json_object_get(root, "vectors");
	assert_int_equal(json_array_size(arr), NFX);
	for (size_t i = 0; i < NFX; i++) {
		json_t *v = json_array_get(arr, i);
		size_t n;
		uint8_t *b = encode_fx(i, &n);
		char *h = hex_of(b, n);
		assert_string_equal(json_string_value(json_object_get(v, "name")),
		                    FIXTURES[i].name);
		assert_int_equal(json_integer_value(json_object_get(v, "type")), g_m.type);
		assert_string_equal(json_string_value(json_object_get(v, "hex")), h);
		free(h);
		free(b);
	}
	json_t *rej = json_object_get(root, "rejects");
	const char *name;
	uint32_t type;
	hf_err want;
	uint8_t *b, buf[4096];
	size_t n, bl, i;
	static hf_audit_msg d;
	for (i = 0; make_reject(i, &name, &type, &want, &b, &n); i++) {
		json_t *v = json_array_get(rej, i);
		assert_non_null(v);
		assert_string_equal(json_string_value(json_object_get(v, "name")), name);
		assert_string_equal(json_string_value(json_object_get(v, "error")),
		                    hf_err_name(want));
		assert_true(hf_test_unhex(json_string_value(json_object_get(v, "hex")), buf,
		                          sizeof(buf), &bl));
		assert_int_equal(bl, n);
		assert_memory_equal(buf, b, n);
		hf_err got = hf_audit_msg_decode(type, buf, bl, &d);
		if (got != want)
			fail_msg("%s: got %s, want %s", name, hf_err_name(got), hf_err_name(want));
		free(b);
	}
	assert_int_equal(json_array_size(rej), i);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trips),
	    cmocka_unit_test(vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
