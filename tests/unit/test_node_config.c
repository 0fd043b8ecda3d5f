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

static char g_err[256];

static hf_err load(const char *text, hfn_config *c)
{
	FILE *f = fopen(PATH, "w");
	fputs(text, f);
	fclose(f);
	g_err[0] = 0;
	hf_err rc = hfn_config_load(PATH, c, g_err, sizeof(g_err));
	if (rc != HF_OK)
		assert_true(strlen(g_err) > 0); /* every refusal says why */
	return rc;
}

/* Loads VALID + extra, expects HF_ECONFIG naming `blamed` (e.g. "[node] foo"). */
static void refused(const char *extra, const char *blamed)
{
	char buf[1024];
	hfn_config c;
	snprintf(buf, sizeof(buf), "%s%s", VALID, extra);
	assert_int_equal(load(buf, &c), HF_ECONFIG);
	if (!strstr(g_err, blamed))
		fail_msg("refusal of \"%s\" blames \"%s\", expected \"%s\"", extra, g_err, blamed);
}

static void test_valid(void **state)
{
	(void)state;
	hfn_config c;
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
	/* Beyond loopback: HTTPS, or plain HTTP said out loud. */
	snprintf(buf, sizeof(buf), "%s[api]\nlisten = 0.0.0.0:9001\nallow_plaintext = true\n",
	         VALID);
	assert_int_equal(load(buf, &c), HF_OK);
	assert_true(c.api_allow_plaintext);
	snprintf(buf, sizeof(buf),
	         "%s[api]\nlisten = 0.0.0.0:9001\ntls_cert = api.crt\ntls_key = /k/api.key\n",
	         VALID);
	assert_int_equal(load(buf, &c), HF_OK);
	assert_string_equal(c.api_tls_cert, "/tmp/api.crt");
	assert_string_equal(c.api_tls_key, "/k/api.key");
	assert_false(c.api_allow_plaintext);
	snprintf(buf, sizeof(buf), "%s[api]\nlisten = 127.0.0.2:9001\n", VALID);
	assert_int_equal(load(buf, &c), HF_OK);
	assert_true(hfn_config_host_loopback("::1"));
	assert_false(hfn_config_host_loopback("128.0.0.1"));
	assert_false(hfn_config_host_loopback("localhost.example"));
	/* [match] and [orders] go through the same table: defaults, then every key. */
	assert_int_equal(load(VALID, &c), HF_OK);
	assert_int_equal(c.match.max_distance, 31);
	assert_int_equal(c.match.min_quality, 50);
	assert_int_equal(c.match.max_image_bytes, 16u * 1024u * 1024u);
	assert_int_equal(c.orders.check_interval_ms, 1000);
	assert_false(c.orders.test_clock);
	snprintf(buf, sizeof(buf),
	         "%s[match]\nmax_distance = 20\nmin_quality = 0\nmax_image_bytes = 2048\n"
	         "max_bulk = 5\nflood_threshold = 0\nflood_window_ms = 1000\n"
	         "flush_interval_ms = 100\nreport_interval_ms = 86400000\nexpiry_sweep_ms = 500\n"
	         "[orders]\nwebhook_url = http://127.0.0.1:9/hook\ncheck_interval_ms = 100\n"
	         "remind_before_ms = 7776000000\ntest_clock = yes\n",
	         VALID);
	assert_int_equal(load(buf, &c), HF_OK);
	assert_int_equal(c.match.max_distance, 20);
	assert_int_equal(c.match.min_quality, 0);
	assert_int_equal(c.match.max_image_bytes, 2048);
	assert_int_equal(c.match.max_bulk, 5);
	assert_int_equal(c.match.flood_threshold, 0);
	assert_int_equal(c.match.flood_window_ms, 1000);
	assert_int_equal(c.match.flush_interval_ms, 100);
	assert_int_equal(c.match.report_interval_ms, 86400000);
	assert_int_equal(c.match.expiry_sweep_ms, 500);
	assert_string_equal(c.orders.webhook_url, "http://127.0.0.1:9/hook");
	assert_int_equal(c.orders.check_interval_ms, 100);
	assert_int_equal(c.orders.remind_before_ms, 7776000000ull);
	assert_true(c.orders.test_clock);
	/* [intake] (issue 15): defaults, then every key. */
	assert_int_equal(load(VALID, &c), HF_OK);
	assert_int_equal(c.intake.burst, 5);
	assert_int_equal(c.intake.refill_ms, 12000);
	assert_int_equal(c.intake.max_per_hour, 1000);
	snprintf(buf, sizeof(buf), "%s[intake]\nburst = 2\nrefill_ms = 1500\nmax_per_hour = 4\n",
	         VALID);
	assert_int_equal(load(buf, &c), HF_OK);
	assert_int_equal(c.intake.burst, 2);
	assert_int_equal(c.intake.refill_ms, 1500);
	assert_int_equal(c.intake.max_per_hour, 4);
	unlink(PATH);
}

static void test_rejects(void **state)
{
	(void)state;
	hfn_config c;
	char err[64];
	assert_int_equal(hfn_config_load("/nonexistent/x.ini", &c, err, sizeof(err)), HF_EIO);
	static const struct {
		const char *extra, *blamed;
	} cases[] = {
	    {"[node]\nfoo = 1\n", "[node] foo: unknown key"},
	    {"[nodes]\nidentity = x\n", "[nodes]: unknown section"},
	    {"[node]\ninsecure_loopback = maybe\n", "[node] insecure_loopback: invalid"},
	    {"[node]\nlog_level = loud\n", "[node] log_level"},
	    {"[node]\npull_interval_ms = 5\n", "[node] pull_interval_ms: invalid"},
	    {"[node]\npull_interval_ms = -100\n", "[node] pull_interval_ms: invalid"},
	    {"[node]\npull_interval_ms = 99999999999999999999999\n", "[node] pull_interval_ms"},
	    {"[api]\nlisten = 127.0.0.1\n", "[api] listen: invalid"},
	    {"[api]\nlisten = 127.0.0.1:70000\n", "[api] listen: invalid"},
	    {"[api]\nport = 1\n", "[api] port: unknown key"},
	    {"[node]\nlisten = tcp://127.0.0.1:1\n", "[node] listen must be tls+tcp://"},
	    {"[node]\nlisten = tls+tcp://0.0.0.0:1\ninsecure_loopback = true\n",
	     "[node] insecure_loopback"},
	    {"[match]\nmax_distance = 44\n", "[match] max_distance: invalid"},
	    {"[match]\nmin_quality = 101\n", "[match] min_quality: invalid"},
	    {"[match]\nmax_bulk = 0\n", "[match] max_bulk: invalid"},
	    {"[match]\nflood_window_ms = 12x\n", "[match] flood_window_ms: invalid"},
	    {"[match]\nnope = 1\n", "[match] nope: unknown key"},
	    {"[orders]\ncheck_interval_ms = 5\n", "[orders] check_interval_ms: invalid"},
	    {"[orders]\ncheck_interval_ms = 12x\n", "[orders] check_interval_ms: invalid"},
	    {"[orders]\ntest_clock = maybe\n", "[orders] test_clock: invalid"},
	    {"[orders]\nwebhook_url = ftp://x\n", "[orders] webhook_url: invalid"},
	    {"[orders]\nnope = 1\n", "[orders] nope: unknown key"},
	    {"this is not ini\n", "syntax error"},
	    /* issue 12: plain HTTP beyond loopback needs an explicit setting; TLS files pair up */
	    {"[api]\nlisten = 0.0.0.0:8470\n", "allow_plaintext"},
	    {"[api]\nlisten = 192.0.2.1:8470\n", "allow_plaintext"},
	    {"[api]\nlisten = 127.evil.example:8470\n", "allow_plaintext"},
	    {"[api]\ntls_cert = api.crt\n", "[api] tls_cert and tls_key go together"},
	    {"[api]\ntls_key = api.key\n", "[api] tls_cert and tls_key go together"},
	    {"[api]\nallow_plaintext = sometimes\n", "[api] allow_plaintext: invalid"},
	    {"[intake]\nburst = 0\n", "[intake] burst: invalid"},
	    {"[intake]\nrefill_ms = 99\n", "[intake] refill_ms: invalid"},
	    {"[intake]\nmax_per_hour = 0\n", "[intake] max_per_hour: invalid"},
	    {"[intake]\nrate = 1\n", "[intake] rate: unknown key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refused(cases[i].extra, cases[i].blamed);
	/* Missing required keys: the first one missing is named. */
	assert_int_equal(load("[node]\nidentity = id\n", &c), HF_ECONFIG);
	assert_non_null(strstr(g_err, "[node] manifest is required"));
	assert_int_equal(load("[node]\nidentity = id\nmanifest = m\ndata_dir = d\n"
	                      "listen = tls+tcp://127.0.0.1:1\n[api]\ntoken_file = t\n",
	                      &c),
	                 HF_ECONFIG); /* TLS files required without insecure_loopback */
	assert_non_null(strstr(g_err, "[tls] ca is required"));
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
