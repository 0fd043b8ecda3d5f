/* Store: online backup and restore of the database file (store_backup.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_backup.h"
#include "hf_check.h"

/* Pages copied per step; between steps the source's read lock is released so a checkpoint
 * can run. A commit by another connection between steps restarts the copy, so after a few
 * restarts the rest is copied in one step (one read transaction: a consistent snapshot
 * that never blocks the WAL writer). */
#define HFN_BACKUP_STEP_PAGES 4096
#define HFN_BACKUP_RESTARTS   4

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static hf_err copy_db(sqlite3 *from, sqlite3 *to, uint64_t *pages)
{
	hf_err rc = HF_EDB;
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	int r, busy = 0, last_remaining = -1, restarts = 0;
	if (!b)
		return HF_EDB;
	for (;;) {
		int step = restarts >= HFN_BACKUP_RESTARTS ? -1 : HFN_BACKUP_STEP_PAGES;
		r = sqlite3_backup_step(b, step);
		if (r == SQLITE_DONE)
			break;
		if (r == SQLITE_BUSY || r == SQLITE_LOCKED) {
			if (++busy > 2000) /* ~20 s of a lock held elsewhere */
				goto out;
			nap_ms(10);
			continue;
		}
		if (r != SQLITE_OK)
			goto out;
		int remaining = sqlite3_backup_remaining(b);
		if (last_remaining >= 0 && remaining > last_remaining)
			restarts++; /* the source changed under us: the copy started over */
		last_remaining = remaining;
	}
	*pages = (uint64_t)sqlite3_backup_pagecount(b);
	rc = HF_OK;
out:
	if (sqlite3_backup_finish(b) != SQLITE_OK && rc == HF_OK)
		rc = HF_EDB;
	return rc;
}

static hf_err exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? HF_OK : HF_EDB;
}

/* integrity_check and user_version of an open database. */
static hf_err check_db(sqlite3 *db, hfn_store_copy_info *info)
{
	hf_err rc = HF_EDB;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	info->schema = sqlite3_column_int(st, 0);
	rc = info->schema > HFN_STORE_SCHEMA_VERSION ? HF_EVERSION : HF_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static hf_err open_ro(const char *path, sqlite3 **db)
{
	struct stat st;
	*db = NULL;
	if (stat(path, &st) != 0)
		return HF_ENOTFOUND;
	/* Not SQLITE_OPEN_READONLY for the live source: a WAL reader needs the -shm. */
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return HF_EDB;
	sqlite3_busy_timeout(*db, 10000);
	return HF_OK;
}

/* Creates dst (0600, must not exist) and copies from into it as a journal_mode=DELETE file. */
static hf_err copy_to_new(sqlite3 *from, const char *dst, hfn_store_copy_info *info)
{
	hf_err rc = HF_EIO;
	sqlite3 *to = NULL;
	struct stat st;
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? HF_EEXIST : HF_EIO;
	close(fd);
	rc = HF_EDB;
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto out;
	HF_CHECK(copy_db(from, to, &info->pages));
	/* The copy carries the source's WAL flag: make it one self-contained file. */
	HF_CHECK(exec(to, "PRAGMA journal_mode=DELETE"));
	HF_CHECK(check_db(to, info));
	if (sqlite3_close(to) != SQLITE_OK) {
		to = NULL;
		goto out;
	}
	to = NULL;
	/* Durable before we report success. */
	fd = open(dst, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		rc = HF_EIO;
		goto out;
	}
	close(fd);
	info->bytes = (uint64_t)st.st_size;
	return HF_OK;
out:
	sqlite3_close(to);
	unlink(dst);
	return rc;
}

hf_err hfn_store_backup(const char *src, const char *dst, hfn_store_copy_info *info)
{
	sqlite3 *from = NULL;
	memset(info, 0, sizeof(*info));
	hf_err rc = open_ro(src, &from);
	if (rc == HF_OK)
		rc = copy_to_new(from, dst, info);
	sqlite3_close(from);
	return rc;
}

hf_err hfn_store_backup_check(const char *path, hfn_store_copy_info *info)
{
	sqlite3 *db = NULL;
	struct stat st;
	memset(info, 0, sizeof(*info));
	if (stat(path, &st) != 0)
		return HF_ENOTFOUND;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return HF_EDB;
	}
	hf_err rc = check_db(db, info);
	info->bytes = (uint64_t)st.st_size;
	sqlite3_close(db);
	return rc;
}

hf_err hfn_store_restore(const char *src, const char *dst, hfn_store_copy_info *info)
{
	char tmp[4096], side[4096];
	sqlite3 *from = NULL;
	HF_TRY(hfn_store_backup_check(src, info));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.restore", dst) >= sizeof(tmp))
		return HF_EINVAL;
	unlink(tmp); /* left by an interrupted restore */
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(from);
		return HF_EDB;
	}
	hf_err rc = copy_to_new(from, tmp, info);
	sqlite3_close(from);
	if (rc != HF_OK)
		return rc;
	/* The old database's log and index would be replayed over the new file. */
	static const char *const SIDE[] = {"-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof(SIDE) / sizeof(SIDE[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", dst, SIDE[i]);
		if (unlink(side) != 0 && errno != ENOENT) {
			unlink(tmp);
			return HF_EIO;
		}
	}
	if (rename(tmp, dst) != 0) {
		unlink(tmp);
		return HF_EIO;
	}
	return HF_OK;
}

hf_err hfn_store_file_schema(const char *path, int *version)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	hf_err rc = HF_EDB;
	*version = -1;
	if (stat(path, &sb) != 0)
		return HF_ENOTFOUND;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = HF_OK;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
