#!/bin/bash
# Issue 12 item 5: receivers check the public audit header (what the auditor counts)
# against the body, for every message type, and refuse a mismatch with HF_EAUDITHDR in the
# reply to the sender (before: an order whose header claimed 99 items, another subject or
# no status was accepted and stored).
# usage: audit_header.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'for n in p1; do killhard $n; done' EXIT
FED_NOT_BEFORE=-1d fed_init auth:authority p1:platform
orders_cfg p1
start p1; wait_api p1
o() { forge auth p1 order authority="$ID_auth" platform="$ID_p1" "$@"; }
expect "order, header claims 99 items" "$(o a_items=99)" HF_EAUDITHDR
expect "order, header names another subject" "$(o a_subject=random)" HF_EAUDITHDR
expect "order, header without status" "$(o a_status=none)" HF_EAUDITHDR
expect "order, header with another deadline" "$(o a_deadline=1)" HF_EAUDITHDR
expect "order, honest header" "$(o)" HF_OK
n=$(api p1 GET /v1/orders/inbox | jx "len(d['orders'])")
expect "orders stored" "$n" 1
echo "PASS"
