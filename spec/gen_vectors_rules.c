/*
 * hf-vectors: spec/vectors/rules.json (spec §2.5, §8a, §11.2a, §13): the decoding rules a
 * second implementation must reproduce exactly, one vector per rule:
 *   - codec: map key forms, integer forms, the order of length errors, map and array
 *     counts against the bytes left, empty optional fields (carried by a receipt and
 *     other order bodies, spec §13);
 *   - caps: the size cap of every structure, a vector one byte over it (the input is
 *     `hex` followed by zero bytes up to `pad_to` bytes);
 *   - rejects of order messages: receipts, outcomes, events, escalations, referrals;
 *   - endpoints: manifest endpoint URLs against the host grammar of §11.2a.
 * Every reject is checked against the library's decoder when generated (reject() aborts on
 * any other code), so a vector cannot say something the code does not do.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_vectors.h"
#include "hashfed/audit_log.h"
#include "hashfed/audit_msg.h"
#include "hashfed/envelope.h"
#include "hashfed/limits.h"
#include "hashfed/list.h"
#include "hashfed/manifest.h"
#include "hashfed/match_report.h"
#include "hashfed/order.h"
#include "mp.h"

/* The valid bodies of spec/vectors/order.json (§13.10), by name: every reject below is
 * one of them with one rule broken. */
static const char RECEIPT_HEX[] =
    "8501c410019a1b2c3d4e7f00801122334455667702c4104242424242424242424242424242424203c42099"
    "9999999999999999999999999999999999999999999999999999999999999904cf000001a0c45070d20503";
static const char OUTCOME_HEX[] =
    "8201c410019a1b2c3d4e7f0080112233445566770293830100020103cf000001a0c4be4900850101020603"
    "cf000001a0c4f53780040105b0686f7374656420656c73657768657265840102020703cf000001a0c4f537"
    "8005b87768696368206f66207468652074776f20696d616765733f";
static const char EVENT_HEX[] =
    "8601c410019a1b2c3d4e7f008011223344556677020803cf000001a0c52c26000492000205ae746865207365"
    "636f6e64206f6e6506c41017171717171717171717171717171717";
static const char ESCALATION_HEX[] =
    "8801c410019a1b2c3d4e7f00801122334455667702c410a0a1a2a3a4a5a6a7a8a9aaabacadaeaf03c410b0b1"
    "b2b3b4b5b6b7b8b9babbbcbdbebf040405cf000001a0c976c80006cf000001a0c977b26007030802";
static const char REFERRAL_HEX[] =
    "8901c41033333333333333333333333333333333020103c410a0a1a2a3a4a5a6a7a8a9aaabacadaeaf04c410"
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf05c410c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c506cf000001a0c4506c"
    "0008020991c410019a1b2c3d4e7f0080112233445566770ad921726567696f6e616c2063656e746572202d3e"
    "2063656e7472616c2063656e746572";
static const char ORDER_HEX[] =
    "8b01c410019a1b2c3d4e7f00801122334455667702c410a0a1a2a3a4a5a6a7a8a9aaabacadaeaf03c410b0b1"
    "b2b3b4b5b6b7b8b9babbbcbdbebf04cf000001a0c4506c0005cf000001a0c976c8000601070208bfeca095eb"
    "b3b4ed86b5ec8ba0eba79debb29520eca09c3434eca1b0ec9d983709c410c5c5c5c5c5c5c5c5c5c5c5c5c5c5"
    "c5c50a93850100020103d92768747470733a2f2f766964656f2e6578616d706c652e6b722f77617463683f76"
    "3d61626331323304928201c410a0a1a2a3a4a5a6a7a8a9aaabacadaeaf02078201c410a0a1a2a3a4a5a6a7a8"
    "a9aaabacadaeaf02cd012c059282010302c4205a5a0102030405060708090a0b0c0d0e0f1011121314151617"
    "18191a1b1c1d1e82010202c410d41d8cd98f00b204e9800998ecf8427e830101020203ad706f73743a383832"
    "3133333737830102020103d921687474703a2f2f63646e2e6578616d706c652e6b722f752f392f696d672e6a"
    "70670bd9217265706f727465642062792076696374696d20737570706f72742063656e746572";

static uint8_t *unhex(const char *h, size_t *n)
{
	size_t len = strlen(h) / 2;
	uint8_t *b = malloc(len + 1);
	if (b == NULL)
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		b[i] = (uint8_t)v;
	}
	*n = len;
	return b;
}

static hf_err dec_type(uint32_t type, const uint8_t *b, size_t n)
{
	hf_order_msg m;
	hf_err rc = hf_order_msg_decode(type, b, n, &m);
	hf_order_msg_clear(&m);
	return rc;
}
static hf_err dec_order(const uint8_t *b, size_t n)
{
	return dec_type(HF_MSG_ORDER, b, n);
}
static hf_err dec_receipt(const uint8_t *b, size_t n)
{
	return dec_type(HF_MSG_RECEIPT, b, n);
}
static hf_err dec_outcome(const uint8_t *b, size_t n)
{
	return dec_type(HF_MSG_OUTCOME, b, n);
}
static hf_err dec_event(const uint8_t *b, size_t n)
{
	return dec_type(HF_MSG_ORDER_EVENT, b, n);
}
static hf_err dec_escalation(const uint8_t *b, size_t n)
{
	return dec_type(HF_MSG_ESCALATION, b, n);
}
static hf_err dec_referral(const uint8_t *b, size_t n)
{
	return dec_type(HF_MSG_REFERRAL, b, n);
}
static hf_err dec_pull(const uint8_t *b, size_t n)
{
	hf_list_pull x;
	return hf_list_pull_decode(b, n, &x);
}
static hf_err dec_batch(const uint8_t *b, size_t n)
{
	hf_list_batch x;
	return hf_list_batch_decode(b, n, &x);
}
static hf_err dec_snapshot(const uint8_t *b, size_t n)
{
	hf_list_snapshot x;
	return hf_list_snapshot_decode(b, n, &x);
}
static hf_err dec_report(const uint8_t *b, size_t n)
{
	hf_match_report x;
	return hf_match_report_decode(b, n, &x);
}
static hf_err dec_manifest(const uint8_t *b, size_t n)
{
	hf_manifest *m = NULL;
	hf_err rc = hf_manifest_decode(b, n, &m);
	hf_manifest_free(m);
	return rc;
}
static hf_err dec_audit_submit(const uint8_t *b, size_t n)
{
	hf_audit_msg *m = malloc(sizeof(*m));
	if (m == NULL)
		abort();
	hf_err rc = hf_audit_msg_decode(HF_MSG_AUDIT_SUBMIT, b, n, m);
	free(m);
	return rc;
}
static hf_err dec_leaf(const uint8_t *b, size_t n)
{
	hf_audit_leaf *l = malloc(sizeof(*l));
	if (l == NULL)
		abort();
	hf_err rc = hf_audit_leaf_decode(b, n, l);
	free(l);
	return rc;
}
static hf_err dec_header(const uint8_t *b, size_t n)
{
	hf_envelope_header *h = malloc(sizeof(*h));
	if (h == NULL)
		abort();
	hf_err rc = hf_envelope_header_decode(b, n, h);
	free(h);
	return rc;
}
static hf_err no_sender(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)ctx;
	(void)h;
	(void)pk;
	return HF_EUNKNOWNSENDER;
}
static hf_err dec_envelope(const uint8_t *b, size_t n)
{
	hf_identity *id = NULL;
	if (hf_identity_generate(&id, NULL) != HF_OK)
		abort();
	hf_open_params op = {id, no_sender, NULL, NOW, NULL};
	hf_opened *o = NULL;
	hf_err rc = hf_envelope_open(b, n, &op, &o);
	hf_opened_free(o);
	hf_identity_free(id);
	return rc;
}

/* ---- small encoders ------------------------------------------------------ */

typedef struct enc {
	hf_writer w;
	hfi_mp_enc e;
} enc;

static void enc_init(enc *x)
{
	hf_writer_init(&x->w, HF_MAX_MESSAGE_SIZE);
	hfi_mp_enc_init(&x->e, &x->w);
}
static void enc_raw(enc *x, const char *hex)
{
	size_t n;
	uint8_t *b = unhex(hex, &n);
	hfi_mp_put_raw(&x->e, b, n);
	free(b);
}
static void enc_done(enc *x)
{
	if (hfi_mp_enc_status(&x->e) != HF_OK)
		abort();
}

/* Edits of the field map `m` of REJ (expressions, so that several fit one REJ). */
static void set_hex(mm_map *m, unsigned k, const char *hex)
{
	size_t n;
	uint8_t *b = unhex(hex, &n);
	mm_set_raw(m, k, b, n);
	free(b);
}
static void set_enc(mm_map *m, unsigned k, enc *x)
{
	enc_done(x);
	mm_set_raw(m, k, x->w.p, x->w.len);
	hf_writer_free(&x->w);
}
static void ins_hex(mm_map *m, size_t at, unsigned k, const char *hex)
{
	size_t n;
	uint8_t *b = unhex(hex, &n);
	mm_insert(m, at, k, b, n);
	free(b);
}
#define SET_HEX(k, hex)     set_hex(&m, k, hex)
#define SET_ENC(k, x)       set_enc(&m, k, &(x))
#define INS_HEX(at, k, hex) ins_hex(&m, at, k, hex)

/* A whole body from hex (no field map). */
static void reject_hex(sbuf *s, int *first, const char *name, unsigned type, hf_err want,
                       decode_fn dec, const char *hex)
{
	size_t n;
	uint8_t *b = unhex(hex, &n);
	reject(s, first, name, type, want, dec, b, n);
	free(b);
}

/* An accepted boundary case, checked like a reject (want = HF_OK). */
#define ACCEPT(name, type, dec, base, base_len, ...)                                               \
	REJ(name, type, HF_OK, dec, base, base_len, __VA_ARGS__)

/* One outcome result map: item, code, action time, optional reason (0: absent) and text
 * (NULL: absent). */
static void put_result(hfi_mp_enc *e, uint32_t item, uint32_t code, int with_time, uint32_t reason,
                       const char *text)
{
	hfi_mp_put_map(e, 2u + (with_time != 0) + (reason != 0) + (text != NULL));
	hfi_mp_put_key(e, 1);
	hfi_mp_put_uint(e, item);
	hfi_mp_put_key(e, 2);
	hfi_mp_put_uint(e, code);
	if (with_time) {
		hfi_mp_put_key(e, 3);
		hfi_mp_put_uint(e, NOW + 7200000);
	}
	if (reason) {
		hfi_mp_put_key(e, 4);
		hfi_mp_put_uint(e, reason);
	}
	if (text) {
		hfi_mp_put_key(e, 5);
		hfi_mp_put_str(e, text, strlen(text));
	}
}

static char *repeat(char c, size_t n)
{
	char *p = malloc(n + 1);
	if (p == NULL)
		abort();
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

/* ---- codec rules (spec §2.5) --------------------------------------------- */

static void codec_rules(sbuf *s)
{
	size_t recn, en;
	uint8_t *rec = unhex(RECEIPT_HEX, &recn);
	uint8_t *ev = unhex(EVENT_HEX, &en);
	int first = 1;
	const unsigned T = HF_MSG_RECEIPT;
	sb_put(s, "  \"codec\": [\n");
	ACCEPT("receipt-valid", T, dec_receipt, rec, recn, (void)0);
	/* Map keys: the form first, then the value, then the order. */
	REJ("key-as-uint8", T, HF_ENONCANON, dec_receipt, rec, recn, m.f[4].key[0] = 0xcc,
	    m.f[4].key[1] = 5, m.f[4].key_len = 2);
	REJ("key-as-uint8-value-200", T, HF_ENONCANON, dec_receipt, rec, recn, m.f[4].key[0] = 0xcc,
	    m.f[4].key[1] = 200, m.f[4].key_len = 2);
	REJ("key-as-uint16", T, HF_ENONCANON, dec_receipt, rec, recn, m.f[4].key[0] = 0xcd,
	    m.f[4].key[1] = 0, m.f[4].key[2] = 5, m.f[4].key_len = 3);
	REJ("key-negative-fixint", T, HF_ETYPE, dec_receipt, rec, recn, m.f[4].key[0] = 0xff);
	REJ("key-as-int8", T, HF_ETYPE, dec_receipt, rec, recn, m.f[4].key[0] = 0xd0,
	    m.f[4].key[1] = 5, m.f[4].key_len = 2);
	REJ("key-as-int64", T, HF_ETYPE, dec_receipt, rec, recn, m.f[4].key[0] = 0xd3,
	    memset(m.f[4].key + 1, 0, 3), m.f[4].key_len = 4);
	REJ("key-as-str", T, HF_ETYPE, dec_receipt, rec, recn, m.f[4].key[0] = 0xa1,
	    m.f[4].key[1] = '5', m.f[4].key_len = 2);
	REJ("key-as-float", T, HF_EFLOAT, dec_receipt, rec, recn, m.f[4].key[0] = 0xca,
	    memset(m.f[4].key + 1, 0, 3), m.f[4].key_len = 4);
	REJ("key-nil", T, HF_ETYPE, dec_receipt, rec, recn, m.f[4].key[0] = 0xc0);
	REJ("key-0", T, HF_ERANGE, dec_receipt, rec, recn, m.f[0].key[0] = 0);
	REJ("key-64", T, HF_ERANGE, dec_receipt, rec, recn, m.f[4].key[0] = 64);
	REJ("key-6-unknown-before-its-value", T, HF_EUNKNOWNKEY, dec_receipt, rec, recn,
	    INS_HEX(MM_END, 6, "ca3f800000"));
	REJ("key-repeated", T, HF_EDUPKEY, dec_receipt, rec, recn, m.f[4].key[0] = 4);
	REJ("keys-descending", T, HF_EKEYORDER, dec_receipt, rec, recn, mm_swap(&m, 3, 4));
	/* Unsigned fields (received, key 4): shortest form; signed forms are ERANGE. */
	REJ("uint-as-uint16-5", T, HF_ENONCANON, dec_receipt, rec, recn, SET_HEX(4, "cd0005"));
	REJ("uint-as-int8-5", T, HF_ERANGE, dec_receipt, rec, recn, SET_HEX(4, "d005"));
	REJ("uint-as-int64-positive", T, HF_ERANGE, dec_receipt, rec, recn,
	    SET_HEX(4, "d3000001a0c45070d2"));
	REJ("uint-negative-fixint", T, HF_ERANGE, dec_receipt, rec, recn, SET_HEX(4, "ff"));
	REJ("uint-as-int8-negative", T, HF_ERANGE, dec_receipt, rec, recn, SET_HEX(4, "d0c0"));
	REJ("uint-as-float64", T, HF_EFLOAT, dec_receipt, rec, recn,
	    SET_HEX(4, "cb3ff0000000000000"));
	REJ("uint-as-nil", T, HF_ETYPE, dec_receipt, rec, recn, SET_HEX(4, "c0"));
	REJ("uint-as-true", T, HF_ETYPE, dec_receipt, rec, recn, SET_HEX(4, "c3"));
	REJ("uint-as-bin", T, HF_ETYPE, dec_receipt, rec, recn, SET_HEX(4, "c40105"));
	/* Fixed-length bins (order id, key 1; order hash, key 3). */
	REJ("fixed-bin-15", T, HF_ELENGTH, dec_receipt, rec, recn,
	    SET_HEX(1, "c40f019a1b2c3d4e7f008011223344556677"));
	REJ("fixed-bin-17", T, HF_ELENGTH, dec_receipt, rec, recn,
	    SET_HEX(1, "c411019a1b2c3d4e7f00801122334455667788"));
	REJ("fixed-bin-as-bin16", T, HF_ENONCANON, dec_receipt, rec, recn,
	    SET_HEX(1, "c50010019a1b2c3d4e7f0080112233445566778899"));
	REJ("fixed-bin-as-str", T, HF_ETYPE, dec_receipt, rec, recn,
	    SET_HEX(1, "b0019a1b2c3d4e7f0080112233445566"));
	REJ("fixed-bin-33-bytes-present", T, HF_ELENGTH, dec_receipt, rec, recn,
	    SET_HEX(3, "c421999999999999999999999999999999999999999999999999999999999999999999"));
	/* Length errors in order: form (ENONCANON), then the field's maximum (ETOOLONG), then
	 * the bytes left (ETRUNC), then the exact length (ELENGTH). The last field's declared
	 * length runs past the input. */
	reject_hex(s, &first, "fixed-bin-declared-past-end", T, HF_ETRUNC, dec_receipt,
	           "8501c4ff019a1b2c3d4e7f008011223344556677");
	{
		/* An event text (key 5, str <= 2048) declared 3000 bytes with 14 present. */
		REJ("str-above-max-and-past-end", HF_MSG_ORDER_EVENT, HF_ETOOLONG, dec_event, ev,
		    en, SET_HEX(5, "da0bb8746865207365636f6e64206f6e65"));
		REJ("str-past-end", HF_MSG_ORDER_EVENT, HF_ETRUNC, dec_event, ev, en,
		    SET_HEX(5, "d964746865207365636f6e64206f6e65"));
		REJ("str8-for-14-bytes", HF_MSG_ORDER_EVENT, HF_ENONCANON, dec_event, ev, en,
		    SET_HEX(5, "d90e746865207365636f6e64206f6e65"));
		REJ("str-overlong-utf8", HF_MSG_ORDER_EVENT, HF_EUTF8, dec_event, ev, en,
		    SET_HEX(5, "a2c0af"));
		REJ("str-surrogate", HF_MSG_ORDER_EVENT, HF_EUTF8, dec_event, ev, en,
		    SET_HEX(5, "a3eda080"));
		REJ("str-nul", HF_MSG_ORDER_EVENT, HF_EUTF8, dec_event, ev, en,
		    SET_HEX(5, "a26100"));
		REJ("str-as-bin", HF_MSG_ORDER_EVENT, HF_ETYPE, dec_event, ev, en,
		    SET_HEX(5, "c4026869"));
	}
	/* Map and array counts against the bytes left: a map of n entries needs 2n bytes, an
	 * array of n elements n bytes; the field maximum is checked first. */
	reject_hex(s, &first, "map-count-above-bytes-left", T, HF_ETRUNC, dec_receipt,
	           "8f01c410019a1b2c3d4e7f008011223344556677");
	reject_hex(s, &first, "map16-40-entries", T, HF_ETOOLONG, dec_receipt,
	           "de002801c410019a1b2c3d4e7f008011223344556677");
	reject_hex(s, &first, "map16-for-5-entries", T, HF_ENONCANON, dec_receipt,
	           "de000501c410019a1b2c3d4e7f008011223344556677");
	reject_hex(s, &first, "map-header-cut", T, HF_ETRUNC, dec_receipt, "de00");
	reject_hex(s, &first, "not-a-map", T, HF_ETYPE, dec_receipt, "9501");
	reject_hex(s, &first, "empty-input", T, HF_ETRUNC, dec_receipt, "");
	REJ("array-count-above-bytes-left", HF_MSG_ORDER_EVENT, HF_ETRUNC, dec_event, ev, en,
	    SET_HEX(4, "dc03e80002"));
	REJ("array-count-above-max", HF_MSG_ORDER_EVENT, HF_ETOOLONG, dec_event, ev, en,
	    SET_HEX(4, "dc03e90002"));
	REJ("array16-for-2-elements", HF_MSG_ORDER_EVENT, HF_ENONCANON, dec_event, ev, en,
	    SET_HEX(4, "dc00020002"));
	/* Optional fields are omitted when absent: present but empty is ENONCANON. */
	REJ("optional-array-empty", HF_MSG_ORDER_EVENT, HF_ENONCANON, dec_event, ev, en,
	    SET_HEX(4, "90"));
	REJ("optional-str-empty", HF_MSG_ORDER_EVENT, HF_ENONCANON, dec_event, ev, en,
	    SET_HEX(5, "a0"));
	/* Required keys are counted after the last entry: an error in a later field wins. */
	REJ("missing-key-1", T, HF_EMISSING, dec_receipt, rec, recn, mm_drop(&m, 1));
	REJ("missing-key-1-and-bad-key-4", T, HF_ENONCANON, dec_receipt, rec, recn, mm_drop(&m, 1),
	    SET_HEX(4, "cd0005"));
	/* Trailing bytes: bodies of types 16-19 check them right after the map, before
	 * EMISSING; every other structure after its own rules. */
	reject_hex(s, &first, "missing-key-5-and-trailing-byte", T, HF_EMISSING, dec_receipt,
	           "8401c410019a1b2c3d4e7f00801122334455667702c410424242424242424242424242424242"
	           "4203c4209999999999999999999999999999999999999999999999999999999999999999"
	           "04cf000001a0c45070d2c0");
	reject_hex(s, &first, "pull-missing-key-2-and-trailing-byte", HF_MSG_LIST_PULL,
	           HF_ETRAILING, dec_pull, "8101c410a0a1a2a3a4a5a6a7a8a9aaabacadaeafc0");
	sb_put(s, "\n  ],\n");
	free(rec);
	free(ev);
}

/* ---- size caps (spec §8a) ------------------------------------------------- */

typedef struct cap_case {
	const char *structure;
	unsigned type; /* 0: not an envelope body */
	const char *limit;
	size_t cap;
	decode_fn dec;
	const char *valid_hex; /* a valid start, padded with zero bytes past the cap */
} cap_case;

static void caps(sbuf *s)
{
	static const cap_case CASES[] = {
	    {"envelope", 0, "HF_MAX_MESSAGE_SIZE", HF_MAX_MESSAGE_SIZE, dec_envelope, "84"},
	    {"envelope header (standalone, audit submission)", 0, "HF_AUDIT_MAX_HEADER_LEN",
	     HF_AUDIT_MAX_HEADER_LEN, dec_header, "8a0101"},
	    {"LIST_BATCH body", HF_MSG_LIST_BATCH, "HF_MAX_MESSAGE_SIZE", HF_MAX_MESSAGE_SIZE,
	     dec_batch, "89"},
	    {"LIST_SNAPSHOT body", HF_MSG_LIST_SNAPSHOT, "HF_MAX_MESSAGE_SIZE", HF_MAX_MESSAGE_SIZE,
	     dec_snapshot, "8a"},
	    {"LIST_PULL body", HF_MSG_LIST_PULL, "HF_LIST_MAX_PULL_SIZE", HF_LIST_MAX_PULL_SIZE,
	     dec_pull, "8201c410a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0203"},
	    {"MATCH_REPORT body", HF_MSG_MATCH_REPORT, "HF_MATCH_REPORT_MAX_SIZE",
	     HF_MATCH_REPORT_MAX_SIZE, dec_report, "86"},
	    {"ORDER .. REFERRAL bodies (32-37)", HF_MSG_RECEIPT, "HF_ORDER_MAX_BODY_SIZE",
	     HF_ORDER_MAX_BODY_SIZE, dec_receipt, "85"},
	    {"AUDIT_SUBMIT .. AUDIT_ALARM bodies (48-53)", HF_MSG_AUDIT_SUBMIT,
	     "HF_AUDIT_MAX_BODY_SIZE", HF_AUDIT_MAX_BODY_SIZE, dec_audit_submit, "81"},
	    {"manifest", 0, "HF_MAX_MANIFEST_SIZE", HF_MAX_MANIFEST_SIZE, dec_manifest, "82"},
	    {"audit log leaf", 0, "HF_AUDIT_LEAF_MAX_SIZE", HF_AUDIT_LEAF_MAX_SIZE, dec_leaf, "83"},
	};
	size_t nc = sizeof(CASES) / sizeof(CASES[0]);
	sb_put(s, "  \"caps\": [\n");
	for (size_t i = 0; i < nc; i++) {
		const cap_case *c = &CASES[i];
		size_t hn;
		uint8_t *h = unhex(c->valid_hex, &hn);
		uint8_t *b = calloc(c->cap + 1, 1);
		if (b == NULL)
			abort();
		memcpy(b, h, hn);
		hf_err rc = c->dec(b, c->cap + 1);
		if (rc != HF_ETOOBIG) {
			fprintf(stderr, "hf-vectors: cap %s: %s\n", c->structure, hf_err_name(rc));
			exit(1);
		}
		sb_put(s,
		       "    {\"structure\": \"%s\", \"type\": %u, \"limit\": \"%s\", \"cap\": %zu, "
		       "\"error\": \"HF_ETOOBIG\", \"hex\": ",
		       c->structure, c->type, c->limit, c->cap);
		sb_hex(s, h, hn);
		sb_put(s, ", \"pad_to\": %zu}%s\n", c->cap + 1, i + 1 < nc ? "," : "");
		free(b);
		free(h);
	}
	sb_put(s, "  ],\n");
	/* At the cap exactly: the cap is inclusive, the decoder reads the bytes. */
	size_t hn;
	uint8_t *h = unhex("8201c410a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0203", &hn);
	uint8_t *b = calloc(HF_LIST_MAX_PULL_SIZE, 1);
	if (b == NULL)
		abort();
	memcpy(b, h, hn);
	if (dec_pull(b, HF_LIST_MAX_PULL_SIZE) != HF_ETRAILING || dec_pull(h, hn) != HF_OK)
		abort();
	sb_put(s,
	       "  \"at_cap\": [\n    {\"structure\": \"LIST_PULL body\", \"type\": %u, \"error\": "
	       "\"HF_ETRAILING\", \"hex\": ",
	       HF_MSG_LIST_PULL);
	sb_hex(s, h, hn);
	sb_put(s, ", \"pad_to\": %u}\n  ],\n", (unsigned)HF_LIST_MAX_PULL_SIZE);
	free(b);
	free(h);
}

/* ---- order message rejects (spec §13.3 - §13.6a) --------------------------- */

static void order_rejects(sbuf *s)
{
	size_t recn, on, en, xn, fn, dn;
	uint8_t *rec = unhex(RECEIPT_HEX, &recn);
	uint8_t *o = unhex(OUTCOME_HEX, &on);
	uint8_t *ev = unhex(EVENT_HEX, &en);
	uint8_t *x = unhex(ESCALATION_HEX, &xn);
	uint8_t *f = unhex(REFERRAL_HEX, &fn);
	uint8_t *od = unhex(ORDER_HEX, &dn);
	char *t2049 = repeat('q', HF_ORDER_MAX_TEXT_LEN + 1);
	char *t2048 = repeat('q', HF_ORDER_MAX_TEXT_LEN);
	int first = 1;
	enc e;
	sb_put(s, "  \"orders\": [\n");

	/* receipt (33) */
	const unsigned R = HF_MSG_RECEIPT;
	REJ("receipt-items-0", R, HF_ERANGE, dec_receipt, rec, recn, mm_set_uint(&m, 5, 0));
	REJ("receipt-items-1001", R, HF_ERANGE, dec_receipt, rec, recn, mm_set_uint(&m, 5, 1001));
	ACCEPT("receipt-items-1000", R, dec_receipt, rec, recn, mm_set_uint(&m, 5, 1000));
	REJ("receipt-order-hash-31", R, HF_ELENGTH, dec_receipt, rec, recn,
	    SET_HEX(3, "c41f99999999999999999999999999999999999999999999999999999999999999"));
	REJ("receipt-order-msg-id-missing", R, HF_EMISSING, dec_receipt, rec, recn, mm_drop(&m, 2));
	REJ("receipt-received-missing", R, HF_EMISSING, dec_receipt, rec, recn, mm_drop(&m, 4));
	REJ("receipt-unknown-key-6", R, HF_EUNKNOWNKEY, dec_receipt, rec, recn,
	    INS_HEX(MM_END, 6, "00"));

	/* outcome (34) */
	const unsigned O = HF_MSG_OUTCOME;
#define RESULTS(...) (enc_init(&e), __VA_ARGS__, SET_ENC(2, e))
	REJ("outcome-results-empty", O, HF_ERANGE, dec_outcome, o, on, SET_HEX(2, "90"));
	REJ("outcome-results-1001", O, HF_ETOOLONG, dec_outcome, o, on, SET_HEX(2, "dc03e9"));
	REJ("outcome-item-duplicate", O, HF_EDUPLICATE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 2), put_result(&e.e, 1, 1, 1, 0, NULL),
	            put_result(&e.e, 1, 2, 1, 0, NULL)));
	REJ("outcome-item-descending", O, HF_ENONCANON, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 2), put_result(&e.e, 2, 1, 1, 0, NULL),
	            put_result(&e.e, 1, 2, 1, 0, NULL)));
	REJ("outcome-item-1000", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 1000, 1, 1, 0, NULL)));
	ACCEPT("outcome-item-999", O, dec_outcome, o, on,
	       RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 999, 1, 1, 0, NULL)));
	REJ("outcome-code-0", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 0, 1, 0, NULL)));
	REJ("outcome-code-8", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 8, 1, 0, NULL)));
	REJ("outcome-action-time-missing", O, HF_EMISSING, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 1, 0, 0, NULL)));
	REJ("outcome-cannot-comply-without-reason", O, HF_EMISSING, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 6, 1, 0, "why")));
	REJ("outcome-cannot-comply-reason-7", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 6, 1, 7, "why")));
	REJ("outcome-cannot-comply-without-text", O, HF_EMISSING, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 6, 1, 1, NULL)));
	REJ("outcome-removed-with-reason", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 1, 1, 1, NULL)));
	REJ("outcome-removed-with-text", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 1, 1, 0, "done")));
	REJ("outcome-clarification-without-text", O, HF_EMISSING, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 7, 1, 0, NULL)));
	REJ("outcome-text-2049", O, HF_ETOOLONG, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 7, 1, 0, t2049)));
	ACCEPT("outcome-text-2048", O, dec_outcome, o, on,
	       RESULTS(hfi_mp_put_array(&e.e, 1), put_result(&e.e, 0, 7, 1, 0, t2048)));
	REJ("outcome-reason-0-present", O, HF_ERANGE, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), enc_raw(&e, "840100020103050400")));
	REJ("outcome-result-unknown-key", O, HF_EUNKNOWNKEY, dec_outcome, o, on,
	    RESULTS(hfi_mp_put_array(&e.e, 1), enc_raw(&e, "840100020103050600")));
#undef RESULTS

	/* order event (35) */
	const unsigned V = HF_MSG_ORDER_EVENT;
	REJ("event-kind-1-receipt", V, HF_ERANGE, dec_event, ev, en, mm_set_uint(&m, 2, 1));
	REJ("event-kind-17-deadline", V, HF_ERANGE, dec_event, ev, en, mm_set_uint(&m, 2, 17));
	REJ("event-kind-20", V, HF_ERANGE, dec_event, ev, en, mm_set_uint(&m, 2, 20));
	REJ("event-answer-without-text", V, HF_EMISSING, dec_event, ev, en, mm_drop(&m, 5));
	REJ("event-answer-without-ref", V, HF_EMISSING, dec_event, ev, en, mm_drop(&m, 6));
	REJ("event-ref-15-bytes", V, HF_ELENGTH, dec_event, ev, en,
	    SET_HEX(6, "c40f171717171717171717171717171717"));
	REJ("event-question-without-text", V, HF_EMISSING, dec_event, ev, en, mm_set_uint(&m, 2, 7),
	    mm_drop(&m, 5), mm_drop(&m, 6));
	REJ("event-dispute-without-text", V, HF_EMISSING, dec_event, ev, en, mm_set_uint(&m, 2, 9),
	    mm_drop(&m, 5), mm_drop(&m, 6));
	REJ("event-items-duplicate", V, HF_EDUPLICATE, dec_event, ev, en, SET_HEX(4, "920202"));
	REJ("event-items-descending", V, HF_ENONCANON, dec_event, ev, en, SET_HEX(4, "920200"));
	REJ("event-item-1000", V, HF_ERANGE, dec_event, ev, en, SET_HEX(4, "91cd03e8"));
	REJ("event-text-2049", V, HF_ETOOLONG, dec_event, ev, en,
	    mm_set_str(&m, 5, t2049, strlen(t2049)));
	/* new deadline (key 7): only MAINTAIN (10), VERIFY_STILL_REACHABLE (14), RECURRENCE
	 * (15), and after the event's time. */
	REJ("event-new-deadline-on-ack", V, HF_ERANGE, dec_event, ev, en, mm_set_uint(&m, 2, 2),
	    mm_drop(&m, 5), mm_drop(&m, 6), INS_HEX(MM_END, 7, "cf000001a0c5631480"));
	REJ("event-new-deadline-at-time", V, HF_ERANGE, dec_event, ev, en, mm_set_uint(&m, 2, 15),
	    mm_drop(&m, 5), mm_drop(&m, 6), INS_HEX(MM_END, 7, "cf000001a0c52c2600"));
	REJ("event-new-deadline-0", V, HF_ERANGE, dec_event, ev, en, mm_set_uint(&m, 2, 15),
	    mm_drop(&m, 5), mm_drop(&m, 6), INS_HEX(MM_END, 7, "00"));
	ACCEPT("event-recurrence-new-deadline", V, dec_event, ev, en, mm_set_uint(&m, 2, 15),
	       mm_drop(&m, 5), mm_drop(&m, 6), INS_HEX(MM_END, 7, "cf000001a0c5631480"));

	/* escalation (36): category 1..7, items 1..1000, overdue 1..items, escalated >=
	 * deadline; checked in that order after decoding. */
	const unsigned X = HF_MSG_ESCALATION;
	REJ("escalation-category-0", X, HF_ERANGE, dec_escalation, x, xn, mm_set_uint(&m, 4, 0));
	REJ("escalation-category-8", X, HF_ERANGE, dec_escalation, x, xn, mm_set_uint(&m, 4, 8));
	REJ("escalation-items-0", X, HF_ERANGE, dec_escalation, x, xn, mm_set_uint(&m, 7, 0));
	REJ("escalation-items-1001", X, HF_ETOOLONG, dec_escalation, x, xn,
	    mm_set_uint(&m, 7, 1001));
	ACCEPT("escalation-items-1000", X, dec_escalation, x, xn, mm_set_uint(&m, 7, 1000));
	REJ("escalation-overdue-0", X, HF_ERANGE, dec_escalation, x, xn, mm_set_uint(&m, 8, 0));
	REJ("escalation-overdue-above-items", X, HF_ERANGE, dec_escalation, x, xn,
	    mm_set_uint(&m, 8, 4));
	REJ("escalation-items-1001-overdue-1002", X, HF_ERANGE, dec_escalation, x, xn,
	    mm_set_uint(&m, 7, 1001), mm_set_uint(&m, 8, 1002));
	ACCEPT("escalation-overdue-equals-items", X, dec_escalation, x, xn, mm_set_uint(&m, 8, 3));
	ACCEPT("escalation-at-deadline", X, dec_escalation, x, xn,
	       SET_HEX(6, "cf000001a0c976c800"));
	REJ("escalation-category-missing", X, HF_EMISSING, dec_escalation, x, xn, mm_drop(&m, 4));

	/* referral (37): REFER names a category 1..7 (§13.2's table), STATUS a status 1..5. */
	const unsigned F = HF_MSG_REFERRAL;
	REJ("referral-kind-0", F, HF_ERANGE, dec_referral, f, fn, mm_set_uint(&m, 2, 0));
	REJ("referral-kind-3", F, HF_ERANGE, dec_referral, f, fn, mm_set_uint(&m, 2, 3));
	REJ("referral-refer-without-category", F, HF_EMISSING, dec_referral, f, fn, mm_drop(&m, 8));
	REJ("referral-refer-category-0", F, HF_ERANGE, dec_referral, f, fn, mm_set_uint(&m, 8, 0));
	REJ("referral-refer-category-8", F, HF_ERANGE, dec_referral, f, fn, mm_set_uint(&m, 8, 8));
	ACCEPT("referral-refer-category-7", F, dec_referral, f, fn, mm_set_uint(&m, 8, 7));
	REJ("referral-refer-with-status", F, HF_ERANGE, dec_referral, f, fn, INS_HEX(6, 7, "01"));
	REJ("referral-status-without-status", F, HF_EMISSING, dec_referral, f, fn,
	    mm_set_uint(&m, 2, 2), mm_drop(&m, 8));
	REJ("referral-status-6", F, HF_ERANGE, dec_referral, f, fn, mm_set_uint(&m, 2, 2),
	    mm_drop(&m, 8), INS_HEX(6, 7, "06"));
	ACCEPT("referral-status-5", F, dec_referral, f, fn, mm_set_uint(&m, 2, 2), mm_drop(&m, 8),
	       INS_HEX(6, 7, "05"));
	REJ("referral-status-with-category", F, HF_ERANGE, dec_referral, f, fn,
	    mm_set_uint(&m, 2, 2), INS_HEX(6, 7, "01"));
	REJ("referral-orders-empty", F, HF_ENONCANON, dec_referral, f, fn, SET_HEX(9, "90"));
	REJ("referral-orders-duplicate", F, HF_EDUPLICATE, dec_referral, f, fn,
	    SET_HEX(9,
	            "92c410019a1b2c3d4e7f008011223344556677c410019a1b2c3d4e7f008011223344556677"));
	{
		enc_init(&e);
		hfi_mp_put_array(&e.e, HF_REFERRAL_MAX_ORDERS + 1);
		for (unsigned i = 0; i <= HF_REFERRAL_MAX_ORDERS; i++) {
			uint8_t id[16] = {0};
			id[15] = (uint8_t)i;
			hfi_mp_put_bin(&e.e, id, 16);
		}
		REJ("referral-orders-65", F, HF_ETOOLONG, dec_referral, f, fn, SET_ENC(9, e));
	}
	REJ("referral-note-2049", F, HF_ETOOLONG, dec_referral, f, fn,
	    mm_set_str(&m, 10, t2049, strlen(t2049)));
	REJ("referral-note-empty", F, HF_ENONCANON, dec_referral, f, fn, SET_HEX(10, "a0"));

	/* order (32): content hash values are bin <= 32 (ETOOLONG), then exactly the
	 * algorithm's length (ELENGTH). Item 0's second hash is MD5 (16 bytes). */
	{
		const unsigned D = HF_MSG_ORDER;
		/* Offsets of item 0's MD5 value header in ORDER_HEX, found by search. */
		static const uint8_t md5_hdr[] = {0x82, 0x01, 0x02, 0x02, 0xc4, 0x10};
		size_t at = 0;
		for (; at + sizeof(md5_hdr) <= dn; at++)
			if (memcmp(od + at, md5_hdr, sizeof(md5_hdr)) == 0)
				break;
		if (at + sizeof(md5_hdr) > dn)
			abort();
		uint8_t *b = malloc(dn + 17);
		if (b == NULL)
			abort();
		/* 33 bytes: above the bin maximum -> ETOOLONG */
		memcpy(b, od, at + 5);
		b[at + 5] = 33;
		memcpy(b + at + 6, od + at + 6, 16);
		memset(b + at + 22, 0x77, 17);
		memcpy(b + at + 39, od + at + 22, dn - at - 22);
		reject(s, &first, "order-hash-value-33-bytes", D, HF_ETOOLONG, dec_order, b,
		       dn + 17);
		/* 32 bytes for MD5: within the maximum, wrong for the algorithm -> ELENGTH */
		b[at + 5] = 32;
		memcpy(b + at + 38, od + at + 22, dn - at - 22);
		reject(s, &first, "order-hash-md5-32-bytes", D, HF_ELENGTH, dec_order, b, dn + 16);
		free(b);
		REJ("order-note-empty", D, HF_ENONCANON, dec_order, od, dn, SET_HEX(11, "a0"));
	}
	sb_put(s, "\n  ],\n");
	free(t2049);
	free(t2048);
	free(rec);
	free(o);
	free(ev);
	free(x);
	free(f);
	free(od);
}

/* ---- endpoints (spec §11.2a) --------------------------------------------- */

static void endpoints(sbuf *s)
{
	static const char *const CASES[] = {
	    "tls+tcp://authority-1.example:7400",
	    "tls+tcp://localhost:1",
	    "tls+tcp://A-1.Example.KR:65535",
	    "tls+tcp://xn--9n2bp8q.example:7400",
	    "tls+tcp://192.0.2.2:7400",
	    "tls+tcp://0.0.0.0:7400",
	    "tls+tcp://[2001:db8::2]:7400",
	    "tls+tcp://[::1]:7400",
	    "tls+tcp://[::ffff:192.0.2.1]:7400",
	    "tls+tcp://a.b1:7400",
	    "tls+tcp://1a.example:7400",
	    "tls+tcp://example.:7400",
	    "tls+tcp://.example:7400",
	    "tls+tcp://a..example:7400",
	    "tls+tcp://-a.example:7400",
	    "tls+tcp://a-.example:7400",
	    "tls+tcp://a_b.example:7400",
	    "tls+tcp://a.123:7400",
	    "tls+tcp://192.0.2.256:7400",
	    "tls+tcp://192.0.2:7400",
	    "tls+tcp://192.0.2.02:7400",
	    "tls+tcp://1.2.3.4.5:7400",
	    "tls+tcp://[2001:db8::2::1]:7400",
	    "tls+tcp://[:::]:7400",
	    "tls+tcp://[2001:db8::g]:7400",
	    "tls+tcp://[fe80::1%eth0]:7400",
	    "tls+tcp://[]:7400",
	    "tls+tcp://2001:db8::2:7400",
	    "tls+tcp://host.example:0",
	    "tls+tcp://host.example:65536",
	    "tls+tcp://host.example:07400",
	    "tls+tcp://host.example",
	    "tls+tcp://host.example:7400/",
	    "tcp://host.example:7400",
	    "TLS+TCP://host.example:7400",
	    "tls+tcp://:7400",
	    NULL, /* a label of 63 bytes */
	    NULL, /* a label of 64 bytes */
	    NULL, /* a URL of HF_MAX_ENDPOINT_LEN bytes */
	    NULL, /* one byte more */
	};
	size_t nc = sizeof(CASES) / sizeof(CASES[0]);
	char buf[HF_MAX_ENDPOINT_LEN + 64];
	sb_put(s, "  \"endpoints\": [\n");
	for (size_t i = 0; i < nc; i++) {
		const char *u = CASES[i];
		if (u == NULL) {
			size_t k = i - (nc - 4);
			char host[HF_MAX_ENDPOINT_LEN + 1];
			if (k < 2) {
				memset(host, 'a', 63 + k);
				memcpy(host + 63 + k, ".example", 9);
			} else {
				/* "tls+tcp://" + host + ":7400": labels of 63 and dots */
				size_t total = HF_MAX_ENDPOINT_LEN - 15 + (k - 2), off = 0;
				while (total - off > 64) {
					memset(host + off, 'b', 63);
					host[off + 63] = '.';
					off += 64;
				}
				memset(host + off, 'c', total - off);
				host[total] = '\0';
			}
			snprintf(buf, sizeof(buf), "tls+tcp://%s:7400", host);
			u = buf;
		}
		hf_err rc = hf_endpoint_check(u);
		sb_put(s, "    {\"endpoint\": ");
		sb_str(s, u, strlen(u));
		sb_put(s, ", \"error\": \"%s\"}%s\n", hf_err_name(rc), i + 1 < nc ? "," : "");
	}
	sb_put(s, "  ]\n");
}

void gen_rules(sbuf *s)
{
	sb_put(s, "{\n  \"about\": \"decoding rules of spec 2.5, size caps of spec 8a, rejects "
	          "of order messages (spec 13) and endpoint hosts (spec 11.2a): each entry gives "
	          "the exact code a decoder must return (HF_OK: accepted); caps and at_cap "
	          "inputs are hex followed by zero bytes up to pad_to bytes\",\n");
	codec_rules(s);
	caps(s);
	order_rejects(s);
	endpoints(s);
	sb_put(s, "}\n");
}
