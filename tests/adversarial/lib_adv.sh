# Helpers of the adversarial scripts (sourced, not a test): the integration helpers plus
# forge, the hostile member's send. Needs BIN, TBIN and W set.
. "$(dirname "$0")/../integration/lib_fed.sh"
. "$(dirname "$0")/../integration/lib_orders.sh"
# forge SIGNER RCPT KIND [NAME=VALUE...]: one hand-made envelope from SIGNER (its own key
# and TLS certificate) to RCPT's transport; prints RCPT's reply code (tests/adversarial/hf_forge.c)
forge() {
  local s=$1 r=$2 k=$3 u; shift 3; eval "u=\$URL_$r"
  "$TBIN/hf_forge" "$u" "$W/fed/ca/ca.crt" "$W/$s/tls.crt" "$W/$s/tls.key" \
    "$W/fed/manifest.mp" "$W/$s" "$W/$r/node.pub" "$k" "$@"
}
# expect WHAT GOT WANT
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; echo "ok - $1 ($2)"; }
# reload NODE: SIGHUP and wait for the manifest_loaded log line count to grow
reload() {
  local p c; eval "p=\$PID_$1"; c=$(grep -c manifest_loaded "$W/$1.log" || true)
  kill -HUP "$p"
  for _ in $(seq 50); do [ "$(grep -c manifest_loaded "$W/$1.log" || true)" -gt "$c" ] && return 0; sleep 0.1; done
  fail "$1 did not reload its manifest"
}
