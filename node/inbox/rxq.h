#ifndef HFN_RXQ_H
#define HFN_RXQ_H

/*
 * Received envelopes handed from the transport threads to the main loop, which
 * commits them to the inbox and applies them in one transaction (group commit:
 * every message waiting at that moment shares one synchronous=FULL commit), then
 * releases the waiting threads, which reply to their peers only now. So a message
 * is acknowledged only once it is on disk, as before, but a hop costs one commit
 * instead of two (inbox insert, then apply) and the main loop is the single writer.
 *
 * Items are owned by their submitter; the queue only links them. A submitter either waits
 * for its item (hfn_rxq_wait: the item may live on its stack) or gives it a done callback
 * and goes on: the main loop then calls done (outside the queue's lock) once the result is
 * final, and done owns the item from then on (replies to the peer, frees it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "inbox/msg.h"

typedef struct hfn_rx_item {
	struct hfn_rx_item *next;
	const hfn_in_msg *msg; /* opened, checked and decoded by the receiving thread */
	int64_t seq;           /* main loop: its inbox row (0: not inserted) */
	/* Set by the main loop: HF_OK, HF_EREPLAY, a store error (the sender retries) or, for a
	 * message committed and then refused by its handler, that refusal. */
	hf_err result;
	bool refused; /* result is a handler's refusal (already counted) */
	bool done;
	/* NULL: the submitter waits (hfn_rxq_wait). Otherwise called once by hfn_rxq_finish. */
	void (*on_done)(struct hfn_rx_item *it);
} hfn_rx_item;

typedef struct hfn_rxq hfn_rxq;

/* NULL on allocation failure. */
hfn_rxq *hfn_rxq_new(void);
/* NULL-safe. The queue must be closed and empty. */
void hfn_rxq_free(hfn_rxq *q);
/* Transport thread: queues it (the caller then wakes the main loop and calls hfn_rxq_wait).
 * false, without queueing, if the queue is closed: the caller commits the message itself. */
bool hfn_rxq_submit(hfn_rxq *q, hfn_rx_item *it);
/* Transport thread: waits until the main loop has finished it (it->result is final). */
void hfn_rxq_wait(hfn_rxq *q, hfn_rx_item *it);
/* Main loop: takes every queued item (oldest first), NULL if none. */
hfn_rx_item *hfn_rxq_take(hfn_rxq *q);
/* Main loop: the items' results are final (committed or failed): wakes their threads, or
 * calls their on_done (after which the item may be gone). */
void hfn_rxq_finish(hfn_rxq *q, hfn_rx_item *list);
/* Refuses new items from now on; returns what is still queued (to be finished by the
 * caller). */
hfn_rx_item *hfn_rxq_close(hfn_rxq *q);

#endif
