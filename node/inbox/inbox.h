#ifndef HFN_INBOX_H
#define HFN_INBOX_H

/*
 * The inbox (spec §12, §13, §14): the one way in for messages from peers.
 *
 * hfn_inbox_receive runs on transport threads: it opens an envelope once (manifest,
 * signature, recipient, time), checks the sender's role and decodes the body once, hands
 * the decoded message to the main loop (rxq.h), which commits it to the inbox and applies
 * it in one transaction together with every other message waiting then, and replies to
 * the peer once that is on disk (the transport thread does not wait: it keeps receiving,
 * so messages that arrive together share a commit); if the loop no longer takes
 * messages, the thread commits it to the inbox itself and replies. hfn_inbox_process runs on the
 * main loop and applies what is pending, each message through its type's handler (inbox.c's
 * TYPES[]). The reply is HF_OK, HF_EREPLAY, the handler's refusal of a committed message (final:
 * recorded in the inbox row) or the reason it was not committed.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/node.h"

/* Transport receive hook (hfn_transport_ops.receive; ctx is the hfn_node). Returns the
 * reply code (HF_EREPLAY for a message seen before). */
hf_err hfn_inbox_receive(void *ctx, hfn_store *s, const uint8_t *env, size_t len, hfn_reply *later,
                         bool *kept);

/* Main loop: commits what the receive hooks handed over and processes the inbox until
 * nothing more can be applied. */
hf_err hfn_inbox_process(hfn_node *n) HF_MUST_CHECK;
/* Frees the inbox's bookkeeping (hfn_node_fini). */
void hfn_inbox_free(hfn_node *n);

#endif
