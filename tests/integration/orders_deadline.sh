#!/bin/bash
# Deadline timers of takedown orders between real nodes on loopback mutual TLS (issue 6).
# Time is moved with the test clock ([orders] test_clock = true + HF_TEST_CLOCK_OFFSET_MS),
# restarting the nodes each time, so the timers must come back from the authority's store:
#  - 50 min into a 1 h order: a reminder goes to the platform (which is offline by then);
#  - 70 min: the unanswered item is OVERDUE and ESCALATED, and an escalation notice
#    (metadata only) reaches the auditor node;
#  - an order sent while the platform is offline, past its deadline, escalates too, and is
#    still delivered (late receipt) when the platform is back;
#  - late answers are recorded: the escalated item becomes ACTIONED.
# usage: orders_deadline.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
trap 'for n in auth p1 aud; do killhard $n; done' EXIT

fed_init auth:authority p1:platform aud:auditor
for n in auth p1 aud; do orders_cfg $n; done
for n in auth p1 aud; do start $n; done
for n in auth p1 aud; do wait_api $n; done

echo "# 1. order delivered, then the platform goes offline; a second order waits for it"
X=$(send_order auth "$ID_p1" 2 1h)
wait_state auth "$X" 1 DELIVERED
stop p1
Y=$(send_order auth "$ID_p1" 1 1h)

echo "# 2. 50 min later (authority restarted): reminder queued, nothing overdue"
stop auth; stop aud
start_at auth 3000000; start_at aud 3000000
for _ in $(seq 50); do grep -q '"event":"order_reminded"' "$W/auth.log" && break; sleep 0.1; done
grep -q "\"event\":\"order_reminded\",\"order\":\"$X\"" "$W/auth.log" || fail "no reminder"
[ "$(item_state auth "$X" 0)" = DELIVERED ] || fail "state changed by the reminder"
left=$(oj auth "$X" "['left_ms']")
[ "$left" -gt 0 ] && [ "$left" -le 600000 ] || fail "time left $left"

echo "# 3. 70 min: overdue -> escalated -> auditor; also the order sent while p1 was offline"
stop auth; stop aud
start_at auth 4200000; start_at aud 4200000
wait_state auth "$X" 0 ESCALATED
wait_state auth "$X" 1 ESCALATED
wait_state auth "$Y" 0 ESCALATED
for _ in $(seq 100); do [ "$(api aud GET /v1/escalations | jx "len(d['escalations'])")" = 2 ] && break; sleep 0.1; done
E=$(api aud GET /v1/escalations)
[ "$(echo "$E" | jx "len(d['escalations'])")" = 2 ] || fail "escalations at the auditor: $E"
[ "$(echo "$E" | jx "[e['overdue'] for e in d['escalations'] if e['order']=='$X'][0]")" = 2 ] || fail "overdue count"
[ "$(echo "$E" | jx "d['escalations'][0]['platform']")" = "$ID_p1" ] || fail "escalation platform"
echo "$E" | grep -q 'media.example' && fail "escalation leaked a locator"
api aud GET "/v1/orders/$X" | grep -q HF_ENOTFOUND || fail "the auditor holds the order"
[ "$(api auth GET "/v1/orders/$X/history" | jx "len([m for m in d['messages'] if m['type']==36])")" = 1 ] || fail "escalation not in history"

echo "# 4. the platform is back: late receipt, reminder, late answers"
start_at p1 4200000
# its acknowledgement reaches the authority, which then retries what waits for p1 at once
api p1 POST "/v1/orders/$X/ack" '{}' >/dev/null
wait_state p1 "$Y" 0 DELIVERED 40
for _ in $(seq 300); do [ "$(oj auth "$Y" "['receipt_ms'] > 0")" = True ] && break; sleep 0.1; done
[ "$(oj auth "$Y" "['receipt_ms'] > 0")" = True ] || fail "late receipt not recorded"
[ "$(item_state auth "$Y" 0)" = ESCALATED ] || fail "late receipt changed the state"
for _ in $(seq 300); do [ "$(api p1 GET "/v1/orders/$X/history" | jx "len([m for m in d['messages'] if m['summary'] and m['summary'].get('kind')=='REMIND'])")" = 1 ] && break; sleep 0.1; done
[ "$(api p1 GET "/v1/orders/$X/history" | jx "len([m for m in d['messages'] if m['summary'] and m['summary'].get('kind')=='REMIND'])")" = 1 ] || fail "reminder not delivered"
api p1 POST "/v1/orders/$X/outcomes" '{"results":[{"item":0,"outcome":"removed"},{"item":1,"outcome":"not_found"}]}' >/dev/null
wait_state auth "$X" 0 ACTIONED
wait_state auth "$X" 1 ACTIONED
[ "$(api p1 GET /v1/orders/inbox | jx "[o['id'] for o in d['orders']]")" = "['$Y']" ] || fail "inbox after answers"
echo "PASS"
