/*
 * Fuzz target for the audit message decoders (spec §16): the first byte picks the type
 * (48 + byte % 6), the rest is the body given to hf_audit_msg_decode. Oracle: a body
 * that decodes re-encodes to the identical bytes (one canonical form), and every view
 * lies inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/audit_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *base, size_t size, const void *p, size_t n)
{
	const uint8_t *q = p;
	if (n && (q < base || q + n > base + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hf_audit_msg m; /* large: not on the stack */
	uint8_t *out = NULL;
	size_t len = 0;
	if (size < 1)
		return 0;
	uint32_t type = HF_MSG_AUDIT_SUBMIT + data[0] % 6;
	const uint8_t *body = data + 1;
	size_t blen = size - 1;
	if (hf_audit_msg_decode(type, body, blen, &m) != HF_OK)
		return 0;
	switch (type) {
	case HF_MSG_AUDIT_SUBMIT:
		for (uint32_t i = 0; i < m.u.submit.n; i++)
			inside(body, blen, m.u.submit.hdr[i], m.u.submit.hdr_len[i]);
		break;
	case HF_MSG_AUDIT_RECEIPT:
		inside(body, blen, m.u.receipt.checkpoint, m.u.receipt.checkpoint_len);
		for (uint32_t i = 0; i < m.u.receipt.n; i++)
			inside(body, blen, m.u.receipt.e[i].proof, m.u.receipt.e[i].proof_len);
		break;
	default:
		break;
	}
	if (hf_audit_msg_encode(&m, &out, &len) != HF_OK)
		abort();
	if (len != blen || memcmp(out, body, blen) != 0)
		abort();
	free(out);
	return 0;
}
