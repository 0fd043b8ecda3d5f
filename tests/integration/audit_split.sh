#!/bin/bash
# The three attacks on the audit log of issue 13, between real nodes on loopback mutual TLS:
#  1. split view: the log (its own key, with a colluding witness's cosignature) shows the
#     platform a second checkpoint for a size whose honest checkpoint the authority holds:
#     the platform raises the alarm (log line, /metrics, AUDIT_ALARM to the auditor) and
#     keeps both notes; the honest witness refuses to cosign a fork and raises it too;
#  2. backdated outcome: the platform answers late and claims an earlier time (header
#     created and action_ms), then logs it: the log's integration time exposes it at the
#     authority (audit_backdated) and in the report (time to action from log time);
#  3. unlogged order: an authority that never submits its headers orders the platform:
#     the platform flags it (audit_not_logged) and the report counts the answers to an
#     order the log never saw.
# usage: audit_split.sh BIN_DIR TEST_BIN_DIR WORK_DIR
set -eu
BIN=$1
TBIN=$2
W=$3
. "$(dirname "$0")/lib_fed.sh"
. "$(dirname "$0")/lib_orders.sh"
NODES="kcsc wit police rogue portal"
trap 'for n in $NODES; do killhard $n; done; true' EXIT

# wit2 is in the manifest but never runs: its key is the colluding witness's.
FED_NOT_BEFORE=-1d fed_init kcsc:auditor wit:witness wit2:witness police:authority \
  rogue:authority portal:platform
for n in $NODES; do
  printf '[audit]\nbatch_ms = 100\nquorum = 1\ngossip_ms = 300\nunlogged_ms = 6000\nmax_backdate_ms = 2000\n' >> "$W/$n.ini"
done
echo "submit = false" >> "$W/rogue.ini"   # hides its messages from the log
echo "public = true" >> "$W/kcsc.ini"
for n in $NODES; do start $n; done
for n in $NODES; do wait_api $n; done
ast() { api "$1" GET /v1/audit/status | jget "['$2']"; }
# wait_ge NODE FIELD N [SECONDS]: until the audit status FIELD of NODE is >= N
wait_ge() {
  local t=$(( ${4:-20} * 10 ))
  for _ in $(seq "$t"); do [ "$(ast "$1" "$2")" -ge "$3" ] 2>/dev/null && return 0; sleep 0.1; done
  fail "$1: audit $2 is $(ast "$1" "$2"), expected >= $3"
}
# SIGNER RCPT MODE ARGS...: tests/adversarial/hf_forge (orders) and hf_audit_forge (log)
forge() {
  local s=$1 r=$2 u; shift 2; eval "u=\$URL_$r"
  "$TBIN/hf_forge" "$u" "$W/fed/ca/ca.crt" "$W/$s/tls.crt" "$W/$s/tls.key" \
    "$W/fed/manifest.mp" "$W/$s" "$W/$r/node.pub" "$@"
}
aforge() {
  local s=$1 r=$2 u; shift 2; eval "u=\$URL_$r"
  "$TBIN/hf_audit_forge" "$u" "$W/fed/ca/ca.crt" "$W/$s/tls.crt" "$W/$s/tls.key" \
    "$W/fed/manifest.mp" "$W/$s" "$W/$r/node.pub" "$@"
}
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; echo "ok - $1 ($2)"; }

echo "# 0. an honest order flow, logged and published to everyone"
O1=$(send_order police "$ID_portal" 1 24h)
wait_state police "$O1" 0 DELIVERED
api portal POST "/v1/orders/$O1/outcomes" '{"results":[{"item":0,"outcome":"removed"}]}' >/dev/null
wait_state police "$O1" 0 ACTIONED
wait_ge kcsc published 3 # order, receipt, outcome
for _ in $(seq 100); do
  S=$(ast kcsc published)
  [ "$(ast kcsc size)" = "$S" ] && [ "$(ast portal seen)" = "$S" ] && [ "$(ast police seen)" = "$S" ] \
    && [ "$(ast portal waiting)" = 0 ] && [ "$(ast police waiting)" = 0 ] && break
  sleep 0.1
done
expect "portal holds the published checkpoint" "$(ast portal seen)" "$S"
expect "police holds the published checkpoint" "$(ast police seen)" "$S"
curl -sf "http://$(api_of kcsc)/checkpoint" > "$W/honest.note" || fail "checkpoint"
expect "honest checkpoint size" "$(sed -n 2p "$W/honest.note")" "$S"
for n in kcsc wit police portal; do expect "no alarm at $n yet" "$(ast $n alarms)" 0; done

echo "# 1. split view: a second checkpoint of size $S, shown to the platform only"
expect "forked checkpoint accepted for checking" \
  "$(aforge kcsc portal fork "$W/honest.note" "$W/fork.note" "$W/wit2")" HF_OK
[ "$(sed -n 3p "$W/fork.note")" != "$(sed -n 3p "$W/honest.note")" ] || fail "fork has the same root"
wait_ge portal alarms 1 10
grep -q '"audit_split_view"' "$W/portal.log" || fail "no split-view log line at portal"
[ "$(metric portal audit_alarms)" -ge 1 ] || fail "portal /metrics audit_alarms"
api portal GET /v1/audit/alarms > "$W/portal.alarms"
python3 - "$W/portal.alarms" "$W/honest.note" "$W/fork.note" <<'PY' || fail "portal evidence"
import json, sys
a = json.load(open(sys.argv[1]))['alarms']
h, f = open(sys.argv[2]).read(), open(sys.argv[3]).read()
assert len(a) == 1, a
# the honest note may since have gained cosignatures: compare the signed bodies
body = lambda n: n.split('\n\n')[0]
assert {body(a[0]['a']), body(a[0]['b'])} == {body(h), body(f)}, "both notes kept as evidence"
assert a[0]['reason'] == 'same size, different root', a[0]
print("ok - portal keeps both checkpoints:", a[0]['reason'])
PY
# the alarm reaches every auditor
wait_ge kcsc alarms 1 10
grep -q '"audit_split_view_reported"' "$W/kcsc.log" || fail "auditor: no alarm reported"
api kcsc GET /v1/audit/alarms | jget "['alarms'][0]['reason']" | grep -qx reported \
  || fail "auditor alarm reason"
expect "police (honest view only) has no alarm" "$(ast police alarms)" 0

echo "# 1b. the honest witness is asked to cosign the fork: refuses and raises the alarm"
expect "witness refuses" "$(aforge kcsc wit fork "$W/honest.note" "$W/fork2.note")" HF_ECONSISTENCY
wait_ge wit alarms 1 10
grep -q '"audit_split_view"' "$W/wit.log" || fail "no split-view log line at the witness"
# a replay of the same fork is one alarm, not two
aforge kcsc portal fork "$W/honest.note" "$W/fork3.note" "$W/wit2" >/dev/null
sleep 0.5
[ "$(ast portal alarms)" -le 2 ] || fail "portal alarms $(ast portal alarms)"

echo "# 2. backdated outcome: answered now, claimed 3 s earlier, then logged"
O2=$(send_order police "$ID_portal" 1 24h)
wait_state police "$O2" 0 DELIVERED
wait_state portal "$O2" 0 DELIVERED
sleep 3.5
B0=$(metric police audit_backdated)
now=$(($(date +%s%3N)))
expect "backdated outcome accepted by the authority's node" \
  "$(forge portal police outcome order_id="$O2" created=-3000 action_ms=$((now - 4000)) out="$W/backdated.env")" HF_OK
expect "the platform logs it after the fact" "$(aforge portal kcsc submit "$W/backdated.env")" HF_OK
wait_state police "$O2" 0 ACTIONED
for _ in $(seq 100); do [ "$(metric police audit_backdated)" -gt "$B0" ] && break; sleep 0.1; done
[ "$(metric police audit_backdated)" -gt "$B0" ] || fail "police did not flag the backdated outcome"
grep -q '"audit_backdated"' "$W/police.log" || fail "no audit_backdated log line"
echo "ok - the authority flags the backdated outcome (log time - created > 2000 ms)"

echo "# 3. unlogged order: rogue never submits its headers"
O3=$(send_order rogue "$ID_portal" 2 24h)
wait_state portal "$O3" 0 DELIVERED
for _ in $(seq 100); do [ "$(metric portal audit_not_logged)" -ge 1 ] && break; sleep 0.1; done
[ "$(metric portal audit_not_logged)" -ge 1 ] || fail "portal did not flag the unlogged order"
grep -q '"audit_not_logged"' "$W/portal.log" || fail "no audit_not_logged log line"
echo "ok - the platform flags the order the log never saw"
api portal POST "/v1/orders/$O3/outcomes" '{"results":[{"item":0,"outcome":"removed"},{"item":1,"outcome":"removed"}]}' >/dev/null
wait_state rogue "$O3" 1 ACTIONED
# the platform's receipt and outcome are logged (it submits), the order is not
for _ in $(seq 100); do
  api kcsc GET "/v1/report?period=all" > "$W/report.json"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); p=[x for x in r['platforms'] if x['member']==sys.argv[2]][0]; sys.exit(0 if p['answers_to_unlogged_orders']>=1 and p['backdated_messages']>=1 else 1)" \
    "$W/report.json" "$ID_portal" && break
  sleep 0.2
done
python3 - "$W/report.json" "$ID_portal" "$ID_rogue" "$ID_police" <<'PY' || fail "report"
import json, sys
r = json.load(open(sys.argv[1])); plat, rogue, police = sys.argv[2:]
p = [x for x in r['platforms'] if x['member'] == plat][0]
assert p['answers_to_unlogged_orders'] == 1, p
assert p['backdated_messages'] == 1, p
assert p['orders'] == 2, p           # O1 and O2: the unlogged O3 is not an order of record
# time to action from the log's clock: O2 was answered >= 3.5 s after its order was logged
assert p['time_to_action_ms']['max'] >= 3000, p['time_to_action_ms']
auth = {a['member']: a for a in r['authorities']}
assert rogue not in auth, auth.keys()
assert auth[police]['orders_sent'] == 2, auth[police]
print("ok - report: unlogged answers", p['answers_to_unlogged_orders'], "backdated",
      p['backdated_messages'], "time to action max", p['time_to_action_ms']['max'], "ms")
PY

echo "# 4. the honest log still verifies offline"
api police GET "/v1/audit/policy?log=$ID_kcsc&format=text" > "$W/policy" || fail "policy"
"$BIN/hashfed" audit verify --log "http://$(api_of kcsc)" --policy "$W/policy" >"$W/verify.out" 2>&1 \
  || { cat "$W/verify.out"; fail "hashfed audit verify"; }
echo "ok - $(tail -1 "$W/verify.out")"
echo "PASS audit_split"
