/* Audit log messages (spec §16): encode and decode in one place, and the check of an
 * envelope's public audit header against its body (spec §16.2). */
#include <stdlib.h>
#include <string.h>

#include "envelope_internal.h"
#include "hashfed/audit_msg.h"
#include "mp.h"
#include "hf_check.h"

bool hf_audit_msg_type(uint32_t type)
{
	return type >= HF_MSG_AUDIT_SUBMIT && type <= HF_MSG_AUDIT_ALARM;
}

/* A checkpoint note: UTF-8 text of 1..HF_NOTE_MAX_SIZE bytes ending in a newline (its
 * signatures are checked by the receiver, hf_checkpoint_open). */
static hf_err get_note(hfi_mp_dec *d, const char **p, size_t *n)
{
	HF_TRY(hfi_mp_get_str(d, HF_NOTE_MAX_SIZE, p, n));
	HF_ENSURE(*n > 0 && (*p)[*n - 1] == '\n', HF_EPARSE);
	return HF_OK;
}

static hf_err check_note(const char *p, size_t n)
{
	HF_ENSURE(p && n > 0 && n <= HF_NOTE_MAX_SIZE && p[n - 1] == '\n', HF_ERANGE);
	HF_ENSURE(hfi_utf8_valid((const uint8_t *)p, n), HF_EUTF8);
	return HF_OK;
}

/* A proof: bin of 0..HF_MERKLE_MAX_PROOF hashes of 32 bytes, back to back. */
static hf_err hfn_get_proof(hfi_mp_dec *d, const uint8_t **p, size_t *n)
{
	HF_TRY(hfi_mp_get_bin(d, (size_t)HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN, p, n));
	HF_ENSURE(*n % HF_MERKLE_HASH_LEN == 0, HF_EHASHLEN);
	return HF_OK;
}

static hf_err check_proof(const uint8_t *p, size_t n)
{
	HF_ENSURE(n == 0 || p, HF_EINVAL);
	HF_ENSURE(n <= (size_t)HF_MERKLE_MAX_PROOF * HF_MERKLE_HASH_LEN, HF_ETOOLONG);
	HF_ENSURE(n % HF_MERKLE_HASH_LEN == 0, HF_EHASHLEN);
	return HF_OK;
}

hf_err hf_audit_msg_encode(const hf_audit_msg *m, uint8_t **out, size_t *out_len)
{
	hf_writer w;
	hfi_mp_enc e;
	hf_err rc = HF_OK;
	*out = NULL;
	*out_len = 0;
	hf_writer_init(&w, HF_AUDIT_MAX_BODY_SIZE);
	hfi_mp_enc_init(&e, &w);
	switch (m->type) {
	case HF_MSG_AUDIT_SUBMIT:
		HF_CHECK(m->u.submit.n >= 1 && m->u.submit.n <= HF_AUDIT_MAX_SUBMIT ? HF_OK
		                                                                    : HF_ERANGE);
		hfi_mp_put_map(&e, 1);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_array(&e, m->u.submit.n);
		for (uint32_t i = 0; i < m->u.submit.n; i++) {
			hf_envelope_header h;
			HF_CHECK(m->u.submit.hdr_len[i] <= HF_AUDIT_MAX_HEADER_LEN ? HF_OK
			                                                           : HF_ETOOLONG);
			HF_CHECK(hf_envelope_header_decode(m->u.submit.hdr[i],
			                                   m->u.submit.hdr_len[i], &h));
			hfi_mp_put_bin(&e, m->u.submit.hdr[i], m->u.submit.hdr_len[i]);
		}
		break;
	case HF_MSG_AUDIT_RECEIPT:
		HF_CHECK(check_note(m->u.receipt.checkpoint, m->u.receipt.checkpoint_len));
		HF_CHECK(m->u.receipt.n >= 1 && m->u.receipt.n <= HF_AUDIT_MAX_SUBMIT ? HF_OK
		                                                                      : HF_ERANGE);
		hfi_mp_put_map(&e, 2);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_str(&e, m->u.receipt.checkpoint, m->u.receipt.checkpoint_len);
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_array(&e, m->u.receipt.n);
		for (uint32_t i = 0; i < m->u.receipt.n; i++) {
			const hf_audit_rentry *r = &m->u.receipt.e[i];
			HF_CHECK(check_proof(r->proof, r->proof_len));
			hfi_mp_put_map(&e, 4);
			hfi_mp_put_key(&e, 1);
			hfi_mp_put_bin(&e, r->msg_id.b, sizeof r->msg_id.b);
			hfi_mp_put_key(&e, 2);
			hfi_mp_put_uint(&e, r->index);
			hfi_mp_put_key(&e, 3);
			hfi_mp_put_uint(&e, r->integrated_ms);
			hfi_mp_put_key(&e, 4);
			hfi_mp_put_bin(&e, r->proof, r->proof_len);
		}
		break;
	case HF_MSG_AUDIT_CHECKPOINT:
		HF_CHECK(check_note(m->u.checkpoint.checkpoint, m->u.checkpoint.checkpoint_len));
		HF_CHECK(check_proof(m->u.checkpoint.proof, m->u.checkpoint.proof_len));
		HF_CHECK(m->u.checkpoint.has_from || m->u.checkpoint.proof_len == 0 ? HF_OK
		                                                                    : HF_EINVAL);
		hfi_mp_put_map(&e, m->u.checkpoint.has_from ? 3 : 1);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_str(&e, m->u.checkpoint.checkpoint, m->u.checkpoint.checkpoint_len);
		if (m->u.checkpoint.has_from) {
			HF_CHECK(m->u.checkpoint.from_size != 0 ? HF_OK : HF_ERANGE);
			hfi_mp_put_key(&e, 2);
			hfi_mp_put_uint(&e, m->u.checkpoint.from_size);
			hfi_mp_put_key(&e, 3);
			hfi_mp_put_bin(&e, m->u.checkpoint.proof, m->u.checkpoint.proof_len);
		}
		break;
	case HF_MSG_AUDIT_COSIGN:
		HF_CHECK(check_note(m->u.cosign.checkpoint, m->u.cosign.checkpoint_len));
		hfi_mp_put_map(&e, 1);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_str(&e, m->u.cosign.checkpoint, m->u.cosign.checkpoint_len);
		break;
	case HF_MSG_AUDIT_QUERY:
		if (m->u.query.kind == HF_AUDIT_Q_RECEIPT) {
			hfi_mp_put_map(&e, 3);
			hfi_mp_put_key(&e, 1);
			hfi_mp_put_uint(&e, m->u.query.kind);
			hfi_mp_put_key(&e, 2);
			hfi_mp_put_bin(&e, m->u.query.sender.b, sizeof m->u.query.sender.b);
			hfi_mp_put_key(&e, 3);
			hfi_mp_put_bin(&e, m->u.query.msg_id.b, sizeof m->u.query.msg_id.b);
		} else if (m->u.query.kind == HF_AUDIT_Q_CONSISTENCY) {
			HF_CHECK(m->u.query.from_size != 0 &&
			                 m->u.query.from_size < m->u.query.to_size
			             ? HF_OK
			             : HF_ERANGE);
			hfi_mp_put_map(&e, 3);
			hfi_mp_put_key(&e, 1);
			hfi_mp_put_uint(&e, m->u.query.kind);
			hfi_mp_put_key(&e, 4);
			hfi_mp_put_uint(&e, m->u.query.from_size);
			hfi_mp_put_key(&e, 5);
			hfi_mp_put_uint(&e, m->u.query.to_size);
		} else {
			HF_CHECK(HF_ERANGE);
		}
		break;
	case HF_MSG_AUDIT_ALARM:
		HF_CHECK(check_note(m->u.alarm.a, m->u.alarm.a_len));
		HF_CHECK(check_note(m->u.alarm.b, m->u.alarm.b_len));
		hfi_mp_put_map(&e, 2);
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_str(&e, m->u.alarm.a, m->u.alarm.a_len);
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_str(&e, m->u.alarm.b, m->u.alarm.b_len);
		break;
	default:
		HF_CHECK(HF_EMSGTYPE);
	}
	HF_CHECK(hfi_mp_enc_status(&e));
	HF_CHECK(hf_writer_take(&w, out, out_len));
out:
	hf_writer_free(&w);
	return rc;
}

static hf_err dec_rentry(hfi_mp_dec *d, hf_audit_rentry *r)
{
	hfi_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	HF_TRY(hfi_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hfi_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hfi_mp_get_bin_fixed(d, r->msg_id.b, sizeof r->msg_id.b));
			break;
		case 2:
			HF_TRY(hfi_mp_get_uint(d, &r->index));
			break;
		case 3:
			HF_TRY(hfi_mp_get_uint(d, &r->integrated_ms));
			break;
		case 4:
			HF_TRY(hfn_get_proof(d, &r->proof, &r->proof_len));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	return hfi_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3) | HF_BIT(4));
}

hf_err hf_audit_msg_decode(uint32_t type, const uint8_t *p, size_t len, hf_audit_msg *m)
{
	hfi_mp_dec d;
	hfi_mp_map map;
	bool has;
	unsigned key;
	uint64_t seen = 0, req = 0, v;
	uint32_t n;
	memset(m, 0, sizeof(*m));
	HF_ENSURE(hf_audit_msg_type(type), HF_EMSGTYPE);
	m->type = type;
	HF_TRY(hfi_mp_dec_init(&d, p, len, HF_AUDIT_MAX_BODY_SIZE));
	HF_TRY(hfi_mp_map_open(&d, &map));
	for (;;) {
		HF_TRY(hfi_mp_map_next(&d, &map, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (type * 64 + key) {
		case HF_MSG_AUDIT_SUBMIT * 64 + 1:
			HF_TRY(hfi_mp_array_open(&d, HF_AUDIT_MAX_SUBMIT, &n));
			HF_ENSURE(n >= 1, HF_ERANGE);
			for (uint32_t i = 0; i < n; i++) {
				hf_envelope_header h;
				HF_TRY(hfi_mp_get_bin(&d, HF_AUDIT_MAX_HEADER_LEN,
				                      &m->u.submit.hdr[i],
				                      &m->u.submit.hdr_len[i]));
				HF_TRY(hf_envelope_header_decode(m->u.submit.hdr[i],
				                                 m->u.submit.hdr_len[i], &h));
			}
			hfi_mp_array_close(&d);
			m->u.submit.n = n;
			break;
		case HF_MSG_AUDIT_RECEIPT * 64 + 1:
			HF_TRY(
			    get_note(&d, &m->u.receipt.checkpoint, &m->u.receipt.checkpoint_len));
			break;
		case HF_MSG_AUDIT_RECEIPT * 64 + 2:
			HF_TRY(hfi_mp_array_open(&d, HF_AUDIT_MAX_SUBMIT, &n));
			HF_ENSURE(n >= 1, HF_ERANGE);
			for (uint32_t i = 0; i < n; i++)
				HF_TRY(dec_rentry(&d, &m->u.receipt.e[i]));
			hfi_mp_array_close(&d);
			m->u.receipt.n = n;
			break;
		case HF_MSG_AUDIT_CHECKPOINT * 64 + 1:
			HF_TRY(get_note(&d, &m->u.checkpoint.checkpoint,
			                &m->u.checkpoint.checkpoint_len));
			break;
		case HF_MSG_AUDIT_CHECKPOINT * 64 + 2:
			HF_TRY(hfi_mp_get_uint(&d, &m->u.checkpoint.from_size));
			HF_ENSURE(m->u.checkpoint.from_size != 0, HF_ERANGE);
			m->u.checkpoint.has_from = true;
			break;
		case HF_MSG_AUDIT_CHECKPOINT * 64 + 3:
			HF_TRY(
			    hfn_get_proof(&d, &m->u.checkpoint.proof, &m->u.checkpoint.proof_len));
			break;
		case HF_MSG_AUDIT_COSIGN * 64 + 1:
			HF_TRY(get_note(&d, &m->u.cosign.checkpoint, &m->u.cosign.checkpoint_len));
			break;
		case HF_MSG_AUDIT_QUERY * 64 + 1:
			HF_TRY(hfi_mp_get_uint(&d, &v));
			HF_ENSURE(v == HF_AUDIT_Q_RECEIPT || v == HF_AUDIT_Q_CONSISTENCY,
			          HF_ERANGE);
			m->u.query.kind = (uint32_t)v;
			break;
		case HF_MSG_AUDIT_QUERY * 64 + 2:
			HF_TRY(hfi_mp_get_bin_fixed(&d, m->u.query.sender.b,
			                            sizeof m->u.query.sender.b));
			break;
		case HF_MSG_AUDIT_QUERY * 64 + 3:
			HF_TRY(hfi_mp_get_bin_fixed(&d, m->u.query.msg_id.b,
			                            sizeof m->u.query.msg_id.b));
			break;
		case HF_MSG_AUDIT_QUERY * 64 + 4:
			HF_TRY(hfi_mp_get_uint(&d, &m->u.query.from_size));
			break;
		case HF_MSG_AUDIT_QUERY * 64 + 5:
			HF_TRY(hfi_mp_get_uint(&d, &m->u.query.to_size));
			break;
		case HF_MSG_AUDIT_ALARM * 64 + 1:
			HF_TRY(get_note(&d, &m->u.alarm.a, &m->u.alarm.a_len));
			break;
		case HF_MSG_AUDIT_ALARM * 64 + 2:
			HF_TRY(get_note(&d, &m->u.alarm.b, &m->u.alarm.b_len));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hfi_mp_dec_finish(&d));
	switch (type) {
	case HF_MSG_AUDIT_SUBMIT:
	case HF_MSG_AUDIT_COSIGN:
		req = HF_BIT(1);
		break;
	case HF_MSG_AUDIT_RECEIPT:
	case HF_MSG_AUDIT_ALARM:
		req = HF_BIT(1) | HF_BIT(2);
		break;
	case HF_MSG_AUDIT_CHECKPOINT:
		req = HF_BIT(1);
		/* from size and proof travel together */
		if ((seen & HF_BIT(2)) != ((seen & HF_BIT(3)) >> 1))
			return HF_EMISSING;
		break;
	default: /* QUERY: the kind decides the other fields, no others allowed */
		HF_TRY(hfi_mp_require(seen, HF_BIT(1)));
		if (m->u.query.kind == HF_AUDIT_Q_RECEIPT) {
			HF_ENSURE(!(seen & (HF_BIT(4) | HF_BIT(5))), HF_ERANGE);
			req = HF_BIT(1) | HF_BIT(2) | HF_BIT(3);
		} else {
			HF_ENSURE(!(seen & (HF_BIT(2) | HF_BIT(3))), HF_ERANGE);
			req = HF_BIT(1) | HF_BIT(4) | HF_BIT(5);
			HF_TRY(hfi_mp_require(seen, req));
			HF_ENSURE(m->u.query.from_size != 0 &&
			              m->u.query.from_size < m->u.query.to_size,
			          HF_ERANGE);
		}
	}
	return hfi_mp_require(seen, req);
}

hf_err hf_envelope_header_decode(const uint8_t *p, size_t len, hf_envelope_header *h)
{
	hfi_mp_dec d;
	memset(h, 0, sizeof(*h));
	HF_TRY(hfi_mp_dec_init(&d, p, len, HF_AUDIT_MAX_HEADER_LEN));
	HF_TRY(hfi_env_header_decode(&d, h));
	return hfi_mp_dec_finish(&d);
}
