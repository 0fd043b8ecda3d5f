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
#include "core/node.h"
#include "store/store_backup.h"
#include "hf_check.h"

#define PSEUDONYM_KEY_LEN 32

hf_err hfn_datadir_lock(const char *data_dir, int *fd, long *holder)
{
	char path[HFN_PATH_MAX + 16], pid[32];
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

/* Hex signing key id of the configured identity (which node a backup belongs to). */
static hf_err identity_keyid(const hfn_config *cfg, char hex[2 * HF_KEYID_LEN + 1])
{
	hf_identity *id = NULL;
	HF_TRY(hfn_node_load_identity(cfg->identity, &id));
	hf_key_id_hex(hf_identity_sign_keyid(id), hex);
	hf_identity_free(id);
	return HF_OK;
}

/* out_dir/backup.json: whose backup it is (the node's signing key id), schema, time. */
static hf_err write_meta(const char *out_dir, const char *kid, const hfn_store_copy_info *i)
{
	char path[HFN_PATH_MAX + 32], buf[256];
	snprintf(path, sizeof(path), "%s/backup.json", out_dir);
	int n = snprintf(buf, sizeof(buf),
	                 "{\"key_id\":\"%s\",\"schema\":%d,\"created_ms\":%" PRIu64 "}\n", kid,
	                 i->schema, hfn_now_ms());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return HF_EIO;
	bool ok = write(fd, buf, (size_t)n) == n && fsync(fd) == 0;
	close(fd);
	return ok ? HF_OK : HF_EIO;
}

/* The key id recorded in from_dir/backup.json, or "" if there is none (a copy made by hand). */
static void read_meta_kid(const char *from_dir, char kid[2 * HF_KEYID_LEN + 1])
{
	char path[HFN_PATH_MAX + 32], buf[256];
	kid[0] = 0;
	snprintf(path, sizeof(path), "%s/backup.json", from_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strstr(buf, "\"key_id\":\"");
	if (p && strlen(p + 10) > 2 * HF_KEYID_LEN && p[10 + 2 * HF_KEYID_LEN] == '"') {
		memcpy(kid, p + 10, 2 * HF_KEYID_LEN);
		kid[2 * HF_KEYID_LEN] = 0;
	}
}

static void print_info(FILE *out, const char *what, const char *dir, const hfn_store_copy_info *i,
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

hf_err hfn_datadir_backup(const hfn_config *cfg, const char *out_dir, FILE *out, char *why,
                          size_t why_size)
{
	char src[HFN_PATH_MAX + 32], dst[HFN_PATH_MAX + 32], kid[2 * HF_KEYID_LEN + 1];
	hfn_store_copy_info info;
	uint64_t t0 = hfn_now_ms();
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
	rc = hfn_store_backup(src, dst, &info);
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
	rc = identity_keyid(cfg, kid);
	if (rc == HF_OK)
		rc = write_meta(out_dir, kid, &info);
	if (rc != HF_OK) {
		snprintf(why, why_size, "writing %s/backup.json failed (%s)", out_dir,
		         hf_err_name(rc));
		goto fail;
	}
	fsync_dir(out_dir);
	print_info(out, "backup", out_dir, &info, hfn_now_ms() - t0);
	return HF_OK;
fail:
	snprintf(dst, sizeof(dst), "%s/node.db", out_dir);
	unlink(dst);
	snprintf(dst, sizeof(dst), "%s/pseudonym.key", out_dir);
	unlink(dst);
	snprintf(dst, sizeof(dst), "%s/backup.json", out_dir);
	unlink(dst);
	rmdir(out_dir);
	return rc;
}

hf_err hfn_datadir_restore(const hfn_config *cfg, const char *from_dir, bool force, FILE *out,
                           char *why, size_t why_size)
{
	char src[HFN_PATH_MAX + 32], dst[HFN_PATH_MAX + 32], key[HFN_PATH_MAX + 32];
	hfn_store_copy_info info;
	uint64_t t0 = hfn_now_ms();
	int lock = -1;
	long holder = 0;
	hf_err rc;
	snprintf(src, sizeof(src), "%s/node.db", from_dir);
	snprintf(key, sizeof(key), "%s/pseudonym.key", from_dir);
	rc = hfn_store_backup_check(src, &info);
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
	/* A backup of another member would make this node someone it is not. */
	char want[2 * HF_KEYID_LEN + 1], have[2 * HF_KEYID_LEN + 1];
	read_meta_kid(from_dir, have);
	if (have[0] && !force && identity_keyid(cfg, want) == HF_OK && strcmp(have, want) != 0) {
		snprintf(why, why_size,
		         "%s is a backup of the node with signing key id %s, [node] identity %s is "
		         "%s: give the right --config (or --force)",
		         from_dir, have, cfg->identity, want);
		return HF_EUNKNOWNMEMBER;
	}
	rc = hfn_datadir_lock(cfg->data_dir, &lock, &holder);
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
	rc = hfn_store_restore(src, dst, &info);
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
	print_info(out, "restored", cfg->data_dir, &info, hfn_now_ms() - t0);
out:
	close(lock);
	return rc;
}
