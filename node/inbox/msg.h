#ifndef HFN_INBOX_MSG_H
#define HFN_INBOX_MSG_H

/*
 * One received message as the inbox hands it to its handler (inbox.c): opened once
 * (signature verified, body decrypted), its sender's role checked, its body decoded
 * once. Everything here is a view: the envelope, the opened body and what the decoded
 * body points into stay alive until the handler returns.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashfed/envelope.h"
#include "hashfed/list.h"
#include "hashfed/manifest.h"
#include "hashfed/match_report.h"
#include "hashfed/order.h"

typedef struct hfn_in_msg {
	const hf_envelope_header *h; /* verified header */
	const uint8_t *sender;       /* member id, HF_MEMBER_ID_LEN bytes */
	const uint8_t *env;          /* the envelope as received (stored by some handlers) */
	size_t env_len;
	const uint8_t *body; /* the opened body */
	size_t body_len;
	union {
		hf_list_batch batch;
		hf_list_snapshot snapshot;
		hf_list_pull pull;
		hf_list_ack ack;
		hf_match_report report;
		hf_order_msg order; /* the six order types (spec §13) */
	} u;
} hfn_in_msg;

/* What a handler made of a message: final (its status recorded), or parked until a
 * batch of the same list is applied (hfn_store_inbox_unpark). */
typedef enum { HFN_DONE, HFN_PARK } hfn_disp;

/*
 * A handler applies one message inside the inbox transaction (its own savepoint).
 * *status gets the message's fate: HF_OK or the refusal (HF_EROLE, HF_ESTATE, ...),
 * recorded in the inbox row and replied to the sender. The return value is HF_OK, or an
 * error that undoes everything the handler did: an I/O or internal error (HF_EDB,
 * HF_ENOMEM: the row is tried again, a bounded number of times) or any other code,
 * which becomes the message's final refusal.
 */
struct hfn_node;
typedef hf_err hfn_in_handler_fn(struct hfn_node *n, const hfn_in_msg *m, hfn_disp *disp,
                                 hf_err *status);
typedef hfn_in_handler_fn *hfn_in_handler;

#endif
