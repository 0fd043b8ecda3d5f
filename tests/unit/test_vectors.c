/*
 * spec/vectors checked from the data side: rebuild the identities from their
 * published secrets, open every envelope, and expect every listed error. The
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
		if (memcmp(hf_identity_sign_keyid(g_ids[i].id), h->sender, HF_KEYID_LEN) == 0) {
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
	uint8_t fed[HF_FEDID_LEN];
	unhex_fixed(json_string_value(json_object_get(j, "federation")), fed, sizeof(fed));

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
			    (uint64_t)json_integer_value(json_object_get(v, "created")), fed};
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
		                     (uint64_t)json_integer_value(json_object_get(v, "now")), fed};
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
		hf_mp_dec d;
		hf_err rc = hf_mp_dec_init(&d, b, len, HF_MAX_MESSAGE_SIZE);
		if (rc == HF_OK)
			rc = hf_env_header_decode(&d, h);
		if (rc == HF_OK)
			rc = hf_mp_dec_finish(&d);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_envelope_vectors),
	    cmocka_unit_test(test_codec_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
