/*
 * hf-vectors: generates the JSON files in spec/vectors and the fuzz seed corpora from the
 * code, deterministically (spec §7, §10).
 *
 *   hf-vectors --write DIR   write DIR/codec.json, envelope.json, lists.json, merkle.json,
 *                            match_report.json, manifest.json and rules.json
 *   hf-vectors --check DIR   regenerate in memory; exit 1 if a file differs
 *   hf-vectors --seeds DIR   write fuzz seeds: DIR/envelope and DIR/msgpack, and
 *                            vec-*.bin in DIR/list, DIR/match_report, DIR/manifest
 *
 * The message families of spec §11, §12 and §14 are in gen_vectors_msgs.c and
 * gen_vectors_manifest.c; gen_vectors_mm.c holds the shared helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envelope_internal.h"
#include "gen_vectors.h"
#include "hf_test.h"
#include "hashfed/envelope.h"
#include "hashfed/identity.h"
#include <sodium.h>

static const hf_fed_id FED = {{0x68, 0x61, 0x73, 0x68, 0x66, 0x65, 0x64, 0x2d, 0x76, 0x65, 0x63,
                               0x74, 0x6f, 0x72, 0x73, 0x31}};

void sb_put(sbuf *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (s->p == NULL)
			abort();
	}
}

void sb_hex(sbuf *s, const uint8_t *b, size_t n)
{
	sb_put(s, "\"");
	for (size_t i = 0; i < n; i++)
		sb_put(s, "%02x", b[i]);
	sb_put(s, "\"");
}

void sb_str(sbuf *s, const char *p, size_t n)
{
	sb_put(s, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			sb_put(s, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sb_put(s, "\\u%04x", c);
		else
			sb_put(s, "%c", c);
	}
	sb_put(s, "\"");
}

/* ---- seeds ------------------------------------------------------------- */

static const char *g_seed_dir;

void seed(const char *sub, const char *name, const uint8_t *b, size_t n)
{
	if (g_seed_dir == NULL)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", g_seed_dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", g_seed_dir, sub, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(b, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

/* ---- identities -------------------------------------------------------- */

#define N_IDS 4
static const char *const ID_NAMES[N_IDS] = {"sender", "r1", "r2", "r3"};
static hf_identity *g_ids[N_IDS];

static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)ctx;
	for (int i = 0; i < N_IDS; i++) {
		if (hf_key_id_eq(hf_identity_sign_keyid(g_ids[i]), &h->sender)) {
			memcpy(pk, hf_identity_sign_pk(g_ids[i]), HF_SIGN_PK_LEN);
			return HF_OK;
		}
	}
	return HF_EUNKNOWNSENDER;
}

static void identities(sbuf *s)
{
	sb_put(s, "  \"identities\": [\n");
	for (int i = 0; i < N_IDS; i++) {
		hf_test_rng tr;
		hf_test_rng_init(&tr, (uint32_t)(i + 1));
		hf_rng rng = {hf_test_rng_bytes, &tr};
		if (hf_identity_generate(&g_ids[i], &rng) != HF_OK)
			abort();
		uint8_t seed_b[HF_SIGN_SEED_LEN], enc_sk[HF_ENC_SK_LEN];
		hf_identity_secrets(g_ids[i], seed_b, enc_sk);
		sb_put(s, "    {\"name\": \"%s\", \"rng_seed\": %d, \"sign_seed\": ", ID_NAMES[i],
		       i + 1);
		sb_hex(s, seed_b, sizeof(seed_b));
		sb_put(s, ", \"sign_pk\": ");
		sb_hex(s, hf_identity_sign_pk(g_ids[i]), HF_SIGN_PK_LEN);
		sb_put(s, ", \"sign_keyid\": ");
		sb_hex(s, hf_identity_sign_keyid(g_ids[i])->b, HF_KEYID_LEN);
		sb_put(s, ",\n     \"enc_sk\": ");
		sb_hex(s, enc_sk, sizeof(enc_sk));
		sb_put(s, ", \"enc_pk\": ");
		sb_hex(s, hf_identity_enc_pk(g_ids[i]), HF_ENC_PK_LEN);
		sb_put(s, ", \"enc_keyid\": ");
		sb_hex(s, hf_identity_enc_keyid(g_ids[i])->b, HF_KEYID_LEN);
		sb_put(s, "}%s\n", i + 1 < N_IDS ? "," : "");
		sodium_memzero(seed_b, sizeof(seed_b));
		sodium_memzero(enc_sk, sizeof(enc_sk));
	}
	sb_put(s, "  ],\n");
}

/* ---- envelopes --------------------------------------------------------- */

typedef struct env_case {
	const char *name;
	uint32_t rng_seed;
	int n_rcpt;
	const char *body;
	uint32_t audit_fields;
} env_case;

static const env_case ENV_CASES[] = {
    {"one-recipient", 100, 1, "hello, federation", 0},
    {"three-recipients-audit", 101, 3, "batch 7 of list L: 3 entries",
     HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_ITEMS | HF_AUDIT_CATEGORY | HF_AUDIT_DEADLINE |
         HF_AUDIT_STATUS},
    {"empty-body", 102, 2, "", HF_AUDIT_ITEMS},
};

typedef struct mutation {
	const char *name;
	const char *error;
	uint64_t now;
	int recipient; /* index into g_ids */
	long flip_at;  /* byte offset from a named part; -1: none */
	int part;      /* 0 whole envelope start, 1 sig, 2 ct tag, 3 wrap, 4 header created */
} mutation;

static void open_case(sbuf *s, const char *name, const uint8_t *env, size_t len, int rcpt,
                      uint64_t now, int *first)
{
	hf_open_params op = {g_ids[rcpt], lookup, NULL, now, &FED};
	hf_opened *o = NULL;
	hf_err rc = hf_envelope_open(env, len, &op, &o);
	hf_opened_free(o);
	sb_put(s,
	       "%s    {\"name\": \"%s\", \"recipient\": \"%s\", \"now\": %llu, \"error\": \"%s\",\n"
	       "     \"envelope\": ",
	       *first ? "" : ",\n", name, ID_NAMES[rcpt], (unsigned long long)now, hf_err_name(rc));
	sb_hex(s, env, len);
	sb_put(s, "}");
	*first = 0;
}

/* Re-sign a (mutated) envelope with the sender's key; the signature is its last 64 bytes. */
static void resign(uint8_t *env, size_t len)
{
	hfi_env_parts parts;
	hf_envelope_header *h = malloc(sizeof(*h));
	uint8_t sig_in[HF_ENV_SIG_INPUT_LEN];
	if (h == NULL || hfi_env_decode(env, len, &parts, h) != HF_OK)
		abort();
	hfi_env_sig_input(parts.hdr, parts.hdr_len, parts.wraps, parts.wraps_len, parts.ct,
	                  parts.ct_len, sig_in);
	if (hf_identity_sign(g_ids[0], sig_in, sizeof(sig_in), env + len - HF_SIG_LEN) != HF_OK)
		abort();
	free(h);
}

static void envelopes(sbuf *s)
{
	uint8_t *keep = NULL;
	size_t keep_len = 0;
	sb_put(s, "  \"federation\": ");
	sb_hex(s, FED.b, sizeof FED.b);
	sb_put(s, ",\n  \"envelopes\": [\n");
	size_t nc = sizeof(ENV_CASES) / sizeof(ENV_CASES[0]);
	for (size_t c = 0; c < nc; c++) {
		const env_case *ec = &ENV_CASES[c];
		hf_test_rng tr;
		hf_test_rng_init(&tr, ec->rng_seed);
		hf_rng rng = {hf_test_rng_bytes, &tr};
		uint8_t pks[3][HF_ENC_PK_LEN];
		for (int r = 0; r < ec->n_rcpt; r++)
			memcpy(pks[r], hf_identity_enc_pk(g_ids[1 + r]), HF_ENC_PK_LEN);
		hf_audit_header a = {0};
		a.fields = ec->audit_fields;
		memset(a.subject, 0x5a, sizeof(a.subject));
		a.seq = 7;
		a.deadline_ms = NOW + 86400000;
		a.status = 1;
		a.items = 3;
		a.category = 2;
		hf_seal_params p = {0};
		p.type = HF_MSG_DATA;
		p.created_ms = NOW;
		p.expires_ms = NOW + 86400000;
		p.federation = &FED;
		p.epoch = 1;
		p.audit = &a;
		p.recipients = (const uint8_t(*)[HF_ENC_PK_LEN])pks;
		p.n_recipients = (size_t)ec->n_rcpt;
		p.rng = &rng;
		uint8_t *env;
		size_t len;
		if (hf_envelope_seal(g_ids[0], &p, (const uint8_t *)ec->body, strlen(ec->body),
		                     &env, &len) != HF_OK)
			abort();
		sb_put(s,
		       "    {\"name\": \"%s\", \"rng_seed\": %u, \"type\": %u, \"created\": %llu, "
		       "\"expires\": %llu, \"epoch\": 1,\n     \"audit_fields\": %u, "
		       "\"recipients\": [",
		       ec->name, ec->rng_seed, p.type, (unsigned long long)p.created_ms,
		       (unsigned long long)p.expires_ms, a.fields);
		for (int r = 0; r < ec->n_rcpt; r++)
			sb_put(s, "%s\"%s\"", r ? ", " : "", ID_NAMES[1 + r]);
		sb_put(s, "],\n     \"body\": ");
		sb_hex(s, (const uint8_t *)ec->body, strlen(ec->body));
		sb_put(s, ",\n     \"envelope\": ");
		sb_hex(s, env, len);
		sb_put(s, "}%s\n", c + 1 < nc ? "," : "");
		char sname[64];
		snprintf(sname, sizeof(sname), "%s.bin", ec->name);
		seed("envelope", sname, env, len);
		if (c == 1) {
			keep = env;
			keep_len = len;
		} else {
			free(env);
		}
	}
	sb_put(s, "  ],\n");

	/* Open cases derived from "three-recipients-audit" (spec §5.6 order). */
	hfi_env_parts parts;
	hf_envelope_header *h = malloc(sizeof(*h));
	if (h == NULL || hfi_env_decode(keep, keep_len, &parts, h) != HF_OK)
		abort();
	uint8_t *m = malloc(keep_len + 1);
	int first = 1;
	sb_put(s, "  \"open_cases\": [\n");
	open_case(s, "valid-r1", keep, keep_len, 1, NOW, &first);
	open_case(s, "valid-r3", keep, keep_len, 3, NOW + 1000, &first);
	open_case(s, "not-a-recipient", keep, keep_len, 0, NOW, &first);
	open_case(s, "expired", keep, keep_len, 1, NOW + 86400000, &first);
	open_case(s, "from-the-future", keep, keep_len, 2, NOW - HF_MAX_CLOCK_SKEW_MS - 1, &first);
#define MUTATE(label, ptr, rcpt)                                                                   \
	do {                                                                                       \
		memcpy(m, keep, keep_len);                                                         \
		m[(ptr)-keep] ^= 0x01;                                                             \
		open_case(s, label, m, keep_len, rcpt, NOW, &first);                               \
		seed("envelope", label ".bin", m, keep_len);                                       \
	} while (0)
	MUTATE("flip-signature", keep + keep_len - 1, 1);
	MUTATE("flip-ciphertext-tag", parts.ct + parts.ct_len - 1, 1);
	MUTATE("flip-nonce", parts.ct, 1);
	MUTATE("flip-wrap-r2", parts.wrap[1] + 40, 2);
	MUTATE("flip-header-audit", parts.hdr + parts.hdr_len - 1, 1);
#undef MUTATE
	/* The same flips re-signed by the sender: they pass the signature and
	 * must fail at the next step (unwrap, decrypt). */
#define RESIGNED(label, ptr, rcpt)                                                                 \
	do {                                                                                       \
		memcpy(m, keep, keep_len);                                                         \
		m[(ptr)-keep] ^= 0x01;                                                             \
		resign(m, keep_len);                                                               \
		open_case(s, label, m, keep_len, rcpt, NOW, &first);                               \
		seed("envelope", label ".bin", m, keep_len);                                       \
	} while (0)
	RESIGNED("resigned-flip-wrap-r2", parts.wrap[1] + 40, 2);
	RESIGNED("resigned-flip-ciphertext-tag", parts.ct + parts.ct_len - 1, 1);
	RESIGNED("resigned-flip-header-audit", parts.hdr + parts.hdr_len - 1, 3);
#undef RESIGNED
	/* trailing byte */
	memcpy(m, keep, keep_len);
	m[keep_len] = 0xc0;
	open_case(s, "trailing-byte", m, keep_len + 1, 1, NOW, &first);
	open_case(s, "truncated", keep, keep_len - 1, 1, NOW, &first);
	sb_put(s, "\n  ]\n");
	free(m);
	free(h);
	free(keep);
}

/* ---- codec ------------------------------------------------------------- */

/* Header bytes with one deliberate deviation (spec §2, §5.2). */
enum hdr_tweak {
	T_NONE,
	T_CREATED_U64,
	T_KEYS_SWAPPED,
	T_DUP_KEY,
	T_UNKNOWN_KEY,
	T_MISSING_EPOCH,
	T_FLOAT_EPOCH,
	T_STR_MSGID,
	T_SHORT_MSGID,
	T_VERSION_2,
	T_TYPE_UNKNOWN,
	T_NO_RECIPIENTS,
	T_DUP_RECIPIENT,
	T_EXPIRES_BEFORE,
	T_BIN16_MSGID,
	T_MAP16,
	T_KEY_U8,
	T_AUDIT_NO_COMMIT,
};

static void put_bin_n(hfi_mp_enc *e, uint8_t fill, size_t n)
{
	uint8_t b[32];
	memset(b, fill, sizeof(b));
	hfi_mp_put_bin(e, b, n);
}

static void build_header(hf_writer *w, enum hdr_tweak t)
{
	hfi_mp_enc e;
	uint8_t raw[16];
	hf_writer_init(w, 4096);
	hfi_mp_enc_init(&e, w);
	unsigned n = 10u + (t == T_UNKNOWN_KEY) + (t == T_DUP_KEY) - (t == T_MISSING_EPOCH);
	if (t == T_MAP16) {
		raw[0] = 0xde;
		raw[1] = 0;
		raw[2] = (uint8_t)n;
		hfi_mp_put_raw(&e, raw, 3);
	} else {
		hfi_mp_put_map(&e, n);
	}
	if (t == T_KEY_U8) {
		raw[0] = 0xcc;
		raw[1] = 1;
		hfi_mp_put_raw(&e, raw, 2);
	} else {
		hfi_mp_put_key(&e, 1);
	}
	hfi_mp_put_uint(&e, t == T_VERSION_2 ? 2 : 1);
	if (t == T_DUP_KEY) {
		hfi_mp_put_key(&e, 1);
		hfi_mp_put_uint(&e, 1);
	}
	if (t == T_KEYS_SWAPPED) {
		hfi_mp_put_key(&e, 3);
		put_bin_n(&e, 0x33, 16);
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_uint(&e, HF_MSG_DATA);
	} else {
		hfi_mp_put_key(&e, 2);
		hfi_mp_put_uint(&e, t == T_TYPE_UNKNOWN ? 99 : HF_MSG_DATA);
		hfi_mp_put_key(&e, 3);
		if (t == T_STR_MSGID)
			hfi_mp_put_str(&e, "0123456789abcdef", 16);
		else if (t == T_BIN16_MSGID) {
			raw[0] = 0xc5;
			raw[1] = 0;
			raw[2] = 16;
			hfi_mp_put_raw(&e, raw, 3);
			memset(raw, 0x33, 16);
			hfi_mp_put_raw(&e, raw, 16);
		} else
			put_bin_n(&e, 0x33, t == T_SHORT_MSGID ? 15 : 16);
	}
	hfi_mp_put_key(&e, 4);
	put_bin_n(&e, 0x44, 16);
	hfi_mp_put_key(&e, 5);
	if (t == T_NO_RECIPIENTS) {
		hfi_mp_put_array(&e, 0);
	} else {
		hfi_mp_put_array(&e, 2);
		put_bin_n(&e, 0x55, 16);
		put_bin_n(&e, t == T_DUP_RECIPIENT ? 0x55 : 0x56, 16);
	}
	hfi_mp_put_key(&e, 6);
	if (t == T_CREATED_U64) {
		uint8_t u[9] = {0xcf, 0, 0, 0, 0, 0, 0, 0x03, 0xe8}; /* 1000 */
		hfi_mp_put_raw(&e, u, 9);
	} else {
		hfi_mp_put_uint(&e, t == T_EXPIRES_BEFORE ? 1000 : NOW);
	}
	hfi_mp_put_key(&e, 7);
	hfi_mp_put_uint(&e, t == T_EXPIRES_BEFORE ? 999 : t == T_CREATED_U64 ? 2000 : NOW + 1000);
	hfi_mp_put_key(&e, 8);
	hfi_mp_put_bin(&e, FED.b, sizeof FED.b);
	if (t != T_MISSING_EPOCH) {
		hfi_mp_put_key(&e, 9);
		if (t == T_FLOAT_EPOCH) {
			uint8_t f[5] = {0xca, 0x3f, 0x80, 0, 0};
			hfi_mp_put_raw(&e, f, 5);
		} else {
			hfi_mp_put_uint(&e, 1);
		}
	}
	hfi_mp_put_key(&e, 10);
	if (t == T_AUDIT_NO_COMMIT) {
		hfi_mp_put_map(&e, 1);
		hfi_mp_put_key(&e, 6);
		hfi_mp_put_uint(&e, 1);
	} else {
		hfi_mp_put_map(&e, 1);
		hfi_mp_put_key(&e, 1);
		put_bin_n(&e, 0xcc, 32);
	}
	if (t == T_UNKNOWN_KEY) {
		hfi_mp_put_key(&e, 11);
		hfi_mp_put_uint(&e, 0);
	}
	if (hfi_mp_enc_status(&e) != HF_OK)
		abort();
}

static hf_err decode_header(const uint8_t *b, size_t n)
{
	hfi_mp_dec d;
	hf_envelope_header *h = calloc(1, sizeof(*h));
	hf_err rc = hfi_mp_dec_init(&d, b, n, HF_MAX_MESSAGE_SIZE);
	if (rc == HF_OK)
		rc = hfi_env_header_decode(&d, h);
	if (rc == HF_OK)
		rc = hfi_mp_dec_finish(&d);
	free(h);
	return rc;
}

static void codec(sbuf *s)
{
	static const struct {
		const char *name;
		enum hdr_tweak t;
	} cases[] = {
	    {"header-valid", T_NONE},
	    {"created-as-uint64", T_CREATED_U64},
	    {"keys-out-of-order", T_KEYS_SWAPPED},
	    {"duplicate-key", T_DUP_KEY},
	    {"unknown-key-11", T_UNKNOWN_KEY},
	    {"missing-epoch", T_MISSING_EPOCH},
	    {"float-epoch", T_FLOAT_EPOCH},
	    {"msgid-as-str", T_STR_MSGID},
	    {"msgid-15-bytes", T_SHORT_MSGID},
	    {"msgid-as-bin16", T_BIN16_MSGID},
	    {"version-2", T_VERSION_2},
	    {"type-99", T_TYPE_UNKNOWN},
	    {"no-recipients", T_NO_RECIPIENTS},
	    {"duplicate-recipient", T_DUP_RECIPIENT},
	    {"expires-before-created", T_EXPIRES_BEFORE},
	    {"map16-header", T_MAP16},
	    {"key-as-uint8", T_KEY_U8},
	    {"audit-without-commitment", T_AUDIT_NO_COMMIT},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	sb_put(s, "{\n  \"about\": \"envelope header encodings (spec 2, 5.2): error is HF_OK for a "
	          "valid header or the code a decoder must reject it with\",\n  \"headers\": [\n");
	for (size_t i = 0; i < n; i++) {
		hf_writer w;
		build_header(&w, cases[i].t);
		hf_err rc = decode_header(w.p, w.len);
		sb_put(s, "    {\"name\": \"%s\", \"error\": \"%s\", \"hex\": ", cases[i].name,
		       hf_err_name(rc));
		sb_hex(s, w.p, w.len);
		sb_put(s, "}%s\n", i + 1 < n ? "," : "");
		char sname[80];
		snprintf(sname, sizeof(sname), "%s.bin", cases[i].name);
		seed("msgpack", sname, w.p, w.len);
		hf_writer_free(&w);
	}
	/* truncated valid header */
	sb_put(s, "  ]\n}\n");
}

static int compare_or_write(const char *dir, const char *file, const sbuf *s, int write)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (write) {
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(s->p, 1, s->len, f) != s->len) {
			perror(path);
			return 1;
		}
		fclose(f);
		return 0;
	}
	size_t n;
	uint8_t *have = hf_test_read_file(path, &n);
	int bad = have == NULL || n != s->len || memcmp(have, s->p, n) != 0;
	if (bad)
		fprintf(stderr, "%s differs from what the code generates: run hf-vectors --write\n",
		        path);
	else
		printf("%s: matches (%zu bytes)\n", path, n);
	free(have);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "--write") && strcmp(argv[1], "--check") &&
	                  strcmp(argv[1], "--seeds"))) {
		fprintf(stderr, "usage: hf-vectors --write|--check|--seeds DIR\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	int write = strcmp(argv[1], "--write") == 0;
	if (strcmp(argv[1], "--seeds") == 0)
		g_seed_dir = argv[2];
	sbuf env = {0}, cod = {0}, lst = {0}, rep = {0}, man = {0}, mrk = {0}, rul = {0};
	sb_put(&env, "{\n  \"about\": \"sealed envelopes (spec 5) from the deterministic test RNG "
	             "(spec 7); open_cases give the error open must return\",\n");
	identities(&env);
	envelopes(&env);
	sb_put(&env, "}\n");
	codec(&cod);
	gen_lists(&lst);
	gen_match_report(&rep);
	gen_manifest(&man);
	gen_merkle(&mrk);
	gen_rules(&rul);
	int rc = 0;
	if (g_seed_dir == NULL) {
		rc |= compare_or_write(argv[2], "envelope.json", &env, write);
		rc |= compare_or_write(argv[2], "codec.json", &cod, write);
		rc |= compare_or_write(argv[2], "lists.json", &lst, write);
		rc |= compare_or_write(argv[2], "match_report.json", &rep, write);
		rc |= compare_or_write(argv[2], "manifest.json", &man, write);
		rc |= compare_or_write(argv[2], "merkle.json", &mrk, write);
		rc |= compare_or_write(argv[2], "rules.json", &rul, write);
	}
	for (int i = 0; i < N_IDS; i++)
		hf_identity_free(g_ids[i]);
	free(env.p);
	free(cod.p);
	free(lst.p);
	free(rep.p);
	free(man.p);
	free(mrk.p);
	free(rul.p);
	return rc;
}
