/* Key file text formats (spec §11.7): secret key files, public key files. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/keyfile.h"
#include "identity_internal.h"
#include "mp.h"
#include "hf_check.h"

#define HF_KF_SECRET_LEN 64 /* Ed25519 seed || X25519 secret key */
#define HF_KF_SALT_LEN   16
#define HF_KF_HDR_LEN    (4 + 4 + HF_KF_SALT_LEN + HF_XNONCE_LEN)
#define HF_KF_ENC_LEN    (HF_KF_HDR_LEN + HF_KF_SECRET_LEN + HF_AEAD_TAG_LEN)
#define HF_KF_MAX_LINE   64

static const char *kind_name(hf_keyfile_kind k)
{
	return k == HF_KEYFILE_ROOT ? "root" : "node";
}

void hf_hex_encode(const uint8_t *p, size_t n, char *out)
{
	if (n == 0) {
		out[0] = '\0';
		return;
	}
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

hf_err hf_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	if (s == NULL || slen != 2 * n)
		return HF_EPARSE;
	if (sodium_hex2bin(out, n, s, slen, NULL, &got, &end) != 0 || got != n || end != s + slen) {
		sodium_memzero(out, n);
		return HF_EPARSE;
	}
	return HF_OK;
}

void hf_keyfile_text_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	sodium_memzero(text, len);
	free(text);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static hf_err kdf_check(uint32_t ops, uint32_t mem_kib)
{
	if (ops < 1 || ops > HF_KDF_MAX_OPSLIMIT || mem_kib < HF_KDF_MIN_MEMLIMIT_KIB ||
	    mem_kib > HF_KDF_MAX_MEMLIMIT_KIB)
		return HF_ERANGE;
	return HF_OK;
}

/* Argon2id key into key[32] (sodium_malloc'ed by the caller). */
static hf_err hfi_kdf(const uint8_t *pass, size_t pass_len, const uint8_t *salt, uint32_t ops,
                      uint32_t mem_kib, uint8_t *key)
{
	if (crypto_pwhash(key, 32, (const char *)pass, pass_len, salt, ops, (size_t)mem_kib * 1024u,
	                  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return HF_ENOMEM; /* libsodium fails here only when it cannot allocate */
	return HF_OK;
}

hf_err hf_keyfile_format(const hf_identity *id, hf_keyfile_kind kind, const uint8_t *pass,
                         size_t pass_len, const hf_kdf_params *kdf, const hf_rng *rng, char **out,
                         size_t *out_len)
{
	hf_err rc = HF_ENOMEM;
	uint8_t *sec = NULL, *key = NULL, *payload = NULL;
	size_t plen = pass ? HF_KF_ENC_LEN : HF_KF_SECRET_LEN;
	char line[HF_KF_MAX_LINE];
	char *text = NULL;
	size_t b64len = sodium_base64_encoded_len(HF_KF_ENC_LEN, sodium_base64_VARIANT_ORIGINAL);
	size_t cap, n;
	int ln;
	*out = NULL;
	*out_len = 0;
	if (kind != HF_KEYFILE_ROOT && kind != HF_KEYFILE_NODE)
		return HF_EINVAL;
	if (sodium_init() < 0) /* idempotent; sodium_malloc aborts without it */
		return HF_ECRYPTO;
	uint32_t ops = kdf ? kdf->opslimit : (uint32_t)crypto_pwhash_OPSLIMIT_INTERACTIVE;
	uint32_t mem =
	    kdf ? kdf->memlimit_kib : (uint32_t)(crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024);
	if (pass)
		HF_TRY(kdf_check(ops, mem));
	ln = snprintf(line, sizeof(line), "hashfed-key v1 %s %s", kind_name(kind),
	              pass ? "argon2id" : "plain");
	sec = sodium_malloc(HF_KF_SECRET_LEN);
	key = sodium_malloc(32);
	payload = sodium_malloc(HF_KF_ENC_LEN);
	cap = (size_t)ln + 1 + b64len + 2;
	text = malloc(cap);
	if (sec == NULL || key == NULL || payload == NULL || text == NULL)
		goto out;
	hf_identity_secrets(id, sec, sec + HF_SIGN_SEED_LEN);
	if (pass == NULL) {
		memcpy(payload, sec, HF_KF_SECRET_LEN);
	} else {
		uint8_t *salt = payload + 8, *nonce = payload + 8 + HF_KF_SALT_LEN;
		put32(payload, ops);
		put32(payload + 4, mem);
		hf_rng_bytes(rng, salt, HF_KF_SALT_LEN);
		hf_rng_bytes(rng, nonce, HF_XNONCE_LEN);
		HF_CHECK(hfi_kdf(pass, pass_len, salt, ops, mem, key));
		/* spec §11.7: aad is the header line, so kind and protection cannot be
		 * swapped without the passphrase. */
		if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		        payload + HF_KF_HDR_LEN, NULL, sec, HF_KF_SECRET_LEN, (const uint8_t *)line,
		        (unsigned long long)ln, NULL, nonce, key) != 0) {
			rc = HF_ECRYPTO;
			goto out;
		}
	}
	memcpy(text, line, (size_t)ln);
	text[ln] = '\n';
	sodium_bin2base64(text + ln + 1, b64len, payload, plen, sodium_base64_VARIANT_ORIGINAL);
	n = (size_t)ln + 1 + strlen(text + ln + 1);
	text[n++] = '\n';
	text[n] = '\0';
	*out = text;
	*out_len = n;
	text = NULL;
	rc = HF_OK;
out:
	if (text)
		hf_keyfile_text_free(text, cap);
	sodium_free(sec);
	sodium_free(key);
	sodium_free(payload);
	return rc;
}

/* Splits the text into exactly two newline-terminated lines. */
static hf_err kf_lines(const char *text, size_t len, const char **l1, size_t *n1, const char **l2,
                       size_t *n2)
{
	const char *nl, *nl2;
	if (len > HF_MAX_KEYFILE_SIZE)
		return HF_EFILESIZE;
	nl = memchr(text, '\n', len);
	if (nl == NULL)
		return HF_EPARSE;
	*l1 = text;
	*n1 = (size_t)(nl - text);
	*l2 = nl + 1;
	nl2 = memchr(*l2, '\n', len - *n1 - 1);
	if (nl2 == NULL || nl2 + 1 != text + len)
		return HF_EPARSE;
	*n2 = (size_t)(nl2 - *l2);
	return HF_OK;
}

static bool line_is(const char *l, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(l, s, n) == 0;
}

static hf_err kf_header(const char *l, size_t n, hf_keyfile_kind *kind, bool *enc)
{
	static const char *const forms[4] = {
	    "hashfed-key v1 root plain", "hashfed-key v1 root argon2id",
	    "hashfed-key v1 node plain", "hashfed-key v1 node argon2id"};
	for (unsigned i = 0; i < 4; i++) {
		if (line_is(l, n, forms[i])) {
			*kind = i < 2 ? HF_KEYFILE_ROOT : HF_KEYFILE_NODE;
			*enc = (i & 1) != 0;
			return HF_OK;
		}
	}
	if (n >= 13 && memcmp(l, "hashfed-key v", 13) == 0 &&
	    !(n >= 15 && memcmp(l + 13, "1 ", 2) == 0))
		return HF_EVERSION;
	return HF_EPARSE;
}

hf_err hf_keyfile_info(const char *text, size_t len, hf_keyfile_kind *kind, bool *encrypted)
{
	const char *l1, *l2;
	size_t n1, n2;
	HF_TRY(kf_lines(text, len, &l1, &n1, &l2, &n2));
	return kf_header(l1, n1, kind, encrypted);
}

hf_err hf_keyfile_parse(const char *text, size_t len, const uint8_t *pass, size_t pass_len,
                        hf_keyfile_kind *kind, hf_identity **out)
{
	hf_err rc = HF_ENOMEM;
	const char *l1, *l2;
	size_t n1, n2, got = 0;
	bool enc;
	const char *end = NULL;
	uint8_t *payload = NULL, *sec = NULL, *key = NULL;
	*out = NULL;
	if (sodium_init() < 0) /* idempotent; sodium_malloc aborts without it */
		return HF_ECRYPTO;
	HF_TRY(kf_lines(text, len, &l1, &n1, &l2, &n2));
	HF_TRY(kf_header(l1, n1, kind, &enc));
	if (enc && pass == NULL)
		return HF_EAUTH;
	payload = sodium_malloc(HF_KF_ENC_LEN);
	sec = sodium_malloc(HF_KF_SECRET_LEN);
	key = sodium_malloc(32);
	if (payload == NULL || sec == NULL || key == NULL)
		goto out;
	/* Strict base64: padding required, no whitespace, nothing after. */
	if (sodium_base642bin(payload, HF_KF_ENC_LEN, l2, n2, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != l2 + n2) {
		rc = got >= HF_KF_ENC_LEN ? HF_ELENGTH : HF_EPARSE;
		goto out;
	}
	if (got != (enc ? HF_KF_ENC_LEN : HF_KF_SECRET_LEN)) {
		rc = HF_ELENGTH;
		goto out;
	}
	if (!enc) {
		memcpy(sec, payload, HF_KF_SECRET_LEN);
	} else {
		uint32_t ops = get32(payload), mem = get32(payload + 4);
		const uint8_t *salt = payload + 8, *nonce = payload + 8 + HF_KF_SALT_LEN;
		/* spec §11.7: bounded KDF cost before any work. */
		HF_CHECK(kdf_check(ops, mem));
		HF_CHECK(hfi_kdf(pass, pass_len, salt, ops, mem, key));
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		        sec, NULL, NULL, payload + HF_KF_HDR_LEN,
		        HF_KF_SECRET_LEN + HF_AEAD_TAG_LEN, (const uint8_t *)l1,
		        (unsigned long long)n1, nonce, key) != 0) {
			rc = HF_EPASSPHRASE;
			goto out;
		}
	}
	HF_CHECK(hf_identity_from_secrets(sec, sec + HF_SIGN_SEED_LEN, out));
out:
	sodium_free(payload);
	sodium_free(sec);
	sodium_free(key);
	return rc;
}

/* ---- public key files ------------------------------------------------- */

/* Next line of text[*off..len): *l, *n without the newline. HF_EPARSE if no
 * newline terminates it. */
static bool next_line(const char *text, size_t len, size_t *off, const char **l, size_t *n)
{
	const char *nl;
	if (*off >= len)
		return false;
	nl = memchr(text + *off, '\n', len - *off);
	if (nl == NULL)
		return false;
	*l = text + *off;
	*n = (size_t)(nl - *l);
	*off += *n + 1;
	return true;
}

static bool has_prefix(const char *l, size_t n, const char *p)
{
	size_t pl = strlen(p);
	return n >= pl && memcmp(l, p, pl) == 0;
}

hf_err hf_pubfile_parse(const char *text, size_t len, hf_pubfile *p)
{
	size_t off = 0, n;
	const char *l;
	bool have_line;
	memset(p, 0, sizeof(*p));
	if (len > HF_MAX_KEYFILE_SIZE)
		return HF_EFILESIZE;
	if (!next_line(text, len, &off, &l, &n))
		return HF_EPARSE;
	if (!line_is(l, n, "hashfed-pub v1"))
		return has_prefix(l, n, "hashfed-pub v") ? HF_EVERSION : HF_EPARSE;
	have_line = next_line(text, len, &off, &l, &n);
	if (have_line && has_prefix(l, n, "id ")) {
		HF_TRY(hf_hex_decode(l + 3, n - 3, p->id, sizeof(p->id)));
		p->has_id = true;
		have_line = next_line(text, len, &off, &l, &n);
	}
	if (have_line && has_prefix(l, n, "name ")) {
		if (n - 5 > HF_MAX_NAME_LEN)
			return HF_ETOOLONG;
		if (n == 5 || !hfi_utf8_valid((const uint8_t *)l + 5, n - 5))
			return n == 5 ? HF_EPARSE : HF_EUTF8;
		memcpy(p->name, l + 5, n - 5);
		p->name[n - 5] = '\0';
		have_line = next_line(text, len, &off, &l, &n);
	}
	if (!have_line || !has_prefix(l, n, "sign "))
		return HF_EPARSE;
	HF_TRY(hf_hex_decode(l + 5, n - 5, p->sign_pk, HF_SIGN_PK_LEN));
	HF_TRY(hf_sign_pk_validate(p->sign_pk));
	have_line = next_line(text, len, &off, &l, &n);
	if (have_line && has_prefix(l, n, "enc ")) {
		HF_TRY(hf_hex_decode(l + 4, n - 4, p->enc_pk, HF_ENC_PK_LEN));
		HF_TRY(hf_enc_pk_validate(p->enc_pk));
		p->has_enc = true;
		have_line = next_line(text, len, &off, &l, &n);
	}
	/* Nothing may follow, not even an unterminated line. */
	if (have_line || off != len)
		return HF_EPARSE;
	return HF_OK;
}

hf_err hf_pubfile_format(const hf_pubfile *p, char *buf, size_t size)
{
	char id[33], s[65], e[65];
	int n;
	if (strlen(p->name) > HF_MAX_NAME_LEN || strchr(p->name, '\n') != NULL)
		return HF_EINVAL;
	hf_hex_encode(p->id, sizeof(p->id), id);
	hf_hex_encode(p->sign_pk, HF_SIGN_PK_LEN, s);
	hf_hex_encode(p->enc_pk, HF_ENC_PK_LEN, e);
	n = snprintf(buf, size, "hashfed-pub v1\n%s%s%s%s%s%ssign %s\n%s%s%s",
	             p->has_id ? "id " : "", p->has_id ? id : "", p->has_id ? "\n" : "",
	             p->name[0] ? "name " : "", p->name, p->name[0] ? "\n" : "", s,
	             p->has_enc ? "enc " : "", p->has_enc ? e : "", p->has_enc ? "\n" : "");
	if (n < 0 || (size_t)n >= size)
		return HF_ENOSPC;
	return HF_OK;
}
