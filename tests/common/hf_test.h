#ifndef HF_TEST_H
#define HF_TEST_H

/* Helpers shared by unit tests and benches. Include after <cmocka.h> prerequisites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/*
 * Path of a file under ../shared/data (HF_SHARED_DATA, overridable with the
 * environment variable HF_SHARED_DATA). Returns false if it does not exist: the
 * caller then skips with hf_test_skip_missing(), which prints the reason.
 */
bool hf_test_shared_path(const char *rel, char *out, size_t out_size);
void hf_test_skip_missing(const char *rel);

/* Read a whole file (at most 256 MiB); returns NULL on failure. Free with free(). */
uint8_t *hf_test_read_file(const char *path, size_t *len);

/* Hex helpers; hf_test_unhex returns false on bad input. */
bool hf_test_unhex(const char *hex, uint8_t *out, size_t out_size, size_t *out_len);
void hf_test_hex(const uint8_t *in, size_t n, char *out /* 2n+1 */);

/* Deterministic test RNG (ChaCha20 keystream from a 32-bit seed), for hf_rng hooks. */
typedef struct hf_test_rng {
	uint8_t key[32];
	uint64_t counter;
} hf_test_rng;
void hf_test_rng_init(hf_test_rng *r, uint32_t seed);
void hf_test_rng_bytes(void *ctx, uint8_t *buf, size_t n);

/* Monotonic time in seconds. */
double hf_test_now(void);

#endif
