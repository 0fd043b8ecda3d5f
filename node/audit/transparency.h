#ifndef HFN_AUDIT_TRANSPARENCY_H
#define HFN_AUDIT_TRANSPARENCY_H

/*
 * A platform's own transparency report (issue 13; docs/audit.md "Transparency report"):
 * the outcomes it sent in a period, counted by the order's category and the outcome, each
 * with its log leaf, inclusion proof and cosigned checkpoint from the receipts it holds,
 * and the same for the ORDER leaf it answers. Only public audit headers leave the node.
 */
#include <jansson.h>

#include "core/node.h"

/* period as hfn_report_build; log: the auditor member whose receipts to use (NULL: the
 * first auditor of the manifest). Errors: HF_EINVAL (period), HF_EROLE (not a platform),
 * HF_ENOTFOUND (no auditor), store errors. *out: the document (caller decrefs). */
hf_err hfn_transparency_build(hfn_node *n, const char *period, const uint8_t *log,
                              json_t **out) HF_MUST_CHECK;

#endif
