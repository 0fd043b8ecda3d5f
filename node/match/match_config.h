#ifndef HFN_MATCH_CONFIG_H
#define HFN_MATCH_CONFIG_H

/*
 * [match] section of node.ini (docs/match.md; parsed by core/config.c's KEYS[]):
 *   max_distance        PDQ Hamming distance that counts as a match (0..43, default 31)
 *   min_quality         PDQ quality below which entries/queries are refused (default 50)
 *   max_image_bytes     largest image body POST /v1/match hashes (default 16 MiB)
 *   max_bulk            hashes in one bulk request (default 10000)
 *   flood_threshold     distinct uploads per window an entry may match before it is
 *                       quarantined pending review (default 100; 0 = off)
 *   flood_window_ms     the window (default 3600000, one hour)
 *   flush_interval_ms   how often match counts are written to the store (default 2000)
 *   report_interval_ms  how often match reports go to issuers (default 3600000)
 *   expiry_sweep_ms     how often expired entries leave the index (default 60000)
 *   video_distance      vPDQ: frames match at Hamming distance < this (1..64, default 31)
 *   video_compared_pct  vPDQ: share of an indexed video's frames the upload must match
 *                       (0..100, default 80)
 *   video_query_pct     vPDQ: share of the upload's frames that must match (default 0)
 *   max_video_bytes     largest video body POST /v1/match hashes (default 128 MiB)
 *   video_decode_ms     wall-clock limit of hashing one posted video (default 60000)
 */
#include <stdbool.h>
#include <stdint.h>

typedef struct hfn_match_config {
	unsigned max_distance;
	int min_quality;
	uint64_t max_image_bytes;
	uint32_t max_bulk;
	uint32_t flood_threshold;
	uint64_t flood_window_ms;
	uint64_t flush_interval_ms;
	uint64_t report_interval_ms;
	uint64_t expiry_sweep_ms;
	unsigned video_distance;
	uint32_t video_compared_pct;
	uint32_t video_query_pct;
	uint64_t max_video_bytes;
	uint32_t video_decode_ms;
} hfn_match_config;

#endif
