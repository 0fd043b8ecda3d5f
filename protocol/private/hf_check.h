/*
 * hf_check.h — early-return and cleanup helpers shared by the library, the node and the
 * tools. Not installed: a library user's code has its own conventions, and a macro that
 * jumps to a label named `out` must not leak into their namespace.
 */
#ifndef HF_CHECK_H
#define HF_CHECK_H

#include "hashfed/err.h"

/* Early-return helpers for pure functions that own nothing (s2n style). */
#define HF_TRY(expr)                                                                               \
	do {                                                                                       \
		hf_err hf_try_rc_ = (expr);                                                        \
		if (hf_try_rc_ != HF_OK)                                                           \
			return hf_try_rc_;                                                         \
	} while (0)
#define HF_ENSURE(cond, err)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return (err);                                                              \
	} while (0)
/* Inside a function with `hf_err rc` and an `out:` label. */
#define HF_CHECK(expr)                                                                             \
	do {                                                                                       \
		rc = (expr);                                                                       \
		if (rc != HF_OK)                                                                   \
			goto out;                                                                  \
	} while (0)

#endif
