#!/bin/bash
# A revoked key's signatures count only if logged before the revocation (spec §5.6 step 3,
# §15.6), between real nodes on loopback mutual TLS:
#  - an order the authority sent (and logged) while the platform was down reaches the
#    platform after the authority's key was revoked: the platform asks the log, gets the
#    receipt (leaf logged before revoked_at) and accepts it on the sender's retry;
#  - a message backdated with the stolen key after the revocation has no such leaf: refused
#    HF_EPROOFPENDING while the log is asked, then HF_EREVOKED for good.
# usage: audit_revoked.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
NODES="kcsc wit police portal"
trap 'for n in $NODES; do killhard $n; done; true' EXIT
FED_NOT_BEFORE=-1d fed_init kcsc:auditor wit:witness police:authority portal:platform
for n in $NODES; do
  printf '[audit]\nbatch_ms = 100\nquorum = 1\ngossip_ms = 300\nunlogged_ms = 4000\n' >> "$W/$n.ini"
done
for n in $NODES; do start $n; done
for n in $NODES; do wait_api $n; done
ast() { api "$1" GET /v1/audit/status | jget "['$2']"; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; echo "ok - $1 ($2)"; }
reload() {
  local p c; eval "p=\$PID_$1"; c=$(grep -c manifest_loaded "$W/$1.log" || true)
  kill -HUP "$p"
  for _ in $(seq 50); do [ "$(grep -c manifest_loaded "$W/$1.log" || true)" -gt "$c" ] && return 0; sleep 0.1; done
  fail "$1 did not reload its manifest"
}
forge() {
  local s=$1 r=$2 u; shift 2; eval "u=\$URL_$r"
  "$TBIN/hf_forge" "$u" "$W/fed/ca/ca.crt" "$W/$s/tls.crt" "$W/$s/tls.key" \
    "$W/fed/manifest.mp" "$W/$s" "$W/$r/node.pub" "$@"
}
raw() { # raw SIGNER RCPT FILE: the envelope in FILE as it is
  local u; eval "u=\$URL_$2"
  "$TBIN/hf_order_inject" "$u" "$W/fed/ca/ca.crt" "$W/$1/tls.crt" "$W/$1/tls.key" \
    "$W/fed/manifest.mp" "$W/$1" "$W/$2/node.pub" raw 00000000000000000000000000000000 "$3"
}

echo "# 1. an order sent while the platform is down, logged at once"
stop portal
S0=$(ast kcsc size)
O=$(send_order police "$ID_portal" 1 24h)
for _ in $(seq 100); do [ "$(ast kcsc published)" -gt "$S0" ] && break; sleep 0.1; done
[ "$(ast kcsc published)" -gt "$S0" ] || fail "the order was not logged"
echo "ok - logged before the revocation (log size $(ast kcsc published))"

echo "# 2. the authority's key is revoked; the platform comes back"
sleep 0.2
# its signing key only: the platform still seals receipts to its encryption key
KID=$("$K" manifest show -m "$W/fed/manifest.mp" --json | python3 -c "import sys,json
d=json.load(sys.stdin); print([m for m in d['members'] if m['id']=='$ID_police'][0]['signing_keys'][0]['key_id'])")
"$K" manifest revoke -m "$W/fed/manifest.mp" --key "$KID" >/dev/null || fail revoke
"$K" manifest sign -m "$W/fed/manifest.mp" --root "$W/fed/root-1.key" >/dev/null || fail sign
for n in kcsc wit police; do reload $n; done
start portal
wait_api portal
wait_state portal "$O" 0 DELIVERED 25
grep -q '"HF_EPROOFPENDING"' "$W/portal.log" || fail "the first delivery was not held for the proof"
echo "ok - accepted after the log proved it predates the revocation"

echo "# 3. the stolen key backdates a new order: no leaf before the revocation"
expect "backdated order, first seen" \
  "$(forge police portal order authority="$ID_police" platform="$ID_portal" created=-60000 out="$W/stolen.env")" \
  HF_EPROOFPENDING
sleep 5 # [audit] unlogged_ms: the log said it has no such leaf
for _ in $(seq 50); do
  r=$(raw kcsc portal "$W/stolen.env")
  [ "$r" = HF_EREVOKED ] && break
  sleep 0.2
done
expect "backdated order, after the wait" "$r" HF_EREVOKED
n=$(api portal GET /v1/orders/inbox | python3 -c "import sys,json; print(len(json.load(sys.stdin)['orders']))")
expect "orders at the platform" "$n" 1
echo "PASS audit_revoked"
