/* [match] settings of node.ini (match_config.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashfed/index.h"
#include "match/match_config.h"

void hf_match_config_defaults(hf_match_config *c)
{
	c->max_distance = HF_PDQ_INDEX_DEFAULT_DIST;
	c->min_quality = HF_PDQ_INDEX_MIN_QUALITY;
	c->max_image_bytes = 16u * 1024u * 1024u;
	c->max_bulk = 10000;
	c->flood_threshold = 100;
	c->flood_window_ms = 3600000;
	c->flush_interval_ms = 2000;
	c->report_interval_ms = 3600000;
	c->expiry_sweep_ms = 60000;
}

static bool hf_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*v || *v == '-')
		return false;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

bool hf_match_config_set(hf_match_config *c, const char *name, const char *value)
{
	uint64_t v;
	if (!strcmp(name, "max_distance")) {
		if (!hf_u64(value, 0, HF_PDQ_INDEX_MAX_DIST, &v))
			return false;
		c->max_distance = (unsigned)v;
	} else if (!strcmp(name, "min_quality")) {
		if (!hf_u64(value, 0, 100, &v))
			return false;
		c->min_quality = (int)v;
	} else if (!strcmp(name, "max_image_bytes")) {
		if (!hf_u64(value, 1024, 64u * 1024u * 1024u, &c->max_image_bytes))
			return false;
	} else if (!strcmp(name, "max_bulk")) {
		if (!hf_u64(value, 1, 1000000, &v))
			return false;
		c->max_bulk = (uint32_t)v;
	} else if (!strcmp(name, "flood_threshold")) {
		if (!hf_u64(value, 0, 1000000, &v))
			return false;
		c->flood_threshold = (uint32_t)v;
	} else if (!strcmp(name, "flood_window_ms")) {
		return hf_u64(value, 1000, 7u * 86400000u, &c->flood_window_ms);
	} else if (!strcmp(name, "flush_interval_ms")) {
		return hf_u64(value, 100, 3600000, &c->flush_interval_ms);
	} else if (!strcmp(name, "report_interval_ms")) {
		return hf_u64(value, 100, 86400000, &c->report_interval_ms);
	} else if (!strcmp(name, "expiry_sweep_ms")) {
		return hf_u64(value, 100, 86400000, &c->expiry_sweep_ms);
	} else {
		return false;
	}
	return true;
}
