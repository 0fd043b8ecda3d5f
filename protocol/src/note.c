/* C2SP signed notes with Ed25519 and cosignature/v1 (spec §15.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/identity.h"
#include "note_internal.h"
#include "hex_internal.h"
#include "hf_check.h"

#define SIG_PREFIX     "\xe2\x80\x94 " /* U+2014 EM DASH, space */
#define SIG_PREFIX_LEN 4
#define COSIG_HEADER   "cosignature/v1\ntime "

struct hf_note_signer {
	hf_note_vkey vk;
	uint8_t *sk; /* sodium_malloc, crypto_sign_SECRETKEYBYTES */
};

/* ---- characters, names, base64 ---------------------------------------------------------- */

/* Next code point of strict UTF-8 (no overlong, surrogate or > U+10FFFF); -1 if invalid. */
static int32_t utf8_next(const uint8_t *p, size_t n, size_t *i)
{
	uint8_t c = p[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	size_t need;
	uint32_t cp, min;
	if ((c & 0xe0) == 0xc0) {
		need = 1;
		cp = c & 0x1fu;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		cp = c & 0x0fu;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		cp = c & 0x07u;
		min = 0x10000;
	} else {
		return -1;
	}
	if (need > n - *i - 1)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		uint8_t b = p[*i + k];
		if ((b & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (b & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += need + 1;
	return (int32_t)cp;
}

bool hfi_note_chars_ok(const uint8_t *p, size_t n, bool allow_nl)
{
	size_t i = 0;
	while (i < n) {
		int32_t cp = utf8_next(p, n, &i);
		if (cp < 0 || (cp < 0x20 && !(allow_nl && cp == '\n')))
			return false;
	}
	return true;
}

/* Go's unicode.IsSpace. */
static bool is_space(int32_t cp)
{
	switch (cp) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200a;
	}
}

bool hf_note_name_valid(const char *name, size_t len)
{
	const uint8_t *p = (const uint8_t *)name;
	if (name == NULL || len == 0 || len > HF_NOTE_MAX_NAME_LEN)
		return false;
	size_t i = 0;
	while (i < len) {
		int32_t cp = utf8_next(p, len, &i);
		if (cp < 0x20 || cp == 0x7f || cp == '+' || is_space(cp))
			return false;
	}
	return true;
}

bool hfi_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t n = 0;
	const char *end = NULL;
	if (len == 0 || len % 4 != 0 || len > HFI_B64_MAX || len / 4 * 3 > cap + 2)
		return false;
	if (sodium_base642bin(out, cap, s, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) !=
	    0)
		return false;
	if (end != s + len)
		return false;
	/* canonical: unused bits zero, so re-encoding gives the same text */
	char re[HFI_B64_MAX + 1];
	sodium_bin2base64(re, sizeof(re), out, n, sodium_base64_VARIANT_ORIGINAL);
	if (strlen(re) != len || memcmp(re, s, len) != 0)
		return false;
	*out_len = n;
	return true;
}

size_t hfi_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if (need > cap)
		return 0;
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
	return need - 1;
}

bool hfi_parse_dec(const char *p, size_t len, uint64_t maxv, uint64_t *out)
{
	if (len == 0 || len > 20 || (len > 1 && p[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		uint64_t d = (uint64_t)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > maxv)
		return false;
	*out = v;
	return true;
}

/* ---- keys ------------------------------------------------------------------------------ */

uint32_t hf_note_key_id(const char *name, size_t name_len, uint8_t alg,
                        const uint8_t pk[static HF_NOTE_PK_LEN])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	uint8_t nl = '\n';
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, name_len);
	crypto_hash_sha256_update(&st, &nl, 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, HF_NOTE_PK_LEN);
	crypto_hash_sha256_final(&st, h);
	return ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
}

static bool alg_known(uint8_t alg)
{
	return alg == HF_NOTE_ALG_ED25519 || alg == HF_NOTE_ALG_COSIG;
}

hf_err hf_note_vkey_make(const char *name, uint8_t alg, const uint8_t pk[static HF_NOTE_PK_LEN],
                         hf_note_vkey *out)
{
	memset(out, 0, sizeof(*out));
	size_t nl = strnlen(name, HF_NOTE_MAX_NAME_LEN + 1);
	HF_ENSURE(hf_note_name_valid(name, nl), HF_EVKEY);
	HF_ENSURE(alg_known(alg), HF_EVKEY);
	HF_ENSURE(hf_sign_pk_validate(pk) == HF_OK, HF_EVKEY);
	memcpy(out->name, name, nl);
	out->name[nl] = 0;
	out->alg = alg;
	memcpy(out->pk, pk, HF_NOTE_PK_LEN);
	out->key_id = hf_note_key_id(name, nl, alg, pk);
	return HF_OK;
}

hf_err hf_note_vkey_parse(const char *s, size_t len, hf_note_vkey *out)
{
	memset(out, 0, sizeof(*out));
	HF_ENSURE(len < HF_NOTE_MAX_VKEY, HF_EVKEY);
	const char *p1 = memchr(s, '+', len);
	HF_ENSURE(p1 != NULL, HF_EVKEY);
	size_t nl = (size_t)(p1 - s);
	HF_ENSURE(hf_note_name_valid(s, nl), HF_EVKEY);
	const char *h = p1 + 1;
	size_t rest = len - nl - 1;
	HF_ENSURE(rest > 9 && h[8] == '+', HF_EVKEY);
	uint32_t id = 0;
	for (size_t i = 0; i < 8; i++) {
		int v = hfi_hex_digit(h[i]);
		HF_ENSURE(v >= 0, HF_EVKEY);
		id = (id << 4) | (uint32_t)v;
	}
	uint8_t key[HF_NOTE_PK_LEN + 4];
	size_t kl = 0;
	HF_ENSURE(hfi_b64_decode(h + 9, rest - 9, key, sizeof(key), &kl), HF_EVKEY);
	HF_ENSURE(kl == 1 + HF_NOTE_PK_LEN, HF_EVKEY);
	HF_ENSURE(alg_known(key[0]), HF_EVKEY);
	HF_ENSURE(hf_note_key_id(s, nl, key[0], key + 1) == id, HF_EVKEY);
	HF_ENSURE(hf_sign_pk_validate(key + 1) == HF_OK, HF_EVKEY);
	memcpy(out->name, s, nl);
	out->name[nl] = 0;
	out->alg = key[0];
	out->key_id = id;
	memcpy(out->pk, key + 1, HF_NOTE_PK_LEN);
	return HF_OK;
}

hf_err hf_note_vkey_encode(const hf_note_vkey *k, char *out, size_t cap)
{
	uint8_t key[1 + HF_NOTE_PK_LEN];
	char b64[64];
	key[0] = k->alg;
	memcpy(key + 1, k->pk, HF_NOTE_PK_LEN);
	HF_ENSURE(hfi_b64_encode(key, sizeof(key), b64, sizeof(b64)) > 0, HF_EINTERNAL);
	int n = snprintf(out, cap, "%s+%08x+%s", k->name, (unsigned)k->key_id, b64);
	HF_ENSURE(n > 0 && (size_t)n < cap, HF_ENOSPC);
	return HF_OK;
}

/* ---- signing ---------------------------------------------------------------------------- */

hf_err hf_note_signer_new(const char *name, uint8_t alg, const uint8_t seed[static 32],
                          hf_note_signer **out)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	*out = NULL;
	HF_ENSURE(alg_known(alg), HF_EVKEY);
	if (sodium_init() < 0) /* idempotent; sodium_malloc aborts without it */
		return HF_ECRYPTO;
	hf_note_signer *s = calloc(1, sizeof(*s));
	HF_ENSURE(s != NULL, HF_ENOMEM);
	s->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (s->sk == NULL) {
		free(s);
		return HF_ENOMEM;
	}
	if (crypto_sign_seed_keypair(pk, s->sk, seed) != 0) {
		hf_note_signer_free(s);
		return HF_ECRYPTO;
	}
	hf_err rc = hf_note_vkey_make(name, alg, pk, &s->vk);
	if (rc != HF_OK) {
		hf_note_signer_free(s);
		return rc;
	}
	*out = s;
	return HF_OK;
}

void hf_note_signer_free(hf_note_signer *s)
{
	if (s == NULL)
		return;
	sodium_free(s->sk);
	free(s);
}

const hf_note_vkey *hf_note_signer_vkey(const hf_note_signer *s)
{
	return &s->vk;
}

static bool text_ok(const uint8_t *text, size_t len)
{
	return len > 0 && len <= HF_NOTE_MAX_SIZE && text[len - 1] == '\n' &&
	       hfi_note_chars_ok(text, len, true);
}

static int cosig_header(uint64_t ts, char *buf, size_t cap)
{
	return snprintf(buf, cap, COSIG_HEADER "%llu\n", (unsigned long long)ts);
}

/* Ed25519 over header || text (header may be empty), via one buffer. */
static hf_err sign_with_header(const hf_note_signer *s, const char *hdr, size_t hl,
                               const uint8_t *text, size_t tl, uint8_t sig[static 64])
{
	if (hl == 0)
		return crypto_sign_detached(sig, NULL, text, tl, s->sk) == 0 ? HF_OK : HF_ECRYPTO;
	uint8_t *m = malloc(hl + tl);
	HF_ENSURE(m != NULL, HF_ENOMEM);
	memcpy(m, hdr, hl);
	memcpy(m + hl, text, tl);
	int r = crypto_sign_detached(sig, NULL, m, hl + tl, s->sk);
	free(m);
	return r == 0 ? HF_OK : HF_ECRYPTO;
}

hf_err hf_note_sign_line(const hf_note_signer *s, const uint8_t *text, size_t text_len,
                         uint64_t timestamp, char *out, size_t cap, size_t *out_len)
{
	uint8_t payload[4 + 8 + 64];
	size_t pl = 0;
	char hdr[64];
	size_t hl = 0;
	*out_len = 0;
	HF_ENSURE(text_ok(text, text_len), HF_ENOTE);
	uint32_t id = s->vk.key_id;
	payload[pl++] = (uint8_t)(id >> 24);
	payload[pl++] = (uint8_t)(id >> 16);
	payload[pl++] = (uint8_t)(id >> 8);
	payload[pl++] = (uint8_t)id;
	if (s->vk.alg == HF_NOTE_ALG_COSIG) {
		for (int k = 7; k >= 0; k--)
			payload[pl++] = (uint8_t)(timestamp >> (8 * k));
		int n = cosig_header(timestamp, hdr, sizeof(hdr));
		HF_ENSURE(n > 0 && (size_t)n < sizeof(hdr), HF_EINTERNAL);
		hl = (size_t)n;
	}
	HF_TRY(sign_with_header(s, hdr, hl, text, text_len, payload + pl));
	pl += 64;
	char b64[128];
	HF_ENSURE(hfi_b64_encode(payload, pl, b64, sizeof(b64)) > 0, HF_EINTERNAL);
	int n = snprintf(out, cap, SIG_PREFIX "%s %s\n", s->vk.name, b64);
	HF_ENSURE(n > 0 && (size_t)n < cap, HF_ENOSPC);
	*out_len = (size_t)n;
	return HF_OK;
}

hf_err hf_note_sign(const uint8_t *text, size_t text_len, const hf_note_signer *const *signers,
                    size_t n, uint64_t timestamp, uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	HF_ENSURE(n > 0 && n <= HF_NOTE_MAX_SIGS, HF_EINVAL);
	HF_ENSURE(text_ok(text, text_len), HF_ENOTE);
	HF_ENSURE(cap > text_len + 1, HF_ENOSPC);
	memcpy(out, text, text_len);
	size_t off = text_len;
	out[off++] = '\n';
	for (size_t i = 0; i < n; i++) {
		char line[HF_NOTE_MAX_LINE + 1];
		size_t ll;
		HF_ENSURE(signers[i] != NULL, HF_EINVAL);
		HF_TRY(hf_note_sign_line(signers[i], text, text_len, timestamp, line, sizeof(line),
		                         &ll));
		HF_ENSURE(cap - off >= ll, HF_ENOSPC);
		memcpy(out + off, line, ll);
		off += ll;
	}
	HF_ENSURE(off <= HF_NOTE_MAX_SIZE, HF_ETOOBIG);
	*out_len = off;
	return HF_OK;
}

/* ---- parsing and verifying -------------------------------------------------------------- */

hf_err hf_note_parse(const uint8_t *msg, size_t len, hf_note *out)
{
	out->text = NULL;
	out->text_len = 0;
	out->n_sigs = 0;
	HF_ENSURE(len <= HF_NOTE_MAX_SIZE, HF_ETOOBIG);
	HF_ENSURE(hfi_note_chars_ok(msg, len, true), HF_ENOTE);
	/* the last "\n\n" splits text (with its final "\n") from the signature block */
	size_t split = SIZE_MAX;
	for (size_t i = len; i >= 2; i--) {
		if (msg[i - 1] == '\n' && msg[i - 2] == '\n') {
			split = i - 2;
			break;
		}
	}
	HF_ENSURE(split != SIZE_MAX, HF_ENOTE);
	const uint8_t *sigs = msg + split + 2;
	size_t sl = len - split - 2;
	HF_ENSURE(sl > 0 && sigs[sl - 1] == '\n', HF_ENOTE);
	size_t n = 0;
	size_t i = 0;
	while (i < sl) {
		const uint8_t *nlp = memchr(sigs + i, '\n', sl - i);
		size_t ll = (size_t)(nlp - (sigs + i));
		const char *line = (const char *)(sigs + i);
		i += ll + 1;
		HF_ENSURE(ll > SIG_PREFIX_LEN && memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) == 0,
		          HF_ENOTE);
		line += SIG_PREFIX_LEN;
		ll -= SIG_PREFIX_LEN;
		const char *sp = memchr(line, ' ', ll);
		HF_ENSURE(sp != NULL, HF_ENOTE);
		size_t name_len = (size_t)(sp - line);
		HF_ENSURE(hf_note_name_valid(line, name_len), HF_ENOTE);
		HF_ENSURE(n < HF_NOTE_MAX_SIGS, HF_ENOTE);
		uint8_t raw[HF_NOTE_MAX_SIG_LEN];
		size_t rl = 0;
		HF_ENSURE(hfi_b64_decode(sp + 1, ll - name_len - 1, raw, sizeof(raw), &rl),
		          HF_ENOTE);
		HF_ENSURE(rl >= 5, HF_ENOTE);
		hf_note_sig *s = &out->sigs[n++];
		s->name = line;
		s->name_len = name_len;
		s->key_id = ((uint32_t)raw[0] << 24) | ((uint32_t)raw[1] << 16) |
		            ((uint32_t)raw[2] << 8) | raw[3];
		s->sig_len = rl - 4;
		memcpy(s->sig, raw + 4, rl - 4);
	}
	out->text = msg;
	out->text_len = split + 1;
	out->n_sigs = n;
	return HF_OK;
}

static hf_err verify_one(const hf_note_vkey *k, const hf_note_sig *s, const uint8_t *text,
                         size_t tl, uint64_t *ts_out)
{
	if (k->alg == HF_NOTE_ALG_ED25519) {
		HF_ENSURE(s->sig_len == 64, HF_ESIG);
		return hf_sign_verify(k->pk, text, tl, s->sig) == HF_OK ? HF_OK : HF_ESIG;
	}
	HF_ENSURE(k->alg == HF_NOTE_ALG_COSIG && s->sig_len == 8 + 64, HF_ESIG);
	uint64_t ts = 0;
	for (int i = 0; i < 8; i++)
		ts = (ts << 8) | s->sig[i];
	char hdr[64];
	int hl = cosig_header(ts, hdr, sizeof(hdr));
	HF_ENSURE(hl > 0 && (size_t)hl < sizeof(hdr), HF_EINTERNAL);
	uint8_t *m = malloc((size_t)hl + tl);
	HF_ENSURE(m != NULL, HF_ENOMEM);
	memcpy(m, hdr, (size_t)hl);
	memcpy(m + hl, text, tl);
	hf_err rc =
	    hf_sign_verify(k->pk, m, (size_t)hl + tl, s->sig + 8) == HF_OK ? HF_OK : HF_ESIG;
	free(m);
	if (rc == HF_OK && ts_out != NULL)
		*ts_out = ts;
	return rc;
}

hf_err hf_note_verify(const hf_note *n, const hf_note_vkey *keys, size_t n_keys, bool *verified,
                      uint64_t *timestamps)
{
	HF_ENSURE(keys != NULL || n_keys == 0, HF_EINVAL);
	if (verified != NULL)
		for (size_t k = 0; k < n_keys; k++)
			verified[k] = false;
	size_t ok = 0;
	bool *done = calloc(n_keys + 1, sizeof(bool));
	HF_ENSURE(done != NULL, HF_ENOMEM);
	hf_err rc = HF_OK;
	for (size_t i = 0; i < n->n_sigs && rc == HF_OK; i++) {
		const hf_note_sig *s = &n->sigs[i];
		for (size_t k = 0; k < n_keys; k++) {
			const hf_note_vkey *v = &keys[k];
			if (v->key_id != s->key_id || strlen(v->name) != s->name_len ||
			    memcmp(v->name, s->name, s->name_len) != 0)
				continue;
			if (done[k])
				break; /* repeated line of one key: ignored, as Go does */
			uint64_t ts = 0;
			rc = verify_one(v, s, n->text, n->text_len, &ts);
			if (rc != HF_OK)
				break;
			done[k] = true;
			ok++;
			if (verified != NULL)
				verified[k] = true;
			if (timestamps != NULL)
				timestamps[k] = v->alg == HF_NOTE_ALG_COSIG ? ts : 0;
			break;
		}
	}
	free(done);
	if (rc != HF_OK) {
		if (verified != NULL)
			for (size_t k = 0; k < n_keys; k++)
				verified[k] = false;
		return rc;
	}
	return ok > 0 ? HF_OK : HF_EUNSIGNED;
}

hf_err hf_note_open(const uint8_t *msg, size_t len, const hf_note_vkey *keys, size_t n_keys,
                    const uint8_t **text, size_t *text_len)
{
	hf_note *n = malloc(sizeof(*n));
	HF_ENSURE(n != NULL, HF_ENOMEM);
	hf_err rc = hf_note_parse(msg, len, n);
	if (rc == HF_OK)
		rc = hf_note_verify(n, keys, n_keys, NULL, NULL);
	if (rc == HF_OK) {
		if (text != NULL)
			*text = n->text;
		if (text_len != NULL)
			*text_len = n->text_len;
	}
	free(n);
	return rc;
}
