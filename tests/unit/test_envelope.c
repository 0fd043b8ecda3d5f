/* Sealed envelope: round trips and every rejection path of spec §5.6. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope_internal.h"
#include "hf_test.h"
#include "hashfed/envelope.h"
#include "hashfed/identity.h"

#define NOW 1790000000000ULL

static const hf_fed_id FED = {{0xfe, 0xd0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}};

typedef struct world {
	hf_test_rng trng;
	hf_rng rng;
	hf_identity *sender;
	hf_identity *rcpt[50];
	hf_identity *outsider;
	uint8_t pks[50][HF_ENC_PK_LEN];
} world;

/* Sender lookup over the world's identities. */
static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	world *w = ctx;
	hf_identity *all[52];
	size_t n = 0;
	all[n++] = w->sender;
	all[n++] = w->outsider;
	for (int i = 0; i < 50; i++)
		all[n++] = w->rcpt[i];
	for (size_t i = 0; i < n; i++) {
		if (hf_key_id_eq(hf_identity_sign_keyid(all[i]), &h->sender)) {
			memcpy(pk, hf_identity_sign_pk(all[i]), HF_SIGN_PK_LEN);
			return HF_OK;
		}
	}
	return HF_EUNKNOWNSENDER;
}

/* A lookup that lies: returns the outsider's key for every sender. */
static hf_err lookup_wrong(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)h;
	world *w = ctx;
	memcpy(pk, hf_identity_sign_pk(w->outsider), HF_SIGN_PK_LEN);
	return HF_OK;
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	hf_test_rng_init(&w->trng, 42);
	w->rng.fn = hf_test_rng_bytes;
	w->rng.ctx = &w->trng;
	if (hf_identity_generate(&w->sender, &w->rng) != HF_OK ||
	    hf_identity_generate(&w->outsider, &w->rng) != HF_OK)
		return -1;
	for (int i = 0; i < 50; i++) {
		if (hf_identity_generate(&w->rcpt[i], &w->rng) != HF_OK)
			return -1;
		memcpy(w->pks[i], hf_identity_enc_pk(w->rcpt[i]), HF_ENC_PK_LEN);
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	hf_identity_free(w->sender);
	hf_identity_free(w->outsider);
	for (int i = 0; i < 50; i++)
		hf_identity_free(w->rcpt[i]);
	free(w);
	return 0;
}

static hf_seal_params params(world *w, size_t n)
{
	hf_seal_params p = {0};
	p.type = HF_MSG_DATA;
	p.created_ms = NOW;
	p.expires_ms = NOW + 3600000;
	p.federation = &FED;
	p.epoch = 3;
	p.recipients = (const uint8_t(*)[HF_ENC_PK_LEN])w->pks;
	p.n_recipients = n;
	p.rng = &w->rng;
	return p;
}

static hf_err try_open(world *w, const uint8_t *env, size_t len, hf_identity *self, uint64_t now,
                       hf_opened **o)
{
	hf_open_params op = {self, lookup, w, now, &FED};
	return hf_envelope_open(env, len, &op, o);
}

static void test_roundtrip(void **state)
{
	world *w = *state;
	const size_t counts[] = {1, 5, 50};
	uint8_t body[3000];
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7);
	for (size_t c = 0; c < 3; c++) {
		hf_audit_header a = {0};
		a.fields = HF_AUDIT_SUBJECT | HF_AUDIT_ITEMS | HF_AUDIT_CATEGORY;
		memset(a.subject, 0xab, sizeof(a.subject));
		a.items = 12;
		a.category = 2;
		hf_seal_params p = params(w, counts[c]);
		p.audit = &a;
		uint8_t *env;
		size_t len;
		assert_int_equal(hf_envelope_seal(w->sender, &p, body, sizeof(body), &env, &len),
		                 HF_OK);
		for (size_t r = 0; r < counts[c]; r++) {
			hf_opened *o;
			assert_int_equal(try_open(w, env, len, w->rcpt[r], NOW + 1000, &o), HF_OK);
			size_t bl;
			const uint8_t *b = hf_opened_body(o, &bl);
			assert_int_equal(bl, sizeof(body));
			assert_memory_equal(b, body, bl);
			const hf_envelope_header *h = hf_opened_header(o);
			assert_int_equal(h->type, HF_MSG_DATA);
			assert_int_equal(h->n_recipients, counts[c]);
			assert_int_equal(h->epoch, 3);
			assert_int_equal(h->audit.items, 12);
			assert_int_equal(h->audit.fields, a.fields);
			assert_true(hf_key_id_eq(&h->sender, hf_identity_sign_keyid(w->sender)));
			/* UUIDv7: version 7, variant 10, timestamp = created */
			assert_int_equal(h->msg_id.b[6] >> 4, 7);
			assert_int_equal(h->msg_id.b[8] >> 6, 2);
			uint8_t commit[HF_COMMIT_LEN];
			hf_audit_commit(hf_opened_salt(o), body, sizeof(body), commit);
			assert_memory_equal(commit, h->audit.commitment, HF_COMMIT_LEN);
			hf_opened_free(o);
		}
		/* a relay verifies origin and reads the audit header without keys */
		hf_envelope_header *vh = malloc(sizeof(*vh));
		assert_int_equal(hf_envelope_verify(env, len, lookup, w, vh), HF_OK);
		assert_int_equal(vh->audit.category, 2);
		assert_int_equal(hf_envelope_peek(env, len, vh), HF_OK);
		free(vh);
		/* the outsider is not a recipient */
		hf_opened *o = NULL;
		assert_int_equal(try_open(w, env, len, w->outsider, NOW, &o), HF_ENOTRECIPIENT);
		assert_null(o);
		free(env);
	}
	/* empty body */
	hf_seal_params p = params(w, 1);
	uint8_t *env;
	size_t len;
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_OK);
	hf_opened *o;
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW, &o), HF_OK);
	hf_opened_free(o);
	free(env);
	hf_opened_free(NULL);
}

/* Flip every bit position's byte once: every flip must be rejected. */
static void test_every_flip_rejected(void **state)
{
	world *w = *state;
	hf_seal_params p = params(w, 2);
	const uint8_t body[] = "takedown: three items";
	uint8_t *env;
	size_t len;
	assert_int_equal(hf_envelope_seal(w->sender, &p, body, sizeof(body), &env, &len), HF_OK);
	uint8_t *copy = malloc(len);
	unsigned classes[8] = {0};
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(copy, env, len);
			copy[i] ^= (uint8_t)(1u << bit);
			hf_opened *o = NULL;
			hf_err rc = try_open(w, copy, len, w->rcpt[1], NOW, &o);
			if (rc == HF_OK)
				fail_msg("flip of byte %zu bit %d accepted", i, bit);
			assert_null(o);
			classes[hf_err_class_of(rc)]++;
		}
	}
	/* both malformed and crypto rejections occur */
	assert_true(classes[HF_CLASS_MALFORMED] > 0);
	assert_true(classes[HF_CLASS_CRYPTO] > 0);
	/* truncation at every length */
	for (size_t n = 0; n < len; n++) {
		hf_opened *o = NULL;
		assert_int_not_equal(try_open(w, env, n, w->rcpt[0], NOW, &o), HF_OK);
	}
	/* trailing garbage */
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, env, len);
	longer[len] = 0;
	hf_opened *o = NULL;
	assert_int_equal(try_open(w, longer, len + 1, w->rcpt[0], NOW, &o), HF_ETRAILING);
	free(longer);
	free(copy);
	free(env);
}

static void test_time_and_federation(void **state)
{
	world *w = *state;
	hf_seal_params p = params(w, 1);
	uint8_t *env;
	size_t len;
	assert_int_equal(hf_envelope_seal(w->sender, &p, (const uint8_t *)"x", 1, &env, &len),
	                 HF_OK);
	hf_opened *o = NULL;
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW + 3600000, &o), HF_EEXPIRED);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW - HF_MAX_CLOCK_SKEW_MS - 1, &o),
	                 HF_EFUTURE);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW - HF_MAX_CLOCK_SKEW_MS, &o), HF_OK);
	hf_opened_free(o);
	hf_fed_id other = {{0}};
	hf_open_params op = {w->rcpt[0], lookup, w, NOW, &other};
	assert_int_equal(hf_envelope_open(env, len, &op, &o), HF_EFEDERATION);
	/* a lookup that returns a different key than the header names */
	hf_open_params op2 = {w->rcpt[0], lookup_wrong, w, NOW, &FED};
	assert_int_equal(hf_envelope_open(env, len, &op2, &o), HF_EUNKNOWNSENDER);
	free(env);

	/* a sender the lookup does not know */
	hf_identity *stranger;
	assert_int_equal(hf_identity_generate(&stranger, NULL), HF_OK);
	assert_int_equal(hf_envelope_seal(stranger, &p, (const uint8_t *)"x", 1, &env, &len),
	                 HF_OK);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW, &o), HF_EUNKNOWNSENDER);
	free(env);
	hf_identity_free(stranger);
}

static void test_seal_rejects(void **state)
{
	world *w = *state;
	uint8_t *env;
	size_t len;
	hf_seal_params p = params(w, 1);
	p.expires_ms = p.created_ms;
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_EINVAL);
	p = params(w, 1);
	p.expires_ms = p.created_ms + HF_MAX_LIFETIME_MS + 1;
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_EINVAL);
	p = params(w, 0);
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_EINVAL);
	p = params(w, 1);
	p.type = 999;
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_EMSGTYPE);
	/* the same recipient twice */
	uint8_t dup[2][HF_ENC_PK_LEN];
	memcpy(dup[0], w->pks[0], HF_ENC_PK_LEN);
	memcpy(dup[1], w->pks[0], HF_ENC_PK_LEN);
	p = params(w, 2);
	p.recipients = (const uint8_t(*)[HF_ENC_PK_LEN])dup;
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_EDUPLICATE);
	/* a small-order recipient key */
	uint8_t zero[1][HF_ENC_PK_LEN] = {{0}};
	p = params(w, 1);
	p.recipients = (const uint8_t(*)[HF_ENC_PK_LEN])zero;
	assert_int_equal(hf_envelope_seal(w->sender, &p, NULL, 0, &env, &len), HF_EBADKEY);
}

/* Envelopes whose inner fields or commitment lie are refused. */
static void test_inner_and_commitment(void **state)
{
	world *w = *state;
	hf_envelope_header *h = calloc(1, sizeof(*h));
	h->version = 1;
	h->type = HF_MSG_DATA;
	memset(h->msg_id.b, 0x11, sizeof h->msg_id.b);
	h->sender = *hf_identity_sign_keyid(w->sender);
	h->n_recipients = 1;
	hf_keyid_enc(w->pks[0], &h->recipients[0]);
	h->created_ms = NOW;
	h->expires_ms = NOW + 1000;
	h->federation = FED;
	uint8_t salt[HF_COMMIT_SALT_LEN] = {7};
	const uint8_t body[] = "payload";
	hf_audit_commit(salt, body, sizeof(body), h->audit.commitment);
	hf_msg_id other_id = {{0x22}};
	uint8_t *env;
	size_t len;
	hf_opened *o = NULL;
	const uint8_t(*rc)[HF_ENC_PK_LEN] = (const uint8_t(*)[HF_ENC_PK_LEN])w->pks;

	assert_int_equal(hfi_env_seal_prepared(w->sender, h, salt, &h->sender, &h->msg_id, rc,
	                                       &w->rng, body, sizeof(body), &env, &len),
	                 HF_OK);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW, &o), HF_OK);
	hf_opened_free(o);
	free(env);

	assert_int_equal(hfi_env_seal_prepared(w->sender, h, salt, &h->sender, &other_id, rc,
	                                       &w->rng, body, sizeof(body), &env, &len),
	                 HF_OK);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW, &o), HF_EINNER);
	free(env);

	assert_int_equal(hfi_env_seal_prepared(w->sender, h, salt,
	                                       hf_identity_sign_keyid(w->outsider), &h->msg_id, rc,
	                                       &w->rng, body, sizeof(body), &env, &len),
	                 HF_OK);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW, &o), HF_EINNER);
	free(env);

	h->audit.commitment[0] ^= 1;
	assert_int_equal(hfi_env_seal_prepared(w->sender, h, salt, &h->sender, &h->msg_id, rc,
	                                       &w->rng, body, sizeof(body), &env, &len),
	                 HF_OK);
	assert_int_equal(try_open(w, env, len, w->rcpt[0], NOW, &o), HF_ECOMMIT);
	free(env);
	free(h);
}

/* Re-addressing: swapping the wraps or header of two envelopes breaks the signature. */
static void test_splice(void **state)
{
	world *w = *state;
	hf_seal_params p = params(w, 1);
	uint8_t *a, *b;
	size_t al, bl;
	assert_int_equal(hf_envelope_seal(w->sender, &p, (const uint8_t *)"aaaa", 4, &a, &al),
	                 HF_OK);
	assert_int_equal(hf_envelope_seal(w->sender, &p, (const uint8_t *)"bbbb", 4, &b, &bl),
	                 HF_OK);
	assert_int_equal(al, bl);
	hfi_env_parts pa, pb;
	hf_envelope_header *ha = malloc(sizeof(*ha)), *hb = malloc(sizeof(*hb));
	assert_int_equal(hfi_env_decode(a, al, &pa, ha), HF_OK);
	assert_int_equal(hfi_env_decode(b, bl, &pb, hb), HF_OK);
	/* put b's ciphertext under a's header and signature */
	uint8_t *mix = malloc(al);
	memcpy(mix, a, al);
	memcpy(mix + (pa.ct - a), pb.ct, pa.ct_len);
	hf_opened *o = NULL;
	assert_int_equal(try_open(w, mix, al, w->rcpt[0], NOW, &o), HF_ESIG);
	free(mix);
	free(ha);
	free(hb);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_every_flip_rejected),
	    cmocka_unit_test(test_time_and_federation),
	    cmocka_unit_test(test_seal_rejects),
	    cmocka_unit_test(test_inner_and_commitment),
	    cmocka_unit_test(test_splice),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
