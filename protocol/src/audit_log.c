/* Audit log leaves: format, logged time, canonical public header (spec §15.2). */
#include <string.h>

#include "envelope_internal.h"
#include "hashfed/audit_log.h"
#include "hashfed/order.h"
#include "hf_check.h"

bool hf_audit_type_logged(uint32_t type)
{
	/* List batches, their acknowledgements and the six order types (spec §15.1). */
	return type == HF_MSG_LIST_BATCH || type == HF_MSG_LIST_ACK || hf_order_msg_type(type);
}

hf_err hf_audit_header_bytes(const uint8_t *env, size_t len, const uint8_t **hdr, size_t *hdr_len)
{
	hfi_env_parts parts;
	hf_envelope_header h;
	*hdr = NULL;
	*hdr_len = 0;
	HF_TRY(hfi_env_decode(env, len, &parts, &h));
	*hdr = parts.hdr;
	*hdr_len = parts.hdr_len;
	return HF_OK;
}

/* Decodes H strictly (one canonical header map, nothing after it). */
static hf_err header_decode(const uint8_t *hdr, size_t len, hf_envelope_header *h)
{
	hfi_mp_dec d;
	HF_TRY(hfi_mp_dec_init(&d, hdr, len, HF_AUDIT_LEAF_MAX_SIZE));
	HF_TRY(hfi_env_header_decode(&d, h));
	HF_TRY(hfi_mp_dec_finish(&d));
	HF_ENSURE(hf_audit_type_logged(h->type), HF_EMSGTYPE);
	return HF_OK;
}

hf_err hf_audit_leaf_encode(uint64_t logged_ms, const uint8_t *hdr, size_t hdr_len, uint8_t *out,
                            size_t cap, size_t *out_len)
{
	hf_envelope_header h;
	*out_len = 0;
	HF_TRY(header_decode(hdr, hdr_len, &h));
	hf_writer w;
	hfi_mp_enc e;
	hf_writer_fixed(&w, out, cap);
	hfi_mp_enc_init(&e, &w);
	hfi_mp_put_map(&e, 3);
	hfi_mp_put_key(&e, 1);
	hfi_mp_put_uint(&e, HF_AUDIT_LEAF_FORMAT);
	hfi_mp_put_key(&e, 2);
	hfi_mp_put_uint(&e, logged_ms);
	hfi_mp_put_key(&e, 3);
	hfi_mp_put_bin(&e, hdr, hdr_len);
	hf_err rc = hfi_mp_enc_status(&e);
	if (rc != HF_OK)
		return rc;
	*out_len = w.len;
	return HF_OK;
}

hf_err hf_audit_leaf_decode(const uint8_t *leaf, size_t len, hf_audit_leaf *out)
{
	hfi_mp_dec d;
	hfi_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0, format = 0;
	memset(out, 0, sizeof(*out));
	HF_TRY(hfi_mp_dec_init(&d, leaf, len, HF_AUDIT_LEAF_MAX_SIZE));
	HF_TRY(hfi_mp_map_open(&d, &m));
	for (;;) {
		HF_TRY(hfi_mp_map_next(&d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hfi_mp_get_uint(&d, &format));
			HF_ENSURE(format == HF_AUDIT_LEAF_FORMAT, HF_ELEAF);
			break;
		case 2:
			HF_TRY(hfi_mp_get_uint(&d, &out->logged_ms));
			break;
		case 3:
			HF_TRY(hfi_mp_get_bin(&d, HF_AUDIT_LEAF_MAX_SIZE, &out->hdr_bytes,
			                      &out->hdr_len));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hfi_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3)));
	HF_TRY(hfi_mp_dec_finish(&d));
	return header_decode(out->hdr_bytes, out->hdr_len, &out->hdr);
}

hf_err hf_audit_leaf_hash(const uint8_t *leaf, size_t len, uint8_t out[static HF_MERKLE_HASH_LEN])
{
	return hf_merkle_leaf_hash(leaf, len, out);
}

hf_err hf_audit_leaf_matches(const hf_audit_leaf *leaf, const uint8_t *env, size_t env_len)
{
	const uint8_t *h;
	size_t hl;
	HF_TRY(hf_audit_header_bytes(env, env_len, &h, &hl));
	HF_ENSURE(hl == leaf->hdr_len && memcmp(h, leaf->hdr_bytes, hl) == 0, HF_ENOTLOGGED);
	return HF_OK;
}

hf_err hf_audit_leaf_check_time(const hf_audit_leaf *leaf, uint64_t max_backdate_ms)
{
	uint64_t created = leaf->hdr.created_ms, logged = leaf->logged_ms;
	HF_ENSURE(created <= logged || created - logged <= HF_MAX_CLOCK_SKEW_MS, HF_EFUTURE);
	HF_ENSURE(created >= logged || logged - created <= max_backdate_ms, HF_EBACKDATED);
	return HF_OK;
}
