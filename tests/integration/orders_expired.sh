#!/bin/bash
# A message that expires in the outbox is reported undeliverable, never dropped silently
# (issue 12): an order to a platform that is down for longer than the order's envelope
# lifetime (HF_MAX_BACKDATE_MS, 7 days; the test clock jumps 8 days) is never sent (the
# platform would refuse it, and a sealed header is never re-sealed: spec §12.6); the
# authority shows it in /v1/status "undeliverable" with HF_EEXPIRED, counts it in
# hashfed_undeliverable_total{type="32"} and logs `undeliverable`. Pulls that expired
# unsent are dropped by design (the next pull replaces them): counted, not undeliverable.
# usage: orders_expired.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
trap 'for n in auth p1; do killhard $n; done' EXIT
DAY=$((86400 * 1000))

fed_init auth:authority p1:platform
orders_cfg auth
orders_cfg p1
start auth; wait_api auth
O=$(send_order auth "$ID_p1" 1 24h)
undeliv() { api auth GET /v1/status | jx "d['undeliverable']['count']"; }
[ "$(undeliv)" = 0 ] || fail "undeliverable before anything expired"

# The start-up hello (a pull) to p1 is queued too.
for _ in $(seq 50); do [ "$(metric auth 'hashfed_messages_out_total{type="18"}')" -ge 1 ] && break; sleep 0.1; done
# p1 stays down past the order's lifetime.
stop auth
start_at auth $((8 * DAY))
for _ in $(seq 100); do [ "$(undeliv)" = 1 ] && break; sleep 0.1; done
api auth GET /v1/status > "$W/status.json"
python3 - "$W/status.json" "$ID_p1" <<'PY' || fail "undeliverable order not reported: $(cat "$W/status.json")"
import json, sys
u = json.load(open(sys.argv[1]))["undeliverable"]
assert u["count"] == 1, u
m = u["messages"][0]
assert m["peer"] == sys.argv[2] and m["code"] == "HF_EEXPIRED", m
print("# undeliverable:", m)
PY
[ "$(metric auth 'hashfed_undeliverable_total{type="32",code="HF_EEXPIRED"}')" = 1 ] \
  || fail "hashfed_undeliverable_total: $(api auth GET /metrics | grep undeliverable)"
grep -q '"event":"undeliverable".*"type":"32".*"code":"HF_EEXPIRED"' "$W/auth.log" \
  || fail "no undeliverable log line"
# The hello (a pull) to p1 expired too: counted as expired by design, not undeliverable.
[ "$(metric auth 'hashfed_messages_expired_total{type="18"}')" -ge 1 ] \
  || fail "expired pull not counted: $(api auth GET /metrics | grep expired)"

# p1 comes back: the expired order is not sent; the authority's view stays honest.
start_at p1 $((8 * DAY))
sleep 3
[ "$(api p1 GET /v1/orders/received | jx "len(d['orders'])")" = 0 ] || fail "p1 got the expired order"
[ "$(api auth GET "/v1/orders/$O" | jx "bool(d.get('receipt_ms'))")" = False ] || fail "expired order shows a receipt"
st=$(item_state auth "$O" 0)
case $st in OVERDUE|ESCALATED) ;; *) fail "undelivered order past its deadline is $st" ;; esac
[ "$(undeliv)" = 1 ] || fail "undeliverable count changed to $(undeliv)"
echo "orders_expired OK"
