/*
 * hf_tls_pair: one REQ/REP round trip over nng tls+tcp on loopback with
 * mutual TLS (auth mode REQUIRED on both sides), for integration.keys_tls.
 *
 *   hf_tls_pair SRV_CA SRV_CRL SRV_CERT SRV_KEY CLI_CA CLI_CRL CLI_CERT CLI_KEY
 *
 * Each side trusts its CA file (and CRL file, "-" for none) and presents its
 * certificate. Exit 0: the handshake completed both ways and a request got
 * its reply; 1: refused (dial failed, or no reply within 3 s); 2: setup error.
 * nng 1.5.2 (Debian 12, mbedTLS 2.28) does not hand the peer certificate to
 * the application, so revocation is tested through the CRL (spec §11.8).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

static char *slurp(const char *path)
{
	FILE *f;
	long n;
	char *b;
	if (strcmp(path, "-") == 0)
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 20)) {
		fprintf(stderr, "hf_tls_pair: cannot read %s\n", path);
		exit(2);
	}
	rewind(f);
	b = calloc(1, (size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	fclose(f);
	return b;
}

static nng_tls_config *config(nng_tls_mode mode, char **argv)
{
	nng_tls_config *c;
	char *ca = slurp(argv[0]), *crl = slurp(argv[1]), *cert = slurp(argv[2]),
	     *key = slurp(argv[3]);
	int rv;
	if ((rv = nng_tls_config_alloc(&c, mode)) != 0 ||
	    (rv = nng_tls_config_ca_chain(c, ca, crl)) != 0 ||
	    (rv = nng_tls_config_own_cert(c, cert, key, NULL)) != 0 ||
	    (rv = nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (mode == NNG_TLS_MODE_CLIENT &&
	     (rv = nng_tls_config_server_name(c, "localhost")) != 0)) {
		fprintf(stderr, "hf_tls_pair: tls config: %s\n", nng_strerror(rv));
		exit(2);
	}
	free(ca);
	free(crl);
	free(cert);
	free(key);
	return c;
}

int main(int argc, char **argv)
{
	nng_socket rep, req;
	nng_listener l;
	nng_dialer d;
	nng_sockaddr sa;
	nng_tls_config *sc, *cc;
	char url[64];
	char *msg = NULL;
	char ping[] = "ping", pong[] = "pong";
	size_t sz;
	int rv;
	if (argc != 9) {
		fprintf(stderr, "usage: hf_tls_pair SRV_CA SRV_CRL SRV_CERT SRV_KEY "
		                "CLI_CA CLI_CRL CLI_CERT CLI_KEY\n");
		return 2;
	}
	sc = config(NNG_TLS_MODE_SERVER, argv + 1);
	cc = config(NNG_TLS_MODE_CLIENT, argv + 5);
	if (nng_rep0_open(&rep) != 0 || nng_req0_open(&req) != 0)
		return 2;
	nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(req, NNG_OPT_SENDTIMEO, 3000);
	/* port 0: the kernel picks a free port; read it back */
	if ((rv = nng_listener_create(&l, rep, "tls+tcp://127.0.0.1:0")) != 0 ||
	    (rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, sc)) != 0 ||
	    (rv = nng_listener_start(l, 0)) != 0 ||
	    (rv = nng_listener_get_addr(l, NNG_OPT_LOCADDR, &sa)) != 0) {
		fprintf(stderr, "hf_tls_pair: listen: %s\n", nng_strerror(rv));
		return 2;
	}
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%u", (unsigned)ntohs(sa.s_in.sa_port));
	if ((rv = nng_dialer_create(&d, req, url)) != 0 ||
	    (rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cc)) != 0) {
		fprintf(stderr, "hf_tls_pair: dialer: %s\n", nng_strerror(rv));
		return 2;
	}
	/* Synchronous dial: returns once the TLS handshake has completed or failed. */
	if ((rv = nng_dialer_start(d, 0)) != 0) {
		printf("refused: dial %s: %s\n", url, nng_strerror(rv));
		return 1;
	}
	if ((rv = nng_send(req, ping, sizeof(ping), 0)) != 0) {
		printf("refused: send: %s\n", nng_strerror(rv));
		return 1;
	}
	/* The server may still reject the client's certificate after the client
	 * considers the handshake done (TLS 1.2 client auth): then no request
	 * arrives and the receive times out. */
	if ((rv = nng_recv(rep, &msg, &sz, NNG_FLAG_ALLOC)) != 0) {
		printf("refused: server recv: %s\n", nng_strerror(rv));
		return 1;
	}
	nng_free(msg, sz);
	if ((rv = nng_send(rep, pong, sizeof(pong), 0)) != 0 ||
	    (rv = nng_recv(req, &msg, &sz, NNG_FLAG_ALLOC)) != 0) {
		printf("refused: reply: %s\n", nng_strerror(rv));
		return 1;
	}
	if (sz != 5 || memcmp(msg, "pong", 5) != 0)
		return 2;
	nng_free(msg, sz);
	printf("ok: mutual TLS round trip over %s\n", url);
	nng_close(req);
	nng_close(rep);
	nng_tls_config_free(sc);
	nng_tls_config_free(cc);
	return 0;
}
