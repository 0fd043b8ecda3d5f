/*
 * The table-driven schema codec (protocol/src/schema.c): every message table
 * is well formed, and the engine's own rules (unknown keys, required rows,
 * bounds, presence, defaults, the one owned allocation) on a small table.
 */
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "schema.h"

static void all_tables_selfcheck(void **state)
{
	(void)state;
	const hfi_schema *all[] = {
	    &hfi_order_schema,      &hfi_receipt_schema,       &hfi_outcome_schema,
	    &hfi_event_schema,      &hfi_escalation_schema,    &hfi_referral_schema,
	    &hfi_list_batch_schema, &hfi_list_snapshot_schema, &hfi_list_pull_schema,
	    &hfi_list_ack_schema,   &hfi_match_report_schema,  &hfi_manifest_schema,
	    &hfi_env_header_schema, &hfi_envelope_schema,      &hfi_env_inner_schema,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (hfi_schema_selfcheck(all[i]) != HF_OK)
			fail_msg("schema %s is malformed", all[i]->name);
}

/* A toy message: {1: id bin16, 2: n 1..9, 3: ?note str, 4: ?[u32...] (allocated),
 * 5: ?flagged bin4, 6: ?limit (default 77)}. */
typedef struct toy {
	uint8_t id[16];
	uint32_t n;
	const char *note;
	size_t note_len;
	uint32_t n_vals;
	uint32_t *vals;
	bool has_tag;
	uint8_t tag[4];
	uint64_t limit;
} toy;

static const hfi_field val_elem = {HFI_ELEM_U32(1000)};
static const hfi_field toy_rows[] = {
    {HFI_FIXED(1, HFI_REQ, toy, id)},
    {HFI_U(2, HFI_REQ, toy, n, 1, 9, HF_ERANGE)},
    {HFI_OPT_TEXT(3, toy, note, note_len, 8)},
    {HFI_ARR(4, HFI_ALLOC, toy, vals, n_vals, 1, 4, HF_ENONCANON, val_elem)},
    {HFI_FIXED(5, HFI_HAS, toy, tag), HFI_HAS_BOOL(toy, has_tag)},
    {HFI_U(6, HFI_DFLT, toy, limit, 0, 100, HF_ERANGE), .dflt = 77},
};
static const hfi_schema toy_schema = HFI_SCHEMA("toy", toy_rows, toy, HFI_DEFAULTS, NULL);

static hf_err toy_dec(const uint8_t *p, size_t n, toy *t)
{
	hfi_ctx c;
	memset(t, 0, sizeof(*t));
	hf_err rc = hfi_decode_body(&c, &toy_schema, p, n, 1024, t);
	free(c.owned);
	return rc;
}

static void engine_rules(void **state)
{
	(void)state;
	toy t, u;
	hf_writer w;
	hfi_mp_enc e;
	uint32_t vals[2] = {5, 700};
	assert_int_equal(hfi_schema_selfcheck(&toy_schema), HF_OK);
	memset(&t, 0, sizeof(t));
	memset(t.id, 0xab, 16);
	t.n = 3;
	t.limit = 77; /* the default: omitted */
	hf_writer_init(&w, 1024);
	hfi_mp_enc_init(&e, &w);
	hfi_encode(&e, &toy_schema, &t);
	assert_int_equal(hfi_mp_enc_status(&e), HF_OK);
	/* map(2) {1: bin16, 2: 3} */
	assert_int_equal(w.len, 1 + 1 + 2 + 16 + 1 + 1);
	assert_int_equal(w.p[0], 0x82);
	assert_int_equal(toy_dec(w.p, w.len, &u), HF_OK);
	assert_int_equal(u.limit, 77);
	assert_false(u.has_tag);
	hf_writer_free(&w);

	/* Everything present round-trips byte for byte. */
	t.note = "hi";
	t.note_len = 2;
	t.n_vals = 2;
	t.vals = vals;
	t.has_tag = true;
	memcpy(t.tag, "TAG!", 4);
	t.limit = 0;
	hf_writer_init(&w, 1024);
	hfi_mp_enc_init(&e, &w);
	hfi_encode(&e, &toy_schema, &t);
	assert_int_equal(hfi_mp_enc_status(&e), HF_OK);
	assert_int_equal(w.p[0], 0x86);
	{
		hfi_ctx c;
		memset(&u, 0, sizeof(u));
		assert_int_equal(hfi_decode_body(&c, &toy_schema, w.p, w.len, 1024, &u), HF_OK);
		assert_non_null(c.owned);
		assert_ptr_equal(c.owned, u.vals);
		assert_int_equal(u.n_vals, 2);
		assert_int_equal(u.vals[1], 700);
		assert_true(u.has_tag);
		assert_memory_equal(u.tag, "TAG!", 4);
		assert_int_equal(u.limit, 0);
		assert_int_equal(u.note_len, 2);
		free(c.owned);
	}

	/* Rejections, each named by the row that caught it. */
	uint8_t b[64];
	memcpy(b, w.p, w.len);
	size_t n = w.len;
	hf_writer_free(&w);
	size_t k2 = 1 + 1 + 2 + 16; /* offset of key 2 */
	b[k2 + 1] = 0;              /* n = 0: below lo */
	assert_int_equal(toy_dec(b, n, &u), HF_ERANGE);
	b[k2 + 1] = 10; /* above hi */
	assert_int_equal(toy_dec(b, n, &u), HF_ERANGE);
	b[k2 + 1] = 3;
	b[k2] = 6; /* key 2 renamed 6: then key 3 < 6 */
	assert_int_equal(toy_dec(b, n, &u), HF_EKEYORDER);
	b[k2] = 2;
	/* Unknown key: {1: id, 2: 3, 9: 0} */
	uint8_t unk[] = {0x83, 1, 0xc4, 16, 0, 0, 0, 0, 0, 0, 0, 0,
	                 0,    0, 0,    0,  0, 0, 0, 0, 2, 3, 9, 0};
	assert_int_equal(toy_dec(unk, sizeof(unk), &u), HF_EUNKNOWNKEY);
	/* Missing required key 2: {1: id, 3: "x"} */
	uint8_t miss[] = {0x82, 1, 0xc4, 16, 0, 0, 0, 0, 0, 0,    0,  0,
	                  0,    0, 0,    0,  0, 0, 0, 0, 3, 0xa1, 'x'};
	assert_int_equal(toy_dec(miss, sizeof(miss), &u), HF_EMISSING);
	/* Empty optional text and empty optional list are non-canonical. */
	uint8_t empty_txt[] = {0x83, 1, 0xc4, 16, 0, 0, 0, 0, 0, 0, 0, 0,
	                       0,    0, 0,    0,  0, 0, 0, 0, 2, 3, 3, 0xa0};
	assert_int_equal(toy_dec(empty_txt, sizeof(empty_txt), &u), HF_ENONCANON);
	uint8_t empty_arr[] = {0x83, 1, 0xc4, 16, 0, 0, 0, 0, 0, 0, 0, 0,
	                       0,    0, 0,    0,  0, 0, 0, 0, 2, 3, 4, 0x90};
	assert_int_equal(toy_dec(empty_arr, sizeof(empty_arr), &u), HF_ENONCANON);
	/* A failure after the allocation leaves it in c.owned for the caller to free
	 * (toy_dec frees it; ASan's leak check fails this test otherwise). */
	uint8_t late[] = {0x84, 1, 0xc4, 16, 0, 0, 0, 0, 0, 0,    0, 0, 0,    0,
	                  0,    0, 0,    0,  0, 0, 2, 3, 4, 0x91, 1, 6, 0xcc, 200};
	assert_int_equal(toy_dec(late, sizeof(late), &u), HF_ERANGE);
	/* Trailing bytes after the map. */
	uint8_t trail[sizeof(unk)];
	memcpy(trail, unk, sizeof(unk));
	trail[0] = 0x82;
	assert_int_equal(toy_dec(trail, sizeof(trail), &u), HF_ETRAILING);
	/* A broken table is caught by the self-check. */
	static const hfi_field bad_rows[] = {
	    {HFI_U32(2, HFI_REQ, toy, n)},
	    {HFI_FIXED(1, HFI_REQ, toy, id)},
	};
	static const hfi_schema bad = HFI_SCHEMA("bad", bad_rows, toy, 0, NULL);
	assert_int_equal(hfi_schema_selfcheck(&bad), HF_EINTERNAL);
	static const hfi_field wide_rows[] = {
	    {HFI_U(1, HFI_REQ, toy, n, 0, UINT64_MAX, HF_ERANGE)},
	};
	static const hfi_schema wide = HFI_SCHEMA("wide", wide_rows, toy, 0, NULL);
	assert_int_equal(hfi_schema_selfcheck(&wide), HF_EINTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(all_tables_selfcheck),
	    cmocka_unit_test(engine_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
