/* `hashfed report`: the compliance report an auditor node computes from its log leaves
 * (docs/audit.md "Report"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char hfn_cli_report_usage[] =
    "usage: hashfed report [--api HOST:PORT] [--token-file FILE] [--period P] [--format F]\n"
    "Compliance per platform and period, computed by the auditor node from the leaves of\n"
    "its audit log only (anyone holding the log gets the same numbers); every figure\n"
    "carries the checkpoint (size, root) it was computed at.\n"
    "  --period P   all (default), YYYY, YYYY-Qn (e.g. 2026-Q4) or YYYY-MM, UTC; orders are\n"
    "               counted by the log time of their ORDER leaf\n"
    "  --format F   json (default) or csv (scope,figure,value,checkpoint_size,checkpoint_root)\n"
    "\n"
    "usage: hashfed report transparency [--api HOST:PORT] [--token-file FILE] [--period P]\n"
    "                                   [--log AUDITOR]\n"
    "On a platform node: its own transparency report (docs/audit.md), its outcomes of the\n"
    "period counted by category and outcome, each with its log leaf, inclusion proof and\n"
    "cosigned checkpoint; `hashfed audit verify-report` checks it.\n"
    "  --log AUDITOR  the auditor member id (hex) whose log proves it (default: the first)\n";

int hfn_cli_cmd_report(int argc, char **argv)
{
	hfn_cli_api a;
	const char *period = "all", *format = "json", *log = NULL;
	char path[256];
	int ex = hfn_cli_api_opts(&argc, argv, &a);
	bool transparency = argc > 1 && !strcmp(argv[1], "transparency");
	if (ex != HFN_CLI_EXIT_OK)
		return ex;
	for (int i = transparency ? 2 : 1; i < argc; i++) {
		if (!strcmp(argv[i], "--period") && i + 1 < argc)
			period = argv[++i];
		else if (!strcmp(argv[i], "--format") && i + 1 < argc && !transparency)
			format = argv[++i];
		else if (!strcmp(argv[i], "--log") && i + 1 < argc && transparency)
			log = argv[++i];
		else {
			fputs(hfn_cli_report_usage, stderr);
			return HFN_CLI_EXIT_USAGE;
		}
	}
	if ((strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) ||
	    strspn(period, "0123456789-Qal") != strlen(period) || strlen(period) > 16) {
		fputs(hfn_cli_report_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	if (transparency) {
		if (log && (strlen(log) != 32 || strspn(log, "0123456789abcdef") != 32)) {
			fputs(hfn_cli_report_usage, stderr);
			return HFN_CLI_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/v1/audit/transparency?period=%s%s%s", period,
		         log ? "&log=" : "", log ? log : "");
		return hfn_cli_call(&a, "GET", path, NULL);
	}
	snprintf(path, sizeof(path), "/v1/report?period=%s&format=%s", period, format);
	return hfn_cli_call(&a, "GET", path, NULL);
}
