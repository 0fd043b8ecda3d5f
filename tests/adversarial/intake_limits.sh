#!/bin/bash
# Issue 15: the public intake endpoint's limits come from [intake] (burst, refill_ms,
# max_per_hour), not from constants: burst 2 lets two reports through and refuses the third
# (429, Retry-After = refill rounded up to seconds); after refill_ms one more passes; the
# node-wide max_per_hour then refuses even a fresh client's bucket; bad values are refused
# by --check-config, naming the key.
# usage: intake_limits.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1 TBIN=$2 W=$3
. "$(dirname "$0")/lib_adv.sh"
trap 'killhard auth' EXIT
fed_init auth:authority
printf '[intake]\nburst = 0\n' >> "$W/auth.ini"
if "$N" --config "$W/auth.ini" --check-config >"$W/check.out" 2>&1; then fail "burst = 0 accepted"; fi
grep -q '\[intake\] burst' "$W/check.out" || fail "refusal does not name [intake] burst: $(cat "$W/check.out")"
echo "ok - [intake] burst = 0 refused by --check-config"
sed -i 's/^burst = 0$/burst = 2\nrefill_ms = 1500\nmax_per_hour = 4/' "$W/auth.ini"
start auth; wait_api auth
A=$(api_of auth)
# report N: one image report (a distinct hash each time); prints "STATUS RETRY-AFTER"
report() {
  local md5 sha
  md5=$(printf 'r%s' "$1" | md5sum | cut -c1-32); sha=$(printf 'r%s' "$1" | sha256sum | cut -c1-64)
  curl -sS --max-time 10 -o "$W/r$1.json" -D "$W/r$1.h" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "{\"role\":\"victim\",\"items\":[{\"kind\":\"image\",\"md5\":\"$md5\",\"sha256\":\"$sha\",\"pdq\":\"$sha\",\"quality\":100}],\"contact\":{\"channel\":\"none\"},\"consent\":true}" \
    "http://$A/intake/v1/reports"
  echo " $(tr -d '\r' < "$W/r$1.h" | sed -n 's/^Retry-After: //Ip')"
}
expect "report 1 (burst)" "$(report 1)" "200 "
expect "report 2 (burst)" "$(report 2)" "200 "
expect "report 3 (bucket empty)" "$(report 3)" "429 2"
sleep 1.7
expect "report 4 (refilled)" "$(report 4)" "200 "
sleep 1.7
expect "report 5 (refilled)" "$(report 5)" "200 "
sleep 1.7
# The bucket has a token again, but the node took max_per_hour = 4 this hour.
expect "report 6 (node cap)" "$(report 6)" "429 2"
expect "cases stored" "$(api auth GET /v1/intake/cases | python3 -c 'import sys,json; print(len(json.load(sys.stdin)["cases"]))')" 4
echo "PASS"
