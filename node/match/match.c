/* Platform-side matcher: in-memory indexes fed by the lists engine (match.h, docs/match.md). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "hashfed/index.h"
#include "hashfed/match_report.h"
#include "hashfed/vpdq_index.h"
#include "core/log.h"
#include "match/match.h"
#include "match/match_in.h"
#include "core/util.h"
#include "hf_check.h"

#define HFN_SLOT_FREE          UINT32_MAX
#define HFN_REPORT_LIFETIME_MS (7ull * 86400000ull)
#define HFN_LOAD_PAGE          50000u
/* A batch with this many PDQ entries is indexed on a helper thread while the lists engine
 * stores it (bench_sync: the index was a fifth of the platform's main loop, SQLite most of
 * the rest; the two now run on both cores). */
#define HFN_MATCH_ASYNC_MIN 4096u
#define HFN_MAP_AHEAD       8u

typedef struct hfn_prov {
	uint64_t first, last, batch, issued_ms;
	bool snap;
} hfn_prov;

typedef struct mlist {
	hf_list_id id;
	uint8_t issuer[HF_MEMBER_ID_LEN];
	char name[HF_LIST_MAX_NAME_LEN + 1];
	hfn_prov *prov; /* ascending first; ranges are disjoint */
	size_t n_prov, cap_prov;
	uint64_t max_entry; /* highest entry id ever added: newer ids need no replace */
} mlist;

typedef struct hfn_flood {
	uint64_t window;
	uint32_t n;
	uint64_t fp[]; /* flood_threshold distinct upload fingerprints */
} hfn_flood;

typedef struct hfn_slot {
	uint32_t list; /* index into lists, HFN_SLOT_FREE if free */
	uint8_t alg, quality, flags;
	bool snap;
	uint16_t category;
	uint32_t pending; /* matches not yet written to the store */
	uint64_t entry, expires_ms, batch, issued_ms;
	uint8_t value[HF_LIST_MAX_VALUE_LEN];
	hfn_flood *flood;
} hfn_slot;

typedef struct flagrec {
	uint32_t list;
	uint64_t entry;
	uint8_t state;
} flagrec;

typedef struct hfn_hitref {
	uint64_t ref;
	unsigned distance;
	double seconds; /* a video frame's timestamp (a photo query's hit on a frame); else -1 */
} hfn_hitref;

struct hfn_match {
	hfn_node *n;
	/* A batch's PDQ entries between hfn_match_batch_begin and _end: the helper thread (if
	 * job_thread) is the PDQ index's one writer meanwhile (index.h), and owns job. */
	struct hfn_pdq_pend *job;
	uint32_t job_list;
	bool job_thread;
	pthread_t job_tid;
	hf_err job_rc;
	hfn_match_config cfg;
	hf_pdq_index *pdq;
	hf_vpdq_index *vidx;         /* video entries: their frames live in pdq, tagged */
	unsigned video_max_distance; /* the PDQ index's max_distance */
	hf_exact_index *exact[4];    /* by alg: md5, sha256 */
	hf_exact_index *allow[4];    /* allow-list by alg */
	uint64_t allow_next;
	size_t allow_n;
	mlist *lists;
	size_t n_lists, cap_lists;
	hfn_slot *slots;
	size_t n_slots, cap_slots;
	uint32_t *free_slots;
	size_t n_free;
	uint32_t *map; /* (list, entry) -> slot + 1; linear probing, backward-shift deletion */
	size_t map_cap, map_used;
	flagrec *flags;
	size_t n_flags, cap_flags;
	uint32_t *dirty; /* slots with pending > 0 */
	size_t n_dirty, cap_dirty;
	uint32_t pending_day;
	hfn_hitref *scratch;
	size_t n_scratch, cap_scratch;
	struct event *timer;
	uint64_t next_flush, next_report, next_sweep;
	uint64_t queries, hits, suppressed;
};

uint32_t hfn_match_day(uint64_t ms)
{
	return (uint32_t)(ms / 86400000u);
}

/* ---- lists and provenance ---------------------------------------------------- */

static mlist *list_find(hfn_match *m, const hf_list_id *id, uint32_t *idx)
{
	for (size_t i = 0; i < m->n_lists; i++)
		if (hf_list_id_eq(&m->lists[i].id, id)) {
			if (idx)
				*idx = (uint32_t)i;
			return &m->lists[i];
		}
	return NULL;
}

static hf_err list_get(hfn_match *m, const hfn_store_list *l, uint32_t *idx)
{
	mlist *ml = list_find(m, &l->id, idx);
	if (!ml) {
		HF_TRY(
		    hfn_grow((void **)&m->lists, &m->cap_lists, m->n_lists + 1, sizeof(*m->lists)));
		ml = &m->lists[m->n_lists];
		memset(ml, 0, sizeof(*ml));
		ml->id = l->id;
		*idx = (uint32_t)m->n_lists++;
	}
	memcpy(ml->issuer, l->issuer, HF_MEMBER_ID_LEN);
	snprintf(ml->name, sizeof(ml->name), "%s", l->name);
	return HF_OK;
}

static hf_err prov_add(mlist *ml, uint64_t first, uint64_t last, uint64_t batch, uint64_t issued,
                       bool snap)
{
	HF_TRY(hfn_grow((void **)&ml->prov, &ml->cap_prov, ml->n_prov + 1, sizeof(*ml->prov)));
	size_t i = ml->n_prov;
	while (i > 0 && ml->prov[i - 1].first > first) { /* batches arrive in id order: rare */
		ml->prov[i] = ml->prov[i - 1];
		i--;
	}
	ml->prov[i] = (hfn_prov){first, last, batch, issued, snap};
	ml->n_prov++;
	return HF_OK;
}

static const hfn_prov *prov_of(const mlist *ml, uint64_t id)
{
	size_t lo = 0, hi = ml->n_prov;
	while (lo < hi) { /* first range with first > id */
		size_t mid = lo + (hi - lo) / 2;
		if (ml->prov[mid].first <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || ml->prov[lo - 1].last < id)
		return NULL;
	return &ml->prov[lo - 1];
}

/* ---- (list, entry) -> slot map ---------------------------------------------- */

static size_t map_hash(uint32_t list, uint64_t entry, size_t cap)
{
	uint64_t x = entry * 0x9e3779b97f4a7c15ull ^ ((uint64_t)list << 32 | list);
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (size_t)x & (cap - 1);
}

static size_t map_pos(const hfn_match *m, uint32_t list, uint64_t entry, bool *found)
{
	size_t i = map_hash(list, entry, m->map_cap);
	for (;; i = (i + 1) & (m->map_cap - 1)) {
		uint32_t v = m->map[i];
		if (v == 0) {
			*found = false;
			return i;
		}
		if (m->slots[v - 1].list == list && m->slots[v - 1].entry == entry) {
			*found = true;
			return i;
		}
	}
}

/* The free cell where (list, entry) goes; the caller knows it is not in the map, so the probe
 * never reads a slot to compare (those reads missed the cache on every probe: half of
 * entry_add's time in the bench_sync profile). */
static size_t map_free_pos(const hfn_match *m, uint32_t list, uint64_t entry)
{
	size_t i = map_hash(list, entry, m->map_cap);
	while (m->map[i])
		i = (i + 1) & (m->map_cap - 1);
	return i;
}

static hf_err map_reserve(hfn_match *m, size_t used)
{
	if (m->map_cap && used * 2 <= m->map_cap)
		return HF_OK;
	size_t cap = m->map_cap ? m->map_cap * 2 : 1024;
	while (used * 2 > cap)
		cap *= 2;
	uint32_t *old = m->map, *nm = calloc(cap, sizeof(*nm));
	size_t oldcap = m->map_cap;
	if (!nm)
		return HF_ENOMEM;
	m->map = nm;
	m->map_cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		const hfn_slot *s = &m->slots[old[i] - 1];
		m->map[map_free_pos(m, s->list, s->entry)] = old[i]; /* keys are distinct */
	}
	free(old);
	return HF_OK;
}

static void map_delete(hfn_match *m, size_t i)
{
	size_t mask = m->map_cap - 1;
	m->map[i] = 0;
	m->map_used--;
	/* Backward shift: move later members of the probe run into the hole. */
	for (size_t j = (i + 1) & mask; m->map[j]; j = (j + 1) & mask) {
		const hfn_slot *s = &m->slots[m->map[j] - 1];
		size_t home = map_hash(s->list, s->entry, m->map_cap);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->map[i] = m->map[j];
			m->map[j] = 0;
			i = j;
		}
	}
}

/* ---- flags --------------------------------------------------------------------- */

static flagrec *flag_find(hfn_match *m, uint32_t list, uint64_t entry)
{
	for (size_t i = 0; i < m->n_flags; i++)
		if (m->flags[i].list == list && m->flags[i].entry == entry)
			return &m->flags[i];
	return NULL;
}

static hfn_slot *slot_find(hfn_match *m, uint32_t list, uint64_t entry)
{
	bool f;
	if (!m->map_cap)
		return NULL;
	size_t i = map_pos(m, list, entry, &f);
	return f ? &m->slots[m->map[i] - 1] : NULL;
}

static hf_err flag_set(hfn_match *m, uint32_t list, uint64_t entry, uint8_t state)
{
	flagrec *f = flag_find(m, list, entry);
	hfn_slot *s = slot_find(m, list, entry);
	if (!f) {
		HF_TRY(
		    hfn_grow((void **)&m->flags, &m->cap_flags, m->n_flags + 1, sizeof(*m->flags)));
		f = &m->flags[m->n_flags++];
		f->list = list;
		f->entry = entry;
	}
	f->state = state;
	if (s)
		s->flags = state;
	return HF_OK;
}

static void flag_clear(hfn_match *m, uint32_t list, uint64_t entry)
{
	flagrec *f = flag_find(m, list, entry);
	hfn_slot *s = slot_find(m, list, entry);
	if (f)
		*f = m->flags[--m->n_flags];
	if (s) {
		s->flags = 0;
		free(s->flood);
		s->flood = NULL;
	}
}

/* ---- entries --------------------------------------------------------------------- */

static hf_err count_write(hfn_match *m, hfn_slot *s)
{
	if (s->pending == 0)
		return HF_OK;
	HF_TRY(hfn_store_match_count_add(m->n->store, &m->lists[s->list].id, s->entry,
	                                 m->pending_day, s->pending));
	s->pending = 0;
	return HF_OK;
}

static hf_err entry_remove(hfn_match *m, uint32_t list, uint64_t entry)
{
	bool f;
	if (!m->map_cap)
		return HF_OK;
	size_t pos = map_pos(m, list, entry, &f);
	if (!f)
		return HF_OK; /* never indexed (low quality, expired) */
	uint32_t si = m->map[pos] - 1;
	hfn_slot *s = &m->slots[si];
	uint64_t ref = (uint64_t)si + 1;
	hf_err rc = s->alg == HF_ALG_PDQ    ? hf_pdq_index_remove(m->pdq, ref)
	            : s->alg == HF_ALG_VPDQ ? hf_vpdq_index_remove(m->vidx, ref)
	                                    : hf_exact_index_remove(m->exact[s->alg], ref);
	if (rc != HF_OK && rc != HF_ENOTFOUND)
		return rc;
	HF_TRY(count_write(m, s));
	free(s->flood);
	s->flood = NULL;
	s->list = HFN_SLOT_FREE;
	map_delete(m, pos);
	m->free_slots[m->n_free++] = si;
	return HF_OK;
}

/* PDQ entries of one received batch, added to the index in one call: the index
 * copies each touched bucket once per call, so one call per entry made applying a
 * 100k-entry batch cost more than storing it (bench_sync profile: 27 %). */
typedef struct hfn_pdq_pend {
	uint8_t *hashes; /* n * 32 */
	int *quals;
	uint64_t *refs;
	size_t n, cap;
} hfn_pdq_pend;

static void pend_free(hfn_pdq_pend *p)
{
	free(p->hashes);
	free(p->quals);
	free(p->refs);
	memset(p, 0, sizeof(*p));
}

static hf_err pend_push(hfn_pdq_pend *p, const uint8_t *hash, int q, uint64_t ref)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 1024;
		uint8_t *h = realloc(p->hashes, nc * HF_PDQ_INDEX_HASH_LEN);
		if (!h)
			return HF_ENOMEM;
		p->hashes = h;
		int *qq = realloc(p->quals, nc * sizeof(*qq));
		if (!qq)
			return HF_ENOMEM;
		p->quals = qq;
		uint64_t *r = realloc(p->refs, nc * sizeof(*r));
		if (!r)
			return HF_ENOMEM;
		p->refs = r;
		p->cap = nc;
	}
	memcpy(p->hashes + p->n * HF_PDQ_INDEX_HASH_LEN, hash, HF_PDQ_INDEX_HASH_LEN);
	p->quals[p->n] = q;
	p->refs[p->n] = ref;
	p->n++;
	return HF_OK;
}

/* Adds e; with pend, a PDQ entry gets its slot now and its index insertion is
 * deferred to pend_flush (all or nothing). */
static hf_err entry_add(hfn_match *m, uint32_t list, const hf_list_entry *e, uint64_t batch,
                        uint64_t issued_ms, bool snap, uint64_t now, hfn_pdq_pend *pend)
{
	uint32_t si;
	hf_err rc;
	/* Re-application replaces. Entry ids only grow, so an id above every id this
	 * list ever added cannot be present: skip the lookup (most of a new batch). */
	if (e->id <= m->lists[list].max_entry)
		HF_TRY(entry_remove(m, list, e->id));
	else
		m->lists[list].max_entry = e->id;
	if (e->expires_ms && e->expires_ms <= now)
		return HF_OK;
	if (e->alg == HF_ALG_PDQ && e->quality < m->cfg.min_quality)
		return HF_OK; /* a low-quality hash matches too much to be evidence */
	if (hf_hash_alg_len(e->alg) == 0 && e->alg != HF_ALG_VPDQ)
		return HF_EINVAL;
	HF_TRY(map_reserve(m, m->map_used + 1));
	if (m->n_free) {
		si = m->free_slots[--m->n_free];
	} else {
		HF_TRY(
		    hfn_grow((void **)&m->slots, &m->cap_slots, m->n_slots + 1, sizeof(*m->slots)));
		size_t fc = m->cap_slots;
		uint32_t *fs = realloc(m->free_slots, fc * sizeof(*fs));
		if (!fs)
			return HF_ENOMEM;
		m->free_slots = fs;
		si = (uint32_t)m->n_slots++;
	}
	hfn_slot *s = &m->slots[si];
	memset(s, 0, sizeof(*s));
	s->list = list;
	s->alg = e->alg;
	s->quality = e->quality;
	s->category = e->category;
	s->entry = e->id;
	s->expires_ms = e->expires_ms;
	s->batch = batch;
	s->issued_ms = issued_ms;
	s->snap = snap;
	if (e->alg != HF_ALG_VPDQ)
		memcpy(s->value, e->value, hf_hash_alg_len(e->alg));
	if (m->n_flags) {
		const flagrec *f = flag_find(m, list, e->id);
		s->flags = f ? f->state : 0;
	}
	uint64_t ref = (uint64_t)si + 1;
	if (e->alg == HF_ALG_VPDQ) {
		/* The frames go into the shared PDQ index, keyed to this slot (vpdq_index.h). */
		hf_vpdq v;
		memset(&v, 0, sizeof(v));
		rc = hf_list_video_unpack(e, &v);
		if (rc == HF_OK)
			rc = hf_vpdq_index_add(m->vidx, &v, ref);
		hf_vpdq_clear(&v);
		if (rc == HF_ELOWQUALITY) { /* no frame of quality >= 50: it could never match */
			s->list = HFN_SLOT_FREE;
			m->free_slots[m->n_free++] = si;
			return HF_OK;
		}
	} else if (e->alg == HF_ALG_PDQ && pend)
		rc = pend_push(pend, e->value, e->quality, ref);
	else
		rc = e->alg == HF_ALG_PDQ ? hf_pdq_index_add(m->pdq, e->value, e->quality, ref)
		                          : hf_exact_index_add(m->exact[e->alg], e->value,
		                                               hf_hash_alg_len(e->alg), ref);
	if (rc != HF_OK) {
		s->list = HFN_SLOT_FREE;
		m->free_slots[m->n_free++] = si;
		return rc;
	}
	/* Not in the map: removed above, or above every id this list ever added. */
	m->map[map_free_pos(m, list, e->id)] = si + 1;
	m->map_used++;
	return HF_OK;
}

static hf_err pend_index(hfn_match *m, const hfn_pdq_pend *pend)
{
	return pend->n ? hf_pdq_index_add_batch(m->pdq, pend->hashes, pend->quals, pend->refs,
	                                        pend->n, NULL)
	               : HF_OK;
}

/* Releases the slots of the deferred PDQ entries again (and their index entries, if they
 * were inserted), so the matcher and the index never disagree. rc: the first error. */
static hf_err pend_undo(hfn_match *m, uint32_t list, const hfn_pdq_pend *pend, hf_err rc)
{
	for (size_t i = 0; i < pend->n; i++) {
		const hfn_slot *s = &m->slots[pend->refs[i] - 1];
		hf_err r2 = entry_remove(m, list, s->entry); /* index: HF_ENOTFOUND if not in */
		if (r2 != HF_OK && rc == HF_OK)
			rc = r2;
	}
	return rc;
}

/* Inserts the deferred PDQ entries; on failure their slots are released again. Always
 * empties pend. */
static hf_err pend_flush(hfn_match *m, uint32_t list, hfn_pdq_pend *pend)
{
	hf_err rc = pend_index(m, pend);
	if (rc != HF_OK)
		rc = pend_undo(m, list, pend, rc);
	pend_free(pend);
	return rc;
}

static void *job_main(void *arg)
{
	hfn_match *m = arg;
	m->job_rc = pend_index(m, m->job);
	return NULL;
}

/* ---- hooks -------------------------------------------------------------------------- */

hf_err hfn_match_batch_begin(hfn_node *n, const hfn_store_list *l, const hf_list_batch *b,
                             const uint8_t *env, size_t env_len)
{
	hfn_match *m = n->match;
	hf_envelope_header h;
	hf_list_iter it;
	hf_list_entry e;
	uint32_t li;
	uint64_t issued = 0, now = hfn_now_ms();
	if (!m)
		return HF_OK;
	if (hf_envelope_peek(env, env_len, &h) == HF_OK)
		issued = h.created_ms;
	HF_TRY(list_get(m, l, &li));
	if (b->n_added) {
		uint64_t last = b->first_id + b->n_added - 1;
		HF_TRY(hfn_store_prov_put(n->store, &l->id, b->first_id, last, b->number, issued,
		                          false));
		HF_TRY(prov_add(&m->lists[li], b->first_id, last, b->number, issued, false));
	}
	hfn_pdq_pend *pend = calloc(1, sizeof(*pend));
	hf_err rc = pend ? map_reserve(m, m->map_used + b->n_added) : HF_ENOMEM;
	hf_list_batch_iter(b, &it);
	while (rc == HF_OK && hf_list_iter_next(&it, &e)) {
		/* The map cell of the entry HFN_MAP_AHEAD on (a batch's ids are consecutive; the
		 * map cannot grow meanwhile, reserved above): the probe missed the cache for
		 * every entry, 60 % of entry_add in the bench_sync profile. */
		__builtin_prefetch(&m->map[map_hash(li, e.id + HFN_MAP_AHEAD, m->map_cap)], 1);
		rc = entry_add(m, li, &e, b->number, issued, false, now, pend);
	}
	if (rc != HF_OK) {
		if (pend)
			(void)pend_flush(m, li, pend);
		free(pend);
		return rc;
	}
	m->job = pend;
	m->job_list = li;
	m->job_rc = HF_OK;
	m->job_thread =
	    pend->n >= HFN_MATCH_ASYNC_MIN && pthread_create(&m->job_tid, NULL, job_main, m) == 0;
	return HF_OK;
}

hf_err hfn_match_batch_end(hfn_node *n, const hf_list_batch *b, bool stored)
{
	hfn_match *m = n->match;
	if (!m || !m->job)
		return HF_OK;
	hfn_pdq_pend *pend = m->job;
	uint32_t li = m->job_list;
	hf_err rc = HF_OK;
	if (m->job_thread) {
		pthread_join(m->job_tid, NULL);
		rc = m->job_rc;
	} else if (stored) {
		rc = pend_index(m, pend);
	}
	m->job = NULL;
	m->job_thread = false;
	if (rc != HF_OK || !stored)
		rc = pend_undo(m, li, pend, rc);
	pend_free(pend);
	free(pend);
	HF_TRY(rc);
	if (!stored)
		return HF_OK;
	/* After the insertion: a tombstone may name an entry of this batch. */
	for (uint32_t i = 0; i < b->n_removed; i++)
		HF_TRY(entry_remove(m, li, hf_list_batch_removed(b, i)));
	return HF_OK;
}

hf_err hfn_match_on_snapshot(hfn_node *n, const hfn_store_list *l, const hf_list_snapshot *sn)
{
	hfn_match *m = n->match;
	hf_list_iter it;
	hf_list_entry e;
	uint32_t li;
	uint64_t now = hfn_now_ms(), lo = UINT64_MAX, hi = 0;
	if (!m)
		return HF_OK;
	HF_TRY(list_get(m, l, &li));
	if (sn->part == 0) { /* the snapshot replaces the list: rare, so a scan is fine */
		for (size_t i = 0; i < m->n_slots; i++)
			if (m->slots[i].list == li)
				HF_TRY(entry_remove(m, li, m->slots[i].entry));
		HF_TRY(hfn_store_prov_clear(n->store, &l->id));
		m->lists[li].n_prov = 0;
	}
	hf_list_snapshot_iter(sn, &it);
	while (hf_list_iter_next(&it, &e)) {
		lo = e.id < lo ? e.id : lo;
		hi = e.id > hi ? e.id : hi;
		HF_TRY(entry_add(m, li, &e, sn->at_batch, 0, true, now, NULL));
	}
	if (hi) {
		HF_TRY(hfn_store_prov_put(n->store, &l->id, lo, hi, sn->at_batch, 0, true));
		HF_TRY(prov_add(&m->lists[li], lo, hi, sn->at_batch, 0, true));
	}
	return HF_OK;
}

typedef struct hfn_ids {
	uint64_t *v;
	size_t n, cap;
} hfn_ids;

static hf_err ids_push(hfn_ids *x, uint64_t id)
{
	HF_TRY(hfn_grow((void **)&x->v, &x->cap, x->n + 1, sizeof(*x->v)));
	x->v[x->n++] = id;
	return HF_OK;
}

hf_err hfn_match_on_report(hfn_node *n, const hfn_in_msg *m, hfn_disp *disp, hf_err *status)
{
	const hf_match_report r = m->u.report;
	const uint8_t *sender = m->sender;
	hfn_store_list l;
	hfn_ids dis = {NULL, 0, 0}, quar = {NULL, 0, 0};
	bool applied = false;
	uint64_t total = 0, now = hfn_now_ms();
	hf_err rc;
	*disp = HFN_DONE;
	/* reports go to the issuer only, from an entitled platform */
	HF_TRY(hfn_store_list_check_entitled(n->store, &r.list_id, sender, &l, status));
	if (*status != HF_OK)
		return HF_OK;
	for (uint32_t i = 0; i < r.n_counts; i++)
		total += hf_match_report_count(&r, i).matches;
	HF_CHECK(hfn_store_report_put(n->store, &r.list_id, sender, r.day, r.revision, total,
	                              r.counts_raw, (size_t)r.n_counts * HF_MATCH_REPORT_COUNT_LEN,
	                              now, &applied));
	if (applied) {
		for (uint32_t i = 0; i < r.n_disabled; i++)
			HF_CHECK(ids_push(&dis, hf_match_report_disabled(&r, i)));
		for (uint32_t i = 0; i < r.n_quarantined; i++)
			HF_CHECK(ids_push(&quar, hf_match_report_quarantined(&r, i)));
		HF_CHECK(hfn_store_signals_replace(n->store, &r.list_id, sender, HFN_MATCH_DISABLED,
		                                   dis.v, dis.n, now));
		HF_CHECK(hfn_store_signals_replace(n->store, &r.list_id, sender,
		                                   HFN_MATCH_QUARANTINED, quar.v, quar.n, now));
	}
	char lh[33], ph[33], day[16], tot[24], nd[16], nq[16];
	hf_list_id_hex(&r.list_id, lh);
	hfn_hex(sender, 16, ph);
	snprintf(day, sizeof(day), "#%u", r.day);
	snprintf(tot, sizeof(tot), "#%llu", (unsigned long long)total);
	snprintf(nd, sizeof(nd), "#%u", r.n_disabled);
	snprintf(nq, sizeof(nq), "#%u", r.n_quarantined);
	hfn_log(HFN_LOG_INFO, "match_report_received", "list", lh, "platform", ph, "day", day,
	        "matches", tot, "disabled", nd, "quarantined", nq, "applied",
	        applied ? "#true" : "#false", NULL);
	*status = applied ? HF_OK : HF_EREPLAY; /* an older revision changes nothing */
	rc = HF_OK;
out:
	free(dis.v);
	free(quar.v);
	return rc;
}

/* ---- queries ----------------------------------------------------------------------- */

static bool collect(void *ctx, uint64_t ref, unsigned distance)
{
	hfn_match *m = ctx;
	if (hfn_grow((void **)&m->scratch, &m->cap_scratch, m->n_scratch + 1,
	             sizeof(*m->scratch)) != HF_OK)
		return false;
	m->scratch[m->n_scratch++] = (hfn_hitref){ref, distance, -1.0};
	return true;
}

/* PDQ hits from m->scratch[from..]: a hit on a video entry's frame (a tagged ref) becomes a
 * hit on the video's slot with that frame's time, one per video (the nearest frame, the
 * earliest of equals): a still image matches a video whose frame it is. */
static void resolve_frames(hfn_match *m, size_t from)
{
	size_t k = from;
	for (size_t i = from; i < m->n_scratch; i++) {
		hfn_hitref h = m->scratch[i];
		if (h.ref & HF_VPDQ_REF_TAG) {
			uint64_t vref;
			double sec;
			if (!hf_vpdq_index_frame_ref(m->vidx, h.ref, &vref, NULL, &sec))
				continue;
			h.ref = vref;
			h.seconds = sec;
			size_t j = from;
			while (j < k && m->scratch[j].ref != vref)
				j++;
			if (j < k) {
				hfn_hitref *o = &m->scratch[j];
				if (h.distance < o->distance ||
				    (h.distance == o->distance && sec < o->seconds))
					*o = h;
				continue;
			}
		}
		m->scratch[k++] = h;
	}
	m->n_scratch = k;
}

static bool allowed(hfn_match *m, unsigned alg, const uint8_t *value)
{
	size_t before = m->n_scratch;
	if (!m->allow_n || alg > HF_ALG_SHA256)
		return false; /* the allow-list holds fixed-length values (not video entries) */
	if (hf_exact_index_query_cb(m->allow[alg], value, hf_hash_alg_len(alg), collect, m) !=
	    HF_OK)
		return false;
	bool hit = m->n_scratch > before;
	m->n_scratch = before;
	return hit;
}

/* The index hits for value into m->scratch (video frames resolved to their videos). */
static hf_err collect_hits(hfn_match *m, unsigned alg, const uint8_t *value, size_t len,
                           int quality)
{
	m->n_scratch = 0;
	if (alg == HF_ALG_PDQ) {
		HF_TRY(
		    hf_pdq_index_query_cb(m->pdq, value, quality, m->cfg.max_distance, collect, m));
		resolve_frames(m, 0);
		return HF_OK;
	}
	return hf_exact_index_query_cb(m->exact[alg], value, len, collect, m);
}

/* What a callback is told about a hit on slot s. */
static hfn_match_hit hit_of(const hfn_match *m, const hfn_slot *s, unsigned distance,
                            double frame_seconds, const hf_vpdq_match_result *video)
{
	const mlist *ml = &m->lists[s->list];
	return (hfn_match_hit){
	    .list_id = &ml->id,
	    .list_name = ml->name,
	    .issuer = ml->issuer,
	    .entry_id = s->entry,
	    .alg = s->alg,
	    .value = s->value,
	    .category = s->category,
	    .distance = distance,
	    .batch = s->batch,
	    .issued_ms = s->issued_ms,
	    .via_snapshot = s->snap,
	    .frame_seconds = frame_seconds,
	    .video = video,
	};
}

static void log_entry(const char *event, hfn_log_level lv, const hfn_match *m, uint32_t list,
                      uint64_t entry, const char *why)
{
	char lh[33], en[24];
	hf_list_id_hex(&m->lists[list].id, lh);
	snprintf(en, sizeof(en), "#%llu", (unsigned long long)entry);
	hfn_log(lv, event, "list", lh, "entry", en, "reason", why, NULL);
}

static hf_err hfn_quarantine(hfn_match *m, hfn_slot *s)
{
	hf_err rc;
	uint32_t list = s->list;
	uint64_t entry = s->entry, now = hfn_now_ms();
	char why[64];
	snprintf(why, sizeof(why), "more than %u distinct uploads in %llu ms",
	         m->cfg.flood_threshold, (unsigned long long)m->cfg.flood_window_ms);
	HF_TRY(hfn_store_begin(m->n->store));
	HF_CHECK(hfn_store_flag_put(m->n->store, &m->lists[list].id, entry, HFN_MATCH_QUARANTINED,
	                            why, now));
	HF_CHECK(hfn_store_match_dirty(m->n->store, &m->lists[list].id, hfn_match_day(now)));
	HF_CHECK(hfn_store_commit(m->n->store));
	HF_TRY(flag_set(m, list, entry, HFN_MATCH_QUARANTINED));
	log_entry("match_entry_quarantined", HFN_LOG_WARN, m, list, entry, why);
	return HF_OK;
out:
	hfn_store_rollback(m->n->store);
	return rc;
}

/* Flood quarantine: true if this upload takes the entry over the threshold. */
static hf_err flood_check(hfn_match *m, hfn_slot *s, uint64_t fp, uint64_t now, bool *over)
{
	uint32_t cap = m->cfg.flood_threshold;
	uint64_t window = now / m->cfg.flood_window_ms;
	*over = false;
	if (cap == 0)
		return HF_OK;
	if (!s->flood) {
		s->flood = malloc(sizeof(hfn_flood) + cap * sizeof(uint64_t));
		if (!s->flood)
			return HF_ENOMEM;
		s->flood->window = window;
		s->flood->n = 0;
	}
	if (s->flood->window != window) {
		s->flood->window = window;
		s->flood->n = 0;
	}
	for (uint32_t i = 0; i < s->flood->n; i++)
		if (s->flood->fp[i] == fp)
			return HF_OK; /* the same upload again is not a new one */
	if (s->flood->n < cap) {
		s->flood->fp[s->flood->n++] = fp;
		return HF_OK;
	}
	*over = true;
	return HF_OK;
}

static hf_err count_hit(hfn_match *m, uint32_t si, uint64_t now)
{
	uint32_t day = hfn_match_day(now);
	if (day != m->pending_day)
		HF_TRY(hfn_match_flush(m, false)); /* counts belong to the day they happened */
	if (m->slots[si].pending++ == 0) {
		HF_TRY(
		    hfn_grow((void **)&m->dirty, &m->cap_dirty, m->n_dirty + 1, sizeof(*m->dirty)));
		m->dirty[m->n_dirty++] = si;
	}
	return HF_OK;
}

hf_err hfn_match_query_run(hfn_match *m, const hfn_match_query *q, hfn_match_hit_fn fn, void *ctx,
                           hfn_match_result *res)
{
	uint64_t now = hfn_now_ms(), fp = 0;
	size_t len = hf_hash_alg_len(q->alg);
	memset(res, 0, sizeof(*res));
	if (len == 0)
		return HF_EINVAL;
	if (q->alg == HF_ALG_PDQ && q->quality < m->cfg.min_quality)
		return HF_ELOWQUALITY;
	m->queries++;
	if (allowed(m, q->alg, q->value)) {
		res->allowlisted = true;
		return HF_OK;
	}
	HF_TRY(collect_hits(m, q->alg, q->value, len, q->quality));
	if (q->upload && q->upload_len)
		crypto_generichash((uint8_t *)&fp, sizeof(fp), q->upload, q->upload_len, NULL, 0);
	else
		crypto_generichash((uint8_t *)&fp, sizeof(fp), q->value, len, NULL, 0);
	size_t nh = m->n_scratch;
	for (size_t i = 0; i < nh; i++) {
		hfn_hitref hr = m->scratch[i];
		uint32_t si = (uint32_t)(hr.ref - 1);
		hfn_slot *s = &m->slots[si];
		bool over;
		if (s->list == HFN_SLOT_FREE || (s->expires_ms && s->expires_ms <= now))
			continue; /* expired: out of the active set even before the sweep */
		if (s->flags || allowed(m, s->alg, s->value)) {
			res->suppressed++;
			continue;
		}
		HF_TRY(flood_check(m, s, fp, now, &over));
		if (over) {
			HF_TRY(hfn_quarantine(m, s));
			res->quarantined++;
			res->suppressed++;
			continue;
		}
		HF_TRY(count_hit(m, si, now));
		hfn_match_hit h = hit_of(m, s, hr.distance, hr.seconds, NULL);
		m->hits++;
		fn(ctx, &h);
	}
	m->suppressed += res->suppressed;
	return HF_OK;
}

/* ---- video queries ------------------------------------------------------------------ */

typedef struct hfn_vctx {
	hfn_match *m;
	hfn_match_hit_fn fn;
	void *ctx;
	hfn_match_result *res;
	uint64_t fp, now;
	bool count; /* a query run (counted, flood-checked), not a side-effect-free lookup */
	hf_err err;
} hfn_vctx;

static bool on_video(void *ctx, uint64_t ref, const hf_vpdq_match_result *r)
{
	hfn_vctx *c = ctx;
	hfn_match *m = c->m;
	uint32_t si = (uint32_t)(ref - 1);
	hfn_slot *s = &m->slots[si];
	bool over = false;
	if (s->list == HFN_SLOT_FREE || (s->expires_ms && s->expires_ms <= c->now))
		return true;
	if (s->flags) {
		c->res->suppressed++;
		return true;
	}
	if (c->count) {
		c->err = flood_check(m, s, c->fp, c->now, &over);
		if (c->err == HF_OK && over) {
			c->err = hfn_quarantine(m, s);
			c->res->quarantined++;
			c->res->suppressed++;
			return c->err == HF_OK;
		}
		if (c->err == HF_OK)
			c->err = count_hit(m, si, c->now);
		if (c->err != HF_OK)
			return false;
		m->hits++;
	}
	hfn_match_hit h = hit_of(m, s, 0, -1.0, r);
	c->fn(c->ctx, &h);
	return true;
}

hf_vpdq_match_params hfn_match_video_params(const hfn_match *m)
{
	hf_vpdq_match_params p = hf_vpdq_match_params_default();
	p.distance = m->cfg.video_distance;
	p.quality = m->cfg.min_quality;
	p.compared_pct = (double)m->cfg.video_compared_pct;
	p.query_pct = (double)m->cfg.video_query_pct;
	return p;
}

static hf_err video_common(hfn_match *m, const hf_vpdq *q, const hf_vpdq_match_params *p,
                           hfn_vctx *c)
{
	size_t good = 0;
	HF_TRY(hf_vpdq_match_params_check(p));
	/* spec/docs video.md: frames match at distance < D; the index finds <= max_distance. */
	if (p->distance == 0 || p->distance > m->video_max_distance + 1)
		return HF_ERANGE;
	for (size_t i = 0; i < q->count; i++)
		good += q->frames[i].quality >= p->quality &&
		        q->frames[i].quality >= m->cfg.min_quality;
	if (good == 0)
		return HF_ELOWQUALITY; /* no frame the rule would keep */
	HF_TRY(hf_vpdq_index_query(m->vidx, q, p, on_video, c, NULL));
	return c->err;
}

hf_err hfn_match_video_run(hfn_match *m, const hf_vpdq *q, const hf_vpdq_match_params *p,
                           const uint8_t *upload, size_t upload_len, hfn_match_hit_fn fn, void *ctx,
                           hfn_match_result *res)
{
	hfn_vctx c = {m, fn, ctx, res, 0, hfn_now_ms(), true, HF_OK};
	memset(res, 0, sizeof(*res));
	m->queries++;
	if (upload && upload_len) {
		crypto_generichash((uint8_t *)&c.fp, sizeof(c.fp), upload, upload_len, NULL, 0);
	} else { /* the frame hashes stand for the upload */
		crypto_generichash_state st;
		crypto_generichash_init(&st, NULL, 0, sizeof(c.fp));
		for (size_t i = 0; i < q->count; i++)
			crypto_generichash_update(&st, q->frames[i].hash.b, HF_PDQ_HASH_LEN);
		crypto_generichash_final(&st, (uint8_t *)&c.fp, sizeof(c.fp));
	}
	hf_err rc = video_common(m, q, p, &c);
	m->suppressed += res->suppressed;
	return rc;
}

hf_err hfn_match_video_lookup(hfn_match *m, const hf_vpdq *q, hfn_match_hit_fn fn, void *ctx)
{
	hfn_match_result res;
	hf_vpdq_match_params p = hfn_match_video_params(m);
	hfn_vctx c = {m, fn, ctx, &res, 0, hfn_now_ms(), false, HF_OK};
	memset(&res, 0, sizeof(res));
	return video_common(m, q, &p, &c);
}

hf_err hfn_match_lookup(hfn_match *m, unsigned alg, const uint8_t *value, hfn_match_hit_fn fn,
                        void *ctx)
{
	uint64_t now = hfn_now_ms();
	size_t len = hf_hash_alg_len(alg);
	if (len == 0)
		return HF_EINVAL;
	if (allowed(m, alg, value))
		return HF_OK;
	HF_TRY(collect_hits(m, alg, value, len, 100));
	for (size_t i = 0; i < m->n_scratch; i++) {
		hfn_hitref hr = m->scratch[i];
		const hfn_slot *s = &m->slots[hr.ref - 1];
		if (s->list == HFN_SLOT_FREE || (s->expires_ms && s->expires_ms <= now) ||
		    s->flags || allowed(m, s->alg, s->value))
			continue;
		hfn_match_hit h = hit_of(m, s, hr.distance, hr.seconds, NULL);
		fn(ctx, &h);
	}
	return HF_OK;
}

/* ---- defences ------------------------------------------------------------------------- */

static hf_err allow_index(hfn_match *m, unsigned alg, const uint8_t *value)
{
	HF_TRY(hf_exact_index_add(m->allow[alg], value, hf_hash_alg_len(alg), ++m->allow_next));
	m->allow_n++;
	return HF_OK;
}

hf_err hfn_match_allow_add(hfn_match *m, unsigned alg, const uint8_t *value, const char *note)
{
	if (hf_hash_alg_len(alg) == 0)
		return HF_EINVAL;
	HF_TRY(hfn_store_allow_put(m->n->store, alg, value, note, hfn_now_ms()));
	if (!allowed(m, alg, value))
		HF_TRY(allow_index(m, alg, value));
	/* Privacy contract (ARCHITECTURE §2): the value is a list hash more often than not,
	 * so it stays in the store; GET /v1/match/allow shows it to the API's holder. */
	hfn_log(HFN_LOG_INFO, "match_allow_added", "alg", hf_hash_alg_name(alg), "note", note,
	        NULL);
	return HF_OK;
}

hf_err hfn_match_allow_del(hfn_match *m, unsigned alg, const uint8_t *value)
{
	size_t before;
	if (hf_hash_alg_len(alg) == 0)
		return HF_EINVAL;
	HF_TRY(hfn_store_allow_del(m->n->store, alg, value));
	before = m->n_scratch;
	HF_TRY(hf_exact_index_query_cb(m->allow[alg], value, hf_hash_alg_len(alg), collect, m));
	for (size_t i = before; i < m->n_scratch; i++)
		if (hf_exact_index_remove(m->allow[alg], m->scratch[i].ref) == HF_OK)
			m->allow_n--;
	m->n_scratch = before;
	hfn_log(HFN_LOG_INFO, "match_allow_removed", "alg", hf_hash_alg_name(alg), NULL);
	return HF_OK;
}

/* Sets or clears a flag durably and marks today's report of the list for sending. */
static hf_err flag_change(hfn_match *m, const hf_list_id *list, uint64_t entry, hfn_match_flag flag,
                          bool set, const char *reason, const char *event)
{
	uint32_t li;
	hf_err rc;
	uint64_t now = hfn_now_ms();
	if (!list_find(m, list, &li))
		return HF_ENOTFOUND;
	HF_TRY(hfn_store_begin(m->n->store));
	if (set)
		HF_CHECK(hfn_store_flag_put(m->n->store, list, entry, flag, reason, now));
	else
		HF_CHECK(hfn_store_flag_del(m->n->store, list, entry, flag));
	HF_CHECK(hfn_store_match_dirty(m->n->store, list, hfn_match_day(now)));
	HF_CHECK(hfn_store_commit(m->n->store));
	if (set)
		HF_TRY(flag_set(m, li, entry, (uint8_t)flag));
	else
		flag_clear(m, li, entry);
	log_entry(event, HFN_LOG_INFO, m, li, entry, reason);
	return HF_OK;
out:
	hfn_store_rollback(m->n->store);
	return rc;
}

hf_err hfn_match_disable(hfn_match *m, const hf_list_id *list, uint64_t entry, const char *reason)
{
	return flag_change(m, list, entry, HFN_MATCH_DISABLED, true, reason,
	                   "match_entry_disabled");
}

hf_err hfn_match_enable(hfn_match *m, const hf_list_id *list, uint64_t entry)
{
	return flag_change(m, list, entry, HFN_MATCH_DISABLED, false, "operator",
	                   "match_entry_enabled");
}

hf_err hfn_match_release(hfn_match *m, const hf_list_id *list, uint64_t entry)
{
	return flag_change(m, list, entry, HFN_MATCH_QUARANTINED, false, "reviewed",
	                   "match_entry_released");
}

/* ---- counts and reports ------------------------------------------------------------------ */

typedef struct hfn_rep_ctx {
	hf_match_count *c;
	size_t n, cap;
	hfn_ids dis, quar;
	hf_list_id lists[64];
	uint32_t days[64];
	size_t n_pairs;
} hfn_rep_ctx;

static hf_err rep_pair(void *ctx, const hf_list_id *list, uint32_t day)
{
	hfn_rep_ctx *r = ctx;
	if (r->n_pairs < 64) {
		r->lists[r->n_pairs] = *list;
		r->days[r->n_pairs++] = day;
	}
	return HF_OK;
}

static hf_err rep_count(void *ctx, uint64_t entry, uint64_t n)
{
	hfn_rep_ctx *r = ctx;
	if (r->n >= HF_MATCH_REPORT_MAX_COUNTS || entry == 0 || n == 0)
		return HF_OK; /* bounded by the wire limit; the busiest day of a huge list is cut */
	HF_TRY(hfn_grow((void **)&r->c, &r->cap, r->n + 1, sizeof(*r->c)));
	r->c[r->n++] = (hf_match_count){entry, n > UINT32_MAX ? UINT32_MAX : (uint32_t)n};
	return HF_OK;
}

static hf_err rep_flag(void *ctx, const hf_list_id *list, uint64_t entry, hfn_match_flag state,
                       const char *reason, uint64_t since)
{
	hfn_rep_ctx *r = ctx;
	(void)list;
	(void)reason;
	(void)since;
	hfn_ids *x = state == HFN_MATCH_DISABLED ? &r->dis : &r->quar;
	if (entry == 0 || x->n >= HF_MATCH_REPORT_MAX_FLAGGED)
		return HF_OK;
	return ids_push(x, entry);
}

/* Seals the report of (list, day) to the list's issuer. Inside the caller's transaction. */
static hf_err send_report(hfn_match *m, hfn_rep_ctx *r, const hf_list_id *list, uint32_t day)
{
	hfn_store_list l;
	hf_match_report rep;
	hf_audit_header audit;
	uint8_t *body = NULL, *env = NULL;
	hf_msg_id msg_id;
	size_t body_len, env_len;
	hf_err rc;
	uint64_t now = hfn_now_ms();
	r->n = r->dis.n = r->quar.n = 0;
	rc = hfn_store_list_get(m->n->store, list, &l);
	if (rc == HF_ENOTFOUND || (rc == HF_OK && l.mine))
		return hfn_store_match_clean(m->n->store, list, day);
	HF_TRY(rc);
	HF_TRY(hfn_store_match_counts(m->n->store, list, day, rep_count, r));
	HF_TRY(hfn_store_flags(m->n->store, list, rep_flag, r));
	memset(&rep, 0, sizeof(rep));
	rep.list_id = *list;
	rep.day = day;
	rep.revision = now;
	HF_CHECK(hf_match_report_encode(&rep, r->c, r->n, r->dis.v, r->dis.n, r->quar.v, r->quar.n,
	                                &body, &body_len));
	memset(&audit, 0, sizeof(audit));
	audit.fields = HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_ITEMS;
	memcpy(audit.subject, list->b, sizeof audit.subject);
	audit.seq = day;
	audit.items = (uint32_t)(r->n > HF_MAX_AUDIT_ITEMS ? HF_MAX_AUDIT_ITEMS : r->n);
	HF_CHECK(hfn_node_seal(m->n, HF_MSG_MATCH_REPORT,
	                       (const uint8_t(*)[HF_MEMBER_ID_LEN])l.issuer, 1, &audit,
	                       HFN_REPORT_LIFETIME_MS, body, body_len, &msg_id, &env, &env_len));
	HF_CHECK(hfn_store_outbox_add(m->n->store, &msg_id, l.issuer, NULL, 0, env, env_len, now));
	HF_CHECK(hfn_store_match_clean(m->n->store, list, day));
	m->n->msgs_out++;
	char lh[33], d[16], c[16];
	hf_list_id_hex(list, lh);
	snprintf(d, sizeof(d), "#%u", day);
	snprintf(c, sizeof(c), "#%zu", r->n);
	hfn_log(HFN_LOG_INFO, "match_report_sent", "list", lh, "day", d, "entries", c, NULL);
out:
	free(body);
	free(env);
	return rc;
}

hf_err hfn_match_flush(hfn_match *m, bool send_reports)
{
	hf_err rc = HF_OK;
	hfn_rep_ctx *r = NULL;
	if (m->n_dirty) {
		HF_TRY(hfn_store_begin(m->n->store));
		for (size_t i = 0; i < m->n_dirty; i++)
			HF_CHECK(count_write(m, &m->slots[m->dirty[i]]));
		HF_CHECK(hfn_store_commit(m->n->store));
		m->n_dirty = 0;
	}
	m->pending_day = hfn_match_day(hfn_now_ms());
	if (!send_reports)
		return HF_OK;
	r = calloc(1, sizeof(*r));
	if (!r)
		return HF_ENOMEM;
	HF_CHECK(hfn_store_match_dirty_all(m->n->store, 64, rep_pair, r));
	for (size_t i = 0; i < r->n_pairs; i++) {
		HF_CHECK(hfn_store_begin(m->n->store));
		rc = send_report(m, r, &r->lists[i], r->days[i]);
		if (rc != HF_OK) {
			/* An issuer without a valid key now: keep it dirty, try next time. */
			hfn_store_rollback(m->n->store);
			hfn_log(HFN_LOG_WARN, "match_report_failed", "code", hf_err_name(rc), NULL);
			rc = HF_OK;
			continue;
		}
		HF_CHECK(hfn_store_commit(m->n->store));
	}
	if (r->n_pairs)
		hfn_transport_kick(m->n->tr);
out:
	if (rc != HF_OK)
		hfn_store_rollback(m->n->store);
	if (r) {
		free(r->c);
		free(r->dis.v);
		free(r->quar.v);
		free(r);
	}
	return rc;
}

/* ---- timers, start, stop ------------------------------------------------------------------ */

static void hfn_sweep(hfn_match *m, uint64_t now)
{
	size_t gone = 0;
	for (size_t i = 0; i < m->n_slots; i++) {
		hfn_slot *s = &m->slots[i];
		if (s->list == HFN_SLOT_FREE || !s->expires_ms || s->expires_ms > now)
			continue;
		if (entry_remove(m, s->list, s->entry) == HF_OK)
			gone++;
	}
	if (gone) {
		char g[24];
		snprintf(g, sizeof(g), "#%zu", gone);
		hfn_log(HFN_LOG_INFO, "match_entries_expired", "count", g, NULL);
	}
}

static void hfn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	hfn_match *m = arg;
	uint64_t now = hfn_now_ms();
	(void)fd;
	(void)what;
	bool report = now >= m->next_report;
	if (now >= m->next_flush || report) {
		hf_err rc = hfn_match_flush(m, report);
		if (rc != HF_OK)
			hfn_log(HFN_LOG_ERROR, "match_flush_failed", "code", hf_err_name(rc), NULL);
		m->next_flush = now + m->cfg.flush_interval_ms;
		if (report)
			m->next_report = now + m->cfg.report_interval_ms;
	}
	if (now >= m->next_sweep) {
		hfn_sweep(m, now);
		m->next_sweep = now + m->cfg.expiry_sweep_ms;
	}
}

typedef struct hfn_load_ctx {
	hfn_match *m;
	uint32_t li;
	uint64_t now, last, count;
	hf_err err;
} hfn_load_ctx;

static hf_err load_entry(void *ctx, const hf_list_entry *e)
{
	hfn_load_ctx *c = ctx;
	const hfn_prov *p = prov_of(&c->m->lists[c->li], e->id);
	c->last = e->id;
	c->count++;
	hf_err rc = entry_add(c->m, c->li, e, p ? p->batch : 0, p ? p->issued_ms : 0,
	                      p ? p->snap : false, c->now, NULL);
	return rc == HF_EINVAL ? HF_OK : rc;
}

static hf_err load_list(void *ctx, const hfn_store_list *l)
{
	hfn_load_ctx *c = ctx;
	if (l->mine)
		return HF_OK; /* the issuer does not match against its own lists */
	HF_TRY(list_get(c->m, l, &c->li));
	return HF_OK;
}

static hf_err load_prov(void *ctx, const hf_list_id *list, uint64_t first, uint64_t last,
                        uint64_t batch, uint64_t issued, bool snap)
{
	hfn_match *m = ctx;
	mlist *ml = list_find(m, list, NULL);
	return ml ? prov_add(ml, first, last, batch, issued, snap) : HF_OK;
}

static hf_err load_flag(void *ctx, const hf_list_id *list, uint64_t entry, hfn_match_flag state,
                        const char *reason, uint64_t since)
{
	hfn_match *m = ctx;
	uint32_t li;
	(void)reason;
	(void)since;
	return list_find(m, list, &li) ? flag_set(m, li, entry, (uint8_t)state) : HF_OK;
}

static hf_err load_allow(void *ctx, unsigned alg, const uint8_t *value, const char *note,
                         uint64_t added)
{
	(void)note;
	(void)added;
	return allow_index(ctx, alg, value);
}

static hf_err load(hfn_match *m)
{
	hfn_load_ctx c = {m, 0, hfn_now_ms(), 0, 0, HF_OK};
	HF_TRY(hfn_store_lists(m->n->store, load_list, &c));
	HF_TRY(hfn_store_prov_all(m->n->store, load_prov, m));
	HF_TRY(hfn_store_flags(m->n->store, NULL, load_flag, m));
	HF_TRY(hfn_store_allow_all(m->n->store, load_allow, m));
	for (uint32_t li = 0; li < m->n_lists; li++) {
		c.li = li;
		c.last = 0;
		for (;;) {
			uint64_t before = c.count;
			HF_TRY(hfn_store_entries_active(m->n->store, &m->lists[li].id, c.now,
			                                c.last, HFN_LOAD_PAGE, load_entry, &c));
			if (c.count - before < HFN_LOAD_PAGE)
				break;
		}
	}
	char nl[24], ne[24], np[24];
	snprintf(nl, sizeof(nl), "#%zu", m->n_lists);
	snprintf(ne, sizeof(ne), "#%llu", (unsigned long long)c.count);
	snprintf(np, sizeof(np), "#%zu", hf_pdq_index_count(m->pdq));
	hfn_log(HFN_LOG_INFO, "match_index_loaded", "lists", nl, "entries", ne, "pdq", np, "kernel",
	        hf_pdq_index_kernel(m->pdq), NULL);
	return HF_OK;
}

static void match_free(hfn_match *m)
{
	if (!m)
		return;
	if (m->timer)
		event_free(m->timer);
	for (size_t i = 0; i < m->n_slots; i++)
		free(m->slots[i].flood);
	for (size_t i = 0; i < m->n_lists; i++)
		free(m->lists[i].prov);
	hf_vpdq_index_free(m->vidx); /* before the PDQ index it shares */
	hf_pdq_index_free(m->pdq);
	for (int a = 0; a < 4; a++) {
		hf_exact_index_free(m->exact[a]);
		hf_exact_index_free(m->allow[a]);
	}
	free(m->lists);
	free(m->slots);
	free(m->free_slots);
	free(m->map);
	free(m->flags);
	free(m->dirty);
	free(m->scratch);
	free(m);
}

hf_err hfn_match_start(hfn_node *n)
{
	hfn_match *m = calloc(1, sizeof(*m));
	hf_err rc;
	if (!m)
		return HF_ENOMEM;
	m->n = n;
	m->cfg = n->cfg.match;
	hf_vpdq_ffmpeg_log(false); /* FFmpeg's own warnings about hostile uploads: not ours */
	if (m->cfg.min_quality == 0 && m->cfg.max_distance == 0 && m->cfg.flood_window_ms == 0)
		hfn_match_config_defaults(&m->cfg); /* a config built without the loader */
	if (m->cfg.video_distance == 0)             /* a config built without the loader */
		m->cfg.video_distance = 31;
	/* One PDQ index for photo entries and video frames. It finds what the widest query
	 * needs: photo queries ask for max_distance (<=), video ones for < video_distance,
	 * and the video index wants at least 30 (vpdq_index.h). */
	unsigned maxd = m->cfg.max_distance ? m->cfg.max_distance : 1;
	if (m->cfg.video_distance - 1 > maxd)
		maxd = m->cfg.video_distance - 1;
	if (maxd < 30)
		maxd = 30;
	m->video_max_distance = maxd;
	hf_pdq_index_opts o = {.max_distance = maxd,
	                       .min_quality = m->cfg.min_quality ? m->cfg.min_quality : 1};
	HF_CHECK(hf_pdq_index_new(&m->pdq, &o));
	HF_CHECK(hf_vpdq_index_new(&m->vidx, m->pdq));
	HF_CHECK(hf_exact_index_new(&m->exact[HF_ALG_MD5], 16));
	HF_CHECK(hf_exact_index_new(&m->exact[HF_ALG_SHA256], 32));
	HF_CHECK(hf_exact_index_new(&m->allow[HF_ALG_PDQ], 32));
	HF_CHECK(hf_exact_index_new(&m->allow[HF_ALG_MD5], 16));
	HF_CHECK(hf_exact_index_new(&m->allow[HF_ALG_SHA256], 32));
	m->pending_day = hfn_match_day(hfn_now_ms());
	HF_CHECK(load(m));
	uint64_t now = hfn_now_ms();
	m->next_flush = now + m->cfg.flush_interval_ms;
	m->next_report = now + m->cfg.report_interval_ms;
	m->next_sweep = now + m->cfg.expiry_sweep_ms;
	if (n->base) {
		struct timeval tv = {0, 100000};
		m->timer = event_new(n->base, -1, EV_PERSIST, hfn_on_timer, m);
		if (!m->timer || event_add(m->timer, &tv) != 0) {
			rc = HF_ENOMEM;
			goto out;
		}
	}
	n->match = m;
	return HF_OK;
out:
	hfn_log(HFN_LOG_ERROR, "match_start_failed", "code", hf_err_name(rc), NULL);
	match_free(m);
	return rc;
}

void hfn_match_stop(hfn_node *n)
{
	hfn_match *m = n->match;
	if (!m)
		return;
	if (hfn_match_flush(m, false) != HF_OK)
		hfn_log(HFN_LOG_ERROR, "match_flush_failed", NULL);
	match_free(m);
	n->match = NULL;
}

void hfn_match_get_stats(const hfn_match *m, hfn_match_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lists = m->n_lists;
	st->pdq = hf_pdq_index_count(m->pdq);
	st->md5 = hf_exact_index_count(m->exact[HF_ALG_MD5]);
	st->sha256 = hf_exact_index_count(m->exact[HF_ALG_SHA256]);
	st->videos = hf_vpdq_index_count(m->vidx, &st->video_frames);
	st->pdq -= st->video_frames; /* the PDQ index holds both */
	st->allow = m->allow_n;
	st->flagged = m->n_flags;
	st->pdq_bytes = hf_pdq_index_memory_bytes(m->pdq);
	st->kernel = hf_pdq_index_kernel(m->pdq);
	st->queries = m->queries;
	st->hits = m->hits;
	st->suppressed = m->suppressed;
}
