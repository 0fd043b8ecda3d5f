/*
 * Test tool: sends hand-made list envelopes to a node over mutual TLS and
 * prints the node's reply code for each, one per line. Used by
 * tests/integration/lists_sync.sh to prove forged, replayed and re-addressed
 * batches are refused.
 *
 * usage: hf_inject URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub MODE
 *   MODE  valid     a fresh list's batch 1 signed by SIGNER, sealed to RCPT; sent twice
 *                   (prints the reply to the original, then to the replay)
 *         tamper    the same with one header byte changed after signing
 *         unknown   signed by a new identity that is not in the manifest
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
#include "hashfed/list.h"
#include "hashfed/manifest.h"
#include "hashfed/rules.h"
#include "keyio.h"

static int die(const char *what)
{
	fprintf(stderr, "hf_inject: %s\n", what);
	return 2;
}

static char *slurp(const char *path, size_t *len)
{
	uint8_t *p;
	return hf_keyio_read_file(path, 1 << 24, &p, len) == HF_OK ? (char *)p : NULL;
}

static const char *send_one(nng_socket s, const uint8_t *env, size_t len, char *buf, size_t size)
{
	nng_msg *m;
	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, env, len) != 0)
		return "alloc";
	if (nng_sendmsg(s, m, 0) != 0) {
		nng_msg_free(m);
		return "send-failed";
	}
	if (nng_recvmsg(s, &m, 0) != 0)
		return "recv-failed";
	size_t n = nng_msg_len(m) < size - 1 ? nng_msg_len(m) : size - 1;
	memcpy(buf, nng_msg_body(m), n);
	buf[n] = 0;
	nng_msg_free(m);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc != 9)
		return die("usage: URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub MODE");
	const char *url = argv[1], *mode = argv[8];
	char path[4096], reply[64];
	size_t len;
	hf_identity *signer = NULL;
	hf_keyfile_kind kind;
	hf_manifest *m = NULL;
	hf_pubfile pub;
	if (sodium_init() < 0)
		return die("sodium");
	snprintf(path, sizeof(path), "%s/node.key", argv[6]);
	if (!strcmp(mode, "unknown")) {
		if (hf_identity_generate(&signer, NULL) != HF_OK)
			return die("identity");
	} else if (hfn_keyio_load_identity(path, NULL, &kind, &signer) != HF_OK) {
		return die("signer key");
	}
	char *txt = slurp(argv[5], &len);
	if (!txt || hf_manifest_decode((uint8_t *)txt, len, &m) != HF_OK)
		return die("manifest");
	free(txt);
	txt = slurp(argv[7], &len);
	if (!txt || hf_pubfile_parse(txt, len, &pub) != HF_OK)
		return die("recipient pub");
	free(txt);

	/* Batch 1 of a fresh list. */
	hf_list_batch b;
	hf_list_entry e;
	uint8_t *body, *env;
	size_t body_len, env_len;
	memset(&b, 0, sizeof(b));
	memset(&e, 0, sizeof(e));
	randombytes_buf(b.list_id.b, sizeof b.list_id.b);
	b.number = 1;
	b.meta.name = "injected";
	b.meta.name_len = 8;
	b.meta.algs = 1u << HF_ALG_SHA256;
	b.first_id = 1;
	e.alg = HF_ALG_SHA256;
	e.quality = 100;
	randombytes_buf(e.value, 32);
	if (hf_list_batch_encode(&b, &e, 1, NULL, 0, &body, &body_len) != HF_OK)
		return die("encode");
	uint64_t now = (uint64_t)time(NULL) * 1000;
	/* The header a conforming issuer puts on the batch (spec §5.3a): receivers check it. */
	hf_audit_header audit;
	uint32_t free_fields;
	b.n_added = 1;
	hf_audit_of_batch(&b, &audit, &free_fields);
	hf_seal_params p = {
	    .type = HF_MSG_LIST_BATCH,
	    .audit = &audit,
	    .created_ms = now,
	    .expires_ms = now + 3600000,
	    .federation = hf_manifest_federation(m),
	    .epoch = hf_manifest_epoch(m),
	    .recipients = (const uint8_t(*)[HF_ENC_PK_LEN]) & pub.enc_pk,
	    .n_recipients = 1,
	};
	if (hf_envelope_seal(signer, &p, body, body_len, &env, &env_len) != HF_OK)
		return die("seal");
	if (!strcmp(mode, "tamper"))
		env[env_len / 8] ^= 0x01; /* inside the signed header/wraps */

	nng_socket s;
	nng_dialer d;
	nng_tls_config *tls;
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
	printf("%s\n", send_one(s, env, env_len, reply, sizeof(reply)));
	if (!strcmp(mode, "valid"))
		printf("%s\n", send_one(s, env, env_len, reply, sizeof(reply)));
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
