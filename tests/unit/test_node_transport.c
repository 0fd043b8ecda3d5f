/* node/net/transport.c helpers: URL mapping and retry backoff with jitter. */
#include <string.h>

#include "hf_test.h"
#include "net/transport.h"

static void test_url(void **state)
{
	(void)state;
	char out[64], tiny[8];
	assert_int_equal(hf_transport_url("tls+tcp://127.0.0.1:7401", false, out, sizeof(out)),
	                 HF_OK);
	assert_string_equal(out, "tls+tcp://127.0.0.1:7401");
	assert_int_equal(hf_transport_url("tls+tcp://127.0.0.1:7401", true, out, sizeof(out)),
	                 HF_OK);
	assert_string_equal(out, "tcp://127.0.0.1:7401");
	assert_int_equal(hf_transport_url("tls+tcp://127.0.0.1:7401", true, tiny, sizeof(tiny)),
	                 HF_ENOSPC);
}

static void test_backoff(void **state)
{
	(void)state;
	/* attempt 0: base, jittered into [base/2, 1.5 base) */
	assert_int_equal(hf_backoff_ms(0, 250, 30000, 0), 125);
	assert_int_equal(hf_backoff_ms(0, 250, 30000, 999), 125 + 249);
	/* doubles per attempt */
	assert_int_equal(hf_backoff_ms(3, 250, 30000, 0), 1000);
	/* capped, also for absurd attempt counts (no overflow) */
	assert_int_equal(hf_backoff_ms(40, 250, 30000, 0), 15000);
	assert_int_equal(hf_backoff_ms(UINT32_MAX, 250, 30000, 500), 30000);
	for (uint32_t r = 0; r < 5000; r += 7) {
		uint64_t d = hf_backoff_ms(5, 250, 30000, r);
		assert_true(d >= 4000 && d < 12000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
