/*
 * Video index: frame hashes in a PDQ index keyed to their video, candidates
 * gathered per query frame, confirmed with Meta's rule (hashfed/vpdq_index.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hashfed/vpdq_index.h"
#include "hf_check.h"

enum { FRAME_BITS = 24 };

typedef struct vvid {
	uint64_t ref;
	uint32_t n; /* frames indexed */
	bool live;
	uint32_t *frame;
	double *sec;
	uint8_t *q;
} vvid;

struct hf_vpdq_index {
	hf_pdq_index *pdq;
	bool own;
	vvid *v;
	size_t n, cap;
	uint32_t *free_slots;
	size_t n_free, cap_free;
	/* ref -> slot + 1, linear probing with backward-shift deletion */
	uint64_t *mk;
	uint32_t *mv;
	size_t mcap, mused;
	size_t live, frames;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static size_t map_find(const hf_vpdq_index *x, uint64_t ref)
{
	size_t m = x->mcap - 1, i = (size_t)mix(ref) & m;
	while (x->mv[i] != 0 && x->mk[i] != ref) {
		i = (i + 1) & m;
	}
	return i;
}

static hf_err map_grow(hf_vpdq_index *x)
{
	if (x->mcap != 0 && (x->mused + 1) * 8 < x->mcap * 7) {
		return HF_OK;
	}
	size_t ncap = x->mcap ? x->mcap * 2 : 64;
	uint64_t *nk = calloc(ncap, sizeof(*nk));
	uint32_t *nv = calloc(ncap, sizeof(*nv));
	if (nk == NULL || nv == NULL) {
		free(nk);
		free(nv);
		return HF_ENOMEM;
	}
	hf_vpdq_index old = *x;
	x->mk = nk;
	x->mv = nv;
	x->mcap = ncap;
	for (size_t i = 0; i < old.mcap; i++) {
		if (old.mv[i] != 0) {
			size_t j = map_find(x, old.mk[i]);
			x->mk[j] = old.mk[i];
			x->mv[j] = old.mv[i];
		}
	}
	free(old.mk);
	free(old.mv);
	return HF_OK;
}

static void map_del(hf_vpdq_index *x, size_t i)
{
	size_t m = x->mcap - 1;
	x->mv[i] = 0;
	x->mused--;
	for (size_t j = (i + 1) & m; x->mv[j] != 0; j = (j + 1) & m) {
		size_t home = (size_t)mix(x->mk[j]) & m;
		/* Move j back to i if its home is not in (i, j]. */
		if (((j - home) & m) >= ((j - i) & m)) {
			x->mk[i] = x->mk[j];
			x->mv[i] = x->mv[j];
			x->mv[j] = 0;
			i = j;
		}
	}
}

hf_err hf_vpdq_index_new(hf_vpdq_index **out, hf_pdq_index *pdq)
{
	*out = NULL;
	hf_vpdq_index *x = calloc(1, sizeof(*x));
	HF_ENSURE(x != NULL, HF_ENOMEM);
	if (pdq == NULL) {
		hf_pdq_index_opts o = {.max_distance = HF_PDQ_INDEX_DEFAULT_DIST};
		hf_err rc = hf_pdq_index_new(&x->pdq, &o);
		if (rc != HF_OK) {
			free(x);
			return rc;
		}
		x->own = true;
	} else {
		x->pdq = pdq;
	}
	*out = x;
	return HF_OK;
}

static void vid_free(vvid *v)
{
	free(v->frame);
	free(v->sec);
	free(v->q);
	memset(v, 0, sizeof(*v));
}

void hf_vpdq_index_free(hf_vpdq_index *x)
{
	if (x == NULL) {
		return;
	}
	for (size_t i = 0; i < x->n; i++) {
		vid_free(&x->v[i]);
	}
	if (x->own) {
		hf_pdq_index_free(x->pdq);
	}
	free(x->v);
	free(x->free_slots);
	free(x->mk);
	free(x->mv);
	free(x);
}

static uint64_t frame_ref(size_t slot, uint32_t i)
{
	return HF_VPDQ_REF_TAG | ((uint64_t)slot << FRAME_BITS) | i;
}

hf_err hf_vpdq_index_add(hf_vpdq_index *x, const hf_vpdq *v, uint64_t ref)
{
	hf_err rc = HF_ENOMEM;
	hf_vpdq f = {0};
	uint8_t *hashes = NULL;
	int *quals = NULL;
	uint64_t *refs = NULL;
	vvid nv = {0};

	HF_ENSURE((ref & HF_VPDQ_REF_TAG) == 0, HF_EINVAL);
	HF_ENSURE(v->count <= HF_VPDQ_INDEX_MAX_FRAMES, HF_ETOOLONG);
	HF_TRY(map_grow(x));
	size_t mi = map_find(x, ref);
	HF_ENSURE(x->mv[mi] == 0, HF_EEXIST);
	HF_ENSURE(x->n < ((size_t)1 << (63 - FRAME_BITS)) - 1, HF_ENOSPC);

	f.frames = malloc((v->count ? v->count : 1) * sizeof(*f.frames));
	if (f.frames == NULL) {
		goto out;
	}
	for (size_t i = 0; i < v->count; i++) {
		if (v->frames[i].quality >= HF_PDQ_INDEX_MIN_QUALITY &&
		    v->frames[i].quality <= 100) {
			f.frames[f.count++] = v->frames[i];
		}
	}
	hf_vpdq_dedupe(&f);
	if (f.count == 0) {
		rc = HF_ELOWQUALITY;
		goto out;
	}
	size_t slot;
	if (x->n_free > 0) {
		slot = x->free_slots[x->n_free - 1];
	} else {
		if (x->n == x->cap) {
			size_t ncap = x->cap ? x->cap * 2 : 64;
			vvid *nvv = realloc(x->v, ncap * sizeof(*nvv));
			if (nvv == NULL) {
				goto out;
			}
			x->v = nvv;
			x->cap = ncap;
		}
		slot = x->n;
	}
	nv.ref = ref;
	nv.n = (uint32_t)f.count;
	nv.live = true;
	nv.frame = malloc(f.count * sizeof(*nv.frame));
	nv.sec = malloc(f.count * sizeof(*nv.sec));
	nv.q = malloc(f.count);
	hashes = malloc(f.count * HF_PDQ_HASH_LEN);
	quals = malloc(f.count * sizeof(*quals));
	refs = malloc(f.count * sizeof(*refs));
	if (nv.frame == NULL || nv.sec == NULL || nv.q == NULL || hashes == NULL || quals == NULL ||
	    refs == NULL) {
		goto out;
	}
	for (size_t i = 0; i < f.count; i++) {
		nv.frame[i] = f.frames[i].frame;
		nv.sec[i] = f.frames[i].seconds;
		nv.q[i] = (uint8_t)f.frames[i].quality;
		memcpy(hashes + i * HF_PDQ_HASH_LEN, f.frames[i].hash.b, HF_PDQ_HASH_LEN);
		quals[i] = f.frames[i].quality;
		refs[i] = frame_ref(slot, (uint32_t)i);
	}
	rc = hf_pdq_index_add_batch(x->pdq, hashes, quals, refs, f.count, NULL);
	if (rc != HF_OK) {
		goto out;
	}
	if (slot == x->n) {
		x->n++;
	} else {
		x->n_free--;
	}
	x->v[slot] = nv;
	memset(&nv, 0, sizeof(nv));
	x->mk[mi] = ref;
	x->mv[mi] = (uint32_t)slot + 1;
	x->mused++;
	x->live++;
	x->frames += f.count;
out:
	vid_free(&nv);
	free(f.frames);
	free(hashes);
	free(quals);
	free(refs);
	return rc;
}

hf_err hf_vpdq_index_remove(hf_vpdq_index *x, uint64_t ref)
{
	HF_ENSURE(x->mcap > 0, HF_ENOTFOUND);
	size_t mi = map_find(x, ref);
	HF_ENSURE(x->mv[mi] != 0, HF_ENOTFOUND);
	size_t slot = x->mv[mi] - 1;
	if (x->n_free == x->cap_free) {
		size_t ncap = x->cap_free ? x->cap_free * 2 : 64;
		uint32_t *nf = realloc(x->free_slots, ncap * sizeof(*nf));
		HF_ENSURE(nf != NULL, HF_ENOMEM);
		x->free_slots = nf;
		x->cap_free = ncap;
	}
	vvid *v = &x->v[slot];
	for (uint32_t i = 0; i < v->n; i++) {
		hf_err rc = hf_pdq_index_remove(x->pdq, frame_ref(slot, i));
		if (rc != HF_OK && rc != HF_ENOTFOUND) {
			return rc; /* frames before i are gone: the video no longer matches fully */
		}
	}
	x->frames -= v->n;
	x->live--;
	vid_free(v);
	x->free_slots[x->n_free++] = (uint32_t)slot;
	map_del(x, mi);
	return HF_OK;
}

size_t hf_vpdq_index_count(const hf_vpdq_index *x, size_t *frames)
{
	if (frames != NULL) {
		*frames = x->frames;
	}
	return x->live;
}

static const vvid *decode_ref(const hf_vpdq_index *x, uint64_t pdq_ref, uint32_t *fi)
{
	if ((pdq_ref & HF_VPDQ_REF_TAG) == 0) {
		return NULL;
	}
	size_t slot = (size_t)((pdq_ref & ~HF_VPDQ_REF_TAG) >> FRAME_BITS);
	uint32_t i = (uint32_t)(pdq_ref & ((1u << FRAME_BITS) - 1));
	if (slot >= x->n || !x->v[slot].live || i >= x->v[slot].n) {
		return NULL;
	}
	*fi = i;
	return &x->v[slot];
}

bool hf_vpdq_index_frame_ref(const hf_vpdq_index *x, uint64_t pdq_ref, uint64_t *video_ref,
                             uint32_t *frame, double *seconds)
{
	uint32_t i;
	const vvid *v = decode_ref(x, pdq_ref, &i);
	if (v == NULL) {
		return false;
	}
	if (video_ref != NULL) {
		*video_ref = v->ref;
	}
	if (frame != NULL) {
		*frame = v->frame[i];
	}
	if (seconds != NULL) {
		*seconds = v->sec[i];
	}
	return true;
}

/* ---- queries ---- */

typedef struct pair {
	uint32_t slot;
	uint32_t qi; /* query frame */
	uint32_t ci; /* frame of the indexed video */
} pair;

typedef struct collect {
	const hf_vpdq_index *x;
	pair *p;
	size_t n, cap;
	uint32_t qi;
	bool oom;
} collect;

static bool on_frame(void *ctx, uint64_t ref, unsigned distance)
{
	collect *c = ctx;
	(void)distance;
	uint32_t ci;
	const vvid *v = decode_ref(c->x, ref, &ci);
	if (v == NULL) {
		return true; /* a photo entry of a shared index */
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		pair *np = realloc(c->p, ncap * sizeof(*np));
		if (np == NULL) {
			c->oom = true;
			return false;
		}
		c->p = np;
		c->cap = ncap;
	}
	c->p[c->n++] = (pair){(uint32_t)(v - c->x->v), c->qi, ci};
	return true;
}

static int cmp_pair(const void *pa, const void *pb)
{
	const pair *a = pa, *b = pb;
	return (a->slot > b->slot) - (a->slot < b->slot);
}

hf_err hf_vpdq_index_query(const hf_vpdq_index *x, const hf_vpdq *q, const hf_vpdq_match_params *p,
                           hf_vpdq_video_fn fn, void *ctx, size_t *n_candidates)
{
	hf_err rc = HF_ENOMEM;
	hf_vpdq f = {0};
	collect c = {.x = x};
	bool *qhit = NULL, *chit = NULL;
	double *qsec = NULL;
	size_t chit_cap = 0, cands = 0;
	int minq = p->quality > HF_PDQ_INDEX_MIN_QUALITY ? p->quality : HF_PDQ_INDEX_MIN_QUALITY;

	HF_TRY(hf_vpdq_match_params_check(p));
	if (n_candidates != NULL) {
		*n_candidates = 0;
	}
	if (p->distance == 0 || q->count == 0) {
		return HF_OK; /* nothing is below distance 0 */
	}
	f.frames = malloc(q->count * sizeof(*f.frames));
	HF_ENSURE(f.frames != NULL, HF_ENOMEM);
	for (size_t i = 0; i < q->count; i++) {
		if (q->frames[i].quality >= minq && q->frames[i].quality <= 100) {
			f.frames[f.count++] = q->frames[i];
		}
	}
	hf_vpdq_dedupe(&f);
	qhit = malloc((f.count ? f.count : 1) * sizeof(*qhit));
	qsec = malloc((f.count ? f.count : 1) * sizeof(*qsec));
	if (qhit == NULL || qsec == NULL) {
		goto out;
	}
	for (size_t i = 0; i < f.count; i++) {
		qsec[i] = f.frames[i].seconds;
		c.qi = (uint32_t)i;
		rc = hf_pdq_index_query_cb(x->pdq, f.frames[i].hash.b, f.frames[i].quality,
		                           p->distance - 1, on_frame, &c);
		if (rc != HF_OK || c.oom) {
			rc = c.oom ? HF_ENOMEM : rc;
			goto out;
		}
	}
	if (c.n > 1) /* c.p is NULL when nothing was gathered */
		qsort(c.p, c.n, sizeof(*c.p), cmp_pair);
	rc = HF_OK;
	for (size_t a = 0; a < c.n;) {
		size_t b = a;
		while (b < c.n && c.p[b].slot == c.p[a].slot) {
			b++;
		}
		const vvid *v = &x->v[c.p[a].slot];
		cands++;
		if (v->n > chit_cap) {
			bool *nc = realloc(chit, v->n * sizeof(*nc));
			if (nc == NULL) {
				rc = HF_ENOMEM;
				goto out;
			}
			chit = nc;
			chit_cap = v->n;
		}
		/* memset(NULL, 0, 0) is undefined too (an empty query or list has no buffers). */
		if (f.count)
			memset(qhit, 0, f.count * sizeof(*qhit));
		if (v->n)
			memset(chit, 0, v->n * sizeof(*chit));
		for (size_t k = a; k < b; k++) {
			if (v->q[c.p[k].ci] >= minq) {
				qhit[c.p[k].qi] = true;
				/* ci < v->n: chit holds v->n flags (the analyzer misses it) */
				// NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
				chit[c.p[k].ci] = true;
			}
		}
		/* Compared frames below the rule's quality leave the count. */
		size_t nc = 0;
		for (uint32_t k = 0; k < v->n; k++) {
			if (v->q[k] >= minq) {
				chit[nc] = chit[k];
				nc++;
			}
		}
		hf_vpdq_match_result r = {0};
		hf_vpdq_rule(qhit, f.count, chit, nc, p, &r);
		if (r.match) {
			double *cs = malloc((nc ? nc : 1) * sizeof(*cs));
			if (cs == NULL) {
				rc = HF_ENOMEM;
				goto out;
			}
			for (uint32_t k = 0, j = 0; k < v->n; k++) {
				if (v->q[k] >= minq) {
					cs[j++] = v->sec[k];
				}
			}
			rc =
			    hf_vpdq_ranges(qhit, qsec, f.count, &r.query_ranges, &r.n_query_ranges);
			if (rc == HF_OK) {
				rc = hf_vpdq_ranges(chit, cs, nc, &r.compared_ranges,
				                    &r.n_compared_ranges);
			}
			free(cs);
			bool more = rc == HF_OK && fn(ctx, v->ref, &r);
			hf_vpdq_match_result_clear(&r);
			if (rc != HF_OK || !more) {
				goto out;
			}
		}
		a = b;
	}
out:
	if (n_candidates != NULL) {
		*n_candidates = cands;
	}
	free(f.frames);
	free(c.p);
	free(qhit);
	free(qsec);
	free(chit);
	return rc;
}

typedef struct imgctx {
	const hf_vpdq_index *x;
	hf_vpdq_frame_fn fn;
	void *ctx;
} imgctx;

static bool on_image(void *ctx, uint64_t ref, unsigned distance)
{
	imgctx *c = ctx;
	uint32_t i;
	const vvid *v = decode_ref(c->x, ref, &i);
	if (v == NULL) {
		return true;
	}
	return c->fn(c->ctx, v->ref, v->frame[i], v->sec[i], distance);
}

hf_err hf_vpdq_index_query_image(const hf_vpdq_index *x, const uint8_t hash[HF_PDQ_HASH_LEN],
                                 int quality, unsigned max_distance, hf_vpdq_frame_fn fn, void *ctx)
{
	imgctx c = {x, fn, ctx};
	return hf_pdq_index_query_cb(x->pdq, hash, quality, max_distance, on_image, &c);
}
