/* Strict parser of the public intake report (report.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "intake/report.h"
#include "hf_check.h"

typedef struct field {
	const char *name;
	bool required;
} field;

/* Refuses any key of o not in fields, and any missing required one. */
static hf_err check_keys(json_t *o, const field *fields, size_t n, const char **why)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return HF_ETYPE;
	json_object_foreach(o, k, v)
	{
		size_t i;
		for (i = 0; i < n && strcmp(fields[i].name, k) != 0; i++)
			;
		if (i == n) {
			*why = "unknown field";
			return HF_EUNKNOWNKEY;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (fields[i].required && !json_object_get(o, fields[i].name)) {
			*why = fields[i].name;
			return HF_EMISSING;
		}
	return HF_OK;
}

/* A string of max bytes at most without control characters (JSON is already UTF-8). */
static hf_err get_str(json_t *o, const char *key, size_t max, bool required, const char **s,
                      const char **why)
{
	json_t *v = json_object_get(o, key);
	*s = NULL;
	*why = key;
	if (!v)
		return required ? HF_EMISSING : HF_OK;
	if (!json_is_string(v))
		return HF_ETYPE;
	size_t len = json_string_length(v);
	const char *p = json_string_value(v);
	if (len > max)
		return HF_ETOOLONG;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return HF_ERANGE;
	*s = p;
	return HF_OK;
}

static hf_err get_enum(json_t *o, const char *key, const char *const *names, bool required,
                       const char **s, const char **why)
{
	HF_TRY(get_str(o, key, 32, required, s, why));
	if (!*s)
		return HF_OK;
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(names[i], *s))
			return HF_OK;
	return HF_ERANGE;
}

static hf_err get_uint(json_t *o, const char *key, uint64_t max, uint64_t *out, const char **why)
{
	json_t *v = json_object_get(o, key);
	*why = key;
	if (!v)
		return HF_EMISSING;
	if (!json_is_integer(v))
		return HF_ETYPE;
	if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return HF_ERANGE;
	*out = (uint64_t)json_integer_value(v);
	return HF_OK;
}

/* Exactly n hex digits; lowercased into a new JSON string (*out). */
static hf_err get_hex(json_t *o, const char *key, size_t n, json_t **out, const char **why)
{
	const char *s;
	char buf[65];
	*out = NULL;
	HF_TRY(get_str(o, key, 64, true, &s, why));
	if (strlen(s) != n)
		return HF_ELENGTH;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return HF_EPARSE;
		buf[i] = c;
	}
	buf[n] = 0;
	*out = json_string(buf);
	return *out ? HF_OK : HF_ENOMEM;
}

/* Sets key of dst to the lowercase hex of src[key]. */
static hf_err copy_hex(json_t *dst, json_t *src, const char *key, size_t n, const char **why)
{
	json_t *h;
	HF_TRY(get_hex(src, key, n, &h, why));
	return json_object_set_new(dst, key, h) == 0 ? HF_OK : HF_ENOMEM;
}

static hf_err set_int(json_t *dst, const char *key, uint64_t v)
{
	return json_object_set_new(dst, key, json_integer((json_int_t)v)) == 0 ? HF_OK : HF_ENOMEM;
}

static hf_err parse_frame(json_t *f, uint64_t duration_ms, json_t *out, const char **why)
{
	static const field fs[] = {{"ms", true}, {"pdq", true}, {"quality", true}};
	uint64_t ms, q;
	*why = "frames[]";
	HF_TRY(check_keys(f, fs, 3, why));
	HF_TRY(get_uint(f, "ms", duration_ms, &ms, why));
	HF_TRY(get_uint(f, "quality", 100, &q, why));
	HF_TRY(copy_hex(out, f, "pdq", 64, why));
	HF_TRY(set_int(out, "ms", ms));
	return set_int(out, "quality", q);
}

static hf_err parse_item(json_t *it, json_t *out, size_t *total_frames, const char **why)
{
	static const field img[] = {
	    {"kind", true}, {"md5", true}, {"sha256", true}, {"pdq", true}, {"quality", true}};
	static const field vid[] = {{"kind", true},
	                            {"md5", true},
	                            {"sha256", true},
	                            {"duration_ms", true},
	                            {"frames", true}};
	static const char *const kinds[] = {"image", "video", NULL};
	const char *kind;
	uint64_t v;
	*why = "items[]";
	if (!json_is_object(it))
		return HF_ETYPE;
	HF_TRY(get_enum(it, "kind", kinds, true, &kind, why));
	bool image = !strcmp(kind, "image");
	HF_TRY(check_keys(it, image ? img : vid, 5, why));
	if (json_object_set_new(out, "kind", json_string(kind)) != 0)
		return HF_ENOMEM;
	HF_TRY(copy_hex(out, it, "md5", 32, why));
	HF_TRY(copy_hex(out, it, "sha256", 64, why));
	if (image) {
		HF_TRY(copy_hex(out, it, "pdq", 64, why));
		HF_TRY(get_uint(it, "quality", 100, &v, why));
		return set_int(out, "quality", v);
	}
	HF_TRY(get_uint(it, "duration_ms", HFN_INTAKE_MAX_DURATION_MS, &v, why));
	HF_TRY(set_int(out, "duration_ms", v));
	json_t *fr = json_object_get(it, "frames"), *f, *arr = json_array();
	size_t i;
	*why = "frames";
	if (!arr)
		return HF_ENOMEM;
	if (json_object_set_new(out, "frames", arr) != 0)
		return HF_ENOMEM;
	if (!json_is_array(fr)) {
		return HF_ETYPE;
	}
	if (json_array_size(fr) == 0 || json_array_size(fr) > HFN_INTAKE_MAX_FRAMES)
		return HF_ERANGE;
	*total_frames += json_array_size(fr);
	if (*total_frames > HFN_INTAKE_MAX_TOTAL_FRAMES)
		return HF_ERANGE;
	json_array_foreach(fr, i, f)
	{
		json_t *o = json_object();
		if (!o || json_array_append_new(arr, o) != 0)
			return HF_ENOMEM;
		/* A frame may sit up to a second past the reported duration (rounding). */
		HF_TRY(parse_frame(f, v + 1000, o, why));
	}
	return HF_OK;
}

static bool url_ok(const char *u)
{
	size_t off = !strncmp(u, "https://", 8) ? 8 : !strncmp(u, "http://", 7) ? 7 : 0;
	if (off == 0 || u[off] == 0 || u[off] == '/')
		return false;
	for (const char *p = u; *p; p++)
		if (*p == ' ')
			return false;
	return true;
}

static hf_err parse_report(json_t *j, json_t *out, const char **why)
{
	static const field top[] = {{"lang", false}, {"role", true},    {"items", true},
	                            {"urls", false}, {"contact", true}, {"consent", true}};
	static const field contact_f[] = {{"channel", true}, {"value", false}};
	static const char *const langs[] = {"ko", "en", NULL};
	static const char *const roles[] = {"victim", "representative", "third_party", NULL};
	static const char *const channels[] = {"email", "phone", "none", NULL};
	const char *s;
	json_t *v, *arr;
	size_t i, frames = 0;

	*why = "report";
	HF_TRY(check_keys(j, top, 6, why));
	HF_TRY(get_enum(j, "lang", langs, false, &s, why));
	if (json_object_set_new(out, "lang", json_string(s ? s : "ko")) != 0)
		return HF_ENOMEM;
	HF_TRY(get_enum(j, "role", roles, true, &s, why));
	if (json_object_set_new(out, "role", json_string(s)) != 0)
		return HF_ENOMEM;
	*why = "consent";
	if (!json_is_true(json_object_get(j, "consent")))
		return json_is_boolean(json_object_get(j, "consent")) ? HF_EINVAL : HF_ETYPE;
	if (json_object_set_new(out, "consent", json_true()) != 0)
		return HF_ENOMEM;

	v = json_object_get(j, "items");
	*why = "items";
	if (!json_is_array(v))
		return HF_ETYPE;
	if (json_array_size(v) == 0 || json_array_size(v) > HFN_INTAKE_MAX_ITEMS)
		return HF_ERANGE;
	if (!(arr = json_array()) || json_object_set_new(out, "items", arr) != 0)
		return HF_ENOMEM;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		json_t *o = json_object();
		if (!o || json_array_append_new(arr, o) != 0)
			return HF_ENOMEM;
		HF_TRY(parse_item(it, o, &frames, why));
	}

	v = json_object_get(j, "urls");
	*why = "urls";
	if (!(arr = json_array()) || json_object_set_new(out, "urls", arr) != 0)
		return HF_ENOMEM;
	if (v && !json_is_array(v))
		return HF_ETYPE;
	if (v && json_array_size(v) > HFN_INTAKE_MAX_URLS)
		return HF_ERANGE;
	json_t *u;
	json_array_foreach(v, i, u)
	{
		*why = "urls[]";
		if (!json_is_string(u))
			return HF_ETYPE;
		if (json_string_length(u) > HFN_INTAKE_MAX_URL_LEN)
			return HF_ETOOLONG;
		if (strlen(json_string_value(u)) != json_string_length(u) ||
		    !url_ok(json_string_value(u)))
			return HF_ERANGE;
		json_t *cp = json_string(json_string_value(u));
		if (!cp || json_array_append_new(arr, cp) != 0)
			return HF_ENOMEM;
	}

	json_t *c = json_object_get(j, "contact");
	*why = "contact";
	HF_TRY(check_keys(c, contact_f, 2, why));
	HF_TRY(get_enum(c, "channel", channels, true, &s, why));
	const char *val;
	HF_TRY(get_str(c, "value", HFN_INTAKE_MAX_CONTACT_LEN, false, &val, why));
	bool none = !strcmp(s, "none");
	*why = "contact.value";
	if (!none && (!val || !val[0]))
		return HF_EMISSING;
	json_t *co = json_pack("{s:s,s:s}", "channel", s, "value", none || !val ? "" : val);
	if (!co || json_object_set_new(out, "contact", co) != 0)
		return HF_ENOMEM;
	*why = NULL;
	return HF_OK;
}

hf_err hfn_intake_parse(const char *body, size_t len, json_t **out, const char **why)
{
	json_t *j = NULL, *o = NULL;
	hf_err rc;
	*out = NULL;
	*why = "body";
	if (len > HFN_INTAKE_MAX_BODY)
		return HF_ETOOBIG;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return HF_EPARSE;
	o = json_object();
	rc = o ? parse_report(j, o, why) : HF_ENOMEM;
	json_decref(j);
	if (rc != HF_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return HF_OK;
}
