#!/bin/sh
# integration.keys_tls: two nng endpoints complete mutual TLS over
# tls+tcp://127.0.0.1 with certificates made by hashfed-keys; a certificate
# from another CA, an expired one and a revoked one (CRL) are refused.
# Usage: keys_tls.sh HASHFED_KEYS HF_TLS_PAIR WORKDIR
set -eu
K=$1 PAIR=$2 W=$3
rm -rf "$W" && mkdir -p "$W" && cd "$W"

fail() { echo "FAIL: $*" >&2; exit 1; }
node() { # node NAME CADIR [sign-cert options...]
  n=$1 ca=$2; shift 2
  "$K" new-node --name "$n" --out "$n" >/dev/null
  "$K" sign-cert --ca "$ca" --csr "$n/tls.csr" --dns localhost --ip 127.0.0.1 "$@" >/dev/null
}
# expect ok|refused  SERVER CLIENT [SRV_CRL] [CLI_CRL] [SRV_CA] [CLI_CA]
expect() {
  want=$1 s=$2 c=$3 scrl=${4:-fed/ca/crl.pem} ccrl=${5:-fed/ca/crl.pem}
  sca=${6:-fed/ca/ca.crt} cca=${7:-fed/ca/ca.crt}
  set +e
  out=$("$PAIR" "$sca" "$scrl" "$s/tls.crt" "$s/tls.key" "$cca" "$ccrl" "$c/tls.crt" "$c/tls.key")
  rc=$?
  set -e
  echo "$s <- $c: $out"
  case "$want:$rc" in
  ok:0 | refused:1) ;;
  *) fail "server $s, client $c: wanted $want, exit $rc" ;;
  esac
}

"$K" init-federation --name tls-test --roots 1 --threshold 1 --out fed >/dev/null
"$K" init-federation --name other --roots 1 --threshold 1 --out other >/dev/null
node a fed/ca
node b fed/ca
node stranger other/ca
node expired fed/ca --not-before -10d --not-after -1d
node revoked fed/ca

# The certificates are what hashfed-keys says they are.
openssl verify -CAfile fed/ca/ca.crt a/tls.crt >/dev/null || fail "a/tls.crt does not verify"
openssl x509 -in a/tls.crt -noout -text | grep -q 'ASN1 OID: prime256v1' || fail "not P-256"

expect ok a b
expect ok b a
expect refused a stranger                       # client from another CA
expect refused stranger a other/ca/crl.pem fed/ca/crl.pem other/ca/ca.crt fed/ca/ca.crt # server from another CA
expect refused a expired                        # expired client certificate
expect refused expired a                        # expired server certificate
expect ok a revoked                             # before revocation
"$K" revoke-cert --ca fed/ca --cert revoked/tls.crt >/dev/null
openssl crl -in fed/ca/crl.pem -noout -text | grep -q 'Serial Number' || fail "CRL is empty"
expect refused a revoked                        # revoked client, CRL loaded by the server
expect refused revoked a                        # revoked server, CRL loaded by the client
expect ok a b                                   # the others still work
# revoking twice is an error (exit 2: input), and a foreign certificate cannot be revoked
set +e
"$K" revoke-cert --ca fed/ca --cert revoked/tls.crt 2>/dev/null; [ $? -eq 2 ] || fail "double revoke"
"$K" revoke-cert --ca fed/ca --cert stranger/tls.crt 2>/dev/null; [ $? -eq 3 ] || fail "foreign revoke"
set -e
echo "keys_tls: all cases passed"
