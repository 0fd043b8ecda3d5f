/*
 * hashfed hash [--json] [--dihedral] [--jobs N] [--every-frame |
 *              --seconds-per-hash S] FILE...
 *
 * PDQ + quality + MD5 + SHA-256 of each image file (vPDQ instead of PDQ for a
 * video file: cmd_video.c), one line per file in argument order. Files are hashed in parallel (one
 * worker per core by default); a failing file gets an error line and makes the exit status 1, the
 * others are still hashed. Each file's size is checked with fstat against the image file size limit
 * before a byte is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "progress.h"
#include "hashfed/content.h"
#include "hashfed/err.h"
#include "hashfed/vpdq.h"

const char hfn_cli_hash_usage[] =
    "usage: hashfed hash [--json] [--dihedral] [--jobs N] [--every-frame |\n"
    "                    --seconds-per-hash S] FILE...\n"
    "\n"
    "Hash image files (JPEG, PNG, WebP) with PDQ, video files (MP4, MOV, WebM, MKV,\n"
    "AVI, ...) with vPDQ (Meta's video PDQ), and the bytes of both with MD5 and\n"
    "SHA-256. One line per file, in argument order (a video's text output adds its\n"
    "frame hashes in Meta's format, frame,quality,hex,seconds, one per line).\n"
    "\n"
    "  --json       one JSON object per line: {\"file\", \"pdq\", \"quality\", \"md5\",\n"
    "               \"sha256\"}; for a video {\"file\", \"type\":\"video\", \"md5\",\n"
    "               \"sha256\", \"vpdq\":[{\"frame\", \"quality\", \"pdq\", \"seconds\"}...],\n"
    "               ...} or, on failure, {\"file\", \"error\", \"message\"}\n"
    "  --dihedral   also the 8 orientation variants of the PDQ hash (\"pdq_dihedral\"),\n"
    "               in the reference order: original, rotate 90, 180, 270, flip x,\n"
    "               flip y, flip +1, flip -1\n"
    "  --jobs N     worker threads (default: one per online CPU, at most 16)\n"
    "  --every-frame          video: hash every frame (default: one per second)\n"
    "  --seconds-per-hash S   video: one frame every S seconds (0: every frame)\n"
    "\n"
    "Exit status: 0 if every file was hashed, 1 if any failed, 2 on usage errors.\n"
    "PDQ quality below 50 means the hash should not be shared (upstream advice).\n";

enum { MAX_JOBS = 16, MSG_LEN = 192 };

typedef struct job {
	const char *path;
	hf_err rc;
	char msg[MSG_LEN]; /* set for I/O failures, else hf_strerror(rc) */
	hf_content_hashes h;
	bool video; /* then v and h.digests hold the result */
	hf_vpdq v;
	bool done;
} job;

typedef struct pool {
	job *jobs;
	size_t n;
	size_t next;
	bool dihedral;
	hf_image_limits lim;
	hf_vpdq_options vopt;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} pool;

static hf_err io_error(job *j, const char *what, int err)
{
	snprintf(j->msg, sizeof(j->msg), "%s: %s", what, strerror(err));
	return HF_EIO;
}

/*
 * Read the whole file, bounded by max bytes (checked with fstat before
 * reading). Not mmap: a file truncated by someone else while mapped would
 * kill the process with SIGBUS, and hostile input must never crash us.
 */
static hf_err read_file(job *j, size_t max, uint8_t **out, size_t *out_len)
{
	hf_err rc = HF_EIO;
	uint8_t *buf = NULL;
	size_t len = 0, cap;
	struct stat st;
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return io_error(j, "open", errno);
	}
	if (fstat(fd, &st) != 0) {
		rc = io_error(j, "fstat", errno);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = io_error(j, "read", EISDIR);
		goto out;
	}
	bool regular = S_ISREG(st.st_mode);
	if (regular && (uint64_t)st.st_size > max) {
		rc = HF_EFILESIZE;
		goto out;
	}
	/* Pipes and devices have no size: read until EOF, at most max + 1. */
	cap = regular ? (size_t)st.st_size : 65536;
	buf = malloc(cap > 0 ? cap : 1);
	if (buf == NULL) {
		rc = HF_ENOMEM;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (regular || cap > max) {
				break;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			uint8_t *nb = realloc(buf, ncap);
			if (nb == NULL) {
				rc = HF_ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			rc = io_error(j, "read", errno);
			goto out;
		}
		if (r == 0) {
			break;
		}
		len += (size_t)r;
	}
	if (len > max) {
		rc = HF_EFILESIZE;
		goto out;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = HF_OK;
out:
	free(buf);
	close(fd);
	return rc;
}

typedef struct digest_task {
	const uint8_t *data;
	size_t len;
	hf_digests out;
	hf_err rc;
} digest_task;

static void *digest_thread(void *arg)
{
	digest_task *t = arg;
	t->rc = hf_digest_buf(t->data, t->len, &t->out);
	return NULL;
}

/*
 * hf_content_hash with the digests on a second thread, for a lone file (the
 * interactive case): MD5/SHA-256 then cost no wall-clock time next to the
 * image decode. Same results and error precedence as hf_content_hash.
 */
static hf_err content_hash_split(const uint8_t *data, size_t len, const pool *p,
                                 hf_content_hashes *out)
{
	digest_task t = {.data = data, .len = len, .rc = HF_EINTERNAL};
	pthread_t tid;
	hf_image img = {0};
	hf_err rc;

	memset(out, 0, sizeof(*out));
	if (pthread_create(&tid, NULL, digest_thread, &t) != 0) {
		return hf_content_hash(data, len, &p->lim, p->dihedral, out);
	}
	rc = hf_image_decode_pdq(data, len, &p->lim, &img);
	if (rc == HF_OK) {
		out->format = img.format;
		out->width = img.src_width;
		out->height = img.src_height;
		rc = hf_pdq_hash_pixels(img.pixels, img.width, img.height,
		                        (size_t)img.width * img.channels, img.channels, &out->pdq,
		                        &out->quality, p->dihedral ? out->dihedral : NULL);
		out->has_dihedral = rc == HF_OK && p->dihedral;
	}
	hf_image_clear(&img);
	pthread_join(tid, NULL);
	out->digests = t.out;
	out->has_digests = t.rc == HF_OK;
	return t.rc != HF_OK ? t.rc : rc;
}

/* A video file gets vPDQ (cmd_video.c); true if it was one. */
static bool video_job(job *j, const pool *p)
{
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !hfn_cli_is_video_fd(fd)) {
		close(fd);
		return false;
	}
	j->video = true;
	j->rc = hfn_cli_video_hash_fd(fd, &p->vopt, &j->v, &j->h.digests);
	close(fd);
	if (j->rc != HF_OK) {
		snprintf(j->msg, sizeof(j->msg), "%s", hf_strerror(j->rc));
	}
	return true;
}

static void run_job(job *j, const pool *p, bool split)
{
	uint8_t *data = NULL;
	size_t len = 0;

	if (video_job(j, p)) {
		return;
	}
	j->rc = read_file(j, p->lim.max_file_size, &data, &len);
	if (j->rc == HF_OK) {
		j->rc = split ? content_hash_split(data, len, p, &j->h)
		              : hf_content_hash(data, len, &p->lim, p->dihedral, &j->h);
	}
	if (j->rc != HF_OK && j->msg[0] == '\0') {
		snprintf(j->msg, sizeof(j->msg), "%s", hf_strerror(j->rc));
	}
	free(data);
}

static void *worker(void *arg)
{
	pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n) {
			return NULL;
		}
		run_job(&p->jobs[i], p, p->n == 1);
		pthread_mutex_lock(&p->mu);
		p->jobs[i].done = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

static void print_json(const job *j, bool dihedral)
{
	char hex[HF_SHA256_LEN * 2 + 1];

	fputs("{\"file\":\"", stdout);
	hfn_cli_json_escape(stdout, j->path);
	if (j->rc != HF_OK) {
		printf("\",\"error\":\"%s\",\"message\":\"", hf_err_name(j->rc));
		hfn_cli_json_escape(stdout, j->msg);
		fputs("\"}\n", stdout);
		return;
	}
	if (j->video) {
		fputs("\",", stdout);
		hfn_cli_video_print_json(stdout, &j->v, &j->h.digests);
		fputs("}\n", stdout);
		return;
	}
	hf_pdq_to_hex(&j->h.pdq, hex);
	printf("\",\"pdq\":\"%s\",\"quality\":%d", hex, j->h.quality);
	hf_hex_lower(j->h.digests.md5, HF_MD5_LEN, hex);
	printf(",\"md5\":\"%s\"", hex);
	hf_hex_lower(j->h.digests.sha256, HF_SHA256_LEN, hex);
	printf(",\"sha256\":\"%s\"", hex);
	if (dihedral) {
		fputs(",\"pdq_dihedral\":[", stdout);
		for (int k = 0; k < HF_PDQ_DIHEDRAL; k++) {
			hf_pdq_to_hex(&j->h.dihedral[k], hex);
			printf("%s\"%s\"", k ? "," : "", hex);
		}
		fputc(']', stdout);
	}
	fputs("}\n", stdout);
}

static void print_text(const job *j, bool dihedral)
{
	char hex[HF_SHA256_LEN * 2 + 1];

	if (j->rc != HF_OK) {
		printf("%s: error %s: %s\n", j->path, hf_err_name(j->rc), j->msg);
		return;
	}
	if (j->video) {
		printf("%s: ", j->path);
		hfn_cli_video_print_text(stdout, &j->v, &j->h.digests);
		return;
	}
	hf_pdq_to_hex(&j->h.pdq, hex);
	printf("%s: pdq=%s quality=%d", j->path, hex, j->h.quality);
	hf_hex_lower(j->h.digests.md5, HF_MD5_LEN, hex);
	printf(" md5=%s", hex);
	hf_hex_lower(j->h.digests.sha256, HF_SHA256_LEN, hex);
	printf(" sha256=%s", hex);
	if (dihedral) {
		for (int k = 0; k < HF_PDQ_DIHEDRAL; k++) {
			hf_pdq_to_hex(&j->h.dihedral[k], hex);
			printf("%s%s", k ? "," : " dihedral=", hex);
		}
	}
	fputc('\n', stdout);
}

static int parse_jobs(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > MAX_JOBS) {
		fprintf(stderr, "hashfed hash: --jobs wants 1..%d\n", MAX_JOBS);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int hfn_cli_cmd_hash(int argc, char **argv)
{
	bool json = false;
	pool p = {.lim = hf_image_limits_default(), .vopt = hf_vpdq_options_default()};
	unsigned nthreads = 0;
	int i = 1, vo;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--dihedral") == 0) {
			p.dihedral = true;
		} else if ((vo = hfn_cli_video_option(argc, argv, &i, &p.vopt)) != 0) {
			if (vo < 0) {
				return HFN_CLI_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
			if (parse_jobs(argv[++i], &nthreads) != 0) {
				return HFN_CLI_EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "hashfed hash: unknown option '%s'\n%s", argv[i],
			        hfn_cli_hash_usage);
			return HFN_CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(hfn_cli_hash_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	/* Content digests need only the default provider: skipping openssl.cnf
	 * saves about half a millisecond of start-up per process. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	hf_vpdq_ffmpeg_log(false);
	p.n = (size_t)(argc - i);
	p.jobs = calloc(p.n, sizeof(job));
	if (p.jobs == NULL) {
		fprintf(stderr, "hashfed hash: out of memory\n");
		return HFN_CLI_EXIT_FAIL;
	}
	for (size_t k = 0; k < p.n; k++) {
		p.jobs[k].path = argv[i + (int)k];
	}
	if (nthreads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = cpus < 1 ? 1 : cpus > MAX_JOBS ? MAX_JOBS : (unsigned)cpus;
	}
	if (nthreads > p.n) {
		nthreads = (unsigned)p.n;
	}

	pthread_t tids[MAX_JOBS];
	unsigned started = 0;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	/* One file (the common interactive case) needs no thread at all. */
	while (nthreads > 1 && started < nthreads &&
	       pthread_create(&tids[started], NULL, worker, &p) == 0) {
		started++;
	}
	if (started == 0) {
		worker(&p);
	}

	int status = HFN_CLI_EXIT_OK;
	hfn_cli_progress prog;
	bool tty_out = isatty(STDOUT_FILENO);
	hfn_cli_progress_begin(&prog, "hashing", p.n, "files");
	for (size_t k = 0; k < p.n; k++) {
		pthread_mutex_lock(&p.mu);
		while (!p.jobs[k].done) {
			pthread_cond_wait(&p.cv, &p.mu);
		}
		pthread_mutex_unlock(&p.mu);
		if (tty_out) {
			hfn_cli_progress_clear(&prog); /* the result line goes where the bar was */
		}
		if (json) {
			print_json(&p.jobs[k], p.dihedral);
		} else {
			print_text(&p.jobs[k], p.dihedral);
		}
		if (p.jobs[k].rc != HF_OK) {
			status = HFN_CLI_EXIT_FAIL;
		}
		hf_vpdq_clear(&p.jobs[k].v);
		if (tty_out) {
			fflush(stdout);
		}
		hfn_cli_progress_update(&prog, k + 1);
	}
	hfn_cli_progress_end(&prog);
	for (unsigned t = 0; t < started; t++) {
		pthread_join(tids[t], NULL);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	free(p.jobs);
	if (fflush(stdout) != 0) {
		status = HFN_CLI_EXIT_FAIL;
	}
	return status;
}
