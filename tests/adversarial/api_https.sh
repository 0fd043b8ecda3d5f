#!/bin/bash
# Issue 12 item 6 (the API): plain HTTP beyond loopback is refused unless [api]
# allow_plaintext says so; with [api] tls_cert/tls_key the API speaks HTTPS only (curl
# --cacert works, plain HTTP and an unknown CA fail, a 0644 key is refused); unknown JSON
# fields in request bodies are refused with HF_EUNKNOWNKEY naming the field.
# usage: api_https.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'killhard auth; killhard p1' EXIT
fed_init auth:authority p1:platform
orders_cfg p1
A=$(api_of auth) PORT=${A##*:}

# 1. Plain HTTP beyond loopback: refused, unless allowed (then warned).
sed -i "s/^listen = 127.0.0.1:$PORT\$/listen = 0.0.0.0:$PORT/" "$W/auth.ini"
if "$N" --config "$W/auth.ini" --check-config >"$W/check.out" 2>&1; then
  fail "plain HTTP on 0.0.0.0 passed --check-config"
fi
grep -q 'allow_plaintext' "$W/check.out" || fail "refusal does not name the setting: $(cat "$W/check.out")"
echo "ok - plain HTTP on 0.0.0.0 refused by --check-config"
sed -i 's/^token_file = token$/token_file = token\nallow_plaintext = true/' "$W/auth.ini"
"$N" --config "$W/auth.ini" --check-config >/dev/null || fail "allow_plaintext = true refused"
echo "ok - allow_plaintext = true accepted"

# 2. HTTPS with the node's own certificate (CA-signed, SAN 127.0.0.1).
sed -i '/^allow_plaintext = true$/d' "$W/auth.ini"
sed -i 's/^token_file = token$/token_file = token\ntls_cert = auth\/tls.crt\ntls_key = auth\/tls.key/' "$W/auth.ini"
"$N" --config "$W/auth.ini" --check-config >/dev/null || fail "HTTPS on 0.0.0.0 refused"
chmod 644 "$W/auth/tls.key"
if timeout 10 "$N" --config "$W/auth.ini" >/dev/null 2>"$W/start.out"; then fail "started with a 0644 API key"; fi
grep -q 'api_tls_key_refused' "$W/start.out" || fail "0644 API key: $(cat "$W/start.out")"
echo "ok - 0644 API TLS key refused at start"
chmod 600 "$W/auth/tls.key"
start auth
H="https://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -s --cacert "$W/fed/ca/ca.crt" "$H/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
expect "https healthz" "$(curl -sS --cacert "$W/fed/ca/ca.crt" "$H/healthz")" '{"status":"ok"}'
grep -q '"event":"api_listening","host":"0.0.0.0","scheme":"https"' "$W/auth.log" || fail "no api_listening https line"
if grep -q api_plaintext_not_loopback "$W/auth.log"; then fail "HTTPS API warned as plaintext"; fi
got=$(curl -sS --cacert "$W/fed/ca/ca.crt" -H "Authorization: Bearer $TOKEN" "$H/v1/status" | jget "['roles']")
expect "https status with the token" "$got" authority
if curl -s --max-time 5 "http://127.0.0.1:$PORT/healthz" | grep -q ok; then fail "plain HTTP answered on the HTTPS port"; fi
echo "ok - plain HTTP gets no answer on the HTTPS port"
if curl -s --max-time 5 "$H/healthz" >/dev/null 2>&1; then fail "curl trusted the node without --cacert"; fi
echo "ok - unknown CA: curl refuses the certificate"
# An HTTP/1.1 keep-alive pair of requests over one TLS connection.
n=$(curl -sS --cacert "$W/fed/ca/ca.crt" "$H/healthz" "$H/healthz" | grep -c ok)
expect "two requests on one connection" "$n" 2

# 3. Unknown fields refused by name (over HTTPS, as a client would meet them).
hs() { curl -sS --max-time 30 --cacert "$W/fed/ca/ca.crt" -X "$1" -H "Authorization: Bearer $TOKEN" --data-binary "$3" "$H$2"; }
unknown() { # WHAT REPLY FIELD
  expect "$1: error" "$(echo "$2" | jget "['error']")" HF_EUNKNOWNKEY
  echo "$2" | grep -qF "unknown field \\\"$3\\\"" || fail "$1: field not named: $2"
}
unknown "list typo" "$(hs POST /v1/lists '{"name":"l","algs":["md5"],"platfroms":[]}')" platfroms
LIST=$(hs POST /v1/lists "{\"name\":\"l\",\"algs\":[\"md5\"],\"platforms\":[\"$ID_p1\"]}" | jget "['id']")
unknown "entry field" "$(hs POST "/v1/lists/$LIST/entries" '{"entries":[{"alg":"md5","value":"d41d8cd98f00b204e9800998ecf8427e"},{"alg":"md5","value":"d41d8cd98f00b204e9800998ecf8427f","expiry":5}]}')" 'entries[1].expiry'
unknown "entries wrapper" "$(hs POST "/v1/lists/$LIST/entries" '{"entries":[],"dry_run":true}')" dry_run
unknown "remove" "$(hs POST "/v1/lists/$LIST/remove" '{"ids":[1],"why":"x"}')" why
O='"platform":"'$ID_p1'","category":"deepfake_sexual","legal_basis":"art. 14-2","case":"C-1"'
unknown "order typo" "$(hs POST /v1/orders "{$O,\"deadlines\":\"2h\",\"items\":[{\"url\":\"https://x.example/1\"}]}")" deadlines
unknown "order item" "$(hs POST /v1/orders "{$O,\"items\":[{\"url\":\"https://x.example/1\",\"hash\":\"ab\"}]}")" 'items[0].hash'
unknown "order item ref" "$(hs POST /v1/orders "{$O,\"items\":[{\"url\":\"https://x.example/1\",\"refs\":[{\"list\":\"$LIST\",\"entry\":1,\"n\":2}]}]}")" 'items[0].refs[0].n'
got=$(hs POST /v1/orders "{\"orders\":[{$O,\"items\":[{\"url\":\"https://x.example/1\"}]},{$O,\"prio\":1,\"items\":[{\"url\":\"https://x.example/2\"}]}]}")
unknown "bulk order" "$got" prio
echo "$got" | grep -qF 'orders[1]' || fail "bulk: order index not named: $got"
expect "nothing created by the refused requests" "$(hs GET /v1/orders '' | python3 -c 'import sys,json; print(len(json.load(sys.stdin)["orders"]))')" 0
ORDER=$(hs POST /v1/orders "{$O,\"items\":[{\"url\":\"https://x.example/1\"}]}" | jget "['id']")
unknown "event" "$(hs POST "/v1/orders/$ORDER/withdraw" '{"items":[0],"reason":"x"}')" reason
unknown "referral" "$(hs POST /v1/referrals "{\"to\":\"$ID_p1\",\"notes\":\"x\"}")" notes
# The platform's side (plain HTTP on loopback, as before).
start p1; wait_api p1
unknown "outcome" "$(api p1 POST "/v1/orders/$ORDER/outcomes" '{"results":[{"item":0,"outcome":"removed","when":1}]}')" 'results[0].when'
unknown "match" "$(api p1 POST /v1/match '{"alg":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","qualty":5}')" qualty
got=$(api p1 POST /v1/match '{"hashes":[{"alg":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","x":1}]}' | jget "['results'][0]['error']")
expect "bulk match item" "$got" HF_EUNKNOWNKEY
unknown "allow-list" "$(api p1 POST /v1/match/allow '{"alg":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","comment":"x"}')" comment
echo "PASS"
