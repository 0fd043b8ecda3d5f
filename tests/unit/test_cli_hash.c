/*
 * The `hashfed hash` CLI: JSON escaping (node/cli/json.c, compiled in here),
 * and the built binary end to end: one line per file in argument order, error
 * lines with the hf_err name, exit status, the fstat size check, --dihedral.
 * The binary tests skip (with the reason) if build/bin/hashfed is missing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hf_test.h"
#include "hashfed/content.h"
#include "hashfed/limits.h"

#include "../../node/cli/json.c"

static char *escape(const char *s)
{
	static char buf[512];
	memset(buf, 0, sizeof(buf));
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	hfn_cli_json_escape(f, s);
	fclose(f);
	return buf;
}

static void test_cli_json_escape(void **state)
{
	(void)state;
	assert_string_equal(escape("plain/name.jpg"), "plain/name.jpg");
	assert_string_equal(escape("a\"b\\c"), "a\\\"b\\\\c");
	assert_string_equal(escape("new\nline\ttab\x01\x7f"), "new\\nline\\ttab\\u0001\\u007f");
	/* Valid UTF-8 passes through; invalid bytes become U+FFFD. */
	assert_string_equal(escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	                    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(escape("bad\xff\xc3"), "bad\\ufffd\\ufffd");
	assert_string_equal(escape("\xc0\xaf"), "\\ufffd\\ufffd");            /* overlong */
	assert_string_equal(escape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd"); /* surrogate */
	assert_string_equal(escape("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");
	assert_string_equal(escape(""), "");
}

/* Run the CLI without a shell; stdout into out (NUL-terminated). */
static int run_cli(char *const argv[], char *out, size_t out_size)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t r;
	while ((r = read(fds[0], out + len, out_size - 1 - len)) > 0) {
		len += (size_t)r;
	}
	out[len] = '\0';
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static bool cli_path(char *out, size_t n)
{
	snprintf(out, n, "%s/bin/hashfed", HF_BINARY_DIR);
	if (access(out, X_OK) != 0) {
		fprintf(stderr, "skipped: %s not built\n", out);
		return false;
	}
	return true;
}

static char tmpdir[] = "/tmp/hf_test_cli_XXXXXX";
/* Writable argv strings (execv takes char *const[]). */
static char a_hash[] = "hash", a_json[] = "--json", a_dih[] = "--dihedral", a_jobs[] = "--jobs",
            a_2[] = "2", a_0[] = "0", a_bogus[] = "--bogus", a_nope[] = "nope", a_help[] = "--help";

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_cli_hash_end_to_end(void **state)
{
	(void)state;
	char bin[512], png[512], jpg[512], weird[600], junk[600], big[600], missing[600];
	static char out[1 << 16];
	if (!cli_path(bin, sizeof(bin))) {
		skip();
	}
	snprintf(png, sizeof(png), "%s/fuzz/corpus/image/g8.png", HF_SOURCE_DIR);
	snprintf(jpg, sizeof(jpg), "%s/fuzz/corpus/image/g.jpg", HF_SOURCE_DIR);
	assert_non_null(mkdtemp(tmpdir));
	size_t len;
	uint8_t *png_bytes = hf_test_read_file(png, &len);
	assert_non_null(png_bytes);
	snprintf(weird, sizeof(weird), "%s/we\"ird\\name\x01\xff.png", tmpdir);
	write_file(weird, png_bytes, len);
	snprintf(junk, sizeof(junk), "%s/junk.png", tmpdir);
	write_file(junk, "not an image", 12);
	/* Sparse file one byte over the limit: refused by fstat, never read. */
	snprintf(big, sizeof(big), "%s/big.jpg", tmpdir);
	int fd = open(big, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)HF_IMG_MAX_FILE_SIZE + 1), 0);
	close(fd);
	snprintf(missing, sizeof(missing), "%s/missing.png", tmpdir);

	hf_content_hashes h;
	char pdq[65], md5[33];
	assert_int_equal(hf_content_hash(png_bytes, len, NULL, true, &h), HF_OK);
	hf_pdq_to_hex(&h.pdq, pdq);
	hf_hex_lower(h.digests.md5, HF_MD5_LEN, md5);

	char *argv1[] = {bin, a_hash, a_json, png, junk, weird, big, missing, jpg, NULL};
	assert_int_equal(run_cli(argv1, out, sizeof(out)), 1);
	char *lines[8] = {0};
	int n = 0;
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l != NULL && n < 8;
	     l = strtok_r(NULL, "\n", &save)) {
		lines[n++] = l;
	}
	assert_int_equal(n, 6);
	char want[800];
	snprintf(want, sizeof(want),
	         "{\"file\":\"%s\",\"pdq\":\"%s\",\"quality\":%d,\"md5\":\"%s\"", png, pdq,
	         h.quality, md5);
	assert_true(strncmp(lines[0], want, strlen(want)) == 0);
	assert_non_null(strstr(lines[1], "\"error\":\"HF_EIMGFORMAT\""));
	assert_non_null(strstr(lines[2], "we\\\"ird\\\\name\\u0001\\ufffd.png\",\"pdq\":\""));
	assert_non_null(strstr(lines[2], pdq));
	assert_non_null(strstr(lines[3], "\"error\":\"HF_EFILESIZE\""));
	assert_non_null(strstr(lines[4], "\"error\":\"HF_EIO\""));
	assert_non_null(strstr(lines[5], "\"sha256\":\""));

	/* All good: status 0; --dihedral lists 8 hashes, the first the hash itself. */
	char *argv2[] = {bin, a_hash, a_json, a_dih, png, NULL};
	assert_int_equal(run_cli(argv2, out, sizeof(out)), 0);
	char dih[100];
	snprintf(dih, sizeof(dih), "\"pdq_dihedral\":[\"%s\",", pdq);
	assert_non_null(strstr(out, dih));
	int quotes = 0;
	for (const char *p = strstr(out, "pdq_dihedral"); *p != ']'; p++) {
		quotes += *p == '"';
	}
	assert_int_equal(quotes, 1 + 16); /* the key's closing quote + 8 strings */

	/* Text mode, several jobs: same order. */
	char *argv3[] = {bin, a_hash, a_jobs, a_2, jpg, png, jpg, NULL};
	assert_int_equal(run_cli(argv3, out, sizeof(out)), 0);
	char *second = strchr(out, '\n') + 1;
	assert_true(strncmp(out, jpg, strlen(jpg)) == 0);
	assert_true(strncmp(second, png, strlen(png)) == 0);
	assert_non_null(strstr(second, pdq));

	/* Usage errors. */
	char *argv4[] = {bin, a_hash, NULL};
	assert_int_equal(run_cli(argv4, out, sizeof(out)), 2);
	char *argv5[] = {bin, a_hash, a_bogus, png, NULL};
	assert_int_equal(run_cli(argv5, out, sizeof(out)), 2);
	char *argv6[] = {bin, a_hash, a_jobs, a_0, png, NULL};
	assert_int_equal(run_cli(argv6, out, sizeof(out)), 2);
	char *argv7[] = {bin, a_nope, NULL};
	assert_int_equal(run_cli(argv7, out, sizeof(out)), 2);
	char *argv8[] = {bin, a_hash, a_help, NULL};
	assert_int_equal(run_cli(argv8, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "usage: hashfed hash"));
	char *argv9[] = {bin, a_help, NULL};
	assert_int_equal(run_cli(argv9, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "hash "));

	unlink(weird);
	unlink(junk);
	unlink(big);
	rmdir(tmpdir);
	free(png_bytes);
}

/* A video: vPDQ frames with quality and timestamp, MD5/SHA-256 of the bytes;
 * `hashfed vpdq text` prints Meta's format, `compare` Meta's rule. */
static void test_cli_hash_video(void **state)
{
	(void)state;
	char bin[512], mp4[512];
	static char out[1 << 16];
	if (!cli_path(bin, sizeof(bin))) {
		skip();
	}
	snprintf(mp4, sizeof(mp4), "%s/fuzz/corpus/vpdq/h264.mp4", HF_SOURCE_DIR);
	size_t len;
	uint8_t *bytes = hf_test_read_file(mp4, &len);
	assert_non_null(bytes);
	hf_digests d;
	assert_int_equal(hf_digest_buf(bytes, len, &d), HF_OK);
	char md5[33], sha[65];
	hf_hex_lower(d.md5, HF_MD5_LEN, md5);
	hf_hex_lower(d.sha256, HF_SHA256_LEN, sha);
	free(bytes);

	char a_every[] = "--every-frame", a_sph[] = "--seconds-per-hash", a_half[] = "0.5";
	char *argv1[] = {bin, a_hash, a_json, a_every, mp4, NULL};
	assert_int_equal(run_cli(argv1, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"type\":\"video\""));
	assert_non_null(strstr(out, md5));
	assert_non_null(strstr(out, sha));
	assert_non_null(strstr(out, "{\"frame\":0,\"quality\":"));
	assert_non_null(strstr(out, "{\"frame\":9,\"quality\":"));
	assert_non_null(strstr(out, "\"seconds\":0.900}"));
	char *argv2[] = {bin, a_hash, a_json, a_sph, a_half, mp4, NULL};
	assert_int_equal(run_cli(argv2, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "{\"frame\":5,"));
	assert_null(strstr(out, "{\"frame\":4,"));

	char a_vpdq[] = "vpdq", a_text[] = "text", a_cmp[] = "compare";
	char *argv3[] = {bin, a_vpdq, a_text, a_every, mp4, NULL};
	assert_int_equal(run_cli(argv3, out, sizeof(out)), 0);
	assert_true(strncmp(out, "0,", 2) == 0);
	assert_non_null(strstr(out, ",0.100\n2,"));
	int lines = 0;
	for (const char *p = out; *p; p++) {
		lines += *p == '\n';
	}
	assert_int_equal(lines, 10);
	/* Meta's text back in: a video compared with its own hash file. */
	char txt[600];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hf_test_cli_XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(txt, sizeof(txt), "%s/h.txt", tmpdir);
	write_file(txt, out, strlen(out));
	char *argv4[] = {bin, a_vpdq, a_cmp, a_every, mp4, txt, NULL};
	assert_int_equal(run_cli(argv4, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "query_match_percent 100.000"));
	assert_non_null(strstr(out, "match yes"));
	unlink(txt);
	rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_json_escape),
	    cmocka_unit_test(test_cli_hash_end_to_end),
	    cmocka_unit_test(test_cli_hash_video),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
