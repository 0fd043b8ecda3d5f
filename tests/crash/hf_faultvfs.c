/*
 * hf_faultvfs: an SQLite VFS shim for I/O fault tests (tests/crash/io_faults.sh).
 *
 * Loaded into an unmodified hashfed-node with LD_PRELOAD: a constructor wraps
 * the default VFS and registers the wrapper as the new default, so every
 * database the node opens goes through it. What fails is read from the control
 * file named by HF_FAULT_CTL (re-read whenever it changes), one command:
 *
 *   ok        no faults
 *   write N   after N more successful xWrite calls, every xWrite fails
 *             (SQLITE_IOERR_WRITE: a failing disk)
 *   full N    the same with SQLITE_FULL (the disk is full)
 *   sync N    after N more successful xSync calls, every xSync fails
 *             (SQLITE_IOERR_FSYNC)
 *
 * Each injected fault is appended to HF_FAULT_LOG (if set) as "<op> <file>", so
 * a test can count them. sqlite3 appears only under node/store/ and tests/
 * (scripts/lint.sh); this file is the tests/ side.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

enum { F_OK_MODE, F_WRITE, F_FULL, F_SYNC };

static sqlite3_vfs *g_real;
static sqlite3_vfs g_vfs;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_mode = F_OK_MODE;
static long g_left; /* successful calls still allowed before faults start */
static struct timespec g_mtime;
static off_t g_size = -1;

typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct in the same allocation */
	char name[128];
} fault_file;

/* Re-reads the control file if it changed (caller holds g_mu). */
static void ctl_refresh(void)
{
	const char *path = getenv("HF_FAULT_CTL");
	struct stat st;
	char buf[64] = {0};
	if (path == NULL || stat(path, &st) != 0)
		return;
	if (st.st_mtim.tv_sec == g_mtime.tv_sec && st.st_mtim.tv_nsec == g_mtime.tv_nsec &&
	    st.st_size == g_size)
		return;
	g_mtime = st.st_mtim;
	g_size = st.st_size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return;
	buf[n] = '\0';
	long count = 0;
	char word[16] = {0};
	if (sscanf(buf, "%15s %ld", word, &count) < 1)
		return;
	g_left = count;
	if (!strcmp(word, "write"))
		g_mode = F_WRITE;
	else if (!strcmp(word, "full"))
		g_mode = F_FULL;
	else if (!strcmp(word, "sync"))
		g_mode = F_SYNC;
	else
		g_mode = F_OK_MODE;
}

static void fault_log(const char *op, const char *file)
{
	const char *path = getenv("HF_FAULT_LOG");
	if (path == NULL)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char line[200];
	int n = snprintf(line, sizeof(line), "%s %s\n", op, file);
	if (n > 0)
		(void)!write(fd, line, (size_t)n);
	close(fd);
}

/* Whether this call of kind (F_WRITE covers write and full) is to fail; returns the code. */
static int fault_for(int kind, const fault_file *f)
{
	int rc = SQLITE_OK;
	pthread_mutex_lock(&g_mu);
	ctl_refresh();
	bool match = kind == F_SYNC ? g_mode == F_SYNC : (g_mode == F_WRITE || g_mode == F_FULL);
	if (match) {
		if (g_left > 0)
			g_left--;
		else
			rc = g_mode == F_SYNC   ? SQLITE_IOERR_FSYNC
			     : g_mode == F_FULL ? SQLITE_FULL
			                        : SQLITE_IOERR_WRITE;
	}
	pthread_mutex_unlock(&g_mu);
	if (rc != SQLITE_OK)
		fault_log(rc == SQLITE_IOERR_FSYNC ? "sync"
		          : rc == SQLITE_FULL      ? "full"
		                                   : "write",
		          f->name);
	return rc;
}

#define REAL(f) (((fault_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
	return REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
}
static int f_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int f_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	int rc = fault_for(F_WRITE, (fault_file *)f);
	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags)
{
	int rc = fault_for(F_SYNC, (fault_file *)f);
	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_ctl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_dev(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int pgsz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, ext, pp);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods g_methods = {
    3,          f_close,       f_read,      f_write, f_truncate, f_sync, f_size,
    f_lock,     f_unlock,      f_check,     f_ctl,   f_sector,   f_dev,  f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
	fault_file *f = (fault_file *)file;
	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	const char *base = name == NULL         ? "(temp)"
	                   : strrchr(name, '/') ? strrchr(name, '/') + 1
	                                        : name;
	snprintf(f->name, sizeof(f->name), "%s", base);
	int rc = g_real->xOpen(g_real, name, f->real, flags, out);
	/* pMethods set even on failure would make SQLite call xClose: only on success. */
	f->base.pMethods = rc == SQLITE_OK && f->real->pMethods ? &g_methods : NULL;
	return rc;
}

static int v_delete(sqlite3_vfs *v, const char *n, int sync)
{
	(void)v;
	return g_real->xDelete(g_real, n, sync);
}
static int v_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
	(void)v;
	return g_real->xAccess(g_real, n, flags, out);
}
static int v_full(sqlite3_vfs *v, const char *n, int len, char *out)
{
	(void)v;
	return g_real->xFullPathname(g_real, n, len, out);
}
static int v_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return g_real->xRandomness(g_real, n, out);
}
static int v_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return g_real->xSleep(g_real, us);
}
static int v_time(sqlite3_vfs *v, double *t)
{
	(void)v;
	return g_real->xCurrentTime(g_real, t);
}
static int v_lasterr(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, out) : 0;
}
static int v_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
	(void)v;
	return g_real->xCurrentTimeInt64(g_real, t);
}

__attribute__((constructor)) static void hf_faultvfs_init(void)
{
	g_real = sqlite3_vfs_find(NULL);
	if (g_real == NULL || g_real->iVersion < 2) {
		fprintf(stderr, "hf_faultvfs: no default VFS\n");
		return;
	}
	memset(&g_vfs, 0, sizeof(g_vfs));
	g_vfs.iVersion = 2;
	g_vfs.szOsFile = (int)sizeof(fault_file) + g_real->szOsFile;
	g_vfs.mxPathname = g_real->mxPathname;
	g_vfs.zName = "hf_fault";
	g_vfs.xOpen = v_open;
	g_vfs.xDelete = v_delete;
	g_vfs.xAccess = v_access;
	g_vfs.xFullPathname = v_full;
	g_vfs.xRandomness = v_random;
	g_vfs.xSleep = v_sleep;
	g_vfs.xCurrentTime = v_time;
	g_vfs.xGetLastError = v_lasterr;
	g_vfs.xCurrentTimeInt64 = v_time64;
	if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK)
		fprintf(stderr, "hf_faultvfs: register failed\n");
}
