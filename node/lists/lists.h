#ifndef HFN_LISTS_H
#define HFN_LISTS_H

/*
 * The lists engine (spec §12): issuer side (create, add, remove, entitle +
 * snapshot) and platform side (apply batches in order along the chain, park
 * and pull on a gap, apply snapshots, serve pulls from stored batches).
 * Main thread only (uses n->store). Each state change is one transaction.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashfed/list.h"
#include "core/node.h"
#include "inbox/msg.h"

/* Creates a list we issue and publishes batch 1 (metadata, no entries).
 * Errors: HF_EINVAL, HF_EEXIST (name taken), HF_EUNKNOWNMEMBER / HF_EROLE (a platform id that
 * is not a platform in the manifest), HF_EROLE (we are not an authority). */
hf_err hfn_lists_create(hfn_node *n, const char *name, uint32_t category, uint32_t algs,
                        const uint8_t (*platforms)[HF_MEMBER_ID_LEN], size_t n_platforms,
                        hf_list_id *id_out) HF_MUST_CHECK;

/* Adds entries (ids are assigned: *first_id, +1, ...), one batch per
 * HF_LIST_MAX_BATCH_ENTRIES. *last_batch gets the last batch number.
 * Errors: HF_ENOTFOUND (not our list), HF_ERANGE (alg not in the list / quality). */
hf_err hfn_lists_add(hfn_node *n, const hf_list_id *id, const hf_list_entry *e, size_t count,
                     uint64_t *first_id, uint64_t *last_batch) HF_MUST_CHECK;

/* Tombstones entries (ids sorted and deduplicated here). HF_ENOTFOUND if an id is not live. */
hf_err hfn_lists_remove(hfn_node *n, const hf_list_id *id, uint64_t *ids, size_t count,
                        uint64_t *batch) HF_MUST_CHECK;

/* Entitles a platform (or re-sends after a key rotation): a snapshot sealed to it. */
hf_err hfn_lists_entitle(hfn_node *n, const hf_list_id *id,
                         const uint8_t member[HF_MEMBER_ID_LEN]) HF_MUST_CHECK;

/* Inbox handlers (inbox/msg.h), inside the inbox transaction. */
hfn_in_handler_fn hfn_lists_on_batch HF_MUST_CHECK;
hfn_in_handler_fn hfn_lists_on_snapshot HF_MUST_CHECK;
hfn_in_handler_fn hfn_lists_on_pull HF_MUST_CHECK;
hfn_in_handler_fn hfn_lists_on_ack HF_MUST_CHECK;

/* Anti-entropy: for every list we follow, asks issuer and platforms for batches after ours. */
hf_err hfn_lists_pull_all(hfn_node *n) HF_MUST_CHECK;
/* Sends the start-up hello (a pull of the all-zero list id, spec §12.5) to every
 * authority and platform. */
hf_err hfn_lists_hello(hfn_node *n) HF_MUST_CHECK;

/* Case pseudonym: keyed BLAKE2b-128 of the issuer's case reference (node-local key). */
void hfn_lists_pseudonym(const hfn_node *n, const char *case_ref, size_t len,
                         uint8_t out[HF_PSEUDONYM_LEN]);

#endif
