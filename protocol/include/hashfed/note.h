#ifndef HASHFED_NOTE_H
#define HASHFED_NOTE_H

/*
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 note signatures
 * (type 0x01) and Ed25519 cosignature/v1 witness signatures (type 0x04,
 * c2sp.org/tlog-cosignature). Spec §15.5.
 *
 *   note      = text "\n" signature-line+
 *   text      = UTF-8, no control character but "\n", ends with "\n"
 *   sig line  = "— " name " " base64(key id (4, BE) || signature) "\n"
 *   key id    = first 4 bytes of SHA-256(name || "\n" || type || public key)
 *   vkey      = name "+" 8 lowercase hex key id "+" base64(type || public key)
 *
 *   type 0x01 signature = Ed25519(text)
 *   type 0x04 signature = u64be(timestamp) || Ed25519("cosignature/v1\ntime <ts>\n" || text)
 *
 * Verification follows Go's golang.org/x/mod/sumdb/note: lines from unknown
 * (name, key id) pairs are ignored; a known key whose signature fails rejects
 * the whole note (HF_ESIG); at least one known key must verify (HF_EUNSIGNED).
 * Repeated lines of one key are ignored after the first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"

#define HF_NOTE_ALG_ED25519 0x01 /* note signature of the log */
#define HF_NOTE_ALG_COSIG   0x04 /* cosignature/v1 of a witness */

#define HF_NOTE_PK_LEN 32
/* Longest signature line of our own: "— " + name + " " + base64(4 + 8 + 64) + "\n". */
#define HF_NOTE_MAX_LINE (4 + HF_NOTE_MAX_NAME_LEN + 1 + 104 + 1)
/* Longest vkey: name "+" 8 hex "+" base64(33) and a NUL. */
#define HF_NOTE_MAX_VKEY (HF_NOTE_MAX_NAME_LEN + 1 + 8 + 1 + 44 + 1)

/* A verifier key. name is NUL-terminated (and contains no NUL). */
typedef struct hf_note_vkey {
	char name[HF_NOTE_MAX_NAME_LEN + 1];
	uint8_t alg; /* HF_NOTE_ALG_ED25519 or HF_NOTE_ALG_COSIG */
	uint32_t key_id;
	uint8_t pk[HF_NOTE_PK_LEN];
} hf_note_vkey;

/* True iff name is a valid key name: non-empty, <= HF_NOTE_MAX_NAME_LEN bytes,
 * UTF-8, no Unicode space, no '+'. */
HF_API bool hf_note_name_valid(const char *name, size_t len);

/* Key id of (name, alg, pk). */
HF_API uint32_t hf_note_key_id(const char *name, size_t name_len, uint8_t alg,
                               const uint8_t pk[static HF_NOTE_PK_LEN]) HF_NONNULL(1, 4);

/* Parses "name+hash+base64" strictly: valid name, exactly 8 lowercase or
 * uppercase hex digits matching the derived key id, canonical base64 of
 * alg || 32-byte key, known alg. Errors: HF_EVKEY. */
HF_API hf_err hf_note_vkey_parse(const char *s, size_t len, hf_note_vkey *out) HF_MUST_CHECK
    HF_NONNULL(1, 3);
/* Builds a vkey (derives key_id). Errors: HF_EVKEY (bad name or alg). */
HF_API hf_err hf_note_vkey_make(const char *name, uint8_t alg,
                                const uint8_t pk[static HF_NOTE_PK_LEN],
                                hf_note_vkey *out) HF_MUST_CHECK HF_NONNULL(1, 3, 4);
/* NUL-terminated vkey text into out (HF_NOTE_MAX_VKEY always suffices). Errors: HF_ENOSPC. */
HF_API hf_err hf_note_vkey_encode(const hf_note_vkey *k, char *out, size_t cap) HF_MUST_CHECK
    HF_NONNULL(1, 2);

/* ---- signing -------------------------------------------------------------------------- */

typedef struct hf_note_signer hf_note_signer;

/* A signer from a 32-byte Ed25519 seed (secret kept in sodium_malloc memory;
 * the caller wipes its copy). Errors: HF_EVKEY (name/alg), HF_ENOMEM, HF_ECRYPTO. */
HF_API hf_err hf_note_signer_new(const char *name, uint8_t alg, const uint8_t seed[static 32],
                                 hf_note_signer **out) HF_MUST_CHECK HF_NONNULL(1, 3, 4);
HF_API void hf_note_signer_free(hf_note_signer *s);
HF_API const hf_note_vkey *hf_note_signer_vkey(const hf_note_signer *s) HF_NONNULL(1);

/*
 * One signature line over `text` (a valid note text, see above; HF_ENOTE
 * otherwise). `timestamp` (unix seconds) is used only by HF_NOTE_ALG_COSIG.
 * Writes *out_len bytes (no NUL) into out. Errors: HF_ENOTE, HF_ENOSPC, HF_ECRYPTO.
 */
HF_API hf_err hf_note_sign_line(const hf_note_signer *s, const uint8_t *text, size_t text_len,
                                uint64_t timestamp, char *out, size_t cap,
                                size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 5, 7);

/* text || "\n" || one line per signer, in order. Errors: as above, HF_EINVAL (n == 0). */
HF_API hf_err hf_note_sign(const uint8_t *text, size_t text_len,
                           const hf_note_signer *const *signers, size_t n, uint64_t timestamp,
                           uint8_t *out, size_t cap, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 3, 6, 8);

/* ---- parsing and verifying -------------------------------------------------------------- */

typedef struct hf_note_sig {
	const char *name; /* into the parsed bytes; not NUL-terminated */
	size_t name_len;
	uint32_t key_id;
	uint8_t sig[HF_NOTE_MAX_SIG_LEN - 4]; /* decoded bytes after the key id */
	size_t sig_len;
} hf_note_sig;

typedef struct hf_note {
	const uint8_t *text; /* into the parsed bytes, final "\n" included */
	size_t text_len;
	size_t n_sigs;
	hf_note_sig sigs[HF_NOTE_MAX_SIGS];
} hf_note;

/*
 * Splits a note (len <= HF_NOTE_MAX_SIZE) into text and signature lines; checks
 * UTF-8, control characters, the blank line, line syntax, names, base64
 * (canonical, padded) and sizes. No signature is checked. The note must outlive
 * *out. Errors: HF_ENOTE, HF_ETOOBIG.
 */
HF_API hf_err hf_note_parse(const uint8_t *msg, size_t len, hf_note *out) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/*
 * Verifies a parsed note against known keys (Go semantics, see top). For each
 * key i, if verified is non-NULL, verified[i] says whether it signed; for
 * HF_NOTE_ALG_COSIG keys, timestamps[i] (if non-NULL) gets the signed time.
 * Errors: HF_ESIG (a known key's signature fails, or has the wrong length),
 * HF_EUNSIGNED (no known key verified).
 */
HF_API hf_err hf_note_verify(const hf_note *n, const hf_note_vkey *keys, size_t n_keys,
                             bool *verified, uint64_t *timestamps) HF_MUST_CHECK HF_NONNULL(1);

/* hf_note_parse + hf_note_verify; text and text_len (optional) point into msg. */
HF_API hf_err hf_note_open(const uint8_t *msg, size_t len, const hf_note_vkey *keys, size_t n_keys,
                           const uint8_t **text, size_t *text_len) HF_MUST_CHECK HF_NONNULL(1);

#endif
