/* libFuzzer target: the public intake report parser (node/intake/report.c), the one body
 * an unauthenticated client sends to an authority node. Accepted reports must re-parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intake/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *out = NULL;
	const char *why = NULL;
	if (hfn_intake_parse((const char *)data, size, &out, &why) == HF_OK) {
		char *s = json_dumps(out, JSON_COMPACT);
		json_t *again = NULL;
		if (!s || hfn_intake_parse(s, strlen(s), &again, &why) != HF_OK)
			abort(); /* a normalized report is itself a valid report */
		json_decref(again);
		free(s);
		json_decref(out);
	}
	return 0;
}
