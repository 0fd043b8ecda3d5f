#ifndef HFN_PREFLIGHT_H
#define HFN_PREFLIGHT_H

/*
 * What an operator can get wrong before the node starts, checked in one place (hashfed-node
 * --check-config and start-up, main.c), each with a one-line message saying what is wrong
 * and what to do, and its own exit status (hashfed-node(8) "EXIT STATUS"):
 *   HFN_EXIT_CONFIG   3  node.ini: unknown section or key, bad value, missing key, token file
 *   HFN_EXIT_MEMBER   4  identity unreadable, manifest invalid, this node not in the manifest
 *   HFN_EXIT_TLS      5  [tls] cert/key unreadable, key not the cert's, the cert does not name
 *                       the host peers dial (the manifest's endpoint), or is not the
 *                       certificate the manifest lists for this node
 *   HFN_EXIT_RUNNING  6  another hashfed-node already runs on data_dir
 *   HFN_EXIT_DATA     7  data_dir/node.db was written by a newer hashfed-node (schema ahead)
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "hashfed/err.h"

enum {
	HFN_EXIT_OK = 0,
	HFN_EXIT_FAIL = 1,
	HFN_EXIT_USAGE = 2,
	HFN_EXIT_CONFIG = 3,
	HFN_EXIT_MEMBER = 4,
	HFN_EXIT_TLS = 5,
	HFN_EXIT_RUNNING = 6,
	HFN_EXIT_DATA = 7,
};

/* Runs every check on a loaded config (the data_dir lock only when starting: --check-config
 * may vet the file of a running node): HF_OK, or the first failure's code with *exit_code
 * and a one-line reason in why. */
hf_err hfn_preflight(const hfn_config *cfg, bool starting, int *exit_code, char *why,
                     size_t why_size) HF_MUST_CHECK;

#endif
