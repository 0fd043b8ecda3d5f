/*
 * libFuzzer target: a platform's transparency report (node/audit/treport.c,
 * docs/audit.md "Transparency report"), the untrusted JSON document an auditor reads
 * with `hashfed audit verify-report`. The policy is spec/vectors/merkle.json's log key
 * (quorum 0), so the seeds built from those vectors (fuzz/corpus/treport/) reach the
 * proofs and the recount. Every key id counts as the platform's but ids ending in 0xff,
 * so both answers are explored.
 *
 * Oracles: a verified report has no break name and its recount equals its totals; a
 * refused one names a break.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/treport.h"
#include "hashfed/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hf_log_policy *g_pol;

static void init_policy(void)
{
	uint8_t seed[32];
	hf_note_signer *s;
	if (g_pol != NULL)
		return;
	g_pol = calloc(1, sizeof(*g_pol));
	memset(seed, 0x4c, 32);
	if (g_pol == NULL || hf_note_signer_new("auditor.example/hashfed-log", HF_NOTE_ALG_ED25519,
	                                        seed, &s) != HF_OK)
		abort();
	g_pol->log_key = *hf_note_signer_vkey(s);
	hf_note_signer_free(s);
	g_pol->origin = "auditor.example/hashfed-log";
}

static bool member_key(void *ctx, const uint8_t member[16], const hf_key_id *kid, bool enc)
{
	(void)ctx;
	(void)member;
	(void)enc;
	return kid->b[15] != 0xff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfn_tr_result res;
	init_policy();
	hfn_tr_env env = {.pol = g_pol, .member_key = member_key};
	hf_err rc = hfn_tr_verify(data, size, &env, &res);
	if (getenv("HF_TREPORT_VERBOSE"))
		fprintf(stderr, "%s %s: %s\n", hf_err_name(rc), res.brk, res.detail);
	if (rc == HF_OK && res.brk[0] != 0)
		abort();
	if (rc != HF_OK && res.brk[0] == 0)
		abort();
	return 0;
}
