#ifndef HASHFED_KEYFILE_H
#define HASHFED_KEYFILE_H

/*
 * Key file text formats (spec §11.7). Pure byte codecs: reading and writing
 * files (modes 0600, refusing group/other-readable files) is done by the
 * callers (keys/lib/keyio.h), because libhashfed touches no files.
 *
 * Secret key file (root or node), two lines:
 *   hashfed-key v1 <root|node> <plain|argon2id>\n
 *   <base64 payload>\n
 * plain payload: Ed25519 seed (32) || X25519 secret key (32).
 * argon2id payload: u32be opslimit || u32be memlimit_kib || salt (16) ||
 *   nonce (24) || XChaCha20-Poly1305(key = Argon2id(passphrase, salt),
 *   aad = the first line without its newline, plain payload) (64 + 16).
 *
 * Public key file, lines in this order (id, name, enc optional):
 *   hashfed-pub v1\n  id <32 hex>\n  name <text>\n  sign <64 hex>\n  enc <64 hex>\n
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/identity.h"
#include "hashfed/limits.h"
#include "hashfed/rng.h"

typedef enum hf_keyfile_kind {
	HF_KEYFILE_ROOT = 1, /* federation root signing key (its X25519 half is unused) */
	HF_KEYFILE_NODE = 2, /* node identity */
} hf_keyfile_kind;

typedef struct hf_kdf_params {
	uint32_t opslimit;     /* 1..HF_KDF_MAX_OPSLIMIT */
	uint32_t memlimit_kib; /* HF_KDF_MIN_MEMLIMIT_KIB..HF_KDF_MAX_MEMLIMIT_KIB */
} hf_kdf_params;

/*
 * Formats a secret key file for id. pass == NULL: plain; else encrypted with
 * Argon2id (kdf: NULL = libsodium's INTERACTIVE limits) + XChaCha20-Poly1305.
 * *out (NUL-terminated text of *out_len bytes) holds secrets in the plain
 * case: free it with hf_keyfile_text_free. Errors: HF_EINVAL, HF_ERANGE (kdf
 * out of bounds), HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_keyfile_format(const hf_identity *id, hf_keyfile_kind kind, const uint8_t *pass,
                                size_t pass_len, const hf_kdf_params *kdf, const hf_rng *rng,
                                char **out, size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 7, 8);
/* Wipes and frees a text from hf_keyfile_format. NULL is a no-op. */
HF_API void hf_keyfile_text_free(char *text, size_t len);

/* Reads only the header line: kind and whether a passphrase is needed.
 * Errors: HF_EFILESIZE (> HF_MAX_KEYFILE_SIZE), HF_EPARSE, HF_EVERSION. */
HF_API hf_err hf_keyfile_info(const char *text, size_t len, hf_keyfile_kind *kind,
                              bool *encrypted) HF_MUST_CHECK HF_NONNULL(1, 3, 4);

/*
 * Parses a secret key file (untrusted input, at most HF_MAX_KEYFILE_SIZE
 * bytes) into a new identity (secrets in sodium_malloc memory; every
 * intermediate copy is wiped). Errors: HF_EFILESIZE, HF_EPARSE (layout or
 * base64), HF_EVERSION, HF_ELENGTH (payload size), HF_ERANGE (kdf limits),
 * HF_EAUTH (encrypted and pass == NULL), HF_EPASSPHRASE (wrong passphrase or
 * modified file), HF_EBADKEY, HF_ENOMEM.
 */
HF_API hf_err hf_keyfile_parse(const char *text, size_t len, const uint8_t *pass, size_t pass_len,
                               hf_keyfile_kind *kind, hf_identity **out) HF_MUST_CHECK
    HF_NONNULL(1, 5, 6);

typedef struct hf_pubfile {
	bool has_id;
	uint8_t id[16];
	char name[HF_MAX_NAME_LEN + 1]; /* "" if absent */
	uint8_t sign_pk[HF_SIGN_PK_LEN];
	bool has_enc;
	uint8_t enc_pk[HF_ENC_PK_LEN];
} hf_pubfile;

/* Public key file. Errors: HF_EFILESIZE, HF_EPARSE, HF_EVERSION, HF_ETOOLONG
 * (name), HF_EUTF8, HF_EBADKEY (invalid or small-order keys). */
HF_API hf_err hf_pubfile_parse(const char *text, size_t len, hf_pubfile *out) HF_MUST_CHECK
    HF_NONNULL(1, 3);
/* Into buf (NUL-terminated); HF_ENOSPC if too small (1024 always suffices). */
HF_API hf_err hf_pubfile_format(const hf_pubfile *p, char *buf, size_t size) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated);
 * constant-time (sodium_bin2hex). */
HF_API void hf_hex_encode(const uint8_t *p, size_t n, char *out) HF_NONNULL(3);
/* Exactly 2n hex digits into out[0..n): HF_EPARSE otherwise. */
HF_API hf_err hf_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n) HF_MUST_CHECK
    HF_NONNULL(3);

#endif
