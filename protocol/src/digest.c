/*
 * MD5 + SHA-256 in one pass over the bytes. The input is fed in chunks that
 * stay in cache, each chunk to both digests, so a large file is read from
 * memory once rather than twice.
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "hashfed/digest.h"
#include "hf_check.h"

enum { CHUNK = 64 * 1024 };

struct hf_digest {
	EVP_MD_CTX *md5;
	EVP_MD_CTX *sha;
	int finished;
};

hf_err hf_digest_new(hf_digest **out)
{
	hf_err rc = HF_ENOMEM;
	hf_digest *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL) {
		goto out;
	}
	d->md5 = EVP_MD_CTX_new();
	d->sha = EVP_MD_CTX_new();
	if (d->md5 == NULL || d->sha == NULL) {
		goto out;
	}
	rc = HF_ECRYPTO;
	if (EVP_DigestInit_ex(d->md5, EVP_md5(), NULL) != 1 ||
	    EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL) != 1) {
		goto out;
	}
	*out = d;
	d = NULL;
	rc = HF_OK;
out:
	hf_digest_free(d);
	return rc;
}

hf_err hf_digest_update(hf_digest *d, const void *data, size_t len)
{
	const uint8_t *p = data;

	HF_ENSURE(!d->finished, HF_EINVAL);
	HF_ENSURE(data != NULL || len == 0, HF_EINVAL);
	while (len > 0) {
		size_t n = len < CHUNK ? len : CHUNK;
		HF_ENSURE(EVP_DigestUpdate(d->md5, p, n) == 1, HF_ECRYPTO);
		HF_ENSURE(EVP_DigestUpdate(d->sha, p, n) == 1, HF_ECRYPTO);
		p += n;
		len -= n;
	}
	return HF_OK;
}

hf_err hf_digest_final(hf_digest *d, hf_digests *out)
{
	unsigned n1 = 0, n2 = 0;

	HF_ENSURE(!d->finished, HF_EINVAL);
	d->finished = 1;
	HF_ENSURE(EVP_DigestFinal_ex(d->md5, out->md5, &n1) == 1 && n1 == HF_MD5_LEN, HF_ECRYPTO);
	HF_ENSURE(EVP_DigestFinal_ex(d->sha, out->sha256, &n2) == 1 && n2 == HF_SHA256_LEN,
	          HF_ECRYPTO);
	return HF_OK;
}

void hf_digest_free(hf_digest *d)
{
	if (d == NULL) {
		return;
	}
	EVP_MD_CTX_free(d->md5);
	EVP_MD_CTX_free(d->sha);
	free(d);
}

hf_err hf_digest_buf(const void *data, size_t len, hf_digests *out)
{
	hf_digest *d = NULL;
	hf_err rc;

	HF_ENSURE(data != NULL || len == 0, HF_EINVAL);
	HF_CHECK(hf_digest_new(&d));
	HF_CHECK(hf_digest_update(d, data, len));
	HF_CHECK(hf_digest_final(d, out));
out:
	hf_digest_free(d);
	return rc;
}

void hf_hex_lower(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
