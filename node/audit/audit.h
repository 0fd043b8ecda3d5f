#ifndef HFN_AUDIT_H
#define HFN_AUDIT_H

/*
 * The audit engine (issue 13, spec §15 and §16). Three jobs, by role:
 *
 *  - every sender: each logged message it seals (hf_audit_type_logged) leaves
 *    its public header in audit_outq, in the transaction that queues the
 *    message; the tick sends them in AUDIT_SUBMIT batches to every auditor and
 *    keeps the AUDIT_RECEIPT (checkpoint + inclusion proof) that comes back;
 *  - the auditor (the log operator): queues submitted headers, integrates them
 *    every [audit] batch_ms in one transaction per batch (leaves, tiles,
 *    checkpoint signed with its manifest signing key), asks the witnesses to
 *    cosign, and once a quorum has, sends the receipts and the cosigned
 *    checkpoint to every member;
 *  - witnesses verify a consistency proof from the checkpoint they last
 *    cosigned and add a cosignature/v1 line; every node keeps the checkpoints it
 *    verified (log signature + quorum), gossips its newest to its peers, and
 *    raises an alarm (log line, audit_alarms counter, AUDIT_ALARM to every
 *    auditor, both notes kept) on two checkpoints it cannot prove consistent.
 *
 * Main thread only (n->store), except hfn_audit_check_header (any thread).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit_cfg.h"
#include "core/node.h"
#include "hashfed/checkpoint.h"
#include "hashfed/envelope.h"

hf_err hfn_audit_start(hfn_node *n) HF_MUST_CHECK;
void hfn_audit_stop(hfn_node *n);

/* Inside the transaction that queues env: records its header for every auditor when the
 * type is logged. */
hf_err hfn_audit_note_sent(hfn_node *n, const uint8_t *env, size_t len) HF_MUST_CHECK;

/* Inbox handler for types 48..53 (inbox/msg.h; inside the inbox transaction). */
#include "inbox/msg.h"
hfn_in_handler_fn hfn_audit_on_message HF_MUST_CHECK;
/* Decodes an audit body (HF_EMSGTYPE for other types). */
hf_err hfn_audit_body_check(uint32_t type, const uint8_t *body, size_t len) HF_MUST_CHECK;
/* Inbox hook after a message of a peer was applied: a logged type is queued for a query to
 * the logs (its receipt proves it was logged, and when). */
hf_err hfn_audit_received(hfn_node *n, const hf_envelope_header *h, const uint8_t *env,
                          size_t len) HF_MUST_CHECK;
/* Role a sender needs for an audit type (manifest read-locked by the caller). */
hf_err hfn_audit_role(const hf_manifest *m, const hf_member *mb, const hf_envelope_header *h);

/* The periodic work: submissions, integration, gossip. */
void hfn_audit_tick(hfn_node *n);
/* Auditor: integrates what is queued now (one batch); *appended = leaves added. */
hf_err hfn_audit_integrate(hfn_node *n, uint64_t *appended) HF_MUST_CHECK;

/* The verification policy for the log run by auditor member `log` (origin, log key, the
 * manifest's witnesses, the configured quorum). */
hf_err hfn_audit_policy(hfn_node *n, const uint8_t log[HF_MEMBER_ID_LEN],
                        hf_log_policy *p) HF_MUST_CHECK;
/* "hashfed.log/<federation hex>/<member hex>": the origin (and log key name) of a log. */
void hfn_audit_origin(const hf_fed_id *fed, const uint8_t log[16], char out[96]);

/* Figures for /v1/audit/status, the dashboard and /metrics. */
typedef struct hfn_audit_status {
	bool operator;      /* we run a log */
	uint64_t size;      /* operator: leaves */
	uint64_t queued;    /* operator: headers waiting for the next batch */
	uint64_t published; /* operator: size of the newest checkpoint with quorum */
	uint64_t last_ms;   /* operator: when the newest checkpoint was signed */
	uint32_t cosigners; /* operator: valid cosignatures on the newest checkpoint */
	uint64_t receipts;  /* receipts we hold */
	uint64_t waiting;   /* messages (ours or received) still without a receipt */
	uint64_t alarms;    /* split-view alarms recorded */
	uint64_t seen;      /* largest size of a verified checkpoint of any log we hold */
} hfn_audit_status;
hf_err hfn_audit_get_status(hfn_node *n, hfn_audit_status *st) HF_MUST_CHECK;

/* Inclusion proof of leaf idx against the tree of `size` (operator). proof: room for
 * HF_MERKLE_MAX_PROOF hashes. */
hf_err hfn_audit_inclusion(hfn_node *n, uint64_t idx, uint64_t size,
                           uint8_t (*proof)[HF_MERKLE_HASH_LEN], size_t *n_proof) HF_MUST_CHECK;
hf_err hfn_audit_consistency(hfn_node *n, uint64_t size1, uint64_t size2,
                             uint8_t (*proof)[HF_MERKLE_HASH_LEN], size_t *n_proof) HF_MUST_CHECK;
/* Hash tile t of the current tree (operator): t->width * 32 bytes into out (8192). */
struct hf_tile_ref;
hf_err hfn_audit_tile(hfn_node *n, const struct hf_tile_ref *t, uint8_t *out,
                      size_t *len) HF_MUST_CHECK;

#endif
