#ifndef HASHFED_AUDIT_LOG_H
#define HASHFED_AUDIT_LOG_H

/*
 * Audit log leaves (spec §15.2): what the auditor's Merkle log records of each
 * message, plus the log's own integration time.
 *
 *   leaf = canonical msgpack map {
 *     1: format (uint, = 1)
 *     2: logged (uint, unix ms: the log's integration time, the trusted clock)
 *     3: header (bin: the envelope's canonical public header bytes H, §5.2)
 *   }
 *
 * H holds the public audit header (§5.3) and routing metadata (type, ids,
 * key ids, times, federation, epoch): never hash values, locators, pseudonyms
 * or free text. Only the types the log records are accepted: LIST_BATCH,
 * ORDER, RECEIPT, OUTCOME, ORDER_EVENT (clarification, dispute, withdrawal,
 * recurrence, ...), ESCALATION and REFERRAL. A receiver checks a leaf against
 * the envelope it holds by comparing H byte for byte (hf_audit_leaf_matches).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/envelope.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"
#include "hashfed/merkle.h"

#define HF_AUDIT_LEAF_FORMAT 1

/* True for the message types the audit log records. */
HF_API bool hf_audit_type_logged(uint32_t type);

/*
 * The canonical header bytes H of an envelope (a span into env) without any
 * signature check; the log must hf_envelope_verify the envelope first if it
 * authenticates submissions. Errors: as hf_envelope_peek.
 */
HF_API hf_err hf_audit_header_bytes(const uint8_t *env, size_t len, const uint8_t **hdr,
                                    size_t *hdr_len) HF_MUST_CHECK HF_NONNULL(1, 3, 4);

/*
 * Encodes a leaf. hdr must decode as a canonical envelope header (§5.2) of a
 * logged type. Errors: HF_EMSGTYPE (type not logged), header decode errors,
 * HF_ENOSPC (HF_AUDIT_LEAF_MAX_SIZE always suffices).
 */
HF_API hf_err hf_audit_leaf_encode(uint64_t logged_ms, const uint8_t *hdr, size_t hdr_len,
                                   uint8_t *out, size_t cap, size_t *out_len) HF_MUST_CHECK
    HF_NONNULL(2, 4, 6);

typedef struct hf_audit_leaf {
	uint64_t logged_ms;
	const uint8_t *hdr_bytes; /* into the leaf */
	size_t hdr_len;
	hf_envelope_header hdr; /* decoded H */
} hf_audit_leaf;

/* Strict decode (canonical, all keys, format 1, logged type).
 * Errors: HF_ELEAF (format), HF_EMSGTYPE, malformed-class codes. */
HF_API hf_err hf_audit_leaf_decode(const uint8_t *leaf, size_t len,
                                   hf_audit_leaf *out) HF_MUST_CHECK HF_NONNULL(1, 3);

/* Leaf hash (merkle.h) of an encoded leaf. */
HF_API hf_err hf_audit_leaf_hash(const uint8_t *leaf, size_t len,
                                 uint8_t out[static HF_MERKLE_HASH_LEN]) HF_MUST_CHECK
    HF_NONNULL(1, 3);

/* HF_OK iff the leaf records exactly the header of envelope env (byte for byte);
 * HF_ENOTLOGGED if the headers differ; envelope decode errors. */
HF_API hf_err hf_audit_leaf_matches(const hf_audit_leaf *leaf, const uint8_t *env,
                                    size_t env_len) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * The log's clock bounds the sender's: a message may not claim to be created
 * more than max_backdate_ms before it was logged, nor more than
 * HF_MAX_CLOCK_SKEW_MS after. Errors: HF_EBACKDATED, HF_EFUTURE.
 */
HF_API hf_err hf_audit_leaf_check_time(const hf_audit_leaf *leaf,
                                       uint64_t max_backdate_ms) HF_MUST_CHECK HF_NONNULL(1);

#endif
