#ifndef HASHFED_CLI_PROGRESS_H
#define HASHFED_CLI_PROGRESS_H

/*
 * Progress of long CLI work (hashing many files, adding a big list) on standard error, only
 * when it is a terminal, and only once the work has run for HASHFED_PROGRESS_AFTER_MS
 * (default 500 ms): quick commands and scripts (stderr a file or a pipe) see nothing.
 * HASHFED_PROGRESS=0 turns it off on a terminal too. One line, redrawn at most 10 times a
 * second, erased at the end; hfn_cli_progress_clear before writing to a terminal stdout.
 */
#include <stdbool.h>
#include <stdint.h>

typedef struct hfn_cli_progress {
	const char *label, *unit;
	uint64_t total, done;
	uint64_t t0_ms, last_ms, after_ms;
	bool on, drawn;
} hfn_cli_progress;

/* total: units of work (0 if unknown); unit: "files", "bytes", ... */
void hfn_cli_progress_begin(hfn_cli_progress *p, const char *label, uint64_t total,
                            const char *unit);
void hfn_cli_progress_update(hfn_cli_progress *p, uint64_t done);
/* Erases the line if one is drawn (it is redrawn at the next update). */
void hfn_cli_progress_clear(hfn_cli_progress *p);
void hfn_cli_progress_end(hfn_cli_progress *p);

#endif
