/* The data directory: lock, backup, restore (datadir.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/datadir.h"
#include "core/log.h"
#include "store/store_backup.h"

#define PSEUDONYM_KEY_LEN 32

hf_err hf_datadir_lock(const char *data_dir, int *fd, long *holder)
{
	char path[HF_PATH_MAX + 16], pid[32];
	*fd = -1;
	*holder = 0;
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
		return HF_EIO;
	snprintf(path, sizeof(path), "%s/node.lock", data_dir);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return HF_EIO;
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		hf_err rc = errno == EWOULDBLOCK ? HF_EEXIST : HF_EIO;
		ssize_t r = pread(f, pid, sizeof(pid) - 1, 0);
		if (r > 0) {
			pid[r] = 0;
			*holder = strtol(pid, NULL, 10);
		}
		close(f);
		return rc;
	}
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
		close(f);
		return HF_EIO;
	}
	*fd = f;
	return HF_OK;
}

/* Copies the small file src to the new file dst (0600, O_EXCL unless replace), fsynced;
 * it must be exactly len bytes. */
static hf_err copy_key(const char *src, const char *dst, size_t len, bool replace)
{
	uint8_t buf[PSEUDONYM_KEY_LEN + 1];
	hf_err rc = HF_EIO;
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	if (in < 0)
		return errno == ENOENT ? HF_ENOTFOUND : HF_EIO;
	ssize_t r = read(in, buf, sizeof(buf));
	close(in);
	if (r != (ssize_t)len) {
		rc = HF_ELENGTH;
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL), 0600);
	if (out < 0 || fchmod(out, 0600) != 0 || write(out, buf, len) != (ssize_t)len ||
	    fsync(out) != 0)
		goto out;
	rc = HF_OK;
out:
	if (out >= 0)
		close(out);
	memset(buf, 0, sizeof(buf));
	return rc;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static void print_info(FILE *out, const char *what, const char *dir, const hf_store_copy_info *i,
                       uint64_t ms)
{
	fprintf(out, "{\"%s\":\"", what);
	for (const char *p = dir; *p; p++) { /* a path: escape what JSON needs */
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		if ((unsigned char)*p >= 0x20)
			fputc(*p, out);
	}
	fprintf(out,
	        "\",\"schema\":%d,\"pages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"ms\":%" PRIu64
	        "}\n",
	        i->schema, i->pages, i->bytes, ms);
}

hf_err hf_datadir_backup(const hf_config *cfg, const char *out_dir, FILE *out, char *why,
                         size_t why_size)
{
	char src[HF_PATH_MAX + 32], dst[HF_PATH_MAX + 32];
	hf_store_copy_info info;
	uint64_t t0 = hf_now_ms();
	hf_err rc;
	snprintf(src, sizeof(src), "%s/node.db", cfg->data_dir);
	if (access(src, F_OK) != 0) {
		snprintf(why, why_size, "%s does not exist: [node] data_dir names no node's data",
		         src);
		return HF_ENOTFOUND;
	}
	if (mkdir(out_dir, 0700) != 0) {
		snprintf(why, why_size, "%s: %s (give a new directory to --out)", out_dir,
		         errno == EEXIST ? "already exists" : strerror(errno));
		return errno == EEXIST ? HF_EEXIST : HF_EIO;
	}
	snprintf(dst, sizeof(dst), "%s/node.db", out_dir);
	rc = hf_store_backup(src, dst, &info);
	if (rc != HF_OK) {
		snprintf(why, why_size, "copying %s to %s failed (%s)", src, dst, hf_err_name(rc));
		goto fail;
	}
	snprintf(src, sizeof(src), "%s/pseudonym.key", cfg->data_dir);
	snprintf(dst, sizeof(dst), "%s/pseudonym.key", out_dir);
	rc = copy_key(src, dst, PSEUDONYM_KEY_LEN, false);
	if (rc != HF_OK) {
		snprintf(why, why_size, "copying %s failed (%s)", src, hf_err_name(rc));
		goto fail;
	}
	fsync_dir(out_dir);
	print_info(out, "backup", out_dir, &info, hf_now_ms() - t0);
	return HF_OK;
fail:
	snprintf(dst, sizeof(dst), "%s/node.db", out_dir);
	unlink(dst);
	snprintf(dst, sizeof(dst), "%s/pseudonym.key", out_dir);
	unlink(dst);
	rmdir(out_dir);
	return rc;
}

hf_err hf_datadir_restore(const hf_config *cfg, const char *from_dir, bool force, FILE *out,
                          char *why, size_t why_size)
{
	char src[HF_PATH_MAX + 32], dst[HF_PATH_MAX + 32], key[HF_PATH_MAX + 32];
	hf_store_copy_info info;
	uint64_t t0 = hf_now_ms();
	int lock = -1;
	long holder = 0;
	hf_err rc;
	snprintf(src, sizeof(src), "%s/node.db", from_dir);
	snprintf(key, sizeof(key), "%s/pseudonym.key", from_dir);
	rc = hf_store_backup_check(src, &info);
	if (rc != HF_OK) {
		snprintf(why, why_size, "%s is not a usable backup: %s", src,
		         rc == HF_ENOTFOUND  ? "no such file"
		         : rc == HF_EVERSION ? "made by a newer hashfed-node (schema ahead)"
		                             : "not a database, or damaged (integrity check)");
		return rc;
	}
	if (access(key, R_OK) != 0) {
		snprintf(why, why_size, "%s is missing: a backup is node.db and pseudonym.key",
		         key);
		return HF_ENOTFOUND;
	}
	rc = hf_datadir_lock(cfg->data_dir, &lock, &holder);
	if (rc == HF_EEXIST) {
		snprintf(why, why_size,
		         "a hashfed-node (pid %ld) is running on %s: stop it first; nothing was "
		         "changed",
		         holder, cfg->data_dir);
		return rc;
	}
	if (rc != HF_OK) {
		snprintf(why, why_size, "cannot lock %s/node.lock", cfg->data_dir);
		return rc;
	}
	snprintf(dst, sizeof(dst), "%s/node.db", cfg->data_dir);
	if (!force && access(dst, F_OK) == 0) {
		snprintf(why, why_size, "%s exists: add --force to replace it with the backup",
		         dst);
		rc = HF_EEXIST;
		goto out;
	}
	rc = hf_store_restore(src, dst, &info);
	if (rc != HF_OK) {
		snprintf(why, why_size, "writing %s failed (%s)", dst, hf_err_name(rc));
		goto out;
	}
	snprintf(dst, sizeof(dst), "%s/pseudonym.key", cfg->data_dir);
	rc = copy_key(key, dst, PSEUDONYM_KEY_LEN, true);
	if (rc != HF_OK) {
		snprintf(why, why_size, "writing %s failed (%s)", dst, hf_err_name(rc));
		goto out;
	}
	fsync_dir(cfg->data_dir);
	print_info(out, "restored", cfg->data_dir, &info, hf_now_ms() - t0);
out:
	close(lock);
	return rc;
}
