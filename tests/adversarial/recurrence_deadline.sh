#!/bin/bash
# Issue 12 item 3: a reopened item's new deadline obeys the 1 h .. 90 d rule everywhere.
#  - on receipt: a RECURRENCE whose new_deadline is 2^63-1 (the item would never go
#    overdue), 30 min or 91 d after the event is refused with HF_EDEADLINE and changes
#    nothing; 2 h is accepted;
#  - on the authority's API: "30m" and "91d" are HF_EDEADLINE, "soon" and " 24h" HF_EPARSE
#    (before: sent, with garbage silently turned into the 72 h default).
# usage: recurrence_deadline.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'for n in auth p1; do killhard $n; done' EXIT
FED_NOT_BEFORE=-1d fed_init auth:authority p1:platform
orders_cfg auth
orders_cfg p1
start auth; start p1; wait_api auth; wait_api p1
A=$(send_order auth "$ID_p1" 1 24h)
wait_state auth "$A" 0 DELIVERED
api p1 POST "/v1/orders/$A/outcomes" '{"results":[{"item":0,"outcome":"removed"}]}' >/dev/null
wait_state auth "$A" 0 ACTIONED
wait_state p1 "$A" 0 ACTIONED
dl() { api "$1" GET "/v1/orders/$A" | jx "d['items'][0]['deadline_ms']"; }
before=$(dl p1)
now=$(($(date +%s) * 1000))
# recurrence of item 0 (kind 15) from the authority, hand-made
for bad in 9223372036854775807 $((now + 1800000)) $((now + 91 * 86400000)); do
  expect "received new_deadline $bad" "$(forge auth p1 event order_id="$A" kind=15 new_deadline=$bad)" HF_EDEADLINE
done
[ "$(dl p1)" = "$before" ] || fail "a refused deadline changed the item: $(dl p1)"
[ "$(item_state p1 "$A" 0)" = ACTIONED ] || fail "a refused recurrence reopened the item"
expect "received new_deadline in 2 h" "$(forge auth p1 event order_id="$A" kind=15 new_deadline=$((now + 7200000)))" HF_OK
wait_state p1 "$A" 0 RECURRED
# the authority's API
code() { api auth POST "/v1/orders/$A/recurrence" "{\"items\":[0],\"new_deadline\":$1}" | jx "d.get('error', d.get('status'))"; }
expect "API new_deadline 30m" "$(code '"30m"')" HF_EDEADLINE
expect "API new_deadline 91d" "$(code '"91d"')" HF_EDEADLINE
expect "API new_deadline 1799999 ms" "$(code 1799999)" HF_EDEADLINE
expect "API new_deadline soon" "$(code '"soon"')" HF_EPARSE
expect "API new_deadline ' 24h'" "$(code '" 24h"')" HF_EPARSE
expect "API new_deadline -24h" "$(code '"-24h"')" HF_EPARSE
expect "API order deadline 30m" "$(api auth POST /v1/orders "{\"platform\":\"$ID_p1\",\"category\":\"deepfake_sexual\",\"deadline\":\"30m\",\"legal_basis\":\"Act\",\"case\":\"C\",\"items\":[{\"url\":\"https://media.example/x\"}]}" | jx "d.get('error', d.get('id'))")" HF_EDEADLINE
echo "PASS"
