#ifndef HASHFED_KEYIO_H
#define HASHFED_KEYIO_H

/*
 * Key files on disk (spec §11.7), for hashfed-keys and hashfed-node. The
 * byte formats are in hashfed/keyfile.h; this layer owns the file rules:
 *   - secret files are created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600,
 *     never overwritten;
 *   - a secret file (key or passphrase) that is not a regular file, or that
 *     group or others may read or write, is refused (HF_EPERM);
 *   - secret bytes read from disk live in sodium_malloc memory and are wiped.
 * Link the static library hashfed_keyio (keys/CMakeLists.txt).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/keyfile.h"

/* Creates path (must not exist: HF_EEXIST) with `mode` and writes data;
 * the file is fsync'ed; on failure it is removed. HF_EIO otherwise. */
hf_err hf_keyio_write_new(const char *path, const void *data, size_t len,
                          unsigned mode) HF_MUST_CHECK HF_NONNULL(1);

/* Writes path atomically (temp file in the same directory + rename), mode
 * 0644: for manifests and other public files that are edited in place. */
hf_err hf_keyio_replace(const char *path, const void *data, size_t len) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/* Reads a secret file of at most max bytes into sodium_malloc memory
 * (*out, NUL-terminated, free with hf_keyio_secret_free). HF_EPERM (not a
 * regular file, or mode & 077), HF_EFILESIZE, HF_ENOTFOUND, HF_EIO. */
hf_err hf_keyio_read_secret(const char *path, size_t max, uint8_t **out, size_t *len) HF_MUST_CHECK
    HF_NONNULL(1, 3, 4);
void hf_keyio_secret_free(uint8_t *p);

/* Reads a public file of at most max bytes (malloc'ed, NUL-terminated).
 * HF_EFILESIZE, HF_ENOTFOUND, HF_EIO. */
hf_err hf_keyio_read_file(const char *path, size_t max, uint8_t **out, size_t *len) HF_MUST_CHECK
    HF_NONNULL(1, 3, 4);

/* Passphrase from a secret file (same permission rule), one trailing "\n"
 * or "\r\n" removed; empty passphrases are refused (HF_EPARSE). */
hf_err hf_keyio_read_passphrase(const char *path, uint8_t **pass, size_t *len) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3);

/* Loads a key file (passfile NULL unless it is encrypted: then HF_EAUTH). */
hf_err hfn_keyio_load_identity(const char *path, const char *passfile, hf_keyfile_kind *kind,
                               hf_identity **out) HF_MUST_CHECK HF_NONNULL(1, 3, 4);

/* Writes a new key file for id (0600, O_EXCL); encrypted if passfile. */
hf_err hf_keyio_save_identity(const char *path, const hf_identity *id, hf_keyfile_kind kind,
                              const char *passfile, const hf_kdf_params *kdf) HF_MUST_CHECK
    HF_NONNULL(1, 2);

#endif
