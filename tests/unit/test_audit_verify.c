/*
 * `hashfed audit verify` (node/cli/cmd_audit.c) against logs written in the
 * published layout of docs/audit.md: a good log verifies (from a directory and
 * over HTTP); a flipped leaf, a bad signature, a missing cosignature quorum, an
 * inconsistent checkpoint pair, a rollback, a tampered tile and a missing
 * bundle each fail with their named break.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hashfed/audit_log.h"
#include "hashfed/tlog_tiles.h"
#include "hf_test.h"
#include "hf_testlog.h"

#define N_LEAVES 700

static hf_testlog g_log;
static char g_keys[4096];
static const uint64_t g_sizes[] = {1, 256, 300, 512};

static int setup(void **state)
{
	(void)state;
	hf_testlog_init(&g_log, "auditor.example/log");
	if (hf_testlog_fill(&g_log, N_LEAVES) != HF_OK)
		return -1;
	hf_testlog_cli_keys(&g_log, g_keys, sizeof(g_keys));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hf_testlog_free(&g_log);
	return 0;
}

static void case_dir(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/tests/audit-verify/%s", HF_BINARY_DIR, name);
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
	assert_int_equal(system(cmd), 0);
}

/* Runs the CLI; returns its exit status and its output in out. */
static int run_verify(const char *log, const char *extra, char *out, size_t cap)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "'%s/bin/hashfed' audit verify --log '%s' %s %s 2>&1",
	         HF_BINARY_DIR, log, g_keys, extra ? extra : "");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	int st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void expect_break(const char *dir, const char *extra, const char *name)
{
	char out[16384], want[64];
	int rc = run_verify(dir, extra, out, sizeof(out));
	snprintf(want, sizeof(want), "BREAK %s:", name);
	if (rc != 1 || strstr(out, want) == NULL)
		fail_msg("want exit 1 with '%s', got %d:\n%s", want, rc, out);
}

static void write_good(const char *dir, unsigned mask)
{
	assert_int_equal(hf_testlog_write(&g_log, dir, g_sizes, 4, mask), HF_OK);
}

static void test_good_log(void **state)
{
	(void)state;
	char dir[4096], out[16384];
	case_dir("good", dir, sizeof(dir));
	write_good(dir, 0x7);
	int rc = run_verify(dir, NULL, out, sizeof(out));
	if (rc != 0)
		fail_msg("good log rejected:\n%s", out);
	assert_non_null(strstr(out, "OK auditor.example/log size 700"));
	assert_non_null(strstr(out, "5 checkpoints"));
	/* with a lower quorum and a policy file */
	char pol[4200];
	snprintf(pol, sizeof(pol), "%s.policy", dir);
	FILE *f = fopen(pol, "w");
	assert_non_null(f);
	char vk[HF_NOTE_MAX_VKEY];
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(g_log.log), vk, sizeof(vk)),
	                 HF_OK);
	fprintf(f, "# auditor log\norigin auditor.example/log\nlog %s\n", vk);
	assert_int_equal(hf_note_vkey_encode(hf_note_signer_vkey(g_log.w[1]), vk, sizeof(vk)),
	                 HF_OK);
	fprintf(f, "witness %s\nquorum 1\n", vk);
	fclose(f);
	char cmd[16384];
	snprintf(cmd, sizeof(cmd),
	         "'%s/bin/hashfed' audit verify --log '%s' --policy '%s' >/dev/null", HF_BINARY_DIR,
	         dir, pol);
	assert_int_equal(system(cmd), 0);
	/* usage errors exit 2 */
	snprintf(cmd, sizeof(cmd), "'%s/bin/hashfed' audit verify --log '%s' 2>/dev/null",
	         HF_BINARY_DIR, dir);
	assert_int_equal(WEXITSTATUS(system(cmd)), 2);
	rc = run_verify(dir, "--quorum 4", out, sizeof(out));
	assert_int_equal(rc, 2);
	/* the empty log and a log of one leaf also verify */
	hf_testlog small;
	hf_testlog_init(&small, "auditor.example/log");
	case_dir("empty", dir, sizeof(dir));
	assert_int_equal(hf_testlog_write(&small, dir, NULL, 0, 0x7), HF_OK);
	rc = run_verify(dir, NULL, out, sizeof(out));
	if (rc != 0)
		fail_msg("empty log rejected:\n%s", out);
	assert_int_equal(hf_testlog_fill(&small, 1), HF_OK);
	uint64_t s0 = 0;
	case_dir("one", dir, sizeof(dir));
	assert_int_equal(hf_testlog_write(&small, dir, &s0, 1, 0x7), HF_OK);
	rc = run_verify(dir, NULL, out, sizeof(out));
	if (rc != 0)
		fail_msg("one-leaf log rejected:\n%s", out);
	hf_testlog_free(&small);
}

static void flip(const char *dir, const char *rel, long off)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_not_equal(c, EOF);
	assert_int_equal(fseek(f, -1, SEEK_CUR), 0);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static void test_flipped_leaf(void **state)
{
	(void)state;
	char dir[4096];
	case_dir("flipped-leaf", dir, sizeof(dir));
	write_good(dir, 0x7);
	/* last byte of the first leaf of bundle 1 (leaf 256): inside its header, still decodes */
	size_t first = 2 + g_log.lens[256];
	flip(dir, "tile/entries/001", (long)first - 1);
	/* the leaf still decodes: the break is the root, not the format */
	uint8_t copy[HF_AUDIT_LEAF_MAX_SIZE];
	memcpy(copy, g_log.leaves[256], g_log.lens[256]);
	copy[g_log.lens[256] - 1] ^= 1;
	hf_audit_leaf *l = malloc(sizeof(*l));
	assert_non_null(l);
	assert_int_equal(hf_audit_leaf_decode(copy, g_log.lens[256], l), HF_OK);
	free(l);
	expect_break(dir, NULL, "root-mismatch");
	expect_break(dir, NULL, "tile-mismatch");
}

static void test_bad_signature(void **state)
{
	(void)state;
	char dir[4096];
	case_dir("bad-signature", dir, sizeof(dir));
	write_good(dir, 0x7);
	/* checkpoint: log line first; a byte in its base64 */
	uint8_t note[8192];
	size_t n = hf_testlog_note(&g_log, g_log.n, 0x7, NULL, note, sizeof(note));
	char *line = strstr((char *)note, "\n\n") + 2;
	char *b64 = strchr(line, ' ') + 1 + strlen(g_log.origin) + 10;
	*b64 = *b64 == 'A' ? 'B' : 'A';
	assert_int_equal(hf_testlog_put(dir, "checkpoint", note, n), HF_OK);
	expect_break(dir, NULL, "signature");
	/* a cosignature that fails is a signature break too */
	n = hf_testlog_note(&g_log, g_log.n, 0x7, NULL, note, sizeof(note));
	note[n - 3] = note[n - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(hf_testlog_put(dir, "checkpoint", note, n), HF_OK);
	expect_break(dir, NULL, "signature");
	/* a checkpoint of another log */
	hf_testlog other;
	hf_testlog_init(&other, "other.example/log");
	assert_int_equal(hf_testlog_fill(&other, 3), HF_OK);
	n = hf_testlog_note(&other, 3, 0x7, NULL, note, sizeof(note));
	assert_int_equal(hf_testlog_put(dir, "checkpoint", note, n), HF_OK);
	expect_break(dir, NULL, "signature");
	expect_break(dir, "--origin other.example/log", "signature");
	hf_testlog_free(&other);
}

static void test_missing_quorum(void **state)
{
	(void)state;
	char dir[4096];
	case_dir("quorum", dir, sizeof(dir));
	write_good(dir, 0x1); /* one witness cosigned, three required */
	expect_break(dir, NULL, "cosignature-quorum");
	char out[16384];
	assert_int_equal(run_verify(dir, "--quorum 1", out, sizeof(out)), 0);
	expect_break(dir, "--quorum 2", "cosignature-quorum");
}

static void test_inconsistent_pair(void **state)
{
	(void)state;
	char dir[4096];
	case_dir("inconsistent", dir, sizeof(dir));
	write_good(dir, 0x7);
	/* history: size 300 with a root from a different tree, validly signed and cosigned */
	hf_testlog fork;
	hf_testlog_init(&fork, "auditor.example/log");
	assert_int_equal(hf_testlog_fill(&fork, 299), HF_OK);
	uint8_t h[512];
	size_t hl;
	assert_int_equal(hf_testlog_header(HF_MSG_OUTCOME, 9999, 1790000001000, h, sizeof(h), &hl),
	                 HF_OK);
	assert_int_equal(hf_testlog_append(&fork, 1790000002990, h, hl), HF_OK);
	uint8_t hist[65536];
	size_t off = 0;
	const uint64_t sizes[] = {256, 300, 512};
	for (int k = 0; k < 3; k++) {
		uint8_t note[8192];
		size_t n = hf_testlog_note(k == 1 ? &fork : &g_log, sizes[k], 0x7, NULL, note,
		                           sizeof(note));
		off += (size_t)snprintf((char *)hist + off, sizeof(hist) - off, "%zu\n", n);
		memcpy(hist + off, note, n);
		off += n;
	}
	assert_int_equal(hf_testlog_put(dir, "checkpoints", hist, off), HF_OK);
	expect_break(dir, NULL, "inconsistent");
	expect_break(dir, NULL, "root-mismatch");
	/* split view: two signed checkpoints of the same size with different roots */
	off = 0;
	for (int k = 0; k < 2; k++) {
		uint8_t note[8192];
		size_t n =
		    hf_testlog_note(k == 1 ? &fork : &g_log, 300, 0x7, NULL, note, sizeof(note));
		off += (size_t)snprintf((char *)hist + off, sizeof(hist) - off, "%zu\n", n);
		memcpy(hist + off, note, n);
		off += n;
	}
	assert_int_equal(hf_testlog_put(dir, "checkpoints", hist, off), HF_OK);
	char out[16384];
	assert_int_equal(run_verify(dir, NULL, out, sizeof(out)), 1);
	assert_non_null(
	    strstr(out, "BREAK inconsistent: checkpoints of size 300 and 300: HF_ESPLITVIEW"));
	hf_testlog_free(&fork);
}

static void test_rollback_and_missing(void **state)
{
	(void)state;
	char dir[4096];
	case_dir("rollback", dir, sizeof(dir));
	const uint64_t sizes[] = {300, 256};
	assert_int_equal(hf_testlog_write(&g_log, dir, sizes, 2, 0x7), HF_OK);
	expect_break(dir, NULL, "rollback");

	case_dir("missing", dir, sizeof(dir));
	write_good(dir, 0x7);
	char path[4200];
	snprintf(path, sizeof(path), "%s/tile/entries/002.p/188", dir);
	assert_int_equal(unlink(path), 0);
	expect_break(dir, NULL, "fetch");

	case_dir("tile", dir, sizeof(dir));
	write_good(dir, 0x7);
	flip(dir, "tile/1/000.p/2", 5);
	expect_break(dir, NULL, "tile-mismatch");

	case_dir("garbage-history", dir, sizeof(dir));
	write_good(dir, 0x7);
	assert_int_equal(hf_testlog_put(dir, "checkpoints", (const uint8_t *)"12\nshort", 8),
	                 HF_OK);
	expect_break(dir, NULL, "checkpoint-format");
	expect_break("/nonexistent/log", NULL, "fetch");
}

/* A tiny static file server in a child process, for the URL form. */
static pid_t serve(const char *dir, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	assert_int_equal(listen(fd, 64), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		close(fd);
		return pid;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		char req[4096];
		ssize_t r = read(c, req, sizeof(req) - 1);
		if (r <= 0) {
			close(c);
			continue;
		}
		req[r] = 0;
		char path[2048] = "";
		if (sscanf(req, "GET /log/%2000s", path) != 1) {
			close(c);
			continue;
		}
		char full[8192];
		snprintf(full, sizeof(full), "%s/%s", dir, path);
		size_t n = 0;
		uint8_t *b = strstr(path, "..") ? NULL : hf_test_read_file(full, &n);
		char head[256];
		int hl;
		if (b == NULL)
			hl = snprintf(head, sizeof(head),
			              "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		else
			hl =
			    snprintf(head, sizeof(head),
			             "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			             "Content-Length: %zu\r\n\r\n",
			             n);
		if (write(c, head, (size_t)hl) < 0 || (b && write(c, b, n) < 0)) {
			/* the client went away */
		}
		free(b);
		close(c);
	}
}

static void test_http(void **state)
{
	(void)state;
	char dir[4096], out[16384], url[128];
	case_dir("http", dir, sizeof(dir));
	write_good(dir, 0x7);
	int port;
	pid_t pid = serve(dir, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/log", port);
	int rc = run_verify(url, NULL, out, sizeof(out));
	if (rc != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("log over HTTP rejected:\n%s", out);
	}
	flip(dir, "tile/entries/000", 40);
	rc = run_verify(url, NULL, out, sizeof(out));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "BREAK root-mismatch:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_log),
	    cmocka_unit_test(test_flipped_leaf),
	    cmocka_unit_test(test_bad_signature),
	    cmocka_unit_test(test_missing_quorum),
	    cmocka_unit_test(test_inconsistent_pair),
	    cmocka_unit_test(test_rollback_and_missing),
	    cmocka_unit_test(test_http),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
