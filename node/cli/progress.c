/* Terminal progress line of long CLI work (progress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void hfn_cli_progress_begin(hfn_cli_progress *p, const char *label, uint64_t total,
                            const char *unit)
{
	const char *env = getenv("HASHFED_PROGRESS"), *after = getenv("HASHFED_PROGRESS_AFTER_MS");
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->unit = unit;
	p->total = total;
	p->on = isatty(STDERR_FILENO) && !(env && !strcmp(env, "0"));
	p->after_ms = after ? strtoull(after, NULL, 10) : 500;
	p->t0_ms = mono_ms();
}

static void human(uint64_t v, const char *unit, char *out, size_t size)
{
	if (strcmp(unit, "bytes") != 0)
		snprintf(out, size, "%llu", (unsigned long long)v);
	else if (v >= 10u << 20)
		snprintf(out, size, "%llu MiB", (unsigned long long)(v >> 20));
	else
		snprintf(out, size, "%llu KiB", (unsigned long long)(v >> 10));
}

void hfn_cli_progress_update(hfn_cli_progress *p, uint64_t done)
{
	char d[32], t[32], bar[26];
	p->done = done;
	if (!p->on)
		return;
	uint64_t now = mono_ms();
	if (now - p->t0_ms < p->after_ms ||
	    (p->drawn && now - p->last_ms < 100 && done != p->total))
		return;
	p->last_ms = now;
	p->drawn = true;
	human(done, p->unit, d, sizeof(d));
	double s = (double)(now - p->t0_ms) / 1000.0;
	if (p->total) {
		unsigned k = (unsigned)(24 * (done > p->total ? p->total : done) / p->total);
		memset(bar, '#', k);
		memset(bar + k, '.', 24 - k);
		bar[24] = 0;
		human(p->total, p->unit, t, sizeof(t));
		fprintf(stderr, "\r\033[K%s [%s] %3u%% %s/%s %s, %.1f s", p->label, bar,
		        (unsigned)(100 * (done > p->total ? p->total : done) / p->total), d, t,
		        strcmp(p->unit, "bytes") ? p->unit : "", s);
	} else {
		fprintf(stderr, "\r\033[K%s %s %s, %.1f s", p->label, d, p->unit, s);
	}
	fflush(stderr);
}

void hfn_cli_progress_clear(hfn_cli_progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = false;
		p->last_ms = 0;
	}
}

void hfn_cli_progress_end(hfn_cli_progress *p)
{
	hfn_cli_progress_clear(p);
	p->on = false;
}
