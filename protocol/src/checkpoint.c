/* tlog-checkpoint bodies, log signatures and witness quorum (spec §15.5). */
#include <string.h>

#include "hashfed/checkpoint.h"

/* First landing: the API is final, the implementation follows. */

hf_err hf_checkpoint_parse(const uint8_t *text, size_t len, hf_checkpoint *out)
{
	(void)text;
	(void)len;
	memset(out, 0, sizeof(*out));
	return HF_EINTERNAL;
}

hf_err hf_checkpoint_encode(const hf_checkpoint *c, uint8_t *out, size_t cap, size_t *out_len)
{
	(void)c;
	(void)out;
	(void)cap;
	*out_len = 0;
	return HF_EINTERNAL;
}

hf_err hf_checkpoint_sign(const hf_checkpoint *c, const hf_note_signer *log_key, uint8_t *out,
                          size_t cap, size_t *out_len)
{
	(void)c;
	(void)log_key;
	(void)out;
	(void)cap;
	*out_len = 0;
	return HF_EINTERNAL;
}

hf_err hf_checkpoint_cosign(const hf_note_signer *witness, const uint8_t *note, size_t note_len,
                            uint64_t timestamp, char *out, size_t cap, size_t *out_len)
{
	(void)witness;
	(void)note;
	(void)note_len;
	(void)timestamp;
	(void)out;
	(void)cap;
	*out_len = 0;
	return HF_EINTERNAL;
}

hf_err hf_checkpoint_open(const uint8_t *note, size_t len, const hf_log_policy *p,
                          hf_checkpoint *out, hf_cosig_status *st)
{
	(void)note;
	(void)len;
	(void)p;
	(void)st;
	memset(out, 0, sizeof(*out));
	return HF_EINTERNAL;
}
