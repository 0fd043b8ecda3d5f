#ifndef HFN_MATCH_IN_H
#define HFN_MATCH_IN_H

/* The matcher's inbox handler (a header of its own: inbox/msg.h brings hashfed/order.h,
 * whose hf_content_hash type clashes with hashfed/content.h's function of that name). */
#include "core/node.h"
#include "inbox/msg.h"

/* A match report arrived (issuer side). *status: the final inbox status. */
hfn_in_handler_fn hfn_match_on_report HF_MUST_CHECK;

#endif
