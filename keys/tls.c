/*
 * TLS material for nng's tls+tcp transport, made with OpenSSL 3.
 *
 * Everything is ECDSA P-256 with SHA-256: Debian 12's libnng is built on
 * mbedTLS 2.28, which speaks TLS 1.2 and does not accept Ed25519
 * certificates. The CA has keyUsage keyCertSign+cRLSign (mbedTLS refuses a
 * CRL signed by a CA whose keyUsage lacks cRLSign); node certificates carry
 * both serverAuth and clientAuth, because every node is client and server.
 * Revocation is by CRL (ca/crl.pem), because nng 1.5.2 does not expose the
 * peer certificate to the application (spec §11.8).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "keys.h"
#include "hf_check.h"

/* Writes a BIO's bytes to a new file with mode. */
static hf_err hfn_keys_bio_to_file(BIO *b, const char *path, unsigned mode, bool replace)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	if (n <= 0)
		return HF_ECRYPTO;
	return replace ? hf_keyio_replace(path, p, (size_t)n)
	               : hf_keyio_write_new(path, p, (size_t)n, mode);
}

static hf_err hfn_keys_write_key(EVP_PKEY *k, const char *path)
{
	hf_err rc = HF_ECRYPTO;
	BIO *b = BIO_new(BIO_s_secmem());
	if (b == NULL)
		return HF_ENOMEM;
	if (PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1)
		rc = hfn_keys_bio_to_file(b, path, 0600, false);
	BIO_free_all(b);
	return rc;
}

static hf_err hfn_keys_load_key(const char *path, EVP_PKEY **k)
{
	hf_err rc;
	uint8_t *buf = NULL;
	size_t n = 0;
	BIO *b;
	*k = NULL;
	HF_TRY(hf_keyio_read_secret(path, 65536, &buf, &n));
	b = BIO_new_mem_buf(buf, (int)n);
	*k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	rc = *k ? HF_OK : HF_EPARSE;
	BIO_free(b);
	hf_keyio_secret_free(buf);
	return rc;
}

static hf_err hfn_keys_load_pem(const char *path, X509 **x, X509_REQ **req)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	BIO *b;
	HF_TRY(hf_keyio_read_file(path, 1 << 20, &buf, &n));
	b = BIO_new_mem_buf(buf, (int)n);
	if (x)
		*x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (req)
		*req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(buf);
	return (x ? *x != NULL : *req != NULL) ? HF_OK : HF_EPARSE;
}

/* Random positive 127-bit serial (RFC 5280 allows up to 20 octets). */
static hf_err hfn_keys_serial(X509 *x)
{
	unsigned char r[16];
	BIGNUM *bn;
	hf_err rc = HF_ECRYPTO;
	if (RAND_bytes(r, sizeof(r)) != 1)
		return HF_ECRYPTO;
	r[0] &= 0x7f;
	r[0] |= 0x01;
	bn = BN_bin2bn(r, sizeof(r), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		rc = HF_OK;
	BN_free(bn);
	return rc;
}

static bool hfn_keys_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return false;
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static hf_err hfn_keys_fp_of(X509 *x, uint8_t fp[32])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len = i2d_X509(x, &der);
	hf_err rc = HF_ECRYPTO;
	if (len > 0 && EVP_Digest(der, (size_t)len, fp, &n, EVP_sha256(), NULL) == 1 && n == 32)
		rc = HF_OK;
	OPENSSL_free(der);
	return rc;
}

hf_err hfn_keys_tls_make_ca(const char *cadir, const char *name, unsigned days, unsigned crl_days)
{
	hf_err rc = HF_ECRYPTO;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm;
	BIO *b = BIO_new(BIO_s_mem());
	char *kp = hfn_keys_path(cadir, "ca.key"), *cp = hfn_keys_path(cadir, "ca.crt");
	char cn[HF_MAX_NAME_LEN + 8];
	if (k == NULL || x == NULL || b == NULL || kp == NULL || cp == NULL)
		goto out;
	snprintf(cn, sizeof(cn), "%s CA", name);
	nm = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 || hfn_keys_serial(x) != HF_OK ||
	    X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)"hashfed", -1,
	                               -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_set_issuer_name(x, nm) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) == NULL ||
	    X509_set_pubkey(x, k) != 1 ||
	    !hfn_keys_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !hfn_keys_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !hfn_keys_add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    X509_sign(x, k, EVP_sha256()) <= 0 || PEM_write_bio_X509(b, x) != 1)
		goto out;
	HF_CHECK(hfn_keys_write_key(k, kp));
	HF_CHECK(hfn_keys_bio_to_file(b, cp, 0644, false));
	HF_CHECK(hfn_keys_tls_write_crl(cadir, crl_days));
out:
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(b);
	free(kp);
	free(cp);
	return rc;
}

hf_err hfn_keys_tls_new_key_csr(const char *keypath, const char *csrpath, const char *cn)
{
	hf_err rc = HF_ECRYPTO;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509_REQ *r = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME *nm;
	if (k == NULL || r == NULL || b == NULL)
		goto out;
	nm = X509_REQ_get_subject_name(r);
	if (X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)"hashfed", -1,
	                               -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_REQ_set_pubkey(r, k) != 1 || X509_REQ_sign(r, k, EVP_sha256()) <= 0 ||
	    PEM_write_bio_X509_REQ(b, r) != 1)
		goto out;
	HF_CHECK(hfn_keys_write_key(k, keypath));
	HF_CHECK(hfn_keys_bio_to_file(b, csrpath, 0644, false));
out:
	EVP_PKEY_free(k);
	X509_REQ_free(r);
	BIO_free(b);
	return rc;
}

static bool hfn_keys_dns_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

hf_err hfn_keys_tls_sign_csr(const char *cadir, const char *csrpath, const char *const *dns,
                             size_t ndns, const char *const *ips, size_t nips, int64_t not_before,
                             int64_t not_after, const char *outpath, uint8_t fp[32])
{
	hf_err rc = HF_ECRYPTO;
	EVP_PKEY *cakey = NULL, *pub = NULL;
	X509 *ca = NULL, *x = NULL;
	X509_REQ *req = NULL;
	BIO *b = NULL;
	char *kp = hfn_keys_path(cadir, "ca.key"), *cp = hfn_keys_path(cadir, "ca.crt");
	char san[4096];
	size_t off = 0;
	if (kp == NULL || cp == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	if (ndns + nips == 0 || not_after <= not_before) {
		rc = HF_EINVAL;
		goto out;
	}
	/* Names are checked so they cannot inject into the extension syntax. */
	for (size_t i = 0; i < ndns + nips; i++) {
		unsigned char a[16];
		const char *v = i < ndns ? dns[i] : ips[i - ndns];
		bool ok = i < ndns
		              ? hfn_keys_dns_ok(v)
		              : inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1;
		int w;
		if (!ok) {
			rc = HF_EPARSE;
			goto out;
		}
		w = snprintf(san + off, sizeof(san) - off, "%s%s:%s", off ? "," : "",
		             i < ndns ? "DNS" : "IP", v);
		if (w < 0 || (size_t)w >= sizeof(san) - off) {
			rc = HF_ETOOLONG;
			goto out;
		}
		off += (size_t)w;
	}
	HF_CHECK(hfn_keys_load_key(kp, &cakey));
	HF_CHECK(hfn_keys_load_pem(cp, &ca, NULL));
	HF_CHECK(hfn_keys_load_pem(csrpath, NULL, &req));
	rc = HF_ESIG;
	pub = X509_REQ_get_pubkey(req);
	if (pub == NULL || X509_REQ_verify(req, pub) != 1)
		goto out;
	rc = HF_EBADKEY;
	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC)
		goto out; /* mbedTLS peers need ECDSA */
	rc = HF_ECRYPTO;
	x = X509_new();
	b = BIO_new(BIO_s_mem());
	if (x == NULL || b == NULL || X509_set_version(x, 2) != 1 || hfn_keys_serial(x) != HF_OK ||
	    X509_set_subject_name(x, X509_REQ_get_subject_name(req)) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) == NULL ||
	    X509_set_pubkey(x, pub) != 1 ||
	    !hfn_keys_add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !hfn_keys_add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyAgreement") ||
	    !hfn_keys_add_ext(x, ca, NID_ext_key_usage, "serverAuth,clientAuth") ||
	    !hfn_keys_add_ext(x, ca, NID_subject_alt_name, san) ||
	    !hfn_keys_add_ext(x, ca, NID_subject_key_identifier, "hash") ||
	    !hfn_keys_add_ext(x, ca, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(x, cakey, EVP_sha256()) <= 0 || PEM_write_bio_X509(b, x) != 1)
		goto out;
	HF_CHECK(hfn_keys_fp_of(x, fp));
	HF_CHECK(hfn_keys_bio_to_file(b, outpath, 0644, false));
out:
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(pub);
	X509_free(ca);
	X509_free(x);
	X509_REQ_free(req);
	BIO_free(b);
	free(kp);
	free(cp);
	return rc;
}

hf_err hfn_keys_tls_cert_fp(const char *certpath, uint8_t fp[32])
{
	hf_err rc;
	X509 *x = NULL;
	HF_TRY(hfn_keys_load_pem(certpath, &x, NULL));
	rc = hfn_keys_fp_of(x, fp);
	X509_free(x);
	return rc;
}

/* ca/revoked.txt: one "SERIALHEX UNIXSECONDS\n" line per revoked certificate. */
hf_err hfn_keys_tls_write_crl(const char *cadir, unsigned crl_days)
{
	hf_err rc = HF_ECRYPTO;
	char *kp = hfn_keys_path(cadir, "ca.key"), *cp = hfn_keys_path(cadir, "ca.crt");
	char *rp = hfn_keys_path(cadir, "revoked.txt"), *lp = hfn_keys_path(cadir, "crl.pem");
	EVP_PKEY *cakey = NULL;
	X509 *ca = NULL;
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = ASN1_TIME_new(), *next = ASN1_TIME_new();
	BIO *b = BIO_new(BIO_s_mem());
	uint8_t *list = NULL;
	size_t n = 0;
	if (!kp || !cp || !rp || !lp || !crl || !now || !next || !b) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hfn_keys_load_key(kp, &cakey));
	HF_CHECK(hfn_keys_load_pem(cp, &ca, NULL));
	rc = hf_keyio_read_file(rp, 1 << 24, &list, &n);
	if (rc == HF_ENOTFOUND)
		rc = HF_OK;
	HF_CHECK(rc);
	rc = HF_ECRYPTO;
	if (X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) != 1 ||
	    X509_gmtime_adj(now, -60) == NULL ||
	    X509_gmtime_adj(next, (long)crl_days * 86400) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, now) != 1 || X509_CRL_set1_nextUpdate(crl, next) != 1)
		goto out;
	for (char *line = (char *)list; line && *line;) {
		char *nl = strchr(line, '\n');
		char hex[80];
		long long when;
		BIGNUM *bn = NULL;
		X509_REVOKED *rv;
		ASN1_TIME *t;
		if (nl)
			*nl = '\0';
		if (sscanf(line, "%79s %lld", hex, &when) != 2 || BN_hex2bn(&bn, hex) == 0) {
			BN_free(bn);
			rc = HF_EPARSE;
			goto out;
		}
		rv = X509_REVOKED_new();
		t = ASN1_TIME_set(NULL, (time_t)when);
		ASN1_INTEGER *ser = BN_to_ASN1_INTEGER(bn, NULL);
		bool ok = rv && t && ser && X509_REVOKED_set_serialNumber(rv, ser) == 1 &&
		          X509_REVOKED_set_revocationDate(rv, t) == 1 &&
		          X509_CRL_add0_revoked(crl, rv);
		if (ok)
			rv = NULL;
		X509_REVOKED_free(rv);
		ASN1_TIME_free(t);
		ASN1_INTEGER_free(ser);
		BN_free(bn);
		if (!ok)
			goto out;
		line = nl ? nl + 1 : NULL;
	}
	if (X509_CRL_sort(crl) != 1 || X509_CRL_sign(crl, cakey, EVP_sha256()) <= 0 ||
	    PEM_write_bio_X509_CRL(b, crl) != 1)
		goto out;
	rc = hfn_keys_bio_to_file(b, lp, 0644, true);
out:
	free(list);
	EVP_PKEY_free(cakey);
	X509_free(ca);
	X509_CRL_free(crl);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	BIO_free(b);
	free(kp);
	free(cp);
	free(rp);
	free(lp);
	return rc;
}

hf_err hfn_keys_tls_revoke(const char *cadir, const char *certpath, unsigned crl_days)
{
	hf_err rc = HF_ECRYPTO;
	X509 *x = NULL, *ca = NULL;
	EVP_PKEY *capub = NULL;
	BIGNUM *bn = NULL;
	char *hex = NULL, *cp = hfn_keys_path(cadir, "ca.crt"),
	     *rp = hfn_keys_path(cadir, "revoked.txt");
	uint8_t *list = NULL;
	size_t n = 0;
	char *out = NULL;
	size_t outn;
	if (!cp || !rp) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hfn_keys_load_pem(certpath, &x, NULL));
	HF_CHECK(hfn_keys_load_pem(cp, &ca, NULL));
	rc = HF_ESIG;
	capub = X509_get_pubkey(ca);
	if (capub == NULL || X509_verify(x, capub) != 1)
		goto out; /* not issued by this CA */
	rc = HF_ECRYPTO;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex == NULL)
		goto out;
	rc = hf_keyio_read_file(rp, 1 << 24, &list, &n);
	if (rc == HF_ENOTFOUND)
		rc = HF_OK;
	HF_CHECK(rc);
	/* Already listed: a line that starts with exactly this serial. */
	for (const char *l = list ? (const char *)list : ""; *l;) {
		size_t hl = strlen(hex);
		if (strncmp(l, hex, hl) == 0 && l[hl] == ' ') {
			rc = HF_EEXIST;
			goto out;
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : "";
	}
	outn = n + strlen(hex) + 32;
	out = malloc(outn);
	if (out == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	snprintf(out, outn, "%s%s %lld\n", list ? (char *)list : "", hex, (long long)time(NULL));
	HF_CHECK(hf_keyio_replace(rp, out, strlen(out)));
	rc = hfn_keys_tls_write_crl(cadir, crl_days);
out:
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(capub);
	BN_free(bn);
	OPENSSL_free(hex);
	free(list);
	free(out);
	free(cp);
	free(rp);
	return rc;
}
