#ifndef HFN_NODE_H
#define HFN_NODE_H

/*
 * The node: identity, membership manifest, store, transport, event loop.
 * Engines (lists.c) and the API (api.c) use it through these functions.
 *
 * Threads: the libevent loop (main thread) owns n->store and runs the
 * engines and the API. Transport threads own their own store connections and
 * read the manifest under n->mlock (read side); SIGHUP replaces it under the
 * write side.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "hashfed/envelope.h"
#include "hashfed/identity.h"
#include "hashfed/manifest.h"
#include "store/store.h"
#include "net/transport.h"

struct event_base;
struct event;

typedef struct hfn_node {
	hfn_config cfg;
	char db_path[HFN_PATH_MAX + 16];
	hf_identity *id;
	uint8_t pseudonym_key[32]; /* keys case pseudonyms; never leaves the node */
	pthread_rwlock_t mlock;
	hf_manifest *manifest;
	uint64_t manifest_gen;   /* under mlock: bumped on every (re)load */
	void *rxq;               /* rxq.h: verified envelopes waiting for the main loop's commit */
	void *inbox;             /* inbox.c: rows that failed transiently, and how often */
	struct hfn_after *after; /* actions waiting for the current transaction's commit */
	size_t n_after, cap_after;
	uint8_t self[HF_MEMBER_ID_LEN];
	uint32_t self_roles;
	hfn_store *store; /* main thread only */
	hfn_transport *tr;
	struct event_base *base;
	struct event *wake; /* activated by transport threads: inbox has news */
	struct event *tick; /* periodic: inbox, pulls */
	struct event *sig_term, *sig_int, *sig_hup;
	void *api;
	void *match;  /* match.c: the platform-side matcher */
	void *orders; /* orders.c engine state */
	void *audit;  /* audit/audit.c engine state */
	/* Called by hfn_node_seal for every envelope it made (the audit engine records the
	 * header of logged types, inside the caller's transaction); may be NULL. */
	hf_err (*on_sealed)(struct hfn_node *n, const uint8_t *env, size_t len);
	uint64_t last_pull_ms;
	uint64_t msgs_out; /* envelopes queued since start (engines add to it) */
	int lock_fd;       /* data_dir/node.lock, held while running (datadir.h); -1 if not */
} hfn_node;

/* Loads <dir>/node.key as written by `hashfed-keys new-node` (unencrypted). Errors as
 * hfn_keyio_load_identity (HF_EPERM if group/other may read it, HF_EAUTH if encrypted),
 * HF_EBADKEY if it is not a node key. */
hf_err hfn_node_load_identity(const char *dir, hf_identity **out) HF_MUST_CHECK;

/* Loads cfg.manifest: decode, verify against its roots, find ourselves by our signing key
 * (HF_EUNKNOWNMEMBER). With a manifest already held, the update rule applies (HF_EEPOCH...). */
hf_err hfn_node_load_manifest(hfn_node *n) HF_MUST_CHECK;

/* Opens everything (identity, manifest, store, transport, loop). */
hf_err hfn_node_init(hfn_node *n, const hfn_config *cfg) HF_MUST_CHECK;
/* Runs the loop until SIGTERM/SIGINT. */
hf_err hfn_node_run(hfn_node *n) HF_MUST_CHECK;
void hfn_node_fini(hfn_node *n);

/*
 * Seals body to the current encryption keys of members (all must exist and hold a
 * valid key: HF_EUNKNOWNMEMBER / HF_EKEYEXPIRED). msg_id receives the id.
 */
hf_err hfn_node_seal(hfn_node *n, uint32_t type, const uint8_t (*members)[HF_MEMBER_ID_LEN],
                     size_t n_members, const hf_audit_header *audit, uint64_t lifetime_ms,
                     const uint8_t *body, size_t len, hf_msg_id *msg_id, uint8_t **env,
                     size_t *env_len) HF_MUST_CHECK;

/* Opens env addressed to us and returns the sender's member id and roles. */
hf_err hfn_node_open(hfn_node *n, const uint8_t *env, size_t len, hf_opened **out,
                     uint8_t sender[HF_MEMBER_ID_LEN]) HF_MUST_CHECK;
/* The same with the caller's store connection s (its thread's): a message of a revoked key
 * opens if the audit log proves it was logged before the revocation (spec §5.6 step 3,
 * §15.6); HF_EPROOFPENDING while that proof is being asked for. */
struct hfn_store;
hf_err hfn_node_open_at(hfn_node *n, struct hfn_store *s, const uint8_t *env, size_t len,
                        hf_opened **out, uint8_t sender[HF_MEMBER_ID_LEN]) HF_MUST_CHECK;

/* Whether member holds one of the encryption key ids among hdr's recipients. */
bool hfn_node_member_is_recipient(hfn_node *n, const uint8_t member[HF_MEMBER_ID_LEN],
                                  const hf_envelope_header *hdr);

/* Members (other than us) with any of the role bits and a valid encryption key now; fills up
 * to max, returns count. */
size_t hfn_node_members_with(hfn_node *n, uint32_t roles, uint8_t (*out)[HF_MEMBER_ID_LEN],
                             size_t max);

/*
 * Actions that must happen once, and only once the current transaction has committed (the
 * "order arrived" webhook): queued inside it, run by whoever commits it (the inbox pass)
 * with hfn_node_after_run, dropped with hfn_node_after_drop when it (or the savepoint taken
 * at mark) is rolled back. drop (may be NULL) frees arg when the action is dropped; run
 * frees it when it runs. HF_ENOMEM if it cannot be queued.
 */
typedef void (*hfn_after_fn)(hfn_node *n, void *arg);
hf_err hfn_node_after_commit(hfn_node *n, hfn_after_fn run, void (*drop)(void *arg),
                             void *arg) HF_MUST_CHECK;
/* How many actions are queued: a savepoint's mark. */
size_t hfn_node_after_mark(const hfn_node *n);
/* Drops the actions queued since mark (0: all). */
void hfn_node_after_drop(hfn_node *n, size_t mark);
/* Runs every queued action in order and empties the queue. */
void hfn_node_after_run(hfn_node *n);

/* Ends the transaction that queued messages to peers (rc: how its work went): HF_OK
 * commits it and wakes the sender; any other rc, or a failed commit, rolls it back.
 * Returns rc or the commit's failure. */
hf_err hfn_node_end_send(hfn_node *n, hf_err rc) HF_MUST_CHECK;

/* Counts a rejected message: log line with the code name + per-peer counter. */
void hfn_node_reject(hfn_node *n, hfn_store *s, const uint8_t *peer, const char *what, hf_err code);

#endif
