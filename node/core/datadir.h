#ifndef HFN_DATADIR_H
#define HFN_DATADIR_H

/*
 * The data directory: its lock (one hashfed-node per data_dir), backup and restore
 * (`hashfed-node backup|restore`, docs/operating.md "Backups and restore").
 *
 * data_dir/node.lock is held with flock(LOCK_EX) by a running node for its whole life and
 * holds its pid; the kernel drops the lock when the process ends, however it ends.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "hashfed/err.h"

/* Takes the lock of data_dir (creating the directory 0700 if needed): *fd gets the lock's
 * descriptor (keep it open). HF_EEXIST if another process holds it (*holder gets its pid, or
 * 0 if unknown), HF_EIO otherwise. */
hf_err hfn_datadir_lock(const char *data_dir, int *fd, long *holder) HF_MUST_CHECK;

/*
 * `hashfed-node backup`: writes out_dir (created 0700; must not exist) holding node.db (an
 * online, consistent copy of data_dir/node.db, 0600) and pseudonym.key (0600). Safe while
 * the node runs. Prints one JSON line of figures on out; a one-line reason into why.
 */
hf_err hfn_datadir_backup(const hfn_config *cfg, const char *out_dir, FILE *out, char *why,
                          size_t why_size) HF_MUST_CHECK;

/*
 * `hashfed-node restore`: checks the backup in from_dir, takes the data_dir lock (HF_EEXIST:
 * a node runs on it, nothing is touched), refuses an existing node.db unless force
 * (HF_EEXIST), then writes node.db and pseudonym.key.
 */
hf_err hfn_datadir_restore(const hfn_config *cfg, const char *from_dir, bool force, FILE *out,
                           char *why, size_t why_size) HF_MUST_CHECK;

#endif
