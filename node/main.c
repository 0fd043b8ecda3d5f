/* hashfed-node: the daemon each federation member runs. */
#include <stdio.h>
#include <malloc.h>
#include <string.h>

#include <sodium.h>

#include "core/config.h"
#include "hashfed/version.h"
#include "core/log.h"
#include "core/node.h"

static const char USAGE[] =
    "usage: hashfed-node --config node.ini [--check-config]\n"
    "       hashfed-node --help | --version\n"
    "\n"
    "  --config FILE     node configuration (INI; see docs/api.md \"Configuration\")\n"
    "  --check-config    validate the configuration, identity and manifest, then exit\n"
    "\n"
    "Logs are JSON lines on stderr. SIGTERM/SIGINT: clean shutdown. SIGHUP: reload the\n"
    "manifest (accepted only if its epoch is newer and it is signed by enough roots).\n";

int main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	bool check = false;
	char err[512];
	hf_config cfg;
	hf_node node;
	hf_err rc;
	/* Batches are multi-megabyte buffers allocated and freed per message: keep
	 * them on the heap instead of a fresh, zero-filled mmap each time (page
	 * faults and page clearing were a fifth of a platform's sync profile). */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(USAGE, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("hashfed-node %s\n", HF_VERSION_STRING);
			return 0;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			cfg_path = argv[++i];
		} else if (!strcmp(argv[i], "--check-config")) {
			check = true;
		} else {
			fprintf(stderr, "hashfed-node: unknown argument '%s'\n%s", argv[i], USAGE);
			return 2;
		}
	}
	if (sodium_init() < 0) {
		hf_log(HF_LOG_ERROR, "sodium_init_failed", NULL);
		return 1;
	}
	if (!cfg_path) {
		fputs(USAGE, stderr);
		return 2;
	}
	rc = hf_config_load(cfg_path, &cfg, err, sizeof(err));
	if (rc != HF_OK) {
		hf_log(HF_LOG_ERROR, "config_invalid", "code", hf_err_name(rc), "message", err,
		       NULL);
		return 1;
	}
	if (check) {
		/* Identity and manifest too: a config pointing at a bad key or a manifest that
		 * does not verify (or does not list us) is not a valid configuration. */
		memset(&node, 0, sizeof(node));
		node.cfg = cfg;
		pthread_rwlock_init(&node.mlock, NULL);
		rc = hf_config_check_secret_file(cfg.api_token_file);
		if (rc == HF_OK)
			rc = hf_node_load_identity(cfg.identity, &node.id);
		if (rc == HF_OK)
			rc = hf_node_load_manifest(&node);
		hf_manifest_free(node.manifest);
		hf_identity_free(node.id);
		pthread_rwlock_destroy(&node.mlock);
		if (rc != HF_OK) {
			hf_log(HF_LOG_ERROR, "check_failed", "code", hf_err_name(rc), NULL);
			return 1;
		}
		printf("{\"config\":\"ok\"}\n");
		return 0;
	}
	rc = hf_node_init(&node, &cfg);
	if (rc == HF_OK)
		rc = hf_node_run(&node);
	if (rc != HF_OK)
		hf_log(HF_LOG_ERROR, "node_failed", "code", hf_err_name(rc), NULL);
	hf_node_fini(&node);
	hf_log(HF_LOG_INFO, "stopped", NULL);
	return rc == HF_OK ? 0 : 1;
}
