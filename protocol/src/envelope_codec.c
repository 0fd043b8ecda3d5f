/* Envelope wire codec: header, audit header, framing, inner plaintext (spec §5). */
#include <string.h>

#include <sodium.h>

#include "envelope_internal.h"
#include "hashfed/version.h"

bool hf_msg_type_known(uint64_t type)
{
	switch (type) {
	case HF_MSG_DATA:
	case HF_MSG_MANIFEST:
	case HF_MSG_LIST_BATCH:
	case HF_MSG_LIST_SNAPSHOT:
	case HF_MSG_LIST_PULL:
	case HF_MSG_MATCH_REPORT:
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

static unsigned hf_popcount32(uint32_t x)
{
	unsigned n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

#define HF_AUDIT_ALL                                                                               \
	(HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_DEADLINE | HF_AUDIT_STATUS | HF_AUDIT_ITEMS |  \
	 HF_AUDIT_CATEGORY)

/* Audit map keys: 1 commitment, 2 subject, 3 seq, 4 deadline, 5 status, 6 items, 7 category. */
static void hf_audit_encode(hf_mp_enc *e, const hf_audit_header *a)
{
	hf_mp_put_map(e, 1 + hf_popcount32(a->fields & HF_AUDIT_ALL));
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, a->commitment, HF_COMMIT_LEN);
	if (a->fields & HF_AUDIT_SUBJECT) {
		hf_mp_put_key(e, 2);
		hf_mp_put_bin(e, a->subject, sizeof(a->subject));
	}
	if (a->fields & HF_AUDIT_SEQ) {
		hf_mp_put_key(e, 3);
		hf_mp_put_uint(e, a->seq);
	}
	if (a->fields & HF_AUDIT_DEADLINE) {
		hf_mp_put_key(e, 4);
		hf_mp_put_uint(e, a->deadline_ms);
	}
	if (a->fields & HF_AUDIT_STATUS) {
		hf_mp_put_key(e, 5);
		hf_mp_put_uint(e, a->status);
	}
	if (a->fields & HF_AUDIT_ITEMS) {
		hf_mp_put_key(e, 6);
		hf_mp_put_uint(e, a->items);
	}
	if (a->fields & HF_AUDIT_CATEGORY) {
		hf_mp_put_key(e, 7);
		hf_mp_put_uint(e, a->category);
	}
}

static hf_err hf_audit_decode(hf_mp_dec *d, hf_audit_header *a)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	memset(a, 0, sizeof(*a));
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, a->commitment, HF_COMMIT_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_bin_fixed(d, a->subject, sizeof(a->subject)));
			a->fields |= HF_AUDIT_SUBJECT;
			break;
		case 3:
			HF_TRY(hf_mp_get_uint(d, &a->seq));
			a->fields |= HF_AUDIT_SEQ;
			break;
		case 4:
			HF_TRY(hf_mp_get_uint(d, &a->deadline_ms));
			a->fields |= HF_AUDIT_DEADLINE;
			break;
		case 5:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &a->status));
			a->fields |= HF_AUDIT_STATUS;
			break;
		case 6:
			HF_TRY(hf_mp_get_u32(d, HF_MAX_AUDIT_ITEMS, &a->items));
			a->fields |= HF_AUDIT_ITEMS;
			break;
		case 7:
			HF_TRY(hf_mp_get_u32(d, UINT32_MAX, &a->category));
			a->fields |= HF_AUDIT_CATEGORY;
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	return hf_mp_require(seen, HF_BIT(1));
}

/* Rules shared by encode and decode, so nothing is sealed that open rejects. */
static hf_err hf_env_header_check(const hf_envelope_header *h)
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
			if (memcmp(h->recipients[i], h->recipients[j], HF_KEYID_LEN) == 0)
				return HF_EDUPLICATE;
	return HF_OK;
}

hf_err hf_env_header_encode(hf_mp_enc *e, const hf_envelope_header *h)
{
	HF_TRY(hf_env_header_check(h));
	hf_mp_put_map(e, 10);
	hf_mp_put_key(e, 1);
	hf_mp_put_uint(e, h->version);
	hf_mp_put_key(e, 2);
	hf_mp_put_uint(e, h->type);
	hf_mp_put_key(e, 3);
	hf_mp_put_bin(e, h->msg_id, HF_MSGID_LEN);
	hf_mp_put_key(e, 4);
	hf_mp_put_bin(e, h->sender, HF_KEYID_LEN);
	hf_mp_put_key(e, 5);
	hf_mp_put_array(e, h->n_recipients);
	for (uint32_t i = 0; i < h->n_recipients; i++)
		hf_mp_put_bin(e, h->recipients[i], HF_KEYID_LEN);
	hf_mp_put_key(e, 6);
	hf_mp_put_uint(e, h->created_ms);
	hf_mp_put_key(e, 7);
	hf_mp_put_uint(e, h->expires_ms);
	hf_mp_put_key(e, 8);
	hf_mp_put_bin(e, h->federation, HF_FEDID_LEN);
	hf_mp_put_key(e, 9);
	hf_mp_put_uint(e, h->epoch);
	hf_mp_put_key(e, 10);
	hf_audit_encode(e, &h->audit);
	return hf_mp_enc_status(e);
}

hf_err hf_env_header_decode(hf_mp_dec *d, hf_envelope_header *h)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t v, seen = 0;
	uint32_t n;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_uint(d, &v));
			/* spec §5.2: version first, so a v2 header fails as v2. */
			if (v != HF_PROTOCOL_VERSION)
				return HF_EVERSION;
			h->version = (uint32_t)v;
			break;
		case 2:
			HF_TRY(hf_mp_get_uint(d, &v));
			if (!hf_msg_type_known(v))
				return HF_EMSGTYPE;
			h->type = (uint32_t)v;
			break;
		case 3:
			HF_TRY(hf_mp_get_bin_fixed(d, h->msg_id, HF_MSGID_LEN));
			break;
		case 4:
			HF_TRY(hf_mp_get_bin_fixed(d, h->sender, HF_KEYID_LEN));
			break;
		case 5:
			HF_TRY(hf_mp_array_open(d, HF_MAX_RECIPIENTS, &n));
			if (n == 0)
				return HF_ERANGE;
			for (uint32_t i = 0; i < n; i++)
				HF_TRY(hf_mp_get_bin_fixed(d, h->recipients[i], HF_KEYID_LEN));
			hf_mp_array_close(d);
			h->n_recipients = n;
			break;
		case 6:
			HF_TRY(hf_mp_get_uint(d, &h->created_ms));
			break;
		case 7:
			HF_TRY(hf_mp_get_uint(d, &h->expires_ms));
			break;
		case 8:
			HF_TRY(hf_mp_get_bin_fixed(d, h->federation, HF_FEDID_LEN));
			break;
		case 9:
			HF_TRY(hf_mp_get_uint(d, &h->epoch));
			break;
		case 10:
			HF_TRY(hf_audit_decode(d, &h->audit));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	/* All ten fields are required. */
	HF_TRY(hf_mp_require(seen, 0x7fe));
	return hf_env_header_check(h);
}

hf_err hf_env_decode(const uint8_t *env, size_t len, hf_env_parts *parts, hf_envelope_header *h)
{
	hf_mp_dec d;
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	size_t start;
	memset(parts, 0, sizeof(*parts));
	memset(h, 0, sizeof(*h));
	HF_TRY(hf_mp_dec_init(&d, env, len, HF_MAX_MESSAGE_SIZE));
	HF_TRY(hf_mp_map_open(&d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(&d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		start = d.r.off;
		switch (key) {
		case 1:
			HF_TRY(hf_env_header_decode(&d, h));
			parts->hdr = env + start;
			parts->hdr_len = d.r.off - start;
			break;
		case 2: {
			uint32_t n;
			size_t wl;
			HF_TRY(hf_mp_array_open(&d, HF_MAX_RECIPIENTS, &n));
			for (uint32_t i = 0; i < n; i++) {
				HF_TRY(hf_mp_get_bin(&d, HF_WRAP_LEN, &parts->wrap[i], &wl));
				if (wl != HF_WRAP_LEN)
					return HF_ELENGTH;
			}
			hf_mp_array_close(&d);
			parts->n_wraps = n;
			parts->wraps = env + start;
			parts->wraps_len = d.r.off - start;
			break;
		}
		case 3:
			HF_TRY(hf_mp_get_bin(&d, HF_MAX_MESSAGE_SIZE, &parts->ct, &parts->ct_len));
			if (parts->ct_len < HF_XNONCE_LEN + HF_AEAD_TAG_LEN)
				return HF_ELENGTH;
			break;
		case 4:
			HF_TRY(hf_mp_get_bin_fixed(&d, parts->sig, HF_SIG_LEN));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3) | HF_BIT(4)));
	HF_TRY(hf_mp_dec_finish(&d));
	/* spec §5.1: exactly one wrap per recipient, in header order. */
	if (parts->n_wraps != h->n_recipients)
		return HF_ELENGTH;
	return HF_OK;
}

size_t hf_env_inner_prefix_len(size_t body_len)
{
	/* map(4) + 3 keys with bin16/bin16/bin32 + key 4 + bin header */
	return 1 + (1 + 2 + HF_KEYID_LEN) + (1 + 2 + HF_MSGID_LEN) + (1 + 2 + HF_COMMIT_SALT_LEN) +
	       1 + hf_mp_bin_header_len(body_len);
}

hf_err hf_env_inner_decode(const uint8_t *pt, size_t len, uint8_t sender[HF_KEYID_LEN],
                           uint8_t msg_id[HF_MSGID_LEN], uint8_t salt[HF_COMMIT_SALT_LEN],
                           const uint8_t **body, size_t *body_len)
{
	hf_mp_dec d;
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	HF_TRY(hf_mp_dec_init(&d, pt, len, HF_MAX_MESSAGE_SIZE));
	HF_TRY(hf_mp_map_open(&d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(&d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(&d, sender, HF_KEYID_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_bin_fixed(&d, msg_id, HF_MSGID_LEN));
			break;
		case 3:
			HF_TRY(hf_mp_get_bin_fixed(&d, salt, HF_COMMIT_SALT_LEN));
			break;
		case 4:
			HF_TRY(hf_mp_get_bin(&d, HF_MAX_BODY_SIZE, body, body_len));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3) | HF_BIT(4)));
	return hf_mp_dec_finish(&d);
}

static void hf_blake_len(crypto_generichash_state *st, size_t n)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	crypto_generichash_update(st, b, sizeof(b));
}

void hf_env_sig_input(const uint8_t *hdr, size_t hdr_len, const uint8_t *wraps, size_t wraps_len,
                      const uint8_t *ct, size_t ct_len, uint8_t out[HF_ENV_SIG_INPUT_LEN])
{
	/* spec §5.5: D = BLAKE2b-256(len64(h) || h || len64(w) || w || len64(c) || c);
	 * the signed message is the domain string followed by D. */
	crypto_generichash_state st;
	const size_t dl = sizeof(HF_ENV_SIG_DOMAIN) - 1;
	crypto_generichash_init(&st, NULL, 0, 32);
	hf_blake_len(&st, hdr_len);
	crypto_generichash_update(&st, hdr, hdr_len);
	hf_blake_len(&st, wraps_len);
	crypto_generichash_update(&st, wraps, wraps_len);
	hf_blake_len(&st, ct_len);
	crypto_generichash_update(&st, ct, ct_len);
	memcpy(out, HF_ENV_SIG_DOMAIN, dl);
	crypto_generichash_final(&st, out + dl, 32);
}
