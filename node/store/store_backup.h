#ifndef HFN_STORE_BACKUP_H
#define HFN_STORE_BACKUP_H

/*
 * Backup and restore of a node's database file (docs/operating.md "Backups and restore").
 * Both go through SQLite's online backup API (sqlite3_backup_*), page by page from a read
 * transaction of the source, so the copy is one consistent snapshot even while the node
 * keeps writing (WAL: the writer is never blocked; the snapshot is the last commit before
 * the copy started).
 */
#include <stdint.h>

#include "hashfed/err.h"

typedef struct hfn_store_copy_info {
	int schema;     /* PRAGMA user_version of the copy */
	uint64_t pages; /* pages copied */
	uint64_t bytes; /* size of the copy */
} hfn_store_copy_info;

/*
 * Copies the live database src into the new file dst (created 0600; it must not exist:
 * HF_EEXIST), as a self-contained file (rollback journal mode, no -wal), then checks the
 * copy (PRAGMA integrity_check). On any error dst is removed. Errors: HF_EEXIST, HF_EIO
 * (dst not creatable), HF_ENOTFOUND (src absent), HF_EDB.
 */
hf_err hfn_store_backup(const char *src, const char *dst, hfn_store_copy_info *info) HF_MUST_CHECK;

/*
 * Checks a backup file: opens it read-only, PRAGMA integrity_check must say ok and its schema
 * version must be one this build knows (<= HFN_STORE_SCHEMA_VERSION; newer: HF_EVERSION, the
 * backup was made by a newer hashfed-node). Errors: HF_ENOTFOUND, HF_EDB (not a database or
 * damaged), HF_EVERSION.
 */
hf_err hfn_store_backup_check(const char *path, hfn_store_copy_info *info) HF_MUST_CHECK;

/*
 * Writes the backup src as the database dst of a stopped node: copies it to dst.restore
 * (0600) with the backup API, removes dst's stale -wal and -shm, renames the copy over dst.
 * The caller holds the data directory's lock (no node runs on it). Errors as above.
 */
hf_err hfn_store_restore(const char *src, const char *dst, hfn_store_copy_info *info) HF_MUST_CHECK;

/* PRAGMA user_version of the database file at path, read-only and without a check (start-up:
 * a database written by a newer hashfed-node). HF_ENOTFOUND if absent, HF_EDB otherwise. */
hf_err hfn_store_file_schema(const char *path, int *version) HF_MUST_CHECK;

#endif
