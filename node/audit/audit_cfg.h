#ifndef HFN_AUDIT_CFG_H
#define HFN_AUDIT_CFG_H

/*
 * [audit] section of node.ini (parsed by core/config.c's key table):
 *   batch_ms         auditor: how often queued headers are integrated, one transaction per
 *                    batch (default 200)
 *   quorum           witness cosignatures a checkpoint needs before this node accepts it,
 *                    and before the auditor publishes it and sends receipts (default 0)
 *   gossip_ms        least time between two gossips of our newest checkpoint (default 2000)
 *   max_backdate_ms  how far a message's created may precede its log entry (default 1 h)
 *   public           true: the log (/checkpoint, /tile/...) and /dashboard are served
 *                    without the API token, for mirrors and the public (default false)
 *   submit           false: do not submit our headers to the log (tests of a sender that
 *                    hides a message from the auditor; default true)
 *   unlogged_ms      a received message the log still does not know after this is counted
 *                    and logged as not logged (default 30000)
 */
#include <stdbool.h>
#include <stdint.h>

typedef struct hfn_audit_cfg {
	uint32_t batch_ms;
	uint32_t quorum;
	uint32_t gossip_ms;
	uint64_t max_backdate_ms;
	bool submit;
	bool public_log;
	uint32_t unlogged_ms; /* a received message the log does not confirm by then: flagged */
} hfn_audit_cfg;

#endif
