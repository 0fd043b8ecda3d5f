/* hashfed-keys revoke-cert: add a certificate to the CA's CRL. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "keys.h"

static const char hfn_keys_help[] =
    "Usage: hashfed-keys revoke-cert --ca DIR (--cert FILE | --refresh) [--crl-days D]\n"
    "\n"
    "Revokes a node certificate issued by the CA in DIR: appends its serial to\n"
    "DIR/revoked.txt and re-signs DIR/crl.pem (PEM, 0644), which every node loads\n"
    "next to ca.crt. --refresh only re-signs the CRL with a new validity (a CRL past\n"
    "its nextUpdate makes every TLS handshake fail). Also remove the certificate's\n"
    "fingerprint from the manifest (manifest revoke --tls-cert).\n"
    "\n"
    "  --ca DIR        the federation CA directory\n"
    "  --cert FILE     certificate to revoke (PEM)\n"
    "  --refresh       re-sign the CRL without adding an entry\n"
    "  --crl-days D    CRL validity (default 365)\n"
    "\n" HFN_KEYS_EXIT_CODES_HELP;

int hfn_keys_cmd_revoke_cert(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ca", required_argument, NULL, 'c'}, {"cert", required_argument, NULL, 'x'},
	    {"refresh", no_argument, NULL, 'r'},  {"crl-days", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0}};
	const char *cmd = "revoke-cert", *ca = NULL, *cert = NULL;
	bool refresh = false;
	long days = 365;
	hf_err rc;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ca = optarg;
			break;
		case 'x':
			cert = optarg;
			break;
		case 'r':
			refresh = true;
			break;
		case 'l': {
			char *end;
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 3650)
				return hfn_keys_usage(cmd, "--crl-days must be 1..3650");
			break;
		}
		case 'h':
			fputs(hfn_keys_help, stdout);
			return HFN_KEYS_EXIT_OK;
		default:
			return hfn_keys_usage(cmd, "bad option");
		}
	}
	if (optind != argc)
		return hfn_keys_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (ca == NULL || (cert == NULL) == !refresh)
		return hfn_keys_usage(cmd, "--ca and one of --cert or --refresh are required");
	rc = refresh ? hfn_keys_tls_write_crl(ca, (unsigned)days)
	             : hfn_keys_tls_revoke(ca, cert, (unsigned)days);
	if (rc != HF_OK)
		return hfn_keys_fail(cmd, rc, "cannot update the CRL in %s", ca);
	printf("wrote %s/crl.pem\n", ca);
	return HFN_KEYS_EXIT_OK;
}
