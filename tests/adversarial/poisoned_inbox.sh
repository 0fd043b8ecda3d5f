#!/bin/bash
# poisoned_inbox (issue 12 item 1, issue 11 "one inbox"): an ORDER that cannot be processed
# must end in a final, recorded refusal and never block the messages behind it.
#  - authority `bad` issues an order to p1 while p1 is down; then every key of `bad` is
#    revoked (after the order's `created`, so the envelope stays authentic) and p1 starts
#    with that manifest: the order is accepted, but p1 cannot seal the receipt to bad's
#    revoked encryption key;
#  - the row ends refused once (HF_EKEYEXPIRED / HF_EREVOKED: counted, logged, replied to
#    bad, which records it and stops resending), p1 holds no such order, and it is not
#    retried (no counter growth, no inbox_retry);
#  - authority `good`'s orders, queued behind it, get their receipts at once, also after p1
#    restarts.
# usage: poisoned_inbox.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/../integration/lib_fed.sh"
. "$(dirname "$0")/../integration/lib_orders.sh"
trap 'for n in bad good p1; do killhard $n; done' EXIT

fed_init bad:authority good:authority p1:platform
for n in bad good p1; do orders_cfg $n; done
start bad; start good; wait_api bad; wait_api good

# receipt_of NODE ORDER: 1 once the authority holds the platform's receipt
receipt_of() { api "$1" GET "/v1/orders/$2" 2>/dev/null | python3 -c "import sys,json
try: print(1 if json.load(sys.stdin)['receipt_ms'] else 0)
except Exception: print(0)"; }
wait_receipt() {
  for _ in $(seq 200); do [ "$(receipt_of "$1" "$2")" = 1 ] && return 0; sleep 0.1; done
  fail "$1: no receipt for $2"
}
refusals() { # p1's count of final refusals of bad's messages (either code)
  echo $(( $(metric p1 'rejects_total{peer="'"$ID_bad"'",code="HF_EKEYEXPIRED"}') + \
           $(metric p1 'rejects_total{peer="'"$ID_bad"'",code="HF_EREVOKED"}') ))
}

echo "# 1. bad's order waits in its outbox; bad's keys are revoked after it was made"
X=$(send_order bad "$ID_p1" 1 24h)
[ -n "$X" ] || fail "order not created"
sleep 0.3
"$K" manifest revoke -m "$W/fed/manifest.mp" --member "$ID_bad" >/dev/null || fail revoke
"$K" manifest sign -m "$W/fed/manifest.mp" --root "$W/fed/root-1.key" >/dev/null || fail sign
# bad keeps the manifest it loaded; good reloads (p1's receipts carry the new epoch, which
# a receiver still holding the old one refuses for now, HF_EEPOCHAHEAD); p1 starts with it.
kill -HUP "$PID_good"

echo "# 2. p1 starts: bad's order is refused for good, good's order is not held up"
start p1; wait_api p1
for _ in $(seq 200); do [ "$(refusals)" -ge 1 ] && break; sleep 0.1; done
# Every message of bad's first seen after p1 loaded the revocation is refused at receive
# (issue 12 item 2): the order, and bad's hello pull (queued for p1 since bad started).
sleep 1
R=$(refusals)
[ "$R" -ge 1 ] && [ "$R" -le 2 ] || fail "bad's messages not refused once each (refusals: $R)"
Y=$(send_order good "$ID_p1" 1 24h)
wait_receipt good "$Y"
api p1 GET "/v1/orders/$X" | grep -q HF_ENOTFOUND || fail "p1 holds the order it could not receipt"
[ "$(receipt_of bad "$X")" = 0 ] || fail "bad got a receipt"
# The refusal is the reply: bad records it and stops resending.
for _ in $(seq 100); do grep -q '"event":"send_refused".*"code":"HF_E\(KEYEXPIRED\|REVOKED\)"' "$W/bad.log" && break; sleep 0.1; done
grep -q '"event":"send_refused".*"code":"HF_E\(KEYEXPIRED\|REVOKED\)"' "$W/bad.log" \
  || fail "the refusal did not reach bad"
# Final: not retried (the old code retried every 500 ms and blocked everything behind it).
sleep 2
[ "$(refusals)" = "$R" ] || fail "bad's order refused again: $(refusals)"
grep -q '"event":"inbox_retry"' "$W/p1.log" && fail "a final refusal was retried"

echo "# 3. after a restart of p1 nothing is pending and good's orders still flow"
stop p1; start p1; wait_api p1
Z=$(send_order good "$ID_p1" 2 24h)
wait_receipt good "$Z"
[ "$(refusals)" = "$R" ] || fail "bad's order processed again after restart: $(refusals)"
[ "$(item_state p1 "$Y" 0)" = DELIVERED ] || fail "good's first order lost at p1"
echo "PASS"
