#ifndef HASHFED_DIGEST_PORTABLE_H
#define HASHFED_DIGEST_PORTABLE_H

/*
 * MD5 (RFC 1321) and SHA-256 (FIPS 180-4) in plain C, for builds without
 * OpenSSL: the intake page's WebAssembly hasher (node/intake/web/) compiles
 * this file, the native library uses OpenSSL (digest.c). test_digest_portable
 * checks both agree on random inputs of every length class.
 */

#include <stddef.h>
#include <stdint.h>

typedef struct hfp_md5 {
	uint32_t s[4];
	uint64_t len; /* bytes fed */
	uint8_t buf[64];
} hfp_md5;

typedef struct hfp_sha256 {
	uint32_t s[8];
	uint64_t len;
	uint8_t buf[64];
} hfp_sha256;

void hfp_md5_init(hfp_md5 *c);
void hfp_md5_update(hfp_md5 *c, const uint8_t *p, size_t n);
void hfp_md5_final(hfp_md5 *c, uint8_t out[16]);

void hfp_sha256_init(hfp_sha256 *c);
void hfp_sha256_update(hfp_sha256 *c, const uint8_t *p, size_t n);
void hfp_sha256_final(hfp_sha256 *c, uint8_t out[32]);

#endif
