/* Envelope wire codec: header, audit header, framing, inner plaintext (spec §5). */
#include <string.h>

#include <sodium.h>

#include "envelope_internal.h"
#include "hashfed/version.h"
#include "schema.h"
#include "hf_check.h"

bool hf_msg_type_known(uint64_t type)
{
	switch (type) {
	case HF_MSG_DATA:
	case HF_MSG_MANIFEST:
	case HF_MSG_LIST_BATCH:
	case HF_MSG_LIST_SNAPSHOT:
	case HF_MSG_LIST_PULL:
	case HF_MSG_MATCH_REPORT:
	case HF_MSG_LIST_ACK:
	case HF_MSG_ORDER:
	case HF_MSG_RECEIPT:
	case HF_MSG_OUTCOME:
	case HF_MSG_ORDER_EVENT:
	case HF_MSG_ESCALATION:
	case HF_MSG_REFERRAL:
	case HF_MSG_AUDIT_SUBMIT:
	case HF_MSG_AUDIT_RECEIPT:
	case HF_MSG_AUDIT_CHECKPOINT:
	case HF_MSG_AUDIT_COSIGN:
	case HF_MSG_AUDIT_QUERY:
	case HF_MSG_AUDIT_ALARM:
		return true;
	default:
		return false;
	}
}

#define HF_AUDIT_ALL                                                                               \
	(HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_DEADLINE | HF_AUDIT_STATUS | HF_AUDIT_ITEMS |  \
	 HF_AUDIT_CATEGORY)

/* Audit map (spec §5.3): commitment, then the fields the sender chose to
 * publish, each present iff its HF_AUDIT_* bit is set in `fields`. */
static const hfi_field audit_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_audit_header, commitment)},
    {HFI_FIXED(2, HFI_HAS, hf_audit_header, subject),
     HFI_HAS_BIT(hf_audit_header, fields, HF_AUDIT_SUBJECT)},
    {HFI_U64(3, HFI_HAS, hf_audit_header, seq), HFI_HAS_BIT(hf_audit_header, fields, HF_AUDIT_SEQ)},
    {HFI_U64(4, HFI_HAS, hf_audit_header, deadline_ms),
     HFI_HAS_BIT(hf_audit_header, fields, HF_AUDIT_DEADLINE)},
    {HFI_U32(5, HFI_HAS, hf_audit_header, status),
     HFI_HAS_BIT(hf_audit_header, fields, HF_AUDIT_STATUS)},
    {HFI_U(6, HFI_HAS, hf_audit_header, items, 0, HF_MAX_AUDIT_ITEMS, HF_ERANGE),
     HFI_HAS_BIT(hf_audit_header, fields, HF_AUDIT_ITEMS)},
    {HFI_U32(7, HFI_HAS, hf_audit_header, category),
     HFI_HAS_BIT(hf_audit_header, fields, HF_AUDIT_CATEGORY)},
};
static const hfi_schema audit_schema =
    HFI_SCHEMA("audit header", audit_rows, hf_audit_header, 0, NULL);

/* Rules shared by encode and decode, so nothing is sealed that open rejects. */
static hf_err env_header_check(const hf_envelope_header *h)
{
	if (h->version != HF_PROTOCOL_VERSION)
		return HF_EVERSION;
	if (!hf_msg_type_known(h->type))
		return HF_EMSGTYPE;
	if (h->n_recipients == 0 || h->n_recipients > HF_MAX_RECIPIENTS)
		return HF_ERANGE;
	/* spec §5.2: expires after created, lifetime bounded. */
	if (h->expires_ms <= h->created_ms || h->expires_ms - h->created_ms > HF_MAX_LIFETIME_MS)
		return HF_ERANGE;
	if ((h->audit.fields & ~(uint32_t)HF_AUDIT_ALL) != 0 || h->audit.items > HF_MAX_AUDIT_ITEMS)
		return HF_ERANGE;
	/* Recipients form a set. Quadratic, but n <= 256 and it runs once. */
	for (uint32_t i = 1; i < h->n_recipients; i++)
		for (uint32_t j = 0; j < i; j++)
			if (hf_key_id_eq(&h->recipients[i], &h->recipients[j]))
				return HF_EDUPLICATE;
	return HF_OK;
}

HFI_CHECK_FN(header_check, hf_envelope_header, env_header_check)

static hf_err type_known(const void *h, uint32_t i)
{
	(void)i;
	return hf_msg_type_known(((const hf_envelope_header *)h)->type) ? HF_OK : HF_EMSGTYPE;
}

static const hfi_field keyid_elem = {HFI_ELEM_FIXED(HF_KEYID_LEN)};

static const hfi_field header_rows[] = {
    /* spec §5.2: version first, so a v2 header fails as v2. */
    {HFI_U(1, HFI_REQ, hf_envelope_header, version, HF_PROTOCOL_VERSION, HF_PROTOCOL_VERSION,
           HF_EVERSION)},
    {HFI_U(2, HFI_REQ, hf_envelope_header, type, 0, UINT32_MAX, HF_EMSGTYPE), .check = type_known},
    {HFI_FIXED(3, HFI_REQ, hf_envelope_header, msg_id)},
    {HFI_FIXED(4, HFI_REQ, hf_envelope_header, sender)},
    {HFI_ARR(5, HFI_REQ, hf_envelope_header, recipients, n_recipients, 1, HF_MAX_RECIPIENTS,
             HF_ERANGE, keyid_elem)},
    {HFI_U64(6, HFI_REQ, hf_envelope_header, created_ms)},
    {HFI_U64(7, HFI_REQ, hf_envelope_header, expires_ms)},
    {HFI_FIXED(8, HFI_REQ, hf_envelope_header, federation)},
    {HFI_U64(9, HFI_REQ, hf_envelope_header, epoch)},
    {HFI_SUB(10, HFI_REQ, hf_envelope_header, audit, audit_schema)},
};
const hfi_schema hfi_env_header_schema =
    HFI_SCHEMA("envelope header", header_rows, hf_envelope_header, 0, header_check);

hf_err hfi_env_header_encode(hfi_mp_enc *e, const hf_envelope_header *h)
{
	HF_TRY(env_header_check(h));
	hfi_encode(e, &hfi_env_header_schema, h);
	return hfi_mp_enc_status(e);
}

hf_err hfi_env_header_decode(hfi_mp_dec *d, hf_envelope_header *h)
{
	hfi_ctx c;
	hf_err rc;
	memset(&c, 0, sizeof(c));
	memset(h, 0, sizeof(*h));
	c.d = *d;
	rc = hfi_decode(&c, &hfi_env_header_schema, h);
	*d = c.d;
	return rc;
}

/* Wraps: exactly HF_WRAP_LEN bytes each, zero-copy (longer HF_ETOOLONG, shorter HF_ELENGTH). */
static const hfi_field wrap_elem = {.kind = HFI_BIN,
                                    .flags = HFI_NOLEN,
                                    .size = (uint32_t)sizeof(const uint8_t *),
                                    .lo = HF_WRAP_LEN,
                                    .hi = HF_WRAP_LEN,
                                    .bad = HF_ELENGTH};

/* The framing (spec §5.1). Sealing writes it by hand (envelope.c): the header
 * bytes are copied as encoded and the ciphertext is encrypted in place. */
static const hfi_field env_rows[] = {
    {HFI_SUB(1, HFI_REQ | HFI_PTR, hfi_env_parts, h, hfi_env_header_schema), .span = 1},
    {HFI_ARR(2, HFI_REQ, hfi_env_parts, wrap, n_wraps, 0, HF_MAX_RECIPIENTS, HF_ERANGE, wrap_elem),
     .span = 2},
    {HFI_BLOB(3, HFI_BIN, HFI_REQ, hfi_env_parts, ct, ct_len, HF_XNONCE_LEN + HF_AEAD_TAG_LEN,
              HF_MAX_MESSAGE_SIZE, HF_ELENGTH)},
    {HFI_FIXED(4, HFI_REQ, hfi_env_parts, sig)},
};
const hfi_schema hfi_envelope_schema = HFI_SCHEMA("envelope", env_rows, hfi_env_parts, 0, NULL);

hf_err hfi_env_decode(const uint8_t *env, size_t len, hfi_env_parts *parts, hf_envelope_header *h)
{
	hfi_ctx c;
	memset(parts, 0, sizeof(*parts));
	memset(h, 0, sizeof(*h));
	parts->h = h;
	HF_TRY(hfi_decode_body(&c, &hfi_envelope_schema, env, len, HF_MAX_MESSAGE_SIZE, parts));
	parts->hdr = c.span[0].p;
	parts->hdr_len = c.span[0].n;
	parts->wraps = c.span[1].p;
	parts->wraps_len = c.span[1].n;
	/* spec §5.1: exactly one wrap per recipient, in header order. */
	if (parts->n_wraps != h->n_recipients)
		return HF_ELENGTH;
	return HF_OK;
}

size_t hfi_env_inner_prefix_len(size_t body_len)
{
	/* map(4) + 3 keys with bin16/bin16/bin32 + key 4 + bin header */
	return 1 + (1 + 2 + HF_KEYID_LEN) + (1 + 2 + HF_MSGID_LEN) + (1 + 2 + HF_COMMIT_SALT_LEN) +
	       1 + hfi_mp_bin_header_len(body_len);
}

/* Inner plaintext (spec §5.4) as the schema sees it. */
typedef struct env_inner {
	hf_key_id sender;
	hf_msg_id msg_id;
	uint8_t salt[HF_COMMIT_SALT_LEN];
	const uint8_t *body;
	size_t body_len;
} env_inner;

static const hfi_field inner_rows[] = {
    {HFI_FIXED(1, HFI_REQ, env_inner, sender)},
    {HFI_FIXED(2, HFI_REQ, env_inner, msg_id)},
    {HFI_FIXED(3, HFI_REQ, env_inner, salt)},
    {HFI_BLOB(4, HFI_BIN, HFI_REQ, env_inner, body, body_len, 0, HF_MAX_BODY_SIZE, HF_ERANGE)},
};
const hfi_schema hfi_env_inner_schema =
    HFI_SCHEMA("envelope inner", inner_rows, env_inner, 0, NULL);

void hfi_env_inner_encode(hfi_mp_enc *e, const hf_key_id *sender, const hf_msg_id *msg_id,
                          const uint8_t salt[HF_COMMIT_SALT_LEN], const uint8_t *body,
                          size_t body_len)
{
	env_inner in;
	in.sender = *sender;
	in.msg_id = *msg_id;
	memcpy(in.salt, salt, HF_COMMIT_SALT_LEN);
	in.body = body;
	in.body_len = body_len;
	hfi_encode(e, &hfi_env_inner_schema, &in);
}

hf_err hfi_env_inner_decode(const uint8_t *pt, size_t len, hf_key_id *sender, hf_msg_id *msg_id,
                            uint8_t salt[HF_COMMIT_SALT_LEN], const uint8_t **body,
                            size_t *body_len)
{
	hfi_ctx c;
	env_inner in;
	memset(&in, 0, sizeof(in));
	hf_err rc = hfi_decode_body(&c, &hfi_env_inner_schema, pt, len, HF_MAX_MESSAGE_SIZE, &in);
	*sender = in.sender;
	*msg_id = in.msg_id;
	memcpy(salt, in.salt, HF_COMMIT_SALT_LEN);
	*body = in.body;
	*body_len = in.body_len;
	return rc;
}

static void blake_len(crypto_generichash_state *st, size_t n)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	crypto_generichash_update(st, b, sizeof(b));
}

void hfi_env_sig_input(const uint8_t *hdr, size_t hdr_len, const uint8_t *wraps, size_t wraps_len,
                       const uint8_t *ct, size_t ct_len, uint8_t out[HF_ENV_SIG_INPUT_LEN])
{
	/* spec §5.5: D = BLAKE2b-256(len64(h) || h || len64(w) || w || len64(c) || c);
	 * the signed message is the domain string followed by D. */
	crypto_generichash_state st;
	const size_t dl = sizeof(HF_ENV_SIG_DOMAIN) - 1;
	crypto_generichash_init(&st, NULL, 0, 32);
	blake_len(&st, hdr_len);
	crypto_generichash_update(&st, hdr, hdr_len);
	blake_len(&st, wraps_len);
	crypto_generichash_update(&st, wraps, wraps_len);
	blake_len(&st, ct_len);
	crypto_generichash_update(&st, ct, ct_len);
	memcpy(out, HF_ENV_SIG_DOMAIN, dl);
	crypto_generichash_final(&st, out + dl, 32);
}
