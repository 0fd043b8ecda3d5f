#ifndef HF_NODE_API_WEBHOOK_H
#define HF_NODE_API_WEBHOOK_H

/* The "order arrived" webhook (evhttp client; webhook.c). */
#include "core/node.h"
#include "store/store_orders.h"

/* Queues the "order arrived" webhook, POSTed after the current callback returns. */
void hf_api_order_webhook(hf_node *n, const hf_store_order *o);

#endif
