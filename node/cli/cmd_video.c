/*
 * Video files in the CLI (docs/video.md):
 *  - hashing for `hashfed hash` (a file that is not an image is hashed as a
 *    video): vPDQ from the library over a pread reader, so a large video is
 *    never read into memory whole, with MD5/SHA-256 of the bytes computed
 *    on a second thread in the same wall-clock time;
 *  - `hashfed vpdq compare A B`: Meta's comparison rule between two videos
 *    or hash files in Meta's text format;
 *  - `hashfed vpdq text FILE`: a video's vPDQ hash in Meta's text format.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hashfed/digest.h"
#include "hashfed/image.h"
#include "hashfed/vpdq.h"
#include "hashfed/vpdq_match.h"

const char hfn_cli_vpdq_usage[] =
    "usage: hashfed vpdq text [--every-frame | --seconds-per-hash S] VIDEO\n"
    "       hashfed vpdq compare [--distance D] [--quality Q] [--every-frame |\n"
    "                            --seconds-per-hash S] QUERY COMPARED\n"
    "\n"
    "text     print VIDEO's vPDQ hash in Meta's format (frame,quality,hex,seconds)\n"
    "compare  Meta's vPDQ comparison of two videos; each argument is a video file or\n"
    "         a hash file in Meta's text format. Prints the share of QUERY frames\n"
    "         found in COMPARED and the reverse, in percent, and the matching time\n"
    "         ranges.\n"
    "\n"
    "  --every-frame          hash every frame (default: one frame per second)\n"
    "  --seconds-per-hash S   one frame every S seconds (0: every frame)\n"
    "  --distance D           frames match at Hamming distance below D, default 31\n"
    "  --quality Q            frames of lower PDQ quality are ignored, default 50\n"
    "\n"
    "Exit status: 0 done, 1 a file failed, 2 usage.\n";

typedef struct fd_reader {
	int fd;
	int64_t pos;
} fd_reader;

static long fd_read(void *opaque, uint8_t *buf, size_t len)
{
	fd_reader *r = opaque;
	for (;;) {
		ssize_t n = pread(r->fd, buf, len, (off_t)r->pos);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -1;
		}
		r->pos += n;
		return (long)n;
	}
}

static int64_t fd_seek(void *opaque, int64_t off)
{
	fd_reader *r = opaque;
	r->pos = off;
	return off;
}

typedef struct digest_job {
	int fd;
	hf_digests out;
	hf_err rc;
} digest_job;

static void *digest_main(void *arg)
{
	digest_job *d = arg;
	hf_digest *dg = NULL;
	uint8_t buf[65536];
	int64_t pos = 0;

	d->rc = hf_digest_new(&dg);
	while (d->rc == HF_OK) {
		ssize_t n = pread(d->fd, buf, sizeof(buf), (off_t)pos);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			d->rc = HF_EIO;
			break;
		}
		if (n == 0) {
			d->rc = hf_digest_final(dg, &d->out);
			break;
		}
		pos += n;
		d->rc = hf_digest_update(dg, buf, (size_t)n);
	}
	hf_digest_free(dg);
	return NULL;
}

hf_err hfn_cli_video_hash_fd(int fd, const hf_vpdq_options *opt, hf_vpdq *out, hf_digests *dg)
{
	struct stat st;
	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		return HF_EIO;
	}
	if ((uint64_t)st.st_size > opt->limits.max_file_size) {
		return HF_EFILESIZE;
	}
	digest_job d = {.fd = fd, .rc = HF_EINTERNAL};
	pthread_t tid;
	bool threaded = dg != NULL && pthread_create(&tid, NULL, digest_main, &d) == 0;
	fd_reader fr = {fd, 0};
	hf_vpdq_reader rd = {&fr, fd_read, fd_seek, (int64_t)st.st_size};
	hf_err rc = hf_vpdq_hash_reader(&rd, opt, out);
	if (dg != NULL) {
		if (threaded) {
			pthread_join(tid, NULL);
		} else {
			digest_main(&d);
		}
		*dg = d.out;
		if (rc == HF_OK && d.rc != HF_OK) {
			rc = d.rc;
			hf_vpdq_clear(out);
		}
	}
	return rc;
}

/* True if fd starts like a video container and not like an image. */
bool hfn_cli_is_video_fd(int fd)
{
	uint8_t head[256];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	return n > 0 && hf_image_sniff(head, (size_t)n) == HF_IMAGE_UNKNOWN &&
	       hf_vpdq_sniff(head, (size_t)n);
}

/* The digests and the frames, as JSON members (no braces) or as text lines. */
static void print_hashes(FILE *f, const hf_vpdq *v, const hf_digests *dg, bool json)
{
	char md5[HF_MD5_LEN * 2 + 1], sha256[HF_SHA256_LEN * 2 + 1], pdq[HF_PDQ_HEX_LEN + 1];
	hf_hex_lower(dg->md5, HF_MD5_LEN, md5);
	hf_hex_lower(dg->sha256, HF_SHA256_LEN, sha256);
	if (json)
		fprintf(f, "\"md5\":\"%s\",\"sha256\":\"%s\",\"vpdq\":[", md5, sha256);
	else
		fprintf(f, " md5=%s sha256=%s\n", md5, sha256);
	for (size_t i = 0; i < v->count; i++) {
		const hf_vpdq_frame *fr = &v->frames[i];
		hf_pdq_to_hex(&fr->hash, pdq);
		if (json)
			fprintf(f,
			        "%s{\"frame\":%u,\"quality\":%d,\"pdq\":\"%s\",\"seconds\":%.3f}",
			        i ? "," : "", (unsigned)fr->frame, fr->quality, pdq, fr->seconds);
		else
			fprintf(f, "%u,%d,%s,%.3f\n", (unsigned)fr->frame, fr->quality, pdq,
			        fr->seconds);
	}
	if (json)
		fputc(']', f);
}

void hfn_cli_video_print_json(FILE *f, const hf_vpdq *v, const hf_digests *dg)
{
	fprintf(f, "\"type\":\"video\",\"codec\":\"");
	hfn_cli_json_escape(f, v->codec);
	fprintf(f, "\",\"width\":%u,\"height\":%u,\"fps\":%.6g,\"frames_decoded\":%llu,", v->width,
	        v->height, v->fps, (unsigned long long)v->decoded);
	if (v->decode_errors > 0 || v->truncated) {
		fprintf(f, "\"decode_errors\":%u,\"truncated\":%s,", v->decode_errors,
		        v->truncated ? "true" : "false");
	}
	print_hashes(f, v, dg, true);
}

void hfn_cli_video_print_text(FILE *f, const hf_vpdq *v, const hf_digests *dg)
{
	fprintf(f, "vpdq frames=%zu decoded=%llu fps=%.6g size=%ux%u codec=%s", v->count,
	        (unsigned long long)v->decoded, v->fps, v->width, v->height, v->codec);
	print_hashes(f, v, dg, false);
}

/* Option parsing shared by hash and vpdq: returns 1 if argv[*i] was ours. */
int hfn_cli_video_option(int argc, char **argv, int *i, hf_vpdq_options *o)
{
	if (strcmp(argv[*i], "--every-frame") == 0) {
		o->seconds_per_hash = 0;
		return 1;
	}
	if (strcmp(argv[*i], "--seconds-per-hash") == 0 && *i + 1 < argc) {
		char *end;
		errno = 0;
		double s = strtod(argv[*i + 1], &end);
		if (errno != 0 || *end != '\0' || !(s >= 0 && s <= 86400)) {
			fprintf(stderr, "hashfed: --seconds-per-hash wants 0..86400\n");
			return -1;
		}
		o->seconds_per_hash = s;
		(*i)++;
		return 1;
	}
	return 0;
}

/* A video file, or Meta's text format if it parses as one. */
static hf_err load_any(const char *path, const hf_vpdq_options *o, hf_vpdq *out, char *msg,
                       size_t msglen)
{
	return hfn_cli_vpdq_load(path, o, out, NULL, msg, msglen);
}

hf_err hfn_cli_vpdq_load(const char *path, const hf_vpdq_options *o, hf_vpdq *out, hf_digests *dg,
                         char *msg, size_t msglen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, msglen, "%s", strerror(errno));
		return HF_EIO;
	}
	struct stat st;
	hf_err rc = HF_EIO;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= (off_t)HF_VID_MAX_HASH_FRAMES * HF_VID_TEXT_MAX_LINE) {
		/* Try the text format first: it is cheap and a video never parses. */
		size_t len = (size_t)st.st_size;
		uint8_t *buf = malloc(len > 0 ? len : 1);
		if (buf != NULL && pread(fd, buf, len, 0) == (ssize_t)len &&
		    hf_vpdq_from_text(buf, len, out, NULL) == HF_OK) {
			free(buf);
			close(fd);
			return HF_OK;
		}
		free(buf);
	}
	rc = hfn_cli_video_hash_fd(fd, o, out, dg);
	close(fd);
	snprintf(msg, msglen, "%s", hf_strerror(rc));
	return rc;
}

static int parse_uint_opt(const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max) {
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static void print_ranges(const char *name, const hf_vpdq_range *r, size_t n)
{
	printf("%s", name);
	for (size_t i = 0; i < n; i++) {
		printf(" %.3f-%.3f", r[i].start, r[i].end);
	}
	printf("\n");
}

int hfn_cli_cmd_vpdq(int argc, char **argv)
{
	hf_vpdq_options o = hf_vpdq_options_default();
	hf_vpdq_match_params mp = hf_vpdq_match_params_default();
	if (argc < 2) {
		fputs(hfn_cli_vpdq_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	const char *sub = argv[1];
	int i = 2;
	for (; i < argc && argv[i][0] == '-'; i++) {
		int r = hfn_cli_video_option(argc, argv, &i, &o);
		if (r < 0) {
			return HFN_CLI_EXIT_USAGE;
		}
		if (r > 0) {
			continue;
		}
		unsigned v;
		if (strcmp(argv[i], "--distance") == 0 && i + 1 < argc &&
		    parse_uint_opt(argv[i + 1], 257, &v) == 0) {
			mp.distance = v;
			i++;
		} else if (strcmp(argv[i], "--quality") == 0 && i + 1 < argc &&
		           parse_uint_opt(argv[i + 1], 100, &v) == 0) {
			mp.quality = (int)v;
			i++;
		} else {
			fprintf(stderr, "hashfed vpdq: bad option '%s'\n%s", argv[i],
			        hfn_cli_vpdq_usage);
			return HFN_CLI_EXIT_USAGE;
		}
	}
	hf_vpdq_ffmpeg_log(false);
	char msg[160];
	if (strcmp(sub, "text") == 0 && i + 1 == argc) {
		hf_vpdq v;
		hf_err rc = load_any(argv[i], &o, &v, msg, sizeof(msg));
		if (rc != HF_OK) {
			fprintf(stderr, "hashfed vpdq: %s: %s (%s)\n", argv[i], msg,
			        hf_err_name(rc));
			return HFN_CLI_EXIT_FAIL;
		}
		for (size_t k = 0; k < v.count; k++) {
			char hex[HF_PDQ_HEX_LEN + 1];
			hf_pdq_to_hex(&v.frames[k].hash, hex);
			printf("%u,%d,%s,%.3f\n", (unsigned)v.frames[k].frame, v.frames[k].quality,
			       hex, v.frames[k].seconds);
		}
		hf_vpdq_clear(&v);
		return fflush(stdout) == 0 ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_FAIL;
	}
	if (strcmp(sub, "compare") == 0 && i + 2 == argc) {
		hf_vpdq a, b;
		hf_err rc = load_any(argv[i], &o, &a, msg, sizeof(msg));
		if (rc != HF_OK) {
			fprintf(stderr, "hashfed vpdq: %s: %s (%s)\n", argv[i], msg,
			        hf_err_name(rc));
			return HFN_CLI_EXIT_FAIL;
		}
		rc = load_any(argv[i + 1], &o, &b, msg, sizeof(msg));
		if (rc != HF_OK) {
			fprintf(stderr, "hashfed vpdq: %s: %s (%s)\n", argv[i + 1], msg,
			        hf_err_name(rc));
			hf_vpdq_clear(&a);
			return HFN_CLI_EXIT_FAIL;
		}
		hf_vpdq_match_result res;
		rc = hf_vpdq_compare(&a, &b, &mp, &res);
		if (rc == HF_OK) {
			printf("query_match_percent %.3f\ncompared_match_percent %.3f\nmatch %s\n",
			       res.query_pct, res.compared_pct, res.match ? "yes" : "no");
			print_ranges("query_ranges", res.query_ranges, res.n_query_ranges);
			print_ranges("compared_ranges", res.compared_ranges, res.n_compared_ranges);
			hf_vpdq_match_result_clear(&res);
		}
		hf_vpdq_clear(&a);
		hf_vpdq_clear(&b);
		if (rc != HF_OK) {
			fprintf(stderr, "hashfed vpdq: compare: %s\n", hf_err_name(rc));
			return HFN_CLI_EXIT_FAIL;
		}
		return fflush(stdout) == 0 ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_FAIL;
	}
	fputs(hfn_cli_vpdq_usage, stderr);
	return HFN_CLI_EXIT_USAGE;
}
