/*
 * Fuzz target for the hash list body decoders (spec §12):
 * hf_list_batch_decode, hf_list_snapshot_decode, hf_list_pull_decode,
 * hf_list_ack_decode and the entry iterators. Every input is offered to all four decoders. Oracle:
 * a body that decodes re-encodes to the identical bytes (one canonical form), and the iterators
 * yield exactly the counted entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/list.h"

static void check_batch(const uint8_t *data, size_t size)
{
	hf_list_batch b;
	if (hf_list_batch_decode(data, size, &b) != HF_OK)
		return;
	hf_list_entry *e = calloc(b.n_added ? b.n_added : 1, sizeof(*e));
	uint64_t *rm = calloc(b.n_removed ? b.n_removed : 1, sizeof(*rm));
	hf_list_iter it;
	uint32_t n = 0;
	if (!e || !rm)
		abort();
	hf_list_batch_iter(&b, &it);
	while (n < b.n_added && hf_list_iter_next(&it, &e[n]))
		n++;
	if (n != b.n_added || hf_list_iter_next(&it, &e[0]))
		abort();
	for (uint32_t i = 0; i < b.n_removed; i++)
		rm[i] = hf_list_batch_removed(&b, i);
	uint8_t *out;
	size_t len;
	if (hf_list_batch_encode(&b, e, n, rm, b.n_removed, &out, &len) != HF_OK)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	free(e);
	free(rm);
}

static void check_snapshot(const uint8_t *data, size_t size)
{
	hf_list_snapshot s;
	if (hf_list_snapshot_decode(data, size, &s) != HF_OK)
		return;
	hf_list_entry *e = calloc(s.n_entries ? s.n_entries : 1, sizeof(*e));
	hf_list_iter it;
	uint32_t n = 0;
	if (!e)
		abort();
	hf_list_snapshot_iter(&s, &it);
	while (n < s.n_entries && hf_list_iter_next(&it, &e[n]))
		n++;
	if (n != s.n_entries || hf_list_iter_next(&it, &e[0]))
		abort();
	uint8_t *out;
	size_t len;
	if (hf_list_snapshot_encode(&s, e, n, &out, &len) != HF_OK)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	free(e);
}

static void check_pull(const uint8_t *data, size_t size)
{
	hf_list_pull q;
	if (hf_list_pull_decode(data, size, &q) != HF_OK)
		return;
	uint8_t *out;
	size_t len;
	if (hf_list_pull_encode(&q, &out, &len) != HF_OK || len != size ||
	    memcmp(out, data, size) != 0)
		abort();
	free(out);
}

static void check_ack(const uint8_t *data, size_t size)
{
	hf_list_ack k;
	if (hf_list_ack_decode(data, size, &k) != HF_OK)
		return;
	uint8_t *out;
	size_t len;
	if (hf_list_ack_encode(&k, &out, &len) != HF_OK || len != size ||
	    memcmp(out, data, size) != 0)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_batch(data, size);
	check_snapshot(data, size);
	check_pull(data, size);
	check_ack(data, size);
	return 0;
}
