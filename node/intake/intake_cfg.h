#ifndef HFN_INTAKE_CFG_H
#define HFN_INTAKE_CFG_H

/*
 * [intake] section of node.ini (parsed by core/config.c's KEYS[]; docs/intake.md): the
 * public report endpoint's abuse controls.
 *   burst         reports one client address may send at once (token bucket; default 5)
 *   refill_ms     one more report per this many ms after the burst (default 12000; also
 *                 the Retry-After of a 429)
 *   max_per_hour  reports the whole node accepts per hour, all clients (default 1000)
 */
#include <stdint.h>

typedef struct hfn_intake_cfg {
	uint32_t burst;
	uint32_t refill_ms;
	uint32_t max_per_hour;
} hfn_intake_cfg;

#endif
