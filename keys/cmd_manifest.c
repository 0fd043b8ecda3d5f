/* hashfed-keys manifest: dispatcher of the manifest subcommands. */
#include <stdio.h>
#include <string.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys manifest <subcommand> -m FILE [options]\n"
    "\n"
    "Edits a draft manifest (each edit bumps the epoch and drops all signatures):\n"
    "  add-member     add a member from its node.pub, with roles, endpoints, TLS certs\n"
    "  set-roles      replace a member's roles\n"
    "  set-endpoint   replace a member's endpoints\n"
    "  set-tls        replace a member's TLS certificate fingerprints\n"
    "  rotate-key     add a member's new keys (from a new node.pub), retire the old\n"
    "  revoke         revoke one key, or all keys of a member, from a time on\n"
    "  remove         remove a member\n"
    "  set-roots      replace the root key set and threshold (needs K old signatures)\n"
    "Signs, verifies and shows it:\n"
    "  sign           add one root signature\n"
    "  verify         check K valid root signatures (and the update rule with --held)\n"
    "  show           print it (--json for JSON)\n"
    "\n"
    "'hashfed-keys manifest <subcommand> --help' describes each.\n" HFN_KEYS_EXIT_CODES_HELP;

int hfn_keys_cmd_manifest(int argc, char **argv)
{
	static const char *const edits[] = {"add-member", "set-roles", "set-endpoint", "set-tls",
	                                    "rotate-key", "revoke",    "remove",       "set-roots"};
	const char *sub;
	if (argc < 2) {
		fputs(hfn_keys_help, stderr);
		return HFN_KEYS_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(hfn_keys_help, stdout);
		return HFN_KEYS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		if (strcmp(sub, edits[i]) == 0)
			return hfn_keys_cmd_manifest_edit(sub, argc - 1, argv + 1);
	if (strcmp(sub, "sign") == 0)
		return hfn_keys_cmd_manifest_sign(argc - 1, argv + 1);
	if (strcmp(sub, "verify") == 0)
		return hfn_keys_cmd_manifest_verify(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return hfn_keys_cmd_manifest_show(argc - 1, argv + 1);
	fprintf(stderr, "hashfed-keys manifest: unknown subcommand '%s'\n", sub);
	fputs(hfn_keys_help, stderr);
	return HFN_KEYS_EXIT_USAGE;
}
