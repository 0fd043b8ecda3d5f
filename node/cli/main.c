/*
 * hashfed: the operator CLI. A small dispatcher over a table of subcommands;
 * see cli.h for how to add one. Start-up is kept lean (no library
 * initialisation here): each command initialises only what it uses.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hashfed/version.h"

static const hfn_cli_cmd commands[] = {
    {"hash", hfn_cli_cmd_hash, "PDQ / vPDQ, MD5 and SHA-256 of image and video files",
     hfn_cli_hash_usage},
    {"vpdq", hfn_cli_cmd_vpdq, "vPDQ video hashes: Meta's text format, comparison",
     hfn_cli_vpdq_usage},
    {"order", hfn_cli_cmd_order, "takedown orders through the local node", hfn_cli_order_usage},
    {"list", hfn_cli_cmd_list, "create, fill, prune and show hash lists (node API)",
     hfn_cli_list_usage},
    {"status", hfn_cli_cmd_status, "the node's lists and delivery per platform",
     hfn_cli_status_usage},
    {"report", hfn_cli_cmd_report,
     "compliance from the audit log; a platform's transparency report", hfn_cli_report_usage},
    {"audit", hfn_cli_cmd_audit, "verify an audit log, or a platform's transparency report",
     hfn_cli_audit_usage},
};

enum { NCOMMANDS = sizeof(commands) / sizeof(commands[0]) };

static void usage(FILE *f)
{
	fprintf(f, "usage: hashfed <command> [options] [args]\n"
	           "       hashfed help [<command>]\n"
	           "       hashfed --version\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(f, "\nRun `hashfed <command> --help` for a command's options.\n");
}

static const hfn_cli_cmd *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			return &commands[i];
		}
	}
	return NULL;
}

static int help_for(const char *name)
{
	const hfn_cli_cmd *c = find(name);
	if (c == NULL) {
		fprintf(stderr, "hashfed: unknown command '%s'\n", name);
		return HFN_CLI_EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	return HFN_CLI_EXIT_OK;
}

static int is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (is_help(name) || strcmp(name, "help") == 0) {
		if (argc > 2) {
			return help_for(argv[2]);
		}
		usage(stdout);
		return HFN_CLI_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0) {
		printf("hashfed %s\n", HF_VERSION_STRING);
		return HFN_CLI_EXIT_OK;
	}
	const hfn_cli_cmd *c = find(name);
	if (c == NULL) {
		fprintf(stderr, "hashfed: unknown command '%s'\n\n", name);
		usage(stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (is_help(argv[i])) {
			return help_for(name);
		}
	}
	return c->fn(argc - 1, argv + 1);
}
