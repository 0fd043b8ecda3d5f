#ifndef HASHFED_CHECKPOINT_H
#define HASHFED_CHECKPOINT_H

/*
 * Log checkpoints (c2sp.org/tlog-checkpoint), signed as C2SP notes by the log
 * and cosigned by witnesses with cosignature/v1 (spec §15.5):
 *
 *   <origin>\n
 *   <tree size, decimal, no leading zeros>\n
 *   <root hash, standard base64 of 32 bytes>\n
 *   [<extension line>\n]...
 *
 * hf_checkpoint_open is the only way to obtain a (size, root) that Merkle
 * proofs may be checked against: it requires the log's signature, the expected
 * origin and a quorum of distinct witnesses' valid cosignatures.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"
#include "hashfed/note.h"

typedef struct hf_checkpoint {
	char origin[HF_CHECKPOINT_MAX_ORIGIN + 1]; /* NUL-terminated */
	uint64_t size;
	uint8_t root[HF_MERKLE_HASH_LEN];
	size_t n_ext;
	/* Extension lines, each with its "\n", concatenated; NUL-terminated. */
	char ext[HF_CHECKPOINT_MAX_EXT_LEN + 1];
	size_t ext_len;
} hf_checkpoint;

/* Longest checkpoint body. */
#define HF_CHECKPOINT_MAX_BODY                                                                     \
	(HF_CHECKPOINT_MAX_ORIGIN + 1 + 20 + 1 + 44 + 1 + HF_CHECKPOINT_MAX_EXT_LEN)

/*
 * Parses a checkpoint body strictly: origin non-empty, valid UTF-8 without
 * control characters; size decimal without sign or leading zero (except "0"),
 * fitting in 64 bits; root canonical padded base64 of exactly 32 bytes;
 * extension lines non-empty, at most HF_CHECKPOINT_MAX_EXT; body ends with "\n".
 * Errors: HF_ECHECKPOINT, HF_EHASHLEN (root not 32 bytes).
 */
HF_API hf_err hf_checkpoint_parse(const uint8_t *text, size_t len, hf_checkpoint *out) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* Encodes the body (no NUL) into out. Errors: HF_ECHECKPOINT (invalid origin or
 * extension lines), HF_ENOSPC (HF_CHECKPOINT_MAX_BODY always suffices). */
HF_API hf_err hf_checkpoint_encode(const hf_checkpoint *c, uint8_t *out, size_t cap,
                                   size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 4);

/* Body signed by the log key (an HF_NOTE_ALG_ED25519 signer): a full note. */
HF_API hf_err hf_checkpoint_sign(const hf_checkpoint *c, const hf_note_signer *log_key,
                                 uint8_t *out, size_t cap, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(1, 2, 3, 5);

/*
 * A witness's cosignature/v1 line over a checkpoint note's text (the witness
 * must first have verified the log signature and consistency with what it
 * cosigned before; that is the caller's part). Append the line to the note.
 */
HF_API hf_err hf_checkpoint_cosign(const hf_note_signer *witness, const uint8_t *note,
                                   size_t note_len, uint64_t timestamp, char *out, size_t cap,
                                   size_t *out_len) HF_MUST_CHECK HF_NONNULL(1, 2, 5, 7);

/* Who may sign what, and how many witnesses must agree. */
typedef struct hf_log_policy {
	const char *origin;                       /* expected origin line (NUL-terminated) */
	hf_note_vkey log_key;                     /* alg HF_NOTE_ALG_ED25519 */
	hf_note_vkey witnesses[HF_MAX_WITNESSES]; /* alg HF_NOTE_ALG_COSIG, distinct */
	size_t n_witnesses;
	size_t quorum; /* cosignatures required, 0..n_witnesses */
} hf_log_policy;

/* Per-witness outcome of hf_checkpoint_open. */
typedef struct hf_cosig_status {
	size_t n_valid;
	bool valid[HF_MAX_WITNESSES];
	uint64_t timestamp[HF_MAX_WITNESSES];
} hf_cosig_status;

/*
 * Opens a checkpoint note: parse (HF_ENOTE), log signature (HF_ESIG if the
 * log key's line fails, HF_EUNSIGNED if absent), body (HF_ECHECKPOINT,
 * HF_EHASHLEN), origin == policy origin (HF_EORIGIN), witnesses' lines (a
 * known witness whose cosignature fails: HF_ESIG), then n_valid >= quorum
 * (HF_EQUORUM). Lines of unknown keys are ignored. *out is filled only on
 * success; *st (optional) also on HF_EQUORUM. Errors: also HF_ECONFIG (policy
 * with quorum > n_witnesses, wrong key algs, duplicate witnesses).
 */
HF_API hf_err hf_checkpoint_open(const uint8_t *note, size_t len, const hf_log_policy *p,
                                 hf_checkpoint *out, hf_cosig_status *st) HF_MUST_CHECK
    HF_NONNULL(1, 3, 4);

/*
 * Proofs against verified checkpoints (from hf_checkpoint_open): the only
 * (size, root) a proof is ever checked against. proof is the wire form
 * (concatenated 32-byte hashes).
 *
 * Inclusion: as hf_merkle_verify_inclusion with (cp->size, cp->root).
 *
 * Consistency of two checkpoints of one log: HF_EORIGIN (different origins),
 * HF_EROLLBACK (newer->size < older->size), HF_ESPLITVIEW (equal sizes,
 * different roots: two signed views that can never be consistent), otherwise
 * as hf_merkle_verify_consistency (HF_ECONSISTENCY: this proof does not show
 * them consistent). older->size == 0 is consistent with anything (the check
 * the C2SP witness protocol does before calling the verifier) and needs an
 * empty proof.
 */
HF_API hf_err hf_checkpoint_verify_inclusion(const hf_checkpoint *cp,
                                             const uint8_t leaf_hash[static HF_MERKLE_HASH_LEN],
                                             uint64_t index, const uint8_t *proof,
                                             size_t proof_len) HF_MUST_CHECK HF_NONNULL(1, 2);
HF_API hf_err hf_checkpoint_verify_consistency(const hf_checkpoint *older,
                                               const hf_checkpoint *newer, const uint8_t *proof,
                                               size_t proof_len) HF_MUST_CHECK HF_NONNULL(1, 2);

#endif
