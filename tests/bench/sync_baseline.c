/*
 * Baseline for bench_sync.sh: the same rows and the same crypto as a sync,
 * without network, JSON or node bookkeeping. N PDQ entries are encoded into
 * batches of B (hf_list_batch_encode), sealed to one recipient and opened
 * again (hf_envelope_seal / hf_envelope_open), and the decoded rows inserted
 * into a fresh SQLite database with the node's entries schema (WAL,
 * synchronous=FULL, one transaction per batch, one prepared statement).
 * Prints: entries_per_s wire_bytes_per_entry cpu_us_per_entry (process CPU time)
 * usage: hf_sync_baseline N B DBPATH
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "hashfed/envelope.h"
#include "hashfed/list.h"

static double clock_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static hf_err lookup(void *ctx, const hf_envelope_header *h, uint8_t pk[HF_SIGN_PK_LEN])
{
	(void)h;
	memcpy(pk, hf_identity_sign_pk(ctx), HF_SIGN_PK_LEN);
	return HF_OK;
}

int main(int argc, char **argv)
{
	if (argc != 4 || sodium_init() < 0)
		return 2;
	size_t n = strtoul(argv[1], NULL, 10), bsz = strtoul(argv[2], NULL, 10);
	hf_identity *a, *p;
	sqlite3 *db;
	sqlite3_stmt *st;
	hf_fed_id fed = {{1}};
	uint8_t list[16] = {2};
	hf_list_entry *e = calloc(bsz, sizeof(*e));
	size_t wire = 0;
	if (!e || hf_identity_generate(&a, NULL) != HF_OK ||
	    hf_identity_generate(&p, NULL) != HF_OK)
		return 1;
	remove(argv[3]);
	if (sqlite3_open(argv[3], &db) != SQLITE_OK ||
	    sqlite3_exec(
	        db,
	        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	        "CREATE TABLE entries(list_id BLOB NOT NULL, id INTEGER NOT NULL, alg INTEGER "
	        "NOT NULL, value BLOB NOT NULL, quality INTEGER NOT NULL, category INTEGER NOT "
	        "NULL, expires_ms INTEGER NOT NULL, pseudonym BLOB NOT NULL, removed_in "
	        "INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(list_id, id)) WITHOUT ROWID;",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO entries VALUES(?1,?2,?3,?4,?5,?6,?7,?8,0)", -1, &st,
	                       NULL) != SQLITE_OK)
		return 1;
	double t0 = now_s(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (size_t off = 0, num = 1; off < n; off += bsz, num++) {
		size_t k = n - off < bsz ? n - off : bsz;
		for (size_t i = 0; i < k; i++) {
			e[i].alg = HF_ALG_PDQ;
			e[i].quality = 90;
			e[i].expires_ms = 1800000000000ULL;
			randombytes_buf(e[i].value, 32);
			randombytes_buf(e[i].pseudonym, 16);
		}
		hf_list_batch b;
		memset(&b, 0, sizeof(b));
		memcpy(b.list_id.b, list, sizeof b.list_id.b);
		b.number = num + 1;
		memset(b.prev_hash, 1, 32);
		b.first_id = off + 1;
		uint8_t *body, *env;
		size_t blen, elen;
		hf_opened *o;
		uint64_t t = (uint64_t)time(NULL) * 1000;
		hf_seal_params sp = {.type = HF_MSG_LIST_BATCH,
		                     .created_ms = t,
		                     .expires_ms = t + 60000,
		                     .federation = &fed,
		                     .recipients = (const uint8_t(*)[32])hf_identity_enc_pk(p),
		                     .n_recipients = 1};
		hf_open_params op = {.self = p, .lookup = lookup, .lookup_ctx = a, .now_ms = t};
		if (hf_list_batch_encode(&b, e, k, NULL, 0, &body, &blen) != HF_OK ||
		    hf_envelope_seal(a, &sp, body, blen, &env, &elen) != HF_OK ||
		    hf_envelope_open(env, elen, &op, &o) != HF_OK)
			return 1;
		wire += elen;
		const uint8_t *pb = hf_opened_body(o, &blen);
		hf_list_batch d;
		hf_list_iter it;
		hf_list_entry x;
		if (hf_list_batch_decode(pb, blen, &d) != HF_OK)
			return 1;
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		hf_list_batch_iter(&d, &it);
		while (hf_list_iter_next(&it, &x)) {
			sqlite3_bind_blob(st, 1, list, 16, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)x.id);
			sqlite3_bind_int(st, 3, x.alg);
			sqlite3_bind_blob(st, 4, x.value, 32, SQLITE_STATIC);
			sqlite3_bind_int(st, 5, x.quality);
			sqlite3_bind_int(st, 6, x.category);
			sqlite3_bind_int64(st, 7, (sqlite3_int64)x.expires_ms);
			sqlite3_bind_blob(st, 8, x.pseudonym, 16, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				return 1;
			sqlite3_reset(st);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return 1;
		hf_opened_free(o);
		free(body);
		free(env);
	}
	double dt = now_s() - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("%.0f %.3f %.3f\n", (double)n / dt, (double)wire / (double)n, dc * 1e6 / (double)n);
	sqlite3_finalize(st);
	sqlite3_close(db);
	hf_identity_free(a);
	hf_identity_free(p);
	free(e);
	return 0;
}
