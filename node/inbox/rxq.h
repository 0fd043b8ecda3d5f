#ifndef HF_NODE_RXQ_H
#define HF_NODE_RXQ_H

/*
 * Received envelopes handed from the transport threads to the main loop, which
 * commits them to the inbox and applies them in one transaction (group commit:
 * every message waiting at that moment shares one synchronous=FULL commit), then
 * releases the waiting threads, which reply to their peers only now. So a message
 * is acknowledged only once it is on disk, as before, but a hop costs one commit
 * instead of two (inbox insert, then apply) and the main loop is the single writer.
 *
 * Items are owned by their submitter; the queue only links them. A submitter either waits
 * for its item (hf_rxq_wait: the item may live on its stack) or gives it a done callback
 * and goes on: the main loop then calls done (outside the queue's lock) once the result is
 * final, and done owns the item from then on (replies to the peer, frees it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/err.h"
#include "inbox/msg.h"

typedef struct hf_rx_item {
	struct hf_rx_item *next;
	const hf_in_msg *msg; /* opened, checked and decoded by the receiving thread */
	int64_t seq;          /* main loop: its inbox row (0: not inserted) */
	/* Set by the main loop: HF_OK, HF_EREPLAY, a store error (the sender retries) or, for a
	 * message committed and then refused by its handler, that refusal. */
	hf_err result;
	bool refused; /* result is a handler's refusal (already counted) */
	bool done;
	/* NULL: the submitter waits (hf_rxq_wait). Otherwise called once by hf_rxq_finish. */
	void (*on_done)(struct hf_rx_item *it);
} hf_rx_item;

typedef struct hf_rxq hf_rxq;

/* NULL on allocation failure. */
hf_rxq *hf_rxq_new(void);
/* NULL-safe. The queue must be closed and empty. */
void hf_rxq_free(hf_rxq *q);
/* Transport thread: queues it (the caller then wakes the main loop and calls hf_rxq_wait).
 * false, without queueing, if the queue is closed: the caller commits the message itself. */
bool hf_rxq_submit(hf_rxq *q, hf_rx_item *it);
/* Transport thread: waits until the main loop has finished it (it->result is final). */
void hf_rxq_wait(hf_rxq *q, hf_rx_item *it);
/* Main loop: takes every queued item (oldest first), NULL if none. */
hf_rx_item *hf_rxq_take(hf_rxq *q);
/* Main loop: the items' results are final (committed or failed): wakes their threads, or
 * calls their on_done (after which the item may be gone). */
void hf_rxq_finish(hf_rxq *q, hf_rx_item *list);
/* Refuses new items from now on; returns what is still queued (to be finished by the
 * caller). */
hf_rx_item *hf_rxq_close(hf_rxq *q);

#endif
