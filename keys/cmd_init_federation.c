/* hashfed-keys init-federation: federation id, N root keys, TLS CA, empty manifest. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys init-federation --name NAME --roots N --threshold K --out DIR\n"
    "                                    [--passphrase-file FILE] [--ca-days D] [--crl-days D]\n"
    "\n"
    "Creates a new federation in DIR (new or empty):\n"
    "  DIR/root-<i>.key   root signing key i of N (0600; hand each to a different person)\n"
    "  DIR/root-<i>.pub   its public key (0644)\n"
    "  DIR/ca/ca.key      TLS CA private key, ECDSA P-256, PEM (0600)\n"
    "  DIR/ca/ca.crt      TLS CA certificate, self-signed, PEM (0644)\n"
    "  DIR/ca/crl.pem     empty certificate revocation list, PEM (0644)\n"
    "  DIR/manifest.mp    membership manifest, epoch 1, no members, unsigned (0644)\n"
    "A manifest is valid once K of the N roots have signed it (manifest sign).\n"
    "\n"
    "  --name NAME              federation name (<= 128 bytes)\n"
    "  --roots N                number of root keys, 1..16\n"
    "  --threshold K            signatures needed, 1..N\n"
    "  --out DIR                output directory\n"
    "  --passphrase-file FILE   encrypt the root key files (Argon2id + XChaCha20-Poly1305)\n"
    "  --ca-days D              CA certificate lifetime (default 3650)\n"
    "  --crl-days D             CRL validity before it must be refreshed (default 365)\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

static bool hfn_keys_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > max || s[0] == '-')
		return false;
	*out = (unsigned)v;
	return true;
}

int hfn_keys_cmd_init_federation(int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
	                                     {"roots", required_argument, NULL, 'r'},
	                                     {"threshold", required_argument, NULL, 'k'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"passphrase-file", required_argument, NULL, 'p'},
	                                     {"ca-days", required_argument, NULL, 'c'},
	                                     {"crl-days", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *cmd = "init-federation", *name = NULL, *out = NULL, *pass = NULL;
	unsigned n = 0, k = 0, ca_days = 3650, crl_days = 365;
	hf_identity *roots[HF_MAX_ROOTS] = {NULL};
	uint8_t pks[HF_MAX_ROOTS][HF_SIGN_PK_LEN];
	hf_fed_id fed;
	hf_manifest *m = NULL;
	char *path = NULL, *cadir = NULL;
	char fedhex[2 * HF_FEDID_LEN + 1];
	hf_err rc;
	int c, ex = HFN_KEYS_EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'r':
			if (!hfn_keys_uint(optarg, HF_MAX_ROOTS, &n) || n == 0)
				return hfn_keys_usage(cmd, "--roots must be 1..%d", HF_MAX_ROOTS);
			break;
		case 'k':
			if (!hfn_keys_uint(optarg, HF_MAX_ROOTS, &k) || k == 0)
				return hfn_keys_usage(cmd, "--threshold must be 1..%d",
				                      HF_MAX_ROOTS);
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			pass = optarg;
			break;
		case 'c':
			if (!hfn_keys_uint(optarg, 36500, &ca_days) || ca_days == 0)
				return hfn_keys_usage(cmd, "--ca-days must be 1..36500");
			break;
		case 'l':
			if (!hfn_keys_uint(optarg, 3650, &crl_days) || crl_days == 0)
				return hfn_keys_usage(cmd, "--crl-days must be 1..3650");
			break;
		case 'h':
			fputs(hfn_keys_help, stdout);
			return HFN_KEYS_EXIT_OK;
		default:
			return hfn_keys_usage(cmd, "bad option");
		}
	}
	if (optind != argc)
		return hfn_keys_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (name == NULL || out == NULL || n == 0 || k == 0)
		return hfn_keys_usage(cmd, "--name, --roots, --threshold and --out are required");
	if (k > n)
		return hfn_keys_usage(cmd, "--threshold %u is larger than --roots %u", k, n);

	randombytes_buf(fed.b, sizeof fed.b);
	if ((rc = hfn_keys_mkdir(out, 0755)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot create %s (must be new or empty)", out);
		goto done;
	}
	for (unsigned i = 0; i < n; i++) {
		char fn[32];
		char pub[1024];
		hf_pubfile pf;
		if ((rc = hf_identity_generate(&roots[i], NULL)) != HF_OK) {
			ex = hfn_keys_fail(cmd, rc, "key generation");
			goto done;
		}
		memcpy(pks[i], hf_identity_sign_pk(roots[i]), HF_SIGN_PK_LEN);
		snprintf(fn, sizeof(fn), "root-%u.key", i + 1);
		free(path);
		path = hfn_keys_path(out, fn);
		if ((rc = hf_keyio_save_identity(path, roots[i], HF_KEYFILE_ROOT, pass, NULL)) !=
		    HF_OK) {
			ex = hfn_keys_fail(cmd, rc, "cannot write %s", path);
			goto done;
		}
		memset(&pf, 0, sizeof(pf));
		snprintf(pf.name, sizeof(pf.name), "root-%u", i + 1);
		memcpy(pf.sign_pk, pks[i], HF_SIGN_PK_LEN);
		snprintf(fn, sizeof(fn), "root-%u.pub", i + 1);
		free(path);
		path = hfn_keys_path(out, fn);
		if ((rc = hf_pubfile_format(&pf, pub, sizeof(pub))) != HF_OK ||
		    (rc = hf_keyio_write_new(path, pub, strlen(pub), 0644)) != HF_OK) {
			ex = hfn_keys_fail(cmd, rc, "cannot write %s", path);
			goto done;
		}
	}
	cadir = hfn_keys_path(out, "ca");
	if ((rc = hfn_keys_mkdir(cadir, 0700)) != HF_OK ||
	    (rc = hfn_keys_tls_make_ca(cadir, name, ca_days, crl_days)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot create the TLS CA in %s", cadir);
		goto done;
	}
	if ((rc = hf_manifest_new(&fed, name, 1, (const uint8_t(*)[HF_SIGN_PK_LEN])pks, n, k,
	                          &m)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "invalid manifest parameters");
		goto done;
	}
	free(path);
	path = hfn_keys_path(out, "manifest.mp");
	if ((rc = hf_keyio_write_new(path, "", 0, 0644)) != HF_OK ||
	    (rc = hfn_keys_manifest_save(path, m)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot write %s", path);
		goto done;
	}
	hf_hex_encode(fed.b, sizeof fed.b, fedhex);
	printf("federation %s \"%s\": %u root keys, threshold %u\n", fedhex, name, n, k);
	printf("wrote %s/root-{1..%u}.{key,pub}, %s/{ca.key,ca.crt,crl.pem}, %s\n", out, n, cadir,
	       path);
done:
	for (unsigned i = 0; i < HF_MAX_ROOTS; i++)
		hf_identity_free(roots[i]);
	hf_manifest_free(m);
	free(path);
	free(cadir);
	return ex;
}
