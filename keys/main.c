/* hashfed-keys: dispatcher. Each subcommand lives in its own cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"

static const struct {
	const char *name;
	hfn_keys_cmd_fn fn;
	const char *what;
} hfn_keys_cmds[] = {
    {"init-federation", hfn_keys_cmd_init_federation, "federation id, root keys, TLS CA, manifest"},
    {"new-node", hfn_keys_cmd_new_node, "node signing/encryption keys, TLS key and CSR"},
    {"sign-cert", hfn_keys_cmd_sign_cert, "sign a node's TLS CSR with the federation CA"},
    {"revoke-cert", hfn_keys_cmd_revoke_cert, "revoke a TLS certificate (CRL)"},
    {"manifest", hfn_keys_cmd_manifest, "edit, sign, verify and show the membership manifest"},
};

static void hfn_keys_main_help(FILE *f)
{
	fprintf(f, "Usage: hashfed-keys <command> [options]\n\n"
	           "Keys, certificates and the membership manifest of a hashfed federation.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(hfn_keys_cmds) / sizeof(hfn_keys_cmds[0]); i++)
		fprintf(f, "  %-16s %s\n", hfn_keys_cmds[i].name, hfn_keys_cmds[i].what);
	fprintf(
	    f,
	    "\n'hashfed-keys <command> --help' describes each command.\n" HFN_KEYS_EXIT_CODES_HELP
	    "See hashfed-keys(1).\n");
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "hashfed-keys: libsodium failed to initialise\n");
		return HFN_KEYS_EXIT_INTERNAL;
	}
	if (argc < 2) {
		hfn_keys_main_help(stderr);
		return HFN_KEYS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		hfn_keys_main_help(stdout);
		return HFN_KEYS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(hfn_keys_cmds) / sizeof(hfn_keys_cmds[0]); i++)
		if (strcmp(argv[1], hfn_keys_cmds[i].name) == 0)
			return hfn_keys_cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hashfed-keys: unknown command '%s'\n", argv[1]);
	hfn_keys_main_help(stderr);
	return HFN_KEYS_EXIT_USAGE;
}
