/* hashfed-keys manifest add-member|set-roles|set-endpoint|set-tls|rotate-key|
 * revoke|remove|set-roots: edits of the draft manifest. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "hf_check.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys manifest <edit> -m FILE [options]\n"
    "\n"
    "  add-member   -m FILE --pub NODE.pub --roles LIST [--name NAME] [--endpoint URL]...\n"
    "               [--tls-cert FILE | --tls-fp HEX]... [--not-before T] [--not-after T]\n"
    "  set-roles    -m FILE --member ID --roles LIST\n"
    "  set-endpoint -m FILE --member ID --endpoint URL...\n"
    "  set-tls      -m FILE --member ID [--tls-cert FILE | --tls-fp HEX]...  (none: clear)\n"
    "  rotate-key   -m FILE --member ID --pub NEW.pub [--not-before T] [--not-after T]\n"
    "               [--old-until T]   (old keys expire at T; default: the new not-before)\n"
    "  revoke       -m FILE (--key KEYID | --member ID) [--at T]\n"
    "               revoke --member ID --tls-cert FILE|--tls-fp HEX removes a fingerprint\n"
    "  remove       -m FILE --member ID\n"
    "  set-roots    -m FILE --root-pub FILE... --threshold K\n"
    "\n"
    "FILE is rewritten atomically (0644) with the epoch incremented and no signatures.\n"
    "LIST: comma-separated roles: authority, platform, auditor, witness.\n"
    "URL: tls+tcp://host:port. ID: 32 hex digits (member id from node.pub).\n"
    "KEYID: 32 hex digits (manifest show). T: now, never, unix seconds, +Nd, -Nd,\n"
    "or YYYY-MM-DDTHH:MM:SSZ. Anything signed at or after a key's revocation time\n"
    "is refused.\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

#define HFN_KEYS_MAX_LIST 16

typedef struct hfn_keys_edit_args {
	const char *manifest, *pub, *roles, *name, *member, *key, *at, *nb, *na, *old_until, *thr;
	const char *endpoint[HFN_KEYS_MAX_LIST], *tls_cert[HFN_KEYS_MAX_LIST],
	    *tls_fp[HFN_KEYS_MAX_LIST], *root_pub[HFN_KEYS_MAX_LIST];
	size_t n_endpoint, n_tls_cert, n_tls_fp, n_root_pub;
} hfn_keys_edit_args;

static bool hfn_keys_push(const char **list, size_t *n, const char *v)
{
	if (*n >= HFN_KEYS_MAX_LIST)
		return false;
	list[(*n)++] = v;
	return true;
}

static int hfn_keys_parse(const char *cmd, int argc, char **argv, hfn_keys_edit_args *a)
{
	static const struct option opts[] = {{"manifest", required_argument, NULL, 'm'},
	                                     {"pub", required_argument, NULL, 'P'},
	                                     {"roles", required_argument, NULL, 'r'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"member", required_argument, NULL, 'i'},
	                                     {"key", required_argument, NULL, 'k'},
	                                     {"at", required_argument, NULL, 't'},
	                                     {"not-before", required_argument, NULL, 'b'},
	                                     {"not-after", required_argument, NULL, 'a'},
	                                     {"old-until", required_argument, NULL, 'u'},
	                                     {"endpoint", required_argument, NULL, 'e'},
	                                     {"tls-cert", required_argument, NULL, 'c'},
	                                     {"tls-fp", required_argument, NULL, 'f'},
	                                     {"root-pub", required_argument, NULL, 'R'},
	                                     {"threshold", required_argument, NULL, 'K'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;
	bool ok = true;
	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->manifest = optarg;
			break;
		case 'P':
			a->pub = optarg;
			break;
		case 'r':
			a->roles = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'i':
			a->member = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 't':
			a->at = optarg;
			break;
		case 'b':
			a->nb = optarg;
			break;
		case 'a':
			a->na = optarg;
			break;
		case 'u':
			a->old_until = optarg;
			break;
		case 'K':
			a->thr = optarg;
			break;
		case 'e':
			ok = hfn_keys_push(a->endpoint, &a->n_endpoint, optarg);
			break;
		case 'c':
			ok = hfn_keys_push(a->tls_cert, &a->n_tls_cert, optarg);
			break;
		case 'f':
			ok = hfn_keys_push(a->tls_fp, &a->n_tls_fp, optarg);
			break;
		case 'R':
			ok = hfn_keys_push(a->root_pub, &a->n_root_pub, optarg);
			break;
		case 'h':
			fputs(hfn_keys_help, stdout);
			return -1;
		default:
			return hfn_keys_usage(cmd, "bad option");
		}
		if (!ok)
			return hfn_keys_usage(cmd, "too many values for one option (at most %d)",
			                      HFN_KEYS_MAX_LIST);
	}
	if (optind != argc)
		return hfn_keys_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (a->manifest == NULL)
		return hfn_keys_usage(cmd, "-m/--manifest FILE is required");
	return HFN_KEYS_EXIT_OK;
}

static hf_err hfn_keys_time_or(const char *s, uint64_t dflt, uint64_t *out)
{
	if (s == NULL) {
		*out = dflt;
		return HF_OK;
	}
	return hfn_keys_parse_time(s, out);
}

/* Collects --tls-cert / --tls-fp values into fps. */
static int hfn_keys_collect_fps(const char *cmd, const hfn_keys_edit_args *a,
                                uint8_t fps[][HF_TLS_FP_LEN], size_t *n)
{
	hf_err rc;
	*n = 0;
	if (a->n_tls_cert + a->n_tls_fp > HF_MAX_TLS_FPS)
		return hfn_keys_usage(cmd, "at most %d TLS fingerprints per member",
		                      HF_MAX_TLS_FPS);
	for (size_t i = 0; i < a->n_tls_cert; i++)
		if ((rc = hfn_keys_tls_cert_fp(a->tls_cert[i], fps[(*n)++])) != HF_OK)
			return hfn_keys_fail(cmd, rc, "cannot read certificate %s", a->tls_cert[i]);
	for (size_t i = 0; i < a->n_tls_fp; i++)
		if (hfn_keys_parse_hex(a->tls_fp[i], fps[(*n)++], HF_TLS_FP_LEN) != HF_OK)
			return hfn_keys_usage(cmd, "--tls-fp must be 64 hex digits");
	return HFN_KEYS_EXIT_OK;
}

static int hfn_keys_add_member(const char *cmd, const hfn_keys_edit_args *a, hf_manifest *m)
{
	hf_pubfile pf;
	uint32_t roles;
	uint64_t nb, na;
	uint8_t fps[HF_MAX_TLS_FPS][HF_TLS_FP_LEN];
	size_t nfp;
	const char *name;
	hf_err rc;
	int ex;
	if (a->pub == NULL || a->roles == NULL)
		return hfn_keys_usage(cmd, "--pub and --roles are required");
	if (hf_roles_parse(a->roles, &roles) != HF_OK)
		return hfn_keys_usage(cmd, "bad --roles '%s'", a->roles);
	if (hfn_keys_time_or(a->nb, hfn_keys_now_ms(), &nb) != HF_OK ||
	    hfn_keys_time_or(a->na, HF_TIME_NEVER, &na) != HF_OK)
		return hfn_keys_usage(cmd, "bad --not-before/--not-after");
	if ((ex = hfn_keys_collect_fps(cmd, a, fps, &nfp)) != HFN_KEYS_EXIT_OK)
		return ex;
	if ((rc = hfn_keys_pub_load(a->pub, &pf)) != HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot read %s", a->pub);
	if (!pf.has_id || !pf.has_enc)
		return hfn_keys_fail(cmd, HF_EMISSING, "%s is not a node public key file", a->pub);
	name = a->name ? a->name : pf.name;
	if (name[0] == '\0')
		return hfn_keys_usage(cmd, "%s has no name: give --name", a->pub);
	if ((rc = hf_manifest_add_member(m, pf.id, name, roles)) != HF_OK ||
	    (rc = hf_manifest_add_key(m, pf.id, HF_KEY_SIGN, pf.sign_pk, nb, na)) != HF_OK ||
	    (rc = hf_manifest_add_key(m, pf.id, HF_KEY_ENC, pf.enc_pk, nb, na)) != HF_OK ||
	    (rc = hf_manifest_set_endpoints(m, pf.id, a->endpoint, a->n_endpoint)) != HF_OK ||
	    (rc = hf_manifest_set_tls_fps(m, pf.id, (const uint8_t(*)[HF_TLS_FP_LEN])fps, nfp)) !=
	        HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot add member from %s", a->pub);
	return HFN_KEYS_EXIT_OK;
}

/* Retire every key of the member still valid at `until` (rotation). */
static hf_err hfn_keys_retire(hf_manifest *m, const hf_member *mb, uint64_t until,
                              const hf_key_id *keep_s, const hf_key_id *keep_e)
{
	hf_key_id ids[2 * HF_MAX_MEMBER_KEYS];
	size_t n = 0;
	for (int kind = HF_KEY_SIGN; kind <= HF_KEY_ENC; kind++) {
		for (size_t i = 0; i < hf_member_n_keys(mb, (hf_key_kind)kind); i++) {
			const hf_member_key *k = hf_member_key_at(mb, (hf_key_kind)kind, i);
			const hf_key_id *keep = kind == HF_KEY_SIGN ? keep_s : keep_e;
			if (hf_key_id_eq(&k->keyid, keep) || k->not_after_ms <= until ||
			    k->not_before_ms >= until)
				continue;
			ids[n++] = k->keyid;
		}
	}
	/* ids first: each edit re-indexes, so member pointers go stale */
	for (size_t i = 0; i < n; i++)
		HF_TRY(hf_manifest_expire_key(m, &ids[i], until));
	return HF_OK;
}

static int hfn_keys_rotate(const char *cmd, const hfn_keys_edit_args *a, hf_manifest *m,
                           const uint8_t *id)
{
	hf_pubfile pf;
	uint64_t nb, na, until;
	hf_key_id ks, ke;
	const hf_member *mb;
	hf_err rc;
	if (a->pub == NULL)
		return hfn_keys_usage(cmd, "--pub NEW.pub is required");
	if (hfn_keys_time_or(a->nb, hfn_keys_now_ms(), &nb) != HF_OK ||
	    hfn_keys_time_or(a->na, HF_TIME_NEVER, &na) != HF_OK ||
	    hfn_keys_time_or(a->old_until, nb, &until) != HF_OK || until == HF_TIME_NEVER)
		return hfn_keys_usage(cmd, "bad --not-before/--not-after/--old-until");
	if ((rc = hfn_keys_pub_load(a->pub, &pf)) != HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot read %s", a->pub);
	if (!pf.has_enc)
		return hfn_keys_fail(cmd, HF_EMISSING, "%s has no encryption key", a->pub);
	if (pf.has_id && memcmp(pf.id, id, HF_MEMBER_ID_LEN) != 0)
		return hfn_keys_fail(cmd, HF_EINVAL, "%s belongs to another member id", a->pub);
	hf_keyid_sign(pf.sign_pk, &ks);
	hf_keyid_enc(pf.enc_pk, &ke);
	if ((rc = hf_manifest_add_key(m, id, HF_KEY_SIGN, pf.sign_pk, nb, na)) != HF_OK ||
	    (rc = hf_manifest_add_key(m, id, HF_KEY_ENC, pf.enc_pk, nb, na)) != HF_OK ||
	    (rc = hf_manifest_find_member(m, id, &mb)) != HF_OK ||
	    (rc = hfn_keys_retire(m, mb, until, &ks, &ke)) != HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot rotate keys");
	return HFN_KEYS_EXIT_OK;
}

static int hfn_keys_revoke(const char *cmd, const hfn_keys_edit_args *a, hf_manifest *m,
                           bool have_id, const uint8_t *id)
{
	uint64_t at;
	hf_key_id kid;
	const hf_member *mb;
	hf_err rc;
	if (a->n_tls_cert + a->n_tls_fp > 0) {
		/* Drop fingerprints from the member's TLS list. */
		uint8_t rm[HF_MAX_TLS_FPS][HF_TLS_FP_LEN], keep[HF_MAX_TLS_FPS][HF_TLS_FP_LEN];
		size_t nrm, nkeep = 0;
		int ex;
		if (!have_id)
			return hfn_keys_usage(cmd,
			                      "--member ID is required with --tls-cert/--tls-fp");
		if ((ex = hfn_keys_collect_fps(cmd, a, rm, &nrm)) != HFN_KEYS_EXIT_OK)
			return ex;
		if ((rc = hf_manifest_find_member(m, id, &mb)) != HF_OK)
			return hfn_keys_fail(cmd, rc, "--member");
		for (size_t i = 0; i < hf_member_n_tls_fps(mb); i++) {
			bool drop = false;
			for (size_t j = 0; j < nrm; j++)
				drop |= memcmp(hf_member_tls_fp(mb, i), rm[j], HF_TLS_FP_LEN) == 0;
			if (!drop)
				memcpy(keep[nkeep++], hf_member_tls_fp(mb, i), HF_TLS_FP_LEN);
		}
		if (nkeep == hf_member_n_tls_fps(mb))
			return hfn_keys_fail(cmd, HF_ENOTFOUND,
			                     "fingerprint not listed for this member");
		rc = hf_manifest_set_tls_fps(m, id, (const uint8_t(*)[HF_TLS_FP_LEN])keep, nkeep);
		return rc == HF_OK ? HFN_KEYS_EXIT_OK
		                   : hfn_keys_fail(cmd, rc, "cannot update fingerprints");
	}
	if (hfn_keys_time_or(a->at, hfn_keys_now_ms(), &at) != HF_OK || at == HF_TIME_NEVER)
		return hfn_keys_usage(cmd, "bad --at");
	if (a->key != NULL) {
		if (hfn_keys_parse_hex(a->key, kid.b, sizeof kid.b) != HF_OK)
			return hfn_keys_usage(cmd, "--key must be 32 hex digits");
		rc = hf_manifest_revoke_key(m, &kid, at);
		return rc == HF_OK ? HFN_KEYS_EXIT_OK
		                   : hfn_keys_fail(cmd, rc, "cannot revoke key %s", a->key);
	}
	if (!have_id)
		return hfn_keys_usage(cmd, "--key or --member is required");
	{
		hf_key_id ids[2 * HF_MAX_MEMBER_KEYS];
		size_t n = 0;
		if ((rc = hf_manifest_find_member(m, id, &mb)) != HF_OK)
			return hfn_keys_fail(cmd, rc, "--member");
		for (int kind = HF_KEY_SIGN; kind <= HF_KEY_ENC; kind++)
			for (size_t i = 0; i < hf_member_n_keys(mb, (hf_key_kind)kind); i++)
				ids[n++] = hf_member_key_at(mb, (hf_key_kind)kind, i)->keyid;
		for (size_t i = 0; i < n; i++)
			if ((rc = hf_manifest_revoke_key(m, &ids[i], at)) != HF_OK)
				return hfn_keys_fail(cmd, rc, "cannot revoke");
	}
	return HFN_KEYS_EXIT_OK;
}

static int hfn_keys_set_roots(const char *cmd, const hfn_keys_edit_args *a, hf_manifest *m)
{
	uint8_t pks[HF_MAX_ROOTS][HF_SIGN_PK_LEN];
	char *end;
	unsigned long k;
	hf_err rc;
	if (a->n_root_pub == 0 || a->thr == NULL)
		return hfn_keys_usage(cmd, "--root-pub (one or more) and --threshold are required");
	if (a->n_root_pub > HF_MAX_ROOTS)
		return hfn_keys_usage(cmd, "at most %d roots", HF_MAX_ROOTS);
	k = strtoul(a->thr, &end, 10);
	if (*end != '\0' || k == 0 || k > a->n_root_pub)
		return hfn_keys_usage(cmd, "--threshold must be 1..%zu", a->n_root_pub);
	for (size_t i = 0; i < a->n_root_pub; i++) {
		hf_pubfile pf;
		if ((rc = hfn_keys_pub_load(a->root_pub[i], &pf)) != HF_OK)
			return hfn_keys_fail(cmd, rc, "cannot read %s", a->root_pub[i]);
		memcpy(pks[i], pf.sign_pk, HF_SIGN_PK_LEN);
	}
	rc = hf_manifest_set_roots(m, (const uint8_t(*)[HF_SIGN_PK_LEN])pks, a->n_root_pub,
	                           (unsigned)k);
	return rc == HF_OK ? HFN_KEYS_EXIT_OK : hfn_keys_fail(cmd, rc, "cannot set roots");
}

int hfn_keys_cmd_manifest_edit(const char *sub, int argc, char **argv)
{
	char cmd[64];
	hfn_keys_edit_args a;
	hf_manifest *m = NULL;
	uint8_t id[HF_MEMBER_ID_LEN];
	bool have_id = false;
	hf_err rc;
	int ex;
	snprintf(cmd, sizeof(cmd), "manifest %s", sub);
	ex = hfn_keys_parse(cmd, argc, argv, &a);
	if (ex == -1)
		return HFN_KEYS_EXIT_OK;
	if (ex != HFN_KEYS_EXIT_OK)
		return ex;
	if (a.member != NULL) {
		if (hfn_keys_parse_hex(a.member, id, sizeof(id)) != HF_OK)
			return hfn_keys_usage(cmd, "--member must be 32 hex digits");
		have_id = true;
	}
	if ((rc = hfn_keys_manifest_load(a.manifest, &m)) != HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot load %s", a.manifest);
	if (strcmp(sub, "add-member") == 0) {
		ex = hfn_keys_add_member(cmd, &a, m);
	} else if (strcmp(sub, "set-roots") == 0) {
		ex = hfn_keys_set_roots(cmd, &a, m);
	} else if (strcmp(sub, "revoke") == 0) {
		ex = hfn_keys_revoke(cmd, &a, m, have_id, id);
	} else if (!have_id) {
		ex = hfn_keys_usage(cmd, "--member ID is required");
	} else if (strcmp(sub, "set-roles") == 0) {
		uint32_t roles;
		if (a.roles == NULL || hf_roles_parse(a.roles, &roles) != HF_OK)
			ex = hfn_keys_usage(
			    cmd, "--roles LIST is required (authority,platform,auditor,witness)");
		else if ((rc = hf_manifest_set_roles(m, id, roles)) != HF_OK)
			ex = hfn_keys_fail(cmd, rc, "cannot set roles");
	} else if (strcmp(sub, "set-endpoint") == 0) {
		if (a.n_endpoint == 0)
			ex = hfn_keys_usage(cmd, "--endpoint URL is required");
		else if ((rc = hf_manifest_set_endpoints(m, id, a.endpoint, a.n_endpoint)) != HF_OK)
			ex = hfn_keys_fail(cmd, rc, "cannot set endpoints");
	} else if (strcmp(sub, "set-tls") == 0) {
		uint8_t fps[HF_MAX_TLS_FPS][HF_TLS_FP_LEN];
		size_t n;
		ex = hfn_keys_collect_fps(cmd, &a, fps, &n);
		if (ex == HFN_KEYS_EXIT_OK &&
		    (rc = hf_manifest_set_tls_fps(m, id, (const uint8_t(*)[HF_TLS_FP_LEN])fps,
		                                  n)) != HF_OK)
			ex = hfn_keys_fail(cmd, rc, "cannot set TLS fingerprints");
	} else if (strcmp(sub, "rotate-key") == 0) {
		ex = hfn_keys_rotate(cmd, &a, m, id);
	} else { /* remove */
		if ((rc = hf_manifest_remove_member(m, id)) != HF_OK)
			ex = hfn_keys_fail(cmd, rc, "cannot remove %s", a.member);
	}
	if (ex == HFN_KEYS_EXIT_OK) {
		/* Each edit is a new epoch (spec §11.4: epochs only go forward). */
		if ((rc = hf_manifest_set_epoch(m, hf_manifest_epoch(m) + 1)) != HF_OK ||
		    (rc = hfn_keys_manifest_save(a.manifest, m)) != HF_OK)
			ex = hfn_keys_fail(cmd, rc, "cannot write %s", a.manifest);
		else
			printf("%s: epoch %llu, %zu members, unsigned\n", a.manifest,
			       (unsigned long long)hf_manifest_epoch(m), hf_manifest_n_members(m));
	}
	hf_manifest_free(m);
	return ex;
}
