/* Key files (spec §11.7): text codec, passphrase encryption, and the on-disk
 * rules of keys/lib/keyio (0600 on create, refuse readable secrets). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "hf_test.h"
#include "hashfed/identity.h"
#include "hashfed/keyfile.h"
#include "keyio.h"

static const hf_kdf_params FAST = {1, 8}; /* tests only: 1 pass, 8 KiB */
static const uint8_t PASS[] = "correct horse battery staple";

typedef struct world {
	hf_test_rng trng;
	hf_rng rng;
	hf_identity *id;
	char dir[64];
} world;

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	hf_test_rng_init(&w->trng, 11);
	w->rng.fn = hf_test_rng_bytes;
	w->rng.ctx = &w->trng;
	assert_int_equal(hf_identity_generate(&w->id, &w->rng), HF_OK);
	snprintf(w->dir, sizeof(w->dir), "/tmp/hf_keyfile_XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	char cmd[128];
	hf_identity_free(w->id);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
	free(w);
	return 0;
}

static void same_identity(const hf_identity *a, const hf_identity *b)
{
	assert_memory_equal(hf_identity_sign_pk(a), hf_identity_sign_pk(b), HF_SIGN_PK_LEN);
	assert_memory_equal(hf_identity_enc_pk(a), hf_identity_enc_pk(b), HF_ENC_PK_LEN);
}

static void test_plain_roundtrip(void **state)
{
	world *w = *state;
	char *t;
	size_t n;
	hf_identity *back = NULL;
	hf_keyfile_kind kind;
	bool enc;
	assert_int_equal(hf_keyfile_format(w->id, HF_KEYFILE_NODE, NULL, 0, NULL, NULL, &t, &n),
	                 HF_OK);
	assert_int_equal(strlen(t), n);
	assert_true(strncmp(t, "hashfed-key v1 node plain\n", 26) == 0);
	assert_int_equal(hf_keyfile_info(t, n, &kind, &enc), HF_OK);
	assert_int_equal(kind, HF_KEYFILE_NODE);
	assert_false(enc);
	assert_int_equal(hf_keyfile_parse(t, n, NULL, 0, &kind, &back), HF_OK);
	same_identity(w->id, back);
	hf_identity_free(back);
	/* a passphrase given for a plain file is simply not needed */
	assert_int_equal(hf_keyfile_parse(t, n, PASS, sizeof(PASS) - 1, &kind, &back), HF_OK);
	hf_identity_free(back);
	hf_keyfile_text_free(t, n);
}

static void test_encrypted(void **state)
{
	world *w = *state;
	char *t, *c;
	size_t n;
	hf_identity *back = NULL;
	hf_keyfile_kind kind;
	assert_int_equal(hf_keyfile_format(w->id, HF_KEYFILE_ROOT, PASS, sizeof(PASS) - 1, &FAST,
	                                   &w->rng, &t, &n),
	                 HF_OK);
	assert_true(strncmp(t, "hashfed-key v1 root argon2id\n", 29) == 0);
	assert_int_equal(hf_keyfile_parse(t, n, PASS, sizeof(PASS) - 1, &kind, &back), HF_OK);
	assert_int_equal(kind, HF_KEYFILE_ROOT);
	same_identity(w->id, back);
	hf_identity_free(back);
	back = NULL;
	/* wrong passphrase, no passphrase */
	assert_int_equal(hf_keyfile_parse(t, n, (const uint8_t *)"wrong", 5, &kind, &back),
	                 HF_EPASSPHRASE);
	assert_null(back);
	assert_int_equal(hf_keyfile_parse(t, n, NULL, 0, &kind, &back), HF_EAUTH);
	/* the header is authenticated: relabelling root as node fails */
	c = malloc(n + 1);
	memcpy(c, t, n + 1);
	memcpy(c + 15, "node", 4);
	assert_int_equal(hf_keyfile_parse(c, n, PASS, sizeof(PASS) - 1, &kind, &back),
	                 HF_EPASSPHRASE);
	/* flipping one ciphertext character */
	memcpy(c, t, n + 1);
	c[n - 10] = c[n - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(hf_keyfile_parse(c, n, PASS, sizeof(PASS) - 1, &kind, &back),
	                 HF_EPASSPHRASE);
	free(c);
	hf_keyfile_text_free(t, n);
	/* KDF parameters out of bounds are refused before any work */
	hf_kdf_params big = {1, HF_KDF_MAX_MEMLIMIT_KIB + 1}, zero = {0, 8};
	assert_int_equal(hf_keyfile_format(w->id, HF_KEYFILE_ROOT, PASS, 3, &big, NULL, &t, &n),
	                 HF_ERANGE);
	assert_int_equal(hf_keyfile_format(w->id, HF_KEYFILE_ROOT, PASS, 3, &zero, NULL, &t, &n),
	                 HF_ERANGE);
	/* default (libsodium INTERACTIVE) parameters round-trip too */
	assert_int_equal(
	    hf_keyfile_format(w->id, HF_KEYFILE_NODE, PASS, sizeof(PASS) - 1, NULL, NULL, &t, &n),
	    HF_OK);
	assert_int_equal(hf_keyfile_parse(t, n, PASS, sizeof(PASS) - 1, &kind, &back), HF_OK);
	hf_identity_free(back);
	hf_keyfile_text_free(t, n);
}

/* Builds "header\n" + base64(payload) + "\n". */
static char *mk(const char *hdr, const uint8_t *p, size_t n, size_t *len)
{
	size_t b = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	size_t cap = strlen(hdr) + b + 3, h;
	char *t = malloc(cap);
	h = (size_t)snprintf(t, cap, "%s\n", hdr);
	sodium_bin2base64(t + h, b, p, n, sodium_base64_VARIANT_ORIGINAL);
	h += strlen(t + h);
	snprintf(t + h, cap - h, "\n");
	*len = strlen(t);
	return t;
}

static hf_err parse(const char *t, size_t n)
{
	hf_keyfile_kind kind;
	hf_identity *id = NULL;
	hf_err rc = hf_keyfile_parse(t, n, PASS, sizeof(PASS) - 1, &kind, &id);
	if (rc != HF_OK)
		assert_null(id);
	hf_identity_free(id);
	return rc;
}

static void test_malformed_secret_files(void **state)
{
	(void)state;
	uint8_t p[128] = {0};
	size_t n;
	char *t, big[HF_MAX_KEYFILE_SIZE + 2];
	for (int i = 0; i < 64; i++)
		p[i] = (uint8_t)(i + 1);
	t = mk("hashfed-key v1 node plain", p, 64, &n);
	assert_int_equal(parse(t, n), HF_OK);
	assert_int_equal(parse(t, n - 1), HF_EPARSE); /* no final newline */
	free(t);
	t = mk("hashfed-key v1 node plain", p, 63, &n);
	assert_int_equal(parse(t, n), HF_ELENGTH);
	free(t);
	t = mk("hashfed-key v1 node plain", p, 65, &n);
	assert_int_equal(parse(t, n), HF_ELENGTH);
	free(t);
	t = mk("hashfed-key v2 node plain", p, 64, &n);
	assert_int_equal(parse(t, n), HF_EVERSION);
	free(t);
	t = mk("hashfed-key v1 alien plain", p, 64, &n);
	assert_int_equal(parse(t, n), HF_EPARSE);
	free(t);
	assert_int_equal(parse("hashfed-key v1 node plain\n!!!!\n", 31), HF_EPARSE);
	assert_int_equal(parse("hashfed-key v1 node plain\nAAAA\nextra\n", 37), HF_EPARSE);
	memset(big, 'A', sizeof(big));
	assert_int_equal(parse(big, sizeof(big)), HF_EFILESIZE);
	/* KDF cost fields out of bounds: refused before running Argon2id */
	p[0] = 0, p[1] = 0, p[2] = 0, p[3] = 1;    /* ops 1 */
	p[4] = 0x7f, p[5] = 0, p[6] = 0, p[7] = 0; /* 2 TiB of memory */
	t = mk("hashfed-key v1 node argon2id", p, 8 + 16 + 24 + 64 + 16, &n);
	assert_int_equal(parse(t, n), HF_ERANGE);
	free(t);
	p[4] = 0, p[7] = 8; /* 8 KiB: in range, but garbage ciphertext */
	t = mk("hashfed-key v1 node argon2id", p, 8 + 16 + 24 + 64 + 16, &n);
	assert_int_equal(parse(t, n), HF_EPASSPHRASE);
	free(t);
}

static void test_pubfile(void **state)
{
	world *w = *state;
	hf_pubfile p, q;
	char buf[1024], bad[2200];
	memset(&p, 0, sizeof(p));
	p.has_id = true;
	memset(p.id, 0xab, sizeof(p.id));
	snprintf(p.name, sizeof(p.name), "%s", "platform-1");
	memcpy(p.sign_pk, hf_identity_sign_pk(w->id), 32);
	memcpy(p.enc_pk, hf_identity_enc_pk(w->id), 32);
	p.has_enc = true;
	assert_int_equal(hf_pubfile_format(&p, buf, sizeof(buf)), HF_OK);
	assert_int_equal(hf_pubfile_parse(buf, strlen(buf), &q), HF_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	assert_int_equal(hf_pubfile_format(&p, buf, 20), HF_ENOSPC);
	/* sign-only (root) form */
	p.has_id = p.has_enc = false;
	memset(p.name, 0, sizeof(p.name));
	memset(p.id, 0, sizeof(p.id));
	memset(p.enc_pk, 0, 32);
	assert_int_equal(hf_pubfile_format(&p, buf, sizeof(buf)), HF_OK);
	assert_int_equal(hf_pubfile_parse(buf, strlen(buf), &q), HF_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	/* small-order keys */
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nsign %064d\n", 0);
	bad[20] = '1'; /* 0100..00: the identity point (small order) */
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EBADKEY);
	hf_hex_encode(hf_identity_sign_pk(w->id), 32, buf);
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nsign %s\nenc %064d\n", buf, 0);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EBADKEY);
	/* layout errors */
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nsign %s\n", buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_OK);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad) - 1, &q), HF_EPARSE);
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nsign %s\nfoo\n", buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EPARSE);
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nsign %.63s\n", buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EPARSE);
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nsign %.62sxz\n", buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EPARSE);
	snprintf(bad, sizeof(bad), "hashfed-pub v3\nsign %s\n", buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EVERSION);
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nname %0200d\nsign %s\n", 0, buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_ETOOLONG);
	snprintf(bad, sizeof(bad), "hashfed-pub v1\nname \xff\nsign %s\n", buf);
	assert_int_equal(hf_pubfile_parse(bad, strlen(bad), &q), HF_EUTF8);
	assert_int_equal(hf_pubfile_parse(bad, HF_MAX_KEYFILE_SIZE + 1, &q), HF_EFILESIZE);
}

static char *path_in(const world *w, const char *name)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/%s", w->dir, name);
	return p;
}

static void test_keyio_permissions(void **state)
{
	world *w = *state;
	struct stat st;
	uint8_t *buf;
	size_t n;
	hf_identity *back = NULL;
	hf_keyfile_kind kind;
	char kp[128], pp[128];
	umask(022);
	snprintf(kp, sizeof(kp), "%s", path_in(w, "node.key"));
	snprintf(pp, sizeof(pp), "%s", path_in(w, "pass"));
	assert_int_equal(hf_keyio_write_new(pp, "secret words\n", 13, 0600), HF_OK);
	assert_int_equal(hf_keyio_save_identity(kp, w->id, HF_KEYFILE_NODE, pp, &FAST), HF_OK);
	assert_int_equal(stat(kp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* never overwritten */
	assert_int_equal(hf_keyio_save_identity(kp, w->id, HF_KEYFILE_NODE, NULL, NULL), HF_EEXIST);
	assert_int_equal(hfn_keyio_load_identity(kp, pp, &kind, &back), HF_OK);
	same_identity(w->id, back);
	hf_identity_free(back);
	back = NULL;
	/* encrypted without a passphrase file */
	assert_int_equal(hfn_keyio_load_identity(kp, NULL, &kind, &back), HF_EAUTH);
	/* group- or world-readable key or passphrase files are refused */
	assert_int_equal(chmod(kp, 0640), 0);
	assert_int_equal(hfn_keyio_load_identity(kp, pp, &kind, &back), HF_EPERM);
	assert_int_equal(chmod(kp, 0604), 0);
	assert_int_equal(hf_keyio_read_secret(kp, 4096, &buf, &n), HF_EPERM);
	assert_int_equal(chmod(kp, 0400), 0);
	assert_int_equal(hf_keyio_read_secret(kp, 4096, &buf, &n), HF_OK);
	hf_keyio_secret_free(buf);
	assert_int_equal(chmod(pp, 0644), 0);
	assert_int_equal(hfn_keyio_load_identity(kp, pp, &kind, &back), HF_EPERM);
	assert_int_equal(chmod(pp, 0600), 0);
	/* a symlink is not followed */
	assert_int_equal(symlink(kp, path_in(w, "link.key")), 0);
	assert_int_equal(hfn_keyio_load_identity(path_in(w, "link.key"), pp, &kind, &back),
	                 HF_EPERM);
	/* wrong passphrase */
	assert_int_equal(hf_keyio_write_new(path_in(w, "wrong"), "nope", 4, 0600), HF_OK);
	assert_int_equal(hfn_keyio_load_identity(kp, path_in(w, "wrong"), &kind, &back),
	                 HF_EPASSPHRASE);
	/* empty passphrase file */
	assert_int_equal(hf_keyio_write_new(path_in(w, "empty"), "\n", 1, 0600), HF_OK);
	assert_int_equal(hfn_keyio_load_identity(kp, path_in(w, "empty"), &kind, &back), HF_EPARSE);
	/* missing, and too big */
	assert_int_equal(hfn_keyio_load_identity(path_in(w, "nope"), NULL, &kind, &back),
	                 HF_ENOTFOUND);
	{
		char big[HF_MAX_KEYFILE_SIZE + 1];
		memset(big, 'x', sizeof(big));
		assert_int_equal(hf_keyio_write_new(path_in(w, "big"), big, sizeof(big), 0600),
		                 HF_OK);
		assert_int_equal(hfn_keyio_load_identity(path_in(w, "big"), NULL, &kind, &back),
		                 HF_EFILESIZE);
	}
	/* a directory is not a key file */
	assert_int_equal(hf_keyio_read_secret(w->dir, 4096, &buf, &n), HF_EPERM);
	assert_null(back);
	/* public files: replace is atomic and 0644 */
	assert_int_equal(hf_keyio_replace(path_in(w, "m.mp"), "ab", 2), HF_OK);
	assert_int_equal(hf_keyio_replace(path_in(w, "m.mp"), "abc", 3), HF_OK);
	assert_int_equal(hf_keyio_read_file(path_in(w, "m.mp"), 10, &buf, &n), HF_OK);
	assert_int_equal(n, 3);
	free(buf);
	assert_int_equal(hf_keyio_read_file(path_in(w, "m.mp"), 2, &buf, &n), HF_EFILESIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_plain_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_encrypted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_secret_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pubfile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keyio_permissions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
