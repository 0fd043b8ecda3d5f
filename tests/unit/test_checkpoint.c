/*
 * Signed notes, checkpoints and cosignature/v1 (protocol/src/note.c,
 * checkpoint.c): every case of ../shared/data/signed-note/vectors.json (skipped,
 * exit 77, when absent) plus self-generated tests that always run, and Go's
 * golang.org/x/mod/sumdb/note as a second verifier of our checkpoints (skipped
 * if `go` or the Debian package golang-golang-x-mod-dev is missing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "hashfed/checkpoint.h"
#include "hashfed/note.h"
#include "hf_merkle_mem.h"
#include "hf_test.h"

static bool g_shared_missing;
static unsigned g_vectors;

#define S(x) ((const uint8_t *)(x))

static json_t *load_vectors(void)
{
	char path[4096];
	if (!hf_test_shared_path("signed-note/vectors.json", path, sizeof(path))) {
		hf_test_skip_missing("signed-note/vectors.json");
		g_shared_missing = true;
		return NULL;
	}
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (j == NULL)
		fail_msg("%s: %s", path, e.text);
	return j;
}

static json_t *group(json_t *j, const char *part, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, part), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	}
	fail_msg("group %s missing", id);
	return NULL;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	assert_non_null(s);
	return s;
}

static void vkey(const char *s, hf_note_vkey *out)
{
	hf_err rc = hf_note_vkey_parse(s, strlen(s), out);
	if (rc != HF_OK)
		fail_msg("vkey %s: %s", s, hf_err_name(rc));
}

static size_t vkeys(json_t *arr, hf_note_vkey *out, size_t max)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		assert_true(i < max);
		vkey(json_string_value(v), &out[i]);
	}
	size_t n = json_array_size(arr);
	return n < max ? n : max;
}

static hf_note_signer *signer_hex(const char *name, uint8_t alg, const char *seed_hex)
{
	uint8_t seed[32];
	size_t n = 0;
	assert_true(hf_test_unhex(seed_hex, seed, sizeof(seed), &n));
	assert_int_equal(n, 32);
	hf_note_signer *s = NULL;
	assert_int_equal(hf_note_signer_new(name, alg, seed, &s), HF_OK);
	return s;
}

/* ---- vectors ------------------------------------------------------------------------------ */

static void test_vec_upstream(void **state)
{
	(void)state;
	json_t *j = load_vectors();
	if (j == NULL)
		skip();
	hf_note_vkey k[4];
	const uint8_t *text;
	size_t tl;

	/* C2SP spec example */
	json_t *g = group(j, "upstream", "c2sp-signed-note-example");
	vkey(jstr(g, "vkey"), &k[0]);
	const char *note = jstr(g, "note");
	assert_int_equal(hf_note_open(S(note), strlen(note), k, 1, &text, &tl), HF_OK);
	assert_int_equal(tl, strlen(jstr(g, "want_text")));
	assert_memory_equal(text, jstr(g, "want_text"), tl);
	char enc[HF_NOTE_MAX_VKEY];
	assert_int_equal(hf_note_vkey_encode(&k[0], enc, sizeof(enc)), HF_OK);
	assert_string_equal(enc, jstr(g, "vkey"));
	g_vectors++;

	/* Go TestSign: deterministic Ed25519, byte-identical note */
	g = group(j, "upstream", "go-note-sign");
	hf_note_signer *s =
	    signer_hex("PeterNeumann", HF_NOTE_ALG_ED25519, jstr(g, "ed25519_seed_hex"));
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(s), enc, sizeof(enc)), HF_OK);
	assert_string_equal(enc, jstr(g, "vkey"));
	/* Go's private key string carries the same seed */
	const char *skey = jstr(g, "skey");
	const char *b64 = skey; /* after the 4th '+': the base64 itself may hold '+' */
	for (int plus = 0; plus < 4; plus++)
		b64 = strchr(b64, '+') + 1;
	uint8_t raw[40];
	size_t rl = 0;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), NULL, &rl, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	assert_int_equal(rl, 33);
	assert_int_equal(raw[0], 1);
	uint8_t seed[32];
	size_t sl;
	assert_true(hf_test_unhex(jstr(g, "ed25519_seed_hex"), seed, 32, &sl));
	assert_memory_equal(raw + 1, seed, 32);
	uint8_t out[1024];
	size_t ol;
	const char *t = jstr(g, "text");
	const hf_note_signer *ss[] = {s};
	assert_int_equal(hf_note_sign(S(t), strlen(t), ss, 1, 0, out, sizeof(out), &ol), HF_OK);
	assert_int_equal(ol, strlen(jstr(g, "want_signed_note")));
	assert_memory_equal(out, jstr(g, "want_signed_note"), ol);
	hf_note_signer_free(s);
	g_vectors++;

	/* Go TestOpen, two signatures, three trust sets */
	g = group(j, "upstream", "go-note-open-two-sigs");
	note = jstr(g, "note");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(g, "cases"), i, c)
	{
		size_t nk = vkeys(json_object_get(c, "trusted_vkeys"), k, 4);
		hf_note *n = malloc(sizeof(*n));
		assert_non_null(n);
		assert_int_equal(hf_note_parse(S(note), strlen(note), n), HF_OK);
		bool ver[4];
		hf_err rc = hf_note_verify(n, k, nk, ver, NULL);
		if (strcmp(jstr(c, "want"), "verify") == 0) {
			assert_int_equal(rc, HF_OK);
			size_t w;
			json_t *name;
			json_array_foreach(json_object_get(c, "want_verified"), w, name)
			{
				bool found = false;
				for (size_t q = 0; q < nk && q < 4; q++)
					if (strcmp(k[q].name, json_string_value(name)) == 0 &&
					    ver[q])
						found = true;
				assert_true(found);
			}
			json_array_foreach(json_object_get(c, "want_unverified"), w, name)
			{
				/* present in the note, not among the verified keys */
				bool in_note = false;
				for (size_t q = 0; q < n->n_sigs; q++)
					if (n->sigs[q].name_len ==
					        strlen(json_string_value(name)) &&
					    memcmp(n->sigs[q].name, json_string_value(name),
					           n->sigs[q].name_len) == 0)
						in_note = true;
				assert_true(in_note);
				for (size_t q = 0; q < nk && q < 4; q++)
					assert_false(strcmp(k[q].name, json_string_value(name)) ==
					                 0 &&
					             ver[q]);
			}
		} else {
			assert_int_equal(rc, HF_EUNSIGNED);
		}
		free(n);
		g_vectors++;
	}

	g = group(j, "upstream", "go-note-open-bad-signature");
	note = jstr(g, "note");
	size_t nk = vkeys(json_object_get(g, "trusted_vkeys"), k, 4);
	assert_int_equal(hf_note_open(S(note), strlen(note), k, nk, NULL, NULL), HF_ESIG);
	g_vectors++;

	g = group(j, "upstream", "go-note-malformed");
	nk = vkeys(json_object_get(g, "trusted_vkeys"), k, 4);
	json_t *v;
	json_array_foreach(json_object_get(g, "notes"), i, v)
	{
		const char *m = json_string_value(v);
		assert_int_equal(hf_note_open(S(m), strlen(m), k, nk, NULL, NULL), HF_ENOTE);
		g_vectors++;
	}
	/* the 0xFF case JSON cannot hold: 0xFF || text || "\n" || signature line */
	{
		json_t *two = group(j, "upstream", "go-note-open-two-sigs");
		const char *good = jstr(two, "note");
		const char *first_line_end = strstr(good, "\n\n") + 2;
		const char *sig_end = strchr(first_line_end, '\n') + 1;
		size_t text_len = (size_t)(first_line_end - 1 - good);
		size_t bl = 1 + text_len + (size_t)(sig_end - (first_line_end - 1));
		uint8_t *bad = malloc(bl);
		assert_non_null(bad);
		bad[0] = 0xff;
		memcpy(bad + 1, good, text_len);
		memcpy(bad + 1 + text_len, first_line_end - 1,
		       (size_t)(sig_end - (first_line_end - 1)));
		assert_int_equal(hf_note_open(bad, bl, k, nk, NULL, NULL), HF_ENOTE);
		free(bad);
		g_vectors++;
	}

	g = group(j, "upstream", "go-note-bad-vkeys");
	json_array_foreach(json_object_get(g, "vkeys"), i, v)
	{
		hf_note_vkey bad;
		const char *vk = json_string_value(v);
		assert_int_equal(hf_note_vkey_parse(vk, strlen(vk), &bad), HF_EVKEY);
		g_vectors++;
	}
	/* "more": every proper substring and every single-byte increment of the good vkey */
	{
		const char *good =
		    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
		size_t gl = strlen(good);
		hf_note_vkey tmp;
		assert_int_equal(hf_note_vkey_parse(good, gl, &tmp), HF_OK);
		for (size_t a = 0; a < gl; a++)
			for (size_t b = a + 1; b <= gl; b++) {
				if (a == 0 && b == gl)
					continue;
				assert_int_equal(hf_note_vkey_parse(good + a, b - a, &tmp),
				                 HF_EVKEY);
			}
		char mod[128];
		for (size_t a = 0; a < gl; a++) {
			memcpy(mod, good, gl);
			mod[a]++;
			if (hf_note_vkey_parse(mod, gl, &tmp) == HF_OK) {
				/* only a hex digit changing case-insensitively equal could pass:
				 * none here */
				fail_msg("increment at %zu accepted: %.*s", a, (int)gl, mod);
			}
		}
		g_vectors++;
	}
	json_decref(j);
}

static void test_vec_generated(void **state)
{
	(void)state;
	json_t *j = load_vectors();
	if (j == NULL)
		skip();
	json_t *g = group(j, "generated", "hashfed-checkpoint-cosigned");
	json_t *lj = json_object_get(g, "log"), *wj = json_object_get(g, "witness");
	hf_note_signer *ls =
	    signer_hex(jstr(lj, "name"), HF_NOTE_ALG_ED25519, jstr(lj, "ed25519_seed_hex"));
	hf_note_signer *ws =
	    signer_hex(jstr(wj, "name"), HF_NOTE_ALG_COSIG, jstr(wj, "ed25519_seed_hex"));
	char enc[HF_NOTE_MAX_VKEY];
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(ls), enc, sizeof(enc)), HF_OK);
	assert_string_equal(enc, jstr(lj, "vkey"));
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(ws), enc, sizeof(enc)), HF_OK);
	assert_string_equal(enc, jstr(wj, "vkey"));

	const char *body = jstr(g, "checkpoint_text");
	hf_checkpoint c;
	assert_int_equal(hf_checkpoint_parse(S(body), strlen(body), &c), HF_OK);
	assert_string_equal(c.origin, jstr(lj, "name"));
	assert_int_equal(c.size, 8);
	uint8_t root[32];
	size_t rl;
	assert_true(hf_test_unhex(jstr(g, "root_hash_hex"), root, 32, &rl));
	assert_memory_equal(c.root, root, 32);
	assert_int_equal(c.n_ext, 0);

	/* sign + cosign reproduces the note byte for byte */
	uint8_t note[2048];
	size_t nl;
	assert_int_equal(hf_checkpoint_sign(&c, ls, note, sizeof(note), &nl), HF_OK);
	char line[HF_NOTE_MAX_LINE + 1];
	size_t ll;
	uint64_t ts = (uint64_t)json_integer_value(json_object_get(wj, "timestamp"));
	assert_int_equal(hf_checkpoint_cosign(ws, note, nl, ts, line, sizeof(line), &ll), HF_OK);
	memcpy(note + nl, line, ll);
	nl += ll;
	const char *want = jstr(g, "note");
	assert_int_equal(nl, strlen(want));
	assert_memory_equal(note, want, nl);
	g_vectors++;

	/* the exact cosigned message */
	const char *cm = jstr(g, "cosigned_message");
	hf_note *pn = malloc(sizeof(*pn));
	assert_non_null(pn);
	assert_int_equal(hf_note_parse(S(want), strlen(want), pn), HF_OK);
	assert_int_equal(pn->n_sigs, 2);
	assert_int_equal(pn->sigs[1].sig_len, 72);
	assert_int_equal(crypto_sign_verify_detached(pn->sigs[1].sig + 8, S(cm), strlen(cm),
	                                             hf_note_signer_vkey(ws)->pk),
	                 0);
	free(pn);
	g_vectors++;

	/* open with a quorum of one witness */
	hf_log_policy *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->origin = jstr(lj, "name");
	vkey(jstr(lj, "vkey"), &p->log_key);
	vkey(jstr(wj, "vkey"), &p->witnesses[0]);
	p->n_witnesses = 1;
	p->quorum = 1;
	hf_cosig_status st;
	hf_checkpoint got;
	assert_int_equal(hf_checkpoint_open(S(want), strlen(want), p, &got, &st), HF_OK);
	assert_int_equal(got.size, 8);
	assert_int_equal(st.n_valid, 1);
	assert_true(st.valid[0]);
	assert_int_equal(st.timestamp[0], ts);
	g_vectors++;

	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(g, "negative"), i, v)
	{
		hf_note_vkey k[4];
		size_t nk = vkeys(json_object_get(v, "trusted_vkeys"), k, 4);
		const char *m = jstr(v, "note");
		hf_err rc = hf_note_open(S(m), strlen(m), k, nk, NULL, NULL);
		assert_int_not_equal(rc, HF_OK);
		/* and as a checkpoint under our policy: the altered line fails, the
		 * mis-typed key never counts toward the quorum */
		hf_err rc2 = hf_checkpoint_open(S(m), strlen(m), p, &got, &st);
		assert_true(rc2 == HF_ESIG || rc2 == HF_EQUORUM || rc2 == HF_OK);
		if (i == 0)
			assert_int_equal(rc2, HF_ESIG);
		g_vectors++;
	}
	free(p);
	hf_note_signer_free(ls);
	hf_note_signer_free(ws);
	json_decref(j);
}

/* ---- self-generated ----------------------------------------------------------------------- */

typedef struct fixture {
	hf_note_signer *log;
	hf_note_signer *w[3];
	hf_log_policy *p;
} fixture;

static void fixture_init(fixture *f)
{
	uint8_t seed[32];
	memset(seed, 0x11, 32);
	assert_int_equal(
	    hf_note_signer_new("audit.example/log", HF_NOTE_ALG_ED25519, seed, &f->log), HF_OK);
	const char *names[3] = {"regulator.example/witness", "authority.example/witness",
	                        "third.example/w"};
	for (int i = 0; i < 3; i++) {
		memset(seed, 0x20 + i, 32);
		assert_int_equal(hf_note_signer_new(names[i], HF_NOTE_ALG_COSIG, seed, &f->w[i]),
		                 HF_OK);
	}
	f->p = calloc(1, sizeof(*f->p));
	assert_non_null(f->p);
	f->p->origin = "audit.example/log";
	f->p->log_key = *hf_note_signer_vkey(f->log);
	for (int i = 0; i < 3; i++)
		f->p->witnesses[i] = *hf_note_signer_vkey(f->w[i]);
	f->p->n_witnesses = 3;
	f->p->quorum = 2;
}

static void fixture_free(fixture *f)
{
	hf_note_signer_free(f->log);
	for (int i = 0; i < 3; i++)
		hf_note_signer_free(f->w[i]);
	free(f->p);
}

/* A checkpoint note of (size, root byte) cosigned by witnesses in mask. */
static size_t make_note(const fixture *f, uint64_t size, uint8_t rb, unsigned mask, uint8_t *out,
                        size_t cap)
{
	hf_checkpoint c;
	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", f->p->origin);
	c.size = size;
	memset(c.root, rb, 32);
	size_t n;
	assert_int_equal(hf_checkpoint_sign(&c, f->log, out, cap, &n), HF_OK);
	for (int i = 0; i < 3; i++) {
		if (!(mask & (1u << i)))
			continue;
		char line[HF_NOTE_MAX_LINE + 1];
		size_t ll;
		assert_int_equal(hf_checkpoint_cosign(f->w[i], out, n, 1700000000 + (uint64_t)i,
		                                      line, sizeof(line), &ll),
		                 HF_OK);
		assert_true(n + ll <= cap);
		memcpy(out + n, line, ll);
		n += ll;
	}
	return n;
}

static void test_checkpoint_body(void **state)
{
	(void)state;
	hf_checkpoint c;
	const char *good = "example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
	assert_int_equal(hf_checkpoint_parse(S(good), strlen(good), &c), HF_OK);
	uint8_t out[HF_CHECKPOINT_MAX_BODY];
	size_t n;
	assert_int_equal(hf_checkpoint_encode(&c, out, sizeof(out), &n), HF_OK);
	assert_int_equal(n, strlen(good));
	assert_memory_equal(out, good, n);
	const char *ext = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
	                  "ext one\nhashfed-witness-hint x\n";
	assert_int_equal(hf_checkpoint_parse(S(ext), strlen(ext), &c), HF_OK);
	assert_int_equal(c.n_ext, 2);
	assert_string_equal(c.ext, "ext one\nhashfed-witness-hint x\n");
	assert_int_equal(hf_checkpoint_encode(&c, out, sizeof(out), &n), HF_OK);
	assert_memory_equal(out, ext, n);
	assert_int_equal(hf_checkpoint_encode(&c, out, 10, &n), HF_ENOSPC);

	struct {
		const char *t;
		hf_err e;
	} bad[] = {
	    {"example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", HF_ECHECKPOINT},
	    {"\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", HF_ECHECKPOINT},
	    {"o\n042\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", HF_ECHECKPOINT},
	    {"o\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", HF_ECHECKPOINT},
	    {"o\n+1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", HF_ECHECKPOINT},
	    {"o\n\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", HF_ECHECKPOINT},
	    {"o\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	     HF_ECHECKPOINT},
	    {"o\n1 \nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", HF_ECHECKPOINT},
	    {"o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n", HF_ECHECKPOINT},  /* bits */
	    {"o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n", HF_ECHECKPOINT},   /* pad */
	    {"o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7_RgQyg=\n", HF_ECHECKPOINT},  /* url */
	    {"o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==\n", HF_EHASHLEN},     /* 31 B */
	    {"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", HF_EHASHLEN}, /* 33 B */
	    {"o\n1\n\n", HF_ECHECKPOINT},
	    {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", HF_ECHECKPOINT},
	    {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\r\n", HF_ECHECKPOINT},
	    {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next", HF_ECHECKPOINT},
	    {"o\x01\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", HF_ECHECKPOINT},
	    {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", HF_OK},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hf_err rc = hf_checkpoint_parse(S(bad[i].t), strlen(bad[i].t), &c);
		if (rc != bad[i].e)
			fail_msg("case %zu: %s, want %s", i, hf_err_name(rc),
			         hf_err_name(bad[i].e));
	}
	/* 16 extension lines pass, 17 do not */
	char many[2048];
	size_t off = (size_t)snprintf(many, sizeof(many),
	                              "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
	for (int i = 0; i < 16; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "e%d\n", i);
	assert_int_equal(hf_checkpoint_parse(S(many), off, &c), HF_OK);
	off += (size_t)snprintf(many + off, sizeof(many) - off, "x\n");
	assert_int_equal(hf_checkpoint_parse(S(many), off, &c), HF_ECHECKPOINT);
	/* encode refuses bad fields */
	memset(&c, 0, sizeof(c));
	assert_int_equal(hf_checkpoint_encode(&c, out, sizeof(out), &n), HF_ECHECKPOINT);
	snprintf(c.origin, sizeof(c.origin), "a\nb");
	assert_int_equal(hf_checkpoint_encode(&c, out, sizeof(out), &n), HF_ECHECKPOINT);
	snprintf(c.origin, sizeof(c.origin), "ok");
	snprintf(c.ext, sizeof(c.ext), "x\n");
	c.ext_len = 2;
	c.n_ext = 2;
	assert_int_equal(hf_checkpoint_encode(&c, out, sizeof(out), &n), HF_ECHECKPOINT);
	c.n_ext = 1;
	assert_int_equal(hf_checkpoint_encode(&c, out, sizeof(out), &n), HF_OK);
}

static void test_checkpoint_open_rules(void **state)
{
	(void)state;
	fixture f;
	fixture_init(&f);
	uint8_t note[4096];
	hf_checkpoint c;
	hf_cosig_status st;
	size_t n;

	n = make_note(&f, 10, 0xaa, 0x3, note, sizeof(note));
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_OK);
	assert_int_equal(c.size, 10);
	assert_int_equal(st.n_valid, 2);
	assert_true(st.valid[0] && st.valid[1] && !st.valid[2]);
	assert_int_equal(st.timestamp[1], 1700000001);

	/* quorum */
	n = make_note(&f, 10, 0xaa, 0x4, note, sizeof(note));
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_EQUORUM);
	assert_int_equal(st.n_valid, 1);
	assert_int_equal(c.size, 0); /* nothing filled on failure */
	n = make_note(&f, 10, 0xaa, 0x0, note, sizeof(note));
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_EQUORUM);
	f.p->quorum = 0;
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_OK);
	f.p->quorum = 2;

	/* a repeated cosignature line counts once */
	n = make_note(&f, 10, 0xaa, 0x1, note, sizeof(note));
	{
		const uint8_t *last = note + n - 1;
		while (last > note && last[-1] != '\n')
			last--;
		size_t ll = (size_t)(note + n - last);
		memmove(note + n, last, ll);
		n += ll;
	}
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_EQUORUM);
	assert_int_equal(st.n_valid, 1);

	/* a cosignature by a key outside the policy is ignored */
	uint8_t seed[32];
	memset(seed, 0x77, 32);
	hf_note_signer *stranger;
	assert_int_equal(
	    hf_note_signer_new("stranger.example/w", HF_NOTE_ALG_COSIG, seed, &stranger), HF_OK);
	n = make_note(&f, 10, 0xaa, 0x3, note, sizeof(note));
	char line[HF_NOTE_MAX_LINE + 1];
	size_t ll;
	assert_int_equal(hf_checkpoint_cosign(stranger, note, n, 5, line, sizeof(line), &ll),
	                 HF_OK);
	memcpy(note + n, line, ll);
	assert_int_equal(hf_checkpoint_open(note, n + ll, f.p, &c, &st), HF_OK);
	hf_note_signer_free(stranger);

	/* a witness's cosignature over a different checkpoint does not transfer */
	uint8_t other[4096];
	size_t on = make_note(&f, 11, 0xaa, 0x3, other, sizeof(other));
	n = make_note(&f, 10, 0xaa, 0x0, note, sizeof(note));
	{
		/* take the two cosignature lines of `other` */
		const uint8_t *sigs = (const uint8_t *)strstr((const char *)other, "\n\n") + 2;
		const uint8_t *second = (const uint8_t *)strchr((const char *)sigs, '\n') + 1;
		memcpy(note + n, second, (size_t)(other + on - second));
		n += (size_t)(other + on - second);
	}
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_ESIG);

	/* origin, missing and forged log signature */
	n = make_note(&f, 10, 0xaa, 0x3, note, sizeof(note));
	f.p->origin = "other.example/log";
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_EORIGIN);
	f.p->origin = "audit.example/log";
	hf_log_policy *q = malloc(sizeof(*q));
	assert_non_null(q);
	*q = *f.p;
	memset(seed, 0x99, 32);
	hf_note_signer *imp;
	assert_int_equal(hf_note_signer_new("audit.example/log", HF_NOTE_ALG_ED25519, seed, &imp),
	                 HF_OK);
	q->log_key = *hf_note_signer_vkey(imp);
	assert_int_equal(hf_checkpoint_open(note, n, q, &c, &st), HF_EUNSIGNED);
	hf_note_signer_free(imp);
	free(q);
	note[strlen("audit.example/log\n1")] = '1'; /* size 10 -> 11 under the old signature */
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_ESIG);

	/* policy errors */
	n = make_note(&f, 10, 0xaa, 0x3, note, sizeof(note));
	f.p->quorum = 4;
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_ECONFIG);
	f.p->quorum = 2;
	f.p->witnesses[2] = f.p->witnesses[0];
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_ECONFIG);
	f.p->witnesses[2] = *hf_note_signer_vkey(f.w[2]);
	f.p->witnesses[1].alg = HF_NOTE_ALG_ED25519;
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_ECONFIG);
	f.p->witnesses[1] = *hf_note_signer_vkey(f.w[1]);
	assert_int_equal(hf_checkpoint_open(note, n, f.p, &c, &st), HF_OK);

	/* wrong signer algs */
	hf_checkpoint cc = c;
	assert_int_equal(hf_checkpoint_sign(&cc, f.w[0], note, sizeof(note), &n), HF_EINVAL);
	assert_int_equal(hf_checkpoint_cosign(f.log, note, n, 1, line, sizeof(line), &ll),
	                 HF_EINVAL);
	fixture_free(&f);
}

static void test_note_limits(void **state)
{
	(void)state;
	fixture f;
	fixture_init(&f);
	const char *text = "hello\n";
	hf_note_vkey k = *hf_note_signer_vkey(f.log);
	size_t cap = HF_NOTE_MAX_SIZE + 1024;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	size_t n;
	const hf_note_signer *ss[] = {f.log};
	assert_int_equal(hf_note_sign(S(text), strlen(text), ss, 1, 0, buf, cap, &n), HF_OK);
	/* append unknown-key lines up to 100 in total, then one more */
	char line[HF_NOTE_MAX_LINE + 1];
	size_t ll;
	assert_int_equal(
	    hf_note_sign_line(f.w[0], S(text), strlen(text), 3, line, sizeof(line), &ll), HF_OK);
	for (int i = 1; i < HF_NOTE_MAX_SIGS; i++) {
		memcpy(buf + n, line, ll);
		n += ll;
	}
	assert_int_equal(hf_note_open(buf, n, &k, 1, NULL, NULL), HF_OK);
	memcpy(buf + n, line, ll);
	assert_int_equal(hf_note_open(buf, n + ll, &k, 1, NULL, NULL), HF_ENOTE);
	/* size cap */
	memset(buf, 'a', cap);
	assert_int_equal(hf_note_open(buf, HF_NOTE_MAX_SIZE + 1, &k, 1, NULL, NULL), HF_ETOOBIG);
	/* sign refuses bad text */
	assert_int_equal(hf_note_sign(S("no newline"), 10, ss, 1, 0, buf, cap, &n), HF_ENOTE);
	assert_int_equal(hf_note_sign(S("ctl\x01\n"), 5, ss, 1, 0, buf, cap, &n), HF_ENOTE);
	assert_int_equal(hf_note_sign(S(""), 0, ss, 1, 0, buf, cap, &n), HF_ENOTE);
	assert_int_equal(hf_note_sign(S(text), strlen(text), ss, 1, 0, buf, 8, &n), HF_ENOSPC);
	/* names */
	assert_true(hf_note_name_valid("a.b/c", 5));
	assert_false(hf_note_name_valid("a b", 3));
	assert_false(hf_note_name_valid("a+b", 3));
	assert_false(hf_note_name_valid("", 0));
	assert_false(hf_note_name_valid("a\xc2\xa0"
	                                "b",
	                                4));                  /* NBSP */
	assert_false(hf_note_name_valid("a\xe3\x80\x80", 4)); /* ideographic space */
	assert_false(hf_note_name_valid("\xff", 1));
	assert_true(hf_note_name_valid("\xc3\xa9", 2));
	hf_note_signer *s;
	uint8_t seed[32] = {0};
	assert_int_equal(hf_note_signer_new("bad name", HF_NOTE_ALG_ED25519, seed, &s), HF_EVKEY);
	assert_int_equal(hf_note_signer_new("ok", 0x02, seed, &s), HF_EVKEY);
	/* vkey text round trip and key id */
	char enc[HF_NOTE_MAX_VKEY];
	hf_note_vkey back;
	assert_int_equal(hf_note_vkey_encode(&k, enc, sizeof(enc)), HF_OK);
	assert_int_equal(hf_note_vkey_parse(enc, strlen(enc), &back), HF_OK);
	assert_memory_equal(&back.pk, k.pk, 32);
	assert_int_equal(back.key_id, k.key_id);
	assert_int_equal(hf_note_vkey_encode(&k, enc, 10), HF_ENOSPC);
	free(buf);
	fixture_free(&f);
}

/* Proof checks against checkpoints: origin, rollback, split view, size 0. */
static void test_checkpoint_proofs(void **state)
{
	(void)state;
	hf_mem_tree t;
	hf_mem_tree_init(&t);
	for (uint8_t i = 0; i < 20; i++)
		assert_int_equal(hf_mem_tree_append_leaf(&t, &i, 1), HF_OK);
	hf_merkle_store s = hf_mem_tree_store(&t);
	hf_checkpoint *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	snprintf(a->origin, sizeof(a->origin), "log.example");
	snprintf(b->origin, sizeof(b->origin), "log.example");
	a->size = 7;
	b->size = 20;
	assert_int_equal(hf_merkle_root(&s, 7, a->root), HF_OK);
	assert_int_equal(hf_merkle_root(&s, 20, b->root), HF_OK);
	uint8_t p[HF_MERKLE_MAX_PROOF][32];
	size_t np;
	assert_int_equal(hf_merkle_consistency_proof(&s, 7, 20, p, HF_MERKLE_MAX_PROOF, &np),
	                 HF_OK);
	assert_int_equal(hf_checkpoint_verify_consistency(a, b, &p[0][0], np * 32), HF_OK);
	assert_int_equal(hf_checkpoint_verify_consistency(b, a, &p[0][0], np * 32), HF_EROLLBACK);
	b->root[0] ^= 1;
	assert_int_equal(hf_checkpoint_verify_consistency(a, b, &p[0][0], np * 32),
	                 HF_ECONSISTENCY);
	b->root[0] ^= 1;
	hf_checkpoint *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	*c = *b;
	c->root[5] ^= 0x80;
	assert_int_equal(hf_checkpoint_verify_consistency(b, c, NULL, 0), HF_ESPLITVIEW);
	assert_int_equal(hf_checkpoint_verify_consistency(b, b, NULL, 0), HF_OK);
	snprintf(c->origin, sizeof(c->origin), "other.example");
	assert_int_equal(hf_checkpoint_verify_consistency(a, c, &p[0][0], np * 32), HF_EORIGIN);
	c->size = 0;
	snprintf(c->origin, sizeof(c->origin), "log.example");
	assert_int_equal(hf_checkpoint_verify_consistency(c, b, NULL, 0), HF_OK);
	assert_int_equal(hf_checkpoint_verify_consistency(c, b, &p[0][0], 32), HF_EPROOFLEN);
	/* inclusion of leaf 3 in b */
	assert_int_equal(hf_merkle_inclusion_proof(&s, 3, 20, p, HF_MERKLE_MAX_PROOF, &np), HF_OK);
	uint8_t lh[32];
	hf_merkle_node_id id = {0, 3};
	assert_int_equal(s.fetch(s.ctx, &id, 1, &lh), HF_OK);
	assert_int_equal(hf_checkpoint_verify_inclusion(b, lh, 3, &p[0][0], np * 32), HF_OK);
	assert_int_equal(hf_checkpoint_verify_inclusion(a, lh, 3, &p[0][0], np * 32), HF_EPROOFLEN);
	lh[0] ^= 1;
	assert_int_equal(hf_checkpoint_verify_inclusion(b, lh, 3, &p[0][0], np * 32),
	                 HF_EINCLUSION);
	free(a);
	free(b);
	free(c);
	hf_mem_tree_free(&t);
}

/* ---- Go's sumdb/note as a second verifier ------------------------------------------------ */

static const char go_main[] =
    "package main\n"
    "\n"
    "import (\n"
    "\t\"fmt\"\n"
    "\t\"os\"\n"
    "\n"
    "\t\"golang.org/x/mod/sumdb/note\"\n"
    ")\n"
    "\n"
    "// usage: notecheck <note file> <vkey>...: exit 0 iff note.Open accepts it;\n"
    "// prints the verified key names.\n"
    "func main() {\n"
    "\tmsg, err := os.ReadFile(os.Args[1])\n"
    "\tif err != nil {\n"
    "\t\tfmt.Println(err)\n"
    "\t\tos.Exit(3)\n"
    "\t}\n"
    "\tvar vs []note.Verifier\n"
    "\tfor _, k := range os.Args[2:] {\n"
    "\t\tv, err := note.NewVerifier(k)\n"
    "\t\tif err != nil {\n"
    "\t\t\tfmt.Println(\"vkey:\", err)\n"
    "\t\t\tos.Exit(2)\n"
    "\t\t}\n"
    "\t\tvs = append(vs, v)\n"
    "\t}\n"
    "\tn, err := note.Open(msg, note.VerifierList(vs...))\n"
    "\tif err != nil {\n"
    "\t\tfmt.Println(\"open:\", err)\n"
    "\t\tos.Exit(1)\n"
    "\t}\n"
    "\tfor _, s := range n.Sigs {\n"
    "\t\tfmt.Println(\"verified\", s.Name)\n"
    "\t}\n"
    "}\n";

static void test_go_verifier(void **state)
{
	(void)state;
	if (system("command -v go >/dev/null 2>&1") != 0 ||
	    access("/usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go", R_OK) != 0) {
		printf(
		    "skipped: go or golang-golang-x-mod-dev (/usr/share/gocode) not installed\n");
		skip();
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/go-notecheck", HF_BINARY_DIR);
	mkdir(dir, 0700);
	char path[4200];
	snprintf(path, sizeof(path), "%s/main.go", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(go_main, fp);
	fclose(fp);
	char cmd[16384];
	/* no network: GOPATH mode over the Debian source tree, modules off */
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off "
	         "GOCACHE='%s/cache' go build -o notecheck main.go 2>&1",
	         dir, dir);
	assert_int_equal(system(cmd), 0);

	fixture f;
	fixture_init(&f);
	uint8_t note[4096];
	size_t n = make_note(&f, 123456789, 0x5c, 0x7, note, sizeof(note));
	snprintf(path, sizeof(path), "%s/checkpoint.note", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(note, 1, n, fp), n);
	fclose(fp);
	char vk[HF_NOTE_MAX_VKEY];
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(f.log), vk, sizeof(vk)), HF_OK);

	/* Go verifies our log signature (and ignores the cosignature lines it has no key for) */
	snprintf(cmd, sizeof(cmd), "'%s/notecheck' '%s' '%s'", dir, path, vk);
	FILE *pp = popen(cmd, "r");
	assert_non_null(pp);
	char out[512] = {0};
	size_t got = fread(out, 1, sizeof(out) - 1, pp);
	int st = pclose(pp);
	out[got] = 0;
	if (st != 0)
		fail_msg("go rejected our checkpoint: %s", out);
	assert_non_null(strstr(out, "verified audit.example/log"));

	/* and rejects it once a byte of the body changes */
	note[strlen("audit.example/log\n")] = '9';
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(note, 1, n, fp), n);
	fclose(fp);
	assert_int_not_equal(system(cmd), 0);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checkpoint_body), cmocka_unit_test(test_checkpoint_open_rules),
	    cmocka_unit_test(test_note_limits),     cmocka_unit_test(test_checkpoint_proofs),
	    cmocka_unit_test(test_go_verifier),     cmocka_unit_test(test_vec_upstream),
	    cmocka_unit_test(test_vec_generated),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	printf("signed-note vectors checked: %u\n", g_vectors);
	if (rc == 0 && g_shared_missing) {
		printf("SKIP: ../shared/data/signed-note is absent; only the self-generated tests "
		       "ran\n");
		return 77;
	}
	return rc;
}
