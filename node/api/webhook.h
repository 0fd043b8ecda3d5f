#ifndef HFN_API_WEBHOOK_H
#define HFN_API_WEBHOOK_H

/* The "order arrived" webhook (evhttp client; webhook.c). */
#include "core/node.h"
#include "store/store_orders.h"

/* Queues the "order arrived" webhook inside the transaction that stores the order: POSTed
 * once, after that transaction commits (hfn_node_after_commit), never if it rolls back.
 * HF_OK without a webhook_url; HF_ENOMEM. */
hf_err hfn_api_order_webhook(hfn_node *n, const hfn_store_order *o) HF_MUST_CHECK;

#endif
