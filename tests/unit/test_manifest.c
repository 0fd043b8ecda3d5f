/* Membership manifest (spec §11): codec, k-of-n root signatures, the update
 * rule, lookups, key validity and the envelope adapter. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hf_test.h"
#include "hashfed/envelope.h"
#include "hashfed/identity.h"
#include "hashfed/manifest.h"
#include "manifest_internal.h"

#define T0  1790000000000ULL
#define DAY 86400000ULL

static const hf_fed_id FED = {{0xfe, 0xd0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}};

typedef struct world {
	hf_test_rng trng;
	hf_rng rng;
	hf_identity *root[5];  /* roots 0..2 form the set, 3..4 are a later set */
	hf_identity *node[4];  /* members 0..2, node 3 is an outsider */
	hf_identity *outsider; /* a key no manifest lists */
	uint8_t root_pk[5][HF_SIGN_PK_LEN];
	uint8_t id[4][HF_MEMBER_ID_LEN];
	hf_manifest *m; /* epoch 1, roots 0..2, K = 2, members 0..2, unsigned */
} world;

static void mk_id(uint8_t id[HF_MEMBER_ID_LEN], uint8_t b)
{
	memset(id, 0, HF_MEMBER_ID_LEN);
	id[0] = b;
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	static const uint32_t roles[3] = {HF_ROLE_AUTHORITY, HF_ROLE_PLATFORM,
	                                  HF_ROLE_AUDITOR | HF_ROLE_WITNESS};
	hf_test_rng_init(&w->trng, 7);
	w->rng.fn = hf_test_rng_bytes;
	w->rng.ctx = &w->trng;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(hf_identity_generate(&w->root[i], &w->rng), HF_OK);
		memcpy(w->root_pk[i], hf_identity_sign_pk(w->root[i]), HF_SIGN_PK_LEN);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(hf_identity_generate(&w->node[i], &w->rng), HF_OK);
		mk_id(w->id[i], (uint8_t)(0x30 - i)); /* added out of order on purpose */
	}
	assert_int_equal(hf_identity_generate(&w->outsider, &w->rng), HF_OK);
	assert_int_equal(hf_manifest_new(&FED, "test federation", 1,
	                                 (const uint8_t(*)[HF_SIGN_PK_LEN])w->root_pk, 3, 2, &w->m),
	                 HF_OK);
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "member-%d", i);
		assert_int_equal(hf_manifest_add_member(w->m, w->id[i], name, roles[i]), HF_OK);
		assert_int_equal(hf_manifest_add_key(w->m, w->id[i], HF_KEY_SIGN,
		                                     hf_identity_sign_pk(w->node[i]), T0,
		                                     T0 + 365 * DAY),
		                 HF_OK);
		assert_int_equal(hf_manifest_add_key(w->m, w->id[i], HF_KEY_ENC,
		                                     hf_identity_enc_pk(w->node[i]), T0,
		                                     HF_TIME_NEVER),
		                 HF_OK);
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	for (int i = 0; i < 5; i++)
		hf_identity_free(w->root[i]);
	for (int i = 0; i < 4; i++)
		hf_identity_free(w->node[i]);
	hf_identity_free(w->outsider);
	hf_manifest_free(w->m);
	free(w);
	return 0;
}

/* Encode then decode: a decoded manifest is what a node works with. */
static hf_manifest *roundtrip(const hf_manifest *m)
{
	uint8_t *b, *b2;
	size_t n, n2;
	hf_manifest *d = NULL;
	assert_int_equal(hf_manifest_encode(m, &b, &n), HF_OK);
	assert_int_equal(hf_manifest_decode(b, n, &d), HF_OK);
	assert_int_equal(hf_manifest_encode(d, &b2, &n2), HF_OK);
	assert_int_equal(n, n2);
	assert_memory_equal(b, b2, n);
	free(b);
	free(b2);
	return d;
}

static void test_roundtrip_and_order(void **state)
{
	world *w = *state;
	hf_manifest *d;
	uint8_t d1[32], d2[32];
	assert_int_equal(hf_manifest_sign(w->m, w->root[0]), HF_OK);
	d = roundtrip(w->m);
	assert_int_equal(hf_manifest_n_members(d), 3);
	/* members sorted by id whatever the insertion order */
	for (size_t i = 1; i < 3; i++)
		assert_true(memcmp(hf_member_id(hf_manifest_member_at(d, i - 1)),
		                   hf_member_id(hf_manifest_member_at(d, i)),
		                   HF_MEMBER_ID_LEN) < 0);
	assert_string_equal(hf_manifest_name(d), "test federation");
	assert_int_equal(hf_manifest_epoch(d), 1);
	assert_int_equal(hf_manifest_threshold(d), 2);
	assert_int_equal(hf_manifest_n_roots(d), 3);
	assert_int_equal(hf_manifest_n_signatures(d), 1);
	assert_null(hf_manifest_member_at(d, 3));
	assert_int_equal(hf_manifest_digest(w->m, d1), HF_OK);
	assert_int_equal(hf_manifest_digest(d, d2), HF_OK);
	assert_memory_equal(d1, d2, 32);
	hf_manifest_free(d);
}

static void test_threshold(void **state)
{
	world *w = *state;
	hf_manifest *d;
	unsigned c = 99;
	/* 0 and K-1 = 1 signatures fail, K = 2 pass, after a decode too. */
	assert_int_equal(hf_manifest_verify(w->m), HF_ETHRESHOLD);
	assert_int_equal(hf_manifest_sign(w->m, w->root[0]), HF_OK);
	assert_int_equal(hf_manifest_verify(w->m), HF_ETHRESHOLD);
	d = roundtrip(w->m);
	assert_int_equal(hf_manifest_verify(d), HF_ETHRESHOLD);
	hf_manifest_free(d);
	assert_int_equal(hf_manifest_sign(w->m, w->root[2]), HF_OK);
	assert_int_equal(hf_manifest_verify(w->m), HF_OK);
	d = roundtrip(w->m);
	assert_int_equal(hf_manifest_verify(d), HF_OK);
	assert_int_equal(hf_manifest_verify_roots(d, (const uint8_t(*)[32])w->root_pk, 3, 3, &c),
	                 HF_ETHRESHOLD);
	assert_int_equal(c, 2);
	hf_manifest_free(d);
	/* Any edit drops the signatures. */
	assert_int_equal(hf_manifest_set_roles(w->m, w->id[0], HF_ROLE_PLATFORM), HF_OK);
	assert_int_equal(hf_manifest_n_signatures(w->m), 0);
	assert_int_equal(hf_manifest_verify(w->m), HF_ETHRESHOLD);
}

static void test_duplicate_signature_counts_once(void **state)
{
	world *w = *state;
	hf_key_id kid;
	uint8_t sig[64];
	hf_manifest *d;
	unsigned c;
	assert_int_equal(hf_manifest_sign(w->m, w->root[1]), HF_OK);
	/* signing again with the same root replaces, not appends */
	assert_int_equal(hf_manifest_sign(w->m, w->root[1]), HF_OK);
	assert_int_equal(hf_manifest_n_signatures(w->m), 1);
	/* a verbatim copy smuggled in still counts once, also on the wire */
	assert_int_equal(hf_manifest_signature(w->m, 0, &kid, sig), HF_OK);
	assert_int_equal(hf_manifest_add_signature(w->m, &kid, sig), HF_OK);
	assert_int_equal(hf_manifest_add_signature(w->m, &kid, sig), HF_OK);
	d = roundtrip(w->m);
	assert_int_equal(hf_manifest_n_signatures(d), 3);
	assert_int_equal(hf_manifest_verify_roots(d, (const uint8_t(*)[32])w->root_pk, 3, 2, &c),
	                 HF_ETHRESHOLD);
	assert_int_equal(c, 1);
	hf_manifest_free(d);
	assert_int_equal(hf_manifest_signature(w->m, 3, &kid, sig), HF_ENOTFOUND);
}

static void test_unknown_and_bad_signatures_ignored(void **state)
{
	world *w = *state;
	hf_key_id kid;
	uint8_t sig[64];
	unsigned c;
	/* one root + one outsider: the outsider is ignored, so 1 < K */
	assert_int_equal(hf_manifest_sign(w->m, w->outsider), HF_OK);
	assert_int_equal(hf_manifest_sign(w->m, w->root[0]), HF_OK);
	assert_int_equal(hf_manifest_verify_roots(w->m, (const uint8_t(*)[32])w->root_pk, 3, 2, &c),
	                 HF_ETHRESHOLD);
	assert_int_equal(c, 1);
	/* a root's key id with a corrupted signature does not count either */
	assert_int_equal(hf_manifest_signature(w->m, 1, &kid, sig), HF_OK);
	hf_keyid_sign(w->root_pk[1], &kid);
	sig[5] ^= 1;
	assert_int_equal(hf_manifest_add_signature(w->m, &kid, sig), HF_OK);
	assert_int_equal(hf_manifest_verify(w->m), HF_ETHRESHOLD);
	/* signing with root 1 replaces the corrupted entry under its key id: K reached */
	assert_int_equal(hf_manifest_sign(w->m, w->root[1]), HF_OK);
	assert_int_equal(hf_manifest_n_signatures(w->m), 3);
	assert_int_equal(hf_manifest_verify(w->m), HF_OK);
}

static void test_bad_then_good_signature(void **state)
{
	world *w = *state;
	hf_key_id kid;
	uint8_t sig[64] = {0};
	/* A garbage signature under root 1's key id precedes the real one: the
	 * real one must still count (a bad signature must not block a root). */
	hf_keyid_sign(w->root_pk[1], &kid);
	assert_int_equal(hf_manifest_add_signature(w->m, &kid, sig), HF_OK);
	assert_int_equal(hf_manifest_sign(w->m, w->root[0]), HF_OK);
	assert_int_equal(hf_manifest_verify(w->m), HF_ETHRESHOLD);
	{
		hf_manifest *c = NULL;
		uint8_t in[HF_MANIFEST_SIG_INPUT_LEN], good[64];
		memcpy(in, HF_MANIFEST_SIG_DOMAIN, sizeof(HF_MANIFEST_SIG_DOMAIN) - 1);
		assert_int_equal(hf_manifest_digest(w->m, in + sizeof(HF_MANIFEST_SIG_DOMAIN) - 1),
		                 HF_OK);
		assert_int_equal(hf_identity_sign(w->root[1], in, sizeof(in), good), HF_OK);
		assert_int_equal(hf_manifest_add_signature(w->m, &kid, good), HF_OK);
		assert_int_equal(hf_manifest_verify(w->m), HF_OK);
		c = roundtrip(w->m);
		assert_int_equal(hf_manifest_verify(c), HF_OK);
		hf_manifest_free(c);
	}
}

static hf_manifest *signed_copy(world *w, uint64_t epoch, int r1, int r2)
{
	hf_manifest *c;
	assert_int_equal(hf_manifest_clone(w->m, &c), HF_OK);
	assert_int_equal(hf_manifest_set_epoch(c, epoch), HF_OK);
	if (r1 >= 0)
		assert_int_equal(hf_manifest_sign(c, w->root[r1]), HF_OK);
	if (r2 >= 0)
		assert_int_equal(hf_manifest_sign(c, w->root[r2]), HF_OK);
	return c;
}

static void test_accept_epochs(void **state)
{
	world *w = *state;
	hf_manifest *held = signed_copy(w, 5, 0, 1);
	hf_manifest *older = signed_copy(w, 4, 0, 1);
	hf_manifest *same = signed_copy(w, 5, 1, 2);
	hf_manifest *newer = signed_copy(w, 6, 1, 2);
	hf_manifest *weak = signed_copy(w, 7, 2, -1);
	hf_manifest *other = NULL;
	hf_fed_id fed2 = {{1}};
	assert_int_equal(hf_manifest_verify(held), HF_OK);
	assert_int_equal(hf_manifest_accept(held, older), HF_EEPOCH); /* rollback refused */
	assert_int_equal(hf_manifest_accept(held, same), HF_EEPOCH);
	assert_int_equal(hf_manifest_accept(held, weak), HF_ETHRESHOLD);
	assert_int_equal(hf_manifest_accept(held, newer), HF_OK);
	assert_int_equal(hf_manifest_accept(newer, held), HF_EEPOCH);
	assert_int_equal(
	    hf_manifest_new(&fed2, "other", 9, (const uint8_t(*)[32])w->root_pk, 3, 2, &other),
	    HF_OK);
	assert_int_equal(hf_manifest_sign(other, w->root[0]), HF_OK);
	assert_int_equal(hf_manifest_sign(other, w->root[1]), HF_OK);
	assert_int_equal(hf_manifest_accept(held, other), HF_EFEDERATION);
	hf_manifest_free(held);
	hf_manifest_free(older);
	hf_manifest_free(same);
	hf_manifest_free(newer);
	hf_manifest_free(weak);
	hf_manifest_free(other);
}

static void test_root_rotation(void **state)
{
	world *w = *state;
	hf_manifest *held = signed_copy(w, 1, 0, 1), *rot;
	/* new root set {3, 4}, K = 2 */
	assert_int_equal(hf_manifest_clone(w->m, &rot), HF_OK);
	assert_int_equal(hf_manifest_set_epoch(rot, 2), HF_OK);
	assert_int_equal(hf_manifest_set_roots(rot, (const uint8_t(*)[32])w->root_pk + 3, 2, 2),
	                 HF_OK);
	/* signed by the new roots only: self-valid, but not by the old roots */
	assert_int_equal(hf_manifest_sign(rot, w->root[3]), HF_OK);
	assert_int_equal(hf_manifest_sign(rot, w->root[4]), HF_OK);
	assert_int_equal(hf_manifest_verify(rot), HF_OK);
	assert_int_equal(hf_manifest_accept(held, rot), HF_ETHRESHOLD);
	/* K-1 old roots are still not enough */
	assert_int_equal(hf_manifest_sign(rot, w->root[0]), HF_OK);
	assert_int_equal(hf_manifest_accept(held, rot), HF_ETHRESHOLD);
	/* K old roots: accepted */
	assert_int_equal(hf_manifest_sign(rot, w->root[2]), HF_OK);
	assert_int_equal(hf_manifest_accept(held, rot), HF_OK);
	/* old roots only, new roots silent: refused (the new set must be able to sign) */
	hf_manifest_clear_signatures(rot);
	assert_int_equal(hf_manifest_sign(rot, w->root[0]), HF_OK);
	assert_int_equal(hf_manifest_sign(rot, w->root[1]), HF_OK);
	assert_int_equal(hf_manifest_accept(held, rot), HF_ETHRESHOLD);
	hf_manifest_free(held);
	hf_manifest_free(rot);
}

static void test_lookups(void **state)
{
	world *w = *state;
	hf_manifest *d = roundtrip(w->m);
	const hf_member *mb, *mb2;
	const hf_member_key *k;
	uint8_t pk[32], unknown[16] = {0x77};
	assert_int_equal(hf_manifest_find_member(d, w->id[1], &mb), HF_OK);
	assert_string_equal(hf_member_name(mb), "member-1");
	assert_int_equal(hf_member_roles(mb), HF_ROLE_PLATFORM);
	assert_int_equal(hf_manifest_find_member(d, unknown, &mb), HF_EUNKNOWNMEMBER);
	assert_null(mb);
	assert_int_equal(hf_manifest_find_sign_key(d, hf_identity_sign_keyid(w->node[2]), &mb2, &k),
	                 HF_OK);
	assert_memory_equal(hf_member_id(mb2), w->id[2], 16);
	assert_memory_equal(k->pk, hf_identity_sign_pk(w->node[2]), 32);
	assert_int_equal(hf_manifest_find_enc_key(d, hf_identity_enc_keyid(w->node[0]), &mb2, NULL),
	                 HF_OK);
	assert_memory_equal(hf_member_id(mb2), w->id[0], 16);
	/* an encryption key id is not a signing key id, and vice versa */
	assert_int_equal(
	    hf_manifest_find_sign_key(d, hf_identity_enc_keyid(w->node[0]), &mb2, NULL),
	    HF_EUNKNOWNSENDER);
	assert_int_equal(
	    hf_manifest_find_enc_key(d, hf_identity_sign_keyid(w->node[0]), &mb2, NULL),
	    HF_EUNKNOWNMEMBER);
	assert_int_equal(
	    hf_manifest_check_sign_key(d, hf_identity_sign_keyid(w->outsider), T0, &mb2, pk),
	    HF_EUNKNOWNSENDER);
	assert_int_equal(
	    hf_manifest_check_enc_key(d, hf_identity_enc_keyid(w->node[1]), T0 + 5, &mb2, pk),
	    HF_OK);
	assert_memory_equal(pk, hf_identity_enc_pk(w->node[1]), 32);
	/* roles */
	assert_int_equal(hf_manifest_find_member(d, w->id[2], &mb), HF_OK);
	assert_int_equal(hf_manifest_allows(d, mb, HF_ROLE_AUDITOR, T0), HF_OK);
	assert_int_equal(hf_manifest_allows(d, mb, HF_ROLE_AUDITOR | HF_ROLE_WITNESS, T0), HF_OK);
	assert_int_equal(hf_manifest_allows(d, mb, HF_ROLE_AUTHORITY, T0), HF_EROLE);
	assert_int_equal(hf_manifest_allows(d, mb, HF_ROLE_AUDITOR, T0 - 1), HF_EKEYEXPIRED);
	assert_int_equal(hf_manifest_allows(d, mb, 0, T0), HF_EINVAL);
	assert_int_equal(hf_manifest_allows(d, mb, 0x100, T0), HF_EINVAL);
	hf_manifest_free(d);
}

static void test_key_validity_and_revocation(void **state)
{
	world *w = *state;
	const hf_key_id *kid = hf_identity_sign_keyid(w->node[0]);
	const hf_member *mb;
	const hf_member_key *k;
	hf_manifest *d;
	uint8_t pk[32];
	/* window [T0, T0 + 365 days) */
	assert_int_equal(hf_manifest_check_sign_key(w->m, kid, T0, &mb, pk), HF_OK);
	assert_int_equal(hf_manifest_check_sign_key(w->m, kid, T0 - 1, &mb, pk), HF_EKEYEXPIRED);
	assert_int_equal(hf_manifest_check_sign_key(w->m, kid, T0 + 365 * DAY, &mb, pk),
	                 HF_EKEYEXPIRED);
	/* revoked at T0 + 10 days: earlier signatures stand, later ones are refused */
	assert_int_equal(hf_manifest_revoke_key(w->m, kid, T0 + 10 * DAY), HF_OK);
	/* a later revocation does not move it */
	assert_int_equal(hf_manifest_revoke_key(w->m, kid, T0 + 20 * DAY), HF_OK);
	d = roundtrip(w->m);
	assert_int_equal(hf_manifest_check_sign_key(d, kid, T0 + 10 * DAY - 1, &mb, pk), HF_OK);
	assert_int_equal(hf_manifest_check_sign_key(d, kid, T0 + 10 * DAY, &mb, pk), HF_EREVOKED);
	assert_null(mb);
	assert_int_equal(hf_manifest_check_sign_key(d, kid, T0 + 400 * DAY, &mb, pk), HF_EREVOKED);
	assert_int_equal(hf_manifest_find_member(d, w->id[0], &mb), HF_OK);
	assert_int_equal(hf_manifest_allows(d, mb, HF_ROLE_AUTHORITY, T0 + 11 * DAY),
	                 HF_EKEYEXPIRED);
	hf_manifest_free(d);
	assert_int_equal(hf_manifest_revoke_key(w->m, &(const hf_key_id){{1}}, T0), HF_ENOTFOUND);
	/* rotation: a second signing key; current_key picks the newest valid */
	assert_int_equal(hf_manifest_add_key(w->m, w->id[0], HF_KEY_SIGN,
	                                     hf_identity_sign_pk(w->node[3]), T0 + 5 * DAY,
	                                     HF_TIME_NEVER),
	                 HF_OK);
	assert_int_equal(hf_manifest_find_member(w->m, w->id[0], &mb), HF_OK);
	assert_int_equal(hf_member_n_keys(mb, HF_KEY_SIGN), 2);
	assert_int_equal(hf_member_current_key(mb, HF_KEY_SIGN, T0 + DAY, &k), HF_OK);
	assert_true(hf_key_id_eq(&k->keyid, kid));
	assert_int_equal(hf_member_current_key(mb, HF_KEY_SIGN, T0 + 6 * DAY, &k), HF_OK);
	assert_true(hf_key_id_eq(&k->keyid, hf_identity_sign_keyid(w->node[3])));
	assert_int_equal(hf_member_current_key(mb, HF_KEY_SIGN, T0 - 1, &k), HF_EKEYEXPIRED);
	/* expire */
	assert_int_equal(hf_manifest_expire_key(w->m, hf_identity_sign_keyid(w->node[3]), T0),
	                 HF_ERANGE);
	assert_int_equal(
	    hf_manifest_expire_key(w->m, hf_identity_sign_keyid(w->node[3]), T0 + 7 * DAY), HF_OK);
	assert_int_equal(hf_manifest_check_sign_key(w->m, hf_identity_sign_keyid(w->node[3]),
	                                            T0 + 7 * DAY, NULL, NULL),
	                 HF_EKEYEXPIRED);
	/* the same key in two places is refused */
	assert_int_equal(hf_manifest_add_key(w->m, w->id[1], HF_KEY_SIGN,
	                                     hf_identity_sign_pk(w->node[3]), T0, HF_TIME_NEVER),
	                 HF_EDUPLICATE);
	assert_int_equal(hf_manifest_add_key(w->m, w->id[1], HF_KEY_SIGN,
	                                     hf_identity_sign_pk(w->outsider), T0, T0),
	                 HF_ERANGE);
}

static void test_malformed_keys(void **state)
{
	world *w = *state;
	uint8_t small_ed[32] = {1}; /* the identity point: small order */
	uint8_t zero[32] = {0};     /* X25519 small-order point */
	uint8_t roots[2][32];
	hf_manifest *x = NULL;
	assert_int_equal(
	    hf_manifest_add_key(w->m, w->id[0], HF_KEY_SIGN, small_ed, T0, HF_TIME_NEVER),
	    HF_EBADKEY);
	assert_int_equal(hf_manifest_add_key(w->m, w->id[0], HF_KEY_ENC, zero, T0, HF_TIME_NEVER),
	                 HF_EBADKEY);
	assert_int_equal(hf_manifest_add_key(w->m, w->id[3], HF_KEY_ENC,
	                                     hf_identity_enc_pk(w->node[3]), T0, HF_TIME_NEVER),
	                 HF_EUNKNOWNMEMBER);
	memcpy(roots[0], w->root_pk[0], 32);
	memcpy(roots[1], small_ed, 32);
	assert_int_equal(hf_manifest_new(&FED, "x", 1, (const uint8_t(*)[32])roots, 2, 1, &x),
	                 HF_EBADKEY);
	memcpy(roots[1], w->root_pk[0], 32);
	assert_int_equal(hf_manifest_new(&FED, "x", 1, (const uint8_t(*)[32])roots, 2, 1, &x),
	                 HF_EDUPLICATE);
	assert_int_equal(hf_manifest_new(&FED, "x", 1, (const uint8_t(*)[32])w->root_pk, 2, 3, &x),
	                 HF_ERANGE);
	assert_int_equal(hf_manifest_new(&FED, "x", 1, (const uint8_t(*)[32])w->root_pk, 2, 0, &x),
	                 HF_ERANGE);
	assert_int_equal(hf_manifest_new(&FED, "x", 0, (const uint8_t(*)[32])w->root_pk, 2, 1, &x),
	                 HF_ERANGE);
	assert_null(x);
}

static void encode(const hf_manifest *m, uint8_t **b, size_t *n)
{
	assert_int_equal(hf_manifest_encode(m, b, n), HF_OK);
}

static hf_err decode_err(const uint8_t *b, size_t n)
{
	hf_manifest *d = NULL;
	hf_err rc = hf_manifest_decode(b, n, &d);
	if (rc != HF_OK)
		assert_null(d);
	hf_manifest_free(d);
	return rc;
}

static void test_decode_rejects(void **state)
{
	world *w = *state;
	uint8_t *b, *c;
	size_t n;
	const uint8_t *zero_pk = (const uint8_t[32]){0};
	assert_int_equal(hf_manifest_sign(w->m, w->root[0]), HF_OK);
	encode(w->m, &b, &n);
	assert_int_equal(decode_err(b, n), HF_OK);
	/* every strict prefix fails, none crashes */
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(decode_err(b, i), HF_OK);
	assert_int_equal(decode_err(b, n - 1), HF_ETRUNC);
	c = malloc(n + 1);
	memcpy(c, b, n);
	c[n] = 0;
	assert_int_equal(decode_err(c, n + 1), HF_ETRAILING);
	/* {1: {1: version ...: bytes 0x82 0x01 0x87 0x01 <version> */
	assert_int_equal(c[4], HF_MANIFEST_VERSION);
	c[4] = 2;
	assert_int_equal(decode_err(c, n), HF_EVERSION);
	/* every single-byte flip: no crash, and either an error or a manifest
	 * that re-encodes to exactly the mutated bytes (canonical) */
	for (size_t i = 0; i < n; i++) {
		memcpy(c, b, n);
		c[i] ^= 0x41;
		hf_manifest *d = NULL;
		if (hf_manifest_decode(c, n, &d) == HF_OK) {
			uint8_t *e;
			size_t en;
			encode(d, &e, &en);
			assert_int_equal(en, n);
			assert_memory_equal(e, c, n);
			free(e);
		}
		hf_manifest_free(d);
	}
	free(c);
	free(b);
	assert_int_equal(decode_err(zero_pk, (size_t)HF_MAX_MANIFEST_SIZE + 1), HF_ETOOBIG);
	/* members out of order: swap two in the internal array and encode */
	{
		hf_member tmp = w->m->members[0];
		w->m->members[0] = w->m->members[1];
		w->m->members[1] = tmp;
		encode(w->m, &b, &n);
		assert_int_equal(decode_err(b, n), HF_ENONCANON);
		free(b);
		w->m->members[1] = w->m->members[0];
		encode(w->m, &b, &n);
		assert_int_equal(decode_err(b, n), HF_EDUPLICATE);
		free(b);
		w->m->members[0] = tmp;
	}
	/* an invalid endpoint written behind the editor's back */
	memcpy(w->m->members[2].ep[0], "http://x:1", 11);
	w->m->members[2].n_ep = 1;
	encode(w->m, &b, &n);
	assert_int_equal(decode_err(b, n), HF_EPARSE);
	free(b);
	w->m->members[2].n_ep = 0;
	/* a small-order key written behind the editor's back: decode keeps
	 * unauthenticated input cheap, verify refuses it once signed */
	memset(w->m->members[2].keys[1][0].pk, 0, 32);
	{
		hf_manifest *d = NULL;
		/* the digest follows the edited bytes, then K = 2 sign */
		assert_int_equal(hfi_manifest_redigest(w->m), HF_OK);
		hf_manifest_clear_signatures(w->m);
		assert_int_equal(hf_manifest_sign(w->m, w->root[0]), HF_OK);
		assert_int_equal(hf_manifest_sign(w->m, w->root[1]), HF_OK);
		encode(w->m, &b, &n);
		assert_int_equal(hf_manifest_decode(b, n, &d), HF_OK);
		assert_int_equal(hf_manifest_verify(d), HF_EBADKEY);
		hf_manifest_free(d);
		free(b);
		memset(w->m->members[2].keys[0][0].pk, 0, 32);
		memset(w->m->members[2].keys[0][0].pk, 1, 1); /* Ed25519 identity point */
		w->m->members[2].keys[1][0] = w->m->members[1].keys[1][0];
		w->m->members[2].keys[1][0].pk[0] ^= 0x40; /* a distinct, valid X25519 key */
		assert_int_equal(hfi_manifest_redigest(w->m), HF_OK);
		hf_manifest_clear_signatures(w->m);
		assert_int_equal(hf_manifest_sign(w->m, w->root[1]), HF_OK);
		assert_int_equal(hf_manifest_sign(w->m, w->root[2]), HF_OK);
		encode(w->m, &b, &n);
		assert_int_equal(hf_manifest_decode(b, n, &d), HF_OK);
		assert_int_equal(hf_manifest_verify(d), HF_EBADKEY);
		hf_manifest_free(d);
		free(b);
	}
	/* a member without encryption keys cannot be encoded */
	w->m->members[2].n_keys[1] = 0;
	assert_int_equal(hf_manifest_encode(w->m, &b, &n), HF_EMISSING);
}

static void test_same_key_two_members_rejected_on_decode(void **state)
{
	world *w = *state;
	uint8_t *b;
	size_t n;
	w->m->members[1].keys[0][0] = w->m->members[0].keys[0][0];
	encode(w->m, &b, &n);
	assert_int_equal(decode_err(b, n), HF_EDUPLICATE);
	free(b);
}

static void test_endpoints_roles_fps(void **state)
{
	world *w = *state;
	const char *ok[] = {"tls+tcp://node1.example.org:4433", "tls+tcp://127.0.0.1:1",
	                    "tls+tcp://[::1]:65535"};
	const char *bad[] = {"tcp://a:1",          "tls+tcp://:1",   "tls+tcp://a:0",
	                     "tls+tcp://a:65536",  "tls+tcp://a",    "tls+tcp://a:01",
	                     "tls+tcp://a:1/path", "tls+tcp://[]:1", "tls+tcp://a b:1",
	                     "tls+tcp://a:123456"};
	uint8_t fps[2][32];
	uint32_t r;
	char buf[64];
	const hf_member *mb;
	hf_manifest *d;
	char longurl[300];
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(hf_endpoint_check(ok[i]), HF_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hf_endpoint_check(bad[i]), HF_EPARSE);
	memset(longurl, 'a', sizeof(longurl));
	memcpy(longurl, "tls+tcp://", 10);
	memcpy(longurl + 290, ":1", 3);
	assert_int_equal(hf_endpoint_check(longurl), HF_ETOOLONG);
	assert_int_equal(hf_manifest_set_endpoints(w->m, w->id[0], ok, 3), HF_OK);
	assert_int_equal(hf_manifest_set_endpoints(w->m, w->id[1], bad, 1), HF_EPARSE);
	memset(fps, 0xab, sizeof(fps));
	fps[1][0] = 1;
	assert_int_equal(hf_manifest_set_tls_fps(w->m, w->id[0], (const uint8_t(*)[32])fps, 2),
	                 HF_OK);
	assert_int_equal(hf_manifest_set_tls_fps(w->m, w->id[1], (const uint8_t(*)[32])fps, 1),
	                 HF_EDUPLICATE);
	d = roundtrip(w->m);
	assert_int_equal(hf_manifest_find_tls_fp(d, fps[1], &mb), HF_OK);
	assert_memory_equal(hf_member_id(mb), w->id[0], 16);
	assert_int_equal(hf_member_n_endpoints(mb), 3);
	assert_string_equal(hf_member_endpoint(mb, 2), "tls+tcp://[::1]:65535");
	assert_int_equal(hf_member_n_tls_fps(mb), 2);
	fps[0][0] = 0;
	assert_int_equal(hf_manifest_find_tls_fp(d, fps[0], &mb), HF_EUNKNOWNMEMBER);
	hf_manifest_free(d);
	/* roles */
	assert_int_equal(hf_roles_parse("authority,witness", &r), HF_OK);
	assert_int_equal(r, HF_ROLE_AUTHORITY | HF_ROLE_WITNESS);
	assert_int_equal(hf_roles_parse("platform", &r), HF_OK);
	assert_int_equal(r, HF_ROLE_PLATFORM);
	assert_int_equal(hf_roles_parse("", &r), HF_EPARSE);
	assert_int_equal(hf_roles_parse("admin", &r), HF_EPARSE);
	assert_int_equal(hf_roles_parse("auditor,", &r), HF_EPARSE);
	assert_int_equal(hf_roles_format(HF_ROLE_AUDITOR | HF_ROLE_PLATFORM, buf, sizeof(buf)),
	                 HF_OK);
	assert_string_equal(buf, "platform,auditor");
	assert_int_equal(hf_roles_format(0, buf, sizeof(buf)), HF_OK);
	assert_string_equal(buf, "none");
	assert_int_equal(hf_roles_format(HF_ROLE_ALL, buf, 8), HF_ENOSPC);
	/* member edits */
	assert_int_equal(hf_manifest_add_member(w->m, w->id[0], "dup", 0), HF_EEXIST);
	assert_int_equal(hf_manifest_add_member(w->m, w->id[3], "x", 0x10), HF_EINVAL);
	assert_int_equal(hf_manifest_remove_member(w->m, w->id[1]), HF_OK);
	assert_int_equal(hf_manifest_remove_member(w->m, w->id[1]), HF_EUNKNOWNMEMBER);
	assert_int_equal(hf_manifest_n_members(w->m), 2);
	assert_int_equal(
	    hf_manifest_find_sign_key(w->m, hf_identity_sign_keyid(w->node[1]), &mb, NULL),
	    HF_EUNKNOWNSENDER);
}

/* The envelope adapter: open with the manifest as the sender lookup. */
static void test_sender_lookup_adapter(void **state)
{
	world *w = *state;
	hf_manifest *d;
	uint8_t rcpt[1][HF_ENC_PK_LEN];
	uint8_t *env;
	size_t len;
	hf_opened *o = NULL;
	hf_seal_params sp = {0};
	hf_open_params op = {0};
	memcpy(rcpt[0], hf_identity_enc_pk(w->node[1]), 32);
	sp.type = HF_MSG_DATA;
	sp.created_ms = T0 + 2 * DAY;
	sp.expires_ms = T0 + 3 * DAY;
	sp.federation = &FED;
	sp.epoch = 1;
	sp.recipients = (const uint8_t(*)[HF_ENC_PK_LEN])rcpt;
	sp.n_recipients = 1;
	sp.rng = &w->rng;
	assert_int_equal(hf_envelope_seal(w->node[0], &sp, (const uint8_t *)"hi", 2, &env, &len),
	                 HF_OK);
	d = roundtrip(w->m);
	op.self = w->node[1];
	op.lookup = hf_manifest_sender_lookup;
	op.lookup_ctx = d;
	op.now_ms = T0 + 2 * DAY + 1000;
	op.federation = &FED;
	assert_int_equal(hf_envelope_open(env, len, &op, &o), HF_OK);
	hf_opened_free(o);
	o = NULL;
	hf_manifest_free(d);
	/* revoked one day before created: refused */
	assert_int_equal(hf_manifest_revoke_key(w->m, hf_identity_sign_keyid(w->node[0]), T0 + DAY),
	                 HF_OK);
	d = roundtrip(w->m);
	op.lookup_ctx = d;
	assert_int_equal(hf_envelope_open(env, len, &op, &o), HF_EREVOKED);
	hf_manifest_free(d);
	/* a member not in the manifest */
	assert_int_equal(hf_manifest_remove_member(w->m, w->id[0]), HF_OK);
	d = roundtrip(w->m);
	op.lookup_ctx = d;
	assert_int_equal(hf_envelope_open(env, len, &op, &o), HF_EUNKNOWNSENDER);
	{
		hf_envelope_header h;
		uint8_t pk[32];
		assert_int_equal(hf_envelope_peek(env, len, &h), HF_OK);
		h.federation.b[0] ^= 1;
		assert_int_equal(hf_manifest_sender_lookup(d, &h, pk), HF_EFEDERATION);
	}
	hf_manifest_free(d);
	assert_null(o);
	free(env);
}

/* ---- spec §11.9 vector ------------------------------------------------ */

static hf_identity *rng_identity(uint32_t seed)
{
	hf_test_rng tr;
	hf_rng rng = {hf_test_rng_bytes, &tr};
	hf_identity *id = NULL;
	hf_test_rng_init(&tr, seed);
	assert_int_equal(hf_identity_generate(&id, &rng), HF_OK);
	return id;
}

/* The manifest of spec §11.9, built from its description. */
static hf_manifest *spec_vector(void)
{
	hf_identity *r[3], *a = rng_identity(201), *p = rng_identity(202);
	uint8_t pks[3][32], id1[16], id2[16], fp1[1][32], fp2[1][32];
	hf_fed_id fed;
	const char *ep1[] = {"tls+tcp://authority-1.example:7400"};
	const char *ep2[] = {"tls+tcp://[2001:db8::2]:7400", "tls+tcp://192.0.2.2:7400"};
	hf_manifest *m = NULL;
	for (int i = 0; i < 3; i++) {
		r[i] = rng_identity((uint32_t)(101 + i));
		memcpy(pks[i], hf_identity_sign_pk(r[i]), 32);
	}
	for (int i = 0; i < (int)sizeof fed.b; i++) {
		fed.b[i] = (uint8_t)i;
		id1[i] = 0x11;
		id2[i] = 0x22;
	}
	memset(fp1, 0xaa, sizeof(fp1));
	memset(fp2, 0xbb, sizeof(fp2));
	assert_int_equal(
	    hf_manifest_new(&fed, "vector federation", 3, (const uint8_t(*)[32])pks, 3, 2, &m),
	    HF_OK);
	assert_int_equal(hf_manifest_add_member(m, id2, "platform-1", HF_ROLE_PLATFORM), HF_OK);
	assert_int_equal(
	    hf_manifest_add_member(m, id1, "authority-1", HF_ROLE_AUTHORITY | HF_ROLE_WITNESS),
	    HF_OK);
	assert_int_equal(
	    hf_manifest_add_key(m, id1, HF_KEY_SIGN, hf_identity_sign_pk(a), T0, HF_TIME_NEVER),
	    HF_OK);
	assert_int_equal(
	    hf_manifest_add_key(m, id1, HF_KEY_ENC, hf_identity_enc_pk(a), T0, HF_TIME_NEVER),
	    HF_OK);
	assert_int_equal(
	    hf_manifest_add_key(m, id2, HF_KEY_SIGN, hf_identity_sign_pk(p), T0, T0 + 365 * DAY),
	    HF_OK);
	assert_int_equal(
	    hf_manifest_add_key(m, id2, HF_KEY_ENC, hf_identity_enc_pk(p), T0, T0 + 365 * DAY),
	    HF_OK);
	assert_int_equal(hf_manifest_revoke_key(m, hf_identity_sign_keyid(p), T0 + DAY), HF_OK);
	assert_int_equal(hf_manifest_set_endpoints(m, id1, ep1, 1), HF_OK);
	assert_int_equal(hf_manifest_set_endpoints(m, id2, ep2, 2), HF_OK);
	assert_int_equal(hf_manifest_set_tls_fps(m, id1, (const uint8_t(*)[32])fp1, 1), HF_OK);
	assert_int_equal(hf_manifest_set_tls_fps(m, id2, (const uint8_t(*)[32])fp2, 1), HF_OK);
	assert_int_equal(hf_manifest_sign(m, r[0]), HF_OK);
	assert_int_equal(hf_manifest_sign(m, r[2]), HF_OK);
	for (int i = 0; i < 3; i++)
		hf_identity_free(r[i]);
	hf_identity_free(a);
	hf_identity_free(p);
	return m;
}

/* Hex digits of the line after `label` up to the next blank line. */
static size_t spec_hex(const char *spec, const char *label, uint8_t *out, size_t cap)
{
	const char *at = strstr(spec, label), *end;
	char *hex;
	size_t n = 0, got = 0;
	assert_non_null(at);
	at += strlen(label);
	end = strstr(at, "\n\n");
	assert_non_null(end);
	hex = calloc(1, (size_t)(end - at) + 1);
	for (const char *c = at; c < end; c++)
		if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))
			hex[n++] = *c;
	assert_true(hf_test_unhex(hex, out, cap, &got));
	free(hex);
	return got;
}

static void test_spec_vector(void **state)
{
	(void)state;
	hf_manifest *m = spec_vector(), *d = NULL;
	uint8_t *b, digest[32], want[4096], want_digest[32];
	size_t n, wn;
	char path[512];
	char *spec;
	assert_int_equal(hf_manifest_encode(m, &b, &n), HF_OK);
	assert_int_equal(hf_manifest_digest(m, digest), HF_OK);
	if (getenv("HF_PRINT_VECTOR") != NULL) {
		char *h = malloc(2 * n + 1);
		hf_test_hex(b, n, h);
		printf("manifest %zu bytes:\n%s\n", n, h);
		hf_test_hex(digest, 32, h);
		printf("digest: %s\n", h);
		free(h);
	}
	snprintf(path, sizeof(path), "%s/spec/PROTOCOL.md", HF_SOURCE_DIR);
	spec = (char *)hf_test_read_file(path, &wn);
	assert_non_null(spec);
	char *grown = realloc(spec, wn + 1);
	assert_non_null(grown);
	spec = grown;
	spec[wn] = '\0';
	assert_int_equal(spec_hex(spec, "<!-- manifest-vector:digest -->", want_digest, 32), 32);
	wn = spec_hex(spec, "<!-- manifest-vector:bytes -->", want, sizeof(want));
	assert_int_equal(wn, n);
	assert_memory_equal(want, b, n);
	assert_memory_equal(want_digest, digest, 32);
	/* and it is what it says: valid, two members, the platform's key revoked */
	assert_int_equal(hf_manifest_decode(want, wn, &d), HF_OK);
	assert_int_equal(hf_manifest_verify(d), HF_OK);
	assert_int_equal(hf_manifest_n_members(d), 2);
	assert_int_equal(
	    hf_member_key_at(hf_manifest_member_at(d, 1), HF_KEY_SIGN, 0)->revoked_at_ms, T0 + DAY);
	hf_manifest_free(d);
	hf_manifest_free(m);
	free(spec);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip_and_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threshold, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_signature_counts_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_and_bad_signatures_ignored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_then_good_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_accept_epochs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_validity_and_revocation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decode_rejects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_key_two_members_rejected_on_decode, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_endpoints_roles_fps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sender_lookup_adapter, setup, teardown),
	    cmocka_unit_test(test_spec_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
