/* hashfed-keys manifest show: human-readable or JSON view of a manifest. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys manifest show -m FILE [--json]\n"
    "\n"
    "Prints federation id, name, epoch, threshold, roots, members (id, name, roles,\n"
    "keys with key ids and validity, endpoints, TLS fingerprints) and signatures\n"
    "(signer key id and whether it is a valid signature of a root in the set).\n"
    "Times are ISO 8601 UTC in the human form and unix ms in JSON (null: never).\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

static void hfn_keys_hex(const uint8_t *p, size_t n, char *out)
{
	hf_hex_encode(p, n, out);
}

/* Which signatures count: valid and by a root of the set (first per root). */
static bool hfn_keys_sig_valid(const hf_manifest *m, size_t i)
{
	hf_key_id kid;
	uint8_t sig[HF_SIG_LEN];
	if (hf_manifest_signature(m, i, &kid, sig) != HF_OK)
		return false;
	for (size_t r = 0; r < hf_manifest_n_roots(m); r++) {
		hf_key_id rid;
		hf_keyid_sign(hf_manifest_root(m, r), &rid);
		if (hf_key_id_eq(&rid, &kid)) {
			hf_manifest *one = NULL;
			unsigned c = 0;
			/* verify this signature alone */
			if (hf_manifest_clone(m, &one) != HF_OK)
				return false;
			hf_manifest_clear_signatures(one);
			if (hf_manifest_add_signature(one, &kid, sig) == HF_OK &&
			    hf_manifest_verify_roots(
			        one, (const uint8_t(*)[HF_SIGN_PK_LEN])hf_manifest_root(m, r), 1, 1,
			        &c) != HF_OK)
				c = 0;
			hf_manifest_free(one);
			return c == 1;
		}
	}
	return false;
}

static json_t *hfn_keys_time_json(uint64_t ms)
{
	return ms == HF_TIME_NEVER ? json_null() : json_integer((json_int_t)ms);
}

static json_t *hfn_keys_keys_json(const hf_member *mb, hf_key_kind kind)
{
	json_t *a = json_array();
	char h[65];
	for (size_t i = 0; i < hf_member_n_keys(mb, kind); i++) {
		const hf_member_key *k = hf_member_key_at(mb, kind, i);
		json_t *o = json_object();
		hfn_keys_hex(k->keyid.b, sizeof k->keyid.b, h);
		json_object_set_new(o, "key_id", json_string(h));
		hfn_keys_hex(k->pk, 32, h);
		json_object_set_new(o, "public_key", json_string(h));
		json_object_set_new(o, "not_before_ms", hfn_keys_time_json(k->not_before_ms));
		json_object_set_new(o, "not_after_ms", hfn_keys_time_json(k->not_after_ms));
		json_object_set_new(o, "revoked_at_ms", hfn_keys_time_json(k->revoked_at_ms));
		json_array_append_new(a, o);
	}
	return a;
}

static int hfn_keys_show_json(const hf_manifest *m)
{
	json_t *root = json_object(), *roots = json_array(), *members = json_array(),
	       *sigs = json_array();
	char h[129], roles[64];
	hf_key_id kid;
	uint8_t sig[HF_SIG_LEN];
	hfn_keys_hex(hf_manifest_federation(m)->b, HF_FEDID_LEN, h);
	json_object_set_new(root, "federation", json_string(h));
	json_object_set_new(root, "name", json_string(hf_manifest_name(m)));
	json_object_set_new(root, "epoch", json_integer((json_int_t)hf_manifest_epoch(m)));
	json_object_set_new(root, "threshold", json_integer(hf_manifest_threshold(m)));
	for (size_t i = 0; i < hf_manifest_n_roots(m); i++) {
		json_t *o = json_object();
		hf_keyid_sign(hf_manifest_root(m, i), &kid);
		hfn_keys_hex(kid.b, sizeof kid.b, h);
		json_object_set_new(o, "key_id", json_string(h));
		hfn_keys_hex(hf_manifest_root(m, i), HF_SIGN_PK_LEN, h);
		json_object_set_new(o, "public_key", json_string(h));
		json_array_append_new(roots, o);
	}
	for (size_t i = 0; i < hf_manifest_n_members(m); i++) {
		const hf_member *mb = hf_manifest_member_at(m, i);
		json_t *o = json_object(), *eps = json_array(), *fps = json_array();
		hfn_keys_hex(hf_member_id(mb), HF_MEMBER_ID_LEN, h);
		json_object_set_new(o, "id", json_string(h));
		json_object_set_new(o, "name", json_string(hf_member_name(mb)));
		if (hf_roles_format(hf_member_roles(mb), roles, sizeof(roles)) != HF_OK)
			roles[0] = '\0';
		json_object_set_new(o, "roles", json_string(roles));
		json_object_set_new(o, "signing_keys", hfn_keys_keys_json(mb, HF_KEY_SIGN));
		json_object_set_new(o, "encryption_keys", hfn_keys_keys_json(mb, HF_KEY_ENC));
		for (size_t j = 0; j < hf_member_n_endpoints(mb); j++)
			json_array_append_new(eps, json_string(hf_member_endpoint(mb, j)));
		json_object_set_new(o, "endpoints", eps);
		for (size_t j = 0; j < hf_member_n_tls_fps(mb); j++) {
			hfn_keys_hex(hf_member_tls_fp(mb, j), HF_TLS_FP_LEN, h);
			json_array_append_new(fps, json_string(h));
		}
		json_object_set_new(o, "tls_sha256", fps);
		json_array_append_new(members, o);
	}
	for (size_t i = 0; i < hf_manifest_n_signatures(m); i++) {
		json_t *o = json_object();
		if (hf_manifest_signature(m, i, &kid, sig) != HF_OK)
			continue;
		hfn_keys_hex(kid.b, sizeof kid.b, h);
		json_object_set_new(o, "key_id", json_string(h));
		json_object_set_new(o, "valid_root", json_boolean(hfn_keys_sig_valid(m, i)));
		json_array_append_new(sigs, o);
	}
	json_object_set_new(root, "roots", roots);
	json_object_set_new(root, "members", members);
	json_object_set_new(root, "signatures", sigs);
	json_object_set_new(root, "valid", json_boolean(hf_manifest_verify(m) == HF_OK));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
	return HFN_KEYS_EXIT_OK;
}

static void hfn_keys_show_keys(const hf_member *mb, hf_key_kind kind, const char *what)
{
	char h[65], nb[32], na[32], rv[32];
	for (size_t i = 0; i < hf_member_n_keys(mb, kind); i++) {
		const hf_member_key *k = hf_member_key_at(mb, kind, i);
		hfn_keys_hex(k->keyid.b, sizeof k->keyid.b, h);
		hfn_keys_format_time(k->not_before_ms, nb, sizeof(nb));
		hfn_keys_format_time(k->not_after_ms, na, sizeof(na));
		hfn_keys_format_time(k->revoked_at_ms, rv, sizeof(rv));
		printf("    %s key %s  valid %s .. %s%s%s\n", what, h, nb, na,
		       k->revoked_at_ms != HF_TIME_NEVER ? "  REVOKED at " : "",
		       k->revoked_at_ms != HF_TIME_NEVER ? rv : "");
	}
}

static int hfn_keys_show_text(const hf_manifest *m)
{
	char h[129], roles[64];
	hf_key_id kid;
	uint8_t sig[HF_SIG_LEN];
	unsigned count = 0;
	hfn_keys_hex(hf_manifest_federation(m)->b, HF_FEDID_LEN, h);
	printf("federation %s \"%s\"\n", h, hf_manifest_name(m));
	printf("epoch      %llu\n", (unsigned long long)hf_manifest_epoch(m));
	printf("roots      %zu, threshold %u\n", hf_manifest_n_roots(m), hf_manifest_threshold(m));
	for (size_t i = 0; i < hf_manifest_n_roots(m); i++) {
		hf_keyid_sign(hf_manifest_root(m, i), &kid);
		hfn_keys_hex(kid.b, sizeof kid.b, h);
		printf("  root %zu   key %s\n", i + 1, h);
	}
	printf("members    %zu\n", hf_manifest_n_members(m));
	for (size_t i = 0; i < hf_manifest_n_members(m); i++) {
		const hf_member *mb = hf_manifest_member_at(m, i);
		hfn_keys_hex(hf_member_id(mb), HF_MEMBER_ID_LEN, h);
		if (hf_roles_format(hf_member_roles(mb), roles, sizeof(roles)) != HF_OK)
			roles[0] = '\0';
		printf("  %s \"%s\"  roles %s\n", h, hf_member_name(mb), roles);
		hfn_keys_show_keys(mb, HF_KEY_SIGN, "sign");
		hfn_keys_show_keys(mb, HF_KEY_ENC, "enc ");
		for (size_t j = 0; j < hf_member_n_endpoints(mb); j++)
			printf("    endpoint %s\n", hf_member_endpoint(mb, j));
		for (size_t j = 0; j < hf_member_n_tls_fps(mb); j++) {
			hfn_keys_hex(hf_member_tls_fp(mb, j), HF_TLS_FP_LEN, h);
			printf("    tls sha256 %s\n", h);
		}
	}
	printf("signatures %zu\n", hf_manifest_n_signatures(m));
	for (size_t i = 0; i < hf_manifest_n_signatures(m); i++) {
		if (hf_manifest_signature(m, i, &kid, sig) != HF_OK)
			continue;
		hfn_keys_hex(kid.b, sizeof kid.b, h);
		printf("  by %s  %s\n", h,
		       hfn_keys_sig_valid(m, i) ? "valid root signature" : "not counted");
	}
	count = hfn_keys_root_count(m);
	printf("status     %s (%u of %u)\n",
	       count >= hf_manifest_threshold(m) ? "VALID" : "NOT VALID", count,
	       hf_manifest_threshold(m));
	return HFN_KEYS_EXIT_OK;
}

int hfn_keys_cmd_manifest_show(int argc, char **argv)
{
	static const struct option opts[] = {{"manifest", required_argument, NULL, 'm'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *cmd = "manifest show", *mf = NULL;
	bool json = false;
	hf_manifest *m = NULL;
	hf_err rc;
	int c, ex;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mf = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(hfn_keys_help, stdout);
			return HFN_KEYS_EXIT_OK;
		default:
			return hfn_keys_usage(cmd, "bad option");
		}
	}
	if (optind != argc)
		return hfn_keys_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (mf == NULL)
		return hfn_keys_usage(cmd, "-m FILE is required");
	if ((rc = hfn_keys_manifest_load(mf, &m)) != HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot load %s", mf);
	ex = json ? hfn_keys_show_json(m) : hfn_keys_show_text(m);
	hf_manifest_free(m);
	return ex;
}
