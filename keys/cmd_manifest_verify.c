/* hashfed-keys manifest verify: K valid root signatures, and the update rule. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys manifest verify -m FILE [--held HELD]\n"
    "\n"
    "Without --held: checks that FILE carries valid signatures of at least K distinct\n"
    "keys of its own root set (signatures by other keys are ignored, a root counts\n"
    "once). With --held: applies the rule a node applies to a new manifest: same\n"
    "federation, epoch greater than HELD's (rollback refused), K signatures of HELD's\n"
    "roots and K of its own. Exit 0 if valid, 3 if refused.\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

int hfn_keys_cmd_manifest_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"manifest", required_argument, NULL, 'm'},
	                                     {"held", required_argument, NULL, 'H'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *cmd = "manifest verify", *mf = NULL, *held = NULL;
	hf_manifest *m = NULL, *h = NULL;
	hf_err rc;
	int c, ex = HFN_KEYS_EXIT_OK;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mf = optarg;
			break;
		case 'H':
			held = optarg;
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
	if (mf == NULL)
		return hfn_keys_usage(cmd, "-m FILE is required");
	if ((rc = hfn_keys_manifest_load(mf, &m)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot load %s", mf);
		goto done;
	}
	if (held != NULL && (rc = hfn_keys_manifest_load(held, &h)) != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot load %s", held);
		goto done;
	}
	rc = h ? hf_manifest_accept(h, m) : hf_manifest_verify(m);
	if (rc != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "%s refused", mf);
		goto done;
	}
	printf("%s: valid, epoch %llu, %zu members%s\n", mf,
	       (unsigned long long)hf_manifest_epoch(m), hf_manifest_n_members(m),
	       h ? ", accepted over the held manifest" : "");
done:
	hf_manifest_free(m);
	hf_manifest_free(h);
	return ex;
}
