/* Start-up checks of what an operator configures (preflight.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/datadir.h"
#include "core/log.h"
#include "core/node.h"
#include "core/preflight.h"
#include "store/store.h"
#include "store/store_backup.h"

/* Host part of "tls+tcp://host:port" ("[v6]" without brackets). */
static void endpoint_host(const char *ep, char *host, size_t size)
{
	const char *h = strstr(ep, "://");
	h = h ? h + 3 : ep;
	const char *end = strrchr(h, ':');
	size_t n = end ? (size_t)(end - h) : strlen(h);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(host, h, n);
	host[n] = 0;
}

/* "DNS:a, IP:b" of the certificate's subjectAltName. */
static void cert_names(X509 *x, char *out, size_t size)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	out[0] = 0;
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char one[80] = "";
		if (g->type == GEN_DNS) {
			snprintf(one, sizeof(one), "DNS:%.*s", ASN1_STRING_length(g->d.dNSName),
			         (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		} else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4) {
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			snprintf(one, sizeof(one), "IP:%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		} else if (g->type == GEN_IPADD) {
			snprintf(one, sizeof(one), "IP:(v6)");
		}
		if (one[0] && used + strlen(one) + 3 < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "",
			                         one);
	}
	GENERAL_NAMES_free(names);
	if (!out[0])
		snprintf(out, size, "no subjectAltName");
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return x;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return k;
}

/* [tls]: readable, the key is the cert's, the cert names the endpoint host peers dial and
 * is one the manifest lists for this member (when it lists any). */
static hf_err check_tls(const hfn_config *cfg, const hf_member *me, char *why, size_t size)
{
	hf_err rc = HF_ECONFIG;
	X509 *x = load_cert(cfg->tls_cert);
	EVP_PKEY *k = NULL;
	char names[512], host[256];
	if (!x) {
		snprintf(why, size, "[tls] cert %s: cannot read a PEM certificate from it",
		         cfg->tls_cert);
		goto out;
	}
	k = load_key(cfg->tls_key);
	if (!k) {
		snprintf(why, size, "[tls] key %s: cannot read a PEM private key from it",
		         cfg->tls_key);
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		snprintf(why, size, "[tls] key %s is not the key of [tls] cert %s", cfg->tls_key,
		         cfg->tls_cert);
		goto out;
	}
	cert_names(x, names, sizeof(names));
	for (size_t i = 0; i < hf_member_n_endpoints(me); i++) {
		const char *ep = hf_member_endpoint(me, i);
		endpoint_host(ep, host, sizeof(host));
		if (X509_check_host(x, host, 0, 0, NULL) == 1 || X509_check_ip_asc(x, host, 0) == 1)
			continue;
		snprintf(why, size,
		         "[tls] cert %s is for %s, but peers dial this node at %s (its manifest "
		         "endpoint) and will refuse it: issue one for that name with hashfed-keys "
		         "sign-cert --dns/--ip %s",
		         cfg->tls_cert, names, ep, host);
		goto out;
	}
	size_t nfp = hf_member_n_tls_fps(me);
	if (nfp > 0) {
		unsigned char *der = NULL;
		uint8_t fp[HF_TLS_FP_LEN];
		unsigned int n = 0;
		int len = i2d_X509(x, &der);
		bool listed = false;
		if (len > 0 && EVP_Digest(der, (size_t)len, fp, &n, EVP_sha256(), NULL) == 1 &&
		    n == HF_TLS_FP_LEN)
			for (size_t i = 0; i < nfp && !listed; i++)
				listed = memcmp(hf_member_tls_fp(me, i), fp, HF_TLS_FP_LEN) == 0;
		OPENSSL_free(der);
		if (!listed) {
			snprintf(why, size,
			         "[tls] cert %s is not a certificate the manifest lists for member "
			         "'%s': use that member's tls.crt, or update the manifest "
			         "(hashfed-keys manifest set-tls)",
			         cfg->tls_cert, hf_member_name(me));
			goto out;
		}
	}
	rc = HF_OK;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	return rc;
}

hf_err hfn_preflight(const hfn_config *cfg, bool starting, int *exit_code, char *why,
                     size_t why_size)
{
	hfn_node node;
	hf_err rc;
	long holder = 0;
	int fd = -1;
	char kid[2 * HF_KEYID_LEN + 1];
	memset(&node, 0, sizeof(node));
	node.cfg = *cfg;
	pthread_rwlock_init(&node.mlock, NULL);
	*exit_code = HFN_EXIT_CONFIG;
	rc = hfn_config_check_secret_file(cfg->api_token_file);
	if (rc != HF_OK) {
		snprintf(why, why_size,
		         rc == HF_EPERM ? "[api] token_file %s: group or others may read it "
		                          "(chmod 600 %s)"
		                        : "[api] token_file %s: cannot read it%.0s",
		         cfg->api_token_file, cfg->api_token_file);
		goto out;
	}
	*exit_code = HFN_EXIT_MEMBER;
	rc = hfn_node_load_identity(cfg->identity, &node.id);
	if (rc != HF_OK) {
		snprintf(why, why_size, "[node] identity %s/node.key: %s", cfg->identity,
		         rc == HF_EPERM   ? "group or others may read it (chmod 600)"
		         : rc == HF_EAUTH ? "encrypted with a passphrase; the node needs it plain"
		         : rc == HF_EIO   ? "cannot read it (hashfed-keys new-node writes it)"
		                          : hf_strerror(rc));
		goto out;
	}
	rc = hfn_node_load_manifest(&node);
	if (rc == HF_EUNKNOWNMEMBER || rc == HF_EUNKNOWNSENDER) {
		hf_key_id_hex(hf_identity_sign_keyid(node.id), kid);
		snprintf(
		    why, why_size,
		    "[node] manifest %s does not list this node (signing key id %s): add it "
		    "(hashfed-keys manifest add-member --pub %s/node.pub), have the roots sign, "
		    "install the new manifest",
		    cfg->manifest, kid, cfg->identity);
		goto out;
	}
	if (rc != HF_OK) {
		snprintf(why, why_size, "[node] manifest %s: %s (%s)", cfg->manifest,
		         hf_strerror(rc), hf_err_name(rc));
		goto out;
	}
	if (!cfg->insecure_loopback) {
		const hf_member *me;
		*exit_code = HFN_EXIT_TLS;
		rc = hf_manifest_find_member(node.manifest, node.self, &me);
		if (rc == HF_OK)
			rc = check_tls(cfg, me, why, why_size);
		if (rc != HF_OK)
			goto out;
	}
	*exit_code = HFN_EXIT_RUNNING;
	rc = starting ? hfn_datadir_lock(cfg->data_dir, &fd, &holder) : HF_OK;
	if (rc == HF_EEXIST) {
		snprintf(why, why_size,
		         "a hashfed-node (pid %ld) already runs on [node] data_dir %s: stop it, or "
		         "give this one its own data_dir",
		         holder, cfg->data_dir);
		goto out;
	}
	if (rc != HF_OK) {
		*exit_code = HFN_EXIT_CONFIG;
		snprintf(why, why_size, "[node] data_dir %s: cannot create or lock it",
		         cfg->data_dir);
		goto out;
	}
	/* A downgrade: the database is of a schema this binary does not know. */
	char db[HFN_PATH_MAX + 16];
	int schema;
	snprintf(db, sizeof(db), "%s/node.db", cfg->data_dir);
	if (hfn_store_file_schema(db, &schema) == HF_OK && schema > HFN_STORE_SCHEMA_VERSION) {
		*exit_code = HFN_EXIT_DATA;
		rc = HF_EVERSION;
		snprintf(why, why_size,
		         "%s has schema %d, this hashfed-node knows up to %d: it was written by a "
		         "newer hashfed-node; run that one, or restore the backup taken before the "
		         "upgrade (hashfed-node restore)",
		         db, schema, HFN_STORE_SCHEMA_VERSION);
		goto out;
	}
	*exit_code = HFN_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	hf_manifest_free(node.manifest);
	hf_identity_free(node.id);
	pthread_rwlock_destroy(&node.mlock);
	return rc;
}
