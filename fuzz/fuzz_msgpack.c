/*
 * Fuzz target: canonical msgpack decoding of message structures.
 * Targets hf_mp_dec_* (protocol/src/mp.c) through hfi_env_header_decode and
 * hfi_env_inner_decode (protocol/src/envelope_codec.c). Any input must give
 * HF_OK or an error code; a header that decodes must re-encode to the same
 * bytes (one byte form per message).
 */
#include <stdlib.h>
#include <string.h>

#include "envelope_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hf_envelope_header h;
	hfi_mp_dec d;
	memset(&h, 0, sizeof(h));
	if (hfi_mp_dec_init(&d, data, size, HF_MAX_MESSAGE_SIZE) == HF_OK &&
	    hfi_env_header_decode(&d, &h) == HF_OK && hfi_mp_dec_finish(&d) == HF_OK) {
		hf_writer w;
		hfi_mp_enc e;
		hf_writer_init(&w, HF_MAX_MESSAGE_SIZE);
		hfi_mp_enc_init(&e, &w);
		if (hfi_env_header_encode(&e, &h) != HF_OK || w.len != size ||
		    memcmp(w.p, data, size) != 0)
			abort(); /* decoded but not canonical: a codec bug */
		hf_writer_free(&w);
	}
	hf_key_id sender;
	hf_msg_id id;
	uint8_t salt[HF_COMMIT_SALT_LEN];
	const uint8_t *body;
	size_t body_len;
	hf_err rc = hfi_env_inner_decode(data, size, &sender, &id, salt, &body, &body_len);
	(void)rc;
	return 0;
}
