/* Membership manifest wire codec (spec §11.2): canonical msgpack both ways. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "manifest_internal.h"
#include "schema.h"
#include "hf_check.h"

/* ---- schema (spec §11.2) ------------------------------------------------ */

static hf_err key_window(void *k, uint64_t seen)
{
	const hf_member_key *key = k;
	(void)seen;
	/* spec §11.2: the window is checked here; the curve checks of the key
	 * itself (~50 us each for Ed25519) wait until the root signatures have
	 * passed (hfi_manifest_check_keys), so unsigned junk stays cheap. */
	return key->not_before_ms < key->not_after_ms ? HF_OK : HF_ERANGE;
}

static const hfi_field key_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_member_key, pk)},
    {HFI_U64(2, HFI_REQ, hf_member_key, not_before_ms)},
    /* spec §11.2: "never" is the absent key, so one encoding only. */
    {HFI_U(3, HFI_DFLT, hf_member_key, not_after_ms, 0, HF_TIME_NEVER - 1, HF_ERANGE),
     .dflt = HF_TIME_NEVER},
    {HFI_U(4, HFI_DFLT, hf_member_key, revoked_at_ms, 0, HF_TIME_NEVER - 1, HF_ERANGE),
     .dflt = HF_TIME_NEVER},
};
static const hfi_schema key_schema =
    HFI_SCHEMA("member key", key_rows, hf_member_key, HFI_DEFAULTS, key_window);

static hf_err endpoint_ok(const void *eps, uint32_t i)
{
	return hf_endpoint_check(((const char(*)[HF_MAX_ENDPOINT_LEN + 1]) eps)[i]);
}

static const hfi_field key_elem = {HFI_ELEM_MAP(hf_member_key, key_schema)};
static const hfi_field ep_elem = {HFI_ELEM_STRBUF(HF_MAX_ENDPOINT_LEN + 1)};
static const hfi_field fp_elem = {HFI_ELEM_FIXED(HF_TLS_FP_LEN)};

static const hfi_field member_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_member, id)},
    {HFI_STRBUF(2, HFI_REQ, hf_member, name)},
    {HFI_U(3, HFI_REQ, hf_member, roles, 0, HF_ROLE_ALL, HF_ERANGE)},
    /* spec §11.2: at least one key of each kind. */
    {HFI_ARR(4, HFI_REQ, hf_member, keys[0], n_keys[0], 1, HF_MAX_MEMBER_KEYS, HF_ERANGE,
             key_elem)},
    {HFI_ARR(5, HFI_REQ, hf_member, keys[1], n_keys[1], 1, HF_MAX_MEMBER_KEYS, HF_ERANGE,
             key_elem)},
    {HFI_ARR(6, HFI_REQ, hf_member, ep, n_ep, 0, HF_MAX_ENDPOINTS, HF_ERANGE, ep_elem),
     .check = endpoint_ok},
    {HFI_ARR(7, HFI_REQ, hf_member, fp, n_fp, 0, HF_MAX_TLS_FPS, HF_ERANGE, fp_elem)},
};
static const hfi_schema member_schema = HFI_SCHEMA("member", member_rows, hf_member, 0, NULL);

/* spec §11.2: members strictly ascending by id. */
static hf_err member_order(const void *members, uint32_t i)
{
	const hf_member *mb = members;
	if (i == 0)
		return HF_OK;
	int c = memcmp(mb[i - 1].id, mb[i].id, HF_MEMBER_ID_LEN);
	if (c == 0)
		return HF_EDUPLICATE;
	return c > 0 ? HF_ENONCANON : HF_OK;
}

static hf_err members_reserve(void *mf, uint32_t n)
{
	return hfi_manifest_reserve(mf, n);
}

static hf_err body_check(void *obj, uint64_t seen)
{
	const hf_manifest *mf = obj;
	(void)seen;
	return hfi_manifest_check_roots((const uint8_t(*)[HF_SIGN_PK_LEN])mf->roots, mf->n_roots,
	                                mf->threshold);
}

static const hfi_field root_elem = {HFI_ELEM_FIXED(HF_SIGN_PK_LEN)};
static const hfi_field member_elem = {HFI_ELEM_MAP(hf_member, member_schema)};

static const hfi_field body_rows[] = {
    /* spec §11.2: version first, so a v2 manifest fails as v2. */
    {HFI_CONSTANT(1, HF_MANIFEST_VERSION, HF_EVERSION)},
    {HFI_FIXED(2, HFI_REQ, hf_manifest, fed)},
    {HFI_STRBUF(3, HFI_REQ, hf_manifest, name)},
    {HFI_U(4, HFI_REQ, hf_manifest, epoch, 1, UINT64_MAX, HF_ERANGE)},
    {HFI_U(5, HFI_REQ, hf_manifest, threshold, 0, HF_MAX_ROOTS, HF_ERANGE)},
    {HFI_ARR(6, HFI_REQ, hf_manifest, roots, n_roots, 0, HF_MAX_ROOTS, HF_ERANGE, root_elem)},
    /* A member encodes to well over 64 bytes (id alone takes 18), so a
     * declared count is checked against the bytes left before the array is
     * allocated. */
    {HFI_ARR(7, HFI_REQ, hf_manifest, members, n_members, 0, HF_MAX_MEMBERS, HF_ERANGE,
             member_elem),
     .min_elem_bytes = 64, .reserve = members_reserve, .check = member_order},
};
static const hfi_schema body_schema =
    HFI_SCHEMA("manifest body", body_rows, hf_manifest, 0, body_check);

static const hfi_field sig_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hfi_manifest_sig, keyid)},
    {HFI_FIXED(2, HFI_REQ, hfi_manifest_sig, sig)},
};
static const hfi_schema sig_schema =
    HFI_SCHEMA("manifest signature", sig_rows, hfi_manifest_sig, 0, NULL);
static const hfi_field sig_elem = {HFI_ELEM_MAP(hfi_manifest_sig, sig_schema)};

static const hfi_field manifest_rows[] = {
    /* The body's fields live in hf_manifest itself (offset 0); its bytes are
     * what the roots signed (span 1). */
    {.key = 1, .kind = HFI_MAP, .flags = HFI_REQ, .off = 0, .sub = &body_schema, .span = 1},
    {HFI_ARR(2, HFI_REQ, hf_manifest, sigs, n_sigs, 0, HF_MAX_MANIFEST_SIGS, HF_ERANGE, sig_elem)},
};
const hfi_schema hfi_manifest_schema = HFI_SCHEMA("manifest", manifest_rows, hf_manifest, 0, NULL);

void hfi_manifest_body_encode(hfi_mp_enc *e, const hf_manifest *m)
{
	hfi_encode(e, &body_schema, m);
}

hf_err hf_manifest_encode(const hf_manifest *m, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	for (size_t i = 0; i < m->n_members; i++)
		if (m->members[i].n_keys[0] == 0 || m->members[i].n_keys[1] == 0)
			return HF_EMISSING; /* spec §11.2: every member has both kinds of key */
	return hfi_encode_body(&hfi_manifest_schema, m, HF_MAX_MANIFEST_SIZE, out, out_len);
}

static hf_err manifest_decode_into(const uint8_t *p, size_t len, hf_manifest *mf)
{
	hfi_ctx c;
	HF_TRY(hfi_decode_body(&c, &hfi_manifest_schema, p, len, HF_MAX_MANIFEST_SIZE, mf));
	HF_TRY(hfi_manifest_reindex(mf, true));
	/* The signed bytes are exactly what was received (canonical form makes
	 * them equal to a re-encoding; the fuzz target checks that). */
	hfi_manifest_digest_bytes(c.span[0].p, c.span[0].n, mf->digest);
	return HF_OK;
}

hf_err hf_manifest_decode(const uint8_t *p, size_t len, hf_manifest **out)
{
	hf_err rc;
	hf_manifest *mf = NULL;
	*out = NULL;
	if (p == NULL && len > 0)
		return HF_EINVAL;
	HF_CHECK(hfi_manifest_new_empty(&mf));
	HF_CHECK(manifest_decode_into(p, len, mf));
	*out = mf;
	mf = NULL;
out:
	hf_manifest_free(mf);
	return rc;
}

void hfi_manifest_digest_bytes(const uint8_t *body, size_t len, uint8_t out[32])
{
	crypto_generichash_state st;
	uint8_t l[8];
	for (int i = 0; i < 8; i++)
		l[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)HF_MANIFEST_DIGEST_DOMAIN,
	                          sizeof(HF_MANIFEST_DIGEST_DOMAIN) - 1);
	crypto_generichash_update(&st, l, sizeof(l));
	crypto_generichash_update(&st, body, len);
	crypto_generichash_final(&st, out, 32);
}
