#ifndef HFN_INTAKE_H
#define HFN_INTAKE_H

/*
 * Victim intake engine (issue 15, docs/intake.md). A report arrives from the
 * public page with hashes computed on the reporter's device (never the file),
 * URLs and a contact; it becomes a case in the counselors' queue with a
 * node-local case reference. Counselors turn a case into list entries and a
 * takedown order (the lists and orders engines), see when other authorities'
 * lists held by this node already contain the same content (the match index;
 * issuer, list and time, never their case), and refer the case to another
 * authority (spec §13.6a). Main thread only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/node.h"
#include "hashfed/limits.h"

/* Public endpoint's abuse controls ([intake], intake_cfg.h): a token bucket per client
 * address (burst reports, then one per refill_ms) and a cap on the reports the whole node
 * accepts per hour (max_per_hour). */
#define HFN_INTAKE_RL_SLOTS     1024u
#define HFN_INTAKE_MAX_HINTS    100u
#define HFN_INTAKE_FRAME_DEDUP  10u /* a video frame this close to a kept one is not listed */
#define HFN_INTAKE_RECEIPT_LEN  14u /* "XXXX-XXXX-XXXX" */
#define HFN_INTAKE_MAX_NOTE_LEN 4096u
#define HFN_INTAKE_MAX_NOTES    200u

/* True if the client (an address string) may submit now under c; takes a token. */
bool hfn_intake_rate_ok(const hfn_intake_cfg *c, const char *client, uint64_t now_ms);

/* Stores a parsed report (hfn_intake_parse) as a new case. receipt gets the
 * reporter's receipt number. Errors: HF_EROLE (not an authority), HF_ETOOBIG
 * (the node's hourly cap is reached), HF_EDB. */
hf_err hfn_intake_submit(hfn_node *n, json_t *report, char receipt[HFN_INTAKE_RECEIPT_LEN + 1],
                         int64_t *id) HF_MUST_CHECK;

/* A case as JSON for the counselor: with full, also the report, actions and
 * the cross-agency hints. NULL on allocation or store failure (*rc says). */
json_t *hfn_intake_case_json(hfn_node *n, int64_t id, bool full, hf_err *rc);
/* Every case (status NULL = all), newest first, summaries. */
json_t *hfn_intake_cases_json(hfn_node *n, const char *status, size_t limit, hf_err *rc);

/* Sets the status (NULL: unchanged) and/or appends a note (NULL: none).
 * Errors: HF_ENOTFOUND, HF_EINVAL (unknown status, note too long). */
hf_err hfn_intake_update(hfn_node *n, int64_t id, const char *status,
                         const char *note) HF_MUST_CHECK;

/* Adds the case's hashes to one of our lists (image PDQ of quality >= 50,
 * MD5, SHA-256; each distinct video frame's PDQ; each video as one vPDQ entry), as the list's
 * algorithms allow, under the case's pseudonym. Errors: HF_ENOTFOUND, HF_EROLE (not our list),
 * HF_ERANGE (no hash fits the list), the lists engine's. */
hf_err hfn_intake_to_list(hfn_node *n, int64_t id, const hf_list_id *list, uint32_t category,
                          uint64_t *first, uint64_t *count) HF_MUST_CHECK;

/* Sends a takedown order for the case's URLs to platform (items refer to the
 * entries the case added to lists). Errors: HF_ENOTFOUND, HF_EINVAL (no URLs),
 * the orders engine's. */
typedef struct hfn_intake_order {
	uint8_t platform[HF_MEMBER_ID_LEN];
	uint32_t category;
	uint64_t deadline_in_ms;
	const char *legal_basis;
	const char *note;
} hfn_intake_order;
hf_err hfn_intake_to_order(hfn_node *n, int64_t id, const hfn_intake_order *o,
                           hf_order_id *order_id) HF_MUST_CHECK;

/* Refers the case (its pseudonym and its orders) to another authority.
 * category 0: that of the case's first order, else 1. */
hf_err hfn_intake_refer(hfn_node *n, int64_t id, const uint8_t to[HF_MEMBER_ID_LEN],
                        uint32_t category, const char *note,
                        hf_order_id *referral_id) HF_MUST_CHECK;

#endif
