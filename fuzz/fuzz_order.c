/*
 * Fuzz target: order message bodies (spec §13).
 * Targets hf_order_msg_decode for all six types (HF_MSG_ORDER .. HF_MSG_REFERRAL,
 * protocol/src/order_msg.c and order_events.c) on the same input, then on
 * success hf_order_msg_encode and hf_order_msg_audit.
 *
 * Oracle beyond "no crash": a body that decodes is canonical, so encoding the
 * decoded message must give back exactly the input bytes; the audit values of
 * an ORDER must never contain a locator. Seeds (fuzz/corpus/order/) are the
 * bodies of spec/vectors/order.json, written by the encoder
 * (HF_WRITE_ORDER_VECTORS=1 tests/test_order_msg).
 */
#include <stdlib.h>
#include <string.h>

#include "hashfed/envelope.h"
#include "hashfed/order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_audit(const hf_order_msg *m)
{
	hf_audit_header a;
	if (hf_order_msg_audit(m, &a) != HF_OK)
		abort();
	if (m->type != HF_MSG_ORDER)
		return;
	for (uint32_t i = 0; i < m->u.order.n_items; i++) {
		const hf_order_item *it = &m->u.order.items[i];
		/* Locators of 8+ bytes must not appear anywhere in the audit struct. */
		if (it->locator_len < 8 || it->locator_len > sizeof(a))
			continue;
		for (size_t off = 0; off + it->locator_len <= sizeof(a); off++)
			if (memcmp((const uint8_t *)&a + off, it->locator, it->locator_len) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (uint32_t type = HF_MSG_ORDER; type <= HF_MSG_REFERRAL; type++) {
		hf_order_msg m;
		uint8_t *out = NULL;
		size_t out_len = 0;
		if (hf_order_msg_decode(type, data, size, &m) == HF_OK) {
			if (hf_order_msg_encode(&m, &out, &out_len) != HF_OK)
				abort();
			if (out_len != size || memcmp(out, data, size) != 0)
				abort();
			check_audit(&m);
			free(out);
		}
		hf_order_msg_clear(&m);
	}
	return 0;
}
