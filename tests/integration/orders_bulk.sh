#!/bin/bash
# Bulk orders (POST /v1/orders {"orders": [...]}) and pipelined delivery (issue 6):
#  - a bulk request creates every order in one transaction; each gets exactly one signed
#    receipt and the platform holds each exactly once;
#  - all or nothing: one invalid order (or too many orders/items) refuses the whole request
#    and creates none;
#  - the platform is killed (SIGKILL) while hundreds of orders are in flight and restarted:
#    every order still gets its receipt, none twice (durable outbox, inbox dedupe);
#  - events of one order travel in order although many messages are in flight: outcome
#    then verify on the same order end VERIFIED.
# usage: orders_bulk.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
trap 'for n in auth p1; do killhard $n; done' EXIT

fed_init auth:authority p1:platform
orders_cfg auth
orders_cfg p1
start auth; start p1; wait_api auth; wait_api p1

# bulk_json FIRST COUNT [BAD_INDEX]: an orders array (BAD_INDEX gets an invalid category)
bulk_json() {
  python3 - "$ID_p1" "$1" "$2" "${3:--1}" <<'PY'
import json, sys
plat, first, n, bad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(json.dumps({'orders': [{'platform': plat, 'category': 'nope' if i == bad else 'csam',
    'legal_basis': 'Act 44-7(1)', 'case': f'BULK-{first + i}', 'deadline': '24h',
    'items': [{'url': f'https://media.example/b/{first + i}'}]} for i in range(n)]}))
PY
}
count_issued() { api auth GET /v1/orders | python3 -c "import sys,json; print(len(json.load(sys.stdin)['orders']))"; }
# wait_receipts N SECONDS: every issued order has its receipt
wait_receipts() {
  local t=$(( $2 * 10 )) got=0
  for _ in $(seq "$t"); do
    got=$(api auth GET /v1/orders | python3 -c "import sys,json; print(sum(1 for o in json.load(sys.stdin)['orders'] if o['receipt_ms']))")
    [ "$got" = "$1" ] && return 0; sleep 0.1
  done
  fail "$got of $1 orders have their receipt"
}

# --- refusals: nothing is created ---
code=$(curl -s -o "$W/r.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
  --data-binary '{"orders": []}' "http://$API_auth/v1/orders")
[ "$code" = 400 ] || fail "empty bulk: HTTP $code"
bulk_json 0 20 7 > "$W/bad.json"
code=$(curl -s -o "$W/r.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
  --data-binary @"$W/bad.json" "http://$API_auth/v1/orders")
[ "$code" = 400 ] || fail "bulk with an invalid order: HTTP $code"
grep -q 'orders\[7\]' "$W/r.json" || fail "the refusal does not name the invalid order: $(cat "$W/r.json")"
bulk_json 0 1001 > "$W/big.json"
code=$(curl -s -o "$W/r.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
  --data-binary @"$W/big.json" "http://$API_auth/v1/orders")
[ "$code" = 400 ] || fail "1001 orders: HTTP $code"
python3 - "$ID_p1" > "$W/items.json" <<'PY'
import json, sys
print(json.dumps({'orders': [{'platform': sys.argv[1], 'category': 'csam', 'legal_basis': 'x',
    'case': f'I-{i}', 'items': [{'url': f'https://m.example/{i}/{j}'} for j in range(1000)]}
    for i in range(11)]}))
PY
code=$(curl -s -o "$W/r.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
  --data-binary @"$W/items.json" "http://$API_auth/v1/orders")
[ "$code" = 400 ] || fail "11000 items: HTTP $code"
[ "$(count_issued)" = 0 ] || fail "a refused bulk request created orders"

# --- a bulk request: every order delivered and receipted once ---
bulk_json 0 200 > "$W/ok.json"
api auth POST /v1/orders @"$W/ok.json" > "$W/ids.json" 2>/dev/null \
  || curl -sS -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$W/ok.json" \
     "http://$API_auth/v1/orders" > "$W/ids.json"
n=$(python3 -c "import sys,json; d=json.load(open(sys.argv[1])); print(len(set(o['id'] for o in d['orders'])))" "$W/ids.json")
[ "$n" = 200 ] || fail "bulk answered $n distinct ids, expected 200"
wait_receipts 200 30

# --- SIGKILL of the platform with orders in flight ---
for b in 1 2 3; do
  bulk_json $((b * 1000)) 200 > "$W/b$b.json"
  curl -sS -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$W/b$b.json" \
    "http://$API_auth/v1/orders" > /dev/null
  [ "$b" = 1 ] && killhard p1
done
start p1; wait_api p1
wait_receipts 800 60
got=$(api p1 GET /v1/orders/received | python3 -c "import sys,json; o=json.load(sys.stdin)['orders']; print(len(o), len(set(x['id'] for x in o)))")
[ "$got" = "800 800" ] || fail "platform holds (orders, distinct) = $got, expected 800 800"

# --- one order's messages stay in order while many are in flight ---
# REMIND is valid only after VERIFY_STILL_REACHABLE reopened the item: if the platform got
# them the other way round it would refuse the reminder and the histories would differ.
first=$(python3 -c "import sys,json; print(json.load(open(sys.argv[1]))['orders'][0]['id'])" "$W/ids.json")
api p1 POST "/v1/orders/$first/outcomes" '{"results": [{"item": 0, "outcome": "removed"}]}' > /dev/null
wait_state auth "$first" 0 ACTIONED 30
bulk_json 5000 200 > "$W/more.json"
curl -sS -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$W/more.json" \
  "http://$API_auth/v1/orders" > /dev/null
api auth POST "/v1/orders/$first/verify" '{"result": "still_reachable"}' > /dev/null
api auth POST "/v1/orders/$first/remind" '{}' > /dev/null
wait_state p1 "$first" 0 IN_REVIEW 30
wait_receipts 1000 60
for _ in $(seq 100); do
  [ "$(history_count p1 "$first")" = "$(history_count auth "$first")" ] && break; sleep 0.1
done
[ "$(history_count p1 "$first")" = "$(history_count auth "$first")" ] \
  || fail "histories differ: p1 $(history_count p1 "$first"), auth $(history_count auth "$first")"
[ "$(history_count auth "$first")" -ge 5 ] || fail "history of $first too short"
echo "orders_bulk OK"
