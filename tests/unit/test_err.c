#include <string.h>

#include "hf_test.h"
#include "hashfed/err.h"

/* Every code has a name, a message and a class; names round-trip. */
static void test_table_complete(void **state)
{
	(void)state;
	for (int i = 0; i < (int)HF_ERR__COUNT; i++) {
		hf_err e = (hf_err)i, back;
		assert_non_null(hf_strerror(e));
		assert_true(strncmp(hf_err_name(e), "HF_", 3) == 0);
		assert_int_equal(hf_err_from_name(hf_err_name(e), &back), HF_OK);
		assert_int_equal(back, e);
		if (i == 0)
			assert_int_equal(hf_err_class_of(e), HF_CLASS_OK);
		else
			assert_int_not_equal(hf_err_class_of(e), HF_CLASS_OK);
	}
}

static void test_classes(void **state)
{
	(void)state;
	assert_int_equal(hf_err_class_of(HF_ETRUNC), HF_CLASS_MALFORMED);
	assert_int_equal(hf_err_class_of(HF_ESIG), HF_CLASS_CRYPTO);
	assert_int_equal(hf_err_class_of(HF_EROLE), HF_CLASS_POLICY);
	assert_int_equal(hf_err_class_of(HF_ESTATE), HF_CLASS_STATE);
	assert_int_equal(hf_err_class_of(HF_EIO), HF_CLASS_IO);
	assert_int_equal(hf_err_class_of(HF_ENOMEM), HF_CLASS_INTERNAL);
	assert_int_equal(hf_err_class_of((hf_err)9999), HF_CLASS_INTERNAL);
	assert_string_equal(hf_err_name((hf_err)9999), "HF_EUNKNOWN");
	assert_string_equal(hf_err_class_name(HF_CLASS_MALFORMED), "malformed");
	hf_err e;
	assert_int_equal(hf_err_from_name("HF_NOPE", &e), HF_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_complete),
	    cmocka_unit_test(test_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
