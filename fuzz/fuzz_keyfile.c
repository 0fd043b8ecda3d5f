/*
 * Fuzz target: key file text parsers (spec §11.7).
 * Targets hf_keyfile_info, hf_keyfile_parse (without a passphrase, so an
 * encrypted file stops at HF_EAUTH before Argon2id: the KDF's cost bounds
 * are unit-tested instead) and hf_pubfile_parse (protocol/src/keyfile.c).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hashfed/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hf_keyfile_kind kind;
	bool enc;
	hf_identity *id = NULL;
	hf_pubfile pf;
	char *t = malloc(size + 1); /* the parsers take text; give it no terminator help */
	if (t == NULL)
		return 0;
	if (size)
		memcpy(t, data, size);
	(void)!hf_keyfile_info(t, size, &kind, &enc);
	if (hf_keyfile_parse(t, size, NULL, 0, &kind, &id) == HF_OK && id == NULL)
		abort();
	hf_identity_free(id);
	if (hf_pubfile_parse(t, size, &pf) == HF_OK) {
		char buf[1024];
		/* what parses re-formats to the same text (hex digits may differ in case) */
		if (hf_pubfile_format(&pf, buf, sizeof(buf)) != HF_OK || strlen(buf) != size ||
		    strncasecmp(buf, t, size) != 0)
			abort();
	}
	free(t);
	return 0;
}
