/* libFuzzer target: vPDQ hashes as JSON (node/match/vpdq_json.c), what POST /v1/match
 * {"vpdq": ...} and a list entry {"alg": "vpdq", "vpdq": ...} carry. An accepted hash
 * printed as frame objects must parse back to the same frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/vpdq_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_vpdq v, again;
	const char *why = NULL;
	memset(&v, 0, sizeof(v));
	memset(&again, 0, sizeof(again));
	if (hfn_vpdq_from_json_text((const char *)data, size, 4096, &v, &why) == HF_OK) {
		json_t *j = hfn_vpdq_to_json(&v);
		if (!j || hfn_vpdq_from_json(j, 4096, &again, &why) != HF_OK ||
		    again.count != v.count)
			abort();
		for (size_t i = 0; i < v.count; i++)
			if (again.frames[i].frame != v.frames[i].frame ||
			    again.frames[i].quality != v.frames[i].quality ||
			    memcmp(again.frames[i].hash.b, v.frames[i].hash.b, HF_PDQ_HASH_LEN) !=
			        0 ||
			    again.frames[i].seconds != v.frames[i].seconds)
				abort();
		json_decref(j);
	} else if (v.count != 0 || v.frames != NULL) {
		abort(); /* a refusal leaves nothing behind */
	}
	hf_vpdq_clear(&v);
	hf_vpdq_clear(&again);
	return 0;
}
