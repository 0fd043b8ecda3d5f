/* Hash list files: plain, ThreatExchange CSV, HMA CSV (hashcsv.h). Bounded, no allocation. */
#include <string.h>

#include "hashfed/hashcsv.h"
#include "hashfed/list.h"
#include "hex_internal.h"
#include "hf_check.h"

#define HF_CSV_MAX_FIELDS 4 /* fields we look at; later ones are skipped */

typedef struct hfi_field {
	const char *p;
	size_t n;
	bool quoted; /* p/n then include the quotes; unquote on use */
} hfi_field;

hf_err hf_hashcsv_format_parse(const char *name, hf_hashcsv_format *out)
{
	if (!strcmp(name, "plain"))
		*out = HF_HASHCSV_PLAIN;
	else if (!strcmp(name, "te"))
		*out = HF_HASHCSV_TE;
	else if (!strcmp(name, "hma"))
		*out = HF_HASHCSV_HMA;
	else
		return HF_EINVAL;
	return HF_OK;
}

hf_err hf_hashcsv_init(hf_hashcsv *r, const uint8_t *p, size_t len, hf_hashcsv_format format,
                       unsigned alg)
{
	memset(r, 0, sizeof(*r));
	HF_ENSURE(p || len == 0, HF_EINVAL);
	HF_ENSURE(format >= HF_HASHCSV_PLAIN && format <= HF_HASHCSV_HMA, HF_EINVAL);
	if (format == HF_HASHCSV_PLAIN)
		HF_ENSURE(hf_hash_alg_len(alg) != 0, HF_EINVAL);
	if (format == HF_HASHCSV_TE)
		HF_ENSURE(alg == HF_ALG_PDQ || alg == HF_ALG_MD5, HF_EINVAL);
	r->p = p;
	r->len = len;
	r->format = format;
	r->alg = alg;
	return HF_OK;
}

/* Trims spaces and tabs at both ends. */
static void trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t'))
		(*p)++, (*n)--;
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/* Decodes a hex field (quotes allowed around it) into out[len]. */
static hf_err field_hex(const hfi_field *f, uint8_t *out, size_t len)
{
	const char *p = f->p;
	size_t n = f->n;
	if (f->quoted) { /* a hash never contains a quote, so "" inside is simply not hex */
		p++;
		n -= 2;
		trim(&p, &n);
	}
	HF_ENSURE(n != 0, HF_EPARSE);
	for (size_t i = 0; i < n; i++)
		HF_ENSURE(hfi_hex_digit(p[i]) >= 0, HF_EPARSE);
	HF_ENSURE(n == 2 * len, HF_ELENGTH);
	/* Every digit was checked >= 0 just above; the analyzer does not carry that over. */
	for (size_t i = 0; i < len; i++)
		out[i] =
		    (uint8_t)(hfi_hex_digit(p[2 * i]) << 4 | hfi_hex_digit(p[2 * i + 1])); // NOLINT
	return HF_OK;
}

static bool field_is(const hfi_field *f, const char *s)
{
	size_t k = strlen(s);
	const char *p = f->quoted ? f->p + 1 : f->p;
	size_t n = f->quoted ? f->n - 2 : f->n;
	return n == k && memcmp(p, s, k) == 0;
}

/* Splits one line into fields (at most HF_CSV_MAX_FIELDS kept; *nf counts all, capped). */
static hf_err split(const char *p, size_t n, hfi_field *f, size_t *nf)
{
	size_t i = 0, k = 0;
	for (;;) {
		size_t start = i;
		bool quoted = false;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i < n && p[i] == '"') {
			quoted = true;
			start = i++;
			for (;;) {
				HF_ENSURE(i < n, HF_EPARSE); /* unterminated quote */
				if (p[i] == '"') {
					if (i + 1 < n && p[i + 1] == '"') {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
			while (i < n && (p[i] == ' ' || p[i] == '\t'))
				i++;
			HF_ENSURE(i == n || p[i] == ',', HF_EPARSE);
		} else {
			while (i < n && p[i] != ',') {
				HF_ENSURE(p[i] != '"', HF_EPARSE); /* a quote inside a bare field */
				i++;
			}
		}
		if (k < HF_CSV_MAX_FIELDS) {
			f[k].p = p + start;
			f[k].n = i - start;
			f[k].quoted = quoted;
			if (!quoted)
				trim(&f[k].p, &f[k].n);
		}
		k++;
		if (i == n)
			break;
		i++; /* the comma */
	}
	*nf = k;
	return HF_OK;
}

static hf_err hma_alg(const hfi_field *f, unsigned *alg)
{
	if (field_is(f, "pdq"))
		*alg = HF_ALG_PDQ;
	else if (field_is(f, "md5") || field_is(f, "video_md5"))
		*alg = HF_ALG_MD5;
	else if (field_is(f, "sha256"))
		*alg = HF_ALG_SHA256;
	else
		return HF_EINVAL;
	return HF_OK;
}

/* One non-empty line into a row; *skip for a header line. */
static hf_err hfn_row(hf_hashcsv *r, const char *p, size_t n, hf_hashcsv_row *row, bool *skip)
{
	hfi_field f[HF_CSV_MAX_FIELDS];
	size_t nf;
	*skip = false;
	memset(row, 0, sizeof(*row));
	if (r->format == HF_HASHCSV_PLAIN) {
		hfi_field one = {p, n, false};
		trim(&one.p, &one.n);
		row->alg = r->alg;
		return field_hex(&one, row->value, hf_hash_alg_len(r->alg));
	}
	HF_TRY(split(p, n, f, &nf));
	if (r->format == HF_HASHCSV_TE) {
		if (r->rows == 0 && (field_is(&f[0], "hash") || field_is(&f[0], "indicator"))) {
			*skip = true;
			return HF_OK;
		}
		row->alg = r->alg;
		HF_TRY(field_hex(&f[0], row->value, hf_hash_alg_len(r->alg)));
		if (nf >= 2 && f[1].n) {
			HF_ENSURE(!f[1].quoted, HF_EPARSE);
			for (size_t i = 0; i < f[1].n; i++)
				HF_ENSURE(f[1].p[i] >= '0' && f[1].p[i] <= '9', HF_EPARSE);
			HF_ENSURE(f[1].n <= 20, HF_EPARSE);
			row->id = f[1].p;
			row->id_len = f[1].n;
		}
		return HF_OK;
	}
	if (r->rows == 0 && field_is(&f[0], "signal_type")) {
		*skip = true;
		return HF_OK;
	}
	HF_ENSURE(nf >= 2, HF_EPARSE);
	HF_TRY(hma_alg(&f[0], &row->alg));
	return field_hex(&f[1], row->value, hf_hash_alg_len(row->alg));
}

hf_err hf_hashcsv_next(hf_hashcsv *r, hf_hashcsv_row *row, bool *done)
{
	*done = false;
	while (r->off < r->len) {
		const char *p = (const char *)r->p + r->off;
		size_t avail = r->len - r->off, n;
		const void *nl = memchr(p, '\n', avail);
		n = nl ? (size_t)((const char *)nl - p) : avail;
		r->line++;
		HF_ENSURE(n - (n && p[n - 1] == '\r') <= HF_HASHCSV_MAX_LINE, HF_ETOOLONG);
		HF_ENSURE(memchr(p, 0, n) == NULL, HF_EPARSE);
		r->off += nl ? n + 1 : n;
		if (n && p[n - 1] == '\r')
			n--;
		size_t k = 0;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n || p[k] == '#')
			continue; /* blank or comment */
		bool skip;
		HF_TRY(hfn_row(r, p, n, row, &skip));
		if (skip)
			continue;
		HF_ENSURE(r->rows < HF_HASHCSV_MAX_ROWS, HF_ETOOBIG);
		r->rows++;
		return HF_OK;
	}
	*done = true;
	return HF_OK;
}
