/* Sealed envelope: seal, verify, open (spec §5). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "envelope_internal.h"
#include "hashfed/hpke.h"
#include "hpke_internal.h"
#include "hashfed/version.h"
#include "crypto_internal.h"
#include "identity_internal.h"
#include "hf_check.h"

struct hf_opened {
	hf_envelope_header hdr;
	uint8_t *pt; /* plaintext buffer (wiped on free) */
	size_t pt_len;
	const uint8_t *body;
	size_t body_len;
	uint8_t salt[HF_COMMIT_SALT_LEN];
};

void hf_audit_commit(const uint8_t salt[HF_COMMIT_SALT_LEN], const uint8_t *body, size_t body_len,
                     uint8_t out[HF_COMMIT_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, salt, HF_COMMIT_SALT_LEN, HF_COMMIT_LEN);
	crypto_generichash_update(&st, (const uint8_t *)HF_ENV_COMMIT_DOMAIN,
	                          sizeof(HF_ENV_COMMIT_DOMAIN) - 1);
	crypto_generichash_update(&st, body, body_len);
	crypto_generichash_final(&st, out, HF_COMMIT_LEN);
	sodium_memzero(&st, sizeof(st));
}

void hf_uuidv7(uint64_t unix_ms, const hf_rng *rng, uint8_t out[HF_MSGID_LEN])
{
	/* RFC 9562 §5.7: 48-bit ms timestamp, version 7, variant 10, 74 random bits. */
	hf_rng_bytes(rng, out + 6, 10);
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)(unix_ms >> (40 - 8 * i));
	out[6] = (uint8_t)(0x70 | (out[6] & 0x0f));
	out[8] = (uint8_t)(0x80 | (out[8] & 0x3f));
}

/* HPKE wrap AAD: message id || recipient key id (binds a wrap to one slot). */
static void wrap_aad(const hf_msg_id *msg_id, const hf_key_id *keyid,
                     uint8_t aad[HF_MSGID_LEN + HF_KEYID_LEN])
{
	memcpy(aad, msg_id->b, sizeof msg_id->b);
	memcpy(aad + HF_MSGID_LEN, keyid->b, sizeof keyid->b);
}

hf_err hfi_env_seal_prepared(const hf_identity *sender, const hf_envelope_header *h,
                             const uint8_t salt[HF_COMMIT_SALT_LEN], const hf_key_id *inner_sender,
                             const hf_msg_id *inner_id, const uint8_t (*recipients)[HF_ENC_PK_LEN],
                             const hf_rng *rng, const uint8_t *body, size_t body_len, uint8_t **out,
                             size_t *out_len)
{
	hf_err rc = HF_EINTERNAL;
	/* Per-message secrets live on the stack and are wiped on every path
	 * (spec §5.7); sodium_malloc's syscalls would dominate small messages. */
	uint8_t ck[HF_CONTENT_KEY_LEN];
	uint8_t *wraps = NULL;
	uint8_t nonce[HF_XNONCE_LEN];
	uint8_t sig_in[HF_ENV_SIG_INPUT_LEN];
	uint8_t sig[HF_SIG_LEN];
	hf_writer hw, w;
	hfi_mp_enc e;

	hf_writer_init(&hw, HF_MAX_MESSAGE_SIZE);
	hf_writer_init(&w, HF_MAX_MESSAGE_SIZE);
	wraps = malloc(h->n_recipients * (size_t)HF_WRAP_LEN);
	if (wraps == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	hfi_mp_enc_init(&e, &hw);
	rc = hfi_env_header_encode(&e, h);
	if (rc == HF_ERANGE)
		rc = HF_EINVAL;
	if (rc != HF_OK)
		goto out;

	/* spec §5.4: RNG draws in this order: content key, nonce, then one HPKE
	 * ephemeral per recipient, in header order. */
	hf_rng_bytes(rng, ck, HF_CONTENT_KEY_LEN);
	hf_rng_bytes(rng, nonce, sizeof(nonce));
	for (uint32_t i = 0; i < h->n_recipients; i++) {
		uint8_t aad[HF_MSGID_LEN + HF_KEYID_LEN];
		uint8_t *wr = wraps + i * (size_t)HF_WRAP_LEN;
		wrap_aad(&h->msg_id, &h->recipients[i], aad);
		HF_CHECK(hf_hpke_seal_base(recipients[i], (const uint8_t *)HF_ENV_WRAP_INFO,
		                           sizeof(HF_ENV_WRAP_INFO) - 1, aad, sizeof(aad), ck,
		                           HF_CONTENT_KEY_LEN, rng, wr, wr + HF_HPKE_ENC_LEN));
	}

	/* Size everything up front so the body is copied exactly once. */
	size_t inner_len = hfi_env_inner_prefix_len(body_len) + body_len;
	size_t ct_len = HF_XNONCE_LEN + inner_len + HF_AEAD_TAG_LEN;
	size_t total = 1 + 1 + hw.len + 1 + 3 + h->n_recipients * (size_t)(2 + HF_WRAP_LEN) + 1 +
	               hfi_mp_bin_header_len(ct_len) + ct_len + 1 + 2 + HF_SIG_LEN;
	HF_CHECK(hf_writer_reserve(&w, total, NULL));

	hfi_mp_enc_init(&e, &w);
	hfi_mp_put_map(&e, 4);
	hfi_mp_put_key(&e, 1);
	size_t hdr_off = w.len;
	hfi_mp_put_raw(&e, hw.p, hw.len);
	hfi_mp_put_key(&e, 2);
	size_t wraps_off = w.len;
	hfi_mp_put_array(&e, h->n_recipients);
	for (uint32_t i = 0; i < h->n_recipients; i++)
		hfi_mp_put_bin(&e, wraps + i * (size_t)HF_WRAP_LEN, HF_WRAP_LEN);
	size_t wraps_len = w.len - wraps_off;
	hfi_mp_put_key(&e, 3);
	hfi_mp_put_bin_header(&e, ct_len);
	size_t ct_off = w.len;
	hfi_mp_put_raw(&e, nonce, sizeof(nonce));
	/* Inner plaintext written in place, then encrypted in place. */
	size_t pt_off = w.len;
	hfi_env_inner_encode(&e, inner_sender, inner_id, salt, body, body_len);
	HF_CHECK(hfi_mp_enc_status(&e));
	if (w.len - pt_off != inner_len) {
		rc = HF_EINTERNAL;
		goto out;
	}
	uint8_t *tag;
	HF_CHECK(hf_writer_reserve(&w, HF_AEAD_TAG_LEN, &tag));
	if (crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
	        w.p + pt_off, tag, NULL, w.p + pt_off, inner_len, w.p + hdr_off, hw.len, NULL,
	        nonce, ck) != 0) {
		rc = HF_ECRYPTO;
		goto out;
	}
	w.len += HF_AEAD_TAG_LEN;

	hfi_env_sig_input(w.p + hdr_off, hw.len, w.p + wraps_off, wraps_len, w.p + ct_off, ct_len,
	                  sig_in);
	HF_CHECK(hf_identity_sign(sender, sig_in, sizeof(sig_in), sig));
	hfi_mp_put_key(&e, 4);
	hfi_mp_put_bin(&e, sig, sizeof(sig));
	HF_CHECK(hfi_mp_enc_status(&e));
	HF_CHECK(hf_writer_take(&w, out, out_len));
	rc = HF_OK;
out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(nonce, sizeof(nonce));
	free(wraps);
	hf_writer_free(&hw);
	hf_writer_free(&w);
	return rc;
}

hf_err hf_envelope_seal(const hf_identity *sender, const hf_seal_params *p, const uint8_t *body,
                        size_t body_len, uint8_t **out, size_t *out_len)
{
	hf_err rc = HF_EINTERNAL;
	hf_envelope_header *h = NULL;
	uint8_t salt[HF_COMMIT_SALT_LEN];

	*out = NULL;
	*out_len = 0;
	HF_TRY(hfi_crypto_init());
	if (body == NULL && body_len != 0)
		return HF_EINVAL;
	if (p->federation == NULL || p->n_recipients == 0 || p->n_recipients > HF_MAX_RECIPIENTS ||
	    p->recipients == NULL)
		return HF_EINVAL;
	if (body_len > HF_MAX_BODY_SIZE)
		return HF_ETOOBIG;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return HF_ENOMEM;
	h->version = HF_PROTOCOL_VERSION;
	h->type = p->type;
	/* spec §5.4: RNG draws: message id (if not given), salt, then the rest. */
	if (p->msg_id != NULL)
		h->msg_id = *p->msg_id;
	else
		hf_uuidv7(p->created_ms, p->rng, h->msg_id.b);
	h->sender = *hf_identity_sign_keyid(sender);
	h->n_recipients = (uint32_t)p->n_recipients;
	for (size_t i = 0; i < p->n_recipients; i++) {
		HF_CHECK(hf_enc_pk_validate(p->recipients[i]));
		hf_keyid_enc(p->recipients[i], &h->recipients[i]);
	}
	h->created_ms = p->created_ms;
	h->expires_ms = p->expires_ms;
	h->federation = *p->federation;
	h->epoch = p->epoch;
	if (p->audit != NULL)
		h->audit = *p->audit;
	hf_rng_bytes(p->rng, salt, sizeof(salt));
	hf_audit_commit(salt, body, body_len, h->audit.commitment);
	rc = hfi_env_seal_prepared(sender, h, salt, &h->sender, &h->msg_id, p->recipients, p->rng,
	                           body, body_len, out, out_len);
out:
	sodium_memzero(salt, sizeof(salt));
	free(h);
	return rc;
}

/* Signature check of a decoded envelope, shared by verify and open. */
static hf_err env_verify_decoded(hf_sender_lookup_fn lookup, void *ctx, const hfi_env_parts *parts,
                                 const hf_envelope_header *h)
{
	uint8_t pk[HF_SIGN_PK_LEN];
	hf_key_id kid;
	uint8_t sig_in[HF_ENV_SIG_INPUT_LEN];
	HF_TRY(lookup(ctx, h, pk));
	/* spec §5.6 step 3: the key returned must be the one the header names. */
	hf_keyid_sign(pk, &kid);
	if (sodium_memcmp(kid.b, h->sender.b, sizeof kid.b) != 0)
		return HF_EUNKNOWNSENDER;
	hfi_env_sig_input(parts->hdr, parts->hdr_len, parts->wraps, parts->wraps_len, parts->ct,
	                  parts->ct_len, sig_in);
	return hf_sign_verify(pk, sig_in, sizeof(sig_in), parts->sig);
}

hf_err hf_envelope_peek(const uint8_t *env, size_t len, hf_envelope_header *hdr)
{
	hfi_env_parts *parts = malloc(sizeof(*parts));
	if (parts == NULL)
		return HF_ENOMEM;
	hf_err rc = hfi_env_decode(env, len, parts, hdr);
	free(parts);
	return rc;
}

hf_err hf_envelope_verify(const uint8_t *env, size_t len, hf_sender_lookup_fn lookup, void *ctx,
                          hf_envelope_header *hdr)
{
	hfi_env_parts *parts = malloc(sizeof(*parts));
	if (parts == NULL)
		return HF_ENOMEM;
	hf_err rc = hfi_env_decode(env, len, parts, hdr);
	if (rc == HF_OK)
		rc = env_verify_decoded(lookup, ctx, parts, hdr);
	free(parts);
	return rc;
}

hf_err hf_envelope_open(const uint8_t *env, size_t len, const hf_open_params *p, hf_opened **out)
{
	hf_err rc = HF_EINTERNAL;
	hfi_env_parts *parts = NULL;
	hf_opened *o = NULL;
	uint8_t ck[HF_CONTENT_KEY_LEN];
	hf_key_id in_sender;
	hf_msg_id in_id;
	uint8_t commit[HF_COMMIT_LEN];

	*out = NULL;
	if (p->self == NULL || p->lookup == NULL)
		return HF_EINVAL;
	HF_TRY(hfi_crypto_init());
	parts = malloc(sizeof(*parts));
	o = calloc(1, sizeof(*o));
	if (parts == NULL || o == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hfi_env_decode(env, len, parts, &o->hdr));
	/* spec §5.6 step 2: a message for another federation is refused before
	 * any key lookup, so one federation's keys never vouch for another's. */
	if (p->federation != NULL && !hf_fed_id_eq(p->federation, &o->hdr.federation)) {
		rc = HF_EFEDERATION;
		goto out;
	}
	/* Decoded once above: the signature is checked over the same parts. */
	HF_CHECK(env_verify_decoded(p->lookup, p->lookup_ctx, parts, &o->hdr));

	/* Find our slot; the wrap AAD binds it to (message id, our key id). */
	const hf_key_id *mykid = hf_identity_enc_keyid(p->self);
	uint32_t slot = UINT32_MAX;
	for (uint32_t i = 0; i < o->hdr.n_recipients; i++)
		if (hf_key_id_eq(&o->hdr.recipients[i], mykid))
			slot = i;
	if (slot == UINT32_MAX) {
		rc = HF_ENOTRECIPIENT;
		goto out;
	}
	uint8_t aad[HF_MSGID_LEN + HF_KEYID_LEN];
	wrap_aad(&o->hdr.msg_id, mykid, aad);
	const uint8_t *wr = parts->wrap[slot];
	if (hfi_hpke_open_base_pk(hfi_identity_enc_sk(p->self), hf_identity_enc_pk(p->self), wr,
	                          (const uint8_t *)HF_ENV_WRAP_INFO, sizeof(HF_ENV_WRAP_INFO) - 1,
	                          aad, sizeof(aad), wr + HF_HPKE_ENC_LEN, HF_WRAP_CT_LEN,
	                          ck) != HF_OK) {
		rc = HF_EUNWRAP;
		goto out;
	}

	o->pt_len = parts->ct_len - HF_XNONCE_LEN - HF_AEAD_TAG_LEN;
	o->pt = malloc(o->pt_len ? o->pt_len : 1);
	if (o->pt == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
	        o->pt, NULL, parts->ct + HF_XNONCE_LEN, o->pt_len,
	        parts->ct + parts->ct_len - HF_AEAD_TAG_LEN, parts->hdr, parts->hdr_len, parts->ct,
	        ck) != 0) {
		rc = HF_EDECRYPT;
		goto out;
	}
	HF_CHECK(hfi_env_inner_decode(o->pt, o->pt_len, &in_sender, &in_id, o->salt, &o->body,
	                              &o->body_len));
	/* spec §5.6 step 7: a recipient cannot re-address the plaintext as the
	 * sender's own message under another id or sender. */
	if (!hf_key_id_eq(&in_sender, &o->hdr.sender) || !hf_msg_id_eq(&in_id, &o->hdr.msg_id)) {
		rc = HF_EINNER;
		goto out;
	}
	hf_audit_commit(o->salt, o->body, o->body_len, commit);
	if (sodium_memcmp(commit, o->hdr.audit.commitment, HF_COMMIT_LEN) != 0) {
		rc = HF_ECOMMIT;
		goto out;
	}
	if (o->hdr.created_ms > p->now_ms && o->hdr.created_ms - p->now_ms > HF_MAX_CLOCK_SKEW_MS) {
		rc = HF_EFUTURE;
		goto out;
	}
	if (p->now_ms >= o->hdr.expires_ms) {
		rc = HF_EEXPIRED;
		goto out;
	}
	/* Backdating cap (spec §5.6 step 12). List batches are exempt: they are forwarded
	 * unchanged from storage by design (§12.5) and chained, so cannot be backdated into
	 * a list's history. */
	if (o->hdr.type != HF_MSG_LIST_BATCH && p->now_ms > o->hdr.created_ms &&
	    p->now_ms - o->hdr.created_ms > HF_MAX_BACKDATE_MS) {
		rc = HF_ESTALE;
		goto out;
	}
	*out = o;
	o = NULL;
	rc = HF_OK;
out:
	sodium_memzero(ck, sizeof(ck));
	free(parts);
	hf_opened_free(o);
	return rc;
}

const hf_envelope_header *hf_opened_header(const hf_opened *o)
{
	return &o->hdr;
}

const uint8_t *hf_opened_body(const hf_opened *o, size_t *len)
{
	*len = o->body_len;
	return o->body;
}

const uint8_t *hf_opened_salt(const hf_opened *o)
{
	return o->salt;
}

void hf_opened_free(hf_opened *o)
{
	if (o == NULL)
		return;
	if (o->pt != NULL) {
		sodium_memzero(o->pt, o->pt_len);
		free(o->pt);
	}
	sodium_memzero(o->salt, sizeof(o->salt));
	free(o);
}
