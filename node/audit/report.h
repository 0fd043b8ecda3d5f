#ifndef HFN_AUDIT_REPORT_H
#define HFN_AUDIT_REPORT_H

/*
 * Compliance computed only from the log's leaves (issue 13; docs/audit.md "Report"): every
 * figure is a function of the leaves covered by one published checkpoint, so anyone
 * holding the log gets the same numbers. Per platform and period: orders and items
 * received, time to receipt and to action (p50, p90, max), share actioned within the
 * deadline, overdue and escalated counts, items open > 7 and > 42 days, cannot-comply and
 * dispute rates by reason, time paused for clarification, recurrence rate; federation-wide
 * the share of requested items not removed; per authority orders sent and referral
 * turnaround; log-only checks (backdated messages, answers to orders never logged).
 */
#include <jansson.h>

#include "core/node.h"

/* period: "all", "YYYY", "YYYY-Qn" or "YYYY-MM" (UTC; orders counted by the log time of
 * the ORDER leaf). Errors: HF_EINVAL (period), HF_EROLE (no log here), HF_ENOTFOUND (no
 * published checkpoint yet), store errors. *out: the report (caller decrefs). */
hf_err hfn_report_build(hfn_node *n, const char *period, json_t **out) HF_MUST_CHECK;
/* "all", "YYYY", "YYYY-Qn", "YYYY-MM" -> [from, to) in unix ms (UTC; to = UINT64_MAX for
 * "all"); false if s is none of them. */
bool hfn_report_period(const char *s, uint64_t *from, uint64_t *to);
/* One CSV row per figure: scope,name,value,checkpoint_size,checkpoint_root. malloc'ed. */
char *hfn_report_csv(const json_t *report);

#endif
