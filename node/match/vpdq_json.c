/* vPDQ hashes as JSON: frame objects or Meta's text in a string (vpdq_json.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "match/vpdq_json.h"

static hf_err fail(const char **why, const char *msg, hf_err rc)
{
	if (why)
		*why = msg;
	return rc;
}

/* One frame object; idx is its position (the frame number when "frame" is absent). */
static hf_err frame_from_json(const json_t *o, size_t idx, hf_vpdq_frame *f, const char **why)
{
	const json_t *fr = json_object_get(o, "frame"), *q = json_object_get(o, "quality");
	const json_t *h = json_object_get(o, "pdq"), *sec = json_object_get(o, "seconds");
	const json_t *ms = json_object_get(o, "ms");
	memset(f, 0, sizeof(*f));
	if (!json_is_object(o))
		return fail(why, "a frame is not an object", HF_EINVAL);
	if (!json_is_string(h) || !json_is_integer(q))
		return fail(why, "a frame needs \"pdq\" (hex) and \"quality\" (integer)",
		            HF_EINVAL);
	if (json_string_length(h) != 2 * HF_PDQ_HASH_LEN ||
	    hf_pdq_from_hex(json_string_value(h), json_string_length(h), &f->hash) != HF_OK)
		return fail(why, "a frame's \"pdq\" is not 64 hex digits", HF_EPARSE);
	json_int_t qv = json_integer_value(q);
	if (qv < 0 || qv > 100)
		return fail(why, "a frame's quality is outside 0..100", HF_ERANGE);
	f->quality = (int)qv;
	if (fr) {
		if (!json_is_integer(fr))
			return fail(why, "a frame's \"frame\" is not an integer", HF_EINVAL);
		json_int_t n = json_integer_value(fr);
		if (n < 0 || n > INT32_MAX)
			return fail(why, "a frame number is outside 0..2^31-1", HF_ERANGE);
		f->frame = (uint32_t)n;
	} else {
		if (idx > INT32_MAX)
			return fail(why, "too many frames", HF_ETOOLONG);
		f->frame = (uint32_t)idx;
	}
	if (sec && ms)
		return fail(why, "a frame has both \"seconds\" and \"ms\"", HF_EINVAL);
	if (sec) {
		if (!json_is_number(sec))
			return fail(why, "a frame's \"seconds\" is not a number", HF_EINVAL);
		double s = json_number_value(sec);
		if (!isfinite(s) || s < 0 || s > 1e9)
			return fail(why, "a frame's seconds are outside 0..1e9", HF_ERANGE);
		f->seconds = s;
	} else if (ms) {
		if (!json_is_integer(ms))
			return fail(why, "a frame's \"ms\" is not an integer", HF_EINVAL);
		json_int_t m = json_integer_value(ms);
		if (m < 0 || m > (json_int_t)UINT32_MAX)
			return fail(why, "a frame's ms are outside 0..2^32-1", HF_ERANGE);
		f->seconds = (double)m / 1000.0;
	} else {
		return fail(why, "a frame needs \"seconds\" or \"ms\"", HF_EINVAL);
	}
	return HF_OK;
}

hf_err hfn_vpdq_from_json(const json_t *v, size_t max_frames, hf_vpdq *out, const char **why)
{
	hf_err rc = HF_OK;
	if (why)
		*why = NULL;
	if (json_is_string(v)) {
		uint64_t line = 0;
		rc = hf_vpdq_from_text((const uint8_t *)json_string_value(v), json_string_length(v),
		                       out, &line);
		if (rc == HF_OK && out->count > max_frames)
			rc = HF_ETOOLONG;
		/* Frame numbers ascend in both forms (Meta's hasher writes them so; list
		 * entries need it, spec §12.2). */
		for (size_t i = 1; rc == HF_OK && i < out->count; i++)
			if (out->frames[i].frame <= out->frames[i - 1].frame)
				rc = HF_ENONCANON;
		if (rc != HF_OK) {
			hf_vpdq_clear(out);
			return fail(why,
			            rc == HF_ETOOLONG    ? "too many frames"
			            : rc == HF_EMISSING  ? "no frame in the vPDQ text"
			            : rc == HF_ENONCANON ? "frame numbers must ascend"
			                                 : "a line of the vPDQ text is invalid",
			            rc);
		}
		return HF_OK;
	}
	if (!json_is_array(v))
		return fail(why, "vpdq: an array of frames or Meta's text", HF_EINVAL);
	size_t n = json_array_size(v);
	if (n == 0)
		return fail(why, "vpdq: no frame", HF_EMISSING);
	if (n > max_frames)
		return fail(why, "too many frames", HF_ETOOLONG);
	for (size_t i = 0; i < n; i++) {
		hf_vpdq_frame f;
		rc = frame_from_json(json_array_get(v, i), i, &f, why);
		if (rc == HF_OK && out->count && f.frame <= out->frames[out->count - 1].frame)
			rc = fail(why, "frame numbers must ascend", HF_ENONCANON);
		if (rc == HF_OK)
			rc = hf_vpdq_push(out, &f);
		if (rc != HF_OK) {
			hf_vpdq_clear(out);
			return rc;
		}
	}
	return HF_OK;
}

hf_err hfn_vpdq_from_json_text(const char *p, size_t len, size_t max_frames, hf_vpdq *out,
                               const char **why)
{
	json_error_t e;
	if (len > HFN_VPDQ_JSON_MAX_BYTES)
		return fail(why, "vPDQ JSON too large", HF_ETOOBIG);
	json_t *v = json_loadb(p, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
	if (!v)
		return fail(why, "not JSON", HF_EPARSE);
	hf_err rc = hfn_vpdq_from_json(v, max_frames, out, why);
	json_decref(v);
	return rc;
}

json_t *hfn_vpdq_to_json(const hf_vpdq *v)
{
	json_t *a = json_array();
	char hex[2 * HF_PDQ_HASH_LEN + 1];
	for (size_t i = 0; a && i < v->count; i++) {
		const hf_vpdq_frame *f = &v->frames[i];
		hf_pdq_to_hex(&f->hash, hex);
		if (json_array_append_new(a, json_pack("{s:I,s:i,s:s,s:f}", "frame",
		                                       (json_int_t)f->frame, "quality", f->quality,
		                                       "pdq", hex, "seconds", f->seconds)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
