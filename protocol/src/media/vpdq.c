/*
 * vPDQ hashing: FFmpeg decode from memory or a caller's reader, Meta's frame
 * selection and pixel conversion, the project's PDQ on every selected frame.
 *
 * What Meta's vpdq (vpdq/cpp/hashing: filehasher, ffmpegwrapper, hasher) does
 * and this file reproduces:
 *  - the first video stream; frame rate = avg_frame_rate, else r_frame_rate;
 *  - frame number = the decoder's output count - 1 (every decoded frame is
 *    numbered, sampled or not); a frame is hashed when
 *    number % (int)(seconds_per_hash * fps) == 0 (modulus at least 1);
 *  - each hashed frame is converted by swscale to RGB24 at the stream's
 *    declared size with SWS_AREA, then hashed by PDQ on the whole frame
 *    (float luma 0.299 R + 0.587 G + 0.114 B, no 512x512 pre-resize);
 *  - timestamp = (float)number / (float)fps.
 * Decoder output does not depend on its thread count, so the decoder is
 * free to use FFmpeg's frame threads: they decode ahead while this thread
 * converts and hashes.
 *
 * Hostile input: containers and decoders are restricted to a list of video
 * formats, nested I/O is refused (io_open), and the limits stop the work
 * with HF_EVIDSIDE, HF_EVIDDURATION, HF_EVIDFRAMES or HF_EVIDTIME (an
 * interrupt callback also stops FFmpeg's own reads when the time is up).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

#include "hashfed/limits.h"
#include "hashfed/vpdq.h"
#include "pdq_internal.h"
#include "hf_check.h"

/* Demuxers allowed (names as FFmpeg's; "mov" covers mp4, m4v, 3gp, mj2). */
static const char format_list[] = "mov,mp4,matroska,webm,avi,flv,mpegts,mpeg,ogg,asf,h264,"
                                  "hevc,m4v,ivf,gif,mjpeg";
/* Video decoders allowed; audio is never decoded. */
static const char codec_list[] =
    "h264,hevc,vp8,vp9,libdav1d,libaom-av1,av1,mpeg4,mpeg2video,mpeg1video,h263,h263p,mjpeg,"
    "theora,gif,wmv1,wmv2,wmv3,vc1,msmpeg4v1,msmpeg4v2,msmpeg4,flv,prores,dnxhd,vp6,vp6f";

enum { IO_BUF = 65536 };

hf_vpdq_limits hf_vpdq_limits_default(void)
{
	hf_vpdq_limits l = {
	    .max_file_size = HF_VID_MAX_FILE_SIZE,
	    .max_side = HF_VID_MAX_SIDE,
	    .max_pixels = HF_VID_MAX_PIXELS,
	    .max_seconds = HF_VID_MAX_SECONDS,
	    .max_frames = HF_VID_MAX_FRAMES,
	    .max_decode_ms = HF_VID_MAX_DECODE_MS,
	};
	return l;
}

hf_vpdq_options hf_vpdq_options_default(void)
{
	hf_vpdq_options o = {
	    .seconds_per_hash = HF_VPDQ_DEFAULT_SECONDS,
	    .threads = 0,
	    .limits = hf_vpdq_limits_default(),
	};
	return o;
}

void hf_vpdq_ffmpeg_log(bool verbose)
{
	av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_FATAL);
}

void hf_vpdq_clear(hf_vpdq *v)
{
	if (v != NULL) {
		free(v->frames);
		memset(v, 0, sizeof(*v));
	}
}

hf_err hf_vpdq_push(hf_vpdq *v, const hf_vpdq_frame *f)
{
	HF_ENSURE(v->count < HF_VID_MAX_HASH_FRAMES, HF_ETOOLONG);
	if (v->count == v->cap) {
		size_t ncap = v->cap < 64 ? 64 : v->cap * 2;
		if (ncap > HF_VID_MAX_HASH_FRAMES) {
			ncap = HF_VID_MAX_HASH_FRAMES;
		}
		hf_vpdq_frame *nf = realloc(v->frames, ncap * sizeof(*nf));
		HF_ENSURE(nf != NULL, HF_ENOMEM);
		v->frames = nf;
		v->cap = ncap;
	}
	v->frames[v->count++] = *f;
	return HF_OK;
}

bool hf_vpdq_sniff(const uint8_t *d, size_t n)
{
	static const char *const boxes[] = {"ftyp", "moov", "mdat", "free", "wide", "skip"};
	if (d == NULL || n < 12) {
		return false;
	}
	for (size_t i = 0; i < sizeof(boxes) / sizeof(boxes[0]); i++) {
		if (memcmp(d + 4, boxes[i], 4) == 0) {
			return true; /* ISO BMFF / QuickTime */
		}
	}
	if (memcmp(d, "\x1a\x45\xdf\xa3", 4) == 0 || memcmp(d, "FLV", 3) == 0 ||
	    memcmp(d, "OggS", 4) == 0 || memcmp(d, "DKIF", 4) == 0 || memcmp(d, "GIF87a", 6) == 0 ||
	    memcmp(d, "GIF89a", 6) == 0 || memcmp(d, "\x30\x26\xb2\x75", 4) == 0 ||
	    memcmp(d, "\x00\x00\x01\xba", 4) == 0) {
		return true;
	}
	if (memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "AVI ", 4) == 0) {
		return true;
	}
	/* MPEG-TS: sync bytes 188 apart. */
	return n > 188 && d[0] == 0x47 && d[188] == 0x47;
}

/* ---- byte sources ---- */

typedef struct membuf {
	const uint8_t *p;
	size_t len, off;
} membuf;

static long mem_read(void *opaque, uint8_t *buf, size_t len)
{
	membuf *m = opaque;
	size_t n = m->len - m->off;
	if (n > len) {
		n = len;
	}
	if (n == 0) {
		return 0;
	}
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (long)n;
}

static int64_t mem_seek(void *opaque, int64_t offset)
{
	membuf *m = opaque;
	if (offset < 0 || (uint64_t)offset > m->len) {
		return -1;
	}
	m->off = (size_t)offset;
	return offset;
}

/* ---- one decode run ---- */

typedef struct run {
	const hf_vpdq_reader *rd;
	const hf_vpdq_options *opt;
	struct timespec start;
	bool timed_out;
	bool read_failed;
	int64_t pos; /* reader position as FFmpeg sees it */

	AVIOContext *io;
	AVFormatContext *fmt;
	AVCodecContext *cc;
	AVPacket *pkt;
	AVFrame *frame;
	struct SwsContext *sws;
	int sws_w, sws_h, sws_fmt; /* source of the current sws context */
	uint8_t *rgb;              /* RGB24 target, rgb_stride bytes a row */
	int rgb_stride;
	hfi_pdq_ws *ws;

	int stream;
	uint32_t out_w, out_h; /* the stream's declared size: vpdq's target size */
	double fps;
	float fps_f;
	uint64_t modulus;
	uint64_t number; /* frames decoded so far */
	hf_vpdq *out;
} run;

static uint64_t elapsed_ms(const run *r)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (int64_t)(now.tv_sec - r->start.tv_sec) * 1000 +
	             (now.tv_nsec - r->start.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint64_t)ms;
}

static bool over_time(run *r)
{
	if (!r->timed_out && elapsed_ms(r) > r->opt->limits.max_decode_ms) {
		r->timed_out = true;
	}
	return r->timed_out;
}

/* FFmpeg's interrupt callback: nonzero stops blocking demuxer work. */
static int interrupt_cb(void *opaque)
{
	return over_time(opaque) ? 1 : 0;
}

static int io_read(void *opaque, uint8_t *buf, int len)
{
	run *r = opaque;
	if (len <= 0) {
		return 0;
	}
	if (over_time(r)) {
		return AVERROR_EXIT;
	}
	long n = r->rd->read(r->rd->opaque, buf, (size_t)len);
	if (n < 0 || n > len) {
		r->read_failed = true;
		return AVERROR(EIO);
	}
	if (n == 0) {
		return AVERROR_EOF;
	}
	r->pos += n;
	return (int)n;
}

static int64_t io_seek(void *opaque, int64_t offset, int whence)
{
	run *r = opaque;
	int64_t target;
	whence &= ~AVSEEK_FORCE;
	if (whence == AVSEEK_SIZE) {
		return r->rd->size >= 0 ? r->rd->size : AVERROR(ENOSYS);
	}
	if (r->rd->seek == NULL) {
		return AVERROR(ESPIPE);
	}
	switch (whence) {
	case SEEK_SET:
		target = offset;
		break;
	case SEEK_CUR:
		target = r->pos + offset;
		break;
	case SEEK_END:
		if (r->rd->size < 0) {
			return AVERROR(ENOSYS);
		}
		target = r->rd->size + offset;
		break;
	default:
		return AVERROR(EINVAL);
	}
	if (target < 0) {
		return AVERROR(EINVAL);
	}
	int64_t got = r->rd->seek(r->rd->opaque, target);
	if (got != target) {
		return AVERROR(EIO);
	}
	r->pos = target;
	return target;
}

/* Nested I/O (external references, playlists): never. */
static int no_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                      AVDictionary **options)
{
	(void)s;
	(void)pb;
	(void)url;
	(void)flags;
	(void)options;
	return AVERROR(EPERM);
}

static bool name_in_list(const char *name, const char *list)
{
	return name != NULL && av_match_list(name, list, ',') > 0;
}

static hf_err check_size(const hf_vpdq_limits *l, int w, int h)
{
	HF_ENSURE(w > 0 && h > 0, HF_EVIDDECODE);
	HF_ENSURE((uint32_t)w <= l->max_side && (uint32_t)h <= l->max_side, HF_EVIDSIDE);
	HF_ENSURE((uint64_t)w * (uint64_t)h <= l->max_pixels, HF_EVIDSIDE);
	HF_ENSURE(w >= HF_PDQ_MIN_DIM && h >= HF_PDQ_MIN_DIM, HF_EIMGSMALL);
	return HF_OK;
}

/* Map an FFmpeg failure during setup or reading. */
static hf_err av_fail(const run *r, int averr)
{
	if (r->timed_out || averr == AVERROR_EXIT) {
		return HF_EVIDTIME;
	}
	if (r->read_failed) {
		return HF_EIO;
	}
	if (averr == AVERROR(ENOMEM)) {
		return HF_ENOMEM;
	}
	return HF_EVIDDECODE;
}

static hf_err open_input(run *r)
{
	const hf_vpdq_limits *lim = &r->opt->limits;
	AVDictionary *d = NULL;
	int e;

	uint8_t *iobuf = av_malloc(IO_BUF);
	HF_ENSURE(iobuf != NULL, HF_ENOMEM);
	r->io = avio_alloc_context(iobuf, IO_BUF, 0, r, io_read, NULL, io_seek);
	if (r->io == NULL) {
		av_free(iobuf);
		return HF_ENOMEM;
	}
	r->io->seekable = r->rd->seek != NULL ? AVIO_SEEKABLE_NORMAL : 0;
	r->fmt = avformat_alloc_context();
	HF_ENSURE(r->fmt != NULL, HF_ENOMEM);
	r->fmt->pb = r->io;
	r->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	r->fmt->interrupt_callback.callback = interrupt_cb;
	r->fmt->interrupt_callback.opaque = r;
	r->fmt->io_open = no_io_open;
	av_dict_set(&d, "format_whitelist", format_list, 0);
	av_dict_set(&d, "codec_whitelist", codec_list, 0);
	av_dict_set(&d, "protocol_whitelist", "none", 0);
	e = avformat_open_input(&r->fmt, NULL, NULL, &d);
	av_dict_free(&d);
	if (e < 0) {
		/* avformat_open_input frees the context on failure. */
		r->fmt = NULL;
		if (e == AVERROR_INVALIDDATA || e == AVERROR(EINVAL)) {
			return r->timed_out ? HF_EVIDTIME : HF_EVIDDECODE;
		}
		return av_fail(r, e);
	}
	e = avformat_find_stream_info(r->fmt, NULL);
	if (e < 0) {
		return av_fail(r, e);
	}
	HF_ENSURE(!r->timed_out, HF_EVIDTIME);
	r->stream = -1;
	for (unsigned i = 0; i < r->fmt->nb_streams; i++) {
		if (r->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
			r->stream = (int)i;
			break;
		}
	}
	HF_ENSURE(r->stream >= 0, HF_EVIDFORMAT);
	for (unsigned i = 0; i < r->fmt->nb_streams; i++) {
		if ((int)i != r->stream) {
			r->fmt->streams[i]->discard = AVDISCARD_ALL;
		}
	}
	AVStream *st = r->fmt->streams[r->stream];
	HF_TRY(check_size(lim, st->codecpar->width, st->codecpar->height));
	r->out_w = (uint32_t)st->codecpar->width;
	r->out_h = (uint32_t)st->codecpar->height;

	if (r->fmt->duration != AV_NOPTS_VALUE && r->fmt->duration > 0) {
		HF_ENSURE(r->fmt->duration / AV_TIME_BASE <= (int64_t)lim->max_seconds,
		          HF_EVIDDURATION);
	}

	AVRational rate = st->avg_frame_rate;
	if (rate.num == 0 || rate.den == 0) {
		rate = st->r_frame_rate;
	}
	HF_ENSURE(rate.num > 0 && rate.den > 0, HF_EVIDFORMAT);
	r->fps = (double)rate.num / (double)rate.den;
	r->fps_f = (float)r->fps;
	HF_ENSURE(isfinite(r->fps) && r->fps_f > 0.0f, HF_EVIDFORMAT);
	double sph = r->opt->seconds_per_hash;
	double mod = sph * r->fps;
	/* vpdq: (int)(seconds * fps), 0 -> 1; clamped before the conversion. */
	r->modulus = mod >= 1.0 ? (mod > 1e15 ? (uint64_t)1e15 : (uint64_t)mod) : 1;

	const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
	HF_ENSURE(codec != NULL && name_in_list(codec->name, codec_list), HF_EVIDFORMAT);
	r->cc = avcodec_alloc_context3(codec);
	HF_ENSURE(r->cc != NULL, HF_ENOMEM);
	e = avcodec_parameters_to_context(r->cc, st->codecpar);
	HF_ENSURE(e >= 0, HF_EVIDDECODE);
	r->cc->thread_count = (int)(r->opt->threads > 64 ? 64 : r->opt->threads);
	r->cc->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
	av_dict_set(&d, "codec_whitelist", codec_list, 0);
	e = avcodec_open2(r->cc, codec, &d);
	av_dict_free(&d);
	HF_ENSURE(e >= 0, e == AVERROR(ENOMEM) ? HF_ENOMEM : HF_EVIDFORMAT);
	snprintf(r->out->codec, sizeof(r->out->codec), "%s", codec->name);
	r->out->fps = r->fps;
	r->out->width = r->out_w;
	r->out->height = r->out_h;

	r->pkt = av_packet_alloc();
	r->frame = av_frame_alloc();
	HF_ENSURE(r->pkt != NULL && r->frame != NULL, HF_ENOMEM);
	r->rgb_stride = (int)(((size_t)r->out_w * 3 + 63) & ~(size_t)63);
	r->rgb = av_malloc((size_t)r->rgb_stride * r->out_h + 64);
	HF_ENSURE(r->rgb != NULL, HF_ENOMEM);
	return hfi_pdq_ws_new(r->out_w, r->out_h, &r->ws);
}

/* Convert and hash the decoded frame in r->frame as frame number `n`. */
static hf_err hash_frame(run *r, uint64_t n)
{
	AVFrame *f = r->frame;
	HF_TRY(check_size(&r->opt->limits, f->width, f->height));
	if (r->sws == NULL || f->width != r->sws_w || f->height != r->sws_h ||
	    f->format != r->sws_fmt) {
		sws_freeContext(r->sws);
		r->sws = sws_getContext(f->width, f->height, (enum AVPixelFormat)f->format,
		                        (int)r->out_w, (int)r->out_h, AV_PIX_FMT_RGB24, SWS_AREA,
		                        NULL, NULL, NULL);
		HF_ENSURE(r->sws != NULL, HF_EVIDDECODE);
		r->sws_w = f->width;
		r->sws_h = f->height;
		r->sws_fmt = f->format;
	}
	uint8_t *dst[4] = {r->rgb, NULL, NULL, NULL};
	int dst_stride[4] = {r->rgb_stride, 0, 0, 0};
	int rows = sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
	                     dst, dst_stride);
	HF_ENSURE(rows == (int)r->out_h, HF_EVIDDECODE);

	hf_vpdq_frame vf;
	memset(&vf, 0, sizeof(vf));
	HF_TRY(hfi_pdq_hash_full(r->ws, r->rgb, (size_t)r->rgb_stride, 3, &vf.hash, &vf.quality));
	vf.frame = (uint32_t)n;
	vf.seconds = (double)((float)n / r->fps_f);
	return hf_vpdq_push(r->out, &vf);
}

/* Take every frame the decoder has ready. */
static hf_err drain(run *r)
{
	const hf_vpdq_limits *lim = &r->opt->limits;
	for (;;) {
		int e = avcodec_receive_frame(r->cc, r->frame);
		if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) {
			return HF_OK;
		}
		if (e < 0) {
			r->out->decode_errors++;
			return e == AVERROR(ENOMEM) ? HF_ENOMEM : HF_OK;
		}
		uint64_t n = r->number++;
		hf_err rc = HF_OK;
		if (r->number > lim->max_frames) {
			rc = HF_EVIDFRAMES;
		} else if ((double)n / r->fps > (double)lim->max_seconds) {
			rc = HF_EVIDDURATION;
		} else if (n % r->modulus == 0) {
			rc = hash_frame(r, n);
		}
		av_frame_unref(r->frame);
		HF_TRY(rc);
		HF_ENSURE(!over_time(r), HF_EVIDTIME);
	}
}

static hf_err decode_all(run *r)
{
	for (;;) {
		int e = av_read_frame(r->fmt, r->pkt);
		if (e < 0) {
			HF_ENSURE(!r->timed_out && e != AVERROR_EXIT, HF_EVIDTIME);
			HF_ENSURE(!r->read_failed, HF_EIO);
			HF_ENSURE(e != AVERROR(ENOMEM), HF_ENOMEM);
			if (e != AVERROR_EOF) {
				r->out->truncated = true;
			}
			break;
		}
		if (r->pkt->stream_index != r->stream) {
			av_packet_unref(r->pkt);
			continue;
		}
		e = avcodec_send_packet(r->cc, r->pkt);
		av_packet_unref(r->pkt);
		if (e < 0 && e != AVERROR(EAGAIN)) {
			HF_ENSURE(e != AVERROR(ENOMEM), HF_ENOMEM);
			r->out->decode_errors++;
		}
		HF_TRY(drain(r));
	}
	/* Flush the decoder's delayed frames. */
	if (avcodec_send_packet(r->cc, NULL) >= 0) {
		HF_TRY(drain(r));
	}
	return HF_OK;
}

static void run_free(run *r)
{
	hfi_pdq_ws_free(r->ws);
	av_free(r->rgb);
	sws_freeContext(r->sws);
	av_frame_free(&r->frame);
	av_packet_free(&r->pkt);
	avcodec_free_context(&r->cc);
	if (r->fmt != NULL) {
		avformat_close_input(&r->fmt);
	}
	if (r->io != NULL) {
		av_freep(&r->io->buffer);
		avio_context_free(&r->io);
	}
}

hf_err hf_vpdq_hash_reader(const hf_vpdq_reader *rd, const hf_vpdq_options *opt, hf_vpdq *out)
{
	hf_vpdq_options def = hf_vpdq_options_default();
	run r;
	hf_err rc;

	memset(out, 0, sizeof(*out));
	HF_ENSURE(rd->read != NULL, HF_EINVAL);
	if (opt == NULL) {
		opt = &def;
	}
	HF_ENSURE(isfinite(opt->seconds_per_hash) && opt->seconds_per_hash >= 0, HF_EINVAL);
	if (rd->size >= 0) {
		HF_ENSURE((uint64_t)rd->size <= opt->limits.max_file_size, HF_EFILESIZE);
	}
	memset(&r, 0, sizeof(r));
	r.rd = rd;
	r.opt = opt;
	r.out = out;
	clock_gettime(CLOCK_MONOTONIC, &r.start);
	HF_CHECK(open_input(&r));
	HF_CHECK(decode_all(&r));
	out->decoded = r.number;
	rc = out->count > 0 ? HF_OK : HF_EVIDDECODE;
out:
	run_free(&r);
	if (rc != HF_OK) {
		hf_vpdq_clear(out);
	}
	return rc;
}

hf_err hf_vpdq_hash_buffer(const uint8_t *data, size_t len, const hf_vpdq_options *opt,
                           hf_vpdq *out)
{
	membuf m = {data, len, 0};
	hf_vpdq_reader rd = {&m, mem_read, mem_seek, (int64_t)len};
	memset(out, 0, sizeof(*out));
	HF_ENSURE(data != NULL || len == 0, HF_EINVAL);
	return hf_vpdq_hash_reader(&rd, opt, out);
}
