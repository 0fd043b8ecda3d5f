/*
 * Test tool of tests/integration/audit_split.sh: what a dishonest log operator (or a
 * member lying to it) sends, signed with a real member key, over mutual TLS; prints the
 * receiving node's reply code.
 *
 * usage: hf_audit_forge URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub MODE ARGS...
 *   MODE  fork NOTE OUT [WITNESS_DIR...]
 *                 a checkpoint of NOTE's origin and size with another root (a fork of
 *                 the log), signed with SIGNER's key as the log key and cosigned with
 *                 each WITNESS_DIR's key (colluding witnesses); written to OUT and sent
 *                 to RCPT as AUDIT_CHECKPOINT from SIGNER
 *         submit ENV  the public header of the envelope in file ENV as an AUDIT_SUBMIT
 *                 from SIGNER (a message its sender logs after the fact)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <sodium.h>

#include "hashfed/audit_log.h"
#include "hashfed/audit_msg.h"
#include "hashfed/checkpoint.h"
#include "hashfed/envelope.h"
#include "hashfed/keyfile.h"
#include "hashfed/manifest.h"
#include "hashfed/note.h"
#include "keyio.h"

static int die(const char *what)
{
	fprintf(stderr, "hf_audit_forge: %s\n", what);
	return 2;
}

static char *slurp(const char *path, size_t *len)
{
	uint8_t *p;
	return hf_keyio_read_file(path, 1 << 24, &p, len) == HF_OK ? (char *)p : NULL;
}

static hf_identity *load_id(const char *dir)
{
	char path[4096];
	hf_keyfile_kind kind;
	hf_identity *id = NULL;
	snprintf(path, sizeof(path), "%s/node.key", dir);
	return hfn_keyio_load_identity(path, NULL, &kind, &id) == HF_OK ? id : NULL;
}

static bool load_pub(const char *path, hf_pubfile *pub)
{
	size_t len;
	char *txt = slurp(path, &len);
	bool ok = txt && hf_pubfile_parse(txt, len, pub) == HF_OK;
	free(txt);
	return ok;
}

/* The forked note: NOTE's body with the root's bits flipped, log-signed, cosigned. */
static int fork_note(const hf_identity *log_id, const char *note_file, char **wdirs, int nw,
                     char **out, size_t *out_len)
{
	size_t len, nl;
	char *txt = slurp(note_file, &len);
	uint8_t seed[32], xsk[32];
	hf_checkpoint c;
	hf_note_signer *s = NULL;
	uint8_t *buf = malloc(HF_NOTE_MAX_SIZE);
	if (!txt || !buf)
		return die("note file");
	const char *body_end = strstr(txt, "\n\n");
	if (!body_end ||
	    hf_checkpoint_parse((uint8_t *)txt, (size_t)(body_end - txt) + 1, &c) != HF_OK)
		return die("checkpoint body");
	for (int i = 0; i < 32; i++)
		c.root[i] ^= 0x5a;
	hf_identity_secrets(log_id, seed, xsk);
	if (hf_note_signer_new(c.origin, HF_NOTE_ALG_ED25519, seed, &s) != HF_OK ||
	    hf_checkpoint_sign(&c, s, buf, HF_NOTE_MAX_SIZE - 1, &nl) != HF_OK)
		return die("sign");
	hf_note_signer_free(s);
	for (int i = 0; i < nw; i++) {
		hf_identity *w = load_id(wdirs[i]);
		hf_pubfile wp;
		char pubp[4096], name[64], hex[33], line[HF_NOTE_MAX_LINE];
		size_t ll;
		snprintf(pubp, sizeof(pubp), "%s/node.pub", wdirs[i]);
		if (!w || !load_pub(pubp, &wp) || !wp.has_id)
			return die("witness dir");
		hf_hex_encode(wp.id, 16, hex);
		snprintf(name, sizeof(name), "hashfed.witness/%s", hex);
		hf_identity_secrets(w, seed, xsk);
		if (hf_note_signer_new(name, HF_NOTE_ALG_COSIG, seed, &s) != HF_OK ||
		    hf_checkpoint_cosign(s, buf, nl, (uint64_t)time(NULL), line, sizeof(line),
		                         &ll) != HF_OK ||
		    nl + ll >= HF_NOTE_MAX_SIZE)
			return die("cosign");
		memcpy(buf + nl, line, ll);
		nl += ll;
		hf_note_signer_free(s);
		hf_identity_free(w);
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(xsk, sizeof(xsk));
	buf[nl] = 0;
	free(txt);
	*out = (char *)buf;
	*out_len = nl;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 10)
		return die("usage: URL CA CERT KEY MANIFEST SIGNER_DIR RCPT.pub MODE ARGS...");
	const char *url = argv[1], *mode = argv[8];
	char reply[64] = "";
	size_t len;
	hf_manifest *m = NULL;
	hf_pubfile rcpt;
	hf_audit_msg *msg = calloc(1, sizeof(*msg));
	uint8_t *body = NULL, *env = NULL, *src = NULL;
	size_t body_len, env_len;
	char *note = NULL;
	if (!msg || sodium_init() < 0)
		return die("init");
	hf_identity *signer = load_id(argv[6]);
	if (!signer)
		return die("signer key");
	char *txt = slurp(argv[5], &len);
	if (!txt || hf_manifest_decode((uint8_t *)txt, len, &m) != HF_OK)
		return die("manifest");
	free(txt);
	if (!load_pub(argv[7], &rcpt) || !rcpt.has_enc)
		return die("recipient pub");
	if (!strcmp(mode, "fork")) {
		size_t nl;
		if (argc < 11)
			return die("fork NOTE OUT [WITNESS_DIR...]");
		if (fork_note(signer, argv[9], argv + 11, argc - 11, &note, &nl) != 0)
			return 2;
		FILE *f = fopen(argv[10], "wb");
		if (!f || fwrite(note, 1, nl, f) != nl || fclose(f) != 0)
			return die("write OUT");
		msg->type = HF_MSG_AUDIT_CHECKPOINT;
		msg->u.checkpoint.checkpoint = note;
		msg->u.checkpoint.checkpoint_len = nl;
	} else if (!strcmp(mode, "submit")) {
		const uint8_t *hdr;
		size_t hl;
		if (!(src = (uint8_t *)slurp(argv[9], &len)) ||
		    hf_audit_header_bytes(src, len, &hdr, &hl) != HF_OK)
			return die("envelope file");
		msg->type = HF_MSG_AUDIT_SUBMIT;
		msg->u.submit.n = 1;
		msg->u.submit.hdr[0] = hdr;
		msg->u.submit.hdr_len[0] = hl;
	} else {
		return die("mode");
	}
	uint64_t now = (uint64_t)time(NULL) * 1000;
	hf_audit_header audit;
	memset(&audit, 0, sizeof(audit));
	hf_seal_params p = {
	    .type = msg->type,
	    .created_ms = now,
	    .expires_ms = now + 3600000,
	    .federation = hf_manifest_federation(m),
	    .epoch = hf_manifest_epoch(m),
	    .audit = &audit,
	    .recipients = (const uint8_t(*)[HF_ENC_PK_LEN]) & rcpt.enc_pk,
	    .n_recipients = 1,
	};
	if (hf_audit_msg_encode(msg, &body, &body_len) != HF_OK ||
	    hf_envelope_seal(signer, &p, body, body_len, &env, &env_len) != HF_OK)
		return die("seal");
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
	free(src);
	free(note);
	free(msg);
	hf_manifest_free(m);
	hf_identity_free(signer);
	return 0;
}
