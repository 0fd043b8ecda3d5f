/*
 * Fuzz target for the hash list file reader (hashcsv.h): hf_hashcsv_init and
 * hf_hashcsv_next over every format. The first input byte picks the format
 * and algorithm, the rest is the file. Oracle: no crash, every row has a
 * known algorithm, ids point inside the input, and the row count never
 * exceeds the number of lines.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hashfed/hashcsv.h"
#include "hashfed/list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_hashcsv r;
	hf_hashcsv_row row;
	bool done = false;
	if (size < 1)
		return 0;
	hf_hashcsv_format fmt = (hf_hashcsv_format)(1 + data[0] % 3);
	unsigned alg = 1 + (data[0] >> 2) % 3;
	if (fmt == HF_HASHCSV_TE && alg == HF_ALG_SHA256)
		alg = HF_ALG_PDQ;
	if (hf_hashcsv_init(&r, data + 1, size - 1, fmt, alg) != HF_OK)
		abort();
	while (!done) {
		if (hf_hashcsv_next(&r, &row, &done) != HF_OK)
			break;
		if (done)
			break;
		if (hf_hash_alg_len(row.alg) == 0 || r.rows > r.line)
			abort();
		if (row.id && ((const uint8_t *)row.id < data + 1 ||
		               (const uint8_t *)row.id + row.id_len > data + size))
			abort();
	}
	return 0;
}
