#ifndef HASHFED_IDS_H
#define HASHFED_IDS_H

/*
 * The 16-byte identifiers of the protocol, one struct type per kind so that
 * the compiler refuses a key id where a message id is expected. Each struct
 * is exactly its wire bytes: one uint8_t array (size 16, alignment 1, no
 * padding), so sizeof equals the *_LEN constant, it is copied by assignment
 * and encoded / stored as .b. Ids are public values: the helpers below are
 * not constant-time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/digest.h"
#include "hashfed/limits.h"

/* Key id of a signing or encryption key (spec §4.2), derived from the public key. */
typedef struct hf_key_id {
	uint8_t b[HF_KEYID_LEN];
} hf_key_id;

/* Envelope message id (spec §5), UUIDv7 chosen by the sender. */
typedef struct hf_msg_id {
	uint8_t b[HF_MSGID_LEN];
} hf_msg_id;

/* Federation id (spec §5, §11.2), chosen when the federation is created. */
typedef struct hf_fed_id {
	uint8_t b[HF_FEDID_LEN];
} hf_fed_id;

/* Hash list id (spec §12); also the list of an order's entry ref
 * (HF_ORDER_LIST_ID_LEN). */
typedef struct hf_list_id {
	uint8_t b[HF_LIST_ID_LEN];
} hf_list_id;

/* Order or referral id (spec §13), UUIDv7 chosen by the issuing authority. */
typedef struct hf_order_id {
	uint8_t b[HF_ORDER_ID_LEN];
} hf_order_id;

_Static_assert(sizeof(hf_key_id) == HF_KEYID_LEN, "hf_key_id is its wire bytes");
_Static_assert(sizeof(hf_msg_id) == HF_MSGID_LEN, "hf_msg_id is its wire bytes");
_Static_assert(sizeof(hf_fed_id) == HF_FEDID_LEN, "hf_fed_id is its wire bytes");
_Static_assert(sizeof(hf_list_id) == HF_LIST_ID_LEN, "hf_list_id is its wire bytes");
_Static_assert(sizeof(hf_list_id) == HF_ORDER_LIST_ID_LEN, "entry refs name list ids");
_Static_assert(sizeof(hf_order_id) == HF_ORDER_ID_LEN, "hf_order_id is its wire bytes");
_Static_assert(HF_ORDER_ID_LEN == HF_MSGID_LEN, "hf_uuidv7 fills both");

/* Lowercase hex of any id above, with its NUL. */
#define HF_ID_HEX_SIZE (2 * HF_MSGID_LEN + 1)

static inline bool hf_id_bytes_eq(const uint8_t *x, const uint8_t *y, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(x[i] ^ y[i]);
	return d == 0;
}

static inline bool hf_id_bytes_zero(const uint8_t *x, size_t n)
{
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i];
	return d == 0;
}

/* T_eq, T_is_zero and T_hex for each id type T: typed, so two kinds never
 * compare by accident. */
#define HF_ID_HELPERS_(T)                                                                          \
	static inline bool T##_eq(const T *x, const T *y)                                          \
	{                                                                                          \
		return hf_id_bytes_eq(x->b, y->b, sizeof x->b);                                    \
	}                                                                                          \
	static inline bool T##_is_zero(const T *x)                                                 \
	{                                                                                          \
		return hf_id_bytes_zero(x->b, sizeof x->b);                                        \
	}                                                                                          \
	static inline void T##_hex(const T *x, char out[HF_ID_HEX_SIZE])                           \
	{                                                                                          \
		hf_hex_lower(x->b, sizeof x->b, out);                                              \
	}

HF_ID_HELPERS_(hf_key_id)
HF_ID_HELPERS_(hf_msg_id)
HF_ID_HELPERS_(hf_fed_id)
HF_ID_HELPERS_(hf_list_id)
HF_ID_HELPERS_(hf_order_id)

#undef HF_ID_HELPERS_

#endif
