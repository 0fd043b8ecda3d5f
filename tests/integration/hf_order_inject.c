/*
 * Test tool: sends hand-made order envelopes to a node over mutual TLS and
 * prints the node's reply code. Used by tests/integration/orders_flow.sh to
 * prove forged receipts, outcomes from the wrong platform and replays change
 * nothing.
 *
 * usage: hf_order_inject URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub MODE ORDER_HEX [FILE]
 *   MODE  outcome   OUTCOME "item 0 removed" for ORDER, signed by SIGNER, sealed to RCPT
 *         receipt   RECEIPT for ORDER (hash of nothing), signed by SIGNER
 *         raw       the envelope bytes in FILE, as they are (a replay)
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
#include "keyio.h"

static int die(const char *what)
{
	fprintf(stderr, "hf_order_inject: %s\n", what);
	return 2;
}

static char *slurp(const char *path, size_t *len)
{
	uint8_t *p;
	return hf_keyio_read_file(path, 1 << 24, &p, len) == HF_OK ? (char *)p : NULL;
}

int main(int argc, char **argv)
{
	if (argc < 10)
		return die("usage: URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub MODE ORDER [FILE]");
	const char *url = argv[1], *mode = argv[8];
	char path[4096], reply[64] = "";
	size_t len;
	hf_identity *signer = NULL;
	hf_keyfile_kind kind;
	hf_manifest *m = NULL;
	hf_pubfile pub;
	uint8_t *env = NULL, *body = NULL;
	size_t env_len = 0, body_len;
	hf_order_msg msg;
	hf_item_outcome res;
	if (sodium_init() < 0)
		return die("sodium");
	snprintf(path, sizeof(path), "%s/node.key", argv[6]);
	if (hfn_keyio_load_identity(path, NULL, &kind, &signer) != HF_OK)
		return die("signer key");
	char *txt = slurp(argv[5], &len);
	if (!txt || hf_manifest_decode((uint8_t *)txt, len, &m) != HF_OK)
		return die("manifest");
	free(txt);
	txt = slurp(argv[7], &len);
	if (!txt || hf_pubfile_parse(txt, len, &pub) != HF_OK)
		return die("recipient pub");
	free(txt);
	memset(&msg, 0, sizeof(msg));
	uint8_t oid[16];
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(argv[9] + 2 * i, "%2x", &v) != 1)
			return die("order id");
		oid[i] = (uint8_t)v;
	}
	uint64_t now = (uint64_t)time(NULL) * 1000;
	if (!strcmp(mode, "raw")) {
		if (argc < 11 || !(env = (uint8_t *)slurp(argv[10], &env_len)))
			return die("raw file");
	} else {
		if (!strcmp(mode, "outcome")) {
			msg.type = HF_MSG_OUTCOME;
			memcpy(msg.u.outcome.order_id.b, oid, sizeof msg.u.outcome.order_id.b);
			memset(&res, 0, sizeof(res));
			res.code = HF_OUT_REMOVED;
			res.action_ms = now - 1000;
			msg.u.outcome.n_results = 1;
			msg.u.outcome.results = &res;
		} else if (!strcmp(mode, "receipt")) {
			msg.type = HF_MSG_RECEIPT;
			memcpy(msg.u.receipt.order_id.b, oid, sizeof msg.u.receipt.order_id.b);
			msg.u.receipt.received_ms = now - 1000;
			msg.u.receipt.n_items = 1;
		} else {
			return die("mode");
		}
		hf_audit_header audit;
		if (hf_order_msg_encode(&msg, &body, &body_len) != HF_OK ||
		    hf_order_msg_audit(&msg, &audit) != HF_OK)
			return die("encode");
		hf_seal_params p = {
		    .type = msg.type,
		    .created_ms = now,
		    .expires_ms = now + 3600000,
		    .federation = hf_manifest_federation(m),
		    .epoch = hf_manifest_epoch(m),
		    .audit = &audit,
		    .recipients = (const uint8_t(*)[HF_ENC_PK_LEN]) & pub.enc_pk,
		    .n_recipients = 1,
		};
		if (hf_envelope_seal(signer, &p, body, body_len, &env, &env_len) != HF_OK)
			return die("seal");
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
	if (nng_recvmsg(s, &nm, 0) != 0)
		return die("recv");
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
