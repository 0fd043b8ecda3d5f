/* hashfed-node: the daemon each federation member runs. */
#include <stdio.h>
#include <malloc.h>
#include <string.h>

#include <sodium.h>

#include "core/config.h"
#include "core/datadir.h"
#include "core/preflight.h"
#include "hashfed/version.h"
#include "core/log.h"
#include "core/node.h"

static const char USAGE[] =
    "usage: hashfed-node --config node.ini [--check-config]\n"
    "       hashfed-node backup --config node.ini --out DIR\n"
    "       hashfed-node restore --config node.ini --from DIR [--force]\n"
    "       hashfed-node --help | --version\n"
    "\n"
    "  --config FILE     node configuration (INI; see docs/api.md \"Configuration\")\n"
    "  --check-config    validate the configuration, identity, manifest and TLS files, then exit\n"
    "  backup            consistent copy of data_dir (node.db through SQLite's online backup\n"
    "                    API, pseudonym.key) into the new directory DIR; safe while the node runs\n"
    "  restore           put the backup in DIR back as data_dir's database; refused while a\n"
    "                    node runs on data_dir, and over an existing node.db without --force\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 usage, 3 configuration, 4 identity or manifest\n"
    "(e.g. this node not in the manifest), 5 TLS certificate, 6 a node already runs on\n"
    "data_dir (or restore refused), 7 the database is from a newer hashfed-node.\n"
    "Logs are JSON lines on stderr. SIGTERM/SIGINT: clean shutdown. SIGHUP: reload the\n"
    "manifest (accepted only if its epoch is newer and it is signed by enough roots).\n";

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "hashfed-node: %s%s\n%s", what, arg, USAGE);
	return HFN_EXIT_USAGE;
}

/* One-line reason on stderr as a log line (event, code, message). */
static int refuse(const char *event, hf_err rc, const char *why, int exit_code)
{
	hfn_log(HFN_LOG_ERROR, event, "code", hf_err_name(rc), "message", why, NULL);
	return exit_code;
}

int main(int argc, char **argv)
{
	const char *cfg_path = NULL, *out_dir = NULL, *from_dir = NULL, *cmd = NULL;
	bool check = false, force = false;
	char err[512];
	hfn_config cfg;
	hfn_node node;
	hf_err rc;
	int ex;
	/* Batches are multi-megabyte buffers allocated and freed per message: keep
	 * them on the heap instead of a fresh, zero-filled mmap each time (page
	 * faults and page clearing were a fifth of a platform's sync profile). */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	int i = 1;
	if (argc > 1 && (!strcmp(argv[1], "backup") || !strcmp(argv[1], "restore")))
		cmd = argv[i++];
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(USAGE, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("hashfed-node %s\n", HF_VERSION_STRING);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			cfg_path = argv[++i];
		} else if (!cmd && !strcmp(argv[i], "--check-config")) {
			check = true;
		} else if (cmd && cmd[0] == 'b' && !strcmp(argv[i], "--out") && i + 1 < argc) {
			out_dir = argv[++i];
		} else if (cmd && cmd[0] == 'r' && !strcmp(argv[i], "--from") && i + 1 < argc) {
			from_dir = argv[++i];
		} else if (cmd && cmd[0] == 'r' && !strcmp(argv[i], "--force")) {
			force = true;
		} else {
			return usage_error("unknown argument: ", argv[i]);
		}
	}
	if (sodium_init() < 0) {
		hfn_log(HFN_LOG_ERROR, "sodium_init_failed", NULL);
		return 1;
	}
	if (!cfg_path)
		return usage_error("", "--config FILE is required");
	if (cmd && cmd[0] == 'b' && !out_dir)
		return usage_error("", "backup needs --out DIR (a directory that does not exist)");
	if (cmd && cmd[0] == 'r' && !from_dir)
		return usage_error("", "restore needs --from DIR (made by hashfed-node backup)");
	rc = hfn_config_load(cfg_path, &cfg, err, sizeof(err));
	if (rc != HF_OK)
		return refuse("config_invalid", rc, err, HFN_EXIT_CONFIG);
	if (cmd && cmd[0] == 'b') {
		rc = hfn_datadir_backup(&cfg, out_dir, stdout, err, sizeof(err));
		return rc == HF_OK ? 0 : refuse("backup_failed", rc, err, HFN_EXIT_FAIL);
	}
	if (cmd) {
		rc = hfn_datadir_restore(&cfg, from_dir, force, stdout, err, sizeof(err));
		return rc == HF_OK ? 0
		                   : refuse("restore_refused", rc, err,
		                            rc == HF_EEXIST           ? HFN_EXIT_RUNNING
		                            : rc == HF_EUNKNOWNMEMBER ? HFN_EXIT_MEMBER
		                                                      : HFN_EXIT_FAIL);
	}
	/* Identity, manifest membership, TLS files and the data_dir lock: what an operator can
	 * get wrong, each refused with its own message and exit status (preflight.h). */
	rc = hfn_preflight(&cfg, !check, &ex, err, sizeof(err));
	if (rc != HF_OK)
		return refuse(check ? "check_failed" : "start_refused", rc, err, ex);
	if (check) {
		printf("{\"config\":\"ok\"}\n");
		return 0;
	}
	rc = hfn_node_init(&node, &cfg);
	if (rc == HF_OK)
		rc = hfn_node_run(&node);
	if (rc != HF_OK)
		hfn_log(HFN_LOG_ERROR, "node_failed", "code", hf_err_name(rc), NULL);
	hfn_node_fini(&node);
	hfn_log(HFN_LOG_INFO, "stopped", NULL);
	return rc == HF_OK ? 0 : rc == HF_EEXIST ? HFN_EXIT_RUNNING : 1;
}
