/* Received envelopes from the transport threads to the main loop (group commit). */
#include <pthread.h>
#include <stdlib.h>

#include "inbox/rxq.h"

struct hfn_rxq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	hfn_rx_item *head, *tail;
	bool closed;
};

hfn_rxq *hfn_rxq_new(void)
{
	hfn_rxq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	return q;
}

void hfn_rxq_free(hfn_rxq *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}

bool hfn_rxq_submit(hfn_rxq *q, hfn_rx_item *it)
{
	pthread_mutex_lock(&q->mu);
	if (q->closed) {
		pthread_mutex_unlock(&q->mu);
		return false;
	}
	it->next = NULL;
	it->done = false;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	pthread_mutex_unlock(&q->mu);
	return true;
}

void hfn_rxq_wait(hfn_rxq *q, hfn_rx_item *it)
{
	pthread_mutex_lock(&q->mu);
	while (!it->done)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

hfn_rx_item *hfn_rxq_take(hfn_rxq *q)
{
	pthread_mutex_lock(&q->mu);
	hfn_rx_item *l = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return l;
}

void hfn_rxq_finish(hfn_rxq *q, hfn_rx_item *list)
{
	hfn_rx_item *cbs = NULL;
	bool waiters = false;
	if (!list)
		return;
	pthread_mutex_lock(&q->mu);
	while (list) {
		hfn_rx_item *next = list->next;
		if (list->on_done) {
			list->next = cbs;
			cbs = list;
		} else {
			list->done =
			    true; /* the owner may return (and free it) once it sees this */
			waiters = true;
		}
		list = next;
	}
	if (waiters)
		pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	while (cbs) {
		hfn_rx_item *next = cbs->next;
		cbs->on_done(cbs); /* may free it */
		cbs = next;
	}
}

hfn_rx_item *hfn_rxq_close(hfn_rxq *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	hfn_rx_item *l = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return l;
}
