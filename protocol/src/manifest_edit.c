/* Membership manifest: editing (hashfed-keys), roles and endpoint syntax. */
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>

#include <sodium.h>

#include "manifest_internal.h"
#include "hf_check.h"

/* Every edit changes the body: old signatures no longer cover it. */
static hf_err edited(hf_manifest *m)
{
	m->n_sigs = 0;
	HF_TRY(hfi_manifest_reindex(m, false));
	return hfi_manifest_redigest(m);
}

static hf_err name_check(const char *name)
{
	size_t n = strlen(name);
	if (n > HF_MAX_NAME_LEN)
		return HF_ETOOLONG;
	if (!hfi_utf8_valid((const uint8_t *)name, n))
		return HF_EUTF8;
	return HF_OK;
}

hf_err hf_manifest_new(const hf_fed_id *federation, const char *name, uint64_t epoch,
                       const uint8_t (*roots)[HF_SIGN_PK_LEN], size_t n_roots, unsigned threshold,
                       hf_manifest **out)
{
	hf_err rc;
	hf_manifest *m = NULL;
	*out = NULL;
	if (epoch == 0)
		return HF_ERANGE;
	HF_TRY(name_check(name));
	HF_TRY(hfi_manifest_check_roots(roots, n_roots, threshold));
	HF_CHECK(hfi_manifest_new_empty(&m));
	m->fed = *federation;
	memcpy(m->name, name, strlen(name) + 1);
	m->epoch = epoch;
	memcpy(m->roots, roots, n_roots * HF_SIGN_PK_LEN);
	m->n_roots = n_roots;
	m->threshold = threshold;
	HF_CHECK(edited(m));
	*out = m;
	m = NULL;
out:
	hf_manifest_free(m);
	return rc;
}

hf_err hf_manifest_clone(const hf_manifest *src, hf_manifest **out)
{
	hf_err rc;
	hf_manifest *m = NULL;
	*out = NULL;
	HF_CHECK(hfi_manifest_new_empty(&m));
	*m = *src;
	m->members = NULL;
	m->cap_members = 0;
	m->n_members = 0;
	m->idx_sign = m->idx_enc = m->idx_fp = NULL;
	m->n_idx_sign = m->n_idx_enc = m->n_idx_fp = 0;
	HF_CHECK(hfi_manifest_reserve(m, src->n_members));
	if (src->n_members)
		memcpy(m->members, src->members, src->n_members * sizeof(*m->members));
	m->n_members = src->n_members;
	HF_CHECK(hfi_manifest_reindex(m, false));
	*out = m;
	m = NULL;
out:
	hf_manifest_free(m);
	return rc;
}

hf_err hf_manifest_set_epoch(hf_manifest *m, uint64_t epoch)
{
	if (epoch == 0)
		return HF_ERANGE;
	m->epoch = epoch;
	return edited(m);
}

hf_err hf_manifest_set_roots(hf_manifest *m, const uint8_t (*roots)[HF_SIGN_PK_LEN], size_t n_roots,
                             unsigned threshold)
{
	HF_TRY(hfi_manifest_check_roots(roots, n_roots, threshold));
	memcpy(m->roots, roots, n_roots * HF_SIGN_PK_LEN);
	m->n_roots = n_roots;
	m->threshold = threshold;
	return edited(m);
}

static hf_member *member_mut(hf_manifest *m, const uint8_t *id)
{
	const hf_member *mb;
	if (hf_manifest_find_member(m, id, &mb) != HF_OK)
		return NULL;
	return (hf_member *)(uintptr_t)mb;
}

hf_err hf_manifest_add_member(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                              const char *name, uint32_t roles)
{
	size_t pos = 0;
	hf_member *mb;
	if ((roles & ~(uint32_t)HF_ROLE_ALL) != 0)
		return HF_EINVAL;
	HF_TRY(name_check(name));
	if (member_mut(m, id) != NULL)
		return HF_EEXIST;
	if (m->n_members >= HF_MAX_MEMBERS)
		return HF_ERANGE;
	HF_TRY(hfi_manifest_reserve(m, m->n_members + 1));
	/* Keep members sorted by id (spec §11.2). */
	while (pos < m->n_members && memcmp(m->members[pos].id, id, HF_MEMBER_ID_LEN) < 0)
		pos++;
	memmove(&m->members[pos + 1], &m->members[pos], (m->n_members - pos) * sizeof(*mb));
	mb = &m->members[pos];
	memset(mb, 0, sizeof(*mb));
	memcpy(mb->id, id, HF_MEMBER_ID_LEN);
	memcpy(mb->name, name, strlen(name) + 1);
	mb->roles = roles;
	m->n_members++;
	return edited(m);
}

hf_err hf_manifest_remove_member(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN])
{
	hf_member *mb = member_mut(m, id);
	size_t pos;
	if (mb == NULL)
		return HF_EUNKNOWNMEMBER;
	pos = (size_t)(mb - m->members);
	memmove(mb, mb + 1, (m->n_members - pos - 1) * sizeof(*mb));
	m->n_members--;
	return edited(m);
}

hf_err hf_manifest_set_roles(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                             uint32_t roles)
{
	hf_member *mb = member_mut(m, id);
	if ((roles & ~(uint32_t)HF_ROLE_ALL) != 0)
		return HF_EINVAL;
	if (mb == NULL)
		return HF_EUNKNOWNMEMBER;
	mb->roles = roles;
	return edited(m);
}

hf_err hf_manifest_set_endpoints(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                                 const char *const *urls, size_t n)
{
	hf_member *mb = member_mut(m, id);
	if (mb == NULL)
		return HF_EUNKNOWNMEMBER;
	if (n > HF_MAX_ENDPOINTS)
		return HF_ERANGE;
	if (n > 0 && urls == NULL)
		return HF_EINVAL;
	for (size_t i = 0; i < n; i++)
		HF_TRY(hf_endpoint_check(urls[i]));
	for (size_t i = 0; i < n; i++)
		memcpy(mb->ep[i], urls[i], strlen(urls[i]) + 1);
	mb->n_ep = (uint32_t)n;
	return edited(m);
}

hf_err hf_manifest_set_tls_fps(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                               const uint8_t (*fps)[HF_TLS_FP_LEN], size_t n)
{
	hf_member *mb = member_mut(m, id);
	if (mb == NULL)
		return HF_EUNKNOWNMEMBER;
	if (n > HF_MAX_TLS_FPS)
		return HF_ERANGE;
	if (n > 0 && fps == NULL)
		return HF_EINVAL;
	for (size_t i = 0; i < n; i++) {
		const hf_member *other;
		for (size_t j = 0; j < i; j++)
			if (memcmp(fps[i], fps[j], HF_TLS_FP_LEN) == 0)
				return HF_EDUPLICATE;
		if (hf_manifest_find_tls_fp(m, fps[i], &other) == HF_OK && other != mb)
			return HF_EDUPLICATE;
	}
	memcpy(mb->fp, fps, n * HF_TLS_FP_LEN);
	mb->n_fp = (uint32_t)n;
	return edited(m);
}

hf_err hf_manifest_add_key(hf_manifest *m, const uint8_t id[static HF_MEMBER_ID_LEN],
                           hf_key_kind kind, const uint8_t pk[static 32], uint64_t not_before_ms,
                           uint64_t not_after_ms)
{
	hf_member *mb = member_mut(m, id);
	hf_member_key k;
	const hf_member *other;
	unsigned s;
	if (kind != HF_KEY_SIGN && kind != HF_KEY_ENC)
		return HF_EINVAL;
	if (mb == NULL)
		return HF_EUNKNOWNMEMBER;
	s = hfi_kind_slot(kind);
	memset(&k, 0, sizeof(k));
	memcpy(k.pk, pk, 32);
	k.not_before_ms = not_before_ms;
	k.not_after_ms = not_after_ms;
	k.revoked_at_ms = HF_TIME_NEVER;
	HF_TRY(hfi_manifest_check_key(&k, kind));
	if (kind == HF_KEY_SIGN)
		hf_keyid_sign(pk, &k.keyid);
	else
		hf_keyid_enc(pk, &k.keyid);
	if ((kind == HF_KEY_SIGN ? hf_manifest_find_sign_key(m, &k.keyid, &other, NULL)
	                         : hf_manifest_find_enc_key(m, &k.keyid, &other, NULL)) == HF_OK)
		return HF_EDUPLICATE;
	if (mb->n_keys[s] >= HF_MAX_MEMBER_KEYS)
		return HF_ERANGE;
	mb->keys[s][mb->n_keys[s]++] = k;
	return edited(m);
}

/* Finds a key by id in either kind, for editing. */
static hf_member_key *key_mut(hf_manifest *m, const hf_key_id *keyid)
{
	const hf_member *mb;
	const hf_member_key *k;
	/* The lookups return pointers into m's own arrays, which we own. */
	if (hf_manifest_find_sign_key(m, keyid, &mb, &k) == HF_OK ||
	    hf_manifest_find_enc_key(m, keyid, &mb, &k) == HF_OK)
		return (hf_member_key *)(uintptr_t)k;
	return NULL;
}

hf_err hf_manifest_expire_key(hf_manifest *m, const hf_key_id *keyid, uint64_t not_after_ms)
{
	hf_member_key *k = key_mut(m, keyid);
	if (k == NULL)
		return HF_ENOTFOUND;
	if (not_after_ms <= k->not_before_ms)
		return HF_ERANGE;
	k->not_after_ms = not_after_ms;
	return edited(m);
}

hf_err hf_manifest_revoke_key(hf_manifest *m, const hf_key_id *keyid, uint64_t at_ms)
{
	hf_member_key *k = key_mut(m, keyid);
	if (k == NULL)
		return HF_ENOTFOUND;
	if (at_ms == HF_TIME_NEVER)
		return HF_ERANGE;
	if (at_ms < k->revoked_at_ms)
		k->revoked_at_ms = at_ms;
	return edited(m);
}

hf_err hf_manifest_sign(hf_manifest *m, const hf_identity *root)
{
	uint8_t in[HF_MANIFEST_SIG_INPUT_LEN];
	uint8_t sig[HF_SIG_LEN];
	const hf_key_id *kid = hf_identity_sign_keyid(root);
	size_t slot = m->n_sigs;
	const size_t dl = sizeof(HF_MANIFEST_SIG_DOMAIN) - 1;
	memcpy(in, HF_MANIFEST_SIG_DOMAIN, dl);
	memcpy(in + dl, m->digest, 32);
	for (size_t i = 0; i < m->n_sigs; i++)
		if (hf_key_id_eq(&m->sigs[i].keyid, kid))
			slot = i;
	if (slot >= HF_MAX_MANIFEST_SIGS)
		return HF_ERANGE;
	HF_TRY(hf_identity_sign(root, in, sizeof(in), sig));
	m->sigs[slot].keyid = *kid;
	memcpy(m->sigs[slot].sig, sig, HF_SIG_LEN);
	if (slot == m->n_sigs)
		m->n_sigs++;
	return HF_OK;
}

void hf_manifest_clear_signatures(hf_manifest *m)
{
	m->n_sigs = 0;
}

hf_err hf_manifest_add_signature(hf_manifest *m, const hf_key_id *keyid,
                                 const uint8_t sig[static HF_SIG_LEN])
{
	if (m->n_sigs >= HF_MAX_MANIFEST_SIGS)
		return HF_ERANGE;
	m->sigs[m->n_sigs].keyid = *keyid;
	memcpy(m->sigs[m->n_sigs].sig, sig, HF_SIG_LEN);
	m->n_sigs++;
	return HF_OK;
}

/* ---- roles and endpoints ---------------------------------------------- */

static const char *const role_names[] = {"authority", "platform", "auditor", "witness"};

hf_err hf_roles_parse(const char *s, uint32_t *mask)
{
	uint32_t r = 0;
	*mask = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		bool found = false;
		for (unsigned i = 0; i < 4; i++) {
			if (strlen(role_names[i]) == n && strncmp(s, role_names[i], n) == 0) {
				r |= 1u << i;
				found = true;
			}
		}
		if (!found)
			return HF_EPARSE;
		s += n;
		if (*s == ',') {
			s++;
			if (*s == '\0')
				return HF_EPARSE;
		}
	}
	if (r == 0)
		return HF_EPARSE;
	*mask = r;
	return HF_OK;
}

hf_err hf_roles_format(uint32_t mask, char *buf, size_t size)
{
	size_t off = 0;
	if (size == 0)
		return HF_ENOSPC;
	buf[0] = '\0';
	for (unsigned i = 0; i < 4; i++) {
		if (!(mask & (1u << i)))
			continue;
		size_t n = strlen(role_names[i]) + (off ? 1 : 0);
		if (n + off + 1 > size)
			return HF_ENOSPC;
		if (off)
			buf[off++] = ',';
		memcpy(buf + off, role_names[i], strlen(role_names[i]) + 1);
		off += strlen(role_names[i]);
	}
	if (off == 0) {
		if (size < 5)
			return HF_ENOSPC;
		memcpy(buf, "none", 5);
	}
	return HF_OK;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) || c == '-';
}

/* spec §11.2a: four decimal octets 0..255, no leading zeros, no other form. */
static bool ipv4_ok(const char *h, size_t n)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || h[i] != '.')
				return false;
			i++;
		}
		size_t st = i;
		unsigned v = 0;
		while (i < n && digit(h[i]) && i - st < 3)
			v = v * 10u + (unsigned)(h[i++] - '0');
		if (i == st || v > 255 || (h[st] == '0' && i - st > 1))
			return false;
	}
	return i == n;
}

/* spec §11.2a: labels of 1..63 letters, digits and hyphens, no hyphen first or last,
 * joined by single dots, no final dot; the last label is not all digits (so that a
 * mistyped IPv4 address is not read as a name). */
static bool dns_name_ok(const char *h, size_t n)
{
	size_t i = 0;
	bool digits_only = false;
	while (i < n) {
		size_t st = i;
		digits_only = true;
		while (i < n && ldh(h[i])) {
			digits_only &= digit(h[i]);
			i++;
		}
		size_t len = i - st;
		if (len == 0 || len > 63 || h[st] == '-' || h[i - 1] == '-')
			return false;
		if (i == n)
			break;
		if (h[i] != '.' || i + 1 == n)
			return false;
		i++;
	}
	return n > 0 && !digits_only;
}

/* spec §11.2a: an RFC 4291 §2.2 text form (inet_pton), hex digits, colons and dots only
 * (no zone id). */
static bool ipv6_ok(const char *h, size_t n)
{
	char buf[64];
	unsigned char addr[16];
	if (n == 0 || n >= sizeof(buf))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(digit(h[i]) || (h[i] >= 'a' && h[i] <= 'f') || (h[i] >= 'A' && h[i] <= 'F') ||
		      h[i] == ':' || h[i] == '.'))
			return false;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, addr) == 1;
}

hf_err hf_endpoint_check(const char *url)
{
	static const char scheme[] = "tls+tcp://";
	size_t n = strlen(url), i = sizeof(scheme) - 1;
	unsigned long port = 0;
	if (n > HF_MAX_ENDPOINT_LEN)
		return HF_ETOOLONG;
	/* spec §11.2a: tls+tcp://host:port, host a DNS name, IPv4 or [IPv6]. */
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return HF_EPARSE;
	const char *colon = strrchr(url + i, ':');
	if (colon == NULL)
		return HF_EPARSE;
	const char *h = url + i;
	size_t hn = (size_t)(colon - h);
	if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
		if (!ipv6_ok(h + 1, hn - 2))
			return HF_EPARSE;
	} else {
		size_t k = 0;
		while (k < hn && (digit(h[k]) || h[k] == '.'))
			k++;
		if (k == hn ? !ipv4_ok(h, hn) : !dns_name_ok(h, hn))
			return HF_EPARSE;
	}
	i = (size_t)(colon - url) + 1;
	if (url[i] < '1' || url[i] > '9')
		return HF_EPARSE;
	for (size_t d = 0; url[i] >= '0' && url[i] <= '9'; i++, d++) {
		if (d >= 5)
			return HF_EPARSE;
		port = port * 10 + (unsigned long)(url[i] - '0');
	}
	if (url[i] != '\0' || port > 65535)
		return HF_EPARSE;
	return HF_OK;
}
