/*
 * Fuzz target: order message bodies (spec §13).
 * Targets hf_order_msg_decode for all six types (HF_MSG_ORDER .. HF_MSG_REFERRAL,
 * protocol/src/order_msg.c and order_events.c) on the same input, then on
 * success hf_order_msg_encode and hf_order_msg_audit.
 *
 * Oracle beyond "no crash": a body that decodes is canonical, so encoding the
 * decoded message must give back exactly the input bytes; the audit values of
 * an ORDER must not depend on any locator. Seeds (fuzz/corpus/order/) are the
 * bodies of spec/vectors/order.json, written by the encoder
 * (HF_WRITE_ORDER_VECTORS=1 tests/test_order_msg).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/envelope.h"
#include "hashfed/order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool audit_equal(const hf_audit_header *x, const hf_audit_header *y)
{
	return x->fields == y->fields && memcmp(x->commitment, y->commitment, HF_COMMIT_LEN) == 0 &&
	       memcmp(x->subject, y->subject, sizeof(x->subject)) == 0 && x->seq == y->seq &&
	       x->deadline_ms == y->deadline_ms && x->status == y->status && x->items == y->items &&
	       x->category == y->category;
}

/*
 * The audit values must not depend on any locator: compute them, replace every
 * locator by different bytes of the same length, compute again, compare. (A
 * substring search of the audit bytes would be fooled when a fuzzed locator
 * merely repeats the order id, which the audit header legitimately carries.)
 */
static void check_audit(hf_order_msg *m)
{
	hf_audit_header a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (hf_order_msg_audit(m, &a) != HF_OK)
		abort();
	if (m->type != HF_MSG_ORDER)
		return;
	uint32_t n = m->u.order.n_items;
	const char **saved = calloc(n ? n : 1, sizeof(*saved));
	char **alt = calloc(n ? n : 1, sizeof(*alt));
	if (!saved || !alt)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		hf_order_item *it = &m->u.order.items[i];
		saved[i] = it->locator;
		alt[i] = malloc(it->locator_len + 1);
		if (!alt[i])
			abort();
		for (size_t k = 0; k < it->locator_len; k++)
			alt[i][k] = (char)(it->locator[k] ^ 0x5a);
		it->locator = alt[i];
	}
	if (hf_order_msg_audit(m, &b) != HF_OK || !audit_equal(&a, &b))
		abort();
	for (uint32_t i = 0; i < n; i++) {
		m->u.order.items[i].locator = saved[i];
		free(alt[i]);
	}
	free(saved);
	free(alt);
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
