#!/bin/bash
# Issue 12 item 6 (TLS fingerprints): a certificate chained to the federation CA is not
# enough; it must be one the manifest pins (SHA-256 of the DER), and on a dial, one of the
# dialed member's. A rogue certificate (CA-signed, in no manifest entry) is refused by the
# listener; a dial that reaches another member's node (a misdirected endpoint) is refused by
# the dialer (HF_ETLSPEER in the outbox, nothing delivered, retried) until it reaches p1.
# usage: tls_pinning.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'killhard auth; killhard p1; killhard p2' EXIT
FED_NOT_BEFORE=-1d fed_init auth:authority p1:platform p2:platform
orders_cfg auth
orders_cfg p1
"$K" new-node --name rogue --out "$W/rogue" >/dev/null
"$K" sign-cert --ca "$W/fed/ca" --csr "$W/rogue/tls.csr" --dns localhost --ip 127.0.0.1 \
  --out "$W/rogue/tls.crt" >/dev/null
# The rogue certificate verifies against the CA: only the pinning can refuse it.
openssl verify -CAfile "$W/fed/ca/ca.crt" "$W/rogue/tls.crt" >/dev/null || fail "rogue cert not CA-signed"

# 1. Listener side: auth's own envelope, sent over the rogue certificate.
start p1; wait_api p1
forge_tls() { # CERT_DIR: auth's order to p1 over CERT_DIR's TLS certificate
  "$TBIN/hf_forge" "$URL_p1" "$W/fed/ca/ca.crt" "$W/$1/tls.crt" "$W/$1/tls.key" \
    "$W/fed/manifest.mp" "$W/auth" "$W/p1/node.pub" order authority="$ID_auth" platform="$ID_p1" 2>&1 || true
}
got=$(forge_tls rogue)
case "$got" in *HF_OK*) fail "rogue certificate accepted: $got" ;; esac
echo "ok - rogue certificate: no reply ($(echo "$got" | tail -n 1))"
for _ in $(seq 50); do grep -q '"event":"tls_peer_refused","side":"listener"' "$W/p1.log" && break; sleep 0.1; done
grep -q '"event":"tls_peer_refused","side":"listener","member":"any".*"code":"HF_ETLSPEER"' "$W/p1.log" \
  || fail "listener logged no tls_peer_refused"
echo "ok - listener logged tls_peer_refused (HF_ETLSPEER)"
expect "auth's own certificate" "$(forge_tls auth)" HF_OK
stop p1

# 2. Dialer side: the manifest sends auth to p2's port for p1 (a misdirected endpoint, as a
# hijacked DNS name would): p2's certificate is CA-signed and pinned, but p2's, not p1's.
setep() { # MEMBER URL: new manifest epoch with MEMBER's endpoint at URL, signed
  "$K" manifest set-endpoint -m "$W/fed/manifest.mp" --member "$1" --endpoint "$2" >/dev/null || fail set-endpoint
  "$K" manifest sign -m "$W/fed/manifest.mp" --root "$W/fed/root-1.key" >/dev/null || fail sign
}
start p1; wait_api p1
setep "$ID_p1" "$URL_p2"
start p2; wait_api p2
start auth; wait_api auth
ORDER=$(api auth POST /v1/orders "{\"platform\":\"$ID_p1\",\"category\":\"deepfake_sexual\",\"legal_basis\":\"art. 14-2\",\"case\":\"C-1\",\"items\":[{\"url\":\"https://x.example/1\"}]}" | jget "['id']")
for _ in $(seq 100); do grep -q '"event":"tls_peer_refused","side":"dialer"' "$W/auth.log" && break; sleep 0.1; done
grep -q "\"event\":\"tls_peer_refused\",\"side\":\"dialer\",\"member\":\"$ID_p1\".*\"code\":\"HF_ETLSPEER\"" "$W/auth.log" \
  || fail "dialer logged no tls_peer_refused for p1"
echo "ok - dialer refused p2's certificate at p1's endpoint"
# outbox_status: the distinct status of p1's undelivered outbox rows (read-only, WAL)
outbox_status() { python3 - "$W/auth/data/node.db" "$ID_p1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute("SELECT DISTINCT status FROM outbox WHERE done_ms IS NULL AND hex(peer) = upper(?)",
                  (sys.argv[2],)).fetchall()
print(",".join(sorted(str(r[0]) for r in rows)))
PY
}
for _ in $(seq 100); do [ "$(outbox_status)" = HF_ETLSPEER ] && break; sleep 0.1; done
expect "p1's outbox rows record" "$(outbox_status)" HF_ETLSPEER
sleep 1
grep -q "$ORDER" "$W/p2.log" && fail "p2 saw the order"
api p1 GET /v1/orders/inbox | grep -q "$ORDER" && fail "the order reached p1 through p2's endpoint"
echo "ok - nothing delivered meanwhile"
# 3. The endpoint fixed (new manifest, SIGHUP): the retried order reaches p1.
setep "$ID_p1" "$URL_p1"
reload p1
reload auth
for _ in $(seq 300); do
  [ "$(api auth GET "/v1/orders/$ORDER" | jget "['receipt_ms']")" != 0 ] && break; sleep 0.1
done
[ "$(api auth GET "/v1/orders/$ORDER" | jget "['receipt_ms']")" != 0 ] || fail "no receipt after p1 took its own certificate back"
echo "ok - delivered once the endpoint leads to p1"
echo "PASS"
