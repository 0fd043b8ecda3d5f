/* hashfed-keys: dispatcher. Each subcommand lives in its own cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"

static const struct {
	const char *name;
	hk_cmd_fn fn;
	const char *what;
} hk_cmds[] = {
    {"init-federation", hk_cmd_init_federation, "federation id, root keys, TLS CA, manifest"},
    {"new-node", hk_cmd_new_node, "node signing/encryption keys, TLS key and CSR"},
    {"sign-cert", hk_cmd_sign_cert, "sign a node's TLS CSR with the federation CA"},
    {"revoke-cert", hk_cmd_revoke_cert, "revoke a TLS certificate (CRL)"},
    {"manifest", hk_cmd_manifest, "edit, sign, verify and show the membership manifest"},
};

static void hk_main_help(FILE *f)
{
	fprintf(f, "Usage: hashfed-keys <command> [options]\n\n"
	           "Keys, certificates and the membership manifest of a hashfed federation.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(hk_cmds) / sizeof(hk_cmds[0]); i++)
		fprintf(f, "  %-16s %s\n", hk_cmds[i].name, hk_cmds[i].what);
	fprintf(f, "\n'hashfed-keys <command> --help' describes each command.\n" HK_EXIT_CODES_HELP
	           "See hashfed-keys(1).\n");
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "hashfed-keys: libsodium failed to initialise\n");
		return HK_EXIT_INTERNAL;
	}
	if (argc < 2) {
		hk_main_help(stderr);
		return HK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		hk_main_help(stdout);
		return HK_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(hk_cmds) / sizeof(hk_cmds[0]); i++)
		if (strcmp(argv[1], hk_cmds[i].name) == 0)
			return hk_cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hashfed-keys: unknown command '%s'\n", argv[1]);
	hk_main_help(stderr);
	return HK_EXIT_USAGE;
}
