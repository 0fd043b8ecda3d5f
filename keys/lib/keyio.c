/* Key files on disk: creation mode, permission checks, wiping (spec §11.7). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keyio.h"
#include "hf_check.h"

static hf_err hf_errno_err(int e)
{
	switch (e) {
	case ENOENT:
		return HF_ENOTFOUND;
	case EEXIST:
		return HF_EEXIST;
	case ELOOP:
		return HF_EPERM; /* O_NOFOLLOW on a symlink */
	case ENOMEM:
		return HF_ENOMEM;
	default:
		return HF_EIO;
	}
}

static hf_err hf_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return HF_EIO;
		p += n;
		len -= (size_t)n;
	}
	return HF_OK;
}

hf_err hf_keyio_write_new(const char *path, const void *data, size_t len, unsigned mode)
{
	hf_err rc;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return hf_errno_err(errno);
	/* umask may have narrowed the mode; never widen past what was asked */
	rc = hf_write_all(fd, data, len);
	if (rc == HF_OK && fsync(fd) != 0)
		rc = HF_EIO;
	if (close(fd) != 0 && rc == HF_OK)
		rc = HF_EIO;
	if (rc != HF_OK)
		unlink(path);
	return rc;
}

hf_err hf_keyio_replace(const char *path, const void *data, size_t len)
{
	hf_err rc;
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (tmp == NULL)
		return HF_ENOMEM;
	snprintf(tmp, n + 16, "%s.tmp%d", path, (int)getpid());
	rc = hf_keyio_write_new(tmp, data, len, 0644);
	if (rc == HF_OK && rename(tmp, path) != 0) {
		rc = HF_EIO;
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* Opens and checks a file; *fd and *size on success. */
static hf_err hf_open_checked(const char *path, size_t max, bool secret, int *fd, size_t *size)
{
	struct stat st;
	int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return hf_errno_err(errno);
	if (fstat(f, &st) != 0) {
		close(f);
		return HF_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(f);
		return secret ? HF_EPERM : HF_EIO;
	}
	/* spec §11.7: a secret others can read is refused, not just warned about. */
	if (secret && (st.st_mode & 077) != 0) {
		close(f);
		return HF_EPERM;
	}
	if ((uint64_t)st.st_size > max) {
		close(f);
		return HF_EFILESIZE;
	}
	*fd = f;
	*size = (size_t)st.st_size;
	return HF_OK;
}

static hf_err hf_read_all(int fd, uint8_t *buf, size_t size, size_t *got)
{
	size_t off = 0;
	/* Read one byte more than announced to notice growth since fstat. */
	while (off <= size) {
		ssize_t n = read(fd, buf + off, size + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return HF_EIO;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off > size)
		return HF_EFILESIZE;
	*got = off;
	return HF_OK;
}

hf_err hf_keyio_read_secret(const char *path, size_t max, uint8_t **out, size_t *len)
{
	hf_err rc;
	int fd = -1;
	size_t size = 0, got = 0;
	uint8_t *buf = NULL;
	*out = NULL;
	*len = 0;
	HF_CHECK(hf_open_checked(path, max, true, &fd, &size));
	buf = sodium_malloc(size + 2);
	if (buf == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hf_read_all(fd, buf, size, &got));
	buf[got] = 0;
	*out = buf;
	*len = got;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	sodium_free(buf);
	return rc;
}

void hf_keyio_secret_free(uint8_t *p)
{
	sodium_free(p);
}

hf_err hf_keyio_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	hf_err rc;
	int fd = -1;
	size_t size = 0, got = 0;
	uint8_t *buf = NULL;
	*out = NULL;
	*len = 0;
	HF_CHECK(hf_open_checked(path, max, false, &fd, &size));
	buf = malloc(size + 2);
	if (buf == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	HF_CHECK(hf_read_all(fd, buf, size, &got));
	buf[got] = 0;
	*out = buf;
	*len = got;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

hf_err hf_keyio_read_passphrase(const char *path, uint8_t **pass, size_t *len)
{
	HF_TRY(hf_keyio_read_secret(path, 4096, pass, len));
	if (*len > 0 && (*pass)[*len - 1] == '\n')
		(*pass)[--*len] = 0;
	if (*len > 0 && (*pass)[*len - 1] == '\r')
		(*pass)[--*len] = 0;
	if (*len == 0) {
		sodium_free(*pass);
		*pass = NULL;
		return HF_EPARSE;
	}
	return HF_OK;
}

hf_err hfn_keyio_load_identity(const char *path, const char *passfile, hf_keyfile_kind *kind,
                               hf_identity **out)
{
	hf_err rc;
	uint8_t *text = NULL, *pass = NULL;
	size_t tlen = 0, plen = 0;
	*out = NULL;
	HF_CHECK(hf_keyio_read_secret(path, HF_MAX_KEYFILE_SIZE, &text, &tlen));
	if (passfile != NULL)
		HF_CHECK(hf_keyio_read_passphrase(passfile, &pass, &plen));
	HF_CHECK(hf_keyfile_parse((const char *)text, tlen, pass, plen, kind, out));
out:
	sodium_free(text);
	sodium_free(pass);
	return rc;
}

hf_err hf_keyio_save_identity(const char *path, const hf_identity *id, hf_keyfile_kind kind,
                              const char *passfile, const hf_kdf_params *kdf)
{
	hf_err rc;
	uint8_t *pass = NULL;
	size_t plen = 0, tlen = 0;
	char *text = NULL;
	if (passfile != NULL)
		HF_CHECK(hf_keyio_read_passphrase(passfile, &pass, &plen));
	HF_CHECK(hf_keyfile_format(id, kind, pass, plen, kdf, NULL, &text, &tlen));
	HF_CHECK(hf_keyio_write_new(path, text, tlen, 0600));
out:
	hf_keyfile_text_free(text, tlen);
	sodium_free(pass);
	return rc;
}
