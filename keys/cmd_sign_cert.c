/* hashfed-keys sign-cert: sign a node's TLS CSR with the federation CA. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

#define HFN_KEYS_MAX_NAMES 8

static const char hfn_keys_help[] =
    "Usage: hashfed-keys sign-cert --ca DIR --csr FILE (--dns NAME | --ip ADDR)...\n"
    "                              [--out FILE] [--days N | --not-before T --not-after T]\n"
    "\n"
    "Signs the CSR with the CA in DIR (ca.key, ca.crt as made by init-federation) and\n"
    "writes the node certificate (PEM, 0644) to --out (default: the CSR path with .csr\n"
    "replaced by .crt). Prints its SHA-256 fingerprint, as listed in the manifest.\n"
    "The certificate is ECDSA P-256/SHA-256 with serverAuth and clientAuth.\n"
    "\n"
    "  --ca DIR          the federation CA directory (e.g. FEDDIR/ca)\n"
    "  --csr FILE        the node's tls.csr\n"
    "  --dns NAME        subjectAltName DNS entry (repeatable, up to 8)\n"
    "  --ip ADDR         subjectAltName IPv4/IPv6 entry (repeatable, up to 8)\n"
    "  --out FILE        certificate path (must not exist)\n"
    "  --days N          lifetime from now (default 397)\n"
    "  --not-before T, --not-after T\n"
    "                    explicit validity; T is now, unix seconds, +Nd, -Nd or\n"
    "                    YYYY-MM-DDTHH:MM:SSZ\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

int hfn_keys_cmd_sign_cert(int argc, char **argv)
{
	static const struct option opts[] = {{"ca", required_argument, NULL, 'c'},
	                                     {"csr", required_argument, NULL, 'r'},
	                                     {"dns", required_argument, NULL, 'd'},
	                                     {"ip", required_argument, NULL, 'i'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"days", required_argument, NULL, 'y'},
	                                     {"not-before", required_argument, NULL, 'b'},
	                                     {"not-after", required_argument, NULL, 'a'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *cmd = "sign-cert", *ca = NULL, *csr = NULL, *out = NULL;
	const char *dns[HFN_KEYS_MAX_NAMES], *ips[HFN_KEYS_MAX_NAMES];
	size_t nd = 0, ni = 0;
	long days = 397;
	uint64_t nb = 0, na = 0;
	bool have_nb = false, have_na = false;
	char *outp = NULL, fphex[65];
	uint8_t fp[32];
	hf_err rc;
	int c, ex = HFN_KEYS_EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ca = optarg;
			break;
		case 'r':
			csr = optarg;
			break;
		case 'd':
			if (nd == HFN_KEYS_MAX_NAMES)
				return hfn_keys_usage(cmd, "at most %d --dns", HFN_KEYS_MAX_NAMES);
			dns[nd++] = optarg;
			break;
		case 'i':
			if (ni == HFN_KEYS_MAX_NAMES)
				return hfn_keys_usage(cmd, "at most %d --ip", HFN_KEYS_MAX_NAMES);
			ips[ni++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'y': {
			char *end;
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 3650)
				return hfn_keys_usage(cmd, "--days must be 1..3650");
			break;
		}
		case 'b':
			if (hfn_keys_parse_time(optarg, &nb) != HF_OK || nb == HF_TIME_NEVER)
				return hfn_keys_usage(cmd, "bad --not-before '%s'", optarg);
			have_nb = true;
			break;
		case 'a':
			if (hfn_keys_parse_time(optarg, &na) != HF_OK || na == HF_TIME_NEVER)
				return hfn_keys_usage(cmd, "bad --not-after '%s'", optarg);
			have_na = true;
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
	if (ca == NULL || csr == NULL || nd + ni == 0)
		return hfn_keys_usage(cmd,
		                      "--ca, --csr and at least one --dns or --ip are required");
	if (!have_nb)
		nb = hfn_keys_now_ms() - 60000; /* tolerate small clock differences */
	if (!have_na)
		na = nb + (uint64_t)days * 86400000ull;
	if (na <= nb)
		return hfn_keys_usage(cmd, "--not-after must be after --not-before");
	if (out == NULL) {
		size_t n = strlen(csr);
		outp = malloc(n + 5);
		if (outp == NULL)
			return HFN_KEYS_EXIT_INTERNAL;
		memcpy(outp, csr, n + 1);
		if (n > 4 && strcmp(csr + n - 4, ".csr") == 0)
			memcpy(outp + n - 4, ".crt", 5);
		else
			memcpy(outp + n, ".crt", 5);
		out = outp;
	}
	rc = hfn_keys_tls_sign_csr(ca, csr, dns, nd, ips, ni, (int64_t)(nb / 1000),
	                           (int64_t)(na / 1000), out, fp);
	if (rc != HF_OK) {
		ex = hfn_keys_fail(cmd, rc, "cannot sign %s", csr);
		goto done;
	}
	hf_hex_encode(fp, sizeof(fp), fphex);
	printf("wrote %s\nsha256 %s\n", out, fphex);
done:
	free(outp);
	return ex;
}
