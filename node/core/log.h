#ifndef HFN_LOG_H
#define HFN_LOG_H

/*
 * JSON-lines logging on stderr: one object per line with ts (unix ms), level,
 * event, and the caller's extra fields. Thread-safe (one write(2) per line).
 */
#include <stdint.h>

#include "hashfed/err.h"

typedef enum hfn_log_level {
	HFN_LOG_DEBUG = 0,
	HFN_LOG_INFO = 1,
	HFN_LOG_WARN = 2,
	HFN_LOG_ERROR = 3,
} hfn_log_level;

/* Sets the threshold; "debug" | "info" | "warn" | "error" (HF_ECONFIG otherwise). */
hf_err hfn_log_set_level(const char *name) HF_MUST_CHECK;
/*
 * Logs event with extra fields given as key/value string pairs, NULL
 * terminated: hfn_log(HFN_LOG_INFO, "batch_applied", "list", hex, "n", "3", NULL).
 * Values are JSON-escaped; a value starting with '#' is written raw (numbers).
 */
void hfn_log(hfn_log_level level, const char *event, ...) __attribute__((sentinel));
/* Unix time in milliseconds (plus the test offset, if one was set). */
uint64_t hfn_now_ms(void);
/* Tests only: shifts hfn_now_ms by ms (orders_cfg.h test_clock). Call before threads start. */
void hfn_clock_set_test_offset(int64_t ms);
/* Lower-case hex of n bytes into out (2n + 1). */
void hfn_hex(const uint8_t *p, size_t n, char *out);
/* Parses exactly n bytes of hex; HF_EPARSE otherwise. */
hf_err hfn_unhex(const char *s, uint8_t *out, size_t n) HF_MUST_CHECK;

#endif
