#ifndef HF_TESTLOG_H
#define HF_TESTLOG_H

/*
 * A complete audit log for tests, written in the published layout of
 * docs/audit.md (checkpoint, checkpoints, tile/..., tile/entries/...): a
 * deterministic log key and three witnesses, audit leaves over canonical
 * envelope headers, the in-memory stored hashes of hf_merkle_mem.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/checkpoint.h"
#include "hashfed/note.h"
#include "hf_merkle_mem.h"

#define HF_TESTLOG_WITNESSES 3

typedef struct hf_testlog {
	hf_note_signer *log;
	hf_note_signer *w[HF_TESTLOG_WITNESSES];
	char origin[64];
	hf_mem_tree tree;
	uint8_t **leaves;
	size_t *lens;
	uint64_t n, cap;
} hf_testlog;

/* Keys from fixed seeds: the log "<origin>", witnesses "witness-<i>.example". */
void hf_testlog_init(hf_testlog *t, const char *origin);
void hf_testlog_free(hf_testlog *t);

/* A canonical envelope header H (spec §5.2) of `type` with audit seq = seq. */
hf_err hf_testlog_header(uint32_t type, uint64_t seq, uint64_t created_ms, uint8_t *out, size_t cap,
                         size_t *len);
/* Appends the audit leaf (logged_ms, H). */
hf_err hf_testlog_append(hf_testlog *t, uint64_t logged_ms, const uint8_t *hdr, size_t hl);
/* n leaves of rotating types, created 1000 ms before they are logged. */
hf_err hf_testlog_fill(hf_testlog *t, uint64_t n);

/* The signed checkpoint of `size` (root from the tree), cosigned by the witnesses in
 * mask (bit i = witness i). root_override, if non-NULL, replaces the true root. */
size_t hf_testlog_note(const hf_testlog *t, uint64_t size, unsigned mask,
                       const uint8_t *root_override, uint8_t *out, size_t cap);

/* Writes the layout for the current size into dir (created): tiles, bundles,
 * `checkpoint` and `checkpoints` with one record per entry of sizes (in order). */
hf_err hf_testlog_write(const hf_testlog *t, const char *dir, const uint64_t *sizes, size_t n_sizes,
                        unsigned mask);
/* Writes `bytes` at dir/rel (parents created). */
hf_err hf_testlog_put(const char *dir, const char *rel, const uint8_t *bytes, size_t len);

/* "--log-key VKEY --witness VKEY ..." options for hashfed audit verify. */
void hf_testlog_cli_keys(const hf_testlog *t, char *out, size_t cap);
/* The verification policy of the log (quorum as given). */
void hf_testlog_policy(const hf_testlog *t, size_t quorum, hf_log_policy *p);

#endif
