/*
 * Meta's vPDQ text format (vpdq/cpp/io/vpdqio.cpp): one line per frame,
 * `frame,quality,hex,seconds`, seconds printed with three decimals. The
 * reader is for untrusted files: every field and line is bounded, nothing is
 * read past the input, and a failing line is reported by number.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hashfed/vpdq.h"
#include "hf_check.h"

/* "4294967295,100,<64 hex>,1000000000.000\n" fits easily in this. */
enum { LINE_MAX_OUT = 96 };

static size_t format_line(const hf_vpdq_frame *f, char *buf, size_t cap)
{
	char hex[HF_PDQ_HEX_LEN + 1];
	hf_pdq_to_hex(&f->hash, hex);
	int n =
	    snprintf(buf, cap, "%u,%d,%s,%.3f\n", (unsigned)f->frame, f->quality, hex, f->seconds);
	return n < 0 ? 0 : (size_t)n;
}

size_t hf_vpdq_text_len(const hf_vpdq *v)
{
	size_t total = 0;
	char line[LINE_MAX_OUT];
	for (size_t i = 0; i < v->count; i++) {
		total += format_line(&v->frames[i], line, sizeof(line));
	}
	return total;
}

hf_err hf_vpdq_to_text(const hf_vpdq *v, char *out, size_t cap, size_t *written)
{
	size_t off = 0;
	char line[LINE_MAX_OUT];
	for (size_t i = 0; i < v->count; i++) {
		size_t n = format_line(&v->frames[i], line, sizeof(line));
		HF_ENSURE(n <= cap - off, HF_ENOSPC);
		memcpy(out + off, line, n);
		off += n;
	}
	if (off < cap) {
		out[off] = '\0';
	}
	if (written != NULL) {
		*written = off;
	}
	return HF_OK;
}

/* Unsigned decimal of 1..digits_max digits, value <= max. */
static hf_err parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	HF_ENSURE(len > 0 && len <= 19, len == 0 ? HF_EPARSE : HF_ERANGE);
	for (size_t i = 0; i < len; i++) {
		HF_ENSURE(s[i] >= '0' && s[i] <= '9', HF_EPARSE);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	HF_ENSURE(v <= max, HF_ERANGE);
	*out = v;
	return HF_OK;
}

/*
 * Non-negative decimal "123", "1.5", ".5", "1." (what std::stod accepts of
 * the files vpdq writes), integer part at most 10^9, at most 9 decimals.
 */
static hf_err parse_seconds(const char *s, size_t len, double *out)
{
	size_t dot = len;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			dot = i;
			break;
		}
	}
	uint64_t ip = 0, fp = 0;
	size_t flen = dot < len ? len - dot - 1 : 0;
	HF_ENSURE(dot > 0 || flen > 0, HF_EPARSE);
	if (dot > 0) {
		HF_TRY(parse_uint(s, dot, 1000000000, &ip));
	}
	HF_ENSURE(flen <= 9, HF_ERANGE);
	if (flen > 0) {
		HF_TRY(parse_uint(s + dot + 1, flen, UINT64_MAX, &fp));
	}
	double frac = (double)fp;
	for (size_t i = 0; i < flen; i++) {
		frac /= 10.0;
	}
	*out = (double)ip + frac;
	return HF_OK;
}

static hf_err parse_line(const char *s, size_t len, hf_vpdq_frame *f)
{
	const char *field[4];
	size_t flen[4];
	size_t nf = 0, start = 0;
	for (size_t i = 0; i <= len && nf < 4; i++) {
		if (i == len || s[i] == ',') {
			field[nf] = s + start;
			flen[nf] = i - start;
			nf++;
			start = i + 1;
		}
	}
	HF_ENSURE(nf == 4, HF_EPARSE);
	uint64_t frame, quality;
	memset(f, 0, sizeof(*f));
	HF_TRY(parse_uint(field[0], flen[0], 2147483647u, &frame));
	HF_TRY(parse_uint(field[1], flen[1], 100, &quality));
	HF_TRY(hf_pdq_from_hex(field[2], flen[2], &f->hash) == HF_OK ? HF_OK : HF_EPARSE);
	HF_TRY(parse_seconds(field[3], flen[3], &f->seconds));
	f->frame = (uint32_t)frame;
	f->quality = (int)quality;
	return HF_OK;
}

hf_err hf_vpdq_from_text(const uint8_t *p, size_t len, hf_vpdq *out, uint64_t *line)
{
	hf_err rc = HF_OK;
	size_t off = 0;
	uint64_t ln = 0;

	memset(out, 0, sizeof(*out));
	HF_ENSURE(p != NULL || len == 0, HF_EINVAL);
	while (off < len) {
		const uint8_t *nl = memchr(p + off, '\n', len - off);
		size_t end = nl != NULL ? (size_t)(nl - p) : len;
		size_t l = end - off;
		ln++;
		if (l > 0 && p[off + l - 1] == '\r') {
			l--;
		}
		if (l > HF_VID_TEXT_MAX_LINE) {
			rc = HF_ETOOLONG;
			goto out;
		}
		if (l > 0) {
			hf_vpdq_frame f;
			HF_CHECK(parse_line((const char *)p + off, l, &f));
			HF_CHECK(hf_vpdq_push(out, &f));
		}
		off = nl != NULL ? end + 1 : len;
	}
	rc = out->count > 0 ? HF_OK : HF_EMISSING;
out:
	if (line != NULL) {
		*line = rc == HF_OK || rc == HF_EMISSING ? 0 : ln;
	}
	if (rc != HF_OK) {
		hf_vpdq_clear(out);
	}
	return rc;
}
