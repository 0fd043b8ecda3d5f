#ifndef HASHFED_IDENTITY_H
#define HASHFED_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/ids.h"
#include "hashfed/limits.h"
#include "hashfed/rng.h"

/*
 * Node identities (spec §4). An identity is two independent key pairs:
 *   - an Ed25519 signing key pair (libsodium crypto_sign), from a 32-byte seed;
 *   - an X25519 encryption key pair (the HPKE recipient key of the envelope).
 * They are separate so that an encryption key can be rotated without
 * re-signing everything, and so that no key is used for two algorithms.
 *
 * Key id (spec §4.2), 16 bytes:
 *   keyid = first 16 bytes of BLAKE2b-256(
 *             "hashfed/v1/keyid" || alg || pk )
 * where BLAKE2b-256 is unkeyed BLAKE2b with a 32-byte output (libsodium
 * crypto_generichash, key NULL), "hashfed/v1/keyid" is the 16 ASCII bytes
 * without a terminator, alg is one byte (0x01 = Ed25519 signing key,
 * 0x02 = X25519 encryption key) and pk is the 32-byte public key. The alg
 * byte keeps a signing and an encryption key with equal bytes apart.
 */

#define HF_KEYID_ALG_SIGN 0x01
#define HF_KEYID_ALG_ENC  0x02
#define HF_SIGN_SEED_LEN  32

/* Opaque identity. Secret keys live in sodium_malloc memory and are wiped by
 * hf_identity_free. Immutable after creation, so it may be shared read-only
 * between threads. */
typedef struct hf_identity hf_identity;

/*
 * New identity from rng (NULL: OS RNG), deterministically: the first 32 bytes
 * drawn are the Ed25519 seed (crypto_sign_seed_keypair), the next 32 bytes the
 * X25519 secret key (public key by crypto_scalarmult_base). *out is NULL on
 * error. Errors: HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_identity_generate(hf_identity **out, const hf_rng *rng) HF_MUST_CHECK
    HF_NONNULL(1);

/*
 * Identity from its secrets (as stored in a key file). Both inputs are only
 * read; the caller wipes its copies. Errors: HF_EBADKEY (enc_sk gives a
 * public key that fails hf_enc_pk_validate, which cannot happen for a
 * clamped scalar but is checked anyway), HF_ENOMEM, HF_ECRYPTO.
 */
HF_API hf_err hf_identity_from_secrets(const uint8_t sign_seed[static HF_SIGN_SEED_LEN],
                                       const uint8_t enc_sk[static HF_ENC_SK_LEN],
                                       hf_identity **out) HF_MUST_CHECK HF_NONNULL(3);

/* Copy the secrets out (for writing a key file). The caller must wipe them. */
HF_API void hf_identity_secrets(const hf_identity *id, uint8_t sign_seed[static HF_SIGN_SEED_LEN],
                                uint8_t enc_sk[static HF_ENC_SK_LEN]) HF_NONNULL(1);

/* Wipe and free. NULL is a no-op. */
HF_API void hf_identity_free(hf_identity *id);

/* Public parts. Each returns a pointer into the identity, valid until
 * hf_identity_free: HF_SIGN_PK_LEN or HF_ENC_PK_LEN bytes, or a key id. */
HF_API const uint8_t *hf_identity_sign_pk(const hf_identity *id) HF_NONNULL(1);
HF_API const uint8_t *hf_identity_enc_pk(const hf_identity *id) HF_NONNULL(1);
HF_API const hf_key_id *hf_identity_sign_keyid(const hf_identity *id) HF_NONNULL(1);
HF_API const hf_key_id *hf_identity_enc_keyid(const hf_identity *id) HF_NONNULL(1);

/* Ed25519 detached signature over msg[0..len) (msg may be NULL if len == 0).
 * Deterministic (RFC 8032). Errors: HF_EINVAL (msg NULL, len > 0), HF_ECRYPTO. */
HF_API hf_err hf_identity_sign(const hf_identity *id, const uint8_t *msg, size_t len,
                               uint8_t sig[static HF_SIG_LEN]) HF_MUST_CHECK HF_NONNULL(1);

/* Key ids as defined above. Pure functions of the public key; they do not
 * validate it. */
HF_API void hf_keyid_sign(const uint8_t pk[static HF_SIGN_PK_LEN], hf_key_id *id) HF_NONNULL(2);
HF_API void hf_keyid_enc(const uint8_t pk[static HF_ENC_PK_LEN], hf_key_id *id) HF_NONNULL(2);

/*
 * Registration-time check of an Ed25519 public key (manifest, key files):
 * HF_EBADKEY unless pk is the canonical encoding of a point on the curve in
 * the prime-order subgroup (crypto_core_ed25519_is_valid_point). This rejects
 * small-order points, non-canonical encodings and points with a low-order
 * component. Stricter than hf_sign_verify, on purpose: keys that verify
 * would accept but that are not in the prime-order subgroup never get in.
 */
HF_API hf_err hf_sign_pk_validate(const uint8_t pk[static HF_SIGN_PK_LEN]) HF_MUST_CHECK;

/*
 * Registration-time check of an X25519 public key: HF_EBADKEY if pk is not
 * canonical (bit 255 set, or u >= 2^255 - 19: one key, one encoding, one key
 * id) or is one of the points of small order (its DH result with any secret
 * key is all zero).
 */
HF_API hf_err hf_enc_pk_validate(const uint8_t pk[static HF_ENC_PK_LEN]) HF_MUST_CHECK;

/*
 * Verify an Ed25519 detached signature with exactly libsodium 1.0.18's
 * acceptance rules (crypto_sign_verify_detached), so every node, witness and
 * auditor agrees on the verdict (tests pin this against the CCTV vectors).
 * Returns HF_OK, HF_EBADKEY if pk is a non-canonical encoding or a point of
 * small order (libsodium rejects every signature under such a key), or
 * HF_ESIG for any other failure; HF_EINVAL if msg is NULL with len > 0.
 */
HF_API hf_err hf_sign_verify(const uint8_t pk[static HF_SIGN_PK_LEN], const uint8_t *msg,
                             size_t len, const uint8_t sig[static HF_SIG_LEN]) HF_MUST_CHECK;

#endif
