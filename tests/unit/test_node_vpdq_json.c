/* node/match/vpdq_json.c: vPDQ hashes as JSON (frame objects, the intake page's frames,
 * Meta's text in a string), every refusal, and the round trip. */
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "match/vpdq_json.h"

#define H1 "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"
#define H2 "b4ad26b9e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e21"

static hf_err parse(const char *text, size_t max, hf_vpdq *v)
{
	const char *why = NULL;
	memset(v, 0, sizeof(*v));
	hf_err rc = hfn_vpdq_from_json_text(text, strlen(text), max, v, &why);
	if (rc != HF_OK) {
		assert_non_null(why); /* every refusal says why */
		assert_int_equal(v->count, 0);
		assert_null(v->frames);
	}
	return rc;
}

static void test_forms(void **state)
{
	(void)state;
	hf_vpdq v;
	/* hashfed hash --json's frames */
	assert_int_equal(parse("[{\"frame\":0,\"quality\":100,\"pdq\":\"" H1 "\",\"seconds\":0.0},"
	                       "{\"frame\":30,\"quality\":55,\"pdq\":\"" H2 "\",\"seconds\":1.0}]",
	                       10, &v),
	                 HF_OK);
	assert_int_equal(v.count, 2);
	assert_int_equal(v.frames[1].frame, 30);
	assert_int_equal(v.frames[1].quality, 55);
	assert_true(v.frames[1].seconds == 1.0);
	char hex[65];
	hf_pdq_to_hex(&v.frames[1].hash, hex);
	assert_string_equal(hex, H2);
	/* round trip */
	json_t *j = hfn_vpdq_to_json(&v);
	hf_vpdq w;
	const char *why;
	memset(&w, 0, sizeof(w));
	assert_int_equal(hfn_vpdq_from_json(j, 10, &w, &why), HF_OK);
	assert_int_equal(w.count, 2);
	assert_memory_equal(w.frames, v.frames, 2 * sizeof(*w.frames));
	json_decref(j);
	hf_vpdq_clear(&w);
	hf_vpdq_clear(&v);
	/* the intake page's frames: no frame number (its index), ms */
	assert_int_equal(parse("[{\"ms\":0,\"pdq\":\"" H1 "\",\"quality\":90},"
	                       "{\"ms\":1500,\"pdq\":\"" H2 "\",\"quality\":80,\"x\":1}]",
	                       10, &v),
	                 HF_OK);
	assert_int_equal(v.frames[1].frame, 1);
	assert_true(v.frames[1].seconds == 1.5);
	hf_vpdq_clear(&v);
	/* Meta's text in a string */
	assert_int_equal(parse("\"0,100," H1 ",0.000\\n30,90," H2 ",1.000\\n\"", 10, &v), HF_OK);
	assert_int_equal(v.count, 2);
	assert_int_equal(v.frames[1].frame, 30);
	hf_vpdq_clear(&v);
}

static void test_refusals(void **state)
{
	(void)state;
	hf_vpdq v;
	static const struct {
		const char *text;
		hf_err rc;
	} cases[] = {
	    {"{\"vpdq\":1}", HF_EINVAL},
	    {"7", HF_EINVAL},
	    {"[1]", HF_EINVAL},
	    {"[{\"quality\":90,\"ms\":0}]", HF_EINVAL},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":\"90\",\"ms\":0}]", HF_EINVAL},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90}]", HF_EINVAL},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0,\"seconds\":0}]", HF_EINVAL},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0.5}]", HF_EINVAL},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"seconds\":\"1\"}]", HF_EINVAL},
	    {"[{\"frame\":\"1\",\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0}]", HF_EINVAL},
	    {"[{\"pdq\":\"zz\",\"quality\":90,\"ms\":0}]", HF_EPARSE},
	    {"[{\"pdq\":\"" H1 "0\",\"quality\":90,\"ms\":0}]", HF_EPARSE},
	    {"not json", HF_EPARSE},
	    {"\"0,100,zz,0.000\\n\"", HF_EPARSE},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":101,\"ms\":0}]", HF_ERANGE},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":-1,\"ms\":0}]", HF_ERANGE},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":-1}]", HF_ERANGE},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":4294967296}]", HF_ERANGE},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"seconds\":1e10}]", HF_ERANGE},
	    {"[{\"frame\":2147483648,\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0}]", HF_ERANGE},
	    {"[{\"frame\":3,\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0},"
	     "{\"frame\":3,\"pdq\":\"" H2 "\",\"quality\":90,\"ms\":1}]",
	     HF_ENONCANON},
	    {"[{\"frame\":3,\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0},"
	     "{\"frame\":2,\"pdq\":\"" H2 "\",\"quality\":90,\"ms\":1}]",
	     HF_ENONCANON},
	    {"[{\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":0},{\"pdq\":\"" H1 "\",\"quality\":90,"
	     "\"ms\":1},{\"pdq\":\"" H1 "\",\"quality\":90,\"ms\":2}]",
	     HF_ETOOLONG},
	    {"\"0,1," H1 ",0\\n1,1," H1 ",0\\n2,1," H1 ",0\\n\"", HF_ETOOLONG},
	    {"\"5,90," H1 ",0\\n5,90," H2 ",1\\n\"", HF_ENONCANON},
	    {"[]", HF_EMISSING},
	    {"\"\"", HF_EMISSING},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hf_err rc = parse(cases[i].text, 2, &v);
		if (rc != cases[i].rc)
			fail_msg("%s: %s, expected %s", cases[i].text, hf_err_name(rc),
			         hf_err_name(cases[i].rc));
		hf_vpdq_clear(&v);
	}
	/* the JSON text's size is capped before parsing */
	size_t n = HFN_VPDQ_JSON_MAX_BYTES + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	const char *why = NULL;
	memset(&v, 0, sizeof(v));
	assert_int_equal(hfn_vpdq_from_json_text(big, n, 2, &v, &why), HF_ETOOBIG);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
