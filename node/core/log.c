/* JSON-lines logger. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "hashfed/digest.h"
#include "hashfed/keyfile.h"

static volatile int g_level = HFN_LOG_INFO;

static const char *const LEVELS[] = {"debug", "info", "warn", "error"};

hf_err hfn_log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, LEVELS[i]) == 0) {
			g_level = i;
			return HF_OK;
		}
	}
	return HF_ECONFIG;
}

/* Tests only ([orders] test_clock, orders_cfg.h): set once at start, before any thread. */
static int64_t g_test_offset_ms;

void hfn_clock_set_test_offset(int64_t ms)
{
	g_test_offset_ms = ms;
}

uint64_t hfn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u +
	       (uint64_t)g_test_offset_ms;
}

void hfn_hex(const uint8_t *p, size_t n, char *out)
{
	hf_hex_lower(p, n, out);
}

hf_err hfn_unhex(const char *s, uint8_t *out, size_t n)
{
	return hf_hex_decode(s, strlen(s), out, n);
}

/* Appends s JSON-escaped; returns the new length (bounded by cap - 1). */
static size_t put_esc(char *buf, size_t len, size_t cap, const char *s)
{
	for (; *s && len + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[len++] = '\\';
			buf[len++] = (char)c;
		} else if (c < 0x20) {
			len += (size_t)snprintf(buf + len, cap - len, "\\u%04x", c);
		} else {
			buf[len++] = (char)c;
		}
	}
	return len;
}

void hfn_log(hfn_log_level level, const char *event, ...)
{
	char buf[4096];
	size_t len;
	va_list ap;
	if ((int)level < g_level)
		return;
	len = (size_t)snprintf(buf, sizeof(buf), "{\"ts\":%llu,\"level\":\"%s\",\"event\":\"",
	                       (unsigned long long)hfn_now_ms(), LEVELS[level]);
	len = put_esc(buf, len, sizeof(buf), event);
	buf[len++] = '"';
	va_start(ap, event);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		const char *v;
		if (!k)
			break;
		v = va_arg(ap, const char *);
		if (!v)
			v = "";
		if (len + 16 >= sizeof(buf))
			break;
		buf[len++] = ',';
		buf[len++] = '"';
		len = put_esc(buf, len, sizeof(buf), k);
		buf[len++] = '"';
		buf[len++] = ':';
		if (v[0] == '#') {
			len = put_esc(buf, len, sizeof(buf), v + 1);
		} else {
			buf[len++] = '"';
			len = put_esc(buf, len, sizeof(buf), v);
			buf[len++] = '"';
		}
	}
	va_end(ap);
	if (len + 3 > sizeof(buf))
		len = sizeof(buf) - 3;
	buf[len++] = '}';
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
}
