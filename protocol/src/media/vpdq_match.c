/*
 * vPDQ: deduplication and Meta's comparison rule (hashfed/vpdq_match.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/vpdq.h"
#include "hashfed/vpdq_match.h"
#include "hf_check.h"

typedef struct keyed {
	hf_pdq_hash h;
	size_t i;
} keyed;

static int cmp_keyed(const void *pa, const void *pb)
{
	const keyed *a = pa, *b = pb;
	int c = memcmp(a->h.b, b->h.b, HF_PDQ_HASH_LEN);
	if (c != 0) {
		return c;
	}
	return (a->i > b->i) - (a->i < b->i);
}

void hf_vpdq_dedupe(hf_vpdq *v)
{
	if (v->count < 2) {
		return;
	}
	keyed *k = malloc(v->count * sizeof(*k));
	bool *dup = calloc(v->count, sizeof(*dup));
	if (k == NULL || dup == NULL) {
		/* Quadratic fallback without memory. */
		free(k);
		free(dup);
		size_t n = 0;
		for (size_t i = 0; i < v->count; i++) {
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++) {
				seen = memcmp(v->frames[j].hash.b, v->frames[i].hash.b,
				              HF_PDQ_HASH_LEN) == 0;
			}
			if (!seen) {
				v->frames[n++] = v->frames[i];
			}
		}
		v->count = n;
		return;
	}
	for (size_t i = 0; i < v->count; i++) {
		k[i].h = v->frames[i].hash;
		k[i].i = i;
	}
	qsort(k, v->count, sizeof(*k), cmp_keyed);
	for (size_t i = 1; i < v->count; i++) {
		if (memcmp(k[i].h.b, k[i - 1].h.b, HF_PDQ_HASH_LEN) == 0) {
			dup[k[i].i] = true;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < v->count; i++) {
		if (!dup[i]) {
			v->frames[n++] = v->frames[i];
		}
	}
	v->count = n;
	free(k);
	free(dup);
}

hf_vpdq_match_params hf_vpdq_match_params_default(void)
{
	hf_vpdq_match_params p = {
	    .distance = HF_PDQ_MATCH_DIST,
	    .quality = HF_PDQ_MIN_QUALITY,
	    .compared_pct = 80.0,
	    .query_pct = 0.0,
	};
	return p;
}

hf_err hf_vpdq_match_params_check(const hf_vpdq_match_params *p)
{
	HF_ENSURE(p->distance <= 257, HF_ECONFIG);
	HF_ENSURE(p->quality >= 0 && p->quality <= 100, HF_ECONFIG);
	HF_ENSURE(isfinite(p->compared_pct) && p->compared_pct >= 0 && p->compared_pct <= 100,
	          HF_ECONFIG);
	HF_ENSURE(isfinite(p->query_pct) && p->query_pct >= 0 && p->query_pct <= 100, HF_ECONFIG);
	return HF_OK;
}

void hf_vpdq_match_result_clear(hf_vpdq_match_result *r)
{
	if (r != NULL) {
		free(r->query_ranges);
		free(r->compared_ranges);
		memset(r, 0, sizeof(*r));
	}
}

static double share(const bool *hit, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c += hit[i] ? 1 : 0;
	}
	return n > 0 ? ((double)c * 100.0) / (double)n : 0.0;
}

void hf_vpdq_rule(const bool *q_hit, size_t nq, const bool *c_hit, size_t nc,
                  const hf_vpdq_match_params *p, hf_vpdq_match_result *out)
{
	if (nq == 0 || nc == 0) {
		out->query_pct = 0;
		out->compared_pct = 0;
		out->match = false;
		return;
	}
	out->query_pct = share(q_hit, nq);
	out->compared_pct = share(c_hit, nc);
	out->match = out->compared_pct >= p->compared_pct && out->query_pct >= p->query_pct;
}

hf_err hf_vpdq_ranges(const bool *hit, const double *seconds, size_t n, hf_vpdq_range **out,
                      size_t *n_out)
{
	size_t runs = 0;
	*out = NULL;
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		runs += hit[i] && (i == 0 || !hit[i - 1]) ? 1 : 0;
	}
	if (runs == 0) {
		return HF_OK;
	}
	hf_vpdq_range *r = malloc(runs * sizeof(*r));
	HF_ENSURE(r != NULL, HF_ENOMEM);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!hit[i]) {
			continue;
		}
		if (i == 0 || !hit[i - 1]) {
			r[k].start = seconds[i];
			k++;
		}
		r[k - 1].end = seconds[i];
	}
	*out = r;
	*n_out = runs;
	return HF_OK;
}

/* Frames of quality >= q, first of each distinct hash, as hashes and timestamps. */
static hf_err filter(const hf_vpdq *v, int q, hf_pdq_hash **h, double **t, size_t *n)
{
	hf_vpdq f = {0};
	*n = 0;
	*h = malloc((v->count > 0 ? v->count : 1) * sizeof(**h));
	*t = malloc((v->count > 0 ? v->count : 1) * sizeof(**t));
	f.frames = malloc((v->count > 0 ? v->count : 1) * sizeof(*f.frames));
	if (*h == NULL || *t == NULL || f.frames == NULL) {
		free(f.frames);
		return HF_ENOMEM;
	}
	for (size_t i = 0; i < v->count; i++) {
		if (v->frames[i].quality >= q) {
			f.frames[f.count++] = v->frames[i];
		}
	}
	hf_vpdq_dedupe(&f);
	for (size_t i = 0; i < f.count; i++) {
		(*h)[i] = f.frames[i].hash;
		(*t)[i] = f.frames[i].seconds;
	}
	*n = f.count;
	free(f.frames);
	return HF_OK;
}

hf_err hf_vpdq_compare(const hf_vpdq *query, const hf_vpdq *compared, const hf_vpdq_match_params *p,
                       hf_vpdq_match_result *out)
{
	hf_pdq_hash *qh = NULL, *ch = NULL;
	double *qt = NULL, *ct = NULL;
	bool *qhit = NULL, *chit = NULL;
	size_t nq = 0, nc = 0;
	hf_err rc;

	memset(out, 0, sizeof(*out));
	HF_TRY(hf_vpdq_match_params_check(p));
	HF_CHECK(filter(query, p->quality, &qh, &qt, &nq));
	HF_CHECK(filter(compared, p->quality, &ch, &ct, &nc));
	qhit = calloc(nq > 0 ? nq : 1, sizeof(*qhit));
	chit = calloc(nc > 0 ? nc : 1, sizeof(*chit));
	if (qhit == NULL || chit == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	/* One pass over all pairs marks both sides (distance is symmetric). */
	for (size_t i = 0; i < nq; i++) {
		for (size_t j = 0; j < nc; j++) {
			if (hf_pdq_distance(&qh[i], &ch[j]) < p->distance) {
				qhit[i] = true;
				chit[j] = true;
			}
		}
	}
	hf_vpdq_rule(qhit, nq, chit, nc, p, out);
	HF_CHECK(hf_vpdq_ranges(qhit, qt, nq, &out->query_ranges, &out->n_query_ranges));
	HF_CHECK(hf_vpdq_ranges(chit, ct, nc, &out->compared_ranges, &out->n_compared_ranges));
	rc = HF_OK;
out:
	if (rc != HF_OK) {
		hf_vpdq_match_result_clear(out);
	}
	free(qh);
	free(ch);
	free(qt);
	free(ct);
	free(qhit);
	free(chit);
	return rc;
}
