/* Membership manifest wire codec (spec §11.2): canonical msgpack both ways. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "manifest_internal.h"

/* A member encodes to well over 64 bytes (id alone takes 18), so a declared
 * count is checked against the bytes left before the array is allocated. */
#define HF_MEMBER_MIN_BYTES 64

static void hf_key_encode(hf_mp_enc *e, const hf_member_key *k)
{
	uint32_t n = 2u + (k->not_after_ms != HF_TIME_NEVER ? 1u : 0u) +
	             (k->revoked_at_ms != HF_TIME_NEVER ? 1u : 0u);
	hf_mp_put_map(e, n);
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, k->pk, HF_SIGN_PK_LEN);
	hf_mp_put_key(e, 2);
	hf_mp_put_uint(e, k->not_before_ms);
	if (k->not_after_ms != HF_TIME_NEVER) {
		hf_mp_put_key(e, 3);
		hf_mp_put_uint(e, k->not_after_ms);
	}
	if (k->revoked_at_ms != HF_TIME_NEVER) {
		hf_mp_put_key(e, 4);
		hf_mp_put_uint(e, k->revoked_at_ms);
	}
}

static void hf_member_encode(hf_mp_enc *e, const hf_member *mb)
{
	hf_mp_put_map(e, 7);
	hf_mp_put_key(e, 1);
	hf_mp_put_bin(e, mb->id, HF_MEMBER_ID_LEN);
	hf_mp_put_key(e, 2);
	hf_mp_put_str(e, mb->name, strlen(mb->name));
	hf_mp_put_key(e, 3);
	hf_mp_put_uint(e, mb->roles);
	for (unsigned s = 0; s < 2; s++) {
		hf_mp_put_key(e, (uint8_t)(4 + s));
		hf_mp_put_array(e, mb->n_keys[s]);
		for (uint32_t i = 0; i < mb->n_keys[s]; i++)
			hf_key_encode(e, &mb->keys[s][i]);
	}
	hf_mp_put_key(e, 6);
	hf_mp_put_array(e, mb->n_ep);
	for (uint32_t i = 0; i < mb->n_ep; i++)
		hf_mp_put_str(e, mb->ep[i], strlen(mb->ep[i]));
	hf_mp_put_key(e, 7);
	hf_mp_put_array(e, mb->n_fp);
	for (uint32_t i = 0; i < mb->n_fp; i++)
		hf_mp_put_bin(e, mb->fp[i], HF_TLS_FP_LEN);
}

void hfi_manifest_body_encode(hf_mp_enc *e, const hf_manifest *m)
{
	hf_mp_put_map(e, 7);
	hf_mp_put_key(e, 1);
	hf_mp_put_uint(e, HF_MANIFEST_VERSION);
	hf_mp_put_key(e, 2);
	hf_mp_put_bin(e, m->fed, HF_FEDID_LEN);
	hf_mp_put_key(e, 3);
	hf_mp_put_str(e, m->name, strlen(m->name));
	hf_mp_put_key(e, 4);
	hf_mp_put_uint(e, m->epoch);
	hf_mp_put_key(e, 5);
	hf_mp_put_uint(e, m->threshold);
	hf_mp_put_key(e, 6);
	hf_mp_put_array(e, (uint32_t)m->n_roots);
	for (size_t i = 0; i < m->n_roots; i++)
		hf_mp_put_bin(e, m->roots[i], HF_SIGN_PK_LEN);
	hf_mp_put_key(e, 7);
	hf_mp_put_array(e, (uint32_t)m->n_members);
	for (size_t i = 0; i < m->n_members; i++)
		hf_member_encode(e, &m->members[i]);
}

hf_err hf_manifest_encode(const hf_manifest *m, uint8_t **out, size_t *out_len)
{
	hf_err rc;
	hf_writer w;
	hf_mp_enc e;
	*out = NULL;
	*out_len = 0;
	for (size_t i = 0; i < m->n_members; i++)
		if (m->members[i].n_keys[0] == 0 || m->members[i].n_keys[1] == 0)
			return HF_EMISSING; /* spec §11.2: every member has both kinds of key */
	hf_writer_init(&w, HF_MAX_MANIFEST_SIZE);
	hf_mp_enc_init(&e, &w);
	hf_mp_put_map(&e, 2);
	hf_mp_put_key(&e, 1);
	hfi_manifest_body_encode(&e, m);
	hf_mp_put_key(&e, 2);
	hf_mp_put_array(&e, (uint32_t)m->n_sigs);
	for (size_t i = 0; i < m->n_sigs; i++) {
		hf_mp_put_map(&e, 2);
		hf_mp_put_key(&e, 1);
		hf_mp_put_bin(&e, m->sigs[i].keyid, HF_KEYID_LEN);
		hf_mp_put_key(&e, 2);
		hf_mp_put_bin(&e, m->sigs[i].sig, HF_SIG_LEN);
	}
	rc = hf_mp_enc_status(&e);
	if (rc == HF_OK)
		rc = hf_writer_take(&w, out, out_len);
	hf_writer_free(&w);
	return rc;
}

/* Copies a checked string into a NUL-terminated field of max+1 bytes. */
static hf_err hf_get_str_into(hf_mp_dec *d, size_t max, char *dst)
{
	const char *s;
	size_t n;
	HF_TRY(hf_mp_get_str(d, max, &s, &n));
	memcpy(dst, s, n);
	dst[n] = '\0';
	return HF_OK;
}

static hf_err hf_key_decode(hf_mp_dec *d, hf_key_kind kind, hf_member_key *k)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	memset(k, 0, sizeof(*k));
	k->not_after_ms = HF_TIME_NEVER;
	k->revoked_at_ms = HF_TIME_NEVER;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, k->pk, HF_SIGN_PK_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_uint(d, &k->not_before_ms));
			break;
		case 3:
			/* spec §11.2: "never" is the absent key, so one encoding only. */
			HF_TRY(hf_mp_get_uint_max(d, HF_TIME_NEVER - 1, &k->not_after_ms));
			break;
		case 4:
			HF_TRY(hf_mp_get_uint_max(d, HF_TIME_NEVER - 1, &k->revoked_at_ms));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2)));
	(void)kind;
	/* spec §11.2: the window is checked here; the curve checks of the key
	 * itself (~50 us each for Ed25519) wait until the root signatures have
	 * passed (hfi_manifest_check_keys), so unsigned junk stays cheap. */
	return k->not_before_ms < k->not_after_ms ? HF_OK : HF_ERANGE;
}

static hf_err hf_member_decode(hf_mp_dec *d, hf_member *mb)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	uint32_t n;
	HF_TRY(hf_mp_map_open(d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(d, mb->id, HF_MEMBER_ID_LEN));
			break;
		case 2:
			HF_TRY(hf_get_str_into(d, HF_MAX_NAME_LEN, mb->name));
			break;
		case 3:
			HF_TRY(hf_mp_get_u32(d, HF_ROLE_ALL, &mb->roles));
			break;
		case 4:
		case 5: {
			unsigned s = key - 4;
			hf_key_kind kind = s == 0 ? HF_KEY_SIGN : HF_KEY_ENC;
			HF_TRY(hf_mp_array_open(d, HF_MAX_MEMBER_KEYS, &n));
			if (n == 0)
				return HF_ERANGE; /* spec §11.2: at least one key of each kind */
			for (uint32_t i = 0; i < n; i++)
				HF_TRY(hf_key_decode(d, kind, &mb->keys[s][i]));
			hf_mp_array_close(d);
			mb->n_keys[s] = n;
			break;
		}
		case 6:
			HF_TRY(hf_mp_array_open(d, HF_MAX_ENDPOINTS, &n));
			for (uint32_t i = 0; i < n; i++) {
				HF_TRY(hf_get_str_into(d, HF_MAX_ENDPOINT_LEN, mb->ep[i]));
				HF_TRY(hf_endpoint_check(mb->ep[i]));
			}
			hf_mp_array_close(d);
			mb->n_ep = n;
			break;
		case 7:
			HF_TRY(hf_mp_array_open(d, HF_MAX_TLS_FPS, &n));
			for (uint32_t i = 0; i < n; i++)
				HF_TRY(hf_mp_get_bin_fixed(d, mb->fp[i], HF_TLS_FP_LEN));
			hf_mp_array_close(d);
			mb->n_fp = n;
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	return hf_mp_require(seen, 0xfe); /* keys 1..7 all required */
}

static hf_err hf_body_decode(hf_mp_dec *d, hf_manifest *mf)
{
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0, v;
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
			/* spec §11.2: version first, so a v2 manifest fails as v2. */
			if (v != HF_MANIFEST_VERSION)
				return HF_EVERSION;
			break;
		case 2:
			HF_TRY(hf_mp_get_bin_fixed(d, mf->fed, HF_FEDID_LEN));
			break;
		case 3:
			HF_TRY(hf_get_str_into(d, HF_MAX_NAME_LEN, mf->name));
			break;
		case 4:
			HF_TRY(hf_mp_get_uint(d, &mf->epoch));
			if (mf->epoch == 0)
				return HF_ERANGE;
			break;
		case 5:
			HF_TRY(hf_mp_get_uint_max(d, HF_MAX_ROOTS, &v));
			mf->threshold = (unsigned)v;
			break;
		case 6:
			HF_TRY(hf_mp_array_open(d, HF_MAX_ROOTS, &n));
			for (uint32_t i = 0; i < n; i++)
				HF_TRY(hf_mp_get_bin_fixed(d, mf->roots[i], HF_SIGN_PK_LEN));
			hf_mp_array_close(d);
			mf->n_roots = n;
			break;
		case 7:
			HF_TRY(hf_mp_array_open(d, HF_MAX_MEMBERS, &n));
			if ((size_t)n > hf_reader_left(&d->r) / HF_MEMBER_MIN_BYTES)
				return HF_ETRUNC;
			HF_TRY(hfi_manifest_reserve(mf, n));
			for (uint32_t i = 0; i < n; i++) {
				hf_member *mb = &mf->members[i];
				memset(mb, 0, sizeof(*mb));
				HF_TRY(hf_member_decode(d, mb));
				mf->n_members = i + 1;
				/* spec §11.2: members strictly ascending by id. */
				if (i > 0) {
					int c =
					    memcmp(mf->members[i - 1].id, mb->id, HF_MEMBER_ID_LEN);
					if (c == 0)
						return HF_EDUPLICATE;
					if (c > 0)
						return HF_ENONCANON;
				}
			}
			hf_mp_array_close(d);
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, 0xfe));
	return hfi_manifest_check_roots((const uint8_t(*)[HF_SIGN_PK_LEN])mf->roots, mf->n_roots,
	                                mf->threshold);
}

static hf_err hf_sigs_decode(hf_mp_dec *d, hf_manifest *mf)
{
	uint32_t n;
	HF_TRY(hf_mp_array_open(d, HF_MAX_MANIFEST_SIGS, &n));
	for (uint32_t i = 0; i < n; i++) {
		hf_mp_map m;
		bool has;
		unsigned key;
		uint64_t seen = 0;
		HF_TRY(hf_mp_map_open(d, &m));
		for (;;) {
			HF_TRY(hf_mp_map_next(d, &m, &has, &key));
			if (!has)
				break;
			seen |= HF_BIT(key);
			if (key == 1)
				HF_TRY(hf_mp_get_bin_fixed(d, mf->sigs[i].keyid, HF_KEYID_LEN));
			else if (key == 2)
				HF_TRY(hf_mp_get_bin_fixed(d, mf->sigs[i].sig, HF_SIG_LEN));
			else
				return HF_EUNKNOWNKEY;
		}
		HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2)));
		mf->n_sigs = i + 1;
	}
	hf_mp_array_close(d);
	return HF_OK;
}

static hf_err hf_manifest_decode_into(const uint8_t *p, size_t len, hf_manifest *mf)
{
	hf_mp_dec d;
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0;
	size_t body_start = 0, body_end = 0;
	HF_TRY(hf_mp_dec_init(&d, p, len, HF_MAX_MANIFEST_SIZE));
	HF_TRY(hf_mp_map_open(&d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(&d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			body_start = d.r.off;
			HF_TRY(hf_body_decode(&d, mf));
			body_end = d.r.off;
			break;
		case 2:
			HF_TRY(hf_sigs_decode(&d, mf));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2)));
	HF_TRY(hf_mp_dec_finish(&d));
	HF_TRY(hfi_manifest_reindex(mf, true));
	/* The signed bytes are exactly what was received (canonical form makes
	 * them equal to a re-encoding; the fuzz target checks that). */
	hfi_manifest_digest_bytes(p + body_start, body_end - body_start, mf->digest);
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
	HF_CHECK(hf_manifest_decode_into(p, len, mf));
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
