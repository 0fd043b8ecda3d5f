/* node/core/config.c: node.ini parsing, defaults, and every rejection. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "hf_test.h"

static const char *PATH = "/tmp/hf_test_node_config.ini";

static const char VALID[] = "[node]\nidentity = id\nmanifest = /abs/manifest.mp\n"
                            "data_dir = data\nlisten = tls+tcp://127.0.0.1:7401\n"
                            "[tls]\nca = ca.crt\ncert = n.crt\nkey = n.key\n"
                            "[api]\ntoken_file = token\n";

static hf_err load(const char *text, hf_config *c)
{
	char err[256];
	FILE *f = fopen(PATH, "w");
	fputs(text, f);
	fclose(f);
	hf_err rc = hf_config_load(PATH, c, err, sizeof(err));
	if (rc != HF_OK)
		assert_true(strlen(err) > 0); /* every refusal says why */
	return rc;
}

static void test_valid(void **state)
{
	(void)state;
	hf_config c;
	assert_int_equal(load(VALID, &c), HF_OK);
	assert_string_equal(c.identity, "/tmp/id"); /* relative to the file's directory */
	assert_string_equal(c.manifest, "/abs/manifest.mp");
	assert_string_equal(c.api_host, "127.0.0.1");
	assert_int_equal(c.api_port, 8470);
	assert_string_equal(c.log_level, "info");
	assert_int_equal(c.pull_interval_ms, 5000);
	assert_false(c.insecure_loopback);
	char buf[1024];
	snprintf(buf, sizeof(buf),
	         "%s[api]\nlisten = 127.0.0.1:9000\n[node]\nlog_level = debug\n"
	         "insecure_loopback = true\npull_interval_ms = 700\n",
	         VALID);
	assert_int_equal(load(buf, &c), HF_OK);
	assert_int_equal(c.api_port, 9000);
	assert_true(c.insecure_loopback);
	assert_int_equal(c.pull_interval_ms, 700);
	unlink(PATH);
}

static void test_rejects(void **state)
{
	(void)state;
	hf_config c;
	char buf[1024];
	char err[64];
	assert_int_equal(hf_config_load("/nonexistent/x.ini", &c, err, sizeof(err)), HF_EIO);
	const char *extra[] = {
	    "[node]\nfoo = 1\n",                    /* unknown key */
	    "[nodes]\nidentity = x\n",              /* unknown section */
	    "[node]\ninsecure_loopback = maybe\n",  /* not a boolean */
	    "[node]\nlog_level = loud\n",           /* unknown level */
	    "[node]\npull_interval_ms = 5\n",       /* out of range */
	    "[api]\nlisten = 127.0.0.1\n",          /* no port */
	    "[api]\nlisten = 127.0.0.1:70000\n",    /* bad port */
	    "[node]\nlisten = tcp://127.0.0.1:1\n", /* must be tls+tcp:// */
	    "[node]\nlisten = tls+tcp://0.0.0.0:1\ninsecure_loopback = true\n", /* not loopback */
	    "this is not ini\n",
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", VALID, extra[i]);
		assert_int_equal(load(buf, &c), HF_ECONFIG);
	}
	/* Missing required keys. */
	assert_int_equal(load("[node]\nidentity = id\n", &c), HF_ECONFIG);
	assert_int_equal(load("[node]\nidentity = id\nmanifest = m\ndata_dir = d\n"
	                      "listen = tls+tcp://127.0.0.1:1\n[api]\ntoken_file = t\n",
	                      &c),
	                 HF_ECONFIG); /* TLS files required without insecure_loopback */
	assert_int_equal(load("[node]\nidentity = id\nmanifest = m\ndata_dir = d\n"
	                      "listen = tls+tcp://127.0.0.1:1\ninsecure_loopback = true\n"
	                      "[api]\ntoken_file = t\n",
	                      &c),
	                 HF_OK);
	unlink(PATH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
