#ifndef HASHFED_ERR_H
#define HASHFED_ERR_H

#include "hashfed/common.h"

/*
 * One error enum for all of hashfed. 0 is success. Every code belongs to one
 * class, so the node can map a class to a log level and a peer penalty without
 * listing every code. Codes are stable on the wire and in logs by their NAME
 * (spec §9); numeric values may be appended to but never reused.
 *
 * HF_ERR_TABLE(X): X(name, class, message)
 */
#define HF_ERR_TABLE(X)                                                                            \
	X(HF_OK, HF_CLASS_OK, "success")                                                           \
	/* usage: the caller did something wrong */                                                \
	X(HF_EINVAL, HF_CLASS_USAGE, "invalid argument")                                           \
	X(HF_ENOSPC, HF_CLASS_USAGE, "output buffer too small")                                    \
	X(HF_ECONFIG, HF_CLASS_USAGE, "invalid configuration")                                     \
	/* malformed: input bytes are not a valid encoding */                                      \
	X(HF_ETRUNC, HF_CLASS_MALFORMED, "input truncated")                                        \
	X(HF_ETRAILING, HF_CLASS_MALFORMED, "trailing bytes after message")                        \
	X(HF_ETYPE, HF_CLASS_MALFORMED, "unexpected msgpack type")                                 \
	X(HF_EFLOAT, HF_CLASS_MALFORMED, "floating point value not allowed")                       \
	X(HF_ENONCANON, HF_CLASS_MALFORMED, "non-canonical encoding (not shortest form)")          \
	X(HF_EKEYORDER, HF_CLASS_MALFORMED, "map keys not strictly ascending")                     \
	X(HF_EDUPKEY, HF_CLASS_MALFORMED, "duplicate map key")                                     \
	X(HF_EUNKNOWNKEY, HF_CLASS_MALFORMED, "unknown map key")                                   \
	X(HF_EMISSING, HF_CLASS_MALFORMED, "required field missing")                               \
	X(HF_ETOOLONG, HF_CLASS_MALFORMED, "field longer than its declared maximum")               \
	X(HF_ETOODEEP, HF_CLASS_MALFORMED, "nesting deeper than allowed")                          \
	X(HF_ETOOBIG, HF_CLASS_MALFORMED, "message larger than the size cap")                      \
	X(HF_EUTF8, HF_CLASS_MALFORMED, "string is not valid UTF-8")                               \
	X(HF_ERANGE, HF_CLASS_MALFORMED, "value out of range")                                     \
	X(HF_ELENGTH, HF_CLASS_MALFORMED, "field has the wrong fixed length")                      \
	X(HF_EVERSION, HF_CLASS_MALFORMED, "unsupported protocol version")                         \
	X(HF_EMSGTYPE, HF_CLASS_MALFORMED, "unknown message type")                                 \
	X(HF_EDUPLICATE, HF_CLASS_MALFORMED, "duplicate element in a set")                         \
	X(HF_EPARSE, HF_CLASS_MALFORMED, "text could not be parsed")                               \
	X(HF_EBADKEY, HF_CLASS_MALFORMED, "malformed or small-order public key")                   \
	X(HF_EIMGDECODE, HF_CLASS_MALFORMED, "image could not be decoded")                         \
	X(HF_EIMGFORMAT, HF_CLASS_MALFORMED, "unsupported image format")                           \
	X(HF_EIMGSMALL, HF_CLASS_MALFORMED, "image too small to hash")                             \
	X(HF_EVIDDECODE, HF_CLASS_MALFORMED, "video could not be decoded")                         \
	X(HF_EVIDFORMAT, HF_CLASS_MALFORMED, "unsupported video container or codec")               \
	/* crypto: a cryptographic check failed */                                                 \
	X(HF_ESIG, HF_CLASS_CRYPTO, "signature verification failed")                               \
	X(HF_ENOTRECIPIENT, HF_CLASS_CRYPTO, "no key wrap addressed to this recipient")            \
	X(HF_EUNWRAP, HF_CLASS_CRYPTO, "content key unwrap failed")                                \
	X(HF_EDECRYPT, HF_CLASS_CRYPTO, "body decryption failed")                                  \
	X(HF_ECOMMIT, HF_CLASS_CRYPTO, "body does not match its audit commitment")                 \
	X(HF_EINNER, HF_CLASS_CRYPTO, "inner sender or message id differs from the header")        \
	X(HF_EPASSPHRASE, HF_CLASS_CRYPTO, "wrong passphrase or corrupted key file")               \
	X(HF_ECRYPTO, HF_CLASS_CRYPTO, "cryptographic library failure")                            \
	/* policy: well-formed and authentic, but not allowed */                                   \
	X(HF_EUNKNOWNSENDER, HF_CLASS_POLICY, "sender key is unknown")                             \
	X(HF_EEXPIRED, HF_CLASS_POLICY, "message expired")                                         \
	X(HF_EFUTURE, HF_CLASS_POLICY, "message created too far in the future")                    \
	X(HF_EFEDERATION, HF_CLASS_POLICY, "wrong federation")                                     \
	X(HF_EROLE, HF_CLASS_POLICY, "sender lacks the role for this message")                     \
	X(HF_EREVOKED, HF_CLASS_POLICY, "key revoked")                                             \
	X(HF_EKEYEXPIRED, HF_CLASS_POLICY, "key outside its validity window")                      \
	X(HF_EUNKNOWNMEMBER, HF_CLASS_POLICY, "unknown federation member")                         \
	X(HF_EEPOCH, HF_CLASS_POLICY, "manifest epoch not newer than the one held")                \
	X(HF_ETHRESHOLD, HF_CLASS_POLICY, "not enough valid root signatures")                      \
	X(HF_EPERM, HF_CLASS_POLICY, "file permissions too open")                                  \
	X(HF_EAUTH, HF_CLASS_POLICY, "authentication required or failed")                          \
	X(HF_ENOTENTITLED, HF_CLASS_POLICY, "not entitled to this list")                           \
	X(HF_EIMGSIDE, HF_CLASS_POLICY, "image side exceeds the limit")                            \
	X(HF_EIMGPIXELS, HF_CLASS_POLICY, "image pixel count exceeds the limit")                   \
	X(HF_EIMGSCANS, HF_CLASS_POLICY, "too many progressive scans")                             \
	X(HF_EFILESIZE, HF_CLASS_POLICY, "file exceeds the size limit")                            \
	X(HF_ELOWQUALITY, HF_CLASS_POLICY, "hash quality below the threshold")                     \
	X(HF_EVIDSIDE, HF_CLASS_POLICY, "video frame size exceeds the limit")                      \
	X(HF_EVIDDURATION, HF_CLASS_POLICY, "video duration exceeds the limit")                    \
	X(HF_EVIDFRAMES, HF_CLASS_POLICY, "video frame count exceeds the limit")                   \
	X(HF_EVIDTIME, HF_CLASS_POLICY, "video decoding time exceeds the limit")                   \
	/* state: valid message, wrong moment */                                                   \
	X(HF_ESTATE, HF_CLASS_STATE, "invalid state transition")                                   \
	X(HF_ECHAIN, HF_CLASS_STATE, "hash chain broken")                                          \
	X(HF_EGAP, HF_CLASS_STATE, "sequence gap")                                                 \
	X(HF_EREPLAY, HF_CLASS_STATE, "message already seen")                                      \
	X(HF_EEXIST, HF_CLASS_STATE, "already exists")                                             \
	X(HF_ENOTFOUND, HF_CLASS_STATE, "not found")                                               \
	/* io: the outside world failed */                                                         \
	X(HF_EIO, HF_CLASS_IO, "input/output error")                                               \
	X(HF_ENET, HF_CLASS_IO, "network error")                                                   \
	X(HF_ETIMEOUT, HF_CLASS_IO, "timed out")                                                   \
	X(HF_EDB, HF_CLASS_IO, "database error")                                                   \
	/* internal */                                                                             \
	X(HF_ENOMEM, HF_CLASS_INTERNAL, "out of memory")                                           \
	X(HF_EINTERNAL, HF_CLASS_INTERNAL, "internal error")                                       \
	/* audit log (spec §15): appended, so earlier numeric values stay */                      \
	X(HF_EHASHLEN, HF_CLASS_MALFORMED, "Merkle hash is not exactly 32 bytes")                  \
	X(HF_EPROOFLEN, HF_CLASS_MALFORMED, "proof has the wrong number of hashes")                \
	X(HF_ETREESIZE, HF_CLASS_MALFORMED, "leaf index or tree size out of range")                \
	X(HF_EEMPTYTREE, HF_CLASS_MALFORMED, "consistency proof from an empty tree")               \
	X(HF_EINCLUSION, HF_CLASS_CRYPTO, "inclusion proof does not lead to the checkpoint root")  \
	X(HF_ECONSISTENCY, HF_CLASS_CRYPTO, "checkpoints are not consistent")                      \
	X(HF_ENOTE, HF_CLASS_MALFORMED, "malformed signed note")                                   \
	X(HF_ECHECKPOINT, HF_CLASS_MALFORMED, "malformed checkpoint body")                         \
	X(HF_EVKEY, HF_CLASS_MALFORMED, "malformed note verifier key")                             \
	X(HF_EUNSIGNED, HF_CLASS_CRYPTO, "no signature from a trusted key")                        \
	X(HF_EORIGIN, HF_CLASS_POLICY, "checkpoint origin is not the expected log")                \
	X(HF_EQUORUM, HF_CLASS_POLICY, "not enough witness cosignatures")                          \
	X(HF_EROLLBACK, HF_CLASS_STATE, "checkpoint smaller than one already verified")            \
	X(HF_ESPLITVIEW, HF_CLASS_CRYPTO, "two checkpoints of one log that cannot be consistent")  \
	X(HF_ETILE, HF_CLASS_MALFORMED, "malformed tile path, tile or entry bundle")               \
	X(HF_ELEAF, HF_CLASS_MALFORMED, "malformed audit log leaf")                                \
	X(HF_EBACKDATED, HF_CLASS_POLICY, "message predates its log entry by more than the skew")  \
	X(HF_ENOTLOGGED, HF_CLASS_STATE, "message has no entry in the audit log")                  \
	X(HF_ESTALE, HF_CLASS_POLICY, "message created longer ago than HF_MAX_BACKDATE_MS")        \
	X(HF_EEPOCHAHEAD, HF_CLASS_STATE, "header epoch newer than the manifest held")             \
	X(HF_EDEADLINE, HF_CLASS_POLICY, "deadline outside the 1 h .. 90 d window")                \
	X(HF_EACTIONTIME, HF_CLASS_POLICY, "action time before the order or in the future")        \
	X(HF_EAUDITHDR, HF_CLASS_MALFORMED, "public audit header does not match the body")         \
	X(HF_ETLSPEER, HF_CLASS_POLICY, "peer TLS certificate not in the manifest")                \
	X(HF_EPROOFPENDING, HF_CLASS_IO,                                                           \
	  "revoked key: waiting for the audit log's proof the message predates the revocation")

typedef enum hf_err {
#define HF_X_ENUM(name, cls, msg) name,
	HF_ERR_TABLE(HF_X_ENUM)
#undef HF_X_ENUM
	    HF_ERR__COUNT
} hf_err;

typedef enum hf_err_class {
	HF_CLASS_OK = 0,
	HF_CLASS_USAGE,
	HF_CLASS_MALFORMED,
	HF_CLASS_CRYPTO,
	HF_CLASS_POLICY,
	HF_CLASS_STATE,
	HF_CLASS_IO,
	HF_CLASS_INTERNAL,
} hf_err_class;

/* Class of an error code; out-of-range codes are HF_CLASS_INTERNAL. */
HF_API hf_err_class hf_err_class_of(hf_err e);
/* Human-readable message; never NULL. */
HF_API const char *hf_strerror(hf_err e);
/* Stable symbolic name ("HF_ETRUNC"); never NULL. Used in logs and the HTTP API. */
HF_API const char *hf_err_name(hf_err e);
/* Name of a class ("malformed"); never NULL. */
HF_API const char *hf_err_class_name(hf_err_class c);
/* Parse a symbolic name back to a code; HF_ENOTFOUND if unknown. */
HF_API hf_err hf_err_from_name(const char *name, hf_err *out);

#endif
