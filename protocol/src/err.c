#include <string.h>

#include "hashfed/err.h"

static const struct {
	const char *name;
	hf_err_class cls;
	const char *msg;
} hfi_err_info[] = {
#define HF_X_INFO(name, cls, msg) {#name, cls, msg},
    HF_ERR_TABLE(HF_X_INFO)
#undef HF_X_INFO
};

_Static_assert(sizeof(hfi_err_info) / sizeof(hfi_err_info[0]) == HF_ERR__COUNT,
               "error table and enum disagree");

static int err_valid(hf_err e)
{
	return (int)e >= 0 && (int)e < (int)HF_ERR__COUNT;
}

hf_err_class hf_err_class_of(hf_err e)
{
	return err_valid(e) ? hfi_err_info[e].cls : HF_CLASS_INTERNAL;
}

const char *hf_strerror(hf_err e)
{
	return err_valid(e) ? hfi_err_info[e].msg : "unknown error code";
}

const char *hf_err_name(hf_err e)
{
	return err_valid(e) ? hfi_err_info[e].name : "HF_EUNKNOWN";
}

const char *hf_err_class_name(hf_err_class c)
{
	static const char *const names[] = {"ok",     "usage", "malformed", "crypto",
	                                    "policy", "state", "io",        "internal"};
	if ((int)c < 0 || (size_t)c >= sizeof(names) / sizeof(names[0]))
		return "internal";
	return names[c];
}

hf_err hf_err_from_name(const char *name, hf_err *out)
{
	if (name == NULL || out == NULL)
		return HF_EINVAL;
	for (int i = 0; i < (int)HF_ERR__COUNT; i++) {
		if (strcmp(hfi_err_info[i].name, name) == 0) {
			*out = (hf_err)i;
			return HF_OK;
		}
	}
	return HF_ENOTFOUND;
}
