#ifndef HFN_ORDERS_CFG_H
#define HFN_ORDERS_CFG_H

/*
 * [orders] section of node.ini (parsed by core/config.c's KEYS[]):
 *   webhook_url        http://host:port/path: POSTed JSON metadata when an order arrives
 *   check_interval_ms  how often the issuing node checks its deadline timers (default 1000)
 *   remind_before_ms   reminder lead time before a deadline (default 6 h; never more than a
 *                      quarter of the order's time to comply)
 *   test_clock         true: the node's clock (hfn_now_ms) adds $HF_TEST_CLOCK_OFFSET_MS at
 *                      start (tests only; every node of a test must use the same offset)
 */
#include <stdbool.h>
#include <stdint.h>

typedef struct hfn_orders_cfg {
	char webhook_url[512];
	uint32_t check_interval_ms;
	uint64_t remind_before_ms;
	bool test_clock;
} hfn_orders_cfg;

#endif
