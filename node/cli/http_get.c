/*
 * A minimal blocking HTTP/1.1 GET over a TCP socket, for commands that read
 * public files from a node (`hashfed audit verify --log URL`). No TLS, no
 * redirects; Content-Length, chunked and close-delimited bodies; every size
 * bounded by the caller's max.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

enum { HEAD_MAX = 16384 };

int hfn_cli_url_parse(const char *url, hfn_cli_url *out)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(url, "http://", 7) != 0)
		return -1;
	const char *h = url + 7;
	size_t hl = strcspn(h, "/");
	if (hl == 0 || hl >= sizeof(out->host))
		return -1;
	memcpy(out->host, h, hl);
	out->host[hl] = 0;
	snprintf(out->port, sizeof(out->port), "80");
	char *colon = strrchr(out->host, ':');
	if (colon != NULL && strchr(out->host, ']') == NULL) {
		if (colon[1] == 0 || strlen(colon + 1) >= sizeof(out->port))
			return -1;
		snprintf(out->port, sizeof(out->port), "%s", colon + 1);
		*colon = 0;
	}
	const char *p = h + hl;
	size_t pl = strlen(p);
	while (pl > 0 && p[pl - 1] == '/')
		pl--;
	if (pl >= sizeof(out->prefix))
		return -1;
	memcpy(out->prefix, p, pl);
	out->prefix[pl] = 0;
	return 0;
}

int hfn_cli_connect(const char *host, const char *port, const char **why)
{
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		*why = "cannot resolve the host";
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		*why = strerror(errno);
		close(fd);
		fd = -1;
	} else if (fd < 0) {
		*why = strerror(errno);
	}
	freeaddrinfo(ai);
	return fd;
}

int hfn_cli_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int hfn_cli_read_all(int fd, size_t max, char **buf, size_t *len)
{
	char *b = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			if (cap > max)
				goto fail; /* larger than allowed */
			size_t nc = cap ? 2 * cap : 16384;
			char *p = realloc(b, nc);
			if (p == NULL)
				goto fail;
			b = p;
			cap = nc;
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	*buf = NULL;
	*len = 0;
	return -1;
}

/* Decodes a chunked body in place; returns its length or -1. */
static long dechunk(uint8_t *b, size_t n)
{
	size_t in = 0, out = 0;
	for (;;) {
		size_t k = in;
		while (k + 1 < n && !(b[k] == '\r' && b[k + 1] == '\n'))
			k++;
		if (k + 1 >= n)
			return -1;
		char hex[20];
		size_t hl = k - in;
		if (hl == 0 || hl >= sizeof(hex))
			return -1;
		memcpy(hex, b + in, hl);
		hex[hl] = 0;
		char *end;
		unsigned long sz = strtoul(hex, &end, 16);
		if (end == hex || (*end != 0 && *end != ';'))
			return -1;
		in = k + 2;
		if (sz == 0)
			return (long)out;
		if (sz > n - in || n - in - sz < 2)
			return -1;
		memmove(b + out, b + in, sz);
		out += sz;
		in += sz + 2;
	}
}

int hfn_cli_http_get(const hfn_cli_url *u, const char *path, size_t max, uint8_t **body,
                     size_t *len, int *status)
{
	int fd = -1, rc = -1;
	uint8_t *buf = NULL;
	char *text;
	size_t n = 0;
	*body = NULL;
	*len = 0;
	*status = 0;
	char req[4096];
	int rl = snprintf(req, sizeof(req),
	                  "GET %s/%s HTTP/1.1\r\nHost: %s:%s\r\nAccept: */*\r\n"
	                  "Connection: close\r\n\r\n",
	                  u->prefix, path, u->host, u->port);
	if (rl < 0 || (size_t)rl >= sizeof(req))
		return -1;
	const char *why;
	if ((fd = hfn_cli_connect(u->host, u->port, &why)) < 0)
		return -1;
	struct timeval tv = {30, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (hfn_cli_write_all(fd, req, (size_t)rl) != 0 ||
	    hfn_cli_read_all(fd, max + HEAD_MAX + 64, &text, &n) != 0)
		goto out;
	buf = (uint8_t *)text;
	/* status line and headers */
	size_t he = 0;
	while (he + 3 < n && memcmp(buf + he, "\r\n\r\n", 4) != 0)
		he++;
	if (he + 3 >= n || he > HEAD_MAX)
		goto out;
	buf[he] = 0;
	if (sscanf((char *)buf, "HTTP/1.%*d %d", status) != 1)
		goto out;
	long clen = -1;
	int chunked = 0;
	for (char *line = strstr((char *)buf, "\r\n"); line != NULL && line < (char *)buf + he;
	     line = strstr(line + 2, "\r\n")) {
		char *h = line + 2;
		if (strncasecmp(h, "Content-Length:", 15) == 0)
			clen = strtol(h + 15, NULL, 10);
		else if (strncasecmp(h, "Transfer-Encoding:", 18) == 0 && strstr(h, "chunked"))
			chunked = 1;
	}
	size_t bl = n - he - 4;
	memmove(buf, buf + he + 4, bl);
	if (chunked) {
		long d = dechunk(buf, bl);
		if (d < 0)
			goto out;
		bl = (size_t)d;
	} else if (clen >= 0) {
		if ((size_t)clen > bl)
			goto out; /* truncated */
		bl = (size_t)clen;
	}
	if (bl > max)
		goto out;
	*body = buf;
	*len = bl;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}
