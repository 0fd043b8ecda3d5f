/* hashfed's nng TLS engine: mbedTLS 2.28 plus a check of the peer certificate (tls_engine.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h> /* first: the other mbedTLS headers read it */

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/engine.h>
#include <sodium.h>

#include "net/tls_engine.h"

#define HFN_ENGINE_NAME "hashfed-mbedtls"
#define HFN_MAX_OWN     4 /* own_cert pairs per config (nng allows several: RSA + EC) */

struct nng_tls_engine_config {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_x509_crl crl;
	mbedtls_x509_crt own[HFN_MAX_OWN];
	mbedtls_pk_context key[HFN_MAX_OWN];
	size_t n_own;
	char *server_name;
	hfn_tls_check_fn check;
	void *check_ctx;
};

struct nng_tls_engine_conn {
	void *tls; /* nng's side: nng_tls_engine_send/recv */
	mbedtls_ssl_context ssl;
};

/* The check and its context for the config being allocated on this thread
 * (hfn_tls_config_alloc -> nng_tls_config_alloc -> config_init, all synchronous). */
static _Thread_local hfn_tls_check_fn tl_check;
static _Thread_local void *tl_check_ctx;

/* ---- mbedTLS callbacks -------------------------------------------------------- */

static int hf_rng(void *arg, unsigned char *buf, size_t len)
{
	(void)arg;
	randombytes_buf(buf, len);
	return 0;
}

/* After mbedTLS verified each certificate of the chain: the leaf (depth 0) also has to
 * pass the config's check. A refusal marks it bad, which fails the handshake. */
static int verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	nng_tls_engine_config *c = arg;
	uint8_t fp[HFN_TLS_FP_BYTES];
	if (depth != 0 || *flags != 0 || !c->check)
		return 0;
	crypto_hash_sha256(fp, crt->raw.p, crt->raw.len);
	if (c->check(c->check_ctx, fp) != HF_OK)
		*flags |= MBEDTLS_X509_BADCERT_OTHER;
	return 0;
}

static int bio_send(void *arg, const unsigned char *buf, size_t len)
{
	nng_tls_engine_conn *ec = arg;
	size_t sz = len;
	int rv = nng_tls_engine_send(ec->tls, buf, &sz);
	if (rv == 0)
		return (int)sz;
	return rv == NNG_EAGAIN ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *arg, unsigned char *buf, size_t len)
{
	nng_tls_engine_conn *ec = arg;
	size_t sz = len;
	int rv = nng_tls_engine_recv(ec->tls, buf, &sz);
	if (rv == 0)
		return (int)sz;
	return rv == NNG_EAGAIN ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int hfn_nng_err(int rv)
{
	switch (rv) {
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return NNG_EAGAIN;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
	case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
	case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
		return NNG_EPEERAUTH;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		return NNG_ECLOSED;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		return NNG_ENOMEM;
	default:
		return NNG_ECRYPTO;
	}
}

/* ---- connection ops ----------------------------------------------------------- */

static int conn_init(nng_tls_engine_conn *ec, void *tls, nng_tls_engine_config *c)
{
	int rv;
	ec->tls = tls;
	mbedtls_ssl_init(&ec->ssl);
	mbedtls_ssl_set_bio(&ec->ssl, ec, bio_send, bio_recv, NULL);
	if ((rv = mbedtls_ssl_setup(&ec->ssl, &c->conf)) != 0)
		return hfn_nng_err(rv);
	if (c->server_name && (rv = mbedtls_ssl_set_hostname(&ec->ssl, c->server_name)) != 0)
		return hfn_nng_err(rv);
	return 0;
}

static void conn_fini(nng_tls_engine_conn *ec)
{
	mbedtls_ssl_free(&ec->ssl);
}

static void conn_close(nng_tls_engine_conn *ec)
{
	(void)mbedtls_ssl_close_notify(&ec->ssl);
}

static int conn_handshake(nng_tls_engine_conn *ec)
{
	int rv = mbedtls_ssl_handshake(&ec->ssl);
	return rv == 0 ? 0 : hfn_nng_err(rv);
}

static int conn_recv(nng_tls_engine_conn *ec, uint8_t *buf, size_t *szp)
{
	int rv = mbedtls_ssl_read(&ec->ssl, buf, *szp);
	if (rv > 0) {
		*szp = (size_t)rv;
		return 0;
	}
	return rv == 0 ? NNG_ECLOSED : hfn_nng_err(rv);
}

static int conn_send(nng_tls_engine_conn *ec, const uint8_t *buf, size_t *szp)
{
	int rv = mbedtls_ssl_write(&ec->ssl, buf, *szp);
	if (rv > 0) {
		*szp = (size_t)rv;
		return 0;
	}
	return rv == 0 ? NNG_EAGAIN : hfn_nng_err(rv);
}

static bool conn_verified(nng_tls_engine_conn *ec)
{
	return mbedtls_ssl_get_verify_result(&ec->ssl) == 0;
}

/* ---- config ops --------------------------------------------------------------- */

static void config_fini(nng_tls_engine_config *c)
{
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_x509_crl_free(&c->crl);
	for (size_t i = 0; i < c->n_own; i++) {
		mbedtls_x509_crt_free(&c->own[i]);
		mbedtls_pk_free(&c->key[i]);
	}
	free(c->server_name);
}

static int hfn_config_init(nng_tls_engine_config *c, nng_tls_mode mode)
{
	bool server = mode == NNG_TLS_MODE_SERVER;
	int rv;
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crl_init(&c->crl);
	c->check = tl_check;
	c->check_ctx = tl_check_ctx;
	rv = mbedtls_ssl_config_defaults(&c->conf,
	                                 server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
	                                 MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rv != 0) {
		config_fini(c);
		return NNG_ENOMEM;
	}
	/* nng's defaults: a client verifies its server, a server asks nothing unless told. */
	mbedtls_ssl_conf_authmode(&c->conf,
	                          server ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
	mbedtls_ssl_conf_rng(&c->conf, hf_rng, NULL);
	mbedtls_ssl_conf_verify(&c->conf, verify, c);
	return 0;
}

static int config_server(nng_tls_engine_config *c, const char *name)
{
	char *dup = strdup(name);
	if (!dup)
		return NNG_ENOMEM;
	free(c->server_name);
	c->server_name = dup;
	return 0;
}

static int config_auth(nng_tls_engine_config *c, nng_tls_auth_mode mode)
{
	switch (mode) {
	case NNG_TLS_AUTH_MODE_NONE:
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
		return 0;
	case NNG_TLS_AUTH_MODE_OPTIONAL:
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
		return 0;
	case NNG_TLS_AUTH_MODE_REQUIRED:
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		return 0;
	}
	return NNG_EINVAL;
}

static int config_ca_chain(nng_tls_engine_config *c, const char *ca, const char *crl)
{
	/* PEM lengths include the terminating NUL (mbedTLS's rule for PEM input). */
	if (mbedtls_x509_crt_parse(&c->ca, (const unsigned char *)ca, strlen(ca) + 1) != 0)
		return NNG_EINVAL;
	if (crl &&
	    mbedtls_x509_crl_parse(&c->crl, (const unsigned char *)crl, strlen(crl) + 1) != 0)
		return NNG_EINVAL;
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, crl ? &c->crl : NULL);
	return 0;
}

static int config_own_cert(nng_tls_engine_config *c, const char *cert, const char *key,
                           const char *pass)
{
	size_t i = c->n_own;
	if (i == HFN_MAX_OWN)
		return NNG_ENOSPC;
	mbedtls_x509_crt_init(&c->own[i]);
	mbedtls_pk_init(&c->key[i]);
	c->n_own++; /* freed by fini from here on, parsed or not */
	if (mbedtls_x509_crt_parse(&c->own[i], (const unsigned char *)cert, strlen(cert) + 1) !=
	        0 ||
	    mbedtls_pk_parse_key(&c->key[i], (const unsigned char *)key, strlen(key) + 1,
	                         (const unsigned char *)pass, pass ? strlen(pass) : 0) != 0 ||
	    mbedtls_ssl_conf_own_cert(&c->conf, &c->own[i], &c->key[i]) != 0)
		return NNG_EINVAL;
	return 0;
}

static int config_version(nng_tls_engine_config *c, nng_tls_version lo, nng_tls_version hi)
{
	/* mbedTLS 2.28 speaks up to TLS 1.2, and the federation asks no less (spec §11.8). */
	if (lo > NNG_TLS_1_2 || hi < NNG_TLS_1_2 || lo > hi)
		return NNG_ENOTSUP;
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	return 0;
}

static nng_tls_engine_config_ops hfn_config_ops = {
    .size = sizeof(nng_tls_engine_config),
    .init = hfn_config_init,
    .fini = config_fini,
    .server = config_server,
    .auth = config_auth,
    .ca_chain = config_ca_chain,
    .own_cert = config_own_cert,
    .version = config_version,
};

static nng_tls_engine_conn_ops hfn_conn_ops = {
    .size = sizeof(nng_tls_engine_conn),
    .init = conn_init,
    .fini = conn_fini,
    .close = conn_close,
    .handshake = conn_handshake,
    .recv = conn_recv,
    .send = conn_send,
    .verified = conn_verified,
};

static const nng_tls_engine hfn_engine = {
    .version = NNG_TLS_ENGINE_VERSION,
    .config_ops = &hfn_config_ops,
    .conn_ops = &hfn_conn_ops,
    .name = HFN_ENGINE_NAME,
    .description = "mbed TLS " MBEDTLS_VERSION_STRING " with manifest certificate pinning",
    .fips_mode = false,
};

/* ---- registration --------------------------------------------------------------- */

static pthread_once_t hfn_once = PTHREAD_ONCE_INIT;
static int register_rv = -1;

static void engine_register(void)
{
	/* nng registers its own engine when it initialises (on first use): do that first, or
	 * the built-in engine would replace this one. */
	(void)nng_tls_engine_name();
	register_rv = nng_tls_engine_register(&hfn_engine);
}

hf_err hfn_tls_engine_install(void)
{
	pthread_once(&hfn_once, engine_register);
	return register_rv == 0 && strcmp(nng_tls_engine_name(), HFN_ENGINE_NAME) == 0
	           ? HF_OK
	           : HF_EINTERNAL;
}

hf_err hfn_tls_config_alloc(nng_tls_mode mode, hfn_tls_check_fn check, void *ctx,
                            nng_tls_config **out)
{
	int rv;
	*out = NULL;
	if (strcmp(nng_tls_engine_name(), HFN_ENGINE_NAME) != 0)
		return HF_EINTERNAL;
	tl_check = check;
	tl_check_ctx = ctx;
	rv = nng_tls_config_alloc(out, mode);
	tl_check = NULL;
	tl_check_ctx = NULL;
	return rv == 0 ? HF_OK : rv == NNG_ENOMEM ? HF_ENOMEM : HF_EINTERNAL;
}
