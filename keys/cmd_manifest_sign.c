/* hashfed-keys manifest sign: add one root signature. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys manifest sign -m FILE --root KEYFILE [--passphrase-file FILE]\n"
    "\n"
    "Adds (or replaces) the signature of one root key over the manifest body and\n"
    "rewrites FILE (0644). Does not change the epoch. Run it once per root holder;\n"
    "the manifest is valid once K distinct roots of its root set have signed. For a\n"
    "root rotation (set-roots), K holders of the OLD roots sign too: their keys need\n"
    "not be in the new set. KEYFILE must not be readable by group or others.\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

int hfn_keys_cmd_manifest_sign(int argc, char **argv)
{
	static const struct option opts[] = {{"manifest", required_argument, NULL, 'm'},
	                                     {"root", required_argument, NULL, 'r'},
	                                     {"passphrase-file", required_argument, NULL, 'p'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *cmd = "manifest sign", *mf = NULL, *root = NULL, *pass = NULL;
	hf_manifest *m = NULL;
	hf_identity *id = NULL;
	hf_keyfile_kind kind;
	unsigned count = 0;
	bool in_set = false;
	hf_err rc;
	int c, ex = HFN_KEYS_EXIT_OK;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mf = optarg;
			break;
		case 'r':
			root = optarg;
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
	if (mf == NULL || root == NULL)
		return hfn_keys_usage(cmd, "-m FILE and --root KEYFILE are required");
	if ((rc = hfn_keys_manifest_load(mf, &m)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot load %s", mf);
		goto done;
	}
	rc = hfn_keyio_load_identity(root, pass, &kind, &id);
	if (rc == HF_EAUTH)
		fprintf(stderr, "hashfed-keys %s: %s is encrypted: give --passphrase-file\n", cmd,
		        root);
	if (rc != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot load %s", root);
		goto done;
	}
	if (kind != HF_KEYFILE_ROOT) {
		ex = hfn_keys_fail(cmd, HF_EINVAL, "%s is not a root key", root);
		goto done;
	}
	for (size_t i = 0; i < hf_manifest_n_roots(m); i++)
		in_set |=
		    memcmp(hf_manifest_root(m, i), hf_identity_sign_pk(id), HF_SIGN_PK_LEN) == 0;
	if ((rc = hf_manifest_sign(m, id)) != HF_OK ||
	    (rc = hfn_keys_manifest_save(mf, m)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot sign %s", mf);
		goto done;
	}
	rc = hf_manifest_verify(m);
	count = hfn_keys_root_count(m);
	printf("%s: epoch %llu signed%s; %u of %u required root signatures%s\n", mf,
	       (unsigned long long)hf_manifest_epoch(m),
	       in_set ? "" : " (by a key outside its root set)", count, hf_manifest_threshold(m),
	       rc == HF_OK ? ": valid" : "");
done:
	hf_identity_free(id);
	hf_manifest_free(m);
	return ex;
}
