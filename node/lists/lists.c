/* Lists engine: publish batches and snapshots, apply them in chain order, serve pulls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lists/lists.h"
#include "core/log.h"
#include "core/util.h"
#include "hashfed/rules.h"
#include "match/match.h"
#include "hf_check.h"

#define HFN_BATCH_LIFETIME_MS HF_MAX_LIFETIME_MS
#define HFN_PULL_LIFETIME_MS  10000u /* a stale pull is dropped, not retried */
/* Logged like an order message: receivers refuse what is older (spec §5.6 step 12). */
#define HFN_ACK_LIFETIME_MS HF_MAX_BACKDATE_MS
#define HFN_PULL_SERVE_MAX  256u
#define HFN_PULL_MIN_GAP_MS 1000u
/* Bytes of records one batch or snapshot part carries: the body limit less room for its
 * other keys. Video entries (up to 2 + 41 * 8192 bytes each) make this bind before
 * HF_LIST_MAX_BATCH_ENTRIES does (spec §12.2). */
#define HFN_LIST_RECORD_BUDGET (HF_MAX_BODY_SIZE - 65536u)

/* Wire bytes of e's record (spec §12.2), with the snapshot's id when with_id. */
static size_t rec_bytes(const hf_list_entry *e, bool with_id)
{
	return (with_id ? 8u : 0u) + 12u + HF_PSEUDONYM_LEN + hf_list_entry_value_len(e);
}

/* How many of e[0..count) go into one batch: at least one, at most
 * HF_LIST_MAX_BATCH_ENTRIES, records within HFN_LIST_RECORD_BUDGET. */
static size_t chunk_len(const hf_list_entry *e, size_t count)
{
	size_t k = 0, bytes = 0;
	while (k < count && k < HF_LIST_MAX_BATCH_ENTRIES) {
		size_t b = rec_bytes(&e[k], false);
		if (k > 0 && bytes + b > HFN_LIST_RECORD_BUDGET)
			break;
		bytes += b;
		k++;
	}
	return k;
}

void hfn_lists_pseudonym(const hfn_node *n, const char *case_ref, size_t len,
                         uint8_t out[HF_PSEUDONYM_LEN])
{
	crypto_generichash(out, HF_PSEUDONYM_LEN, (const uint8_t *)case_ref, len, n->pseudonym_key,
	                   sizeof(n->pseudonym_key));
}

static void hfn_count(hfn_node *n, const char *name, const char *label, int64_t v)
{
	if (hfn_store_count(n->store, name, label, v) != HF_OK)
		hfn_log(HFN_LOG_ERROR, "counter_failed", "name", name, NULL);
}

/* ---- issuer side ------------------------------------------------------- */

/* Recipients of a list's batches: the issuer itself (so it can re-read and serve them) and
 * the entitled platforms. */
static hf_err recipients(hfn_node *n, const hf_list_id *list, uint8_t (*out)[HF_MEMBER_ID_LEN],
                         size_t *count)
{
	memcpy(out[0], n->self, HF_MEMBER_ID_LEN);
	HF_TRY(hfn_store_entitled(n->store, list, out + 1, HFN_LISTS_MAX_PLATFORMS, count));
	(*count)++;
	return HF_OK;
}

/* Builds, seals and stores batch head+1 of l and queues it for every platform. Inside the
 * caller's transaction; updates *l. */
static hf_err hfn_publish(hfn_node *n, hfn_store_list *l, const hf_list_entry *add, size_t na,
                          const uint64_t *rm, size_t nr)
{
	uint8_t rcpt[HFN_LISTS_MAX_PLATFORMS + 1][HF_MEMBER_ID_LEN];
	hf_msg_id msg_id;
	uint8_t *body = NULL, *env = NULL;
	size_t n_rcpt, body_len, env_len;
	hf_list_batch b;
	hf_audit_header audit;
	hf_err rc;
	memset(&b, 0, sizeof(b));
	b.list_id = l->id;
	b.number = l->head_n + 1;
	memcpy(b.prev_hash, l->head_hash, HF_LIST_HASH_LEN);
	b.has_meta = b.number == 1;
	b.meta.name = l->name;
	b.meta.name_len = strlen(l->name);
	b.meta.category = l->category;
	b.meta.algs = l->algs;
	b.first_id = l->next_id;
	HF_CHECK(recipients(n, &l->id, rcpt, &n_rcpt));
	HF_CHECK(hf_list_batch_encode(&b, add, na, rm, nr, &body, &body_len));
	memset(&audit, 0, sizeof(audit));
	audit.fields = HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_ITEMS | HF_AUDIT_CATEGORY;
	memcpy(audit.subject, l->id.b, sizeof audit.subject);
	audit.seq = b.number;
	audit.items = (uint32_t)(na + nr > HF_MAX_AUDIT_ITEMS ? HF_MAX_AUDIT_ITEMS : na + nr);
	audit.category = l->category;
	HF_CHECK(hfn_node_seal(n, HF_MSG_LIST_BATCH, (const uint8_t(*)[HF_MEMBER_ID_LEN])rcpt,
	                       n_rcpt, &audit, HFN_BATCH_LIFETIME_MS, body, body_len, &msg_id, &env,
	                       &env_len));
	for (size_t i = 0; i < na; i++) {
		hf_list_entry e = add[i];
		e.id = b.first_id + i;
		HF_CHECK(hfn_store_entry_put(n->store, &l->id, &e));
	}
	for (size_t i = 0; i < nr; i++)
		HF_CHECK(hfn_store_entry_remove(n->store, &l->id, rm[i], b.number));
	hf_list_batch_hash(body, body_len, l->head_hash);
	l->head_n = b.number;
	l->next_id = b.first_id + na;
	HF_CHECK(hfn_store_batch_put(n->store, &l->id, b.number, l->head_hash, env, env_len));
	HF_CHECK(hfn_store_list_put(n->store, l));
	uint64_t now = hfn_now_ms();
	for (size_t i = 1; i < n_rcpt; i++)
		HF_CHECK(hfn_store_outbox_add(n->store, &msg_id, rcpt[i], &l->id, b.number, env,
		                              env_len, now));
	HF_CHECK(hfn_store_count(n->store, "messages_out", "16", (int64_t)(n_rcpt - 1)));
out:
	free(body);
	free(env);
	return rc;
}

static hf_err check_platform(hfn_node *n, const uint8_t member[HF_MEMBER_ID_LEN])
{
	const hf_member *mb;
	hf_err rc;
	pthread_rwlock_rdlock(&n->mlock);
	rc = hf_manifest_find_member(n->manifest, member, &mb);
	/* Platforms match uploads against a list; another authority may be entitled too, to
	 * recognise the same content reported to it (intake dedupe, docs/intake.md). */
	if (rc == HF_OK &&
	    hf_manifest_allows(n->manifest, mb, HF_ROLE_PLATFORM, hfn_now_ms()) != HF_OK)
		rc = hf_manifest_allows(n->manifest, mb, HF_ROLE_AUTHORITY, hfn_now_ms());
	pthread_rwlock_unlock(&n->mlock);
	return rc;
}

hf_err hfn_lists_create(hfn_node *n, const char *name, uint32_t category, uint32_t algs,
                        const uint8_t (*platforms)[HF_MEMBER_ID_LEN], size_t n_platforms,
                        hf_list_id *id_out)
{
	hfn_store_list l;
	hf_err rc;
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > HF_LIST_MAX_NAME_LEN || algs == 0 ||
	    (algs & ~(uint32_t)HF_ALG_MASK_ALL) || n_platforms > HFN_LISTS_MAX_PLATFORMS)
		return HF_EINVAL;
	if (!(n->self_roles & HF_ROLE_AUTHORITY))
		return HF_EROLE;
	for (size_t i = 0; i < n_platforms; i++)
		HF_TRY(check_platform(n, platforms[i]));
	HF_TRY(hfn_store_begin(n->store));
	rc = hfn_store_list_by_name(n->store, name, &l);
	if (rc == HF_OK) {
		rc = HF_EEXIST;
		goto out;
	}
	if (rc != HF_ENOTFOUND)
		goto out;
	memset(&l, 0, sizeof(l));
	randombytes_buf(l.id.b, sizeof l.id.b);
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.category = category;
	l.algs = algs;
	memcpy(l.issuer, n->self, HF_MEMBER_ID_LEN);
	l.mine = true;
	l.next_id = 1;
	HF_CHECK(hfn_store_list_put(n->store, &l));
	for (size_t i = 0; i < n_platforms; i++)
		HF_CHECK(hfn_store_entitle(n->store, &l.id, platforms[i]));
	HF_CHECK(hfn_publish(n, &l, NULL, 0, NULL, 0));
	HF_CHECK(hfn_store_commit(n->store));
	*id_out = l.id;
	hfn_transport_kick(n->tr);
	char hex[33];
	hf_list_id_hex(&l.id, hex);
	hfn_log(HFN_LOG_INFO, "list_created", "list", hex, "name", name, NULL);
	return HF_OK;
out:
	hfn_store_rollback(n->store);
	return rc;
}

static hf_err own_list(hfn_node *n, const hf_list_id *id, hfn_store_list *l)
{
	HF_TRY(hfn_store_list_get(n->store, id, l));
	return l->mine ? HF_OK : HF_ENOTFOUND;
}

hf_err hfn_lists_add(hfn_node *n, const hf_list_id *id, const hf_list_entry *e, size_t count,
                     uint64_t *first_id, uint64_t *last_batch)
{
	hfn_store_list l;
	hf_err rc;
	HF_TRY(own_list(n, id, &l));
	for (size_t i = 0; i < count; i++) {
		bool video = e[i].alg == HF_ALG_VPDQ;
		if ((!video && hf_hash_alg_len(e[i].alg) == 0) || !(l.algs & (1u << e[i].alg)) ||
		    e[i].quality > HF_LIST_MAX_QUALITY)
			return HF_ERANGE;
		/* spec §12.2: 1..HF_LIST_MAX_VIDEO_FRAMES frame records */
		if (video && (!e[i].frames || e[i].n_frames == 0))
			return HF_ERANGE;
		if (video && e[i].n_frames > HF_LIST_MAX_VIDEO_FRAMES)
			return HF_ETOOLONG;
	}
	*first_id = l.next_id;
	/* One batch (and one transaction) per chunk: each is complete and durable on its own. */
	for (size_t off = 0; off < count || (count == 0 && off == 0);) {
		size_t k = chunk_len(e + off, count - off);
		HF_TRY(hfn_store_begin(n->store));
		HF_CHECK(hfn_store_list_get(n->store, id, &l));
		HF_CHECK(hfn_publish(n, &l, e + off, k, NULL, 0));
		HF_CHECK(hfn_store_commit(n->store));
		hfn_transport_kick(n->tr);
		off += k;
		if (count == 0)
			break;
	}
	*last_batch = l.head_n;
	return HF_OK;
out:
	hfn_store_rollback(n->store);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

hf_err hfn_lists_remove(hfn_node *n, const hf_list_id *id, uint64_t *ids, size_t count,
                        uint64_t *batch)
{
	hfn_store_list l;
	hf_err rc;
	size_t k = 0;
	if (count == 0 || count > HF_LIST_MAX_BATCH_REMOVED)
		return HF_EINVAL;
	qsort(ids, count, sizeof(*ids), cmp_u64);
	for (size_t i = 0; i < count; i++)
		if (k == 0 || ids[i] != ids[k - 1])
			ids[k++] = ids[i];
	HF_TRY(hfn_store_begin(n->store));
	HF_CHECK(own_list(n, id, &l));
	for (size_t i = 0; i < k; i++) {
		bool live;
		HF_CHECK(hfn_store_entry_live(n->store, id, ids[i], &live));
		if (!live) {
			rc = HF_ENOTFOUND;
			goto out;
		}
	}
	HF_CHECK(hfn_publish(n, &l, NULL, 0, ids, k));
	*batch = l.head_n;
out:
	return hfn_node_end_send(n, rc);
}

/* Snapshot parts of the active entries, sealed to one platform. A part ends at
 * HF_LIST_MAX_BATCH_ENTRIES records or HFN_LIST_RECORD_BUDGET bytes, whichever comes
 * first; a first pass over the entries finds where each part ends (the count of parts
 * travels in every part). */
typedef struct hfn_snap_ctx {
	hf_list_entry *v; /* collect: this part's entries; video frames copied into frames */
	size_t n;
	uint8_t *frames;
	size_t frames_len;
	/* plan: id of the last entry of each part */
	uint64_t *ends;
	size_t n_ends, cap_ends, part_n, part_bytes;
	size_t part_frames, max_frames; /* video frame bytes of the current / largest part */
	uint64_t last;
	uint64_t bound; /* collect: the current part's last id */
} hfn_snap_ctx;

static hf_err snap_plan(void *ctx, const hf_list_entry *e)
{
	hfn_snap_ctx *c = ctx;
	size_t b = rec_bytes(e, true);
	if (c->part_n && (c->part_n == HF_LIST_MAX_BATCH_ENTRIES ||
	                  c->part_bytes + b > HFN_LIST_RECORD_BUDGET)) {
		HF_TRY(hfn_grow((void **)&c->ends, &c->cap_ends, c->n_ends + 1, sizeof(*c->ends)));
		c->ends[c->n_ends++] = c->last;
		c->part_n = c->part_bytes = c->part_frames = 0;
	}
	c->part_n++;
	c->part_bytes += b;
	if (e->alg == HF_ALG_VPDQ)
		c->part_frames += (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN;
	if (c->part_frames > c->max_frames)
		c->max_frames = c->part_frames;
	c->last = e->id;
	return HF_OK;
}

static hf_err snap_collect(void *ctx, const hf_list_entry *e)
{
	hfn_snap_ctx *c = ctx;
	if (e->id > c->bound)
		return HF_OK; /* the next part's (the plan fits each part in the buffers) */
	c->v[c->n] = *e;
	if (e->alg == HF_ALG_VPDQ) { /* the row's bytes are gone after the callback */
		size_t fl = (size_t)e->n_frames * HF_LIST_VIDEO_FRAME_LEN;
		memcpy(c->frames + c->frames_len, e->frames, fl);
		c->v[c->n].frames = NULL; /* fixed up once the buffer stops moving */
		c->v[c->n].n_frames = e->n_frames;
		c->frames_len += fl;
	}
	c->n++;
	return HF_OK;
}

hf_err hfn_lists_entitle(hfn_node *n, const hf_list_id *id, const uint8_t member[HF_MEMBER_ID_LEN])
{
	hfn_store_list l;
	hfn_snap_ctx sc;
	uint8_t *body = NULL, *env = NULL;
	hf_msg_id msg_id;
	size_t body_len, env_len;
	hf_err rc;
	uint64_t now = hfn_now_ms(), after = 0;
	memset(&sc, 0, sizeof(sc));
	HF_TRY(check_platform(n, member));
	HF_TRY(hfn_store_begin(n->store));
	HF_CHECK(own_list(n, id, &l));
	HF_CHECK(hfn_store_entitle(n->store, id, member));
	HF_CHECK(hfn_store_entries_active(n->store, id, now, 0, (size_t)INT64_MAX, snap_plan, &sc));
	uint32_t parts = (uint32_t)sc.n_ends + 1; /* the last part ends at the last entry */
	if (parts > HF_LIST_MAX_SNAPSHOT_PARTS) {
		rc = HF_ETOOBIG;
		goto out;
	}
	sc.v = malloc(sizeof(*sc.v) * HF_LIST_MAX_BATCH_ENTRIES);
	sc.frames = malloc(sc.max_frames ? sc.max_frames : 1); /* the largest part's frames */
	if (!sc.v || !sc.frames) {
		rc = HF_ENOMEM;
		goto out;
	}
	for (uint32_t p = 0; p < parts; p++) {
		hf_list_snapshot s;
		hf_audit_header audit;
		memset(&s, 0, sizeof(s));
		sc.n = 0;
		sc.frames_len = 0;
		sc.bound = p < sc.n_ends ? sc.ends[p] : UINT64_MAX;
		HF_CHECK(hfn_store_entries_active(n->store, id, now, after,
		                                  HF_LIST_MAX_BATCH_ENTRIES, snap_collect, &sc));
		for (size_t i = 0, off = 0; i < sc.n; i++) {
			if (sc.v[i].alg != HF_ALG_VPDQ)
				continue;
			sc.v[i].frames = sc.frames + off;
			off += (size_t)sc.v[i].n_frames * HF_LIST_VIDEO_FRAME_LEN;
		}
		if (sc.n)
			after = sc.v[sc.n - 1].id;
		s.list_id = *id;
		s.at_batch = l.head_n;
		memcpy(s.head_hash, l.head_hash, HF_LIST_HASH_LEN);
		s.next_id = l.next_id;
		s.meta.name = l.name;
		s.meta.name_len = strlen(l.name);
		s.meta.category = l.category;
		s.meta.algs = l.algs;
		s.part = p;
		s.parts = parts;
		HF_CHECK(hf_list_snapshot_encode(&s, sc.v, sc.n, &body, &body_len));
		memset(&audit, 0, sizeof(audit));
		audit.fields = HF_AUDIT_SUBJECT | HF_AUDIT_SEQ | HF_AUDIT_ITEMS;
		memcpy(audit.subject, id->b, sizeof audit.subject);
		audit.seq = l.head_n;
		audit.items = (uint32_t)(sc.n > HF_MAX_AUDIT_ITEMS ? HF_MAX_AUDIT_ITEMS : sc.n);
		HF_CHECK(hfn_node_seal(
		    n, HF_MSG_LIST_SNAPSHOT, (const uint8_t(*)[HF_MEMBER_ID_LEN])member, 1, &audit,
		    HFN_BATCH_LIFETIME_MS, body, body_len, &msg_id, &env, &env_len));
		HF_CHECK(hfn_store_outbox_add(n->store, &msg_id, member, p + 1 == parts ? id : NULL,
		                              l.head_n, env, env_len, now));
		free(body);
		free(env);
		body = env = NULL;
	}
	HF_CHECK(hfn_store_count(n->store, "messages_out", "17", parts));
	HF_CHECK(hfn_store_commit(n->store));
	hfn_transport_kick(n->tr);
out:
	if (rc != HF_OK)
		hfn_store_rollback(n->store);
	free(sc.v);
	free(sc.frames);
	free(sc.ends);
	free(body);
	free(env);
	return rc;
}

/* ---- platform side ------------------------------------------------------ */

typedef struct pull_mark {
	hf_list_id list;
	uint64_t at_ms;
} pull_mark;

static pull_mark g_marks[64];

/* Seals a pull for list after `after` to the issuer (if known) and every platform. */
static hf_err send_pull(hfn_node *n, const hf_list_id *list, uint64_t after, bool force)
{
	uint8_t peers[HFN_LISTS_MAX_PLATFORMS][HF_MEMBER_ID_LEN];
	hf_msg_id msg_id;
	uint8_t *body = NULL, *env = NULL;
	size_t np, body_len, env_len;
	hf_list_pull q;
	hf_err rc;
	uint64_t now = hfn_now_ms();
	size_t slot = 0;
	for (size_t i = 0; i < 64; i++) {
		if (hf_list_id_eq(&g_marks[i].list, list)) {
			slot = i;
			break;
		}
		if (g_marks[i].at_ms < g_marks[slot].at_ms)
			slot = i;
	}
	/* A burst of parked batches asks once, not once per batch. */
	if (!force && hf_list_id_eq(&g_marks[slot].list, list) &&
	    now - g_marks[slot].at_ms < HFN_PULL_MIN_GAP_MS)
		return HF_OK;
	g_marks[slot].list = *list;
	g_marks[slot].at_ms = now;
	np = hfn_node_members_with(n, HF_ROLE_AUTHORITY | HF_ROLE_PLATFORM, peers,
	                           HFN_LISTS_MAX_PLATFORMS);
	if (np == 0)
		return HF_OK;
	q.list_id = *list;
	q.after = after;
	HF_CHECK(hf_list_pull_encode(&q, &body, &body_len));
	HF_CHECK(hfn_node_seal(n, HF_MSG_LIST_PULL, (const uint8_t(*)[HF_MEMBER_ID_LEN])peers, np,
	                       NULL, HFN_PULL_LIFETIME_MS, body, body_len, &msg_id, &env,
	                       &env_len));
	for (size_t i = 0; i < np; i++)
		HF_CHECK(
		    hfn_store_outbox_add(n->store, &msg_id, peers[i], NULL, 0, env, env_len, now));
	HF_CHECK(hfn_store_count(n->store, "messages_out", "18", (int64_t)np));
out:
	free(body);
	free(env);
	return rc;
}

/* spec §12.7: once batch `number` of list l is applied (committed with this transaction),
 * tells its issuer, and through the message's logged header the audit log, which is how
 * the regulator's report shows each platform's sync lag. Only platforms acknowledge (an
 * entitled authority matches nothing). */
static hf_err send_ack(hfn_node *n, const hfn_store_list *l, uint64_t number)
{
	hf_msg_id msg_id;
	uint8_t *body = NULL, *env = NULL;
	size_t body_len, env_len;
	hf_list_ack k;
	hf_audit_header audit;
	hf_err rc;
	if (!(n->self_roles & HF_ROLE_PLATFORM) || number == 0)
		return HF_OK;
	k.list_id = l->id;
	k.number = number;
	hf_audit_of_ack(&k, &audit);
	HF_CHECK(hf_list_ack_encode(&k, &body, &body_len));
	HF_CHECK(hfn_node_seal(n, HF_MSG_LIST_ACK, (const uint8_t(*)[HF_MEMBER_ID_LEN])l->issuer, 1,
	                       &audit, HFN_ACK_LIFETIME_MS, body, body_len, &msg_id, &env,
	                       &env_len));
	HF_CHECK(hfn_store_outbox_add(n->store, &msg_id, l->issuer, NULL, 0, env, env_len,
	                              hfn_now_ms()));
	HF_CHECK(hfn_store_count(n->store, "messages_out", "20", 1));
out:
	free(body);
	free(env);
	return rc;
}

static hf_err apply_entries(hfn_node *n, const hf_list_id *list, hf_list_iter *it, uint64_t *max_id)
{
	hf_list_entry e[HFN_STORE_ENTRY_ROWS];
	size_t k = 0;
	while (hf_list_iter_next(it, &e[k])) {
		if (e[k].id > *max_id)
			*max_id = e[k].id;
		if (++k == HFN_STORE_ENTRY_ROWS) {
			HF_TRY(hfn_store_entries_put(n->store, list, e, k));
			k = 0;
		}
	}
	return hfn_store_entries_put(n->store, list, e, k);
}

hf_err hfn_lists_on_batch(hfn_node *n, const hfn_in_msg *m, hfn_disp *disp, hf_err *status)
{
	const hf_list_batch b = m->u.batch;
	const uint8_t *sender = m->sender, *env = m->env, *body = m->body;
	size_t env_len = m->env_len, body_len = m->body_len;
	hfn_store_list l;
	hf_list_iter it;
	hf_err rc;
	char hex[33], num[24];
	*disp = HFN_DONE;
	rc = hfn_store_list_get(n->store, &b.list_id, &l);
	if (rc == HF_ENOTFOUND && b.number > 1) {
		*disp = HFN_PARK; /* we missed batch 1: ask for everything */
		return send_pull(n, &b.list_id, 0, false);
	}
	if (rc == HF_ENOTFOUND) {
		memset(&l, 0, sizeof(l));
		l.id = b.list_id;
		snprintf(l.name, sizeof(l.name), "%.*s", (int)b.meta.name_len, b.meta.name);
		l.category = b.meta.category;
		l.algs = b.meta.algs;
		memcpy(l.issuer, sender, HF_MEMBER_ID_LEN);
		l.next_id = 1;
	} else if (rc != HF_OK) {
		return rc;
	}
	if (l.mine) {
		*status = HF_EEXIST;
		return HF_OK;
	}
	if (memcmp(l.issuer, sender, HF_MEMBER_ID_LEN) != 0) {
		*status = HF_EROLE; /* only the list's issuer extends its chain */
		return HF_OK;
	}
	if (l.snap_part != 0 || b.number > l.head_n + 1) {
		*disp = HFN_PARK;
		return l.snap_part ? HF_OK : send_pull(n, &b.list_id, l.head_n, false);
	}
	if (b.number <= l.head_n) {
		*status = HF_EREPLAY; /* already applied */
		return HF_OK;
	}
	if (sodium_memcmp(b.prev_hash, l.head_hash, HF_LIST_HASH_LEN) != 0) {
		*status = HF_ECHAIN;
		return HF_OK;
	}
	/* Algorithms are fixed by batch 1; later batches must stay inside them. */
	hf_list_batch_iter(&b, &it);
	hf_list_entry e;
	while (hf_list_iter_next(&it, &e)) {
		if (!(l.algs & (1u << e.alg))) {
			*status = HF_ERANGE;
			return HF_OK;
		}
	}
	uint64_t max_id = l.next_id ? l.next_id - 1 : 0;
	/* The matcher first: its index insertion runs while the entries are stored. */
	HF_TRY(hfn_match_batch_begin(n, &l, &b, env, env_len));
	hf_list_batch_iter(&b, &it);
	rc = apply_entries(n, &l.id, &it, &max_id);
	for (uint32_t i = 0; rc == HF_OK && i < b.n_removed; i++) {
		rc =
		    hfn_store_entry_remove(n->store, &l.id, hf_list_batch_removed(&b, i), b.number);
		rc = rc == HF_ENOTFOUND ? HF_OK : rc;
	}
	hf_err mrc = hfn_match_batch_end(n, &b, rc == HF_OK);
	HF_TRY(rc);
	HF_TRY(mrc);
	l.head_n = b.number;
	hf_list_batch_hash(body, body_len, l.head_hash);
	l.next_id = max_id + 1;
	HF_TRY(hfn_store_batch_put(n->store, &l.id, b.number, l.head_hash, env, env_len));
	HF_TRY(hfn_store_list_put(n->store, &l));
	HF_TRY(hfn_store_inbox_unpark(n->store));
	hf_list_id_hex(&l.id, hex);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)b.number);
	hfn_count(n, "batches_applied", hex, 1);
	hfn_count(n, "entries_applied", hex, b.n_added);
	hfn_count(n, "entries_removed", hex, b.n_removed);
	char nn[32], na[24], nr[24];
	snprintf(nn, sizeof(nn), "#%s", num);
	snprintf(na, sizeof(na), "#%u", b.n_added);
	snprintf(nr, sizeof(nr), "#%u", b.n_removed);
	hfn_log(HFN_LOG_INFO, "batch_applied", "list", hex, "n", nn, "added", na, "removed", nr,
	        NULL);
	HF_TRY(send_ack(n, &l, b.number));
	*status = HF_OK;
	return HF_OK;
}

hf_err hfn_lists_on_snapshot(hfn_node *n, const hfn_in_msg *m, hfn_disp *disp, hf_err *status)
{
	const hf_list_snapshot s = m->u.snapshot;
	const uint8_t *sender = m->sender;
	hfn_store_list l;
	hf_list_iter it;
	hf_err rc;
	*disp = HFN_DONE;
	rc = hfn_store_list_get(n->store, &s.list_id, &l);
	if (rc == HF_ENOTFOUND) {
		memset(&l, 0, sizeof(l));
		l.id = s.list_id;
		memcpy(l.issuer, sender, HF_MEMBER_ID_LEN);
	} else if (rc != HF_OK) {
		return rc;
	}
	if (l.mine || memcmp(l.issuer, sender, HF_MEMBER_ID_LEN) != 0) {
		*status = l.mine ? HF_EEXIST : HF_EROLE;
		return HF_OK;
	}
	if (s.part == 0) {
		if (l.snap_part == 0 && l.head_n >= s.at_batch && l.head_n > 0) {
			*status = HF_EREPLAY; /* we already follow the chain past it */
			return HF_OK;
		}
		HF_TRY(hfn_store_entries_clear(n->store, &l.id));
		snprintf(l.name, sizeof(l.name), "%.*s", (int)s.meta.name_len, s.meta.name);
		l.category = s.meta.category;
		l.algs = s.meta.algs;
		l.head_n = 0;
		memset(l.head_hash, 0, sizeof(l.head_hash));
		l.snap_part = 0;
	} else if (s.part != l.snap_part) {
		*disp = s.part > l.snap_part ? HFN_PARK : HFN_DONE;
		*status = HF_EREPLAY;
		return HF_OK;
	}
	uint64_t max_id = 0;
	hf_list_snapshot_iter(&s, &it);
	HF_TRY(apply_entries(n, &l.id, &it, &max_id));
	HF_TRY(hfn_match_on_snapshot(n, &l, &s));
	if (s.part + 1 == s.parts) {
		l.snap_part = 0;
		l.head_n = s.at_batch;
		memcpy(l.head_hash, s.head_hash, HF_LIST_HASH_LEN);
		l.next_id = s.next_id;
		HF_TRY(send_ack(n, &l, l.head_n));
	} else {
		l.snap_part = s.part + 1;
	}
	HF_TRY(hfn_store_list_put(n->store, &l));
	HF_TRY(hfn_store_inbox_unpark(n->store));
	char hex[33];
	hf_list_id_hex(&l.id, hex);
	hfn_log(HFN_LOG_INFO, "snapshot_part_applied", "list", hex, NULL);
	*status = HF_OK;
	return HF_OK;
}

typedef struct hfn_serve_ctx {
	hfn_node *n;
	const uint8_t *to;
	size_t queued;
} hfn_serve_ctx;

static hf_err serve_one(void *ctx, uint64_t num, const uint8_t *env, size_t len)
{
	hfn_serve_ctx *c = ctx;
	hf_envelope_header h;
	HF_TRY(hf_envelope_peek(env, len, &h));
	/* Only what the asker could open anyway: it must be a recipient of the original. */
	if (!hfn_node_member_is_recipient(c->n, c->to, &h))
		return HF_OK;
	/* A batch's audit subject is its list id (spec §12). */
	hf_list_id list;
	memcpy(list.b, h.audit.subject, sizeof list.b);
	HF_TRY(hfn_store_outbox_add(c->n->store, &h.msg_id, c->to, &list, num, env, len,
	                            hfn_now_ms()));
	c->queued++;
	return HF_OK;
}

hf_err hfn_lists_on_pull(hfn_node *n, const hfn_in_msg *m, hfn_disp *disp, hf_err *status)
{
	const hf_list_pull q = m->u.pull;
	hfn_serve_ctx c = {n, m->sender, 0};
	*disp = HFN_DONE;
	/* What this peer was sent already is only made due now (it may have backed off from
	 * it); the rest is queued. Reading and re-inserting every stored envelope after `after`
	 * per pull (megabytes each, to have INSERT OR IGNORE find them queued) was two thirds
	 * of an authority's CPU in bench_sync. */
	HF_TRY(hfn_store_outbox_rearm_list(n->store, m->sender, &q.list_id, q.after, hfn_now_ms()));
	HF_TRY(hfn_store_batches_after(n->store, &q.list_id, q.after, m->sender, HFN_PULL_SERVE_MAX,
	                               serve_one, &c));
	HF_TRY(hfn_store_count(n->store, "messages_out", "16", (int64_t)c.queued));
	*status = HF_OK;
	return HF_OK;
}

/* Issuer side of spec §12.7: an entitled platform applied our list up to batch k.number. */
hf_err hfn_lists_on_ack(hfn_node *n, const hfn_in_msg *m, hfn_disp *disp, hf_err *status)
{
	const hf_list_ack k = m->u.ack;
	hfn_store_list l;
	char hex[33], num[24];
	*disp = HFN_DONE;
	HF_TRY(hfn_store_list_check_entitled(n->store, &k.list_id, m->sender, &l, status));
	/* A head we never published is a false claim the log must not count. */
	if (*status == HF_OK && k.number > l.head_n)
		*status = HF_ERANGE;
	if (*status != HF_OK)
		return HF_OK;
	hf_list_id_hex(&l.id, hex);
	snprintf(num, sizeof(num), "#%llu", (unsigned long long)k.number);
	hfn_count(n, "list_acks", hex, 1);
	hfn_log(HFN_LOG_INFO, "list_ack", "list", hex, "n", num, NULL);
	return HF_OK;
}

static hf_err pull_cb(void *ctx, const hfn_store_list *l)
{
	hfn_node *n = ctx;
	if (l->mine || l->snap_part)
		return HF_OK;
	return send_pull(n, &l->id, l->head_n, true);
}

hf_err hfn_lists_hello(hfn_node *n)
{
	/* spec §12.5: a pull of the all-zero list id is a hello. A node that was down
	 * sends it once at start, so peers that back off towards it (and may hold
	 * batches for lists it has never heard of) resume delivery at once. */
	static const hf_list_id zero;
	HF_TRY(hfn_store_begin(n->store));
	return hfn_node_end_send(n, send_pull(n, &zero, 0, true));
}

hf_err hfn_lists_pull_all(hfn_node *n)
{
	HF_TRY(hfn_store_begin(n->store));
	return hfn_node_end_send(n, hfn_store_lists(n->store, pull_cb, n));
}
