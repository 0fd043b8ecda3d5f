/* C2SP signed notes with Ed25519 and cosignature/v1 (spec §15.5). */
#include <string.h>

#include "hashfed/note.h"

/* First landing: the API is final, the implementation follows. */

bool hf_note_name_valid(const char *name, size_t len)
{
	(void)name;
	(void)len;
	return false;
}

uint32_t hf_note_key_id(const char *name, size_t name_len, uint8_t alg,
                        const uint8_t pk[static HF_NOTE_PK_LEN])
{
	(void)name;
	(void)name_len;
	(void)alg;
	(void)pk;
	return 0;
}

hf_err hf_note_vkey_parse(const char *s, size_t len, hf_note_vkey *out)
{
	(void)s;
	(void)len;
	memset(out, 0, sizeof(*out));
	return HF_EINTERNAL;
}

hf_err hf_note_vkey_make(const char *name, uint8_t alg, const uint8_t pk[static HF_NOTE_PK_LEN],
                         hf_note_vkey *out)
{
	(void)name;
	(void)alg;
	(void)pk;
	memset(out, 0, sizeof(*out));
	return HF_EINTERNAL;
}

hf_err hf_note_vkey_encode(const hf_note_vkey *k, char *out, size_t cap)
{
	(void)k;
	(void)out;
	(void)cap;
	return HF_EINTERNAL;
}

hf_err hf_note_signer_new(const char *name, uint8_t alg, const uint8_t seed[static 32],
                          hf_note_signer **out)
{
	(void)name;
	(void)alg;
	(void)seed;
	*out = NULL;
	return HF_EINTERNAL;
}

void hf_note_signer_free(hf_note_signer *s)
{
	(void)s;
}

const hf_note_vkey *hf_note_signer_vkey(const hf_note_signer *s)
{
	return (const hf_note_vkey *)(const void *)s;
}

hf_err hf_note_sign_line(const hf_note_signer *s, const uint8_t *text, size_t text_len,
                         uint64_t timestamp, char *out, size_t cap, size_t *out_len)
{
	(void)s;
	(void)text;
	(void)text_len;
	(void)timestamp;
	(void)out;
	(void)cap;
	*out_len = 0;
	return HF_EINTERNAL;
}

hf_err hf_note_sign(const uint8_t *text, size_t text_len, const hf_note_signer *const *signers,
                    size_t n, uint64_t timestamp, uint8_t *out, size_t cap, size_t *out_len)
{
	(void)text;
	(void)text_len;
	(void)signers;
	(void)n;
	(void)timestamp;
	(void)out;
	(void)cap;
	*out_len = 0;
	return HF_EINTERNAL;
}

hf_err hf_note_parse(const uint8_t *msg, size_t len, hf_note *out)
{
	(void)msg;
	(void)len;
	out->n_sigs = 0;
	return HF_EINTERNAL;
}

hf_err hf_note_verify(const hf_note *n, const hf_note_vkey *keys, size_t n_keys, bool *verified,
                      uint64_t *timestamps)
{
	(void)n;
	(void)keys;
	(void)n_keys;
	(void)verified;
	(void)timestamps;
	return HF_EINTERNAL;
}

hf_err hf_note_open(const uint8_t *msg, size_t len, const hf_note_vkey *keys, size_t n_keys,
                    const uint8_t **text, size_t *text_len)
{
	(void)msg;
	(void)len;
	(void)keys;
	(void)n_keys;
	(void)text;
	(void)text_len;
	return HF_EINTERNAL;
}
