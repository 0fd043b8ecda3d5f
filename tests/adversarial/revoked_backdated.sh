#!/bin/bash
# Issue 12 item 2: backdating must not defeat revocation. A stolen key, revoked in the
# manifest the platform holds, is refused for every message first seen after the platform
# loaded the revocation, whatever `created` says (HF_EREVOKED); and no message may claim to
# be older than HF_MAX_BACKDATE_MS (7 days, HF_ESTALE) even from a valid key.
# usage: revoked_backdated.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'for n in p1; do killhard $n; done' EXIT
FED_NOT_BEFORE=-40d fed_init auth:authority auth2:authority p1:platform
orders_cfg p1
start p1 && wait_api p1
H=-3600000
expect "valid key, created 1 h ago" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1" created=$H)" HF_OK
expect "valid key, created 6 d ago" "$(forge auth2 p1 order authority="$ID_auth2" platform="$ID_p1" created=-518400000 life=2592000000)" HF_OK
expect "valid key, created 8 d ago (cap 7 d)" "$(forge auth2 p1 order authority="$ID_auth2" platform="$ID_p1" created=-691200000 life=2592000000)" HF_ESTALE
# the authority's key is stolen: the federation revokes it now
"$K" manifest revoke -m "$W/fed/manifest.mp" --member "$ID_auth" >/dev/null || fail revoke
"$K" manifest sign -m "$W/fed/manifest.mp" --root "$W/fed/root-1.key" >/dev/null || fail sign
reload p1
# dated before revoked_at (the manifest's own rule would accept it): refused all the same
expect "revoked key, created 1 h before the revocation" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1" created=$H)" HF_EREVOKED
expect "revoked key, created 29 d before" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1" created=-2505600000 life=2592000000)" HF_EREVOKED
expect "revoked key, created now" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1")" HF_EREVOKED
expect "other authority unaffected" "$(forge auth2 p1 order authority="$ID_auth2" platform="$ID_p1" created=$H)" HF_OK
# the same after a restart (the revocation is in the manifest on disk)
stop p1; start p1; wait_api p1
expect "revoked key after restart" "$(forge auth p1 order authority="$ID_auth" platform="$ID_p1" created=$H)" HF_EREVOKED
# only the orders from before the revocation, and the valid one, were stored
n=$(api p1 GET /v1/orders/inbox | jx "len(d['orders'])")
expect "orders stored" "$n" 3
echo "PASS"
