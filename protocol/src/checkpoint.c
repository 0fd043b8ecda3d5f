/* tlog-checkpoint bodies, log signatures and witness quorum (spec §15.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/checkpoint.h"
#include "hashfed/merkle.h"
#include "note_internal.h"
#include "hf_check.h"

/* Next line [*off, nl) of text; false if no "\n" is left. */
static bool next_line(const uint8_t *text, size_t len, size_t *off, const uint8_t **line,
                      size_t *ll)
{
	if (*off >= len)
		return false;
	const uint8_t *nl = memchr(text + *off, '\n', len - *off);
	if (nl == NULL)
		return false;
	*line = text + *off;
	*ll = (size_t)(nl - *line);
	*off += *ll + 1;
	return true;
}

hf_err hf_checkpoint_parse(const uint8_t *text, size_t len, hf_checkpoint *out)
{
	const uint8_t *line;
	size_t ll, off = 0;
	memset(out, 0, sizeof(*out));
	HF_ENSURE(len > 0 && len <= HF_CHECKPOINT_MAX_BODY && text[len - 1] == '\n',
	          HF_ECHECKPOINT);
	HF_ENSURE(hfi_note_chars_ok(text, len, true), HF_ECHECKPOINT);

	HF_ENSURE(next_line(text, len, &off, &line, &ll), HF_ECHECKPOINT);
	HF_ENSURE(ll > 0 && ll <= HF_CHECKPOINT_MAX_ORIGIN, HF_ECHECKPOINT);
	memcpy(out->origin, line, ll);
	out->origin[ll] = 0;

	HF_ENSURE(next_line(text, len, &off, &line, &ll), HF_ECHECKPOINT);
	HF_ENSURE(hfi_parse_dec((const char *)line, ll, UINT64_MAX, &out->size), HF_ECHECKPOINT);

	HF_ENSURE(next_line(text, len, &off, &line, &ll), HF_ECHECKPOINT);
	uint8_t root[HF_MERKLE_HASH_LEN + 8];
	size_t rl = 0;
	HF_ENSURE(hfi_b64_decode((const char *)line, ll, root, sizeof(root), &rl), HF_ECHECKPOINT);
	HF_ENSURE(rl == HF_MERKLE_HASH_LEN, HF_EHASHLEN);
	memcpy(out->root, root, HF_MERKLE_HASH_LEN);

	size_t ext_start = off;
	while (next_line(text, len, &off, &line, &ll)) {
		HF_ENSURE(ll > 0, HF_ECHECKPOINT);
		HF_ENSURE(out->n_ext < HF_CHECKPOINT_MAX_EXT, HF_ECHECKPOINT);
		out->n_ext++;
	}
	HF_ENSURE(off == len, HF_ECHECKPOINT);
	HF_ENSURE(len - ext_start <= HF_CHECKPOINT_MAX_EXT_LEN, HF_ECHECKPOINT);
	out->ext_len = len - ext_start;
	memcpy(out->ext, text + ext_start, out->ext_len);
	out->ext[out->ext_len] = 0;
	return HF_OK;
}

hf_err hf_checkpoint_encode(const hf_checkpoint *c, uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	size_t ol = strnlen(c->origin, sizeof(c->origin));
	HF_ENSURE(ol > 0 && ol <= HF_CHECKPOINT_MAX_ORIGIN, HF_ECHECKPOINT);
	HF_ENSURE(hfi_note_chars_ok((const uint8_t *)c->origin, ol, false), HF_ECHECKPOINT);
	HF_ENSURE(c->ext_len <= HF_CHECKPOINT_MAX_EXT_LEN &&
	              strnlen(c->ext, sizeof(c->ext)) == c->ext_len,
	          HF_ECHECKPOINT);
	/* extension lines: n_ext non-empty lines, each ending in "\n" */
	size_t lines = 0;
	for (size_t i = 0; i < c->ext_len; i++) {
		if (c->ext[i] == '\n') {
			HF_ENSURE(i > 0 && c->ext[i - 1] != '\n', HF_ECHECKPOINT);
			lines++;
		}
	}
	HF_ENSURE(c->ext_len == 0 || c->ext[c->ext_len - 1] == '\n', HF_ECHECKPOINT);
	HF_ENSURE(lines == c->n_ext && lines <= HF_CHECKPOINT_MAX_EXT, HF_ECHECKPOINT);
	HF_ENSURE(hfi_note_chars_ok((const uint8_t *)c->ext, c->ext_len, true), HF_ECHECKPOINT);

	char root[64];
	HF_ENSURE(hfi_b64_encode(c->root, HF_MERKLE_HASH_LEN, root, sizeof(root)) > 0,
	          HF_EINTERNAL);
	int n = snprintf((char *)out, cap, "%s\n%llu\n%s\n%s", c->origin,
	                 (unsigned long long)c->size, root, c->ext);
	HF_ENSURE(n > 0 && (size_t)n < cap, HF_ENOSPC);
	*out_len = (size_t)n;
	return HF_OK;
}

hf_err hf_checkpoint_sign(const hf_checkpoint *c, const hf_note_signer *log_key, uint8_t *out,
                          size_t cap, size_t *out_len)
{
	uint8_t body[HF_CHECKPOINT_MAX_BODY + 1];
	size_t bl;
	*out_len = 0;
	HF_ENSURE(hf_note_signer_vkey(log_key)->alg == HF_NOTE_ALG_ED25519, HF_EINVAL);
	HF_TRY(hf_checkpoint_encode(c, body, sizeof(body), &bl));
	return hf_note_sign(body, bl, &log_key, 1, 0, out, cap, out_len);
}

hf_err hf_checkpoint_cosign(const hf_note_signer *witness, const uint8_t *note, size_t note_len,
                            uint64_t timestamp, char *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	HF_ENSURE(hf_note_signer_vkey(witness)->alg == HF_NOTE_ALG_COSIG, HF_EINVAL);
	hf_note *n = malloc(sizeof(*n));
	HF_ENSURE(n != NULL, HF_ENOMEM);
	hf_err rc = hf_note_parse(note, note_len, n);
	if (rc == HF_OK)
		rc = hf_note_sign_line(witness, n->text, n->text_len, timestamp, out, cap, out_len);
	free(n);
	return rc;
}

static bool same_key(const hf_note_vkey *a, const hf_note_vkey *b)
{
	return a->key_id == b->key_id && strcmp(a->name, b->name) == 0;
}

static hf_err policy_ok(const hf_log_policy *p)
{
	HF_ENSURE(p->origin != NULL && p->origin[0] != 0, HF_ECONFIG);
	HF_ENSURE(p->log_key.alg == HF_NOTE_ALG_ED25519, HF_ECONFIG);
	HF_ENSURE(p->n_witnesses <= HF_MAX_WITNESSES && p->quorum <= p->n_witnesses, HF_ECONFIG);
	for (size_t i = 0; i < p->n_witnesses; i++) {
		HF_ENSURE(p->witnesses[i].alg == HF_NOTE_ALG_COSIG, HF_ECONFIG);
		HF_ENSURE(!same_key(&p->witnesses[i], &p->log_key), HF_ECONFIG);
		for (size_t j = 0; j < i; j++)
			HF_ENSURE(
			    !same_key(&p->witnesses[i], &p->witnesses[j]) &&
			        memcmp(p->witnesses[i].pk, p->witnesses[j].pk, HF_NOTE_PK_LEN) != 0,
			    HF_ECONFIG);
	}
	return HF_OK;
}

hf_err hf_checkpoint_open(const uint8_t *note, size_t len, const hf_log_policy *p,
                          hf_checkpoint *out, hf_cosig_status *st)
{
	hf_note_vkey keys[1 + HF_MAX_WITNESSES];
	bool verified[1 + HF_MAX_WITNESSES];
	uint64_t ts[1 + HF_MAX_WITNESSES];
	hf_checkpoint c;
	hf_err rc;
	hf_note *n = NULL;

	memset(out, 0, sizeof(*out));
	if (st != NULL)
		memset(st, 0, sizeof(*st));
	HF_TRY(policy_ok(p));
	n = malloc(sizeof(*n));
	HF_ENSURE(n != NULL, HF_ENOMEM);
	HF_CHECK(hf_note_parse(note, len, n) == HF_OK ? HF_OK : HF_ENOTE);
	keys[0] = p->log_key;
	for (size_t i = 0; i < p->n_witnesses; i++)
		keys[1 + i] = p->witnesses[i];
	rc = hf_note_verify(n, keys, 1 + p->n_witnesses, verified, ts);
	if (rc == HF_EUNSIGNED || (rc == HF_OK && !verified[0]))
		rc = HF_EUNSIGNED;
	if (rc != HF_OK)
		goto out;
	HF_CHECK(hf_checkpoint_parse(n->text, n->text_len, &c));
	HF_CHECK(strcmp(c.origin, p->origin) == 0 ? HF_OK : HF_EORIGIN);
	size_t valid = 0;
	for (size_t i = 0; i < p->n_witnesses; i++) {
		if (verified[1 + i])
			valid++;
		if (st != NULL) {
			st->valid[i] = verified[1 + i];
			st->timestamp[i] = verified[1 + i] ? ts[1 + i] : 0;
		}
	}
	if (st != NULL)
		st->n_valid = valid;
	HF_CHECK(valid >= p->quorum ? HF_OK : HF_EQUORUM);
	*out = c;
out:
	free(n);
	return rc;
}

hf_err hf_checkpoint_verify_inclusion(const hf_checkpoint *cp,
                                      const uint8_t leaf_hash[static HF_MERKLE_HASH_LEN],
                                      uint64_t index, const uint8_t *proof, size_t proof_len)
{
	return hf_merkle_verify_inclusion(leaf_hash, index, cp->size, cp->root, proof, proof_len);
}

hf_err hf_checkpoint_verify_consistency(const hf_checkpoint *older, const hf_checkpoint *newer,
                                        const uint8_t *proof, size_t proof_len)
{
	HF_ENSURE(strcmp(older->origin, newer->origin) == 0, HF_EORIGIN);
	HF_ENSURE(newer->size >= older->size, HF_EROLLBACK);
	if (older->size == newer->size) {
		HF_ENSURE(proof_len == 0, HF_EPROOFLEN);
		return memcmp(older->root, newer->root, HF_MERKLE_HASH_LEN) == 0 ? HF_OK
		                                                                 : HF_ESPLITVIEW;
	}
	if (older->size == 0)
		return proof_len == 0 ? HF_OK : HF_EPROOFLEN;
	return hf_merkle_verify_consistency(older->size, older->root, newer->size, newer->root,
	                                    proof, proof_len);
}

hf_err hf_checkpoint_witness(const hf_note_signer *witness, const hf_log_policy *log,
                             const hf_checkpoint *last, const uint8_t *note, size_t note_len,
                             const uint8_t *proof, size_t proof_len, uint64_t timestamp, char *out,
                             size_t cap, size_t *out_len, hf_checkpoint *opened)
{
	*out_len = 0;
	HF_ENSURE(hf_note_signer_vkey(witness)->alg == HF_NOTE_ALG_COSIG, HF_EINVAL);
	hf_log_policy *p = malloc(sizeof(*p));
	hf_checkpoint *c = malloc(sizeof(*c));
	hf_err rc = HF_ENOMEM;
	if (p == NULL || c == NULL)
		goto out;
	memset(p, 0, sizeof(*p));
	p->origin = log->origin;
	p->log_key = log->log_key;
	HF_CHECK(hf_checkpoint_open(note, note_len, p, c, NULL));
	if (last != NULL)
		HF_CHECK(hf_checkpoint_verify_consistency(last, c, proof, proof_len));
	HF_CHECK(hf_checkpoint_cosign(witness, note, note_len, timestamp, out, cap, out_len));
	if (opened != NULL)
		*opened = *c;
out:
	free(p);
	free(c);
	return rc;
}

hf_err hf_checkpoint_history_put(uint8_t *out, size_t cap, size_t *off, const uint8_t *note,
                                 size_t note_len)
{
	char hdr[24];
	HF_ENSURE(note_len > 0 && note_len <= HF_NOTE_MAX_SIZE, HF_EINVAL);
	int hl = snprintf(hdr, sizeof(hdr), "%zu\n", note_len);
	HF_ENSURE(hl > 0 && (size_t)hl < sizeof(hdr), HF_EINTERNAL);
	HF_ENSURE(*off <= cap && cap - *off >= (size_t)hl + note_len, HF_ENOSPC);
	memcpy(out + *off, hdr, (size_t)hl);
	memcpy(out + *off + (size_t)hl, note, note_len);
	*off += (size_t)hl + note_len;
	return HF_OK;
}

hf_err hf_checkpoint_history_next(const uint8_t *b, size_t len, size_t *off, const uint8_t **note,
                                  size_t *note_len)
{
	*note = NULL;
	*note_len = 0;
	HF_ENSURE(*off <= len, HF_EINVAL);
	if (*off == len)
		return HF_ENOTFOUND;
	size_t k = *off;
	while (k < len && k - *off < 8 && b[k] != '\n')
		k++;
	uint64_t n;
	HF_ENSURE(k < len && b[k] == '\n', HF_ECHECKPOINT);
	HF_ENSURE(hfi_parse_dec((const char *)b + *off, k - *off, HF_NOTE_MAX_SIZE, &n) && n > 0,
	          HF_ECHECKPOINT);
	HF_ENSURE(n <= len - k - 1, HF_ECHECKPOINT);
	*note = b + k + 1;
	*note_len = (size_t)n;
	*off = k + 1 + (size_t)n;
	return HF_OK;
}
