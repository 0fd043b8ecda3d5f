#ifndef HASHFED_VPDQ_H
#define HASHFED_VPDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/limits.h"
#include "hashfed/pdq.h"

/*
 * vPDQ video hashing, compatible with Meta's vPDQ (facebook/ThreatExchange
 * vpdq/cpp): every selected frame is decoded with FFmpeg, converted to RGB24
 * at its stored size by swscale (SWS_AREA, as vpdq does), and hashed with the
 * project's PDQ at full resolution (vpdq skips PDQ's 512x512 pre-resize).
 * Each frame hash carries its frame number (decoder output order, 0-based),
 * PDQ quality and timestamp frame / frame rate (the stream's average frame
 * rate, else its real base rate). See docs/video.md.
 *
 * Input is hostile and comes from memory or a caller's read callback: the
 * library never opens files. Containers and codecs are restricted to a list
 * of video formats, nested I/O (references to other files or URLs) is
 * refused, and every limit below stops the work with its own error code.
 */

#define HF_VPDQ_DEFAULT_SECONDS 1.0 /* one frame per second, as HMA hashes */

typedef struct hf_vpdq_frame {
	hf_pdq_hash hash;
	uint32_t frame; /* frame number: decoder output order, from 0 */
	int quality;    /* PDQ quality 0..100; matching ignores frames below 50 */
	double seconds; /* timestamp: frame / frame rate (computed in float, as vpdq) */
} hf_vpdq_frame;

/* A vPDQ hash: frame hashes in frame order. Clear with hf_vpdq_clear(). */
typedef struct hf_vpdq {
	hf_vpdq_frame *frames;
	size_t count;
	size_t cap;
	/* Decoding facts (zero when the hash was parsed from text). */
	double fps;             /* frame rate used for timestamps and sampling */
	uint32_t width, height; /* of the video stream as declared */
	uint64_t decoded;       /* frames decoded, sampled or not */
	uint32_t decode_errors; /* packets the decoder rejected (skipped) */
	bool truncated;         /* the container ended in an error before its end */
	char codec[24];         /* FFmpeg decoder name, NUL-terminated */
} hf_vpdq;

/* Work limits for hostile input; defaults from hashfed/limits.h (HF_VID_MAX_*). */
typedef struct hf_vpdq_limits {
	uint64_t max_file_size; /* HF_EFILESIZE: bytes of input */
	uint32_t max_side;      /* HF_EVIDSIDE: width or height of a frame */
	uint64_t max_pixels;    /* HF_EVIDSIDE: width * height of a frame */
	uint32_t max_seconds;   /* HF_EVIDDURATION: declared duration, or frames / fps */
	uint32_t max_frames;    /* HF_EVIDFRAMES: frames decoded */
	uint32_t max_decode_ms; /* HF_EVIDTIME: wall-clock time of the whole call */
} hf_vpdq_limits;

typedef struct hf_vpdq_options {
	/* Hash every n-th frame with n = (int)(seconds_per_hash * fps) (at least
	 * 1), as vpdq selects frames; 0 hashes every frame. */
	double seconds_per_hash;
	unsigned threads; /* FFmpeg decoder threads; 0 = automatic (one per core) */
	hf_vpdq_limits limits;
} hf_vpdq_options;

/* seconds_per_hash 1, threads 0, default limits. */
HF_API hf_vpdq_options hf_vpdq_options_default(void);
HF_API hf_vpdq_limits hf_vpdq_limits_default(void);

/*
 * A caller's byte source. read returns the number of bytes placed in buf
 * (1..len), 0 at the end, or -1 on error. seek (optional, NULL if the source
 * cannot seek: MP4 files whose index is at the end then fail) moves to an
 * absolute offset and returns it, or -1. size is the total size or -1.
 */
typedef struct hf_vpdq_reader {
	void *opaque;
	long (*read)(void *opaque, uint8_t *buf, size_t len);
	int64_t (*seek)(void *opaque, int64_t offset);
	int64_t size;
} hf_vpdq_reader;

/*
 * Hash the video in data[0..len) (hf_vpdq_hash_reader for a callback
 * source). opt NULL means hf_vpdq_options_default(). *out is owned by the
 * caller. A stream that decodes partly (corrupt packets, truncated file) is
 * hashed as far as it decodes: decode_errors and truncated say so.
 *
 * Errors: HF_EFILESIZE, HF_EVIDFORMAT (no video stream, or a container or
 * codec outside the allowed list, or no frame rate), HF_EVIDSIDE,
 * HF_EIMGSMALL (a side below 5 pixels), HF_EVIDDURATION, HF_EVIDFRAMES,
 * HF_EVIDTIME, HF_EVIDDECODE (not a decodable video, or no frame decoded),
 * HF_EIO (the reader failed), HF_EINVAL, HF_ENOMEM. On error *out is empty.
 */
HF_API hf_err hf_vpdq_hash_buffer(const uint8_t *data, size_t len, const hf_vpdq_options *opt,
                                  hf_vpdq *out) HF_MUST_CHECK HF_NONNULL(4);
HF_API hf_err hf_vpdq_hash_reader(const hf_vpdq_reader *r, const hf_vpdq_options *opt,
                                  hf_vpdq *out) HF_MUST_CHECK HF_NONNULL(1, 3);

/*
 * True if the leading bytes look like a container hf_vpdq_hash_* reads (MP4 /
 * QuickTime, Matroska / WebM, AVI, FLV, MPEG-TS / PS, Ogg, ASF, IVF, GIF).
 * A cheap pre-check for callers that take images and videos.
 */
HF_API bool hf_vpdq_sniff(const uint8_t *data, size_t len);

/* Free the frames and zero the struct; NULL and cleared values are fine. */
HF_API void hf_vpdq_clear(hf_vpdq *v);

/* Append one frame hash (for callers building a hash). Errors: HF_ENOMEM,
 * HF_ETOOLONG (more than HF_VID_MAX_HASH_FRAMES). */
HF_API hf_err hf_vpdq_push(hf_vpdq *v, const hf_vpdq_frame *f) HF_MUST_CHECK HF_NONNULL(1, 2);

/* Keep the first frame of each distinct PDQ hash, in order (HMA and
 * python-threatexchange dedupe this way before matching and storing). */
HF_API void hf_vpdq_dedupe(hf_vpdq *v) HF_NONNULL(1);

/* Let FFmpeg log its own warnings (corrupt data etc.) to stderr, or only
 * fatal errors (what vpdq sets). Global to the process, like FFmpeg's log
 * level; the library never changes it by itself. */
HF_API void hf_vpdq_ffmpeg_log(bool verbose);

/*
 * Meta's text format: one line per frame hash, `frame,quality,hex,seconds`
 * with seconds to three decimals ("0,100,e271...,0.000"), LF-terminated.
 *
 * hf_vpdq_text_len: bytes hf_vpdq_to_text writes (without a NUL).
 * hf_vpdq_to_text: writes the lines into out (cap bytes; a NUL follows if
 * room is left). Errors: HF_ENOSPC.
 */
HF_API size_t hf_vpdq_text_len(const hf_vpdq *v) HF_NONNULL(1);
HF_API hf_err hf_vpdq_to_text(const hf_vpdq *v, char *out, size_t cap,
                              size_t *written) HF_MUST_CHECK HF_NONNULL(1, 2);

/*
 * Parse Meta's text format (untrusted; bounded). Lines end with LF or CRLF;
 * a last line may lack its newline; blank lines are skipped. Fields beyond
 * the fourth are ignored, as Meta's reader does. frame: decimal 0..2^31-1;
 * quality: 0..100; hex: 64 digits; seconds: a non-negative decimal up to
 * 10^9. At most HF_VID_TEXT_MAX_LINE bytes a line, HF_VID_MAX_HASH_FRAMES
 * lines. *line (if not NULL) gets the 1-based number of the failing line (0
 * on success and for HF_EMISSING).
 *
 * Errors: HF_EPARSE (a malformed line), HF_ERANGE (a value out of range),
 * HF_ETOOLONG (a line or the frame count over its limit), HF_EMISSING (no
 * frame), HF_ENOMEM. On error *out is empty.
 */
HF_API hf_err hf_vpdq_from_text(const uint8_t *p, size_t len, hf_vpdq *out,
                                uint64_t *line) HF_MUST_CHECK HF_NONNULL(3);

#endif
