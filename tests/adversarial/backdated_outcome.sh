#!/bin/bash
# Issue 12 item 4: an outcome's action time can be neither before its order existed nor in
# the future: refused with HF_EACTIONTIME on receipt and on the platform's API (before:
# action_ms = 1 accepted and stored, future values silently clamped to now).
# usage: backdated_outcome.sh BIN_DIR TEST_BIN_DIR WORK_DIR
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
now=$(($(date +%s) * 1000))
expect "received action_ms 1" "$(forge p1 auth outcome order_id="$A" action_ms=1)" HF_EACTIONTIME
expect "received action_ms 1 h ahead" "$(forge p1 auth outcome order_id="$A" action_ms=$((now + 3600000)))" HF_EACTIONTIME
[ "$(item_state auth "$A" 0)" = DELIVERED ] || fail "a refused outcome was applied"
code() { api p1 POST "/v1/orders/$A/outcomes" "{\"results\":[{\"item\":0,\"outcome\":\"removed\",\"action_ms\":$1}]}" | jx "d.get('error', d.get('status'))"; }
expect "API action_ms 1" "$(code 1)" HF_EACTIONTIME
expect "API action_ms 1 h ahead" "$(code $((now + 3600000)))" HF_EACTIONTIME
[ "$(item_state p1 "$A" 0)" = DELIVERED ] || fail "a refused outcome was applied at p1"
expect "received action_ms now" "$(forge p1 auth outcome order_id="$A" action_ms=$((now - 1000)))" HF_OK
wait_state auth "$A" 0 ACTIONED
echo "PASS"
