/*
 * Test tool of tests/adversarial/: forges one envelope the way a hostile (but
 * authenticated) member would, sends it to a node over mutual TLS and prints the
 * node's reply code. Everything a node must check is settable: the sender-chosen
 * times, the manifest epoch, the public audit header, the body's fields.
 *
 * usage: hf_forge URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub KIND [NAME=VALUE...]
 *   KIND  order     an order from the signer (authority=) to platform= (member ids, hex)
 *         outcome   item 0 of order_id= "removed" at action_ms= (absolute ms, default now-1s)
 *         event     an order event kind= (number) on order_id=, new_deadline= (absolute ms)
 *   NAME  created=  header created, ms relative to now (e.g. -3600000; default 0)
 *         life=     expires - created in ms (default: expires = now + 1 h)
 *         epoch=    header epoch relative to the manifest's (e.g. 1; default 0)
 *         a_items=N a_subject=random a_status=none a_deadline=N  audit header overrides
 *         out=FILE  also write the envelope there
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <sodium.h>

#include "hashfed/envelope.h"
#include "hashfed/keyfile.h"
#include "hashfed/manifest.h"
#include "hashfed/order.h"
#include "hashfed/order_sm.h"
#include "keyio.h"

static int die(const char *what)
{
	fprintf(stderr, "hf_forge: %s\n", what);
	return 2;
}

static char *slurp(const char *path, size_t *len)
{
	uint8_t *p;
	return hf_keyio_read_file(path, 1 << 24, &p, len) == HF_OK ? (char *)p : NULL;
}

static const char *opt(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	for (int i = 9; i < argc; i++)
		if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static long long opt_ll(int argc, char **argv, const char *name, long long dflt)
{
	const char *v = opt(argc, argv, name);
	return v ? strtoll(v, NULL, 10) : dflt;
}

static bool hex16(const char *s, uint8_t out[16])
{
	if (!s || strlen(s) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 9)
		return die(
		    "usage: URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub KIND [NAME=VALUE...]");
	const char *url = argv[1], *kind = argv[8];
	char path[4096], reply[64] = "";
	size_t len, body_len = 0, env_len = 0;
	hf_identity *signer = NULL;
	hf_keyfile_kind kk;
	hf_manifest *m = NULL;
	hf_pubfile pub;
	uint8_t *env = NULL, *body = NULL;
	hf_audit_header audit;
	uint32_t type;
	if (sodium_init() < 0)
		return die("sodium");
	snprintf(path, sizeof(path), "%s/node.key", argv[6]);
	if (hfn_keyio_load_identity(path, NULL, &kk, &signer) != HF_OK)
		return die("signer key");
	char *txt = slurp(argv[5], &len);
	if (!txt || hf_manifest_decode((uint8_t *)txt, len, &m) != HF_OK)
		return die("manifest");
	free(txt);
	txt = slurp(argv[7], &len);
	if (!txt || hf_pubfile_parse(txt, len, &pub) != HF_OK)
		return die("recipient pub");
	free(txt);
	uint64_t now = (uint64_t)time(NULL) * 1000;
	uint64_t created = (uint64_t)((long long)now + opt_ll(argc, argv, "created", 0));
	memset(&audit, 0, sizeof(audit));
	{
		hf_order_msg msg;
		hf_order_item item;
		hf_item_outcome res;
		uint8_t oid[16];
		memset(&msg, 0, sizeof(msg));
		if (!hex16(opt(argc, argv, "order_id"), oid))
			hf_uuidv7(now, NULL, oid);
		if (!strcmp(kind, "order")) {
			hf_order *o = &msg.u.order;
			msg.type = HF_MSG_ORDER;
			memcpy(o->order_id.b, oid, sizeof o->order_id.b);
			if (!hex16(opt(argc, argv, "authority"), o->authority) ||
			    !hex16(opt(argc, argv, "platform"), o->platform))
				return die("authority= platform=");
			o->issued_ms = created;
			o->deadline_ms = created + 86400000;
			o->category = 1;
			o->priority = 1;
			o->legal_basis = "Act 1";
			o->legal_basis_len = 5;
			randombytes_buf(o->case_pseudonym, sizeof(o->case_pseudonym));
			memset(&item, 0, sizeof(item));
			item.locator_kind = 1;
			item.locator = "https://media.example/forged";
			item.locator_len = strlen(item.locator);
			o->n_items = 1;
			o->items = &item;
		} else if (!strcmp(kind, "outcome")) {
			msg.type = HF_MSG_OUTCOME;
			memcpy(msg.u.outcome.order_id.b, oid, sizeof msg.u.outcome.order_id.b);
			memset(&res, 0, sizeof(res));
			res.code = HF_OUT_REMOVED;
			res.action_ms =
			    (uint64_t)opt_ll(argc, argv, "action_ms", (long long)now - 1000);
			msg.u.outcome.n_results = 1;
			msg.u.outcome.results = &res;
		} else if (!strcmp(kind, "event")) {
			hf_order_event *e = &msg.u.event;
			msg.type = HF_MSG_ORDER_EVENT;
			memcpy(e->order_id.b, oid, sizeof e->order_id.b);
			e->kind = (uint32_t)opt_ll(argc, argv, "kind", HF_OEV_RECURRENCE);
			e->event_ms = created;
			e->new_deadline_ms = (uint64_t)opt_ll(argc, argv, "new_deadline", 0);
		} else {
			return die("kind");
		}
		type = msg.type;
		if (hf_order_msg_encode(&msg, &body, &body_len) != HF_OK ||
		    hf_order_msg_audit(&msg, &audit) != HF_OK)
			return die("encode order message");
	}
	const char *v;
	if ((v = opt(argc, argv, "a_items"))) {
		audit.fields |= HF_AUDIT_ITEMS;
		audit.items = (uint32_t)strtoul(v, NULL, 10);
	}
	if ((v = opt(argc, argv, "a_subject"))) {
		audit.fields |= HF_AUDIT_SUBJECT;
		randombytes_buf(audit.subject, sizeof(audit.subject));
	}
	if ((v = opt(argc, argv, "a_status")))
		audit.fields &= ~(uint32_t)HF_AUDIT_STATUS;
	if ((v = opt(argc, argv, "a_deadline"))) {
		audit.fields |= HF_AUDIT_DEADLINE;
		audit.deadline_ms = strtoull(v, NULL, 10);
	}
	hf_seal_params p = {
	    .type = type,
	    .created_ms = created,
	    .expires_ms = opt(argc, argv, "life")
	                      ? created + (uint64_t)opt_ll(argc, argv, "life", 0)
	                      : now + 3600000,
	    .federation = hf_manifest_federation(m),
	    .epoch = (uint64_t)((long long)hf_manifest_epoch(m) + opt_ll(argc, argv, "epoch", 0)),
	    .audit = &audit,
	    .recipients = (const uint8_t(*)[HF_ENC_PK_LEN]) & pub.enc_pk,
	    .n_recipients = 1,
	};
	if (hf_envelope_seal(signer, &p, body, body_len, &env, &env_len) != HF_OK)
		return die("seal");
	if ((v = opt(argc, argv, "out"))) {
		FILE *f = fopen(v, "wb");
		if (!f || fwrite(env, 1, env_len, f) != env_len || fclose(f) != 0)
			return die("out=");
	}
	nng_socket s;
	nng_dialer d;
	nng_tls_config *tls;
	nng_msg *nm;
	char *cert = slurp(argv[3], &len), *key = slurp(argv[4], &len);
	if (!cert || !key || nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT) != 0 ||
	    nng_tls_config_auth_mode(tls, NNG_TLS_AUTH_MODE_REQUIRED) != 0 ||
	    nng_tls_config_ca_file(tls, argv[2]) != 0 ||
	    nng_tls_config_own_cert(tls, cert, key, NULL) != 0)
		return die("tls config");
	if (nng_req0_open(&s) != 0 || nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 10000) != 0 ||
	    nng_dialer_create(&d, s, url) != 0 ||
	    nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls) != 0 || nng_dialer_start(d, 0) != 0)
		return die("dial");
	if (nng_msg_alloc(&nm, 0) != 0 || nng_msg_append(nm, env, env_len) != 0 ||
	    nng_sendmsg(s, nm, 0) != 0)
		return die("send");
	if (nng_recvmsg(s, &nm, 0) != 0) {
		printf("recv-failed\n");
		return 0;
	}
	size_t n = nng_msg_len(nm) < sizeof(reply) - 1 ? nng_msg_len(nm) : sizeof(reply) - 1;
	memcpy(reply, nng_msg_body(nm), n);
	nng_msg_free(nm);
	printf("%s\n", reply);
	nng_close(s);
	nng_tls_config_free(tls);
	free(cert);
	free(key);
	free(body);
	free(env);
	hf_manifest_free(m);
	hf_identity_free(signer);
	return 0;
}
