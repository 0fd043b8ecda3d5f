#ifndef HF_NODE_OPEN_CACHE_H
#define HF_NODE_OPEN_CACHE_H

/*
 * Verified envelopes handed from the transport threads to the inbox (main loop),
 * so a message is opened (signature verify + decrypt) once instead of twice.
 *
 * An entry is put only after hf_node_receive has verified the envelope and
 * committed it to the inbox. It is used only for the very same envelope bytes
 * (compared in full) opened under the same manifest (generation counter, bumped on
 * every reload) and while the envelope has not expired; anything else falls back to
 * a full open. Bounded (HF_OPEN_CACHE_MAX entries and HF_OPEN_CACHE_MAX_BYTES
 * of envelopes, oldest dropped): a miss only costs
 * the second open. The plaintext stays in memory only, as it did during the open.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashfed/envelope.h"
#include "hashfed/manifest.h"

#define HF_OPEN_CACHE_MAX       4096
#define HF_OPEN_CACHE_MAX_BYTES (32u << 20) /* envelopes held, at most */

typedef struct hf_open_cache hf_open_cache;

/* NULL on allocation failure. */
hf_open_cache *hf_open_cache_new(void);
/* Frees every entry; NULL is a no-op. */
void hf_open_cache_free(hf_open_cache *c);
/* Any thread. Takes ownership of o (freed at once if it cannot be kept). */
void hf_open_cache_put(hf_open_cache *c, uint64_t manifest_gen, const uint8_t *env, size_t len,
                       hf_opened *o, const uint8_t sender[HF_MEMBER_ID_LEN]);
/* Any thread. On a hit (same bytes, same manifest generation, not expired at now_ms)
 * removes the entry, gives its ownership to *o and returns true. */
bool hf_open_cache_take(hf_open_cache *c, uint64_t manifest_gen, uint64_t now_ms,
                        const uint8_t *env, size_t len, hf_opened **o,
                        uint8_t sender[HF_MEMBER_ID_LEN]);

#endif
