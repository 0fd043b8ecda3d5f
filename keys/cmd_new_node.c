/* hashfed-keys new-node: node signing + encryption keys, TLS key and CSR. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys new-node --name NAME --out DIR [--id HEX] [--passphrase-file FILE]\n"
    "\n"
    "Creates a node identity in DIR (new or empty, made 0700):\n"
    "  DIR/node.key   Ed25519 signing + X25519 encryption secret keys (0600;\n"
    "                 encrypted with Argon2id + XChaCha20-Poly1305 if --passphrase-file)\n"
    "  DIR/node.pub   member id, name and public keys, for 'manifest add-member' (0644)\n"
    "  DIR/tls.key    TLS private key, ECDSA P-256, PEM (0600)\n"
    "  DIR/tls.csr    certificate signing request, CN=NAME, PEM (0644), for 'sign-cert'\n"
    "\n"
    "  --name NAME              member name (<= 128 bytes; also the CSR's CN)\n"
    "  --out DIR                output directory\n"
    "  --id HEX                 reuse an existing 16-byte member id (key rotation);\n"
    "                           default: a new random id\n"
    "  --passphrase-file FILE   passphrase for node.key (file must be mode 0600 or stricter)\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

int hfn_keys_cmd_new_node(int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"id", required_argument, NULL, 'i'},
	                                     {"passphrase-file", required_argument, NULL, 'p'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *cmd = "new-node", *name = NULL, *out = NULL, *pass = NULL, *idhex = NULL;
	hf_identity *id = NULL;
	hf_pubfile pf;
	char pub[1024], *kp = NULL, *pp = NULL, *tk = NULL, *tc = NULL, idstr[33];
	hf_err rc;
	int c, ex = HFN_KEYS_EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'i':
			idhex = optarg;
			break;
		case 'p':
			pass = optarg;
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
	if (name == NULL || out == NULL)
		return hfn_keys_usage(cmd, "--name and --out are required");
	memset(&pf, 0, sizeof(pf));
	if (name[0] == '\0' || strlen(name) > HF_MAX_NAME_LEN || strpbrk(name, "\n\r") != NULL)
		return hfn_keys_usage(cmd, "--name must be 1..%d bytes on one line",
		                      HF_MAX_NAME_LEN);
	if (idhex != NULL) {
		if (hfn_keys_parse_hex(idhex, pf.id, sizeof(pf.id)) != HF_OK)
			return hfn_keys_usage(cmd, "--id must be 32 hex digits");
	} else {
		randombytes_buf(pf.id, sizeof(pf.id));
	}
	pf.has_id = true;
	memcpy(pf.name, name, strlen(name) + 1);
	if ((rc = hfn_keys_mkdir(out, 0700)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot create %s (must be new or empty)", out);
		goto done;
	}
	kp = hfn_keys_path(out, "node.key");
	pp = hfn_keys_path(out, "node.pub");
	tk = hfn_keys_path(out, "tls.key");
	tc = hfn_keys_path(out, "tls.csr");
	if ((rc = hf_identity_generate(&id, NULL)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "key generation");
		goto done;
	}
	if ((rc = hf_keyio_save_identity(kp, id, HF_KEYFILE_NODE, pass, NULL)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot write %s", kp);
		goto done;
	}
	memcpy(pf.sign_pk, hf_identity_sign_pk(id), HF_SIGN_PK_LEN);
	memcpy(pf.enc_pk, hf_identity_enc_pk(id), HF_ENC_PK_LEN);
	pf.has_enc = true;
	if ((rc = hf_pubfile_format(&pf, pub, sizeof(pub))) != HF_OK ||
	    (rc = hf_keyio_write_new(pp, pub, strlen(pub), 0644)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot write %s", pp);
		goto done;
	}
	if ((rc = hfn_keys_tls_new_key_csr(tk, tc, name)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot write %s / %s", tk, tc);
		goto done;
	}
	hf_hex_encode(pf.id, sizeof(pf.id), idstr);
	printf("node \"%s\" member id %s\n", name, idstr);
	printf("wrote %s, %s, %s, %s\n", kp, pp, tk, tc);
done:
	hf_identity_free(id);
	free(kp);
	free(pp);
	free(tk);
	free(tc);
	return ex;
}
