/* Match report body (spec §14): encode and decode in one place. */
#include <stdlib.h>
#include <string.h>

#include "hashfed/match_report.h"
#include "mp.h"
#include "schema.h"
#include "hf_check.h"

static void hfi_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t hfi_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t hfi_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Ids strictly ascending and >= 1: the one rule both sides check. */
static hf_err check_next_id(uint64_t prev, uint64_t id, bool first)
{
	HF_ENSURE(id != 0, HF_ERANGE);
	if (!first) {
		HF_ENSURE(id != prev, HF_EDUPLICATE);
		HF_ENSURE(id > prev, HF_ENONCANON);
	}
	return HF_OK;
}

static hf_err check_ids(const uint64_t *ids, size_t n)
{
	HF_ENSURE(n == 0 || ids, HF_EINVAL);
	HF_ENSURE(n <= HF_MATCH_REPORT_MAX_FLAGGED, HF_ETOOLONG);
	for (size_t i = 0; i < n; i++)
		HF_TRY(check_next_id(i ? ids[i - 1] : 0, ids[i], i == 0));
	return HF_OK;
}

static void put_ids(hfi_mp_enc *e, const uint64_t *ids, size_t n)
{
	uint8_t rec[8];
	hfi_mp_put_bin_header(e, n * 8);
	for (size_t i = 0; i < n; i++) {
		hfi_put_be64(rec, ids[i]);
		hfi_mp_put_raw(e, rec, sizeof(rec));
	}
}

/* The report as the schema sees it: the public struct plus, on encode, the
 * caller's arrays the record bins are built from. */
typedef struct report_wire {
	hf_match_report r;
	const hf_match_count *counts;
	size_t n_counts;
	const uint64_t *disabled;
	size_t n_disabled;
	const uint64_t *quarantined;
	size_t n_quarantined;
} report_wire;
_Static_assert(offsetof(report_wire, r) == 0, "hfi_decode_view copies the public struct");

static void counts_enc(hfi_mp_enc *e, const void *obj)
{
	const report_wire *rw = obj;
	uint8_t rec[HF_MATCH_REPORT_COUNT_LEN];
	hfi_mp_put_bin_header(e, rw->n_counts * HF_MATCH_REPORT_COUNT_LEN);
	for (size_t i = 0; i < rw->n_counts; i++) {
		hfi_put_be64(rec, rw->counts[i].entry_id);
		rec[8] = (uint8_t)(rw->counts[i].matches >> 24);
		rec[9] = (uint8_t)(rw->counts[i].matches >> 16);
		rec[10] = (uint8_t)(rw->counts[i].matches >> 8);
		rec[11] = (uint8_t)rw->counts[i].matches;
		hfi_mp_put_raw(e, rec, sizeof(rec));
	}
}

static void disabled_enc(hfi_mp_enc *e, const void *obj)
{
	const report_wire *rw = obj;
	put_ids(e, rw->disabled, rw->n_disabled);
}

static void quarantined_enc(hfi_mp_enc *e, const void *obj)
{
	const report_wire *rw = obj;
	put_ids(e, rw->quarantined, rw->n_quarantined);
}

static hf_err validate_ids(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		HF_TRY(check_next_id(i ? hfi_get_be64(p + 8 * (i - 1)) : 0, hfi_get_be64(p + 8 * i),
		                     i == 0));
	return HF_OK;
}

static hf_err report_check(void *obj, uint64_t seen)
{
	const hf_match_report *r = &((report_wire *)obj)->r;
	(void)seen;
	for (uint32_t i = 0; i < r->n_counts; i++) {
		hf_match_count c = hf_match_report_count(r, i);
		HF_TRY(check_next_id(i ? hf_match_report_count(r, i - 1).entry_id : 0, c.entry_id,
		                     i == 0));
		HF_ENSURE(c.matches != 0, HF_ERANGE);
	}
	HF_TRY(validate_ids(r->disabled_raw, r->n_disabled));
	return validate_ids(r->quarantined_raw, r->n_quarantined);
}

static const hfi_field report_rows[] = {
    {HFI_FIXED(1, HFI_REQ, report_wire, r.list_id)},
    {HFI_U(2, HFI_REQ, report_wire, r.day, 0, HF_MATCH_REPORT_MAX_DAY, HF_ERANGE)},
    {HFI_U(3, HFI_REQ, report_wire, r.revision, 1, UINT64_MAX, HF_ERANGE)},
    {HFI_RECS(4, HFI_REQ, report_wire, r.counts_raw, r.n_counts, HF_MATCH_REPORT_COUNT_LEN,
              HF_MATCH_REPORT_MAX_COUNTS),
     .enc = counts_enc},
    {HFI_RECS(5, HFI_REQ, report_wire, r.disabled_raw, r.n_disabled, 8,
              HF_MATCH_REPORT_MAX_FLAGGED),
     .enc = disabled_enc},
    {HFI_RECS(6, HFI_REQ, report_wire, r.quarantined_raw, r.n_quarantined, 8,
              HF_MATCH_REPORT_MAX_FLAGGED),
     .enc = quarantined_enc},
};
const hfi_schema hfi_match_report_schema =
    HFI_SCHEMA("match report", report_rows, report_wire, HFI_FINISH_FIRST, report_check);

hf_err hf_match_report_encode(const hf_match_report *r, const hf_match_count *counts,
                              size_t n_counts, const uint64_t *disabled, size_t n_disabled,
                              const uint64_t *quarantined, size_t n_quarantined, uint8_t **out,
                              size_t *out_len)
{
	report_wire rw = {*r, counts, n_counts, disabled, n_disabled, quarantined, n_quarantined};
	*out = NULL;
	*out_len = 0;
	HF_ENSURE(n_counts == 0 || counts, HF_EINVAL);
	HF_ENSURE(r->day <= HF_MATCH_REPORT_MAX_DAY && r->revision != 0, HF_ERANGE);
	HF_ENSURE(n_counts <= HF_MATCH_REPORT_MAX_COUNTS, HF_ETOOLONG);
	for (size_t i = 0; i < n_counts; i++) {
		HF_TRY(check_next_id(i ? counts[i - 1].entry_id : 0, counts[i].entry_id, i == 0));
		HF_ENSURE(counts[i].matches != 0, HF_ERANGE);
	}
	HF_TRY(check_ids(disabled, n_disabled));
	HF_TRY(check_ids(quarantined, n_quarantined));
	return hfi_encode_body(&hfi_match_report_schema, &rw,
	                       64 + n_counts * HF_MATCH_REPORT_COUNT_LEN +
	                           (n_disabled + n_quarantined) * 8,
	                       out, out_len);
}

hf_err hf_match_report_decode(const uint8_t *p, size_t len, hf_match_report *r)
{
	report_wire rw;
	return hfi_decode_view(&hfi_match_report_schema, p, len, HF_MATCH_REPORT_MAX_SIZE, &rw, r,
	                       sizeof(*r));
}

hf_match_count hf_match_report_count(const hf_match_report *r, uint32_t i)
{
	const uint8_t *p = r->counts_raw + (size_t)i * HF_MATCH_REPORT_COUNT_LEN;
	hf_match_count c = {hfi_get_be64(p), hfi_get_be32(p + 8)};
	return c;
}

uint64_t hf_match_report_disabled(const hf_match_report *r, uint32_t i)
{
	return hfi_get_be64(r->disabled_raw + (size_t)i * 8);
}

uint64_t hf_match_report_quarantined(const hf_match_report *r, uint32_t i)
{
	return hfi_get_be64(r->quarantined_raw + (size_t)i * 8);
}
