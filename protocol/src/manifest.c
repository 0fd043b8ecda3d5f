/* Membership manifest: indexes, trust rules, lookups (spec §11.3–§11.5). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "manifest_internal.h"
#include "hf_check.h"

hf_err hfi_manifest_new_empty(hf_manifest **out)
{
	hf_manifest *m = calloc(1, sizeof(*m));
	*out = m;
	return m == NULL ? HF_ENOMEM : HF_OK;
}

hf_err hfi_manifest_reserve(hf_manifest *m, size_t n)
{
	hf_member *p;
	size_t cap;
	if (n <= m->cap_members)
		return HF_OK;
	if (n > HF_MAX_MEMBERS)
		return HF_ERANGE;
	cap = m->cap_members ? m->cap_members : 4;
	while (cap < n)
		cap *= 2;
	if (cap > HF_MAX_MEMBERS)
		cap = HF_MAX_MEMBERS;
	p = realloc(m->members, cap * sizeof(*p));
	if (p == NULL)
		return HF_ENOMEM;
	m->members = p;
	m->cap_members = cap;
	return HF_OK;
}

void hf_manifest_free(hf_manifest *m)
{
	if (m == NULL)
		return;
	free(m->members);
	free(m->idx_sign);
	free(m->idx_enc);
	free(m->idx_fp);
	free(m);
}

hf_err hfi_manifest_check_roots(const uint8_t (*roots)[HF_SIGN_PK_LEN], size_t n,
                                unsigned threshold)
{
	/* spec §11.2: 1 <= K <= N <= HF_MAX_ROOTS, roots distinct and valid. */
	if (n == 0 || n > HF_MAX_ROOTS || threshold == 0 || threshold > n)
		return HF_ERANGE;
	for (size_t i = 0; i < n; i++) {
		HF_TRY(hf_sign_pk_validate(roots[i]));
		for (size_t j = 0; j < i; j++)
			if (memcmp(roots[i], roots[j], HF_SIGN_PK_LEN) == 0)
				return HF_EDUPLICATE;
	}
	return HF_OK;
}

hf_err hfi_manifest_check_key(const hf_member_key *k, hf_key_kind kind)
{
	if (kind == HF_KEY_SIGN)
		HF_TRY(hf_sign_pk_validate(k->pk));
	else
		HF_TRY(hf_enc_pk_validate(k->pk));
	/* spec §11.2: a key's window is not empty. */
	if (k->not_before_ms >= k->not_after_ms)
		return HF_ERANGE;
	return HF_OK;
}

static int idx_cmp16(const void *a, const void *b)
{
	return memcmp(((const hfi_manifest_idx *)a)->k, ((const hfi_manifest_idx *)b)->k, 16);
}
static int idx_cmp32(const void *a, const void *b)
{
	return memcmp(((const hfi_manifest_idx *)a)->k, ((const hfi_manifest_idx *)b)->k, 32);
}

/* Sorts rows and rejects equal neighbours: one key id, one key. */
static hf_err idx_finish(hfi_manifest_idx *rows, size_t n, size_t klen)
{
	if (n > 1)
		qsort(rows, n, sizeof(*rows), klen == 16 ? idx_cmp16 : idx_cmp32);
	for (size_t i = 1; i < n; i++)
		if (memcmp(rows[i - 1].k, rows[i].k, klen) == 0)
			return HF_EDUPLICATE;
	return HF_OK;
}

hf_err hfi_manifest_reindex(hf_manifest *m, bool complete)
{
	hf_err rc = HF_ENOMEM;
	size_t ns = 0, ne = 0, nf = 0;
	hfi_manifest_idx *s = NULL, *e = NULL, *f = NULL;

	for (size_t i = 0; i < m->n_members; i++) {
		const hf_member *mb = &m->members[i];
		if (complete && (mb->n_keys[0] == 0 || mb->n_keys[1] == 0)) {
			rc = HF_EMISSING;
			goto out;
		}
		ns += mb->n_keys[0];
		ne += mb->n_keys[1];
		nf += mb->n_fp;
	}
	s = calloc(ns ? ns : 1, sizeof(*s));
	e = calloc(ne ? ne : 1, sizeof(*e));
	f = calloc(nf ? nf : 1, sizeof(*f));
	if (s == NULL || e == NULL || f == NULL)
		goto out;
	ns = ne = nf = 0;
	for (size_t i = 0; i < m->n_members; i++) {
		hf_member *mb = &m->members[i];
		for (uint32_t j = 0; j < mb->n_keys[0]; j++) {
			hf_keyid_sign(mb->keys[0][j].pk, &mb->keys[0][j].keyid);
			memcpy(s[ns].k, mb->keys[0][j].keyid.b, HF_KEYID_LEN);
			s[ns].member = (uint32_t)i;
			s[ns++].slot = j;
		}
		for (uint32_t j = 0; j < mb->n_keys[1]; j++) {
			hf_keyid_enc(mb->keys[1][j].pk, &mb->keys[1][j].keyid);
			memcpy(e[ne].k, mb->keys[1][j].keyid.b, HF_KEYID_LEN);
			e[ne].member = (uint32_t)i;
			e[ne++].slot = j;
		}
		for (uint32_t j = 0; j < mb->n_fp; j++) {
			memcpy(f[nf].k, mb->fp[j], HF_TLS_FP_LEN);
			f[nf].member = (uint32_t)i;
			f[nf++].slot = j;
		}
	}
	/* spec §11.2: key ids and fingerprints are unique across the manifest. */
	HF_CHECK(idx_finish(s, ns, HF_KEYID_LEN));
	HF_CHECK(idx_finish(e, ne, HF_KEYID_LEN));
	HF_CHECK(idx_finish(f, nf, HF_TLS_FP_LEN));
	for (size_t i = 0; i < m->n_roots; i++)
		hf_keyid_sign(m->roots[i], &m->root_ids[i]);
	free(m->idx_sign);
	free(m->idx_enc);
	free(m->idx_fp);
	m->idx_sign = s;
	m->idx_enc = e;
	m->idx_fp = f;
	m->n_idx_sign = ns;
	m->n_idx_enc = ne;
	m->n_idx_fp = nf;
	s = e = f = NULL;
	rc = HF_OK;
out:
	free(s);
	free(e);
	free(f);
	return rc;
}

hf_err hfi_manifest_redigest(hf_manifest *m)
{
	hf_err rc;
	hf_writer w;
	hfi_mp_enc enc;
	hf_writer_init(&w, HF_MAX_MANIFEST_SIZE);
	hfi_mp_enc_init(&enc, &w);
	hfi_manifest_body_encode(&enc, m);
	rc = hfi_mp_enc_status(&enc);
	if (rc == HF_OK)
		hfi_manifest_digest_bytes(w.p, w.len, m->digest);
	hf_writer_free(&w);
	return rc;
}

hf_err hf_manifest_digest(const hf_manifest *m, uint8_t out[static 32])
{
	memcpy(out, m->digest, 32);
	return HF_OK;
}

/* ---- trust ------------------------------------------------------------ */

static void sig_input(const hf_manifest *m, uint8_t in[HF_MANIFEST_SIG_INPUT_LEN])
{
	const size_t dl = sizeof(HF_MANIFEST_SIG_DOMAIN) - 1;
	memcpy(in, HF_MANIFEST_SIG_DOMAIN, dl);
	memcpy(in + dl, m->digest, 32);
}

hf_err hf_manifest_verify_roots(const hf_manifest *m, const uint8_t (*roots)[HF_SIGN_PK_LEN],
                                size_t n_roots, unsigned threshold, unsigned *count)
{
	uint8_t in[HF_MANIFEST_SIG_INPUT_LEN];
	hf_key_id ids[HF_MAX_ROOTS];
	bool counted[HF_MAX_ROOTS] = {false};
	unsigned c = 0;
	if (count != NULL)
		*count = 0;
	if (threshold == 0 || n_roots > HF_MAX_ROOTS || (n_roots > 0 && roots == NULL))
		return HF_EINVAL;
	for (size_t r = 0; r < n_roots; r++)
		hf_keyid_sign(roots[r], &ids[r]);
	sig_input(m, in);
	/* spec §11.4: each root counts at most once; signatures by keys outside
	 * the set, and signatures that do not verify, are ignored. At most
	 * HF_MAX_MANIFEST_SIGS verifications, and each root is verified at most
	 * until it has counted once. */
	for (size_t i = 0; i < m->n_sigs && c < threshold; i++) {
		for (size_t r = 0; r < n_roots; r++) {
			if (counted[r] || !hf_key_id_eq(&ids[r], &m->sigs[i].keyid))
				continue;
			if (hf_sign_verify(roots[r], in, sizeof(in), m->sigs[i].sig) == HF_OK) {
				counted[r] = true;
				c++;
			}
			break;
		}
	}
	if (count != NULL)
		*count = c;
	return c >= threshold ? HF_OK : HF_ETHRESHOLD;
}

hf_err hfi_manifest_check_keys(const hf_manifest *m)
{
	for (size_t i = 0; i < m->n_members; i++)
		for (unsigned s = 0; s < 2; s++)
			for (uint32_t j = 0; j < m->members[i].n_keys[s]; j++)
				HF_TRY(hfi_manifest_check_key(&m->members[i].keys[s][j],
				                              s == 0 ? HF_KEY_SIGN : HF_KEY_ENC));
	return HF_OK;
}

hf_err hf_manifest_verify(const hf_manifest *m)
{
	HF_TRY(hf_manifest_verify_roots(m, (const uint8_t(*)[HF_SIGN_PK_LEN])m->roots, m->n_roots,
	                                m->threshold, NULL));
	/* spec §11.4: member keys are valid points, checked once signed. */
	return hfi_manifest_check_keys(m);
}

hf_err hf_manifest_accept(const hf_manifest *held, const hf_manifest *cand)
{
	/* spec §11.4, cheapest first so a flood of stale manifests costs no
	 * signature verification. */
	if (!hf_fed_id_eq(&held->fed, &cand->fed))
		return HF_EFEDERATION;
	if (cand->epoch <= held->epoch)
		return HF_EEPOCH;
	HF_TRY(hf_manifest_verify_roots(cand, (const uint8_t(*)[HF_SIGN_PK_LEN])held->roots,
	                                held->n_roots, held->threshold, NULL));
	return hf_manifest_verify(cand);
}

/* ---- accessors -------------------------------------------------------- */

const hf_fed_id *hf_manifest_federation(const hf_manifest *m)
{
	return &m->fed;
}
const char *hf_manifest_name(const hf_manifest *m)
{
	return m->name;
}
uint64_t hf_manifest_epoch(const hf_manifest *m)
{
	return m->epoch;
}
unsigned hf_manifest_threshold(const hf_manifest *m)
{
	return m->threshold;
}
size_t hf_manifest_n_roots(const hf_manifest *m)
{
	return m->n_roots;
}
const uint8_t *hf_manifest_root(const hf_manifest *m, size_t i)
{
	return i < m->n_roots ? m->roots[i] : NULL;
}
size_t hf_manifest_n_members(const hf_manifest *m)
{
	return m->n_members;
}
const hf_member *hf_manifest_member_at(const hf_manifest *m, size_t i)
{
	return i < m->n_members ? &m->members[i] : NULL;
}
size_t hf_manifest_n_signatures(const hf_manifest *m)
{
	return m->n_sigs;
}
hf_err hf_manifest_signature(const hf_manifest *m, size_t i, hf_key_id *keyid,
                             uint8_t sig[static HF_SIG_LEN])
{
	if (i >= m->n_sigs)
		return HF_ENOTFOUND;
	*keyid = m->sigs[i].keyid;
	memcpy(sig, m->sigs[i].sig, HF_SIG_LEN);
	return HF_OK;
}

const uint8_t *hf_member_id(const hf_member *mb)
{
	return mb->id;
}
const char *hf_member_name(const hf_member *mb)
{
	return mb->name;
}
uint32_t hf_member_roles(const hf_member *mb)
{
	return mb->roles;
}
size_t hf_member_n_keys(const hf_member *mb, hf_key_kind kind)
{
	return mb->n_keys[hfi_kind_slot(kind)];
}
const hf_member_key *hf_member_key_at(const hf_member *mb, hf_key_kind kind, size_t i)
{
	unsigned s = hfi_kind_slot(kind);
	return i < mb->n_keys[s] ? &mb->keys[s][i] : NULL;
}
size_t hf_member_n_endpoints(const hf_member *mb)
{
	return mb->n_ep;
}
const char *hf_member_endpoint(const hf_member *mb, size_t i)
{
	return i < mb->n_ep ? mb->ep[i] : NULL;
}
size_t hf_member_n_tls_fps(const hf_member *mb)
{
	return mb->n_fp;
}
const uint8_t *hf_member_tls_fp(const hf_member *mb, size_t i)
{
	return i < mb->n_fp ? mb->fp[i] : NULL;
}

/* ---- lookups ---------------------------------------------------------- */

static const hfi_manifest_idx *idx_find(const hfi_manifest_idx *rows, size_t n, const uint8_t *k,
                                        size_t klen)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(rows[mid].k, k, klen);
		if (c == 0)
			return &rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

hf_err hf_manifest_find_member(const hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                               const hf_member **out)
{
	size_t lo = 0, hi = m->n_members;
	*out = NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(m->members[mid].id, id, HF_MEMBER_ID_LEN);
		if (c == 0) {
			*out = &m->members[mid];
			return HF_OK;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return HF_EUNKNOWNMEMBER;
}

static hf_err find_key(const hf_manifest *m, unsigned s, const hf_key_id *keyid,
                       const hf_member **member, const hf_member_key **key)
{
	const hfi_manifest_idx *r =
	    s == 0 ? idx_find(m->idx_sign, m->n_idx_sign, keyid->b, sizeof keyid->b)
	           : idx_find(m->idx_enc, m->n_idx_enc, keyid->b, sizeof keyid->b);
	*member = NULL;
	if (key != NULL)
		*key = NULL;
	if (r == NULL)
		return s == 0 ? HF_EUNKNOWNSENDER : HF_EUNKNOWNMEMBER;
	*member = &m->members[r->member];
	if (key != NULL)
		*key = &m->members[r->member].keys[s][r->slot];
	return HF_OK;
}

hf_err hf_manifest_find_sign_key(const hf_manifest *m, const hf_key_id *keyid,
                                 const hf_member **member, const hf_member_key **key)
{
	return find_key(m, 0, keyid, member, key);
}

hf_err hf_manifest_find_enc_key(const hf_manifest *m, const hf_key_id *keyid,
                                const hf_member **member, const hf_member_key **key)
{
	return find_key(m, 1, keyid, member, key);
}

hf_err hf_manifest_find_tls_fp(const hf_manifest *m, const uint8_t fp[static HF_TLS_FP_LEN],
                               const hf_member **member)
{
	const hfi_manifest_idx *r = idx_find(m->idx_fp, m->n_idx_fp, fp, HF_TLS_FP_LEN);
	*member = r ? &m->members[r->member] : NULL;
	return r ? HF_OK : HF_EUNKNOWNMEMBER;
}

hf_err hf_member_key_check(const hf_member_key *k, uint64_t at_ms)
{
	/* spec §11.5: anything signed at or after the revocation time is refused,
	 * whatever the window says. */
	if (at_ms >= k->revoked_at_ms)
		return HF_EREVOKED;
	if (at_ms < k->not_before_ms || at_ms >= k->not_after_ms)
		return HF_EKEYEXPIRED;
	return HF_OK;
}

static hf_err check_key(const hf_manifest *m, unsigned s, const hf_key_id *keyid, uint64_t at_ms,
                        const hf_member **member, uint8_t *pk)
{
	const hf_member *mb;
	const hf_member_key *k;
	if (member != NULL)
		*member = NULL;
	HF_TRY(find_key(m, s, keyid, &mb, &k));
	HF_TRY(hf_member_key_check(k, at_ms));
	if (member != NULL)
		*member = mb;
	if (pk != NULL)
		memcpy(pk, k->pk, HF_SIGN_PK_LEN);
	return HF_OK;
}

hf_err hf_manifest_check_sign_key(const hf_manifest *m, const hf_key_id *keyid, uint64_t at_ms,
                                  const hf_member **member, uint8_t *pk)
{
	return check_key(m, 0, keyid, at_ms, member, pk);
}

hf_err hf_manifest_check_enc_key(const hf_manifest *m, const hf_key_id *keyid, uint64_t at_ms,
                                 const hf_member **member, uint8_t *pk)
{
	return check_key(m, 1, keyid, at_ms, member, pk);
}

hf_err hf_member_current_key(const hf_member *mb, hf_key_kind kind, uint64_t at_ms,
                             const hf_member_key **key)
{
	unsigned s = hfi_kind_slot(kind);
	const hf_member_key *best = NULL;
	for (uint32_t i = 0; i < mb->n_keys[s]; i++) {
		const hf_member_key *k = &mb->keys[s][i];
		if (hf_member_key_check(k, at_ms) != HF_OK)
			continue;
		if (best == NULL || k->not_before_ms > best->not_before_ms)
			best = k;
	}
	*key = best;
	return best ? HF_OK : HF_EKEYEXPIRED;
}

hf_err hf_manifest_allows(const hf_manifest *m, const hf_member *member, uint32_t role,
                          uint64_t at_ms)
{
	const hf_member_key *k;
	(void)m;
	if (role == 0 || (role & ~(uint32_t)HF_ROLE_ALL) != 0)
		return HF_EINVAL;
	if ((member->roles & role) != role)
		return HF_EROLE;
	return hf_member_current_key(member, HF_KEY_SIGN, at_ms, &k);
}

hf_err hf_manifest_sender_lookup(void *ctx, const hf_envelope_header *hdr,
                                 uint8_t pk[HF_SIGN_PK_LEN])
{
	const hf_manifest *m = ctx;
	if (m == NULL || hdr == NULL || pk == NULL)
		return HF_EINVAL;
	if (!hf_fed_id_eq(&hdr->federation, &m->fed))
		return HF_EFEDERATION;
	return hf_manifest_check_sign_key(m, &hdr->sender, hdr->created_ms, NULL, pk);
}
