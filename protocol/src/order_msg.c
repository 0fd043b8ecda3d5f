/* Takedown order and receipt bodies, the dispatching codec, audit values (spec §13). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfed/list.h"
#include "hashfed/manifest.h"
#include "hashfed/order_sm.h"
#include "crypto_internal.h"
#include "order_internal.h"
#include "hf_check.h"

/* Orders name members, list entries and hash algorithms of the other modules. */
_Static_assert(HF_ORDER_PARTY_LEN == HF_MEMBER_ID_LEN, "order parties are manifest member ids");
_Static_assert(HF_ORDER_LIST_ID_LEN == HF_LIST_ID_LEN, "entry refs use list ids");
_Static_assert(HF_ORDER_ALG_PDQ == HF_ALG_PDQ && HF_ORDER_ALG_MD5 == HF_ALG_MD5 &&
                   HF_ORDER_ALG_SHA256 == HF_ALG_SHA256,
               "content hash algorithms are the list algorithms");

#define HF_ORDER_HASH_DOMAIN "hashfed/v1/order"
#define HF_CASE_DOMAIN       "hashfed/v1/case"
#define HF_HOUR_MS           3600000ULL

/* ---- shared helpers ----------------------------------------------------- */

hf_err hfi_order_text_check(const char *p, size_t n, size_t max, bool required)
{
	if (n == 0)
		return required ? HF_ERANGE : HF_OK;
	if (p == NULL)
		return HF_EINVAL;
	if (n > max)
		return HF_ETOOLONG;
	return hfi_utf8_valid((const uint8_t *)p, n) ? HF_OK : HF_EUTF8;
}

hf_err hfi_order_ascending(uint32_t prev, uint32_t cur, bool first)
{
	if (first || cur > prev)
		return HF_OK;
	return cur == prev ? HF_EDUPLICATE : HF_ENONCANON;
}

bool hfi_order_category_ok(uint64_t c)
{
	return c >= 1 && c <= HF_CAT_MAX;
}

bool hf_order_msg_type(uint32_t type)
{
	return type >= HF_MSG_ORDER && type <= HF_MSG_REFERRAL;
}

static size_t order_alg_len(uint32_t alg)
{
	switch (alg) {
	case HF_ORDER_ALG_PDQ:
	case HF_ORDER_ALG_SHA256:
		return 32;
	case HF_ORDER_ALG_MD5:
		return 16;
	default:
		return 0;
	}
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool prefix_ci(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (ascii_lower(p[i]) != prefix[i])
			return false;
	return true;
}

/*
 * spec §13.2: a locator has no control characters or spaces (both forms), and
 * a URL is http:// or https:// followed by a non-empty host. Deliberately
 * minimal: the platform resolves the locator; the check only keeps garbage and
 * header-injection material out of moderation tools.
 */
static hf_err locator_check(uint32_t kind, const char *p, size_t n)
{
	size_t host;
	HF_TRY(hfi_order_text_check(p, n, HF_ORDER_MAX_LOCATOR_LEN, true));
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];
		if (c <= 0x20 || c == 0x7f)
			return HF_EPARSE;
	}
	switch (kind) {
	case HF_LOC_URL:
		if (prefix_ci(p, n, "https://"))
			host = 8;
		else if (prefix_ci(p, n, "http://"))
			host = 7;
		else
			return HF_EPARSE;
		if (host == n || p[host] == '/' || p[host] == '?' || p[host] == '#')
			return HF_EPARSE;
		return HF_OK;
	case HF_LOC_CONTENT_ID:
		return HF_OK;
	default:
		return HF_ERANGE;
	}
}

/* ---- order -------------------------------------------------------------- */

static hf_err item_check(const hf_order_item *it, uint32_t pos)
{
	/* spec §13.2: index equals position, so item numbers are unambiguous. */
	if (it->index != pos)
		return HF_ERANGE;
	HF_TRY(locator_check(it->locator_kind, it->locator, it->locator_len));
	if (it->n_refs > HF_ORDER_MAX_REFS || it->n_hashes > HF_ORDER_MAX_HASHES)
		return HF_ETOOLONG;
	for (uint32_t i = 0; i < it->n_refs; i++) {
		if (it->refs[i].entry_id == 0)
			return HF_ERANGE;
		for (uint32_t j = 0; j < i; j++)
			if (it->refs[j].entry_id == it->refs[i].entry_id &&
			    hf_list_id_eq(&it->refs[j].list_id, &it->refs[i].list_id))
				return HF_EDUPLICATE;
	}
	for (uint32_t i = 0; i < it->n_hashes; i++) {
		const hf_content_hash *h = &it->hashes[i];
		size_t want = order_alg_len(h->alg);
		if (want == 0)
			return HF_ERANGE;
		if (h->len != want || h->value == NULL)
			return HF_ELENGTH;
		for (uint32_t j = 0; j < i; j++)
			if (it->hashes[j].alg == h->alg &&
			    memcmp(it->hashes[j].value, h->value, want) == 0)
				return HF_EDUPLICATE;
	}
	return HF_OK;
}

static hf_err hfi_order_check(const hf_order *o)
{
	if (!hfi_order_category_ok(o->category) || o->priority > HF_PRIO_URGENT)
		return HF_ERANGE;
	/* spec §13.2: the deadline lies 1 h .. 90 days after issue. */
	if (o->deadline_ms < o->issued_ms ||
	    o->deadline_ms - o->issued_ms < HF_ORDER_MIN_DEADLINE_MS ||
	    o->deadline_ms - o->issued_ms > HF_ORDER_MAX_DEADLINE_MS)
		return HF_ERANGE;
	HF_TRY(
	    hfi_order_text_check(o->legal_basis, o->legal_basis_len, HF_ORDER_MAX_LEGAL_LEN, true));
	HF_TRY(hfi_order_text_check(o->note, o->note_len, HF_ORDER_MAX_NOTE_LEN, false));
	if (o->n_items == 0)
		return HF_ERANGE;
	if (o->n_items > HF_ORDER_MAX_ITEMS)
		return HF_ETOOLONG;
	if (o->items == NULL)
		return HF_EINVAL;
	for (uint32_t i = 0; i < o->n_items; i++)
		HF_TRY(item_check(&o->items[i], i));
	return HF_OK;
}

/* ---- order schema (spec §13.2) ---------------------------------------- */

static const hfi_field ref_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_order_ref, list_id)},
    {HFI_U64(2, HFI_REQ, hf_order_ref, entry_id)},
};
static const hfi_schema ref_schema = HFI_SCHEMA("order ref", ref_rows, hf_order_ref, 0, NULL);

static const hfi_field hash_rows[] = {
    {HFI_U32(1, HFI_REQ, hf_content_hash, alg)},
    {HFI_BLOB(2, HFI_BIN, HFI_REQ, hf_content_hash, value, len, 0, 32, HF_ELENGTH)},
};
static const hfi_schema hash_schema =
    HFI_SCHEMA("content hash", hash_rows, hf_content_hash, 0, NULL);

static const hfi_field ref_elem = {HFI_ELEM_MAP(hf_order_ref, ref_schema)};
static const hfi_field hash_elem = {HFI_ELEM_MAP(hf_content_hash, hash_schema)};

static const hfi_field item_rows[] = {
    {HFI_U32(1, HFI_REQ, hf_order_item, index)},
    {HFI_U32(2, HFI_REQ, hf_order_item, locator_kind)},
    {HFI_BLOB(3, HFI_STR, HFI_REQ, hf_order_item, locator, locator_len, 0, HF_ORDER_MAX_LOCATOR_LEN,
              HF_ERANGE)},
    /* Empty lists are omitted, never sent empty. */
    {HFI_ARR(4, 0, hf_order_item, refs, n_refs, 1, HF_ORDER_MAX_REFS, HF_ENONCANON, ref_elem)},
    {HFI_ARR(5, 0, hf_order_item, hashes, n_hashes, 1, HF_ORDER_MAX_HASHES, HF_ENONCANON,
             hash_elem)},
};
static const hfi_schema item_schema = HFI_SCHEMA("order item", item_rows, hf_order_item, 0, NULL);
static const hfi_field item_elem = {HFI_ELEM_MAP(hf_order_item, item_schema)};

HFI_CHECK_FN(order_check, hf_order, hfi_order_check)

static const hfi_field order_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_order, order_id)},
    {HFI_FIXED(2, HFI_REQ, hf_order, authority)},
    {HFI_FIXED(3, HFI_REQ, hf_order, platform)},
    {HFI_U64(4, HFI_REQ, hf_order, issued_ms)},
    {HFI_U64(5, HFI_REQ, hf_order, deadline_ms)},
    {HFI_U32(6, HFI_REQ, hf_order, category)},
    {HFI_U32(7, HFI_REQ, hf_order, priority)},
    {HFI_BLOB(8, HFI_STR, HFI_REQ, hf_order, legal_basis, legal_basis_len, 0,
              HF_ORDER_MAX_LEGAL_LEN, HF_ERANGE)},
    {HFI_FIXED(9, HFI_REQ, hf_order, case_pseudonym)},
    /* n <= HF_ORDER_MAX_ITEMS and <= bytes left: the allocation is bounded. */
    {HFI_ARR(10, HFI_REQ | HFI_ALLOC, hf_order, items, n_items, 1, HF_ORDER_MAX_ITEMS, HF_ERANGE,
             item_elem)},
    {HFI_OPT_TEXT(11, hf_order, note, note_len, HF_ORDER_MAX_NOTE_LEN)},
};
const hfi_schema hfi_order_schema = HFI_SCHEMA("order", order_rows, hf_order, 0, order_check);

/* ---- receipt ------------------------------------------------------------ */

static hf_err hfi_receipt_check(const hf_receipt *r)
{
	/* Same code as the decoder's bounded read of the count. */
	return (r->n_items == 0 || r->n_items > HF_ORDER_MAX_ITEMS) ? HF_ERANGE : HF_OK;
}

HFI_CHECK_FN(receipt_check, hf_receipt, hfi_receipt_check)

static const hfi_field receipt_rows[] = {
    {HFI_FIXED(1, HFI_REQ, hf_receipt, order_id)},
    {HFI_FIXED(2, HFI_REQ, hf_receipt, order_msg_id)},
    {HFI_FIXED(3, HFI_REQ, hf_receipt, order_hash)},
    {HFI_U64(4, HFI_REQ, hf_receipt, received_ms)},
    {HFI_U(5, HFI_REQ, hf_receipt, n_items, 0, HF_ORDER_MAX_ITEMS, HF_ERANGE)},
};
const hfi_schema hfi_receipt_schema =
    HFI_SCHEMA("receipt", receipt_rows, hf_receipt, 0, receipt_check);

/* ---- dispatch ----------------------------------------------------------- */

/* Indexed by type - HF_MSG_ORDER. */
static const hfi_schema *const order_msg_schemas[] = {
    &hfi_order_schema, &hfi_receipt_schema,    &hfi_outcome_schema,
    &hfi_event_schema, &hfi_escalation_schema, &hfi_referral_schema,
};
_Static_assert(sizeof(order_msg_schemas) / sizeof(order_msg_schemas[0]) ==
                   HF_MSG_REFERRAL - HF_MSG_ORDER + 1,
               "one schema per order message type");

void hfi_order_msg_encode_unchecked(hfi_mp_enc *e, const hf_order_msg *m)
{
	hfi_encode(e, order_msg_schemas[m->type - HF_MSG_ORDER], &m->u);
}

hf_err hf_order_msg_encode(const hf_order_msg *m, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!hf_order_msg_type(m->type))
		return HF_EMSGTYPE;
	const hfi_schema *s = order_msg_schemas[m->type - HF_MSG_ORDER];
	/* The decoder's own rules first: nothing is sent that a receiver rejects. */
	HF_TRY(s->check((void *)&m->u, UINT64_MAX));
	return hfi_encode_body(s, &m->u, HF_ORDER_MAX_BODY_SIZE, out, out_len);
}

hf_err hf_order_msg_decode(uint32_t type, const uint8_t *p, size_t len, hf_order_msg *m)
{
	hfi_ctx c;
	hf_err rc;
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (!hf_order_msg_type(type))
		return HF_EMSGTYPE;
	rc = hfi_decode_body(&c, order_msg_schemas[type - HF_MSG_ORDER], p, len,
	                     HF_ORDER_MAX_BODY_SIZE, &m->u);
	m->owned = c.owned;
	if (rc != HF_OK) {
		/* The decoder frees what it allocated: callers need not clear a failure. */
		hf_order_msg_clear(m);
		m->type = type;
	}
	return rc;
}

void hf_order_msg_clear(hf_order_msg *m)
{
	if (m == NULL)
		return;
	free(m->owned);
	memset(m, 0, sizeof(*m));
}

/* ---- audit, hashes, defaults -------------------------------------------- */

hf_err hf_order_msg_audit(const hf_order_msg *m, hf_audit_header *a)
{
	memset(a, 0, sizeof(*a));
	a->fields = HF_AUDIT_SUBJECT | HF_AUDIT_STATUS | HF_AUDIT_ITEMS;
	/* spec §13.8: ids, times, counts and codes only; nothing from items or text. */
	switch (m->type) {
	case HF_MSG_ORDER:
		memcpy(a->subject, m->u.order.order_id.b, sizeof a->subject);
		a->fields |= HF_AUDIT_DEADLINE | HF_AUDIT_CATEGORY;
		a->deadline_ms = m->u.order.deadline_ms;
		a->status = HF_OST_ISSUED;
		a->items = m->u.order.n_items;
		a->category = m->u.order.category;
		return HF_OK;
	case HF_MSG_RECEIPT:
		memcpy(a->subject, m->u.receipt.order_id.b, sizeof a->subject);
		a->status = HF_OST_DELIVERED;
		a->items = m->u.receipt.n_items;
		return HF_OK;
	case HF_MSG_OUTCOME:
		memcpy(a->subject, m->u.outcome.order_id.b, sizeof a->subject);
		/* Status: bit (1 << code) for every outcome code present. */
		for (uint32_t i = 0; i < m->u.outcome.n_results; i++)
			if (m->u.outcome.results[i].code <= HF_OUT_MAX)
				a->status |= 1u << m->u.outcome.results[i].code;
		a->items = m->u.outcome.n_results;
		/* Category: bit (1 << reason) for every cannot-comply reason present (a code
		 * table, no text), so the auditor can give refusal rates by reason. */
		for (uint32_t i = 0; i < m->u.outcome.n_results; i++)
			if (m->u.outcome.results[i].code == HF_OUT_CANNOT_COMPLY &&
			    m->u.outcome.results[i].reason < 32)
				a->category |= 1u << m->u.outcome.results[i].reason;
		if (a->category)
			a->fields |= HF_AUDIT_CATEGORY;
		return HF_OK;
	case HF_MSG_ORDER_EVENT:
		memcpy(a->subject, m->u.event.order_id.b, sizeof a->subject);
		a->status = m->u.event.kind;
		a->items = m->u.event.n_items;
		if (m->u.event.new_deadline_ms != 0) {
			a->fields |= HF_AUDIT_DEADLINE;
			a->deadline_ms = m->u.event.new_deadline_ms;
		}
		return HF_OK;
	case HF_MSG_ESCALATION:
		memcpy(a->subject, m->u.escalation.order_id.b, sizeof a->subject);
		a->fields |= HF_AUDIT_DEADLINE | HF_AUDIT_CATEGORY;
		a->deadline_ms = m->u.escalation.deadline_ms;
		a->status = HF_OST_ESCALATED;
		a->items = m->u.escalation.n_overdue;
		a->category = m->u.escalation.category;
		return HF_OK;
	case HF_MSG_REFERRAL:
		memcpy(a->subject, m->u.referral.referral_id.b, sizeof a->subject);
		/* Status: kind in the high byte, referral status in the low byte. */
		a->status = (m->u.referral.kind << 8) | (m->u.referral.status & 0xff);
		a->items = m->u.referral.n_orders;
		if (m->u.referral.category != 0) {
			a->fields |= HF_AUDIT_CATEGORY;
			a->category = m->u.referral.category;
		}
		return HF_OK;
	default:
		memset(a, 0, sizeof(*a));
		return HF_EMSGTYPE;
	}
}

hf_err hf_order_msg_check_against(const hf_order_msg *m, const hf_order *order)
{
	const hf_order_id *id;
	switch (m->type) {
	case HF_MSG_RECEIPT:
		id = &m->u.receipt.order_id;
		break;
	case HF_MSG_OUTCOME:
		id = &m->u.outcome.order_id;
		break;
	case HF_MSG_ORDER_EVENT:
		id = &m->u.event.order_id;
		break;
	case HF_MSG_ESCALATION:
		id = &m->u.escalation.order_id;
		break;
	default:
		return HF_EMSGTYPE;
	}
	if (!hf_order_id_eq(id, &order->order_id))
		return HF_ENOTFOUND;
	switch (m->type) {
	case HF_MSG_RECEIPT:
		return m->u.receipt.n_items == order->n_items ? HF_OK : HF_ERANGE;
	case HF_MSG_OUTCOME:
		/* Results are ascending, so the last one has the largest index. */
		return m->u.outcome.n_results > 0 &&
		               m->u.outcome.results[m->u.outcome.n_results - 1].item <
		                   order->n_items
		           ? HF_OK
		           : HF_ERANGE;
	case HF_MSG_ORDER_EVENT:
		return m->u.event.n_items == 0 ||
		               m->u.event.items[m->u.event.n_items - 1] < order->n_items
		           ? HF_OK
		           : HF_ERANGE;
	default:
		if (m->u.escalation.n_items != order->n_items ||
		    m->u.escalation.category != order->category ||
		    m->u.escalation.deadline_ms != order->deadline_ms ||
		    memcmp(m->u.escalation.authority, order->authority, HF_ORDER_PARTY_LEN) != 0 ||
		    memcmp(m->u.escalation.platform, order->platform, HF_ORDER_PARTY_LEN) != 0)
			return HF_ERANGE;
		return HF_OK;
	}
}

hf_err hf_order_msg_check_times(const hf_order_msg *m, uint64_t created_ms)
{
	uint64_t latest = 0;
	switch (m->type) {
	case HF_MSG_ORDER:
		latest = m->u.order.issued_ms;
		break;
	case HF_MSG_RECEIPT:
		latest = m->u.receipt.received_ms;
		break;
	case HF_MSG_OUTCOME:
		for (uint32_t i = 0; i < m->u.outcome.n_results; i++)
			if (m->u.outcome.results[i].action_ms > latest)
				latest = m->u.outcome.results[i].action_ms;
		break;
	case HF_MSG_ORDER_EVENT:
		latest = m->u.event.event_ms;
		break;
	case HF_MSG_ESCALATION:
		latest = m->u.escalation.escalated_ms;
		break;
	case HF_MSG_REFERRAL:
		latest = m->u.referral.sent_ms;
		break;
	default:
		return HF_EMSGTYPE;
	}
	return latest > created_ms ? HF_EFUTURE : HF_OK;
}

void hf_order_hash(const uint8_t *body, size_t len, uint8_t out[HF_ORDER_HASH_LEN])
{
	hfi_domain_hash(NULL, 0, HF_ORDER_HASH_DOMAIN, body, len, out, HF_ORDER_HASH_LEN);
}

hf_err hf_case_pseudonym(const uint8_t key[static HF_CASE_KEY_LEN], const uint8_t *case_ref,
                         size_t case_ref_len, uint8_t out[static HF_CASE_PSEUDONYM_LEN])
{
	if (case_ref_len == 0 || case_ref_len > HF_ORDER_MAX_CASE_REF_LEN)
		return HF_EINVAL;
	hfi_domain_hash(key, HF_CASE_KEY_LEN, HF_CASE_DOMAIN, case_ref, case_ref_len, out,
	                HF_CASE_PSEUDONYM_LEN);
	return HF_OK;
}

/* spec §13.2 default deadlines: 24 h for sexual abuse imagery and threats,
 * where every hour of exposure multiplies copies; longer for the rest. */
uint64_t hf_order_default_deadline(uint32_t category)
{
	switch (category) {
	case HF_CAT_DEEPFAKE_SEXUAL:
	case HF_CAT_ILLEGALLY_FILMED:
	case HF_CAT_NONCONSENSUAL:
	case HF_CAT_CSAM:
	case HF_CAT_THREAT:
		return 24 * HF_HOUR_MS;
	case HF_CAT_PERSONAL_INFO:
		return 48 * HF_HOUR_MS;
	case HF_CAT_OTHER:
		return 72 * HF_HOUR_MS;
	default:
		return 0;
	}
}

const char *hf_order_category_name(uint32_t category)
{
	static const char *const names[HF_CAT_MAX + 1] = {
	    NULL,   "deepfake_sexual", "illegally_filmed", "nonconsensual",
	    "csam", "threat",          "personal_info",    "other",
	};
	return category <= HF_CAT_MAX ? names[category] : NULL;
}

const char *hf_outcome_code_name(uint32_t code)
{
	static const char *const names[HF_OUT_MAX + 1] = {
	    NULL,        "removed",         "blocked_geo",   "blocked_access",
	    "not_found", "already_removed", "cannot_comply", "needs_clarification",
	};
	return code <= HF_OUT_MAX ? names[code] : NULL;
}
