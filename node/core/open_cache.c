/* Verified envelopes from the transport threads to the inbox: open once, not twice. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/open_cache.h"

typedef struct hf_oc_entry {
	struct hf_oc_entry *next; /* FIFO: oldest first */
	uint64_t gen;
	hf_opened *o;
	uint8_t sender[HF_MEMBER_ID_LEN];
	uint8_t hash[32]; /* of the envelope: cheap first comparison */
	size_t len;
	uint8_t *env;
} hf_oc_entry;

struct hf_open_cache {
	pthread_mutex_t mu;
	hf_oc_entry *head, *tail;
	size_t n, bytes;
};

hf_open_cache *hf_open_cache_new(void)
{
	hf_open_cache *c = calloc(1, sizeof(*c));
	if (c)
		pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void hf_oc_entry_free(hf_oc_entry *e)
{
	hf_opened_free(e->o);
	free(e->env);
	free(e);
}

void hf_open_cache_free(hf_open_cache *c)
{
	if (!c)
		return;
	while (c->head) {
		hf_oc_entry *e = c->head;
		c->head = e->next;
		hf_oc_entry_free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void hf_open_cache_put(hf_open_cache *c, uint64_t manifest_gen, const uint8_t *env, size_t len,
                       hf_opened *o, const uint8_t sender[HF_MEMBER_ID_LEN])
{
	hf_oc_entry *e, *old = NULL;
	if (len > HF_OPEN_CACHE_MAX_BYTES / 4) {
		hf_opened_free(o); /* a big snapshot part: not worth the memory */
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->env = malloc(len ? len : 1))) {
		free(e);
		hf_opened_free(o);
		return;
	}
	memcpy(e->env, env, len);
	e->len = len;
	e->gen = manifest_gen;
	e->o = o;
	memcpy(e->sender, sender, HF_MEMBER_ID_LEN);
	crypto_generichash(e->hash, sizeof(e->hash), env, len, NULL, 0);
	pthread_mutex_lock(&c->mu);
	while (c->head && (c->n == HF_OPEN_CACHE_MAX || c->bytes + len > HF_OPEN_CACHE_MAX_BYTES)) {
		hf_oc_entry *d = c->head;
		c->head = d->next;
		if (!c->head)
			c->tail = NULL;
		c->n--;
		c->bytes -= d->len;
		d->next = old; /* freed outside the lock */
		old = d;
	}
	if (c->tail)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	c->n++;
	c->bytes += len;
	pthread_mutex_unlock(&c->mu);
	while (old) {
		hf_oc_entry *d = old;
		old = d->next;
		hf_oc_entry_free(d);
	}
}

bool hf_open_cache_take(hf_open_cache *c, uint64_t manifest_gen, uint64_t now_ms,
                        const uint8_t *env, size_t len, hf_opened **o,
                        uint8_t sender[HF_MEMBER_ID_LEN])
{
	uint8_t hash[32];
	hf_oc_entry *e, *prev = NULL;
	*o = NULL;
	crypto_generichash(hash, sizeof(hash), env, len, NULL, 0);
	pthread_mutex_lock(&c->mu);
	for (e = c->head; e; prev = e, e = e->next)
		if (e->len == len && memcmp(e->hash, hash, sizeof(hash)) == 0 &&
		    memcmp(e->env, env, len) == 0)
			break;
	if (e) {
		if (prev)
			prev->next = e->next;
		else
			c->head = e->next;
		if (c->tail == e)
			c->tail = prev;
		c->n--;
		c->bytes -= e->len;
	}
	pthread_mutex_unlock(&c->mu);
	if (!e)
		return false;
	/* Verified under another manifest, or expired since: the caller opens it afresh. */
	bool ok = e->gen == manifest_gen && hf_opened_header(e->o)->expires_ms > now_ms;
	if (ok) {
		*o = e->o;
		e->o = NULL;
		memcpy(sender, e->sender, HF_MEMBER_ID_LEN);
	}
	hf_oc_entry_free(e);
	return ok;
}
