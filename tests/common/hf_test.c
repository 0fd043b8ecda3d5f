#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "hf_test.h"

bool hf_test_shared_path(const char *rel, char *out, size_t out_size)
{
	const char *base = getenv("HF_SHARED_DATA");
	if (base == NULL || base[0] == '\0')
		base = HF_SHARED_DATA;
	int n = snprintf(out, out_size, "%s/%s", base, rel);
	if (n < 0 || (size_t)n >= out_size)
		return false;
	struct stat st;
	return stat(out, &st) == 0;
}

void hf_test_skip_missing(const char *rel)
{
	fprintf(stderr,
	        "skipped: reference data %s not found under ../shared/data "
	        "(a user's clone has no ../shared; set HF_SHARED_DATA to run this test)\n",
	        rel);
}

uint8_t *hf_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto out;
	long n = ftell(f);
	if (n < 0 || n > (256L << 20))
		goto out;
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL)
		goto out;
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = 0;
	*len = (size_t)n;
out:
	fclose(f);
	return buf;
}

bool hf_test_unhex(const char *hex, uint8_t *out, size_t out_size, size_t *out_len)
{
	size_t bin_len = 0;
	if (sodium_hex2bin(out, out_size, hex, strlen(hex), NULL, &bin_len, NULL) != 0)
		return false;
	if (out_len != NULL)
		*out_len = bin_len;
	return true;
}

void hf_test_hex(const uint8_t *in, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

void hf_test_rng_init(hf_test_rng *r, uint32_t seed)
{
	memset(r, 0, sizeof(*r));
	r->key[0] = (uint8_t)seed;
	r->key[1] = (uint8_t)(seed >> 8);
	r->key[2] = (uint8_t)(seed >> 16);
	r->key[3] = (uint8_t)(seed >> 24);
}

void hf_test_rng_bytes(void *ctx, uint8_t *buf, size_t n)
{
	hf_test_rng *r = ctx;
	uint8_t nonce[8];
	for (int i = 0; i < 8; i++)
		nonce[i] = (uint8_t)(r->counter >> (8 * i));
	crypto_stream_chacha20(buf, n, nonce, r->key);
	r->counter++;
}

double hf_test_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
