#ifndef HASHFED_COMMON_H
#define HASHFED_COMMON_H

/* Shared attribute macros for the public API. Public headers include only
 * <stdint.h>, <stddef.h> and <stdbool.h>. */

#if defined(HF_BUILDING_LIBRARY)
#define HF_API __attribute__((visibility("default")))
#else
#define HF_API
#endif

#define HF_MUST_CHECK   __attribute__((warn_unused_result))
#define HF_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))

#endif
