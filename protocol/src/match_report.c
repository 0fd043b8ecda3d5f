/* Match report body (spec §14): encode and decode in one place. */
#include <stdlib.h>
#include <string.h>

#include "hashfed/match_report.h"
#include "mp.h"

static void hf_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t hf_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t hf_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Ids strictly ascending and >= 1: the one rule both sides check. */
static hf_err hf_check_next_id(uint64_t prev, uint64_t id, bool first)
{
	HF_ENSURE(id != 0, HF_ERANGE);
	if (!first) {
		HF_ENSURE(id != prev, HF_EDUPLICATE);
		HF_ENSURE(id > prev, HF_ENONCANON);
	}
	return HF_OK;
}

static hf_err hf_check_ids(const uint64_t *ids, size_t n)
{
	HF_ENSURE(n == 0 || ids, HF_EINVAL);
	HF_ENSURE(n <= HF_MATCH_REPORT_MAX_FLAGGED, HF_ETOOLONG);
	for (size_t i = 0; i < n; i++)
		HF_TRY(hf_check_next_id(i ? ids[i - 1] : 0, ids[i], i == 0));
	return HF_OK;
}

static void hf_put_ids(hf_mp_enc *e, const uint64_t *ids, size_t n)
{
	uint8_t rec[8];
	hf_mp_put_bin_header(e, n * 8);
	for (size_t i = 0; i < n; i++) {
		hf_put_be64(rec, ids[i]);
		hf_mp_put_raw(e, rec, sizeof(rec));
	}
}

hf_err hf_match_report_encode(const hf_match_report *r, const hf_match_count *counts,
                              size_t n_counts, const uint64_t *disabled, size_t n_disabled,
                              const uint64_t *quarantined, size_t n_quarantined, uint8_t **out,
                              size_t *out_len)
{
	hf_err rc;
	hf_writer w;
	hf_mp_enc e;
	uint8_t rec[HF_MATCH_REPORT_COUNT_LEN];
	*out = NULL;
	*out_len = 0;
	HF_ENSURE(n_counts == 0 || counts, HF_EINVAL);
	HF_ENSURE(r->day <= HF_MATCH_REPORT_MAX_DAY && r->revision != 0, HF_ERANGE);
	HF_ENSURE(n_counts <= HF_MATCH_REPORT_MAX_COUNTS, HF_ETOOLONG);
	for (size_t i = 0; i < n_counts; i++) {
		HF_TRY(
		    hf_check_next_id(i ? counts[i - 1].entry_id : 0, counts[i].entry_id, i == 0));
		HF_ENSURE(counts[i].matches != 0, HF_ERANGE);
	}
	HF_TRY(hf_check_ids(disabled, n_disabled));
	HF_TRY(hf_check_ids(quarantined, n_quarantined));
	hf_writer_init(&w, 64 + n_counts * HF_MATCH_REPORT_COUNT_LEN +
	                       (n_disabled + n_quarantined) * 8);
	hf_mp_enc_init(&e, &w);
	hf_mp_put_map(&e, 6);
	hf_mp_put_key(&e, 1);
	hf_mp_put_bin(&e, r->list_id, HF_LIST_ID_LEN);
	hf_mp_put_key(&e, 2);
	hf_mp_put_uint(&e, r->day);
	hf_mp_put_key(&e, 3);
	hf_mp_put_uint(&e, r->revision);
	hf_mp_put_key(&e, 4);
	hf_mp_put_bin_header(&e, n_counts * HF_MATCH_REPORT_COUNT_LEN);
	for (size_t i = 0; i < n_counts; i++) {
		hf_put_be64(rec, counts[i].entry_id);
		rec[8] = (uint8_t)(counts[i].matches >> 24);
		rec[9] = (uint8_t)(counts[i].matches >> 16);
		rec[10] = (uint8_t)(counts[i].matches >> 8);
		rec[11] = (uint8_t)counts[i].matches;
		hf_mp_put_raw(&e, rec, sizeof(rec));
	}
	hf_mp_put_key(&e, 5);
	hf_put_ids(&e, disabled, n_disabled);
	hf_mp_put_key(&e, 6);
	hf_put_ids(&e, quarantined, n_quarantined);
	HF_CHECK(hf_mp_enc_status(&e));
	HF_CHECK(hf_writer_take(&w, out, out_len));
out:
	hf_writer_free(&w);
	return rc;
}

/* A bin of whole records of rec_len bytes, at most max records. */
static hf_err hf_get_records(hf_mp_dec *d, size_t rec_len, uint32_t max, const uint8_t **p,
                             uint32_t *n)
{
	size_t len;
	HF_TRY(hf_mp_get_bin(d, (size_t)max * rec_len, p, &len));
	HF_ENSURE(len % rec_len == 0, HF_ELENGTH);
	*n = (uint32_t)(len / rec_len);
	return HF_OK;
}

static hf_err hf_validate_ids(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		HF_TRY(hf_check_next_id(i ? hf_get_be64(p + 8 * (i - 1)) : 0,
		                        hf_get_be64(p + 8 * i), i == 0));
	return HF_OK;
}

hf_err hf_match_report_decode(const uint8_t *p, size_t len, hf_match_report *r)
{
	hf_mp_dec d;
	hf_mp_map m;
	bool has;
	unsigned key;
	uint64_t seen = 0, v;
	memset(r, 0, sizeof(*r));
	HF_TRY(hf_mp_dec_init(&d, p, len, HF_MATCH_REPORT_MAX_SIZE));
	HF_TRY(hf_mp_map_open(&d, &m));
	for (;;) {
		HF_TRY(hf_mp_map_next(&d, &m, &has, &key));
		if (!has)
			break;
		seen |= HF_BIT(key);
		switch (key) {
		case 1:
			HF_TRY(hf_mp_get_bin_fixed(&d, r->list_id, HF_LIST_ID_LEN));
			break;
		case 2:
			HF_TRY(hf_mp_get_uint_max(&d, HF_MATCH_REPORT_MAX_DAY, &v));
			r->day = (uint32_t)v;
			break;
		case 3:
			HF_TRY(hf_mp_get_uint(&d, &r->revision));
			HF_ENSURE(r->revision != 0, HF_ERANGE);
			break;
		case 4:
			HF_TRY(hf_get_records(&d, HF_MATCH_REPORT_COUNT_LEN,
			                      HF_MATCH_REPORT_MAX_COUNTS, &r->counts_raw,
			                      &r->n_counts));
			break;
		case 5:
			HF_TRY(hf_get_records(&d, 8, HF_MATCH_REPORT_MAX_FLAGGED, &r->disabled_raw,
			                      &r->n_disabled));
			break;
		case 6:
			HF_TRY(hf_get_records(&d, 8, HF_MATCH_REPORT_MAX_FLAGGED,
			                      &r->quarantined_raw, &r->n_quarantined));
			break;
		default:
			return HF_EUNKNOWNKEY;
		}
	}
	HF_TRY(hf_mp_dec_finish(&d));
	HF_TRY(hf_mp_require(seen, HF_BIT(1) | HF_BIT(2) | HF_BIT(3) | HF_BIT(4) | HF_BIT(5) |
	                               HF_BIT(6)));
	for (uint32_t i = 0; i < r->n_counts; i++) {
		hf_match_count c = hf_match_report_count(r, i);
		HF_TRY(hf_check_next_id(i ? hf_match_report_count(r, i - 1).entry_id : 0,
		                        c.entry_id, i == 0));
		HF_ENSURE(c.matches != 0, HF_ERANGE);
	}
	HF_TRY(hf_validate_ids(r->disabled_raw, r->n_disabled));
	return hf_validate_ids(r->quarantined_raw, r->n_quarantined);
}

hf_match_count hf_match_report_count(const hf_match_report *r, uint32_t i)
{
	const uint8_t *p = r->counts_raw + (size_t)i * HF_MATCH_REPORT_COUNT_LEN;
	hf_match_count c = {hf_get_be64(p), hf_get_be32(p + 8)};
	return c;
}

uint64_t hf_match_report_disabled(const hf_match_report *r, uint32_t i)
{
	return hf_get_be64(r->disabled_raw + (size_t)i * 8);
}

uint64_t hf_match_report_quarantined(const hf_match_report *r, uint32_t i)
{
	return hf_get_be64(r->quarantined_raw + (size_t)i * 8);
}
